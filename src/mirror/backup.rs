//! `mirror --backup-dir REMOTE_DIR`: remote files a pass would delete or replace are moved
//! (RNFR/RNTO, no transfer) to `REMOTE_DIR/<pass time>/<their relative path>` instead.
//!
//! The folder names and where the backup folder may lie are decided here (pure); which
//! actions become moves is the planner's (`plan::with_backups`); the moves themselves are
//! apply's.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::SystemTime;

use super::filter::Filter;
use super::tree::Kind;
use crate::ftp::path;

/// Where a job's backups go, and what that means for its filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDir {
    /// Absolute, normalised remote folder.
    pub root: String,
    /// The backup folder relative to the mirror's remote root when it lies inside it: the
    /// mirror then neither uploads to it nor deletes in it (the filter protects it).
    pub inside: Option<String>,
}

impl BackupDir {
    /// Checks `backup` (absolute, normalised) against the mirror's remote root `remote`
    /// (absolute, normalised). The backup folder may lie inside the root (left out of the
    /// mirror), beside it or above it, but may not be the root itself: the pass folders
    /// would then be extras of the mirror.
    pub fn new(backup: &str, remote: &str) -> Result<BackupDir, String> {
        if backup == remote {
            return Err(format!(
                "mirror --backup-dir {backup}: is the mirror's own folder; choose a folder \
                 beside it or inside it"
            ));
        }
        let inside = if remote == "/" {
            Some(backup.trim_start_matches('/').to_string())
        } else {
            backup
                .strip_prefix(remote)
                .and_then(|rest| rest.strip_prefix('/'))
                .map(str::to_string)
        };
        Ok(BackupDir {
            root: backup.to_string(),
            inside,
        })
    }

    /// What LOCAL holds where the backup folder lies inside the mirror, when `filter` would
    /// mirror it: the job would never send it (nothing goes into the backup folder), so
    /// such a job is refused with this message rather than leave it out in silence (rclone
    /// refuses an overlapping backup folder too). `local`: LOCAL's entry at `inside`.
    pub fn hides(&self, local: Option<Kind>, filter: &Filter) -> Option<String> {
        let inside = self.inside.as_deref()?;
        let kind = local?;
        let what = if kind == Kind::Dir { "folder" } else { "file" };
        filter.includes(inside, kind).then(|| {
            format!(
                "mirror --backup-dir {}: it is where LOCAL's {what} {} goes, which the mirror \
                 would then never send; choose a backup folder outside what LOCAL holds \
                 (or --exclude {})",
                self.root,
                crate::escape::quoted(inside),
                inside
            )
        })
    }

    /// The folder of one pass: `ROOT/2026-11-22T10.00.01.123Z` (UTC; no ':' since Windows
    /// servers refuse it in names; sorts by time).
    pub fn pass_folder(&self, time: SystemTime) -> String {
        path::join(&self.root, &pass_name(time))
    }
}

/// One pass's backup folder, and the folders in it that exist already (made once, whatever
/// connection moves a file there first).
#[derive(Debug)]
pub struct PassBackup {
    pub folder: String,
    made: Mutex<HashSet<String>>,
}

impl PassBackup {
    pub fn new(folder: String) -> PassBackup {
        PassBackup {
            folder,
            made: Mutex::new(HashSet::new()),
        }
    }

    /// Makes `dir` (inside the backup folder) with `make` unless it was made already. The
    /// lock is held while making, so a move on another connection never finds the folder
    /// half made; moves are few (what a pass deletes or replaces).
    pub fn ensure<E>(&self, dir: &str, make: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        if !made.contains(dir) {
            make()?;
            made.insert(dir.to_string());
        }
        Ok(())
    }
}

/// The name of a pass's backup folder.
pub fn pass_name(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time)
        .format("%Y-%m-%dT%H.%M.%S%.3fZ")
        .to_string()
}

/// Whether a folder name is a pass's backup folder name ([`pass_name`]). A backup folder
/// can be inside the mirror under another name than the one given (a server-side link
/// `/old -> /www/.old`): its pass folders are then recognised by their names wherever they
/// are seen, and never taken for extras (each pass would move the earlier backups into its
/// own folder).
pub fn is_pass_name(name: &str) -> bool {
    name.len() == "2026-11-22T10.00.01.123Z".len()
        && chrono::NaiveDateTime::parse_from_str(name, "%Y-%m-%dT%H.%M.%S%.3fZ").is_ok()
}

