//! Listings holding a line no format reads: the folder is not sunk by it. `ls` shows the line
//! marked `?`, `mget` and `get -r` fetch the rest, warn and exit 1, and `mirror --once`
//! uploads into that folder but deletes nothing in it. Against a fake server that serves
//! LIST bodies as a real (odd) server would.

mod support;

use std::fs;
use std::path::Path;
use std::time::Duration;

use support::fake::{Act, Fake, State};
use support::{Out, assert_ok};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(30);
/// FEAT without MLST: listings go over LIST, where odd formats live.
const LIST_FEAT: &[&str] = &["EPSV", "SIZE", "MDTM", "UTF8"];
/// A line of no known format, with an escape sequence that would retitle the terminal.
const ODD: &str = "?? \x1b]0;owned\x07 no format reads this ??";

fn run(fake: &Fake, dir: &Path, commands: &str) -> Out {
    let url = fake.url();
    support::run_within(
        support::ftpsh(dir).args(["--timeout", "2", "-c", commands, &url]),
        DEADLINE,
    )
}

/// A server whose LIST of `odd_dir` holds, besides its real entries (in `ls -l` form), one
/// line of no known format; every other command is served normally.
fn odd_server(files: &[(&str, &[u8])], odd_dir: &'static str) -> Fake {
    Fake::start(files, LIST_FEAT, move |verb, arg, state: &State| {
        let listed = arg.trim_start_matches("-a").trim().trim_end_matches('/');
        let listed = if listed.is_empty() || listed == "." {
            state.cwd.as_str()
        } else {
            listed
        };
        if verb != "LIST" || listed != odd_dir {
            return Act::Normal;
        }
        let mut body = String::new();
        let prefix = format!("{odd_dir}/");
        for (path, contents) in &state.files {
            let Some(name) = path.strip_prefix(&prefix).filter(|n| !n.contains('/')) else {
                continue;
            };
            body.push_str(&match contents {
                None => format!("drwxr-xr-x 2 ftp ftp 0 Jan 02 2024 {name}\r\n"),
                Some(b) => format!("-rw-r--r-- 1 ftp ftp {} Jan 02 2024 {name}\r\n", b.len()),
            });
        }
        body.push_str(ODD);
        body.push_str("\r\n");
        Act::Data {
            body: body.into_bytes(),
            closing: "226 Transfer complete".into(),
            trickle: None,
        }
    })
}

#[test]
fn ls_shows_every_entry_and_the_odd_line_escaped() {
    let fake = odd_server(&[("pub/a.txt", b"aaaa"), ("pub/sub/", b"")], "/pub");
    let dir = TempDir::new().unwrap();
    let out = run(&fake, dir.path(), "ls /pub");
    assert_ok(&out);
    let rows: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows[0].starts_with("- 4  2024-01-02 00:00  a.txt"),
        "{rows:?}"
    );
    assert!(rows[1].ends_with("  sub/"), "{rows:?}");
    assert_eq!(rows[2], "? ?? \\x1b]0;owned\\x07 no format reads this ??");
    assert!(
        !out.stdout.contains('\x1b') && !out.stderr.contains('\x1b'),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("ls /pub: 1 line marked ? is shown as the server sent it"),
        "{}",
        out.stderr
    );
}

#[test]
fn mget_fetches_what_it_can_read_warns_and_fails() {
    let fake = odd_server(&[("pub/a.txt", b"aaaa"), ("pub/b.txt", b"bb")], "/pub");
    let dir = TempDir::new().unwrap();
    let out = run(&fake, dir.path(), "cd /pub; mget *");
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(fs::read(dir.path().join("a.txt")).unwrap(), b"aaaa");
    assert_eq!(fs::read(dir.path().join("b.txt")).unwrap(), b"bb");
    assert!(
        out.stderr
            .contains("warning: mget: skipped in /pub: unparseable listing line"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("mget: skipped 1 listing line ftpsh"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains('\x1b'), "{out:?}");
}

#[test]
fn get_r_fetches_the_rest_of_the_tree_and_fails_at_the_end() {
    let files: &[(&str, &[u8])] = &[
        ("pub/a.txt", b"aaaa"),
        ("pub/deep/odd/x.txt", b"x"),
        ("pub/deep/odd/y.txt", b"yy"),
        ("pub/z.txt", b"z"),
    ];
    let fake = odd_server(files, "/pub/deep/odd");
    let dir = TempDir::new().unwrap();
    let out = run(&fake, dir.path(), "get -r /pub");
    assert_eq!(out.code, 1, "{out:?}");
    for (rel, body) in [
        ("a.txt", &b"aaaa"[..]),
        ("deep/odd/x.txt", b"x"),
        ("deep/odd/y.txt", b"yy"),
        ("z.txt", b"z"),
    ] {
        assert_eq!(
            fs::read(dir.path().join("pub").join(rel)).unwrap(),
            body,
            "{rel}"
        );
    }
    assert!(
        out.stderr
            .contains("warning: get /pub: skipped in /pub/deep/odd:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("in /pub/deep/odd (see the warnings above)"),
        "{}",
        out.stderr
    );
}

#[test]
fn mirror_uploads_into_a_folder_it_cannot_read_whole_but_deletes_nothing_there() {
    let files: &[(&str, &[u8])] = &[
        ("site/odd/old.txt", b"old"),
        ("site/odd/keep/k.txt", b"k"),
        ("site/clean/gone.txt", b"gone"),
    ];
    let fake = odd_server(files, "/site/odd");
    let dir = TempDir::new().unwrap();
    let local = dir.path().join("local");
    fs::create_dir_all(local.join("odd")).unwrap();
    fs::create_dir_all(local.join("clean")).unwrap();
    fs::write(local.join("odd/new.txt"), b"new").unwrap();
    let out = run(&fake, dir.path(), "mirror --once local /site");
    assert_eq!(out.code, 1, "deletes are owed in /site/odd: {out:?}");
    assert_eq!(
        fake.file("/site/odd/new.txt").as_deref(),
        Some(&b"new"[..]),
        "uploaded"
    );
    assert!(
        fake.exists("/site/odd/old.txt"),
        "not deleted in the folder read in part"
    );
    assert!(fake.exists("/site/odd/keep/k.txt"), "nor below it");
    assert!(
        !fake.exists("/site/clean/gone.txt"),
        "deleted where the listing was whole"
    );
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("remote folder \"/site/odd\": 1 listing line ftpsh cannot read (or cut short); nothing in it is deleted"),
        "{said}"
    );
}

#[test]
fn stat_uses_what_it_read_and_never_guesses_about_the_rest() {
    let files: &[(&str, &[u8])] = &[("pub/sub/c.txt", b"ccc"), ("pub/old.txt", b"o")];
    let fake = odd_server(files, "/pub");
    let dir = TempDir::new().unwrap();
    // Found among the entries read: `get -r` learns it is a folder and fetches it.
    assert_ok(&run(&fake, dir.path(), "get -r /pub/sub"));
    assert_eq!(fs::read(dir.path().join("sub/c.txt")).unwrap(), b"ccc");
    // Not among them: the odd line may be that very file, so touch does not create (and
    // overwrite) it.
    let out = run(&fake, dir.path(), "touch /pub/new.txt");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("stat /pub/new.txt: unparseable listing line"),
        "{}",
        out.stderr
    );
    assert!(!fake.exists("/pub/new.txt"));
    // rm -r deletes nothing in a folder it cannot read whole.
    let out = run(&fake, dir.path(), "rm -r /pub");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(fake.exists("/pub/old.txt") && fake.exists("/pub/sub/c.txt"));
}
