//! A job's status, as `mirror status` shows it: its state and its counters.

use std::fmt;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Starting,
    Syncing,
    Idle,
    Retrying,
    Stopped,
    Failed(String),
}

/// The state word `mirror status` shows.
impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobState::Starting => "starting",
            JobState::Syncing => "syncing",
            JobState::Idle => "idle",
            JobState::Retrying => "retrying",
            JobState::Stopped => "stopped",
            JobState::Failed(_) => "failed",
        })
    }
}

#[derive(Debug, Clone)]
pub struct JobStatus {
    pub state: JobState,
    pub passes: u64,
    pub last_pass_end: Option<SystemTime>,
    pub last_pass_duration: Duration,
    pub files_sent: u64,
    pub bytes_sent: u64,
    pub renames: u64,
    pub deletes: u64,
    /// Remote files moved to `--backup-dir` instead of deleted or replaced.
    pub backed_up: u64,
    pub errors: u64,
    /// Local files that could not be read.
    pub skipped: u64,
    /// Entries below --max-depth at the last walk: not mirrored.
    pub below_depth: u64,
    /// Deletes the job holds until the user confirms them...
    pub held_deletes: u64,
    /// ...and what the job said about them (why, how to confirm).
    pub held: Option<String>,
    /// The last error (a failed pass or action), kept after it healed.
    pub last_error: Option<String>,
    /// When the job checks again after an error.
    pub next_check: Option<SystemTime>,
}

impl Default for JobStatus {
    fn default() -> Self {
        JobStatus {
            state: JobState::Starting,
            passes: 0,
            last_pass_end: None,
            last_pass_duration: Duration::ZERO,
            files_sent: 0,
            bytes_sent: 0,
            renames: 0,
            deletes: 0,
            backed_up: 0,
            errors: 0,
            skipped: 0,
            last_error: None,
            next_check: None,
            below_depth: 0,
            held_deletes: 0,
            held: None,
        }
    }
}