/// The remote folders of `tree` (mirror-relative) named as pass folders.
pub fn pass_folders<'a>(
    tree: impl IntoIterator<Item = (&'a str, super::tree::Kind)>,
) -> Vec<String> {
    tree.into_iter()
        .filter(|(rel, kind)| *kind == super::tree::Kind::Dir && is_pass_name(path::file_name(rel)))
        .map(|(rel, _)| rel.to_string())
        .collect()
}

/// Where the remote file at mirror-relative `rel` goes in a pass's backup folder.
pub fn destination(pass_folder: &str, rel: &str) -> String {
    path::join(pass_folder, rel)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn pass_folders_are_known_by_their_names() {
        let now = UNIX_EPOCH + Duration::from_millis(1_764_000_000_123);
        assert!(is_pass_name(&pass_name(now)));
        for name in [
            "2026-11-22T10.00.01.123",
            "2026-11-22T10:00:01.123Z",
            "2026-13-22T10.00.01.123Z",
            "x2026-11-22T10.00.01.123Z",
            "backup",
            "",
        ] {
            assert!(!is_pass_name(name), "{name}");
        }
        use crate::mirror::tree::Kind;
        let tree = [
            (".old", Kind::Dir),
            (".old/2026-11-22T10.00.01.123Z", Kind::Dir),
            (".old/2026-11-22T10.00.01.123Z/a.txt", Kind::File),
            ("2026-11-22T10.00.01.124Z", Kind::File),
        ];
        assert_eq!(pass_folders(tree), [".old/2026-11-22T10.00.01.123Z"]);
    }

    /// (backup, remote, Ok(inside) or Err)
    type PlaceRow = (&'static str, &'static str, Result<Option<&'static str>, ()>);

    #[test]
    fn backup_folder_places() {
        let table: &[PlaceRow] = &[
            ("/bak", "/www", Ok(None)),
            ("/www-old", "/www", Ok(None)),
            ("/www/.backup", "/www", Ok(Some(".backup"))),
            ("/www/a/b", "/www", Ok(Some("a/b"))),
            ("/", "/www", Ok(None)),
            ("/backups", "/", Ok(Some("backups"))),
            ("/www", "/www", Err(())),
            ("/", "/", Err(())),
        ];
        for (backup, remote, want) in table {
            let got = BackupDir::new(backup, remote);
            match want {
                Ok(inside) => assert_eq!(
                    got.as_ref().map(|b| b.inside.as_deref()),
                    Ok(*inside),
                    "{backup} {remote}"
                ),
                Err(()) => assert!(got.is_err(), "{backup} {remote}"),
            }
        }
    }

    #[test]
    fn a_folder_is_made_once_and_again_after_a_failure() {
        let pass = PassBackup::new("/bak/t".into());
        let mut calls = 0;
        let failed: Result<(), &str> = pass.ensure("/bak/t/a", || {
            calls += 1;
            Err("550")
        });
        assert!(failed.is_err());
        for _ in 0..2 {
            pass.ensure("/bak/t/a", || {
                calls += 1;
                Ok::<(), ()>(())
            })
            .unwrap();
        }
        assert_eq!(calls, 2, "made again after the failure, then never again");
    }

    #[test]
    fn pass_folders_are_named_by_utc_time() {
        let dir = BackupDir::new("/bak", "/www").unwrap();
        let at = UNIX_EPOCH + Duration::from_millis(1_795_341_601_123);
        assert_eq!(dir.pass_folder(at), "/bak/2026-11-22T10.00.01.123Z");
        assert_eq!(
            destination("/bak/2026-11-22T10.00.01.123Z", "img/a b.png"),
            "/bak/2026-11-22T10.00.01.123Z/img/a b.png"
        );
        // Later passes sort after earlier ones.
        let later = pass_name(at + Duration::from_millis(1));
        assert!(later > pass_name(at));
    }
}
