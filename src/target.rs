//! Connection targets: parsing `ftp://user:pass@host:port/dir`, `ftps://...` (explicit
//! TLS), `ftps+implicit://...` (implicit TLS), `host`, `host:port`; and writing them back
//! (bookmarks) with user and path percent-encoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::error::{Error, Result};

pub const DEFAULT_PORT: u16 = 21;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    pub host: String,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub dir: Option<String>,
    /// The URL said ftps:// (explicit TLS) or ftps+implicit:// (`implicit` too).
    pub tls: bool,
    /// The URL said ftps+implicit://: TLS from the first byte (port 990 servers).
    pub implicit: bool,
}

/// The scheme of implicit-TLS targets: a bookmark made in an `--implicit-tls` session says
/// so, and opening it never falls back to plain FTP or to AUTH TLS.
pub const IMPLICIT_SCHEME: &str = "ftps+implicit";

/// `scheme://user@host:port/dir`, user and dir percent-encoded so that `parse` gives them
/// back exactly (spaces, `@`, `:`, `%`, `#`, non-ASCII).
pub fn to_url(scheme: &str, user: &str, host: &str, port: u16, dir: &str) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let user = percent_encode(user, false);
    let dir = percent_encode(dir, true);
    let slash = if dir.starts_with('/') { "" } else { "/" };
    format!("{scheme}://{user}@{host}:{port}{slash}{dir}")
}

/// What a user name keeps as is: RFC 3986's unreserved characters.
const USER_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// A path keeps `/` too.
const PATH_ESCAPES: &AsciiSet = &USER_ESCAPES.remove(b'/');

/// Percent-encodes all but the unreserved characters (and `/` in paths): the exact inverse
/// of `percent_decode`. Why not the `url` crate (measured with url 2.5): it reads `ftp://`
/// as a WHATWG special scheme, so `ftp://h:21` loses its port (the default port here depends
/// on the TLS mode: 990 under --implicit-tls), paths lose `.`/`..` segments and take `\` for
/// `/` (a folder `a\b` becomes `a/b`, in ftp:// but not ftps://), and its setters leave `%`
/// as is (`100%` stays a bad escape, `x%41` reads back as `xA`). Only its percent-encoding
/// crate fits; the authority is split below by hand, as typed.
fn percent_encode(text: &str, path: bool) -> String {
    let set = if path { PATH_ESCAPES } else { USER_ESCAPES };
    utf8_percent_encode(text, set).to_string()
}

/// A target as it may be shown: the password part of `user:password@` masked.
pub fn redact(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), text),
    };
    match rest.rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}{user}:****{}", &rest[at..]),
            None => text.to_string(),
        },
        None => text.to_string(),
    }
}

/// Parses a target as typed on the command line or after `open`. Error messages never echo
/// the password.
pub fn parse(text: &str) -> Result<Target> {
    parse_raw(text).map_err(|reason| Error::Usage(format!("{}: {reason}", redact(text))))
}

/// The reasons below never quote parts of the text: any part may be a password.
fn parse_raw(text: &str) -> std::result::Result<Target, String> {
    let (rest, tls, implicit) = match text.split_once("://") {
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "ftp" => (rest, false, false),
            "ftps" => (rest, true, false),
            IMPLICIT_SCHEME => (rest, true, true),
            _ => {
                return Err(format!(
                    "unsupported scheme (ftp://, ftps:// or {IMPLICIT_SCHEME}://)"
                ));
            }
        },
        None => (text, false, false),
    };
    let (authority, dir) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(percent_decode(&rest[i..])?)),
        None => (rest, None),
    };
    // The password may itself contain '@' when not encoded: split at the last one.
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((u, p)) => (Some(percent_decode(u)?), Some(percent_decode(p)?)),
            None => (Some(percent_decode(info)?), None),
        },
        None => (None, None),
    };
    let (host, port) = split_host_port(hostport)?;
    if host.is_empty() {
        return Err("no host name".to_string());
    }
    Ok(Target {
        host,
        port,
        user: user.filter(|u| !u.is_empty()),
        password,
        dir: dir.filter(|d| d != "/" || rest.ends_with('/')),
        tls,
        implicit,
    })
}

