//! A scriptable FTP server in memory, for replaying what real servers send: it serves a small
//! tree over plain FTP (PASV, EPSV, MLSD, LIST, RETR, STOR...) and a test's `quirk` can answer
//! any command its own way (a reply, a listing body, a trickle, an endless stream).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a quirk makes the server do instead of its own handling of a command.
pub enum Act {
    /// Send this reply (lines joined with CRLF, a final CRLF added).
    Reply(String),
    /// Send this reply one byte at a time, `Duration` apart.
    TrickleReply(String, Duration),
    /// A data command: send 150, open the data connection, send `body` (one byte every
    /// `trickle` if set), close, then send `closing`.
    Data {
        body: Vec<u8>,
        closing: String,
        trickle: Option<Duration>,
    },
    /// A data command whose data never ends: `chunk` again and again until the client leaves.
    Endless(Vec<u8>),
    /// PASV or EPSV: open a passive listener on 127.0.0.1 and answer with this reply, given
    /// the listener's port.
    Passive(fn(u16) -> String),
    /// Hang up: the control connection closes without a reply (a server that went away).
    Hangup,
    /// Handle the command normally.
    Normal,
}

/// Decides, per command (upper-case verb, argument, state), whether to act differently.
pub type Quirk = Box<dyn Fn(&str, &str, &State) -> Act + Send + Sync>;

/// The server's tree and session state, as a quirk sees it.
#[derive(Default, Clone)]
pub struct State {
    /// Absolute path ("/a/b.txt") -> contents; directories hold None.
    pub files: BTreeMap<String, Option<Vec<u8>>>,
    pub cwd: String,
    pub ascii: bool,
}

impl State {
    fn resolve(&self, arg: &str) -> String {
        let joined = if arg.starts_with('/') {
            arg.to_string()
        } else if self.cwd == "/" {
            format!("/{arg}")
        } else {
            format!("{}/{arg}", self.cwd)
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        format!("/{}", parts.join("/"))
    }

    pub fn is_dir(&self, path: &str) -> bool {
        path == "/" || matches!(self.files.get(path), Some(None))
    }

    fn children(&self, dir: &str) -> Vec<(String, Option<Vec<u8>>)> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        self.files
            .iter()
            .filter_map(|(path, body)| {
                let rest = path.strip_prefix(&prefix)?;
                (!rest.is_empty() && !rest.contains('/')).then(|| (rest.to_string(), body.clone()))
            })
            .collect()
    }
}

pub struct Fake {
    port: u16,
    state: Arc<Mutex<State>>,
    log: Arc<Mutex<Vec<String>>>,
}

/// The FEAT of an ordinary modern server.
pub const MODERN_FEAT: &[&str] = &["EPSV", "MLST type*;size*;modify*;", "SIZE", "MDTM", "UTF8"];

impl Fake {
    /// A server holding `files` (paths relative to /; a trailing '/' makes a folder), listing
    /// `feat` in FEAT, answering each command as `quirk` says.
    pub fn start(
        files: &[(&str, &[u8])],
        feat: &[&str],
        quirk: impl Fn(&str, &str, &State) -> Act + Send + Sync + 'static,
    ) -> Fake {
        let mut state = State {
            cwd: "/".to_string(),
            ..State::default()
        };
        for (path, body) in files {
            let mut at = String::new();
            let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            for (i, part) in parts.iter().enumerate() {
                at = format!("{at}/{part}");
                let last = i + 1 == parts.len();
                if last && !path.ends_with('/') {
                    state.files.insert(at.clone(), Some(body.to_vec()));
                } else {
                    state.files.entry(at.clone()).or_insert(None);
                }
            }
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(state));
        let log = Arc::new(Mutex::new(Vec::new()));
        let quirk: Arc<Quirk> = Arc::new(Box::new(quirk));
        let feat: Vec<String> = feat.iter().map(|s| s.to_string()).collect();
        let (s, l) = (Arc::clone(&state), Arc::clone(&log));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (s, l, q, f) = (
                    Arc::clone(&s),
                    Arc::clone(&l),
                    Arc::clone(&quirk),
                    feat.clone(),
                );
                std::thread::spawn(move || {
                    let _ = serve(stream, &s, &l, &q, &f);
                });
            }
        });
        Fake { port, state, log }
    }

    pub fn url(&self) -> String {
        format!("ftp://alice@127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every command line received, in order (PASS masked).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The contents of the file at absolute `path`, if it is one.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.state
            .lock()
            .unwrap()
            .files
            .get(path)
            .cloned()
            .flatten()
    }

    pub fn exists(&self, path: &str) -> bool {
        self.state.lock().unwrap().files.contains_key(path)
    }
}

fn reply(out: &mut TcpStream, text: &str) -> std::io::Result<()> {
    let mut wire = String::new();
    for line in text.lines() {
        wire.push_str(line);
        wire.push_str("\r\n");
    }
    out.write_all(wire.as_bytes())
}

