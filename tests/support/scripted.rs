//! A byte-exact scripted FTP server (`ScriptedServer`): it speaks just enough of RFC 959
//! (login, PASV, EPSV, data transfers) for ftpsh to work against it, answers every other
//! command as the test's script says, byte for byte, and records every command line exactly
//! as received. Unlike `fake` (a tree served as text), nothing here is ever decoded: for
//! hostile reply text and names that are not UTF-8.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A command as received: verb upper-cased, argument and whole line as raw bytes (no CRLF).
#[derive(Debug, Clone)]
pub struct Request {
    pub verb: String,
    pub arg: Vec<u8>,
    pub line: Vec<u8>,
}

impl Request {
    /// The argument read as text (lossy), for scripts matching on ASCII arguments.
    pub fn arg_text(&self) -> String {
        String::from_utf8_lossy(&self.arg).into_owned()
    }
}

/// What the script answers to a command.
pub enum Answer {
    /// One reply (any number of lines; the script writes the CRLFs).
    Reply(Vec<u8>),
    /// A download or listing over the open data connection: `150 ...`, the data, `226 ...`.
    Data(Vec<u8>),
    /// An upload: `150 ...`, reads the data connection to its end (kept, see `uploads`),
    /// then `226 ...`.
    Upload,
    /// The built-in answer (login, FEAT without features, PWD "/", TYPE, CWD, QUIT, NOOP...).
    Default,
}

/// The script: called for every command (and once with verb `CONNECT` for the banner).
pub type Script = dyn Fn(&Request) -> Answer + Send + Sync;

#[derive(Default)]
struct Log {
    commands: Vec<Vec<u8>>,
    uploads: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A fake server on 127.0.0.1 at an OS-chosen port; serves every connection in a thread
/// until the test ends.
pub struct ScriptedServer {
    pub port: u16,
    log: Arc<Mutex<Log>>,
}

impl ScriptedServer {
    pub fn start(script: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake server");
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Log::default()));
        let script: Arc<Script> = Arc::new(script);
        let shared = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (script, log) = (Arc::clone(&script), Arc::clone(&shared));
                std::thread::spawn(move || serve(stream, &*script, &log));
            }
        });
        ScriptedServer { port, log }
    }

    pub fn url(&self) -> String {
        format!("ftp://alice@127.0.0.1:{}", self.port)
    }

    /// Every command line received so far, on every connection, without CRLF.
    pub fn commands(&self) -> Vec<Vec<u8>> {
        self.log.lock().unwrap().commands.clone()
    }

    /// Whether some command line was exactly `line`.
    pub fn received(&self, line: &[u8]) -> bool {
        self.commands().iter().any(|c| c == line)
    }

    /// Uploads so far: (command line, data).
    pub fn uploads(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.log.lock().unwrap().uploads.clone()
    }
}

fn default_answer(verb: &str) -> Vec<u8> {
    let reply: &[u8] = match verb {
        "CONNECT" => b"220 fake server ready\r\n",
        "USER" => b"331 password please\r\n",
        "PASS" => b"230 logged in\r\n",
        "FEAT" => b"211-Features:\r\n211 End\r\n",
        "TYPE" | "NOOP" | "OPTS" | "MODE" | "STRU" => b"200 ok\r\n",
        "PWD" => b"257 \"/\" is the current directory\r\n",
        "CWD" | "CDUP" | "DELE" | "RMD" => b"250 ok\r\n",
        "RNFR" => b"350 ready for RNTO\r\n",
        "RNTO" => b"250 renamed\r\n",
        "QUIT" => b"221 bye\r\n",
        _ => b"502 not implemented here\r\n",
    };
    reply.to_vec()
}

fn serve(mut control: TcpStream, script: &Script, log: &Mutex<Log>) {
    let _ = control.set_read_timeout(Some(Duration::from_secs(30)));
    let connect = Request {
        verb: "CONNECT".into(),
        arg: Vec::new(),
        line: Vec::new(),
    };
    let banner = match script(&connect) {
        Answer::Reply(bytes) => bytes,
        _ => default_answer("CONNECT"),
    };
    if control.write_all(&banner).is_err() {
        return;
    }
    let mut data_listener: Option<TcpListener> = None;
    let mut pending = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Some(end) = pending.iter().position(|&b| b == b'\n') else {
            match control.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&buffer[..n]),
            }
            continue;
        };
        let mut line: Vec<u8> = pending.drain(..=end).collect();
        while matches!(line.last(), Some(b'\r' | b'\n')) {
            line.pop();
        }
        log.lock().unwrap().commands.push(line.clone());
        let (verb, arg) = match line.iter().position(|&b| b == b' ') {
            Some(i) => (&line[..i], line[i + 1..].to_vec()),
            None => (&line[..], Vec::new()),
        };
        let request = Request {
            verb: String::from_utf8_lossy(verb).to_ascii_uppercase(),
            arg,
            line: line.clone(),
        };
        let reply = match request.verb.as_str() {
            "PASV" | "EPSV" => {
                let listener = TcpListener::bind("127.0.0.1:0").expect("bind data");
                let port = listener.local_addr().unwrap().port();
                data_listener = Some(listener);
                if request.verb == "PASV" {
                    format!(
                        "227 Entering Passive Mode (127,0,0,1,{},{})\r\n",
                        port >> 8,
                        port & 0xff
                    )
                    .into_bytes()
                } else {
                    format!("229 Entering Extended Passive Mode (|||{port}|)\r\n").into_bytes()
                }
            }
            _ => match script(&request) {
                Answer::Reply(bytes) => bytes,
                Answer::Default => default_answer(&request.verb),
                Answer::Data(bytes) => {
                    let Some(listener) = data_listener.take() else {
                        let _ = control.write_all(b"425 no data connection\r\n");
                        continue;
                    };
                    let _ = control.write_all(b"150 here it comes\r\n");
                    if let Ok((mut data, _)) = listener.accept() {
                        let _ = data.write_all(&bytes);
                    }
                    b"226 done\r\n".to_vec()
                }
                Answer::Upload => {
                    let Some(listener) = data_listener.take() else {
                        let _ = control.write_all(b"425 no data connection\r\n");
                        continue;
                    };
                    let _ = control.write_all(b"150 send it\r\n");
                    let mut received = Vec::new();
                    if let Ok((mut data, _)) = listener.accept() {
                        let _ = data.set_read_timeout(Some(Duration::from_secs(30)));
                        let _ = data.read_to_end(&mut received);
                    }
                    log.lock().unwrap().uploads.push((line.clone(), received));
                    b"226 stored\r\n".to_vec()
                }
            },
        };
        if control.write_all(&reply).is_err() || request.verb == "QUIT" {
            return;
        }
    }
}
