//! put, get and their multi-file forms: globs, whole trees (-r), resumed downloads (-c),
//! every file streamed and never visible half-written.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::glob;
use super::items::Items;
use super::state::Shell;
use super::table::Invocation;
use super::unread::Unread;
use crate::error::{Error, Result};
use crate::escape::local_path;
use crate::ftp::fetch::Tally;
use crate::ftp::listing::EntryKind;
use crate::ftp::{Session, path};
use crate::lossless;
use crate::mirror::filter::Filter;
use crate::mirror::pool::Pool;
use crate::mirror::scan;
use crate::mirror::tree::Kind;
use crate::mirror::tree::local_file;
use crate::progress::Bar;
use crate::transfer;
use crate::transfer::summary::{self, Way};

/// Deepest tree `put -r`, `get -r`, `chmod -R` and `rm -r` descend into (see
/// `MAX_TREE_DEPTH`): a server tree that loops ends there, said.
pub(super) const TREE_DEPTH: usize = crate::mirror::MAX_TREE_DEPTH;

/// `put [-r] LOCAL [REMOTE]`: LOCAL may be a glob; several files go into REMOTE (a
/// directory, the current one when omitted). Each file that can be sent is (see [`Items`]).
pub fn put(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let sources = glob::expand_local(&inv.args[0])?;
    let items = Items::new("put");
    let dest = inv.args.get(1);
    // `put FILE DIR` puts FILE into an existing remote folder DIR, as cp would.
    let dest_is_dir = match dest {
        Some(d) if d.ends_with('/') => true,
        Some(d) if sources.len() == 1 => shell
            .session()?
            .stat(d)?
            .is_some_and(|e| e.kind == EntryKind::Dir),
        _ => false,
    };
    let into_dir = sources.len() > 1 || dest.is_none() || dest_is_dir;
    put_all(
        shell,
        &sources,
        inv.args.get(1).map(String::as_str),
        into_dir,
        inv,
        &items,
    )?;
    items.finish()
}

/// `mput [-r] PATTERN...`: every match into the current remote directory; a pattern that
/// matches nothing is one item that failed.
pub fn mput(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let items = Items::new("mput");
    let mut sources = Vec::new();
    for pattern in &inv.args {
        if let Some(found) = items.failed(pattern, glob::expand_local(pattern))? {
            sources.extend(found);
        }
    }
    put_all(shell, &sources, None, true, inv, &items)?;
    items.finish()
}

fn put_all(
    shell: &mut Shell,
    sources: &[PathBuf],
    dest: Option<&str>,
    into_dir: bool,
    inv: &Invocation,
    items: &Items,
) -> Result<()> {
    let (recursive, resume) = (inv.has('r'), inv.has('c'));
    let verbose = shell.verbose() || shell.interactive;
    // -c: each file continues its temporary from an interrupted upload, if one is there.
    let resume = if resume {
        transfer::Resume::Search
    } else {
        transfer::Resume::No
    };
    let mut files = Vec::new();
    for source in sources {
        let shown = local_path(source);
        let name = source
            .file_name()
            .and_then(lossless::from_os)
            .ok_or_else(|| Error::BadName {
                what: format!("put {shown}"),
                reason: "not a file name".to_string(),
            });
        let Some(name) = items.record(&shown, name)? else {
            continue;
        };
        let name = name.as_str();
        let remote = match dest {
            Some(dest) if into_dir => path::join(dest, name),
            Some(dest) => dest.to_string(),
            None => name.to_string(),
        };
        if source.is_dir() {
            if !recursive {
                let refused = Err(Error::IsDirectory {
                    what: format!("put {shown}"),
                    hint: " (put -r sends a whole tree)",
                });
                items.record::<()>(&shown, refused)?;
                continue;
            }
            put_tree(shell.session()?, source, &remote, resume, items, verbose)?;
        } else {
            files.push((source.clone(), remote));
        }
    }
    let size_of = |source: &PathBuf| std::fs::metadata(source).ok().map(|m| m.len());
    let batch = (files.len() > 1).then(|| {
        let bytes = files.iter().filter_map(|(source, _)| size_of(source)).sum();
        Bar::batch("put", files.len() as u64, bytes)
    });
    let distinct = all_distinct(files.iter().map(|(_, remote)| remote));
    let name = |(source, _): &(PathBuf, String)| local_path(source);
    over_connections(
        shell,
        &files,
        distinct,
        items,
        name,
        |session, (source, remote)| {
            let size = size_of(source);
            let bar = batch.is_none().then(|| Bar::bytes(remote, size));
            let mut share = batch.as_ref().map(|b| b.file(size.unwrap_or(0)));
            let seen = transfer::Seen::default();
            let started = Instant::now();
            let done = transfer::upload_seen(session, source, remote, seen, resume, &mut |n| {
                if let Some(bar) = &bar {
                    bar.set(n);
                }
                if let Some(share) = share.as_mut() {
                    share.moved(n);
                }
            })?;
            drop((bar, share));
            if verbose {
                crate::progress::print_out(&summary::line(
                    Way::Sent,
                    done.bytes,
                    remote,
                    done.resumed_at,
                    started.elapsed(),
                ));
            }
            Ok(())
        },
    )
}

