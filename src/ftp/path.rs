//! Path arithmetic on '/'-separated paths (remote paths, absolute or not, and the mirror's
//! paths relative to its root), whatever the local OS, and the checks on names sent or received.
//!
//! One meaning everywhere: the folder part of a name without one is `""`, which is also the
//! mirror root; a relative path never holds "." or "..", nor a leading or trailing '/'.

use crate::error::{Error, Result};

/// Refuses a name the protocol cannot carry safely: CR or LF would end the command line and
/// let the rest be read as a second command; NUL truncates it on many servers.
pub fn check_sendable(what: &str, name: &str) -> Result<()> {
    if name.contains(['\r', '\n', '\0']) {
        return Err(Error::BadName {
            what: what.to_string(),
            reason: "name contains CR, LF or NUL; refused before sending".to_string(),
        });
    }
    Ok(())
}

/// Joins a path onto a folder ("" for none, or the mirror root); an absolute `name` stands
/// alone. Exactly sized (`format!` guesses twice the length): the mirror keeps one per file.
pub fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') || dir.is_empty() {
        return name.to_string();
    }
    if name.is_empty() {
        return dir.to_string();
    }
    let dir = match dir.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    };
    let mut joined = String::with_capacity(dir.len() + 1 + name.len());
    joined.push_str(dir);
    if !dir.ends_with('/') {
        joined.push('/');
    }
    joined.push_str(name);
    joined
}

/// An absolute remote path with `.` and `..` resolved and no repeated or trailing '/':
/// `/www/../www/./site/` → `/www/site`. (`..` at the root stays at the root.)
pub fn normalize(absolute: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in absolute.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Where `cd ARG` goes from `cwd`: resolved here against a known absolute folder, since
/// some servers (libunftp) take `..` for a name (`CWD ..` from `/a` gives `/a/..`). None
/// when the folder is unknown or not a Unix path: then the server resolves ARG itself
/// (CDUP for `..`).
pub fn cd_target(cwd: &str, arg: &str) -> Option<String> {
    if !cwd.starts_with('/') {
        return None;
    }
    Some(normalize(&join(cwd, arg)))
}

/// The last component ("" for "/"): "a/b.txt" → "b.txt", "a" → "a", "a/b/" → "b".
pub fn file_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// The folder part: "a/b" → "a", "/a" → "/", "a" → "" (for a relative path: the root).
pub fn parent(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/",
        Some(i) => &trimmed[..i],
        None => "",
    }
}

/// Number of components of a relative path: "" → 0, "a" → 1, "a/b" → 2.
pub fn depth(rel: &str) -> usize {
    if rel.is_empty() {
        0
    } else {
        rel.bytes().filter(|&b| b == b'/').count() + 1
    }
}

/// True when relative `path` lies strictly inside `dir` ("a/b" under "a"; not "ab", not "a"
/// itself). Everything but the root is under the root "".
pub fn is_under(path: &str, dir: &str) -> bool {
    if dir.is_empty() {
        return !path.is_empty();
    }
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// The proper ancestors of relative `rel`, deepest first, without the root: "a/b/c" → "a/b", "a".
pub fn ancestors(rel: &str) -> impl Iterator<Item = &str> {
    fn folder(p: &str) -> Option<&str> {
        Some(parent(p)).filter(|p| !p.is_empty())
    }
    std::iter::successors(folder(rel), |p| folder(p))
}

/// Checks that a name from a server listing is one component of a remote path, as the
/// mirror needs it: it joins the name to its folder and sends it back in commands, so `/`,
/// `.`, `..`, an empty name or NUL could make it act outside that folder. A backslash or a
/// `C:` is an ordinary character on the server and in what the mirror uploads: accepted
/// here; they are dangerous only where a server name becomes a local path (get, mget,
/// get -r), which [`safe_local_component`] guards.
pub fn safe_remote_component(name: &str) -> Result<&str> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(Error::BadName {
            what: crate::escape::quoted(name),
            reason: "not one path component (it holds `/`, NUL or is `.`/`..`)".to_string(),
        });
    }
    Ok(name)
}

