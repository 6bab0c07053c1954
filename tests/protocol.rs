//! The protocol layer against servers as they really are: a scriptable fake server
//! (tests/support/fake.rs) replays replies real servers send, one kind of quirk per section.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use support::fake::{Act, Fake, MODERN_FEAT};
use support::{Out, assert_fails, assert_ok};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(30);

/// `ftpsh --timeout 2 ARGS... -c COMMANDS URL` in `dir`, killed at the deadline.
fn run(fake: &Fake, dir: &Path, args: &[&str], commands: &str) -> Out {
    let child = support::ftpsh(dir)
        .args(["--timeout", "2"])
        .args(args)
        .args(["-c", commands, &fake.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpsh");
    support::wait_out(child, DEADLINE)
}

fn sent(fake: &Fake, prefix: &str) -> Vec<String> {
    fake.log()
        .into_iter()
        .filter(|l| l.starts_with(prefix))
        .collect()
}

// ---- typed errors: callers decide by reply code ---------------------------------------------

#[test]
fn rm_f_passes_over_a_missing_file_only() {
    let fake = Fake::start(
        &[("busy.txt", b"x"), ("ok.txt", b"y")],
        MODERN_FEAT,
        |verb, arg, _| match (verb, arg) {
            ("DELE", "busy.txt") => Act::Reply("450 file busy, try later".into()),
            _ => Act::Normal,
        },
    );
    let dir = TempDir::new().unwrap();
    assert_ok(&run(&fake, dir.path(), &[], "rm -f missing.txt ok.txt"));
    assert!(!fake.exists("/ok.txt"));
    let out = run(&fake, dir.path(), &[], "rm -f busy.txt");
    assert_fails(&out, 1, "rm busy.txt: 450 file busy, try later");
    assert!(fake.exists("/busy.txt"));
}

#[test]
fn rm_f_of_a_glob_fails_when_the_listing_may_be_cut() {
    for closing in ["226 Output truncated to 2 matches", "451 local error"] {
        let fake = Fake::start(
            &[("a.tmp", b"x"), ("b.tmp", b"y")],
            MODERN_FEAT,
            move |verb, _, _| match verb {
                "MLSD" => Act::Data {
                    body: b"type=file;size=1; a.tmp\r\n".to_vec(),
                    closing: closing.to_string(),
                    trickle: None,
                },
                _ => Act::Normal,
            },
        );
        let dir = TempDir::new().unwrap();
        let out = run(&fake, dir.path(), &[], "rm -f *.tmp");
        assert_eq!(out.code, 1, "{closing}: {out:?}");
        assert!(out.stderr.contains("list ."), "{closing}: {}", out.stderr);
        assert!(
            fake.exists("/a.tmp") && fake.exists("/b.tmp"),
            "{closing}: nothing deleted"
        );
        assert_eq!(sent(&fake, "DELE"), Vec::<String>::new(), "{closing}");
    }
    // A whole listing that matches nothing is no error with -f, and "no match" without.
    let fake = Fake::start(&[("a.tmp", b"x")], MODERN_FEAT, |_, _, _| Act::Normal);
    let dir = TempDir::new().unwrap();
    assert_ok(&run(&fake, dir.path(), &[], "rm -f *.none"));
    let out = run(&fake, dir.path(), &[], "rm *.none");
    assert_fails(&out, 1, "no remote file matches *.none");
}