/// Runs `task` for each item: one item on the shell's connection, several over a pool of
/// `parallel` connections (the shell's one first, the others logging in meanwhile), as the
/// mirror does. Each outcome goes to `outcomes` under the item's `name`: an item's own
/// failure is said and the others go on; after a failure that stops the command no new
/// item starts, and the first such failure in item order is the command's. Items that share
/// a target (`distinct` false) go one by one, so the last one wins as it would typed one
/// after another (and two downloads never share a temporary).
fn over_connections<T: Sync>(
    shell: &mut Shell,
    items: &[T],
    distinct: bool,
    outcomes: &Items,
    name: impl Fn(&T) -> String + Sync,
    task: impl Fn(&mut Session, &T) -> Result<()> + Sync,
) -> Result<()> {
    let parallel = shell.settings.job_defaults().parallel;
    // Ctrl-C: no new item starts, and the transfers in flight (on the pool's threads too)
    // see the command's token.
    let token = crate::cancel::current();
    let task = |session: &mut Session, item: &T| {
        let _in = crate::cancel::install(token.clone());
        if crate::cancel::requested() {
            return Err(Error::cancelled("the remaining files"));
        }
        outcomes.record(&name(item), task(session, item)).map(drop)
    };
    // Relative paths mean the same on every connection only where the directory is known.
    // ASCII transfers stay on the shell's connection, the one in ASCII mode.
    let alone = items.len() < 2 || parallel < 2 || !distinct || shell.cwd.is_empty();
    let session = shell.session()?;
    let alone = alone || !session.is_binary();
    if alone {
        return items.iter().try_for_each(|item| task(session, item));
    }
    let params = session.params().clone();
    let mut pool = Pool::new(params).starting_in(&shell.cwd);
    let mut lent = shell.lend();
    pool.ready.extend(lent.take());
    if pool.ready.is_empty() {
        return Err(Error::NotConnected);
    }
    let outcomes = pool.run_each(parallel, items, task);
    // The shell's connection was the first one in, so it is the first one out.
    if !pool.ready.is_empty() {
        lent.give_back(Some(pool.ready.remove(0)), false);
    }
    drop(lent);
    outcomes
        .into_iter()
        .flatten()
        .find_map(Result::err)
        .map_or(Ok(()), Err)
}

