//! Shared test support: captured frames, a mini broker on the engine, and a TCP server that
//! runs it. Each test binary uses part of it.

#![allow(dead_code)]

pub(crate) mod client;
pub(crate) mod frames;
pub(crate) mod mini_broker;
pub(crate) mod server;
