//! How an action reads: its journal verb and paths, and its `--dry-run` line.

use crate::mirror::plan::Action;

/// The journal's verb, path and (for a rename) former path for an action (a download
/// mirror's transfer is a RETR).
pub(super) fn journal_parts(action: &Action, download: bool) -> (&'static str, &str, Option<&str>) {
    match action {
        Action::Mkdir(rel) => ("MKD", rel, None),
        Action::Upload { path, .. } if download => ("RETR", path, None),
        Action::Upload { path, .. } => ("STOR", path, None),
        Action::Rename { from, to } => ("RENAME", to, Some(from)),
        Action::DeleteFile(rel) => ("DELE", rel, None),
        Action::Backup(rel) => ("BACKUP", rel, None),
        Action::RemoveTemp(rel) => ("CLEAN", rel, None),
        Action::Restore { from, to } => ("RESTORE", to, Some(from)),
        Action::RemoveDir(rel) => ("RMD", rel, None),
        Action::Chmod { path, .. } => ("CHMOD", path, None),
    }
}

/// The verb and path of an action, as one text (`css -> styles` for a rename).
pub(super) fn describe(action: &Action, download: bool) -> (&'static str, String) {
    match journal_parts(action, download) {
        (verb, to, Some(from)) => (verb, format!("{from} -> {to}")),
        (verb, path, None) => (verb, path.to_string()),
    }
}

/// A one-line description of an action, for --dry-run.
pub fn describe_plan(action: &Action, download: bool) -> String {
    let (verb, rel) = describe(action, download);
    match action {
        Action::Upload {
            size,
            resume,
            keep_old,
            ..
        } => {
            let mut notes = vec![crate::words::count(*size, "byte", "bytes")];
            if resume.is_some() {
                notes.push("continuing an interrupted transfer".to_string());
            }
            if *keep_old {
                notes.push("the old one to the backup folder".to_string());
            }
            format!("{verb} {rel} ({})", notes.join(", "))
        }
        Action::Chmod {
            mode,
            created: false,
            ..
        } => format!("{verb} {rel} ({mode:o})"),
        // Sent only where the server gives new entries other bits.
        Action::Chmod {
            mode,
            created: true,
            ..
        } => format!("{verb} {rel} ({mode:o}, unless new entries get it anyway)"),
        _ => format!("{verb} {rel}"),
    }
}
