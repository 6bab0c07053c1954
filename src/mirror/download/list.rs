//! Lists the remote tree a download mirror copies, over the job's connections, checking
//! every name as `get -r` does: it becomes a local path.

use std::sync::Mutex;

use super::Listed;
use crate::error::{Error, Result};
use crate::ftp::fetch::Tally;
use crate::ftp::listing::EntryKind;
use crate::ftp::path;
use crate::mirror::filter::Filter;
use crate::mirror::pool::Pool;
use crate::mirror::remote_walk;
use crate::mirror::tree::{Kind, RelPath};

/// The remote tree within the filter, and what it does not show in full: the folders whose
/// listing held lines no format reads, or names the server could not encode (U+FFFD): no
/// local file is deleted in them, since the source is not known whole there.
pub struct Source {
    pub tree: Vec<(RelPath, Listed)>,
    pub partial: Vec<String>,
    /// Folders the server would not list (a refusal without proof of an empty folder):
    /// what they hold is unknown, so nothing in them is fetched or deleted.
    pub unknown: Vec<String>,
    /// One-line notes to say once (journal and terminal).
    pub notes: Vec<String>,
    /// Remote entries left out because their name cannot be a local file name: the pass
    /// fetches everything else and fails (exit 1) at its end.
    pub refused: usize,
}

/// Lists `root` recursively over up to `width` connections. A name that is not a plain
/// local file name (`..`, a separator, a drive: `a\b`, `Q:A`) is left out with a note, as
/// `get -r` leaves it out: everything else is fetched, nothing is deleted in its folder
/// (the source is not known whole there), and the pass fails at its end. Links and special
/// files on the server are left out: a download mirror never creates a link.
/// `umask`: what the process's umask takes from the modes files get (see `local_mode`).
pub fn list_source(
    pool: &mut Pool,
    width: usize,
    root: &str,
    filter: &Filter,
    tally: &Tally,
    umask: u32,
) -> Result<Source> {
    let found = Mutex::new(Source {
        tree: Vec::new(),
        partial: Vec::new(),
        unknown: Vec::new(),
        notes: Vec::new(),
        refused: 0,
    });
    remote_walk::walk(pool, width, String::new(), |session, dir| {
        if !filter.descend(dir) {
            return Ok(Vec::new());
        }
        let remote_dir = path::join(root, dir);
        let listing = match session.listing(&remote_dir) {
            // A subfolder the server would not list is left out of this pass, not the
            // whole pass: the root's refusal is the pass's.
            Err(err @ Error::ListingRefused { .. }) if !dir.is_empty() => {
                let mut found = found.lock().unwrap_or_else(|p| p.into_inner());
                found.unknown.push(dir.to_string());
                found.notes.push(format!(
                    "{err}; nothing in it is fetched or deleted, and it is listed again next pass"
                ));
                return Ok(Vec::new());
            }
            other => other?,
        };
        tally.charge(&remote_dir, &listing)?;
        let mut subdirs = Vec::new();
        let mut entries = Vec::with_capacity(listing.entries.len());
        let mut incomplete = !listing.unparsed.is_empty();
        let mut refused = Vec::new();
        for entry in &listing.entries {
            let name = match path::safe_local_component(&entry.name) {
                Ok(name) => name,
                Err(err) => {
                    refused.push(format!(
                        "remote folder {}: {err}; skipped, nothing deleted in that folder",
                        crate::escape::quoted(&remote_dir)
                    ));
                    continue;
                }
            };
            let rel = path::join(dir, name);
            if name.contains(char::REPLACEMENT_CHARACTER) {
                incomplete = true;
                continue;
            }
            let kind = match entry.kind {
                EntryKind::File => Kind::File,
                EntryKind::Dir => Kind::Dir,
                EntryKind::Link | EntryKind::Other => continue,
            };
            if kind == Kind::Dir {
                subdirs.push(rel.clone());
            }
            let size = if kind == Kind::File { entry.size } else { 0 };
            entries.push((
                RelPath::from(rel),
                Listed {
                    kind,
                    size,
                    mtime: entry.mtime,
                    mode: entry
                        .mode
                        .filter(|_| kind == Kind::File)
                        .map(|m| super::local_mode(m, umask)),
                },
            ));
        }
        let mut found = found.lock().unwrap_or_else(|p| p.into_inner());
        found.tree.extend(entries);
        if !refused.is_empty() {
            found.refused += refused.len();
            found.partial.push(dir.to_string());
            found.notes.append(&mut refused);
        }
        if incomplete {
            found.partial.push(dir.to_string());
            found.notes.push(format!(
                "remote folder {}: not every entry could be read (listing lines ftpsh cannot read, or names the server cannot encode); no local file is deleted there",
                crate::escape::quoted(&remote_dir)
            ));
        }
        Ok(subdirs)
    })?;
    let mut source = found.into_inner().unwrap_or_else(|p| p.into_inner());
    source.partial.sort();
    source.partial.dedup();
    source.unknown.sort();
    source.notes.sort();
    Ok(source)
}
