//! The terminal belongs to the user: server text with escape sequences, bare CRs, C1 controls
//! and bidi overrides reaches stdout, stderr and the journal only escaped. A fake server puts
//! one hostile string into one place at a time (banner, PWD, listings, replies to quote/site,
//! error replies, the --debug trace, the journal, mirror events), and each test checks that
//! no raw byte of it is written anywhere while its escaped form is.

mod support;

use std::path::Path;
use std::time::Duration;

use support::scripted::{Answer, Request, ScriptedServer};
use tempfile::TempDir;

/// Sets the window title, clears the screen, rewrites the line with a bare CR, a C1 CSI as
/// UTF-8 and as a raw byte, and a right-to-left override that makes `exe.txt` of `txt.exe`.
const HOSTILE: &[u8] =
    b"\x1b]0;pwned\x07 \x1b[2J bare\rCR c1\xc2\x9b raw\x9b rlo\xe2\x80\xaetxt.exe";

/// Byte strings of HOSTILE that must never be written raw.
const RAW: [&[u8]; 7] = [
    b"\x1b]0;pwned",
    b"\x07",
    b"\x1b[2J",
    b"bare\rCR",
    b"\xc2\x9b",
    b"raw\x9b",
    b"\xe2\x80\xae",
];

/// How HOSTILE reads once escaped.
const ESCAPED: &str =
    "\\x1b]0;pwned\\x07 \\x1b[2J bare\\rCR c1\\u{9b} raw\\x9b rlo\\u{202e}txt.exe";

/// HOSTILE without its bare CR: a name that can be sent back.
const NAME: &[u8] = b"\x1b]0;pwned\x07 \x1b[2J c1\xc2\x9b raw\x9b rlo\xe2\x80\xaetxt.exe";

/// Where the fake server puts HOSTILE.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    Banner,
    Pwd,
    Listing,
    Replies,
    Errors,
}

