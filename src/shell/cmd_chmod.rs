//! `chmod [-R] MODE PATH...`: permission bits on the server (SITE CHMOD, octal modes).

use super::cmd_transfer::TREE_DEPTH;
use super::glob;
use super::items::Items;
use super::state::Shell;
use super::table::Invocation;
use super::unread::Unread;
use crate::error::{Error, Result};
use crate::ftp::fetch::Tally;
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
    let items = Items::new("chmod");
    // One bound for all the listings of the command (`--max-listed`).
    let tally = Tally::new(session.params().max_listed, "command");
    let mut targets = Vec::new();
    for word in paths {
        if let Some(found) = items.failed(word, glob::expand_remote(session, word, &mut unread))? {
            targets.extend(found);
        }
    }
    for (target, entry) in targets {
        if items
            .record(&target, session.chmod(&target, mode))?
            .is_none()
            || !inv.has('R')
        {
            continue;
        }
        let is_dir = match entry {
            Some(entry) => Ok(entry.kind == EntryKind::Dir),
            None => session
                .stat(&target)
                .map(|e| e.is_some_and(|e| e.kind == EntryKind::Dir)),
        };
        if items.record(&target, is_dir)? == Some(true) {
            let below = chmod_below(session, &target, mode, &mut unread, &items, &tally, 0);
            items.record(&target, below)?;
        }
    }
    items.finish_with(unread)
}

/// Everything below `dir` (`depth` levels below the command's folder), folders first then
/// their contents, each one of `items`. A listed name that is not one plain component stops
/// the command in that folder before anything in it changes. A folder below the depth limit
/// is left as it is, said (a server tree that loops would otherwise never end).
fn chmod_below(
    session: &mut Session,
    dir: &str,
    mode: u32,
    unread: &mut Unread,
    items: &Items,
    tally: &Tally,
    depth: usize,
) -> Result<()> {
    let listing = session.listing(dir)?;
    tally.charge(dir, &listing)?;
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
        if entry.kind == EntryKind::Dir && depth + 1 >= TREE_DEPTH {
            items.skipped(
                &child,
                &format!(
                    "chmod -R: {} is below the depth limit ({TREE_DEPTH} levels): left as it is",
                    crate::escape::quoted(&child)
                ),
            );
            continue;
        }
        if items.record(&child, session.chmod(&child, mode))?.is_some()
            && entry.kind == EntryKind::Dir
        {
            let below = chmod_below(session, &child, mode, unread, items, tally, depth + 1);
            items.record(&child, below)?;
        }
    }
    Ok(())
}
