//! A reader for ~/.netrc (or $NETRC): `machine`, `default`, `login`, `password`, `macdef`.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    pub login: Option<String>,
    pub password: Option<String>,
}

/// The netrc file to read: $NETRC, else ~/.netrc (~/_netrc on Windows as curl does).
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETRC") {
        return Some(PathBuf::from(p));
    }
    let home = dirs::home_dir()?;
    let name = if cfg!(windows) { "_netrc" } else { ".netrc" };
    Some(home.join(name))
}

/// Finds the entry for `host` (and `user` when given), else the `default` entry.
pub fn lookup(text: &str, host: &str, user: Option<&str>) -> Option<Credentials> {
    let mut tokens = Tokens::new(text);
    let mut entries: Vec<(Option<String>, Credentials)> = Vec::new();
    while let Some(token) = tokens.next() {
        match token.as_str() {
            "machine" => entries.push((tokens.next(), Credentials::default())),
            "default" => entries.push((None, Credentials::default())),
            "login" => {
                if let Some(entry) = entries.last_mut() {
                    entry.1.login = tokens.next();
                }
            }
            "password" => {
                if let Some(entry) = entries.last_mut() {
                    entry.1.password = tokens.next();
                }
            }
            "account" => {
                tokens.next();
            }
            "macdef" => {
                tokens.next();
                tokens.skip_macro();
            }
            _ => {}
        }
    }
    let wanted = |c: &Credentials| match (user, &c.login) {
        (Some(u), Some(l)) => u == l,
        _ => true,
    };
    entries
        .iter()
        .find(|(m, c)| m.as_deref() == Some(host) && wanted(c))
        .or_else(|| entries.iter().find(|(m, c)| m.is_none() && wanted(c)))
        .map(|(_, c)| c.clone())
}

struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens { rest: text }
    }

    /// A macro body runs to the next empty line.
    fn skip_macro(&mut self) {
        match self.rest.find("\n\n") {
            Some(i) => self.rest = &self.rest[i + 2..],
            None => self.rest = "",
        }
    }

    fn next(&mut self) -> Option<String> {
        self.rest = self.rest.trim_start();
        while self.rest.starts_with('#') {
            let end = self.rest.find('\n').unwrap_or(self.rest.len());
            self.rest = self.rest[end..].trim_start();
        }
        if self.rest.is_empty() {
            return None;
        }
        if let Some(quoted) = self.rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.rest = &quoted[i + 1..];
                        return Some(value);
                    }
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    c => value.push(c),
                }
            }
            self.rest = "";
            return Some(value);
        }
        let end = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        let token = self.rest[..end].to_string();
        self.rest = &self.rest[end..];
        Some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# comment\nmachine a.example login alice password \"p w\"\n\
        machine a.example login bob password bobpw\n\
        macdef init\ncd /x\nls\n\n\
        machine b.example\n  login carol\n  password c\ndefault login anonymous password me@\n";

    #[test]
    fn finds_host_user_and_default() {
        let cases = [
            ("a.example", None, Some(("alice", "p w"))),
            ("a.example", Some("bob"), Some(("bob", "bobpw"))),
            ("b.example", None, Some(("carol", "c"))),
            ("other", None, Some(("anonymous", "me@"))),
            ("other", Some("zed"), None),
        ];
        for (host, user, want) in cases {
            let got = lookup(SAMPLE, host, user);
            let got = got.map(|c| (c.login.unwrap(), c.password.unwrap()));
            let want = want.map(|(l, p)| (l.to_string(), p.to_string()));
            assert_eq!(got, want, "{host} {user:?}");
        }
    }
}
