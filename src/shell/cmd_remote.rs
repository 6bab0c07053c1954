//! Commands on the remote tree: cd, ls, mkdir, rmdir, rm, renames, mv, size, mdtm, touch.

use super::cmd_transfer::TREE_DEPTH;
use super::glob;
use super::items::Items;
use super::state::Shell;
use super::table::Invocation;
use super::unread::Unread;
use crate::error::{Error, Result};
use crate::escape::escape;
use crate::ftp::Session;
use crate::ftp::fetch::Tally;
use crate::ftp::listing::{self, Entry, EntryKind};
use crate::ftp::path;

pub fn pwd(shell: &mut Shell, _: &Invocation) -> Result<()> {
    let dir = shell.session()?.pwd()?;
    println!("{}", escape(&dir));
    shell.cwd = dir;
    Ok(())
}

/// `cd DIR`: DIR resolved against the known folder (see path::cd_target); `cd -` goes back
/// to the previous folder and prints it.
pub fn cd(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let back = inv.args[0] == "-";
    let arg = if back {
        shell
            .previous_cwd
            .clone()
            .ok_or_else(|| Error::Failed("cd -: no previous folder yet".into()))?
    } else {
        inv.args[0].clone()
    };
    let old = shell.cwd.clone();
    let session = shell.session()?;
    // A glob matching one folder: how a script reaches a name that is not UTF-8.
    let arg = if back {
        arg
    } else {
        glob::expand_one(session, &arg, "cd")?
    };
    match path::cd_target(&old, &arg) {
        Some(target) => session.cwd(&target)?,
        None if arg == ".." => session.cdup()?,
        None => session.cwd(&arg)?,
    }
    shell.refresh_cwd();
    if shell.cwd != old && !old.is_empty() {
        shell.previous_cwd = Some(old);
    }
    if back {
        println!("{}", escape(&shell.cwd));
    }
    Ok(())
}

pub fn cdup(shell: &mut Shell, _: &Invocation) -> Result<()> {
    shell.session()?.cdup()?;
    shell.refresh_cwd();
    Ok(())
}

/// `ls`: the entries in aligned columns (type, size, date, name), sorted by name, time
/// (-t) or size (-S), sizes human-readable with -h; `--raw` prints the server's own lines.
/// Lines no listing format reads follow the entries, marked `?`, as the server sent them
/// (escaped): the folder is shown whole, whatever its server writes.
pub fn ls(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let path = inv.args.first().map(String::as_str);
    let session = shell.session()?;
    if inv.has('R') {
        for line in session.list(path)? {
            println!("{}", escape(&line));
        }
        return Ok(());
    }
    let target = path.unwrap_or(".");
    let (mut entries, unparsed) = match session.listing(target) {
        Ok(listing) => (listing.entries, listing.unparsed),
        // Not a directory? Then show the one entry, as ls does for a file.
        Err(err @ Error::Reply { .. }) => match session.stat(target)? {
            Some(entry) if entry.kind != EntryKind::Dir => (vec![entry], Vec::new()),
            _ => return Err(err),
        },
        Err(err) => return Err(err),
    };
    sort_entries(&mut entries, inv);
    for line in format_listing(&entries, inv.has('h'), inv.has('l')) {
        println!("{line}");
    }
    for bad in &unparsed {
        println!("? {}", escape(bad.line.trim_end_matches(['\r', '\n'])));
    }
    if let Some(first) = unparsed.first() {
        // The first line's reason: no format reads it, or the data stopped inside it.
        eprintln!(
            "{}",
            escape(&format!(
                "ls {target}: {} marked ? {} shown as the server sent {} ({})",
                crate::words::count(unparsed.len() as u64, "line", "lines"),
                if unparsed.len() == 1 { "is" } else { "are" },
                if unparsed.len() == 1 { "it" } else { "them" },
                first.reason
            ))
        );
    }
    Ok(())
}