/// Sends a local tree: directories first (parents before children), then each file. Each
/// file and folder is one of `items`: what cannot be read or sent is said and skipped (a
/// folder with all it holds), the rest is sent.
fn put_tree(
    session: &mut Session,
    local: &Path,
    remote: &str,
    resume: transfer::Resume<'_>,
    items: &Items,
    verbose: bool,
) -> Result<()> {
    let filter = Filter::new(TREE_DEPTH, &[]).map_err(|e| Error::Failed(e.to_string()))?;
    let found = scan::scan(local, &filter, false);
    for problem in &found.problems {
        // Phrased by the walk as `PATH: why; skipped`.
        let name = problem.split(": ").next().unwrap_or(problem);
        items.skipped(name, problem);
    }
    let shown = local_path(local);
    // Left out, never in silence (the command fails at its end), as get -r says it.
    if let Some(first) = &found.first_below {
        items.skipped(
            first,
            &format!(
                "put -r {shown}: {} entries below the depth limit ({TREE_DEPTH} levels) are not sent (the first folder holding some: {})",
                found.below_depth,
                crate::escape::quoted(first)
            ),
        );
    }
    if items.record(&shown, session.mkdir_all(remote))?.is_none() {
        return Ok(());
    }
    let mut tally = TreeTally::new(Way::Sent, format!("put -r {shown}"));
    // Folders that could not be made: what they hold is left out with them.
    let mut failed_dirs: Vec<String> = Vec::new();
    for (rel, entry) in &found.snapshot {
        if crate::cancel::requested() {
            return Err(Error::cancelled(format!("put -r {shown}")));
        }
        if failed_dirs.iter().any(|d| path::is_under(rel, d)) {
            continue;
        }
        let target = path::join(remote, rel);
        let source = local_file(local, rel);
        let name = local_path(&source);
        match entry.kind {
            Kind::Dir => {
                if items.record(&name, session.mkdir_all(&target))?.is_none() {
                    failed_dirs.push(rel.to_string());
                }
            }
            Kind::File => {
                // The file the walk saw, or nothing: a file swapped for a link (or another
                // file) since is skipped and said, never sent under this name.
                let seen = transfer::Seen {
                    identity: entry.inode,
                    no_follow: true,
                };
                let sent =
                    transfer::upload_seen(session, &source, &target, seen, resume, &mut |_| {});
                tally.add(items.record(&name, sent)?.map(|done| done.bytes));
            }
        }
    }
    tally.say(verbose);
    Ok(())
}

/// What a recursive `put -r`/`get -r` moved, for its one-line ending.
struct TreeTally {
    way: Way,
    command: String,
    started: Instant,
    files: u64,
    bytes: u64,
    failed: u64,
}

impl TreeTally {
    fn new(way: Way, command: String) -> TreeTally {
        TreeTally {
            way,
            command,
            started: Instant::now(),
            files: 0,
            bytes: 0,
            failed: 0,
        }
    }

    /// One file: the bytes it moved, or None when it failed (said already).
    fn add(&mut self, moved: Option<u64>) {
        match moved {
            Some(bytes) => {
                self.files += 1;
                self.bytes += bytes;
            }
            None => self.failed += 1,
        }
    }

    fn say(&self, verbose: bool) {
        if verbose {
            crate::progress::print_out(&summary::tree_line(
                self.way,
                &self.command,
                self.files,
                self.bytes,
                self.failed,
                self.started.elapsed(),
            ));
        }
    }
}

/// Prints remote files to standard output.
pub fn cat(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let mut stdout = crate::cancel::Writer(std::io::stdout().lock());
    let items = Items::new("cat");
    for file in &inv.args {
        let printed = shell.session()?.retrieve(file, &mut stdout, &mut |_| {});
        items.record(file, printed)?;
    }
    items.finish()
}

