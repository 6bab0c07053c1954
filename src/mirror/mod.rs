//! The mirror: scan the local tree, plan against the remote state, apply, in a background job.

/// Seconds between a live mirror's checks, unless `--interval` says otherwise.
pub const DEFAULT_INTERVAL_SECS: f64 = 1.0;
/// Seconds between a live download mirror's checks (`mirror --download`), unless
/// `mirror --interval` says otherwise. Each check lists the whole remote tree (a server
/// tells no one of its changes), one LIST/MLSD per folder: every second would be a
/// listing storm on a shared server, a minute is what polling tools commonly use.
pub const DEFAULT_DOWNLOAD_INTERVAL_SECS: f64 = 60.0;
/// Seconds between a live upload mirror's re-listings of the remote while nothing changes
/// locally, unless `mirror --recheck` says otherwise: an idle tick sends no command, so
/// another writer on the same remote folder would otherwise go unseen until the next local
/// change. One listing per folder every few minutes is cheap on any server.
pub const DEFAULT_RECHECK_SECS: u64 = 300;
/// The longest `mirror --recheck` (a day): the re-check is bounded, never switched off.
pub const MAX_RECHECK_SECS: u64 = 86_400;
/// Levels below LOCAL a mirror descends, unless `--max-depth` says otherwise.
pub const DEFAULT_MAX_DEPTH: usize = 6;
/// Connections a mirror job (or a multi-file command) uses, unless `--parallel` says otherwise.
pub const DEFAULT_PARALLEL: usize = 4;

pub mod apply;
pub mod backup;
pub mod download;
pub mod filter;
pub mod job;
pub mod lock;
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
