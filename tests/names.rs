//! Names are bytes: a server that lists names in Latin-1 (no UTF8 in FEAT; pyftpdlib with
//! the `latin1` quirk, which keeps them as UTF-8 on disk) gets every name back byte for
//! byte from get, mget, rm, rename, mv, cd, get -r and the mirror; `ls` shows them readably;
//! downloads are named with the server's bytes. The server's disk proves the bytes: a
//! command that sent anything else (U+FFFD, the UTF-8 form) names another file.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use support::pyftpd::PyFtpd;
use support::scripted::{Answer, Request, ScriptedServer};
use support::{Out, assert_ok};
use tempfile::TempDir;

/// The name on the server's disk (UTF-8) ...
const DISK: &str = "räksmörgås.txt";
/// ... as it travels (Latin-1) ...
const WIRE: &[u8] = b"r\xe4ksm\xf6rg\xe5s.txt";
/// ... and as ftpsh shows it.
const SHOWN: &str = "r\\xe4ksm\\xf6rg\\xe5s.txt";

fn latin1() -> Option<PyFtpd> {
    PyFtpd::start_quirk("latin1")
}

fn run(server: &PyFtpd, commands: &str, dir: &Path) -> Out {
    let url = server.url();
    let mut command = support::ftpsh(dir);
    command.args(["--timeout", "5", "-c", commands, &url]);
    support::run_within(&mut command, Duration::from_secs(30))
}

/// Names in a local folder, as raw bytes.
fn local_names(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .filter(|n| !n.starts_with(b"."))
        .collect();
    names.sort();
    names
}

#[test]
fn ls_and_nlst_show_a_latin1_name_readably() {
    let Some(server) = latin1() else { return };
    support::write_file(server.root(), DISK, b"smorgas");
    let local = TempDir::new().unwrap();
    for command in ["ls", "nlst", "ls --raw"] {
        let out = run(&server, command, local.path());
        assert_ok(&out);
        assert!(out.stdout.contains(SHOWN), "{command}: {}", out.stdout);
        assert!(
            !out.stdout.contains('\u{fffd}'),
            "{command}: {}",
            out.stdout
        );
    }
}

#[test]
fn get_and_mget_fetch_it_under_the_servers_bytes() {
    let Some(server) = latin1() else { return };
    support::write_file(server.root(), DISK, b"smorgas");
    support::write_file(server.root(), "plain.txt", b"plain");
    let local = TempDir::new().unwrap();
    let out = run(&server, "get r?ksm*", local.path());
    assert_ok(&out);
    let file = local.path().join(OsStr::from_bytes(WIRE));
    assert_eq!(fs::read(&file).unwrap(), b"smorgas");
    fs::remove_file(&file).unwrap();

    let out = run(&server, "mget *", local.path());
    assert_ok(&out);
    assert_eq!(
        local_names(local.path()),
        [b"plain.txt".to_vec(), WIRE.to_vec()]
    );
    assert_eq!(fs::read(&file).unwrap(), b"smorgas");
}

#[test]
fn rm_rename_mv_and_cd_reach_latin1_names() {
    let Some(server) = latin1() else { return };
    let root = server.root();
    support::write_file(root, DISK, b"smorgas");
    support::write_file(root, "öl/inne.txt", b"inne");
    support::write_file(root, "öl/kvar.txt", b"kvar");
    support::write_file(root, "gå bort.txt", b"bort");
    fs::create_dir(root.join("sub")).unwrap();
    let local = TempDir::new().unwrap();
    // rename with a glob for the source; the new name is typed.
    assert_ok(&run(&server, "rename r?ksm* macka.txt", local.path()));
    assert!(!root.join(DISK).exists());
    assert_eq!(fs::read(root.join("macka.txt")).unwrap(), b"smorgas");
    // mv keeps the listed name: back to its Latin-1 bytes, into sub/.
    assert_ok(&run(
        &server,
        "rename macka.txt sub/macka.txt",
        local.path(),
    ));
    support::write_file(root, DISK, b"again");
    assert_ok(&run(&server, "mv r?ksm* sub/", local.path()));
    assert_eq!(fs::read(root.join("sub").join(DISK)).unwrap(), b"again");
    // cd into a folder whose name is not UTF-8, then rm there; rm of a glob at the root.
    let out = run(&server, "cd ?l; pwd; rm inne*; get kvar.txt", local.path());
    assert_ok(&out);
    assert!(
        out.stdout.contains("/\\xf6l"),
        "pwd shows it: {}",
        out.stdout
    );
    assert!(!root.join("öl/inne.txt").exists());
    assert_eq!(fs::read(local.path().join("kvar.txt")).unwrap(), b"kvar");
    assert_ok(&run(&server, "rm g?\\ bort.txt", local.path()));
    assert!(!root.join("gå bort.txt").exists());
    // A glob that matches two names is no single name.
    let out = run(&server, "rename sub/* x", local.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("matches 2 names"), "{}", out.stderr);
}

