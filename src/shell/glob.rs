//! Glob expansion for file commands: local patterns from the local folder, remote patterns
//! from the server's listing. Only the last path component is a pattern.

use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};

use crate::error::{Error, Result};
use crate::ftp::listing::Entry;
use crate::ftp::{Session, path};
use crate::shell::unread::Unread;

/// True when `word` holds glob syntax (`*`, `?`, `[`).
pub fn has_glob(word: &str) -> bool {
    word.contains(['*', '?', '['])
}

/// A pattern for one name. The `glob` crate matches characters (`?` is one character,
/// `[äö]` a class of two); globset matches bytes, so its `?` never matched `ä`, nor a byte
/// that is not UTF-8 (see `crate::lossless`), and `get r?ksm*` found nothing.
struct Matcher(Pattern);

impl Matcher {
    fn is_match(&self, name: &str) -> bool {
        let options = MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        self.0.matches_with(name, options)
    }
}

fn matcher(pattern: &str) -> Result<Matcher> {
    Pattern::new(pattern).map(Matcher).map_err(|e| {
        Error::usage(format!(
            "bad pattern {}: {e}",
            crate::escape::quoted(pattern)
        ))
    })
}

/// Local paths matching `pattern`, sorted; a word without glob syntax, or naming an existing
/// file literally (`a*b.txt`), is itself.
pub fn expand_local(pattern: &str) -> Result<Vec<PathBuf>> {
    // The bytes the word stands for (see `crate::lossless::to_path`).
    let full = crate::lossless::to_path(pattern);
    if !has_glob(pattern) || full.exists() {
        return Ok(vec![full]);
    }
    let full = full.as_path();
    let dir = match full.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = full
        .file_name()
        .and_then(crate::lossless::from_os)
        .unwrap_or_else(|| pattern.to_string());
    let name = name.as_str();
    let glob = matcher(name)?;
    let dots = name.starts_with('.');
    let read = std::fs::read_dir(&dir).map_err(|e| Error::local(pattern, e))?;
    let mut found: Vec<PathBuf> = read
        .flatten()
        .filter(|e| {
            crate::lossless::from_os(&e.file_name())
                .is_some_and(|n| glob.is_match(&n) && (dots || !n.starts_with('.')))
        })
        .map(|e| {
            if dir == Path::new(".") && full.parent().is_none_or(|p| p.as_os_str().is_empty()) {
                PathBuf::from(e.file_name())
            } else {
                e.path()
            }
        })
        .collect();
    if found.is_empty() {
        return Err(Error::NoMatch {
            side: "local",
            pattern: pattern.to_string(),
        });
    }
    found.sort();
    Ok(found)
}

/// Remote entries matching `pattern`, as (path, entry), sorted by name; a word without glob
/// syntax is returned as is (entry None) for the command to act on directly. An entry whose
/// name is the pattern itself wins: `rm 'a*b.txt'` removes that file, not every a...b.txt.
/// Listing lines that cannot be read are skipped with a warning, noted in `unread`.
pub fn expand_remote(
    session: &mut Session,
    pattern: &str,
    unread: &mut Unread,
) -> Result<Vec<(String, Option<Entry>)>> {
    if !has_glob(pattern) {
        return Ok(vec![(pattern.to_string(), None)]);
    }
    let dir = path::parent(pattern);
    let name = path::file_name(pattern);
    let folder = if dir.is_empty() { "." } else { dir };
    // A folder that cannot be listed matches nothing we can know of: its refusal says why
    // (sending the pattern as a name, `RETR *`, would only fetch a 550).
    let listing = session.listing(folder)?;
    // A warning names the folder: "." says nothing, so ask where that is.
    let named = if listing.unparsed.is_empty() || !dir.is_empty() {
        folder.to_string()
    } else {
        session.pwd().unwrap_or_else(|_| folder.to_string())
    };
    let listed = unread.entries(&named, listing);
    if let Some(exact) = listed.iter().find(|e| e.name == name) {
        return Ok(vec![(pattern.to_string(), Some(exact.clone()))]);
    }
    // `a[b` is no pattern at all: then it can only be a literal name.
    let Ok(glob) = matcher(name) else {
        return Ok(vec![(pattern.to_string(), None)]);
    };
    // Like the shells: `*` does not match names starting with a dot unless asked (`.*`).
    let dots = name.starts_with('.');
    let mut found = Vec::new();
    for entry in listed {
        if !glob.is_match(&entry.name) || (entry.name.starts_with('.') && !dots) {
            continue;
        }
        // A name from the server becomes a path we act on: it must be one plain component.
        let name = path::safe_local_component(&entry.name)?.to_string();
        found.push((path::join(dir, &name), Some(entry)));
    }
    if found.is_empty() {
        return Err(Error::NoMatch {
            side: "remote",
            pattern: pattern.to_string(),
        });
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// The one remote path a command acting on one name means (cd, rename, rnfr): a word
/// without glob syntax is itself; a glob must match exactly one name. This is how a script
/// reaches a name that is not UTF-8 (shown `r\xe4ksm\xf6rg\xe5s.txt`): `cd r?ksm*`.
/// A listing with lines ftpsh cannot read fails here: one of them may match too.
pub fn expand_one(session: &mut Session, word: &str, what: &str) -> Result<String> {
    let mut unread = Unread::new(what);
    let mut found = expand_remote(session, word, &mut unread)?;
    unread.finish()?;
    if found.len() == 1 {
        return Ok(found.remove(0).0);
    }
    let some: Vec<String> = found
        .iter()
        .take(3)
        .map(|(path, _)| crate::escape::quoted(path))
        .collect();
    Err(Error::usage(format!(
        "{word}: matches {} names ({}{}); give one",
        found.len(),
        some.join(", "),
        if found.len() > 3 { ", ..." } else { "" }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_characters_not_bytes() {
        let latin1 = crate::lossless::decode(b"r\xe4ksm\xf6rg\xe5s.txt");
        for (pattern, name, want) in [
            ("r?ksm*", "räksmörgås.txt", true),
            ("r?ksm*", latin1.as_str(), true),
            ("r[äa]k*", "räk", true),
            ("r?k", "rääk", false),
            ("*.txt", "a/b.txt", false),
            ("a*b", "a*b", true),
        ] {
            assert_eq!(
                matcher(pattern).unwrap().is_match(name),
                want,
                "{pattern} {name}"
            );
        }
    }

    #[test]
    fn local_patterns_expand_sorted_and_say_when_nothing_matches() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.txt", "a.txt", "c.log", "d e.txt", ".hidden.txt"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let pattern = format!("{}/*.txt", dir.path().display());
        let names: Vec<String> = expand_local(&pattern)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.txt", "b.txt", "d e.txt"], "no dot files for `*`");
        let dotted = format!("{}/.*.txt", dir.path().display());
        assert_eq!(expand_local(&dotted).unwrap().len(), 1);
        let none = format!("{}/*.zip", dir.path().display());
        assert!(
            expand_local(&none)
                .unwrap_err()
                .to_string()
                .contains("no local file matches")
        );
        assert_eq!(
            expand_local("plain name").unwrap(),
            [PathBuf::from("plain name")]
        );
    }
}
