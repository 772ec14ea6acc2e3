//! `suda-bench`: a load generator for the Suda server.
//!
//! The questions it answers are the ones a deployment asks before it trusts
//! a chat server with a crowd: how much memory does an idle subscriber cost
//! (most connections are idle most of the time), and how fast and how
//! completely does one message reach every member of a big channel. So each
//! scenario drives a real server over the wire, exactly as clients do
//! (GraphQL for sign-up and sends, the event stream over SSE, WebSocket or
//! long polling for receipt), checks that nothing was lost or duplicated,
//! and reads the server's own CPU and memory from `/proc`.
//!
//! A fan-out run's headline is what it cost the server: its CPU per
//! delivery and per send over the measured window ([`window`]), which does
//! not depend on how efficient the load generator is. A run may set a
//! CPU-bound competitor beside the server ([`compete`]).
//!
//! The scenarios are library functions ([`run_idle`], [`run_fanout`]) so the
//! smoke test runs them against a server in its own process; the binary only
//! parses flags, starts or finds the server and prints the [`report`].
//!
//! On a cluster (several nodes on one PostgreSQL, [`Deployment`]) a fan-out
//! run spreads its streams and senders over the nodes so that every
//! delivery crosses nodes ([`scenario::layout`]), sums the nodes' CPU,
//! and observes PostgreSQL ([`pg`]): its CPU apart, and where the
//! cluster's writes wait.
//!
//! The `fanout` scenario also drives the usual alternatives, nginx with
//! nchan and a socket.io server ([`peer`]), and Suda with naive clients that
//! re-fetch on every event ([`scenario::refetch`]), so that Suda's figures
//! have something beside them from the same run on the same machine.

pub mod api;
pub mod compete;
pub mod error;
pub mod metrics;
pub mod peer;
pub mod pg;
pub mod proc;
pub mod report;
pub mod scenario;
pub mod sse;
pub mod target;
pub mod transport;
pub mod window;

pub use error::{Error, Result};
pub use peer::Peer;
pub use scenario::{
    fanout::{run_fanout, FanoutConfig, FanoutReport},
    idle::{run_idle, IdleConfig, IdleReport},
    refetch::Receive,
    uploads::{run_uploads, UploadsConfig, UploadsReport},
};
pub use target::{Deployment, Target};
pub use transport::Transport;
