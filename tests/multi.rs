//! Commands of several items (mget, mput, mdelete/rm, get -r, put -r, globs, mkdir a b c) do
//! every item they can: an item that fails for its own reason (a 550 on that file, a local
//! file unreadable) is said on a line and skipped, the others are done, and the command exits
//! 1 at its end with the count and the names (a script stops after that line). A failure
//! that makes the others pointless (the connection lost) stops the command there.
//! Against libunftp and the fake server (a server refusing one file, one hanging up).

mod support;

use std::fs;
use std::path::Path;
use std::time::Duration;

use support::fake::{Act, Fake, MODERN_FEAT, State};
use support::{Out, assert_ok};

const DEADLINE: Duration = Duration::from_secs(30);

fn run(url: &str, dir: &Path, commands: &str) -> Out {
    support::run_within(
        support::ftpsh(dir).args(["--timeout", "5", "-c", commands, url]),
        DEADLINE,
    )
}

/// Fails unless `out` ended with status 1 and the closing line of `what` counting `failed`
/// of `of` and naming each of `names`.
fn assert_items_failed(out: &Out, what: &str, failed: usize, of: usize, names: &[&str]) {
    assert!(of >= failed);
    assert_eq!(out.code, 1, "{out:?}");
    let closing = format!("{what}: {failed} of {of} failed: ");
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains(&closing))
        .unwrap_or_else(|| panic!("no {closing:?} in {}", out.stderr));
    for name in names {
        assert!(line.contains(&format!("\"{name}\"")), "{name}: {line}");
    }
}

#[test]
fn mget_fetches_every_file_but_the_missing_one_and_names_it() {
    let (server, local) = support::setup();
    for name in ["a.txt", "b.txt", "c.txt"] {
        support::write_file(server.root(), name, name);
    }
    let out = run(
        &server.url(),
        local.path(),
        "mget a.txt missing.txt b.txt c.txt",
    );
    assert_items_failed(&out, "mget", 1, 4, &["missing.txt"]);
    // The item's own line, with the server's reply.
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("get missing.txt: 550")),
        "{}",
        out.stderr
    );
    for name in ["a.txt", "b.txt", "c.txt"] {
        assert_eq!(fs::read(local.path().join(name)).unwrap(), name.as_bytes());
    }
    // A glob that matches nothing is one item missed; the other pattern's files come.
    fs::remove_file(local.path().join("a.txt")).unwrap();
    let out = run(&server.url(), local.path(), "mget a.* nomatch*");
    assert_items_failed(&out, "mget", 1, 2, &["nomatch*"]);
    assert!(local.path().join("a.txt").exists());
}

#[test]
fn in_a_script_the_line_finishes_then_stops_the_script() {
    let (server, local) = support::setup();
    for name in ["a.txt", "b.txt"] {
        support::write_file(server.root(), name, name);
    }
    let script = "mget a.txt missing.txt b.txt\nmkdir /after\n";
    let out = support::run_script(&server.url(), script, local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("line 1: mget: 1 of 3 failed: \"missing.txt\""),
        "{}",
        out.stderr
    );
    assert!(local.path().join("a.txt").exists() && local.path().join("b.txt").exists());
    assert!(!server.root().join("after").exists(), "the script went on");
}

#[test]
fn mput_sends_every_file_it_can() {
    let (server, local) = support::setup();
    support::write_file(local.path(), "a.txt", "a");
    support::write_file(local.path(), "b.txt", "b");
    let out = run(&server.url(), local.path(), "mput a.txt missing.txt b.txt");
    assert_items_failed(&out, "mput", 1, 3, &["missing.txt"]);
    assert!(
        out.stderr.contains("missing.txt: No such file"),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read(server.root().join("a.txt")).unwrap(), b"a");
    assert_eq!(fs::read(server.root().join("b.txt")).unwrap(), b"b");
    // put of a glob with a folder among the matches (no -r): the files go, the folder is named.
    fs::create_dir(local.path().join("d.txt")).unwrap();
    support::write_file(local.path(), "e.txt", "e");
    let out = run(&server.url(), local.path(), "mkdir /g; put *.txt /g/");
    assert_items_failed(&out, "put", 1, 4, &["d.txt"]);
    assert!(
        out.stderr.contains("d.txt: is a directory"),
        "{}",
        out.stderr
    );
    for name in ["a.txt", "b.txt", "e.txt"] {
        assert!(server.root().join("g").join(name).is_file(), "{name}");
    }
}

