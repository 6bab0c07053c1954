//! What one pass did: the counts, the errors, and the first few movements by name.

use crate::words::count;

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
    /// The first few deletes, named before the rest: a delete is what a person most needs
    /// to see (`deleted "colleague-upload.html"`), never hidden behind "and 5 more".
    pub named_deletes: Vec<String>,
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
    /// A download's local files changed since ftpsh wrote them, kept aside as
    /// `NAME.ftpsh-conflict-TIME` copies before the server's version came.
    pub kept_aside: usize,
}

impl Report {
    pub fn changed_anything(&self) -> bool {
        self.mkdirs
            + self.uploads
            + self.renames
            + self.deletes
            + self.backups
            + self.modes
            + self.temps_cleaned
            + self.restored
            + self.kept_aside
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
        let n = |count: usize| count as u64;
        let mut parts = vec![format!(
            "{} {moved} ({}), {} renamed, {} deleted, {}",
            self.uploads,
            count(self.bytes, "byte", "bytes"),
            self.renames,
            self.deletes,
            count(n(self.mkdirs), "dir created", "dirs created")
        )];
        if self.backups > 0 {
            parts.push(format!("{} backed up", self.backups));
        }
        if !self.errors.is_empty() {
            parts.push(count(n(self.errors.len()), "error", "errors"));
        }
        if !self.skipped.is_empty() {
            parts.push(count(
                n(self.skipped.len()),
                "unreadable file skipped",
                "unreadable files skipped",
            ));
        }
        if self.modes > 0 {
            parts.push(count(n(self.modes), "mode set", "modes set"));
        }
        if self.restored > 0 {
            parts.push(format!(
                "{} restored from an interrupted upload's copy",
                self.restored
            ));
        }
        if self.kept_aside > 0 {
            parts.push(count(
                n(self.kept_aside),
                "local edit kept aside as a conflict copy",
                "local edits kept aside as conflict copies",
            ));
        }
        if self.temps_cleaned > 0 {
            parts.push(count(
                n(self.temps_cleaned),
                "stale temporary removed",
                "stale temporaries removed",
            ));
        }
        if self.deletes_postponed > 0 {
            parts.push(count(
                n(self.deletes_postponed),
                "delete postponed",
                "deletes postponed",
            ));
        }
        parts.join(", ")
    }
}

/// Movements an event line names before "and N more".
pub const NAMED: usize = 3;

pub(super) fn name(report: &mut Report, verb: &str, rel: &str) {
    let list = match verb {
        "deleted" | "backed up" => &mut report.named_deletes,
        _ => &mut report.named,
    };
    if list.len() < NAMED {
        list.push(format!("{verb} {}", crate::escape::quoted(rel)));
    }
}

impl Report {
    /// The movements this pass named, then how many more: "sent "a.txt", deleted "b" and 4 more".
    /// Deletes come first.
    pub fn names(&self) -> Option<String> {
        let moved = self.uploads
            + self.renames
            + self.deletes
            + self.backups
            + self.restored
            + self.kept_aside;
        let named: Vec<&String> = self
            .named_deletes
            .iter()
            .chain(&self.named)
            .take(NAMED)
            .collect();
        let more = moved.saturating_sub(named.len());
        let mut text = named
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        (!named.is_empty()).then_some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletes_are_named_first_and_counts_agree_with_their_nouns() {
        let mut report = Report::default();
        for file in ["a.html", "b.html", "c.html", "d.html", "e.html"] {
            name(&mut report, "sent", file);
            report.uploads += 1;
        }
        name(&mut report, "deleted", "colleague-upload.html");
        report.deletes += 1;
        assert_eq!(
            report.names().unwrap(),
            "deleted \"colleague-upload.html\", sent \"a.html\", sent \"b.html\" and 3 more"
        );
        report.mkdirs = 1;
        report.errors = vec!["x".into()];
        report.bytes = 1;
        assert_eq!(
            report.summary(),
            "5 uploaded (1 byte), 0 renamed, 1 deleted, 1 dir created, 1 error"
        );
    }
}
