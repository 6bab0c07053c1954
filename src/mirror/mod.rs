//! The mirror: scan the local tree, plan against the remote state, apply, in a background job.

pub mod apply;
pub mod filter;
pub mod job;
pub mod plan;
pub mod pool;
pub mod remote_walk;
pub mod scan;
pub mod state;
pub mod tree;
pub mod watch;
