//! Integration tests of the client against a real server in this process.
//!
//! One binary (faster to link); each module pins one behaviour of the
//! client. The server and sessions live in `harness`, a TCP proxy that can
//! cut connections in `proxy`.

mod composite;
mod crash;
mod harness;
mod outbox;
mod renewal;
mod requests;
mod subscription;
mod transports;
