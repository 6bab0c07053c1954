//! The mirror: scan the local tree, plan against the remote state, apply, in a background job.

/// Seconds between a live mirror's checks, unless `--interval` says otherwise.
pub const DEFAULT_INTERVAL_SECS: f64 = 1.0;
/// Levels below LOCAL a mirror descends, unless `--max-depth` says otherwise.
pub const DEFAULT_MAX_DEPTH: usize = 6;
/// Connections a mirror job (or a multi-file command) uses, unless `--parallel` says otherwise.
pub const DEFAULT_PARALLEL: usize = 4;

pub mod apply;
pub mod backup;
pub mod filter;
pub mod job;
pub mod modes;
pub mod on_change;
pub mod plan;
pub mod pool;
pub mod remote_walk;
pub mod scan;
pub mod state;
pub mod status_json;
pub mod tree;
pub mod watch;