#[test]
fn mdelete_and_rm_delete_every_name_they_can() {
    let (server, local) = support::setup();
    for name in ["a.txt", "b.txt", "c.txt", "d.txt"] {
        support::write_file(server.root(), name, name);
    }
    let out = run(
        &server.url(),
        local.path(),
        "mdelete a.txt missing.txt b.txt",
    );
    assert_items_failed(&out, "rm", 1, 3, &["missing.txt"]);
    let out = run(&server.url(), local.path(), "rm c.txt gone.txt d.txt");
    assert_items_failed(&out, "rm", 1, 3, &["gone.txt"]);
    for name in ["a.txt", "b.txt", "c.txt", "d.txt"] {
        assert!(!server.root().join(name).exists(), "{name} kept");
    }
    // mkdir of several: the one that exists is named, the others made.
    fs::create_dir(server.root().join("there")).unwrap();
    let out = run(&server.url(), local.path(), "mkdir new1 there new2");
    assert_items_failed(&out, "mkdir", 1, 3, &["there"]);
    assert!(server.root().join("new1").is_dir() && server.root().join("new2").is_dir());
}

/// A tree on a server that refuses one file (RETR 550), or whose one folder cannot be
/// listed: `get -r` fetches all the rest.
#[test]
fn get_r_fetches_the_tree_but_what_the_server_refuses() {
    let files: &[(&str, &[u8])] = &[
        ("/tree/a.txt", b"a"),
        ("/tree/bad.txt", b"bad"),
        ("/tree/sub/c.txt", b"c"),
        ("/tree/shut/d.txt", b"d"),
        ("/tree/z.txt", b"z"),
    ];
    let fake = Fake::start(files, MODERN_FEAT, |verb, arg, _: &State| match verb {
        "RETR" if arg.ends_with("bad.txt") => Act::Reply("550 Permission denied".into()),
        "MLSD" | "CWD" if arg.ends_with("shut") => Act::Reply("550 Permission denied".into()),
        _ => Act::Normal,
    });
    let local = tempfile::TempDir::new().unwrap();
    let out = run(&fake.url(), local.path(), "get -r /tree");
    // tree, a.txt, bad.txt, shut, sub, z.txt, sub/c.txt
    assert_items_failed(&out, "get", 2, 7, &["/tree/bad.txt", "/tree/shut"]);
    let tree = local.path().join("tree");
    assert_eq!(fs::read(tree.join("a.txt")).unwrap(), b"a");
    assert_eq!(fs::read(tree.join("z.txt")).unwrap(), b"z");
    assert_eq!(fs::read(tree.join("sub/c.txt")).unwrap(), b"c");
    assert!(!tree.join("bad.txt").exists());
    assert!(
        out.stderr
            .contains("get /tree/bad.txt: 550 Permission denied"),
        "{}",
        out.stderr
    );
}

/// `put -r` of a tree holding one file the user cannot read: the rest is sent.
#[cfg(unix)]
#[test]
fn put_r_sends_the_tree_but_the_unreadable_file() {
    if !support::skip::run_unprivileged("put_r_sends_the_tree_but_the_unreadable_file") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let (server, local) = support::setup();
    let site = local.path().join("site");
    support::write_file(&site, "a.txt", "a");
    support::write_file(&site, "sub/b.txt", "b");
    let secret = support::write_file(&site, "secret.txt", "s");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    let out = run(&server.url(), local.path(), "put -r site /site");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();
    // site, a.txt, secret.txt, sub, sub/b.txt
    assert_items_failed(&out, "put", 1, 5, &["site/secret.txt"]);
    let remote = server.root().join("site");
    assert_eq!(fs::read(remote.join("a.txt")).unwrap(), b"a");
    assert_eq!(fs::read(remote.join("sub/b.txt")).unwrap(), b"b");
    assert!(!remote.join("secret.txt").exists());
}

