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
/// The deepest tree ftpsh walks anywhere: the largest `--max-depth`, and where `get -r`,
/// `put -r`, `chmod -R` and `rm -r` stop (saying what they left out). A server tree that
/// loops (a folder listing itself) or goes thousands of levels deep ends here: the cost of a
/// walk grows faster than its depth (every path is as long as its depth), measured at
/// 0.12 s of CPU for 200 levels, 1.2 s for 800 and 4.2 s for 1600 (debug build).
pub const MAX_TREE_DEPTH: usize = 64;

/// A `--max-depth` (`text`), within `MAX_TREE_DEPTH`; the message follows the option's name.
pub fn max_depth(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(depth) if depth <= MAX_TREE_DEPTH => Ok(depth),
        _ => Err(format!(
            "must be a number of levels from 0 to {MAX_TREE_DEPTH} (deeper trees are not walked)"
        )),
    }
}
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
