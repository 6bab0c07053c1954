//! Listing lines a command could not read: it goes on with the entries it could, warns once
//! per folder as it meets one (naming the folder and the line), and fails at its end, after
//! doing all the rest, so a script sees exit status 1.

use crate::error::{Error, Result};
use crate::escape::escape;
use crate::ftp::listing::{Entry, Listing};

/// The folders a command met with unreadable lines, and how many lines.
pub struct Unread {
    what: String,
    folders: Vec<String>,
    lines: usize,
}

impl Unread {
    /// For the command `what` ("mget", "get -r /pub").
    pub fn new(what: impl Into<String>) -> Unread {
        Unread {
            what: what.into(),
            folders: Vec::new(),
            lines: 0,
        }
    }

    /// The entries of `folder`'s listing, warning (on stderr, above any progress bar) about
    /// the lines skipped.
    pub fn entries(&mut self, folder: &str, listing: Listing) -> Vec<Entry> {
        if let Some(first) = listing.unparsed.first() {
            let more = match listing.unparsed.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            crate::progress::print_line(&escape(&format!(
                "warning: {}: skipped in {folder}: {first}{more}",
                self.what
            )));
            self.folders.push(folder.to_string());
            self.lines += listing.unparsed.len();
        }
        listing.entries
    }

    /// Err when any line was skipped: the command did what it could, but not all it was
    /// asked.
    pub fn finish(self) -> Result<()> {
        if self.lines == 0 {
            return Ok(());
        }
        let shown = self.folders.len().min(3);
        let mut folders = self.folders[..shown].join(", ");
        if self.folders.len() > shown {
            folders.push_str(&format!(" and {} more folders", self.folders.len() - shown));
        }
        Err(Error::Protocol {
            what: self.what,
            message: format!(
                "skipped {} ftpsh cannot read, in {folders} (see the warnings above)",
                crate::words::count(self.lines as u64, "listing line", "listing lines")
            ),
        })
    }
}
