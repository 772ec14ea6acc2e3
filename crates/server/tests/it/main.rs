//! Integration tests of the server: a real server on 127.0.0.1:0 with a
//! temporary SQLite database (or with `SUDA_TEST_STORE=postgres` a fresh
//! PostgreSQL database), real HTTP, SSE and WebSocket clients.

mod abuse;
mod accounts;
mod attachments;
mod bad_input;
mod changes;
mod channels;
mod common;
mod connections;
mod contract;
mod conversations;
mod direct;
mod durability;
mod expensive;
mod faults;
mod faults_postgres;
mod flags;
mod mentions;
mod names;
mod presence;
mod process;
mod reactions;
mod router;
mod search;
mod stream;
mod threads;
mod transports;
mod typing;