fn sort_entries(entries: &mut [Entry], inv: &Invocation) {
    if inv.has('t') {
        entries.sort_by(|a, b| b.mtime.cmp(&a.mtime).then_with(|| a.name.cmp(&b.name)));
    } else if inv.has('S') {
        entries.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
    } else {
        entries.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// Aligned rows: type, size, date (UTC), name; directories end with '/'. `long` (`ls -l`):
/// the type column becomes the mode column (`-rwxr-xr-x`), with `?` for the bits of an
/// entry the server gave none for (as GNU ls shows what it could not read), a server that
/// lists no modes at all included.
pub fn format_listing(entries: &[Entry], human: bool, long: bool) -> Vec<String> {
    let modes = long;
    let sizes: Vec<String> = entries
        .iter()
        .map(|e| {
            if human {
                human_size(e.size)
            } else {
                e.size.to_string()
            }
        })
        .collect();
    let width = sizes.iter().map(String::len).max().unwrap_or(0);
    entries
        .iter()
        .zip(&sizes)
        .map(|(e, size)| {
            let (kind, suffix) = match e.kind {
                EntryKind::Dir => ('d', "/".to_string()),
                EntryKind::Link => (
                    'l',
                    e.link_target
                        .as_ref()
                        .map_or_else(String::new, |t| format!(" -> {t}")),
                ),
                EntryKind::File => ('-', String::new()),
                EntryKind::Other => ('?', String::new()),
            };
            let kind = match (modes, e.mode) {
                (false, _) => kind.to_string(),
                (true, Some(mode)) => format!("{kind}{}", mode_string(mode)),
                (true, None) => format!("{kind}?????????"),
            };
            let date = e
                .mtime
                .map_or_else(|| "-".repeat(16), |t| human_time(t)[..16].to_string());
            escape(&format!(
                "{kind} {size:>width$}  {date}  {}{suffix}",
                e.name
            ))
            .into_owned()
        })
        .collect()
}

/// 0o755 → "rwxr-xr-x", 0o4755 → "rwsr-xr-x", 0o1777 → "rwxrwxrwt": the nine columns of
/// `ls -l` after the type.
pub fn mode_string(mode: u32) -> String {
    let mut out = String::with_capacity(9);
    for who in 0..3 {
        let bits = mode >> (6 - 3 * who);
        out.push(if bits & 0o4 != 0 { 'r' } else { '-' });
        out.push(if bits & 0o2 != 0 { 'w' } else { '-' });
        let special = mode & (0o4000 >> who) != 0;
        let exec = bits & 0o1 != 0;
        out.push(match (special, exec, who) {
            (false, true, _) => 'x',
            (false, false, _) => '-',
            (true, true, 2) => 't',
            (true, false, 2) => 'T',
            (true, true, _) => 's',
            (true, false, _) => 'S',
        });
    }
    out
}

/// 1023 → "1023", 1536 → "1.5K", 5 MiB → "5.0M".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["K", "M", "G", "T", "P", "E"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1}{}", UNITS[unit])
}

pub fn nlst(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    for name in shell
        .session()?
        .nlst(inv.args.first().map(String::as_str))?
    {
        println!("{}", escape(&name));
    }
    Ok(())
}

pub fn mkdir(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let session = shell.session()?;
    let items = Items::new("mkdir");
    for dir in &inv.args {
        let made = if inv.has('p') {
            session.mkdir_all(dir)
        } else {
            make_dir(session, dir)
        };
        items.record(dir, made)?;
    }
    items.finish()
}

fn make_dir(session: &mut Session, dir: &str) -> Result<()> {
    let Err(err) = session.mkdir(dir) else {
        return Ok(());
    };
    // Many servers refuse an existing name with a reply that says something else
    // (libunftp: "550 File not found"): when the name is there, say that.
    // The reply code stays (typed, and shown); its misleading words go.
    if let Error::Reply { code, .. } = err
        && let Ok(Some(entry)) = session.stat(dir)
    {
        let kind = if entry.kind == EntryKind::Dir {
            "folder"
        } else {
            "file"
        };
        return Err(Error::Reply {
            what: format!("mkdir {dir}"),
            code,
            text: format!("{code} refused: there is already a {kind} named {dir}"),
        });
    }
    Err(err)
}

pub fn rmdir(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let session = shell.session()?;
    let items = Items::new("rmdir");
    for dir in &inv.args {
        items.record(dir, session.rmdir(dir))?;
    }
    items.finish()
}

/// `rm [-r] [-f] PATH...` (also `mdelete`): PATHs may be globs, expanded from the listing.
/// At a terminal, removing several files through a glob asks once first. Each name is
/// deleted if it can be (see [`Items`]).
pub fn rm(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let interactive = shell.interactive;
    let session = shell.session()?;
    let mut targets = Vec::new();
    let mut unread = Unread::new("rm");
    let items = Items::new("rm");
    for word in &inv.args {
        let expanded = match glob::expand_remote(session, word, &mut unread) {
            // -f: a pattern that matches nothing is no error; anything else still is (a
            // listing that may be cut above all).
            Err(Error::NoMatch { .. }) if inv.has('f') => continue,
            // -f: a folder that is not there holds nothing to delete.
            Err(err) if inv.has('f') && err.is_unavailable() => continue,
            expanded => expanded,
        };
        if let Some(found) = items.failed(word, expanded)? {
            targets.extend(found.into_iter().map(|(path, _)| path));
        }
    }
    let globbed = inv.args.iter().any(|w| glob::has_glob(w));
    if interactive
        && globbed
        && targets.len() > 1
        && !confirm(&format!("delete {} files?", targets.len()))?
    {
        return Err(Error::Failed("rm: nothing deleted".to_string()));
    }
    // One bound for all the listings of the command (`--max-listed`).
    let tally = Tally::new(session.params().max_listed, "command");
    for target in &targets {
        let result = if inv.has('r') {
            remove_tree(session, target, &items, &tally)
        } else {
            delete_file(session, target)
        };
        match result {
            // -f passes over "no such file" (550) only: a transient 450 or a lost
            // connection is still a failure.
            Err(err) if inv.has('f') && err.is_unavailable() => {}
            other => {
                items.record(target, other)?;
            }
        }
    }
    items.finish_with(unread)
}

/// DELE, and where it is refused because the name is a folder, a message that says so and
/// what would work.
fn delete_file(session: &mut Session, target: &str) -> Result<()> {
    let err = match session.delete(target) {
        Err(err @ Error::Reply { .. }) => err,
        other => return other,
    };
    match session.stat(target) {
        Ok(Some(entry)) if entry.kind == EntryKind::Dir => Err(Error::IsDirectory {
            what: format!("rm {target}"),
            hint: " (rm -r deletes it with all it holds, rmdir an empty one)",
        }),
        _ => Err(err),
    }
}

/// Asks a yes/no question on the terminal; anything but y/yes is no.
fn confirm(question: &str) -> Result<bool> {
    use std::io::Write;
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::local("confirmation", e))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// `rm -r`: files first, then the emptied directories, deepest first. Names come from the
/// server's listing: every name of a directory is checked before anything in it is deleted,
/// so a hostile `../x` stops the command in that folder before it acts there, and never
/// steers it outside. What cannot be deleted inside is said and counted in `items`; the
/// folders holding it stay, in silence (the item named is the reason).
fn remove_tree(session: &mut Session, target: &str, items: &Items, tally: &Tally) -> Result<()> {
    let is_dir = session
        .stat(target)?
        .is_some_and(|e| e.kind == EntryKind::Dir);
    if !is_dir {
        return session.delete(target);
    }
    if remove_below(session, target, items, tally, 0)? {
        session.rmdir(target)?;
    }
    Ok(())
}

/// Deletes what the folder `target` (`depth` levels below the command's folder) holds;
/// true when all of it went. A folder below the depth limit is left as it is, said (a
/// server tree that loops would otherwise never end).
fn remove_below(
    session: &mut Session,
    target: &str,
    items: &Items,
    tally: &Tally,
    depth: usize,
) -> Result<bool> {
    let entries = session.entries(target)?;
    tally.charge_entries(target, &entries)?;
    if let Some(bad) = entries
        .iter()
        .find(|e| path::safe_local_component(&e.name).is_err())
    {
        return Err(Error::BadName {
            what: format!("rm -r {target}"),
            reason: format!(
                "the server lists {}, which is not a plain name; nothing deleted in this folder",
                crate::escape::quoted(&bad.name)
            ),
        });
    }
    let mut all_gone = true;
    for entry in entries {
        let child = path::join(target, &entry.name);
        let gone = match entry.kind {
            EntryKind::Dir if depth + 1 >= TREE_DEPTH => {
                items.skipped(
                    &child,
                    &format!(
                        "rm -r: {} is below the depth limit ({TREE_DEPTH} levels): left as it is",
                        crate::escape::quoted(&child)
                    ),
                );
                false
            }
            EntryKind::Dir => {
                let removed = remove_below(session, &child, items, tally, depth + 1)
                    .and_then(|all| all.then(|| session.rmdir(&child)).transpose());
                items.record(&child, removed)?.flatten().is_some()
            }
            _ => items.record(&child, session.delete(&child))?.is_some(),
        };
        all_gone &= gone;
    }
    Ok(all_gone)
}

pub fn rnfr(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let session = shell.session()?;
    let from = glob::expand_one(session, &inv.args[0], "rnfr")?;
    session.rename_from(&from)?;
    shell.rename_from = Some(from);
    Ok(())
}

/// The second half of the two-step rename. RNFR is sent again with RNTO so that commands
/// typed in between cannot break the pair. TO may be a folder, as for `rename`.
pub fn rnto(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let from = shell
        .rename_from
        .take()
        .ok_or_else(|| Error::Failed("rnto: no pending rename: use rnfr FROM first".into()))?;
    let session = shell.session()?;
    let to = target_in(&inv.args[0], is_folder(session, &inv.args[0])?, &from);
    session.rename(&from, &to)
}

/// `rename FROM TO`: FROM may be a glob matching one name (see `glob::expand_one`). A TO
/// that is a folder (or ends with '/') takes FROM inside it, keeping its name, as `mv` does:
/// `rename new.html documentation/`.
pub fn rename(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let session = shell.session()?;
    let from = glob::expand_one(session, &inv.args[0], "rename")?;
    let to = target_in(&inv.args[1], is_folder(session, &inv.args[1])?, &from);
    session.rename(&from, &to)
}

/// Whether a rename's destination is a folder to move into: it ends with '/' or the server
/// has a folder by that name.
fn is_folder(session: &mut Session, dest: &str) -> Result<bool> {
    Ok(dest.ends_with('/')
        || session
            .stat(dest)?
            .is_some_and(|e| e.kind == EntryKind::Dir))
}

/// Where `source` goes: inside `dest` under its own name when `dest` is a folder, else `dest`.
fn target_in(dest: &str, dest_is_dir: bool, source: &str) -> String {
    if dest_is_dir {
        path::join(dest, path::file_name(source))
    } else {
        dest.to_string()
    }
}

/// `mv SRC... DEST`: into DEST (keeping names) when it is a directory, else a plain rename.
/// SRCs may be globs, expanded from the server's listing (unreadable lines skipped with a
/// warning, and the command fails at its end, as for rm).
pub fn mv(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let (dest, words) = inv.args.split_last().expect("arity checked");
    let session = shell.session()?;
    let mut unread = Unread::new("mv");
    let items = Items::new("mv");
    let mut sources = Vec::new();
    for word in words {
        if let Some(found) = items.failed(word, glob::expand_remote(session, word, &mut unread))? {
            sources.extend(found.into_iter().map(|(p, _)| p));
        }
    }
    let dest_is_dir = is_folder(session, dest)?;
    if sources.len() > 1 && !dest_is_dir {
        return Err(Error::NotDirectory {
            what: format!("mv: {dest}"),
        });
    }
    for source in &sources {
        let target = target_in(dest, dest_is_dir, source);
        items.record(source, session.rename(source, &target))?;
    }
    items.finish_with(unread)
}

pub fn size(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let session = shell.session()?;
    let items = Items::new("size");
    for file in &inv.args {
        if let Some(bytes) = items.record(file, session.size(file))? {
            println!("{bytes}\t{}", escape(file));
        }
    }
    items.finish()
}

pub fn mdtm(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let session = shell.session()?;
    let items = Items::new("mdtm");
    for file in &inv.args {
        if let Some(time) = items.record(file, session.mdtm(file))? {
            println!("{}\t{}", human_time(time), escape(file));
        }
    }
    items.finish()
}

/// "2024-01-02 03:04:05 UTC" from unix seconds.
pub fn human_time(unix: i64) -> String {
    let s = listing::format_ftp_time(unix);
    format!(
        "{}-{}-{} {}:{}:{} UTC",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[8..10],
        &s[10..12],
        &s[12..14]
    )
}

/// Creates an empty file, or sets an existing file's time to now where the server can.
pub fn touch(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let session = shell.session()?;
    let items = Items::new("touch");
    for file in &inv.args {
        items.record(file, touch_one(session, file))?;
    }
    items.finish()
}

fn touch_one(session: &mut Session, file: &str) -> Result<()> {
    match session.stat(file)? {
        Some(entry) if entry.kind == EntryKind::Dir => Err(Error::IsDirectory {
            what: format!("touch {file}"),
            hint: "",
        }),
        Some(_) => {
            if !session.set_mtime(file, crate::clock::now_unix())? {
                eprintln!(
                    "touch {}: the server cannot set modification times",
                    escape(file)
                );
            }
            Ok(())
        }
        None => session
            .store(file, &mut std::io::empty(), false, &mut |_| {})
            .map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        for (bytes, want) in [(0, "0"), (1023, "1023"), (1536, "1.5K"), (5 << 20, "5.0M")] {
            assert_eq!(human_size(bytes), want);
        }
    }

    #[test]
    fn listings_align_and_mark_directories() {
        let entry = |name: &str, kind, size| Entry {
            name: name.into(),
            kind,
            size,
            mtime: Some(0),
            mtime_exact: true,
            link_target: None,
            mode: None,
            raw: String::new(),
        };
        let rows = format_listing(
            &[
                entry("dir", EntryKind::Dir, 0),
                entry("big", EntryKind::File, 123456),
            ],
            false,
            false,
        );
        assert_eq!(
            rows,
            [
                "d      0  1970-01-01 00:00  dir/",
                "- 123456  1970-01-01 00:00  big"
            ]
        );
    }

    /// `ls -l`: the mode column, `?` where the server gave none for an entry (or for any);
    /// without -l, the plain type column.
    #[test]
    fn long_listing_shows_modes() {
        let entry = |name: &str, kind, mode| Entry {
            name: name.into(),
            kind,
            size: 1,
            mtime: Some(0),
            mtime_exact: true,
            link_target: None,
            mode,
            raw: String::new(),
        };
        let entries = [
            entry("d", EntryKind::Dir, Some(0o2775)),
            entry("run.sh", EntryKind::File, Some(0o755)),
            entry("secret", EntryKind::File, Some(0o600)),
            entry("odd", EntryKind::Other, None),
        ];
        assert_eq!(
            format_listing(&entries, false, true),
            [
                "drwxrwsr-x 1  1970-01-01 00:00  d/",
                "-rwxr-xr-x 1  1970-01-01 00:00  run.sh",
                "-rw------- 1  1970-01-01 00:00  secret",
                "?????????? 1  1970-01-01 00:00  odd",
            ]
        );
        assert_eq!(
            format_listing(&entries[1..2], false, false),
            ["- 1  1970-01-01 00:00  run.sh"]
        );
        // A server that lists no modes at all: the column says so, as help says.
        let no_modes = [
            entry("plain", EntryKind::File, None),
            entry("dir", EntryKind::Dir, None),
        ];
        assert_eq!(
            format_listing(&no_modes, false, true),
            [
                "-????????? 1  1970-01-01 00:00  plain",
                "d????????? 1  1970-01-01 00:00  dir/"
            ]
        );
        for (mode, want) in [
            (0o644, "rw-r--r--"),
            (0, "---------"),
            (0o4755, "rwsr-xr-x"),
            (0o2640, "rw-r-S---"),
            (0o1777, "rwxrwxrwt"),
            (0o1776, "rwxrwxrwT"),
            (0o7777, "rwsrwsrwt"),
        ] {
            assert_eq!(mode_string(mode), want, "{mode:o}");
        }
    }

    #[test]
    fn human_time_formats_utc() {
        assert_eq!(human_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(human_time(1_709_164_800), "2024-02-29 00:00:00 UTC");
    }
}
