//! The FTP side: a Session over suppaftp, listing parsing, remote path rules.

mod ascii;
mod certificate;
mod commands;
mod connect;
mod data;
mod deadline;
pub mod encoding;
pub mod fetch;
pub mod listing;
pub mod path;
pub mod rate;
pub mod refusal;
pub mod reply;
pub mod session;
pub mod tls;

pub use connect::{ConnectParams, Secret};
pub use session::Session;