fn split_host_port(text: &str) -> std::result::Result<(String, Option<u16>), String> {
    let bad_port = |_| "bad port number".to_string();
    if let Some(stripped) = text.strip_prefix('[') {
        let (host, after) = stripped
            .split_once(']')
            .ok_or_else(|| "unclosed '['".to_string())?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().map_err(bad_port)?),
            None if after.is_empty() => None,
            None => return Err("junk after ']'".to_string()),
        };
        return Ok((host.to_string(), port));
    }
    match text.rsplit_once(':') {
        Some((host, p)) if !host.contains(':') => {
            Ok((host.to_string(), Some(p.parse().map_err(bad_port)?)))
        }
        _ => Ok((text.to_string(), None)),
    }
}

/// `%XX` escapes decoded; a `%` not followed by two hex digits is an error (the crate would
/// keep it as text), and so are escapes that do not make UTF-8.
fn percent_decode(text: &str) -> std::result::Result<String, String> {
    let bad_escape = text.match_indices('%').any(|(i, _)| {
        !text
            .get(i + 1..i + 3)
            .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if bad_escape {
        return Err("bad %-escape".to_string());
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| "%-escapes that are not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(
        host: &str,
        port: Option<u16>,
        user: Option<&str>,
        pass: Option<&str>,
        dir: Option<&str>,
    ) -> Target {
        Target {
            host: host.into(),
            port,
            user: user.map(Into::into),
            password: pass.map(Into::into),
            dir: dir.map(Into::into),
            tls: false,
            implicit: false,
        }
    }

    #[test]
    fn parses_the_forms_people_type() {
        let cases = [
            ("host", t("host", None, None, None, None)),
            ("host:2121", t("host", Some(2121), None, None, None)),
            ("ftp://h", t("h", None, None, None, None)),
            (
                "ftp://alice@h:2121/start/dir",
                t("h", Some(2121), Some("alice"), None, Some("/start/dir")),
            ),
            (
                "ftp://a%40b:p%3Aw@h",
                t("h", None, Some("a@b"), Some("p:w"), None),
            ),
            (
                "ftp://u:p@ss@h",
                t("h", None, Some("u"), Some("p@ss"), None),
            ),
            (
                "ftp://[::1]:21/x%20y",
                t("::1", Some(21), None, None, Some("/x y")),
            ),
            ("FTP://h/", t("h", None, None, None, Some("/"))),
            (
                "ftps://h:2121",
                Target {
                    tls: true,
                    ..t("h", Some(2121), None, None, None)
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn urls_written_parse_back_to_the_same_target() {
        let cases = [
            ("ftp", "alice", "h", 21, "/", false, false),
            (
                "ftps",
                "a b@c:d%e",
                "h",
                2121,
                "/x y/100%/#q?/é",
                true,
                false,
            ),
            (IMPLICIT_SCHEME, "bob", "::1", 990, "/www", true, true),
            // what a WHATWG parser would rewrite: `%41`, `\\`, dot segments, port 21
            ("ftp", "x%41", "h", 21, "/a\\b/x%41/../.", false, false),
        ];
        for (scheme, user, host, port, dir, tls, implicit) in cases {
            let url = to_url(scheme, user, host, port, dir);
            assert!(
                !url[scheme.len() + 3..].contains([' ', '%']) || url.contains("%25"),
                "{url}"
            );
            let back = parse(&url).unwrap();
            assert_eq!(
                (
                    back.user.as_deref(),
                    back.host.as_str(),
                    back.port,
                    back.dir.as_deref()
                ),
                (Some(user), host, Some(port), Some(dir)),
                "{url}"
            );
            assert_eq!((back.tls, back.implicit), (tls, implicit), "{url}");
        }
    }

    #[test]
    fn errors_never_echo_the_password() {
        for text in [
            "sftp://alice:S3cretPW@host",
            "ftp://alice:S3c%zzPW@host",
            "alice:S3cret/x@host",
            "ftp://alice:S3cretPW@",
        ] {
            let message = parse(text).unwrap_err().to_string();
            assert!(!message.contains("S3cret"), "{text}: {message}");
        }
        assert_eq!(redact("ftp://a:pw@h:21/x"), "ftp://a:****@h:21/x");
        assert_eq!(redact("ftp://a@h"), "ftp://a@h");
    }

    #[test]
    fn rejects_bad_targets() {
        let bad = [
            "http://h",
            "ftp://:21",
            "h:notaport",
            "ftp://h/%zz",
            "ftp://h/x%4",
            "ftp://h/x%",
            "ftp://a%g1@h",
            "ftp://h/%ff",
            "[::1",
        ];
        for text in bad {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