/// Checks that a name taken from a server listing can be written inside a local folder:
/// one plain component, no separators, no `..`, no drive prefix. A hostile listing could
/// otherwise make a download write anywhere on the disk.
pub fn safe_local_component(name: &str) -> Result<&str> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || (name.len() >= 2 && name.as_bytes()[1] == b':');
    if bad {
        return Err(Error::BadName {
            what: crate::escape::quoted(name),
            reason: "not a plain file name (it holds a separator, `..` or a drive); refusing to \
                     write it locally (give a local name)"
                .to_string(),
        });
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_handles_absolute_relative_and_slashes() {
        let cases = [
            ("/", "a", "/a"),
            ("/a/", "b", "/a/b"),
            ("/a", "/b", "/b"),
            ("", "b", "b"),
            ("/a", "", "/a"),
            ("dir", "x y.txt", "dir/x y.txt"),
        ];
        for (dir, name, want) in cases {
            assert_eq!(join(dir, name), want, "join({dir:?}, {name:?})");
        }
    }

    #[test]
    fn cd_target_resolves_against_the_known_folder() {
        for (cwd, arg, want) in [
            ("/a/b", "..", Some("/a")),
            ("/a/b", "../..", Some("/")),
            ("/a/b", "../../..", Some("/")),
            ("/a/b", "c/../d", Some("/a/b/d")),
            ("/a/b", "./c", Some("/a/b/c")),
            ("/a/b", "/x/../y", Some("/y")),
            ("/", "..", Some("/")),
            ("/a b/c", "../d e", Some("/a b/d e")),
            ("", "..", None),
            ("C:/Users", "..", None),
        ] {
            assert_eq!(cd_target(cwd, arg).as_deref(), want, "{cwd} + {arg}");
        }
    }

    #[test]
    fn normalize_resolves_dots() {
        for (path, want) in [
            ("/www/../www/./site/", "/www/site"),
            ("/", "/"),
            ("/..", "/"),
            ("//a//b", "/a/b"),
        ] {
            assert_eq!(normalize(path), want, "{path}");
        }
    }

    #[test]
    fn file_name_and_parent() {
        let cases = [
            ("/a/b.txt", "b.txt", "/a"),
            ("/a", "a", "/"),
            ("a", "a", ""),
            ("a/b/", "b", "a"),
            ("a/b", "b", "a"),
            ("a/b/c.txt", "c.txt", "a/b"),
            (".hidden", ".hidden", ""),
        ];
        for (path, name, dir) in cases {
            assert_eq!(file_name(path), name, "file_name({path:?})");
            assert_eq!(parent(path), dir, "parent({path:?})");
        }
    }

    #[test]
    fn depth_counts_components() {
        for (rel, want) in [("", 0), ("a", 1), ("a/b", 2), ("a/b/c.txt", 3), ("a.b", 1)] {
            assert_eq!(depth(rel), want, "depth({rel:?})");
        }
    }

    #[test]
    fn join_relative_paths() {
        for (p, n, want) in [("", "x", "x"), ("a", "x", "a/x"), ("a/b", "c.d", "a/b/c.d")] {
            assert_eq!(join(p, n), want, "join({p:?}, {n:?})");
            assert_eq!(join(p, n).capacity(), want.len(), "exactly sized");
        }
    }

    #[test]
    fn is_under_table() {
        let table = [
            ("a/b", "a", true),
            ("a/b/c", "a", true),
            ("a/b/c", "a/b", true),
            ("ab", "a", false),
            ("a", "a", false),
            ("a", "a/b", false),
            ("a-b/c", "a", false),
            ("a", "", true),
            ("", "", false),
        ];
        for (path, dir, want) in table {
            assert_eq!(is_under(path, dir), want, "is_under({path:?}, {dir:?})");
        }
    }

    #[test]
    fn ancestors_deepest_first() {
        let table: [(&str, &[&str]); 3] = [("a", &[]), ("a/b", &["a"]), ("a/b/c", &["a/b", "a"])];
        for (rel, want) in table {
            assert_eq!(
                ancestors(rel).collect::<Vec<_>>(),
                want,
                "ancestors({rel:?})"
            );
        }
    }

    #[test]
    fn crlf_and_nul_are_refused() {
        for bad in ["a\rb", "a\nb", "x\r\nDELE y", "n\0"] {
            assert!(check_sendable("put", bad).is_err(), "{bad:?}");
        }
        assert!(check_sendable("put", "ok name é.txt").is_ok());
    }

    #[test]
    fn remote_components_refuse_only_what_escapes_a_folder() {
        for bad in ["..", ".", "", "a/b", "../x", "/etc", "a\0"] {
            assert!(safe_remote_component(bad).is_err(), "{bad:?}");
        }
        // What the mirror uploads from a Unix tree comes back: a backslash, a colon.
        for ok in ["a", "back\\slash.txt", "..\\x", "C:evil", "...", "é文件"] {
            assert!(safe_remote_component(ok).is_ok(), "{ok:?}");
            assert!(safe_local_component(ok).is_err() || !ok.contains(['\\', ':']));
        }
    }

    #[test]
    fn unsafe_local_components_are_refused() {
        for bad in ["..", ".", "", "a/b", "..\\x", "/etc", "C:evil", "a\0"] {
            assert!(safe_local_component(bad).is_err(), "{bad:?}");
        }
        for ok in ["a", "a b", "...", ".hidden", "é文件"] {
            assert!(safe_local_component(ok).is_ok(), "{ok:?}");
        }
    }
}
