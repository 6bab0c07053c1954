//! The FTP side: a Session over suppaftp, listing parsing, remote path rules.

pub mod encoding;
pub mod listing;
pub mod path;
pub mod session;
pub mod tls;

pub use session::{ConnectParams, Secret, Session};
