//! The user's config dir: `config` (defaults for flags) and `bookmarks` (named servers,
//! never with a password). `$FTPSH_CONFIG_DIR` overrides the location.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::target;

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
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        // An unreadable config must not be silently skipped: say so.
        Err(e) => return Err(Error::local(format!("config {}", path.display()), e)),
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
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::local(format!("bookmarks {}", path.display()), e)),
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
