//! Commands of several items (mget, mput, rm with several names, get -r, put -r, globs, mkdir
//! a b c): every item that can be done is done. An item that fails for its own reason (a 550
//! on that file, a local file unreadable) is said on a line of its own and skipped; a failure
//! that makes the others pointless ([`Error::stops_all`]: the connection lost, Ctrl-C, a full
//! disk) stops the command there. At its end the command fails with the count and the names,
//! so a script stops after that line did all it could (as lftp and BSD ftp do).

use std::collections::HashSet;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Names the closing line shows; the others are counted.
const NAMES_SHOWN: usize = 5;

/// The outcomes of one command's items. Shared by the connections of a pool (`&self`).
pub struct Items {
    what: String,
    tally: Mutex<Tally>,
}

#[derive(Default)]
struct Tally {
    /// The items met, by name: a step of an item met before (a folder made, then listed)
    /// is no new one.
    tried: HashSet<String>,
    failed: Vec<String>,
    /// The first item's failure, not said yet: should it stay the only item (`get
    /// missing.txt`), it is the command's own error, as it was before there were others;
    /// said once a second item comes.
    held: Option<Error>,
}

impl Tally {
    /// The item `name`: when it is a new one, a failure held back is said now that the
    /// command has several.
    fn meet(&mut self, name: &str) {
        if self.tried.insert(name.to_string())
            && self.tried.len() > 1
            && let Some(err) = self.held.take()
        {
            crate::progress::print_line(&err.message());
        }
    }

    /// `name` failed for its own reason; false when it had already.
    fn fail(&mut self, name: &str) -> bool {
        self.meet(name);
        if self.failed.iter().any(|n| n == name) {
            return false;
        }
        self.failed.push(name.to_string());
        true
    }
}

impl Items {
    /// For the command `what` ("mget", "rm").
    pub fn new(what: impl Into<String>) -> Items {
        Items {
            what: what.into(),
            tally: Mutex::new(Tally::default()),
        }
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The outcome of the item `name`: its value; `None` when it failed for its own reason
    /// (said on stderr, above any progress bar, and counted); Err when the command stops.
    /// Steps of one item share its name: it counts once.
    pub fn record<T>(&self, name: &str, result: Result<T>) -> Result<Option<T>> {
        if result.is_ok() {
            self.tally().meet(name);
        }
        self.failed(name, result)
    }

    /// The outcome of a step before the items (a pattern expanded into names): it counts
    /// as an item only when it fails (`mget nomatch*`: that pattern is the item missed).
    pub fn failed<T>(&self, name: &str, result: Result<T>) -> Result<Option<T>> {
        let err = match result {
            Ok(value) => return Ok(Some(value)),
            Err(err) if err.stops_all() => {
                // The one failure held back is said before the command stops.
                if let Some(held) = self.tally().held.take() {
                    crate::progress::print_line(&held.message());
                }
                return Err(err);
            }
            Err(err) => err,
        };
        let mut tally = self.tally();
        if tally.fail(name) {
            if tally.tried.len() == 1 {
                tally.held = Some(err);
            } else {
                drop(tally);
                crate::progress::print_line(&err.message());
            }
        }
        Ok(None)
    }

    /// An item skipped for a reason already phrased in `message` (a path a tree walk could
    /// not read), said and counted as failed.
    pub fn skipped(&self, name: &str, message: &str) {
        let mut tally = self.tally();
        tally.fail(name);
        drop(tally);
        crate::progress::print_line(message);
    }

    /// Ok when every item was done; else how many failed, of how many, and their names
    /// (or, for a command of one item, that item's own error).
    pub fn finish(self) -> Result<()> {
        let tally = self.tally.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(err) = tally.held {
            return Err(err);
        }
        let failed = tally.failed.len();
        if failed == 0 {
            return Ok(());
        }
        let mut names: Vec<String> = tally
            .failed
            .iter()
            .take(NAMES_SHOWN)
            .map(|name| crate::escape::quoted(name))
            .collect();
        if failed > NAMES_SHOWN {
            names.push(format!("and {} more", failed - NAMES_SHOWN));
        }
        Err(Error::ItemsFailed {
            what: self.what,
            failed,
            of: tally.tried.len(),
            names: names.join(", "),
        })
    }

    /// [`Items::finish`], then the listing lines a command skipped (see `Unread`): the items'
    /// failures first, the skipped lines' warnings having been said already.
    pub fn finish_with(self, unread: super::unread::Unread) -> Result<()> {
        self.finish()?;
        unread.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str) -> Error {
        Error::Reply {
            what: format!("get {path}"),
            code: 550,
            text: "550 No such file".into(),
        }
    }

    #[test]
    fn an_items_own_failure_is_counted_and_the_others_go_on() {
        let items = Items::new("mget");
        assert_eq!(items.record("a.txt", Ok(1)).unwrap(), Some(1));
        assert_eq!(
            items
                .record::<()>("missing.txt", Err(refused("missing.txt")))
                .unwrap(),
            None
        );
        assert!(items.record("b.txt", Ok(())).unwrap().is_some());
        items.skipped("unreadable", "put unreadable: Permission denied");
        let err = items.finish().unwrap_err();
        assert_eq!(
            err.to_string(),
            "mget: 2 of 4 failed: \"missing.txt\", \"unreadable\" (each said above)"
        );
        assert_eq!(err.exit_code(), crate::error::EXIT_FAILED);
    }

    #[test]
    fn what_makes_the_others_pointless_stops_at_once() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        for err in [
            Error::Connection {
                what: "get a".into(),
                message: "connection reset".into(),
            },
            Error::cancelled("get a"),
            Error::local("get a", full),
            Error::NotConnected,
            Error::Reply {
                what: "put a".into(),
                code: 452,
                text: "452 Insufficient storage".into(),
            },
        ] {
            let shown = err.to_string();
            let items = Items::new("mget");
            let stopped = items.record::<()>("a", Err(err)).unwrap_err();
            assert_eq!(stopped.to_string(), shown);
            assert!(items.finish().is_ok(), "{shown}: nothing else failed");
        }
    }

    #[test]
    fn one_item_alone_fails_with_its_own_error() {
        let items = Items::new("get");
        let skipped = items
            .record::<()>("missing.txt", Err(refused("missing.txt")))
            .unwrap();
        assert!(skipped.is_none());
        let err = items.finish().unwrap_err();
        assert_eq!(err.reply_code(), Some(550));
        assert_eq!(err.to_string(), "get missing.txt: 550 No such file");
    }

    #[test]
    fn the_closing_line_names_a_few_and_counts_the_rest() {
        let items = Items::new("rm");
        for i in 0..8 {
            items
                .record::<()>(&format!("f{i}"), Err(refused("x")))
                .unwrap();
        }
        let text = items.finish().unwrap_err().to_string();
        assert!(
            text.starts_with(
                "rm: 8 of 8 failed: \"f0\", \"f1\", \"f2\", \"f3\", \"f4\", and 3 more"
            ),
            "{text}"
        );
    }
}
