//! Watch: learns from the OS (inotify, FSEvents, ReadDirectoryChangesW via `notify`) that
//! something under the mirror root changed, so an idle tick need not walk the tree at all.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use notify::event::{CreateKind, ModifyKind, RemoveKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

pub struct ChangeWatch {
    /// Kept alive: dropping it stops the watch.
    _watcher: RecommendedWatcher,
    dirty: Arc<AtomicBool>,
    /// Something may have changed below the depth limit (see [`reaches_below`]).
    deep: Arc<AtomicBool>,
}

/// Whether an event may change what lies below the depth limit `limit` (levels under
/// `root`): a path deeper than the limit, or a folder created, renamed or removed at any
/// depth (it may carry a subtree), or an event that names nothing (a queue overflow, a
/// rescan). Files written or created above the limit do not: most edits leave the counts
/// below the limit as they were.
pub fn reaches_below(kind: &EventKind, paths: &[&Path], root: &Path, limit: usize) -> bool {
    let folder_moved = matches!(
        kind,
        EventKind::Create(CreateKind::Folder | CreateKind::Any | CreateKind::Other)
            | EventKind::Remove(RemoveKind::Folder | RemoveKind::Any | RemoveKind::Other)
            | EventKind::Modify(ModifyKind::Name(_) | ModifyKind::Any)
            | EventKind::Any
            | EventKind::Other
    );
    let deeper = |path: &&Path| {
        path.strip_prefix(root)
            .map_or(true, |rel| rel.components().count() > limit)
    };
    folder_moved || paths.is_empty() || paths.iter().any(deeper)
}

impl ChangeWatch {
    /// Watches `root` recursively. Starts dirty, so the first tick walks. An error (no OS
    /// support, watch limit reached) is returned for the caller to fall back to walking.
    /// `limit`: the depth limit, for [`ChangeWatch::take_deep`].
    pub fn start(root: &Path, limit: usize) -> notify::Result<ChangeWatch> {
        let dirty = Arc::new(AtomicBool::new(true));
        let deep = Arc::new(AtomicBool::new(true));
        let (flag, deep_flag) = (Arc::clone(&dirty), Arc::clone(&deep));
        let base = root.to_path_buf();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            // Reads (ours, while uploading) change nothing; anything else, or a watcher
            // error such as an event queue overflow, means "walk again".
            let (changed, below) = match &event {
                Ok(e) if matches!(e.kind, EventKind::Access(_)) => (false, false),
                Ok(e) => {
                    let paths: Vec<&Path> = e.paths.iter().map(|p| p.as_path()).collect();
                    let below = e.need_rescan() || reaches_below(&e.kind, &paths, &base, limit);
                    (true, below)
                }
                Err(_) => (true, true),
            };
            if below {
                deep_flag.store(true, Ordering::SeqCst);
            }
            if changed {
                flag.store(true, Ordering::SeqCst);
            }
        })?;
        watcher.watch(root, RecursiveMode::Recursive)?;
        Ok(ChangeWatch {
            _watcher: watcher,
            dirty,
            deep,
        })
    }

    /// Whether anything may have changed below the depth limit since the last call; clears
    /// the mark. Starts set, so the first walk counts.
    pub fn take_deep(&self) -> bool {
        self.deep.swap(false, Ordering::SeqCst)
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
        let watch = ChangeWatch::start(dir.path(), 6).unwrap();
        assert!(watch.take_changed(), "starts dirty");
        assert!(!watch.take_changed(), "cleared");
        std::fs::write(dir.path().join("sub/new.txt"), "x").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !watch.take_changed() {
            assert!(Instant::now() < deadline, "no change seen within 10 s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn what_reaches_below_the_depth_limit() {
        use notify::event::{DataChange, RenameMode};
        let root = Path::new("/site");
        let data = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let file = EventKind::Create(CreateKind::File);
        let table: &[(EventKind, &[&str], bool)] = &[
            (data, &["/site/a/b.txt"], false),
            (file, &["/site/a/new.txt"], false),
            (file, &["/site/a/b/new.txt"], true),
            // At depth 2 the limit is reached, not passed: still above.
            (data, &["/site/a/b"], false),
            (data, &["/site/a/b/c"], true),
            (file, &["/site/a/b/c/d.txt"], true),
            (EventKind::Create(CreateKind::Folder), &["/site/x"], true),
            (EventKind::Remove(RemoveKind::Folder), &["/site/x"], true),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &["/site/a", "/site/b"],
                true,
            ),
            (EventKind::Remove(RemoveKind::File), &["/site/a.txt"], false),
            (data, &[], true),
            (data, &["/elsewhere/x"], true),
        ];
        for (kind, paths, want) in table {
            let paths: Vec<&Path> = paths.iter().map(Path::new).collect();
            assert_eq!(
                reaches_below(kind, &paths, root, 2),
                *want,
                "{kind:?} {paths:?}"
            );
        }
    }
}