fn hostile(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn list_line(name: &[u8], dir: bool) -> Vec<u8> {
    let mode: &[u8] = if dir {
        b"drwxr-xr-x 1 o g 4096"
    } else {
        b"-rw-r--r-- 1 o g    7"
    };
    hostile(&[mode, b" Jan 01 00:00 ", name, b"\r\n"])
}

fn server(place: Place) -> ScriptedServer {
    ScriptedServer::start(move |r: &Request| {
        let here = |p: Place| p == place;
        match r.verb.as_str() {
            "CONNECT" if here(Place::Banner) => {
                Answer::Reply(hostile(&[b"220-", HOSTILE, b"\r\n220 ready\r\n"]))
            }
            "PWD" if here(Place::Pwd) => Answer::Reply(hostile(&[
                b"257 \"/",
                HOSTILE,
                b"\" is the current folder\r\n",
            ])),
            "LIST" => {
                let arg = r.arg_text();
                if arg.ends_with("/dst") || !arg.contains('/') {
                    let name: &[u8] = if here(Place::Listing) {
                        HOSTILE
                    } else {
                        b"plain.txt"
                    };
                    Answer::Data(list_line(name, false))
                } else {
                    Answer::Data(list_line(b"dst", true))
                }
            }
            "NLST" if here(Place::Listing) => Answer::Data(hostile(&[HOSTILE, b"\r\n"])),
            "HELP" | "SITE" if here(Place::Replies) => {
                Answer::Reply(hostile(&[b"214-", HOSTILE, b"\r\n214 ", HOSTILE, b"\r\n"]))
            }
            "HELP" | "SITE" => Answer::Reply(b"214 help is near\r\n".to_vec()),
            "CWD" | "DELE" if here(Place::Errors) => {
                Answer::Reply(hostile(&[b"550 ", HOSTILE, b"\r\n"]))
            }
            _ => Answer::Default,
        }
    })
}

/// Raw stdout and stderr of one run.
struct Raw {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn run(server: &ScriptedServer, dir: &Path, args: &[&str]) -> Raw {
    let mut command = support::ftpsh(dir);
    command
        .args(["--timeout", "5"])
        .args(args)
        .arg(server.url());
    let child = support::spawn_piped(&mut command);
    let out = support::wait_out_raw(child, Duration::from_secs(30));
    Raw {
        code: out.0,
        stdout: out.1,
        stderr: out.2,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// No raw piece of HOSTILE anywhere in `bytes`.
#[track_caller]
fn assert_clean(what: &str, bytes: &[u8]) {
    for raw in RAW {
        assert!(
            !contains(bytes, raw),
            "{what} holds the raw bytes {raw:?}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[track_caller]
fn assert_escaped(what: &str, bytes: &[u8]) {
    assert!(
        contains(bytes, ESCAPED.as_bytes()),
        "{what} should show {ESCAPED}:\n{}",
        String::from_utf8_lossy(bytes)
    );
}

#[track_caller]
fn assert_safe(out: &Raw) {
    assert_clean("stdout", &out.stdout);
    assert_clean("stderr", &out.stderr);
}

#[test]
fn the_welcome_banner_is_escaped() {
    let server = server(Place::Banner);
    let local = TempDir::new().unwrap();
    let out = run(&server, local.path(), &["-v", "-c", "binary"]);
    assert_eq!(out.code, 0);
    assert_safe(&out);
    assert_escaped("stdout", &out.stdout);
}

#[test]
fn pwd_is_escaped() {
    let server = server(Place::Pwd);
    let local = TempDir::new().unwrap();
    let out = run(&server, local.path(), &["-c", "pwd"]);
    assert_eq!(out.code, 0);
    assert_safe(&out);
    assert_escaped("stdout", &out.stdout);
}

#[test]
fn names_in_ls_raw_ls_and_nlst_are_escaped() {
    let server = server(Place::Listing);
    let local = TempDir::new().unwrap();
    for command in ["ls", "ls --raw", "nlst"] {
        let out = run(&server, local.path(), &["-c", command]);
        assert_eq!(
            out.code,
            0,
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_safe(&out);
        assert_escaped(command, &out.stdout);
    }
}

#[test]
fn replies_of_quote_and_site_are_escaped() {
    let server = server(Place::Replies);
    let local = TempDir::new().unwrap();
    for command in ["quote HELP", "site HELP"] {
        let out = run(&server, local.path(), &["-c", command]);
        assert_eq!(
            out.code,
            0,
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_safe(&out);
        assert_escaped(command, &out.stdout);
    }
}

#[test]
fn server_replies_in_error_messages_are_escaped() {
    let server = server(Place::Errors);
    let local = TempDir::new().unwrap();
    let out = run(&server, local.path(), &["-c", "cd nowhere"]);
    assert_eq!(out.code, 1);
    assert_safe(&out);
    assert_escaped("stderr", &out.stderr);
    // The same through a script on stdin (`line N: ...`).
    let (child, mut stdin) = support::spawn_with_stdin(support::ftpsh(local.path()).args([
        "--timeout",
        "5",
        &server.url(),
    ]));
    std::io::Write::write_all(&mut stdin, b"cd nowhere\n").unwrap();
    drop(stdin);
    let (code, stdout, stderr) = support::wait_out_raw(child, Duration::from_secs(30));
    assert_eq!(code, 1);
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    assert!(contains(&stderr, b"line 1: "));
    assert_escaped("stderr", &stderr);
}

#[test]
fn the_debug_trace_and_the_journal_are_escaped() {
    for place in [Place::Banner, Place::Pwd, Place::Replies, Place::Listing] {
        let server = server(place);
        let local = TempDir::new().unwrap();
        let journal = local.path().join("journal.log");
        let journal_arg = journal.to_str().unwrap();
        let out = run(
            &server,
            local.path(),
            &["--debug", "--log", journal_arg, "-c", "quote HELP; ls"],
        );
        assert_eq!(
            out.code,
            0,
            "{place:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_safe(&out);
        let written = std::fs::read(&journal).unwrap();
        assert_clean("journal", &written);
        if place == Place::Listing {
            // Listings travel on the data connection, which the trace does not show.
            assert_escaped("ls", &out.stdout);
        } else {
            // The trace shows the control connection, escaped.
            assert_escaped(&format!("{place:?} trace"), &out.stderr);
            assert_escaped(&format!("{place:?} journal"), &written);
        }
    }
}

#[test]
fn mirror_events_and_journal_lines_are_escaped() {
    // The remote /dst holds a file with a hostile name (all but the CR, which no command
    // could carry), which the mirror of an empty folder deletes (confirmed: the mass-delete
    // guard holds that by default); the server refuses with the hostile text.
    let home = TempDir::new().unwrap();
    std::fs::create_dir(home.path().join("src")).unwrap();
    let listing = ScriptedServer::start(|r: &Request| match r.verb.as_str() {
        "LIST" if r.arg_text().ends_with("/dst") => Answer::Data(list_line(NAME, false)),
        "LIST" => Answer::Data(list_line(b"dst", true)),
        "DELE" => Answer::Reply(hostile(&[b"550 ", HOSTILE, b"\r\n"])),
        _ => Answer::Default,
    });
    let journal = home.path().join("journal.log");
    let out = run(
        &listing,
        home.path(),
        &[
            "-v",
            "--log",
            journal.to_str().unwrap(),
            "-c",
            "mirror --once --allow-mass-delete src /dst",
        ],
    );
    assert_eq!(out.code, 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        listing
            .commands()
            .iter()
            .any(|c| c.starts_with(b"DELE") && contains(c, NAME)),
        "the mirror asked to delete the hostile name byte for byte: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_safe(&out);
    let said = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    assert_escaped("mirror output", &said);
    let written = std::fs::read(&journal).unwrap();
    assert_clean("journal", &written);
    assert_escaped("journal", &written);
}

#[test]
fn hostile_strings_show_nowhere_raw_in_a_session_of_every_command() {
    // Every place at once, one session: nothing raw, whatever the order of events.
    let server = ScriptedServer::start(|r: &Request| match r.verb.as_str() {
        "CONNECT" => Answer::Reply(hostile(&[b"220-", HOSTILE, b"\r\n220 ready\r\n"])),
        "PWD" => Answer::Reply(hostile(&[b"257 \"/", HOSTILE, b"\"\r\n"])),
        "LIST" => Answer::Data(list_line(HOSTILE, false)),
        "NLST" => Answer::Data(hostile(&[HOSTILE, b"\r\n"])),
        "HELP" | "SITE" => Answer::Reply(hostile(&[b"214 ", HOSTILE, b"\r\n"])),
        "SIZE" | "MDTM" | "RETR" | "MKD" => Answer::Reply(hostile(&[b"550 ", HOSTILE, b"\r\n"])),
        _ => Answer::Default,
    });
    let local = TempDir::new().unwrap();
    for command in [
        "pwd",
        "ls",
        "ls --raw",
        "nlst",
        "quote HELP",
        "site X",
        "size f",
        "mdtm f",
        "get f",
        "mkdir d",
        "mget *",
    ] {
        let out = run(&server, local.path(), &["-v", "--debug", "-c", command]);
        assert_safe(&out);
    }
}

/// The prompt and tab completion, in a real pseudo-terminal.
#[cfg(unix)]
mod terminal {
    use super::*;

    use expectrl::Expect;

    type Pty = expectrl::session::OsSession;

    fn spawn(server: &ScriptedServer, local: &Path) -> Pty {
        support::pty(&["--timeout", "5", &server.url()], local)
    }

    /// Waits for `needle`, adding everything read on the way to `seen`.
    fn expect(pty: &mut Pty, needle: &str, seen: &mut Vec<u8>) {
        let found = pty.expect(needle).unwrap_or_else(|e| {
            panic!(
                "{needle:?} never came: {e}\n{}",
                String::from_utf8_lossy(seen)
            )
        });
        seen.extend_from_slice(found.as_bytes());
    }

    #[test]
    fn the_prompt_shows_the_remote_folder_escaped() {
        let server = super::server(Place::Pwd);
        let local = TempDir::new().unwrap();
        let mut pty = spawn(&server, local.path());
        let mut seen = Vec::new();
        let prompt = format!("ftpsh alice@127.0.0.1:/{ESCAPED}> ");
        expect(&mut pty, &prompt, &mut seen);
        pty.send_line("binary").unwrap();
        expect(&mut pty, "transfer type: binary", &mut seen);
        expect(&mut pty, &prompt, &mut seen);
        pty.send_line("quit").unwrap();
        let _ = pty.expect(expectrl::Eof);
        assert_clean("the terminal", &seen);
    }

    #[test]
    fn completion_offers_names_escaped_and_sends_their_bytes() {
        // A Latin-1 name, one with an escape sequence, one with a bidi override.
        let server = ScriptedServer::start(|r: &Request| match r.verb.as_str() {
            "LIST" => Answer::Data(
                [
                    list_line(b"ok-r\xe4ksm\xf6rg\xe5s.txt", false),
                    list_line(b"ok-\x1b[2Jx", false),
                    list_line(b"ok-\xe2\x80\xaetxt.exe", false),
                ]
                .concat(),
            ),
            "RETR" => Answer::Data(b"smorgas".to_vec()),
            _ => Answer::Default,
        });
        let local = TempDir::new().unwrap();
        let mut pty = spawn(&server, local.path());
        let mut seen = Vec::new();
        expect(&mut pty, "ftpsh alice@127.0.0.1:/> ", &mut seen);
        // One candidate is left once names with controls are held back: it is completed.
        pty.send("get ok\t").unwrap();
        expect(&mut pty, "s.txt ", &mut seen);
        pty.send_line("").unwrap();
        expect(&mut pty, "ftpsh alice@127.0.0.1:/> ", &mut seen);
        pty.send_line("quit").unwrap();
        let _ = pty.expect(expectrl::Eof);
        assert_clean("the terminal", &seen);
        assert!(
            server.received(b"RETR ok-r\xe4ksm\xf6rg\xe5s.txt"),
            "the completed name goes back byte for byte: {:?}",
            server.commands()
        );
        // Saved under the server's bytes (a Unix name is bytes).
        use std::os::unix::ffi::OsStrExt;
        let file = local
            .path()
            .join(std::ffi::OsStr::from_bytes(b"ok-r\xe4ksm\xf6rg\xe5s.txt"));
        assert_eq!(std::fs::read(file).ok().as_deref(), Some(&b"smorgas"[..]));
    }

    #[test]
    fn completion_lists_candidates_escaped() {
        let server = ScriptedServer::start(|r: &Request| match r.verb.as_str() {
            "LIST" => Answer::Data(
                [
                    list_line(b"ok-\xe4a.txt", false),
                    list_line(b"ok-\xe4b.txt", false),
                    list_line(b"ok-\x1b]0;pwned\x07", false),
                ]
                .concat(),
            ),
            _ => Answer::Default,
        });
        let local = TempDir::new().unwrap();
        let mut pty = spawn(&server, local.path());
        let mut seen = Vec::new();
        expect(&mut pty, "ftpsh alice@127.0.0.1:/> ", &mut seen);
        // The first Tab completes what the candidates share, the second lists them.
        pty.send("get ok\t\t").unwrap();
        expect(&mut pty, "ok-\\xe4b.txt", &mut seen);
        assert!(
            contains(&seen, b"ok-\\xe4a.txt"),
            "{}",
            String::from_utf8_lossy(&seen)
        );
        // Ctrl-U empties the line, Ctrl-D leaves.
        pty.send("\x15\x04").unwrap();
        if let Err(e) = pty.expect(expectrl::Eof) {
            panic!(
                "ftpsh did not exit: {e}: {}",
                String::from_utf8_lossy(&seen)
            );
        }
        assert!(
            !contains(&seen, b"\x1b]0;pwned"),
            "{}",
            String::from_utf8_lossy(&seen)
        );
        assert!(
            !contains(&seen, b"pwned"),
            "a name with controls is not offered"
        );
    }

    #[test]
    fn local_completion_holds_back_names_with_controls() {
        // Local files may carry a server's names (a `get` of a hostile one).
        let server = super::server(Place::Banner);
        let local = TempDir::new().unwrap();
        std::fs::write(local.path().join("ok-\x1b]0;pwned\x07"), "x").unwrap();
        std::fs::write(local.path().join("ok-plain.txt"), "x").unwrap();
        let mut pty = spawn(&server, local.path());
        let mut seen = Vec::new();
        expect(&mut pty, "ftpsh alice@127.0.0.1:/> ", &mut seen);
        pty.send("lls ok\t").unwrap();
        expect(&mut pty, "ok-plain.txt", &mut seen);
        pty.send("\x15\x04").unwrap();
        if let Err(e) = pty.expect(expectrl::Eof) {
            panic!(
                "ftpsh did not exit: {e}: {}",
                String::from_utf8_lossy(&seen)
            );
        }
        assert!(
            !contains(&seen, b"\x1b]0;pwned"),
            "{}",
            String::from_utf8_lossy(&seen)
        );
    }
}