/// `get [-r] [-c] REMOTE [LOCAL]`: REMOTE may be a glob; several files go into LOCAL (a
/// folder, the current one when omitted); `-` as LOCAL writes to standard output.
pub fn get(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let remote = &inv.args[0];
    let dest = inv.args.get(1).map(String::as_str);
    if dest == Some("-") {
        let mut stdout = crate::cancel::Writer(std::io::stdout().lock());
        shell
            .session()?
            .retrieve(remote, &mut stdout, &mut |_| {})?;
        return Ok(());
    }
    let mut unread = Unread::new(format!("get {remote}"));
    let sources = glob::expand_remote(shell.session()?, remote, &mut unread)?;
    let items = Items::new("get");
    get_all(shell, &sources, dest, inv, &mut unread, &items)?;
    items.finish_with(unread)
}

/// `mget [-r] [-c] PATTERN...`: every match into the current local folder; a pattern that
/// matches nothing is one item that failed.
pub fn mget(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let mut unread = Unread::new("mget");
    let items = Items::new("mget");
    let mut sources = Vec::new();
    for pattern in &inv.args {
        let found = glob::expand_remote(shell.session()?, pattern, &mut unread);
        if let Some(found) = items.failed(pattern, found)? {
            sources.extend(found);
        }
    }
    get_all(shell, &sources, None, inv, &mut unread, &items)?;
    items.finish_with(unread)
}

fn get_all(
    shell: &mut Shell,
    sources: &[(String, Option<crate::ftp::listing::Entry>)],
    dest: Option<&str>,
    inv: &Invocation,
    unread: &mut Unread,
    items: &Items,
) -> Result<()> {
    let (recursive, resume) = (inv.has('r'), inv.has('c'));
    let dest_is_dir = dest.is_some_and(|d| lossless::to_path(d).is_dir());
    if sources.len() > 1 && dest.is_some() && !dest_is_dir {
        return Err(Error::NotDirectory {
            what: format!("get: {}", dest.unwrap_or_default()),
        });
    }
    let verbose = shell.verbose() || shell.interactive;
    let mut files = Vec::new();
    for (remote, entry) in sources {
        let is_dir = match entry {
            Some(entry) => Ok(entry.kind == EntryKind::Dir),
            None if recursive => shell
                .session()?
                .stat(remote)
                .map(|e| e.is_some_and(|e| e.kind == EntryKind::Dir)),
            None => Ok(false),
        };
        let Some(is_dir) = items.record(remote, is_dir)? else {
            continue;
        };
        let local = match dest {
            // A local name the user typed is theirs to choose.
            Some(dest) if !dest_is_dir => Ok(lossless::to_path(dest)),
            // A name taken from the remote path must stay inside the local folder.
            _ => path::safe_local_component(path::file_name(remote)).map(|name| {
                // The server's bytes (see `crate::lossless`), not the name's UTF-8 form.
                let name = lossless::to_os(name);
                dest.map_or_else(
                    || PathBuf::from(&name),
                    |d| lossless::to_path(d).join(&name),
                )
            }),
        };
        let Some(local) = items.record(remote, local)? else {
            continue;
        };
        if is_dir {
            if !recursive {
                let refused = Err(Error::IsDirectory {
                    what: format!("get {remote}"),
                    hint: " (get -r fetches a whole tree)",
                });
                items.record::<()>(remote, refused)?;
                continue;
            }
            get_tree(
                shell.session()?,
                remote,
                &local,
                resume,
                unread,
                items,
                verbose,
            )?;
        } else {
            files.push((remote.as_str(), entry.as_ref().map(|e| e.size), local));
        }
    }
    let batch = (files.len() > 1).then(|| {
        let bytes = files.iter().filter_map(|(_, size, _)| *size).sum();
        Bar::batch("get", files.len() as u64, bytes)
    });
    let distinct = all_distinct(files.iter().map(|(_, _, local)| local));
    let name = |(remote, _, _): &(&str, Option<u64>, PathBuf)| remote.to_string();
    over_connections(
        shell,
        &files,
        distinct,
        items,
        name,
        |session, (remote, size, local)| {
            let bar = batch.is_none().then(|| {
                let total = match size {
                    Some(size) => Some(*size),
                    // A total gives the bar its ETA; only worth a round trip when it is drawn.
                    None if crate::progress::enabled() => session.size(remote).ok(),
                    None => None,
                };
                Bar::bytes(remote, total)
            });
            let mut share = batch.as_ref().map(|b| b.file(size.unwrap_or(0)));
            let progress = &mut |n| {
                if let Some(bar) = &bar {
                    bar.set(n);
                }
                if let Some(share) = share.as_mut() {
                    share.moved(n);
                }
            };
            let started = Instant::now();
            let done = match transfer::download(session, remote, local, resume, progress) {
                // A refused RETR is often a directory: say so rather than the server's 550.
                Err(err @ Error::Reply { .. }) => match session.stat(remote) {
                    Ok(Some(e)) if e.kind == EntryKind::Dir => {
                        return Err(Error::IsDirectory {
                            what: format!("get {remote}"),
                            hint: " (get -r fetches a whole tree)",
                        });
                    }
                    _ => return Err(err),
                },
                other => other?,
            };
            drop((bar, share));
            if verbose {
                crate::progress::print_out(&summary::line(
                    Way::Received,
                    done.bytes,
                    &local_path(local),
                    done.resumed_at,
                    started.elapsed(),
                ));
            }
            Ok(())
        },
    )
}

