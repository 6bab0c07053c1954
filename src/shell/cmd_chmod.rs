//! `chmod [-R] MODE PATH...`: permission bits on the server (SITE CHMOD, octal modes).

use super::glob;
use super::state::Shell;
use super::table::Invocation;
use super::unread::Unread;
use crate::error::{Error, Result};
use crate::ftp::listing::{EntryKind, parse_octal_mode};
use crate::ftp::{Session, path};

const USAGE: &str = "chmod [-R] MODE PATH...";

/// `chmod [-R] MODE PATH...`: MODE in octal (`644`, `0755`, `2775`); PATHs may be globs, read
/// from the listing as for `rm`. `-R` also changes everything below each folder, the folder
/// first (as chmod(1): a folder opened up by the change can then be listed), and leaves
/// symbolic links alone (SITE CHMOD on a link changes what it points to, which may lie
/// outside the tree).
pub fn chmod(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let (word, paths) = inv.args.split_first().expect("arity checked");
    let mode = parse_octal_mode(word).ok_or_else(|| {
        Error::usage(format!(
            "chmod: {}: not an octal mode (such as 644 or 0755)\nusage: {USAGE}",
            crate::escape::quoted(word)
        ))
    })?;
    let session = shell.session()?;
    let mut unread = Unread::new("chmod");
    let mut targets = Vec::new();
    for word in paths {
        targets.extend(glob::expand_remote(session, word, &mut unread)?);
    }
    for (target, entry) in targets {
        session.chmod(&target, mode)?;
        if inv.has('R') {
            let is_dir = match entry {
                Some(entry) => entry.kind == EntryKind::Dir,
                None => session
                    .stat(&target)?
                    .is_some_and(|e| e.kind == EntryKind::Dir),
            };
            if is_dir {
                chmod_below(session, &target, mode, &mut unread)?;
            }
        }
    }
    unread.finish()
}

/// Everything below `dir`, folders first then their contents. A listed name that is not one
/// plain component stops the command before anything in that folder changes.
fn chmod_below(session: &mut Session, dir: &str, mode: u32, unread: &mut Unread) -> Result<()> {
    let listing = session.listing(dir)?;
    let entries = unread.entries(dir, listing);
    if let Some(bad) = entries
        .iter()
        .find(|e| path::safe_local_component(&e.name).is_err())
    {
        return Err(Error::BadName {
            what: format!("chmod -R {dir}"),
            reason: format!(
                "the server lists {}, which is not a plain name; nothing changed in this folder",
                crate::escape::quoted(&bad.name)
            ),
        });
    }
    for entry in entries {
        if entry.kind == EntryKind::Link {
            continue;
        }
        let child = path::join(dir, &entry.name);
        session.chmod(&child, mode)?;
        if entry.kind == EntryKind::Dir {
            chmod_below(session, &child, mode, unread)?;
        }
    }
    Ok(())
}