/// One item named: its failure is the command's, said once, as it always was.
#[test]
fn a_single_item_fails_with_its_own_message_only() {
    let (server, local) = support::setup();
    let out = run(&server.url(), local.path(), "get missing.txt");
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].starts_with("ftpsh: get missing.txt: 550"),
        "{}",
        out.stderr
    );
}

/// The connection lost on the second file: the third is not tried (every other would fail
/// the same way), and the command fails with the lost connection.
#[test]
fn a_lost_connection_stops_the_remaining_items() {
    let files: &[(&str, &[u8])] = &[("/a.txt", b"a"), ("/b.txt", b"b"), ("/c.txt", b"c")];
    let fake = Fake::start(files, MODERN_FEAT, |verb, arg, _: &State| {
        if verb == "RETR" && arg.ends_with("b.txt") {
            Act::Hangup
        } else {
            Act::Normal
        }
    });
    let local = tempfile::TempDir::new().unwrap();
    // ASCII mode keeps the files on the shell's one connection, in order.
    let out = run(&fake.url(), local.path(), "ascii; mget a.txt b.txt c.txt");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stderr.contains("of 3 failed"), "{}", out.stderr);
    assert!(local.path().join("a.txt").exists());
    let log = fake.log();
    assert!(
        !log.iter()
            .any(|l| l.starts_with("RETR") && l.ends_with("c.txt")),
        "{log:?}"
    );
    assert_ok(&run(&fake.url(), local.path(), "get c.txt"));
}

/// A server out of space (452) on the second upload: the third is not tried (it would only
/// fail the same way, or fill the last bytes), and the command fails with the server's reply.
#[test]
fn a_full_server_stops_the_remaining_uploads() {
    let fake = Fake::start(&[], MODERN_FEAT, |verb, arg, _: &State| {
        if verb == "STOR" && arg.contains("b.txt") {
            Act::Reply("452 Insufficient storage space".into())
        } else {
            Act::Normal
        }
    });
    let local = tempfile::TempDir::new().unwrap();
    for name in ["a.txt", "b.txt", "c.txt"] {
        support::write_file(local.path(), name, name);
    }
    // ASCII mode keeps the files on the shell's one connection, in order.
    let out = run(&fake.url(), local.path(), "ascii; mput a.txt b.txt c.txt");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("452 Insufficient storage"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("of 3 failed"), "{}", out.stderr);
    assert!(fake.exists("/a.txt"));
    let log = fake.log();
    assert!(
        !log.iter()
            .any(|l| l.starts_with("STOR") && l.contains("c.txt")),
        "{log:?}"
    );
}

/// `rm -r` of a tree holding one file the server will not delete: everything else goes, the
/// folders holding that file stay, and the file is named.
#[test]
fn rm_r_deletes_all_but_what_the_server_refuses() {
    let files: &[(&str, &[u8])] = &[
        ("/d/a.txt", b"a"),
        ("/d/sub/bad.txt", b"bad"),
        ("/d/sub/c.txt", b"c"),
        ("/d/other/e.txt", b"e"),
    ];
    let fake = Fake::start(files, MODERN_FEAT, |verb, arg, _: &State| {
        if verb == "DELE" && arg.ends_with("bad.txt") {
            Act::Reply("550 Permission denied".into())
        } else {
            Act::Normal
        }
    });
    let local = tempfile::TempDir::new().unwrap();
    let out = run(&fake.url(), local.path(), "rm -r /d");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("\"/d/sub/bad.txt\""), "{}", out.stderr);
    for gone in ["/d/a.txt", "/d/sub/c.txt", "/d/other/e.txt", "/d/other"] {
        assert!(!fake.exists(gone), "{gone} kept");
    }
    for kept in ["/d/sub/bad.txt", "/d/sub", "/d"] {
        assert!(fake.exists(kept), "{kept} deleted");
    }
}