#[test]
fn put_sends_a_local_name_that_is_not_utf8_as_its_bytes() {
    let Some(server) = latin1() else { return };
    let local = TempDir::new().unwrap();
    fs::write(local.path().join(OsStr::from_bytes(b"ny-\xe4.txt")), b"new").unwrap();
    fs::write(local.path().join(OsStr::from_bytes(b"\xf6l.txt")), b"beer").unwrap();
    // Local globs reach them (put and mput).
    let out = run(&server, "put ny-*; mput ?l.txt", local.path());
    assert_ok(&out);
    // The Latin-1 server read the bytes as Latin-1: ä and ö.
    assert_eq!(fs::read(server.root().join("ny-ä.txt")).unwrap(), b"new");
    assert_eq!(fs::read(server.root().join("öl.txt")).unwrap(), b"beer");
}

#[test]
fn get_r_writes_the_servers_bytes_as_local_names() {
    let Some(server) = latin1() else { return };
    support::write_file(server.root(), &format!("mapp/{DISK}"), b"smorgas");
    support::write_file(server.root(), "mapp/ö/x.txt", b"x");
    let local = TempDir::new().unwrap();
    assert_ok(&run(&server, "get -r mapp", local.path()));
    let mapp = local.path().join("mapp");
    assert_eq!(local_names(&mapp), [WIRE.to_vec(), b"\xf6".to_vec()]);
    assert_eq!(
        fs::read(mapp.join(OsStr::from_bytes(WIRE))).unwrap(),
        b"smorgas"
    );
    assert_eq!(
        fs::read(mapp.join(OsStr::from_bytes(b"\xf6")).join("x.txt")).unwrap(),
        b"x"
    );
}

