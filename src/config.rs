//! The user's config dir: `config` (defaults for flags) and `bookmarks` (named servers,
//! never with a password). `$FTPSH_CONFIG_DIR` overrides the location. Also the rule for
//! every file whose words ftpsh obeys (these two and .netrc): only the user may write it.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::target;

/// Where ftpsh keeps what it must remember between runs: the mirror's state files and the
/// ledger of partial transfers. `$FTPSH_STATE_DIR`, else `mirror-state` in the user's data
/// dir.
pub fn state_dir() -> Option<PathBuf> {
    match std::env::var_os("FTPSH_STATE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(dirs::data_dir()?.join("ftpsh").join("mirror-state")),
    }
}

pub fn dir() -> Option<PathBuf> {
    match std::env::var_os("FTPSH_CONFIG_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(dirs::config_dir()?.join("ftpsh")),
    }
}

/// `key = value` lines; `#` starts a comment. A key not in `known` is an error naming the
/// line, so a typo does not silently do nothing.
pub fn read_settings(known: &[&str]) -> Result<Vec<(String, String)>> {
    let Some(path) = dir().map(|d| d.join("config")) else {
        return Ok(Vec::new());
    };
    // An unreadable config must not be silently skipped: say so.
    let Some(text) = read_trusted(&path, "config")? else {
        return Ok(Vec::new());
    };
    parse_settings(&text, known).map_err(|e| Error::usage(format!("{}: {e}", path.display())))
}

fn parse_settings(
    text: &str,
    known: &[&str],
) -> std::result::Result<Vec<(String, String)>, String> {
    let mut settings = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected `key = value`", number + 1))?;
        let key = key.trim().replace('_', "-");
        if !known.contains(&key.as_str()) {
            return Err(format!(
                "line {}: unknown setting {key:?} (known: {})",
                number + 1,
                known.join(", ")
            ));
        }
        settings.push((key, value.trim().to_string()));
    }
    Ok(settings)
}

/// Reads a file whose words ftpsh obeys (the config file, the bookmarks, .netrc): `None` when
/// it does not exist. One that another user could have written is refused, as ssh refuses
/// such a config: a rewritten bookmark would send the password to another host.
pub fn read_trusted(path: &Path, what: &str) -> Result<Option<String>> {
    let named = || format!("{what} {}", path.display());
    // Only a regular file of a bounded size (crate::small_file): never a FIFO or /dev/zero.
    let (file, meta) = match crate::small_file::open(path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::local(named(), e)),
    };
    // The file opened, not its name looked up again: what is read is what was checked.
    if let Some(problem) = untrusted(&meta, false) {
        return Err(refusal(&named(), "it", path, problem));
    }
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = folder {
        let meta = fs::metadata(folder).map_err(|e| Error::local(named(), e))?;
        if let Some(problem) = untrusted(&meta, true) {
            let whose = format!("its folder {}", folder.display());
            return Err(refusal(&named(), &whose, folder, problem));
        }
    }
    let text = crate::small_file::read_opened(file)
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })
        .map_err(|e| Error::local(named(), e))?;
    Ok(Some(text))
}

/// Why a file, or the folder holding it, may have been written by another user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// Owned by this user id, neither the user's nor root's.
    Owner(u32),
    /// Writable by its group or by everyone: these permission bits.
    Writable(u32),
}

fn refusal(named: &str, whose: &str, fix: &Path, problem: Problem) -> Error {
    let fix = fix.display();
    Error::Failed(match problem {
        Problem::Owner(uid) => format!(
            "{named}: refused: {whose} belongs to another user (uid {uid}), who could have written anything in it; it must be yours (chown)"
        ),
        Problem::Writable(mode) => format!(
            "{named}: refused: other users can write {whose} (mode {mode:o}), so anyone could have changed it; chmod go-w {fix}"
        ),
    })
}

#[cfg(unix)]
fn untrusted(meta: &fs::Metadata, folder: bool) -> Option<Problem> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid cannot fail and touches no memory.
    let me = unsafe { libc::geteuid() };
    ownership_problem(meta.uid(), meta.mode(), me, folder)
}

#[cfg(not(unix))]
fn untrusted(_: &fs::Metadata, _: bool) -> Option<Problem> {
    None
}

/// ssh's rule for its config, on numbers: the owner is this user or root, and neither the
/// group nor others may write. A folder with the sticky bit (as /tmp) lets no one replace
/// another's file, so it may be writable by all.
fn ownership_problem(owner: u32, mode: u32, me: u32, folder: bool) -> Option<Problem> {
    const STICKY: u32 = 0o1000;
    if owner != me && owner != 0 {
        return Some(Problem::Owner(owner));
    }
    if mode & 0o022 != 0 && !(folder && mode & STICKY != 0) {
        return Some(Problem::Writable(mode & 0o7777));
    }
    None
}

/// `on`/`off` and their synonyms (yes/no, true/false, 1/0, any case): the config file's
/// switches and the shell's `passive`/`debug` read them alike.
pub fn on_off(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Some(true),
        "off" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn bookmarks_file() -> Result<PathBuf> {
    dir()
        .map(|d| d.join("bookmarks"))
        .ok_or_else(|| Error::Failed("bookmarks: no config directory on this system".into()))
}

/// Name → URL, in file order.
pub fn bookmarks() -> Result<Vec<(String, String)>> {
    let path = bookmarks_file()?;
    let Some(text) = read_trusted(&path, "bookmarks")? else {
        return Ok(Vec::new());
    };
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(name, url)| (name.to_string(), url.trim().to_string()))
        .collect())
}

