//! Watch: learns from the OS (inotify, FSEvents, ReadDirectoryChangesW via `notify`) that
//! something under the mirror root changed, so an idle tick need not walk the tree at all.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

pub struct ChangeWatch {
    /// Kept alive: dropping it stops the watch.
    _watcher: RecommendedWatcher,
    dirty: Arc<AtomicBool>,
}

impl ChangeWatch {
    /// Watches `root` recursively. Starts dirty, so the first tick walks. An error (no OS
    /// support, watch limit reached) is returned for the caller to fall back to walking.
    pub fn start(root: &Path) -> notify::Result<ChangeWatch> {
        let dirty = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&dirty);
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            // Reads (ours, while uploading) change nothing; anything else, or a watcher
            // error such as an event queue overflow, means "walk again".
            let changed = event.map_or(true, |e| !matches!(e.kind, EventKind::Access(_)));
            if changed {
                flag.store(true, Ordering::SeqCst);
            }
        })?;
        watcher.watch(root, RecursiveMode::Recursive)?;
        Ok(ChangeWatch {
            _watcher: watcher,
            dirty,
        })
    }

    /// Whether anything changed since the last call; clears the mark. Called right before a
    /// walk, so a change during the walk marks the next tick.
    pub fn take_changed(&self) -> bool {
        self.dirty.swap(false, Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_new_file_marks_the_tree_changed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let watch = ChangeWatch::start(dir.path()).unwrap();
        assert!(watch.take_changed(), "starts dirty");
        assert!(!watch.take_changed(), "cleared");
        std::fs::write(dir.path().join("sub/new.txt"), "x").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !watch.take_changed() {
            assert!(Instant::now() < deadline, "no change seen within 10 s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