#[test]
fn the_mirror_deletes_and_uploads_names_that_are_not_utf8_byte_for_byte() {
    let Some(server) = latin1() else { return };
    let root = server.root();
    support::write_file(root, "dst/gammal-ä.txt", b"old");
    support::write_file(root, "dst/kvar.txt", b"same");
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    fs::create_dir(&src).unwrap();
    // A local name that is not UTF-8 (Latin-1 bytes, as a Linux file system allows).
    fs::write(src.join(OsStr::from_bytes(b"ny-\xe4.txt")), b"new").unwrap();
    fs::write(src.join("kvar.txt"), b"same").unwrap();
    support::settle_times(&src);
    let journal = home.path().join("journal.log");
    let once = || {
        let child = support::ftpsh(home.path())
            .args([
                "--timeout",
                "5",
                "--log",
                journal.to_str().unwrap(),
                "-c",
                "mirror --once src /dst",
                &server.url(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        support::wait_out(child, Duration::from_secs(30))
    };
    assert_ok(&once());
    let disk: BTreeMap<String, Option<Vec<u8>>> = support::tree(&root.join("dst"));
    let want: BTreeMap<String, Option<Vec<u8>>> = [
        // The server read the local bytes as Latin-1.
        ("kvar.txt".to_string(), Some(b"same".to_vec())),
        ("ny-ä.txt".to_string(), Some(b"new".to_vec())),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        disk, want,
        "the extra Latin-1 name deleted, the new one sent"
    );
    // The listing now holds the same bytes as the local name: nothing to send again.
    let before = fs::read_to_string(&journal).unwrap_or_default();
    assert_ok(&once());
    let after = fs::read_to_string(&journal).unwrap_or_default();
    let new = &after[before.len()..];
    assert!(!new.contains(" STOR "), "sent again:\n{new}");
    assert!(!new.contains(" DELE "), "deleted:\n{new}");
    // A JSON journal gives such a name back exactly: shown as the text journal shows it,
    // its bytes in path_hex.
    fs::write(src.join(OsStr::from_bytes(b"mer-\xf6.txt")), b"more").unwrap();
    let json = home.path().join("journal.json");
    let command = format!(
        "mirror --once --log-format json --log {} src /dst",
        json.display()
    );
    let child = support::ftpsh(home.path())
        .args(["--timeout", "5", "-c", &command, &server.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert_ok(&support::wait_out(child, Duration::from_secs(30)));
    let text = fs::read_to_string(&json).unwrap();
    let stor: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect(l))
        .find(|l| l["action"] == "STOR")
        .unwrap_or_else(|| panic!("no STOR line: {text}"));
    assert_eq!(stor["path"], "mer-\\xf6.txt", "{stor}");
    assert_eq!(stor["path_hex"], "6d65722df62e747874", "{stor}");
    assert_eq!(stor["bytes"], 4, "{stor}");
}

/// A server whose FEAT lists UTF8, yet whose listing holds Latin-1 bytes (vsftpd and
/// pure-ftpd pass the disk's bytes through): OPTS UTF8 ON is sent, names still go back
/// byte for byte.
#[test]
fn opts_utf8_on_where_feat_offers_it_and_names_stay_bytes_anyway() {
    let with_utf8 = |utf8: bool| {
        ScriptedServer::start(move |r: &Request| match r.verb.as_str() {
            "FEAT" if utf8 => {
                Answer::Reply(b"211-Features:\r\n UTF8\r\n SIZE\r\n211 End\r\n".to_vec())
            }
            "FEAT" => Answer::Reply(b"211-Features:\r\n SIZE\r\n211 End\r\n".to_vec()),
            "LIST" => {
                Answer::Data([&b"-rw-r--r-- 1 o g 7 Jan 01 00:00 "[..], WIRE, b"\r\n"].concat())
            }
            "SIZE" => Answer::Reply(b"213 7\r\n".to_vec()),
            "RETR" if r.arg == WIRE => Answer::Data(b"smorgas".to_vec()),
            "RETR" => Answer::Reply(b"550 no such file\r\n".to_vec()),
            _ => Answer::Default,
        })
    };
    for utf8 in [true, false] {
        let server = with_utf8(utf8);
        let local = TempDir::new().unwrap();
        let child = support::ftpsh(local.path())
            .args(["--timeout", "5", "-c", "mget *", &server.url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = support::wait_out(child, Duration::from_secs(30));
        assert_ok(&out);
        assert_eq!(
            server.received(b"OPTS UTF8 ON"),
            utf8,
            "{:?}",
            server.commands()
        );
        let retr: Vec<u8> = [&b"RETR "[..], WIRE].concat();
        assert!(server.received(&retr), "{:?}", server.commands());
        assert_eq!(
            fs::read(local.path().join(OsStr::from_bytes(WIRE))).unwrap(),
            b"smorgas"
        );
    }
}

/// `ftpsh -c "put caf\xe9.txt"` and a script on stdin holding that name: the local file
/// whose name is those bytes is read (and `get` writes one), never refused as "invalid
/// UTF-8" nor turned into another name; messages show the byte escaped.
#[test]
fn local_names_typed_in_c_and_in_scripts_are_their_bytes() {
    let Some(server) = latin1() else { return };
    let home = TempDir::new().unwrap();
    let local = home.path();
    fs::write(local.join(OsStr::from_bytes(b"caf\xe9.txt")), b"coffee").unwrap();
    fs::create_dir(local.join(OsStr::from_bytes(b"m\xe5l"))).unwrap();
    let url = server.url();
    // -c: put the file, get it back under another such name, into a folder named in bytes.
    let mut command: Vec<u8> =
        b"put caf\xe9.txt; get caf\xe9.txt m\xe5l/te-\xe9.txt; lcd m\xe5l; lpwd".to_vec();
    let out = support::run_within(
        support::ftpsh(local).args([
            OsStr::new("--timeout"),
            OsStr::new("5"),
            OsStr::new("-c"),
            OsStr::from_bytes(&command),
            OsStr::new(&url),
        ]),
        Duration::from_secs(30),
    );
    assert_ok(&out);
    // The Latin-1 server read the byte as é.
    assert_eq!(fs::read(server.root().join("café.txt")).unwrap(), b"coffee");
    let fetched = local.join(OsStr::from_bytes(b"m\xe5l/te-\xe9.txt"));
    assert_eq!(fs::read(&fetched).unwrap(), b"coffee");
    assert!(
        out.stdout.contains("m\\xe5l"),
        "lpwd escaped: {}",
        out.stdout
    );
    // A name that is not there: the message names it escaped.
    command = b"put th\xe9.txt".to_vec();
    let out = support::run_within(
        support::ftpsh(local).args([
            OsStr::new("-c"),
            OsStr::from_bytes(&command),
            OsStr::new(&url),
        ]),
        Duration::from_secs(30),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("th\\xe9.txt"), "{}", out.stderr);
    // A script on stdin (Latin-1 bytes, CRLF line ends as a Windows editor writes them).
    fs::remove_file(server.root().join("café.txt")).unwrap();
    let (child, mut stdin) =
        support::spawn_with_stdin(support::ftpsh(local).args(["--timeout", "5", &url]));
    std::io::Write::write_all(&mut stdin, b"# caf\xe9\r\nput caf\xe9.txt kaffe.txt\r\n").unwrap();
    drop(stdin);
    let out = support::wait_out(child, Duration::from_secs(30));
    assert_ok(&out);
    assert_eq!(
        fs::read(server.root().join("kaffe.txt")).unwrap(),
        b"coffee"
    );
}