pub fn bookmark(name: &str) -> Result<Option<String>> {
    Ok(bookmarks()?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, url)| url))
}

/// Adds or replaces a bookmark. The password is dropped: it comes from .netrc or the prompt.
pub fn save_bookmark(name: &str, url: &str) -> Result<String> {
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(Error::usage("bookmark names have no spaces"));
    }
    let url = without_password(url);
    target::parse(&url)?;
    let mut all = bookmarks()?;
    all.retain(|(n, _)| n != name);
    all.push((name.to_string(), url.clone()));
    write_bookmarks(&all)?;
    Ok(url)
}

pub fn delete_bookmark(name: &str) -> Result<()> {
    let mut all = bookmarks()?;
    let before = all.len();
    all.retain(|(n, _)| n != name);
    if all.len() == before {
        return Err(Error::Failed(format!("bookmark {name}: no such bookmark")));
    }
    write_bookmarks(&all)
}

fn write_bookmarks(all: &[(String, String)]) -> Result<()> {
    let path = bookmarks_file()?;
    let what = format!("bookmarks {}", path.display());
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::local(what.as_str(), e))?;
    }
    let text: String = all.iter().map(|(n, u)| format!("{n} {u}\n")).collect();
    // Written beside and renamed over: a crash or a full disk never leaves half a file of
    // the user's bookmarks.
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::local(what.as_str(), e))?;
    std::io::Write::write_all(&mut temp, text.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::local(what.as_str(), e))?;
    temp.persist(&path)
        .map_err(|e| Error::local(what, e.error))?;
    Ok(())
}

/// `ftp://user:pw@host/x` → `ftp://user@host/x`.
fn without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").map_or(("", url), |(s, r)| (s, r));
    let (authority, path) = rest
        .find('/')
        .map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
    let authority = match authority.rfind('@') {
        Some(at) => {
            let user = authority[..at].split(':').next().unwrap_or("");
            format!("{user}@{}", &authority[at + 1..])
        }
        None => authority.to_string(),
    };
    let scheme = if scheme.is_empty() {
        "ftp".to_string()
    } else {
        scheme.to_string()
    };
    format!("{scheme}://{authority}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_reject_unknown_keys() {
        let known = ["passive", "max-depth"];
        let parsed = parse_settings(
            "# defaults\npassive = no\nmax_depth=3  # deep enough\n\n",
            &known,
        )
        .unwrap();
        assert_eq!(
            parsed,
            [
                ("passive".to_string(), "no".to_string()),
                ("max-depth".to_string(), "3".to_string())
            ]
        );
        assert!(
            parse_settings("colour = red", &known)
                .unwrap_err()
                .contains("unknown setting")
        );
        assert!(
            parse_settings("just words", &known)
                .unwrap_err()
                .contains("line 1")
        );
    }

    #[test]
    fn only_files_the_user_alone_can_write_are_obeyed() {
        let me = 1000;
        for (owner, mode, folder, want) in [
            (me, 0o100644, false, None),
            (me, 0o100600, false, None),
            (0, 0o100644, false, None),
            (me, 0o100664, false, Some(Problem::Writable(0o664))),
            (me, 0o100646, false, Some(Problem::Writable(0o646))),
            (me, 0o100666, false, Some(Problem::Writable(0o666))),
            (1001, 0o100600, false, Some(Problem::Owner(1001))),
            (1001, 0o100666, false, Some(Problem::Owner(1001))),
            // a sticky bit does not excuse a file
            (me, 0o101666, false, Some(Problem::Writable(0o1666))),
            (me, 0o40755, true, None),
            (0, 0o40755, true, None),
            (me, 0o40775, true, Some(Problem::Writable(0o775))),
            (me, 0o40777, true, Some(Problem::Writable(0o777))),
            (0, 0o41777, true, None),
            (1001, 0o41777, true, Some(Problem::Owner(1001))),
        ] {
            assert_eq!(
                ownership_problem(owner, mode, me, folder),
                want,
                "{owner} {mode:o} {folder}"
            );
        }
    }

    #[test]
    fn switches_read_on_off_and_their_synonyms() {
        for (text, want) in [
            ("on", Some(true)),
            ("YES", Some(true)),
            ("true", Some(true)),
            ("1", Some(true)),
            ("Off", Some(false)),
            ("no", Some(false)),
            ("false", Some(false)),
            ("0", Some(false)),
            ("", None),
            ("maybe", None),
            ("2", None),
        ] {
            assert_eq!(on_off(text), want, "{text:?}");
        }
    }

    #[test]
    fn passwords_never_reach_the_bookmarks() {
        let cases = [
            ("ftp://alice:pw@h:21/www", "ftp://alice@h:21/www"),
            ("ftps://a:p@ss@h", "ftps://a@h"),
            ("h", "ftp://h"),
            ("bob@h/x", "ftp://bob@h/x"),
        ];
        for (url, want) in cases {
            assert_eq!(without_password(url), want, "{url}");
        }
    }
}
