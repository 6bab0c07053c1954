//! Glob expansion for file commands: local patterns from the local folder, remote patterns
//! from the server's listing. Only the last path component is a pattern.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use crate::error::{Error, Result};
use crate::ftp::listing::Entry;
use crate::ftp::{Session, path};
use crate::shell::unread::Unread;

/// True when `word` holds glob syntax (`*`, `?`, `[`).
pub fn has_glob(word: &str) -> bool {
    word.contains(['*', '?', '['])
}

fn matcher(pattern: &str) -> Result<GlobMatcher> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::usage(format!("bad pattern {pattern:?}: {e}")))
}

/// Local paths matching `pattern`, sorted; a word without glob syntax, or naming an existing
/// file literally (`a*b.txt`), is itself.
pub fn expand_local(pattern: &str) -> Result<Vec<PathBuf>> {
    if !has_glob(pattern) || Path::new(pattern).exists() {
        return Ok(vec![PathBuf::from(pattern)]);
    }
    let full = Path::new(pattern);
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
    let listed = match session.listing(folder) {
        Ok(listing) => {
            // A warning names the folder: "." says nothing, so ask where that is.
            let named = match listing.unparsed.is_empty() || !dir.is_empty() {
                true => folder.to_string(),
                false => session.pwd().unwrap_or_else(|_| folder.to_string()),
            };
            unread.entries(&named, listing)
        }
        // A folder we may not list (a drop box) can still hold the literal name; a transient
        // refusal (4xx) is no answer, and says so.
        Err(err @ Error::Reply { .. }) if !err.is_transient() => {
            return Ok(vec![(pattern.to_string(), None)]);
        }
        Err(err) => return Err(err),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

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
