//! Remote path arithmetic ('/' always, whatever the local OS) and the checks on names sent or received.

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

/// Joins a remote path onto a remote directory; an absolute `name` stands alone.
pub fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') || dir.is_empty() {
        return name.to_string();
    }
    if name.is_empty() {
        return dir.to_string();
    }
    format!("{}/{}", dir.trim_end_matches('/'), name)
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

/// The last component of a remote path ("" for "/").
pub fn file_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// The directory part of a remote path: "a/b" → "a", "/a" → "/", "a" → "".
pub fn parent(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/",
        Some(i) => &trimmed[..i],
        None => "",
    }
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
        ];
        for (path, name, dir) in cases {
            assert_eq!(file_name(path), name, "file_name({path:?})");
            assert_eq!(parent(path), dir, "parent({path:?})");
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