fn trickle(out: &mut TcpStream, bytes: &[u8], every: Duration) -> std::io::Result<()> {
    for byte in bytes {
        out.write_all(std::slice::from_ref(byte))?;
        std::thread::sleep(every);
    }
    Ok(())
}

fn mlsd_line(name: &str, body: &Option<Vec<u8>>) -> String {
    match body {
        None => format!("type=dir;modify=20240102030405; {name}\r\n"),
        Some(b) => format!(
            "type=file;size={};modify=20240102030405; {name}\r\n",
            b.len()
        ),
    }
}

fn list_line(name: &str, body: &Option<Vec<u8>>) -> String {
    match body {
        None => format!("drwxr-xr-x 2 ftp ftp 0 Jan 02 2024 {name}\r\n"),
        Some(b) => format!("-rw-r--r-- 1 ftp ftp {} Jan 02 2024 {name}\r\n", b.len()),
    }
}

fn serve(
    stream: TcpStream,
    state: &Mutex<State>,
    log: &Mutex<Vec<String>>,
    quirk: &Quirk,
    feat: &[String],
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let mut session = state.lock().unwrap().clone();
    session.cwd = "/".to_string();
    session.ascii = false;
    let mut passive: Option<TcpListener> = None;
    let mut rename_from: Option<String> = None;
    reply(&mut out, "220 fake FTP ready")?;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.to_string()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        log.lock().unwrap().push(if verb == "PASS" {
            "PASS ****".to_string()
        } else {
            line.clone()
        });
        // Share the tree between connections: take the latest before each command.
        {
            let shared = state.lock().unwrap();
            session.files = shared.files.clone();
        }
        let act = quirk(&verb, &arg, &session);
        let data_body: Option<(Vec<u8>, String, Option<Duration>, bool)> = match act {
            Act::Reply(text) => {
                reply(&mut out, &text)?;
                continue;
            }
            Act::TrickleReply(text, every) => {
                let mut wire = text.replace('\n', "\r\n");
                wire.push_str("\r\n");
                trickle(&mut out, wire.as_bytes(), every)?;
                continue;
            }
            Act::Data {
                body,
                closing,
                trickle,
            } => Some((body, closing, trickle, false)),
            Act::Endless(chunk) => Some((chunk, String::new(), None, true)),
            Act::Passive(format) => {
                let listener = TcpListener::bind("127.0.0.1:0")?;
                let port = listener.local_addr()?.port();
                passive = Some(listener);
                reply(&mut out, &format(port))?;
                continue;
            }
            Act::Hangup => return Ok(()),
            Act::Normal => None,
        };
        if let Some((body, closing, every, endless)) = data_body {
            let Some(listener) = passive.take() else {
                reply(&mut out, "425 use PASV first")?;
                continue;
            };
            reply(&mut out, "150 here it comes")?;
            let (mut data, _) = listener.accept()?;
            let sent = if endless {
                // Big writes: the client, not this loop, must be what takes the time.
                let body = body.repeat((64 * 1024 / body.len().max(1)).max(1));
                loop {
                    if data.write_all(&body).is_err() {
                        break Ok(());
                    }
                }
            } else if let Some(every) = every {
                trickle(&mut data, &body, every)
            } else {
                data.write_all(&body)
            };
            drop(data);
            if sent.is_ok() && !endless {
                reply(&mut out, &closing)?;
            } else {
                reply(&mut out, "426 connection closed; transfer aborted")?;
            }
            continue;
        }
        let path = session.resolve(if arg.is_empty() { "." } else { &arg });
        match verb.as_str() {
            "USER" => reply(&mut out, "331 password please")?,
            "PASS" => reply(&mut out, "230 logged in")?,
            "FEAT" => {
                let mut text = "211-Features:\n".to_string();
                for f in feat {
                    text.push_str(&format!(" {f}\n"));
                }
                text.push_str("211 End");
                reply(&mut out, &text)?;
            }
            "OPTS" | "NOOP" | "MODE" | "STRU" => reply(&mut out, "200 ok")?,
            "TYPE" => {
                session.ascii = arg.eq_ignore_ascii_case("A");
                if arg.eq_ignore_ascii_case("A") || arg.eq_ignore_ascii_case("I") {
                    reply(&mut out, "200 type set")?;
                } else {
                    reply(&mut out, &format!("504 Unsupported type \"{arg}\""))?;
                }
            }
            "PWD" => reply(
                &mut out,
                &format!(
                    "257 \"{}\" is the current directory",
                    session.cwd.replace('"', "\"\"")
                ),
            )?,
            "CWD" => {
                if session.is_dir(&path) {
                    session.cwd = path;
                    reply(&mut out, "250 ok")?;
                } else {
                    reply(&mut out, "550 no such directory")?;
                }
            }
            "CDUP" => {
                session.cwd = session.resolve("..");
                reply(&mut out, "250 ok")?;
            }
            "PASV" | "EPSV" => {
                let listener = TcpListener::bind("127.0.0.1:0")?;
                let port = listener.local_addr()?.port();
                passive = Some(listener);
                if verb == "PASV" {
                    reply(
                        &mut out,
                        &format!(
                            "227 Entering Passive Mode (127,0,0,1,{},{})",
                            port >> 8,
                            port & 255
                        ),
                    )?;
                } else {
                    reply(
                        &mut out,
                        &format!("229 Entering Extended Passive Mode (|||{port}|)"),
                    )?;
                }
            }
            "SIZE" => match session.files.get(&path) {
                Some(Some(body)) => reply(&mut out, &format!("213 {}", body.len()))?,
                _ => reply(&mut out, "550 no such file")?,
            },
            "MDTM" => match session.files.get(&path) {
                Some(Some(_)) => reply(&mut out, "213 20240102030405")?,
                _ => reply(&mut out, "550 no such file")?,
            },
            "MLST" => match session.files.get(&path) {
                Some(body) => {
                    let name = path.rsplit('/').next().unwrap_or("");
                    let fact = mlsd_line(name, body);
                    reply(
                        &mut out,
                        &format!("250-facts\n {}\n250 end", fact.trim_end()),
                    )?;
                }
                None if path == "/" => reply(&mut out, "250-facts\n type=dir; /\n250 end")?,
                None => reply(&mut out, "550 no such file")?,
            },
            "DELE" => {
                if matches!(session.files.get(&path), Some(Some(_))) {
                    state.lock().unwrap().files.remove(&path);
                    reply(&mut out, "250 deleted")?;
                } else {
                    reply(&mut out, "550 no such file")?;
                }
            }
            "MKD" => {
                if session.files.contains_key(&path) {
                    reply(&mut out, "550 exists")?;
                } else {
                    state.lock().unwrap().files.insert(path.clone(), None);
                    reply(
                        &mut out,
                        &format!("257 \"{}\" created", path.replace('"', "\"\"")),
                    )?;
                }
            }
            "RMD" => {
                if session.is_dir(&path) && session.children(&path).is_empty() {
                    state.lock().unwrap().files.remove(&path);
                    reply(&mut out, "250 removed")?;
                } else {
                    reply(&mut out, "550 cannot remove")?;
                }
            }
            "RNFR" => {
                if session.files.contains_key(&path) {
                    rename_from = Some(path);
                    reply(&mut out, "350 ready")?;
                } else {
                    reply(&mut out, "550 no such file")?;
                }
            }
            "RNTO" => match rename_from.take() {
                Some(from) => {
                    let mut shared = state.lock().unwrap();
                    if let Some(body) = shared.files.remove(&from) {
                        shared.files.insert(path, body);
                    }
                    reply(&mut out, "250 renamed")?;
                }
                None => reply(&mut out, "503 RNFR first")?,
            },
            "QUIT" => {
                reply(&mut out, "221 bye")?;
                return Ok(());
            }
            "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "APPE" => {
                let Some(listener) = passive.take() else {
                    reply(&mut out, "425 use PASV first")?;
                    continue;
                };
                let target = session.resolve(arg.trim_start_matches("-a").trim());
                let body = match verb.as_str() {
                    "RETR" => match session.files.get(&path) {
                        // ASCII: bare LF go as CRLF, as a Unix server sends them.
                        Some(Some(body)) if session.ascii => Some(
                            String::from_utf8_lossy(body)
                                .replace("\r\n", "\n")
                                .replace('\n', "\r\n")
                                .into_bytes(),
                        ),
                        Some(Some(body)) => Some(body.clone()),
                        _ => None,
                    },
                    "STOR" | "APPE" => Some(Vec::new()),
                    _ if session.is_dir(&target) => {
                        let mut text = String::new();
                        for (name, body) in session.children(&target) {
                            text.push_str(&match verb.as_str() {
                                "MLSD" => mlsd_line(&name, &body),
                                "LIST" => list_line(&name, &body),
                                _ => format!("{name}\r\n"),
                            });
                        }
                        Some(text.into_bytes())
                    }
                    _ => None,
                };
                let Some(body) = body else {
                    reply(&mut out, "550 no such file or directory")?;
                    continue;
                };
                reply(&mut out, "150 opening data connection")?;
                let (mut data, _) = listener.accept()?;
                if verb == "STOR" || verb == "APPE" {
                    let mut received = Vec::new();
                    // Stored as received, so that tests see the wire.
                    data.read_to_end(&mut received)?;
                    let mut shared = state.lock().unwrap();
                    let entry = shared.files.entry(path).or_insert(Some(Vec::new()));
                    match entry {
                        Some(existing) if verb == "APPE" => existing.extend(received),
                        _ => *entry = Some(received),
                    }
                } else {
                    data.write_all(&body)?;
                }
                drop(data);
                reply(&mut out, "226 transfer complete")?;
            }
            _ => reply(&mut out, "502 not implemented")?,
        }
    }
}
