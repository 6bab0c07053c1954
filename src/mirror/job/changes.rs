//! Change detection: whether the local tree may differ from the snapshot the last clean pass
//! settled on, without walking it: the OS's change events, and a safety net that reads a
//! share of the folders each tick for the events the OS did not deliver.

use std::path::Path;
use std::time::Duration;

use crate::mirror::filter::Filter;
use crate::mirror::scan;
use crate::mirror::tree::{Kind, Snapshot};
use crate::mirror::watch::ChangeWatch;

/// With a change watch, every folder is still read once per round, a share of them each
/// tick: the safety net for events the OS did not deliver (network filesystems, queue
/// overflows), at a thirtieth of a walk per tick rather than a whole walk every 30 s.
const SAFETY_ROUND: Duration = Duration::from_secs(30);

#[derive(Default)]
pub(super) struct Changes {
    /// Tells when the local tree changed, so idle ticks skip the walk; None: walk every tick.
    watch: Option<ChangeWatch>,
    /// The settled tree's folders ("" first), read in turn by the safety net.
    safety: Vec<String>,
    safety_next: usize,
}

impl Changes {
    /// Watches `root`; without a watch (an error, returned for the job to say), every tick walks.
    pub(super) fn watch(root: &Path, limit: usize) -> Result<Changes, notify::Error> {
        Ok(Changes {
            watch: Some(ChangeWatch::start(root, limit)?),
            ..Changes::default()
        })
    }

    /// True when nothing changed on disk since `settled`: no event came, and this tick's
    /// share of the safety net reads as settled. Without a watch, never.
    pub(super) fn quiet(
        &mut self,
        settled: Option<&Snapshot>,
        root: &Path,
        filter: &Filter,
        interval: Duration,
    ) -> bool {
        let (Some(settled), Some(watch)) = (settled, &self.watch) else {
            return false;
        };
        !watch.take_changed() && self.safety_share_unchanged(settled, root, filter, interval)
    }

    /// A walk starts: events so far are in it, and the safety net starts its round over
    /// with the next settled snapshot.
    pub(super) fn walking(&mut self) {
        if let Some(watch) = &self.watch {
            watch.take_changed();
        }
        self.safety.clear();
    }

    /// True when an event came since the walk started (or the last call): the walk may be
    /// torn. Without a watch, never (nothing tells).
    pub(super) fn changed_during_walk(&self) -> bool {
        self.watch.as_ref().is_some_and(ChangeWatch::take_changed)
    }

    /// True when the counts below the depth limit may have changed since the last call, so
    /// a walk counts again. Without a watch, always (nothing tells).
    pub(super) fn changed_below_limit(&self) -> bool {
        self.watch.as_ref().is_none_or(ChangeWatch::take_deep)
    }

    /// The safety net: reads this tick's share of the settled tree's folders and compares
    /// them with it. False as soon as one differs (then the pass walks everything).
    fn safety_share_unchanged(
        &mut self,
        settled: &Snapshot,
        root: &Path,
        filter: &Filter,
        interval: Duration,
    ) -> bool {
        if self.safety.is_empty() {
            let folders = settled.iter().filter(|(_, e)| e.kind == Kind::Dir);
            self.safety = std::iter::once(String::new())
                .chain(folders.map(|(rel, _)| rel.to_string()))
                .collect();
        }
        let ticks = SAFETY_ROUND.as_secs_f64() / interval.as_secs_f64();
        let share = (self.safety.len() as f64 / ticks.max(1.0)).ceil() as usize;
        for _ in 0..share {
            let rel = &self.safety[self.safety_next % self.safety.len()];
            self.safety_next = self.safety_next.wrapping_add(1);
            let now = scan::scan_folder(root, rel, filter);
            if !now.snapshot.iter().eq(settled.children(rel)) {
                log::debug!("{}: {rel:?} changed without an event", root.display());
                return false;
            }
        }
        true
    }
}