fn all_distinct<T: Eq + std::hash::Hash>(targets: impl Iterator<Item = T>) -> bool {
    let mut seen = std::collections::HashSet::new();
    targets.into_iter().all(|t| seen.insert(t))
}

/// Fetches a remote tree into `local` (created if needed). Every name comes from the
/// server's listing, so each must be one plain component: a hostile `../x` cannot make
/// this write outside `local` (that entry is skipped and said). Lines of a listing that
/// cannot be read are skipped, noted in `unread`. Each file and folder is one of `items`:
/// a folder that cannot be made or listed is left out with all it holds, and said.
fn get_tree(
    session: &mut Session,
    remote: &str,
    local: &Path,
    resume: bool,
    unread: &mut Unread,
    items: &Items,
    verbose: bool,
) -> Result<()> {
    let mut tally = TreeTally::new(Way::Received, format!("get -r {remote}"));
    // One bound for all the listings of the tree (`--max-listed`).
    let bound = Tally::new(session.params().max_listed, "tree walk");
    let mut pending = vec![(remote.to_string(), local.to_path_buf(), 0usize)];
    while let Some((dir, target, depth)) = pending.pop() {
        let made = std::fs::create_dir_all(&target)
            .map_err(|e| Error::local(format!("get -r {remote}: {}", local_path(&target)), e));
        if items.record(&dir, made)?.is_none() {
            continue;
        }
        let Some(listing) = items.record(&dir, session.listing(&dir))? else {
            continue;
        };
        bound.charge(&dir, &listing)?;
        for entry in unread.entries(&dir, listing) {
            if crate::cancel::requested() {
                return Err(Error::cancelled(format!("get -r {remote}")));
            }
            let listed = path::join(&dir, &entry.name);
            let Some(name) = items.record(&listed, path::safe_local_component(&entry.name))? else {
                continue;
            };
            let (child, child_local) = (path::join(&dir, name), target.join(lossless::to_os(name)));
            match entry.kind {
                EntryKind::Dir if depth + 1 < TREE_DEPTH => {
                    pending.push((child, child_local, depth + 1))
                }
                // Left out, never in silence (the command fails at its end).
                EntryKind::Dir => items.skipped(
                    &child,
                    &format!(
                        "get -r {remote}: {} is below the depth limit ({TREE_DEPTH} levels): not fetched",
                        crate::escape::quoted(&child)
                    ),
                ),
                EntryKind::File => {
                    let fetched =
                        transfer::download(session, &child, &child_local, resume, &mut |_| {});
                    tally.add(items.record(&child, fetched)?.map(|done| done.bytes));
                }
                _ => {}
            }
        }
    }
    tally.say(verbose);
    Ok(())
}
