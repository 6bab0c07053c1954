//! What one pass did: the counts, the errors, and the first few movements by name.

/// What one pass did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub mkdirs: usize,
    pub uploads: usize,
    pub bytes: u64,
    pub renames: usize,
    pub deletes: usize,
    /// Remote files moved to the backup folder (deleted or replaced ones).
    pub backups: usize,
    /// Permission bits set on entries that were not sent (SITE CHMOD).
    pub modes: usize,
    pub errors: Vec<String>,
    /// Local files that could not be read: logged and skipped, the pass goes on. They exist
    /// locally, so no delete depends on them.
    pub skipped: Vec<String>,
    /// Their paths, so the job retries them when the tree changes.
    pub skipped_paths: Vec<String>,
    /// The first few movements, as "verb path", so an event line says what moved.
    pub named: Vec<String>,
    /// Files sent whose mtime is too recent to trust (FTP keeps whole seconds, and an edit
    /// in the same second keeps them), with their exact mtime when read: the job checks them
    /// again next tick.
    pub fresh: Vec<(String, std::time::SystemTime)>,
    /// Files sent whose time proves nothing of what was sent (`transfer::Uploaded::racy`):
    /// recorded on disk as of unknown time, and those sent again with a time that does.
    pub unproven: Vec<(String, bool)>,
    /// Leftover temporaries removed.
    pub temps_cleaned: usize,
    /// Names an interrupted upload had left missing, given their old file back.
    pub restored: usize,
    /// Deletes not run because something failed earlier in the pass.
    pub deletes_postponed: usize,
    /// The connection broke: the caller reconnects and re-lists.
    pub connection_lost: bool,
    /// A download mirror's pass: files were fetched, not sent.
    pub download: bool,
    /// `mirror stop` arrived; the pass ended after the action in flight.
    pub stopped: bool,
}

impl Report {
    pub fn changed_anything(&self) -> bool {
        self.mkdirs
            + self.uploads
            + self.renames
            + self.deletes
            + self.modes
            + self.temps_cleaned
            + self.restored
            > 0
    }

    /// Something a user of the site sees changed: what `--on-change` runs after.
    pub fn changed_the_site(&self) -> bool {
        self.mkdirs + self.uploads + self.renames + self.deletes + self.backups > 0
    }

    pub fn summary(&self) -> String {
        let moved = if self.download {
            "downloaded"
        } else {
            "uploaded"
        };
        let mut parts = vec![format!(
            "{} {moved} ({} bytes), {} renamed, {} deleted, {} dirs created",
            self.uploads, self.bytes, self.renames, self.deletes, self.mkdirs
        )];
        if self.backups > 0 {
            parts.push(format!("{} backed up", self.backups));
        }
        if !self.errors.is_empty() {
            parts.push(format!("{} errors", self.errors.len()));
        }
        if !self.skipped.is_empty() {
            parts.push(format!("{} unreadable files skipped", self.skipped.len()));
        }
        if self.modes > 0 {
            parts.push(format!("{} modes set", self.modes));
        }
        if self.restored > 0 {
            parts.push(format!(
                "{} restored from an interrupted upload's copy",
                self.restored
            ));
        }
        if self.temps_cleaned > 0 {
            parts.push(format!("{} stale temporaries removed", self.temps_cleaned));
        }
        if self.deletes_postponed > 0 {
            parts.push(format!("{} deletes postponed", self.deletes_postponed));
        }
        parts.join(", ")
    }
}

/// Movements an event line names before "and N more".
pub const NAMED: usize = 3;

pub(super) fn name(report: &mut Report, verb: &str, rel: &str) {
    if report.named.len() < NAMED {
        report
            .named
            .push(format!("{verb} {}", crate::escape::quoted(rel)));
    }
}

impl Report {
    /// The movements this pass named, then how many more: "sent "a.txt", deleted "b" and 4 more".
    pub fn names(&self) -> Option<String> {
        let moved = self.uploads + self.renames + self.deletes + self.backups + self.restored;
        let more = moved.saturating_sub(self.named.len());
        let mut text = self.named.join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        (!self.named.is_empty()).then_some(text)
    }
}
