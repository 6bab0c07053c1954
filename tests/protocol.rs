//! The protocol layer against servers as they really are: a scriptable fake server
//! (tests/support/fake.rs) replays replies real servers send, one kind of quirk per section.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use support::fake::{Act, Fake, MODERN_FEAT};
use support::{Out, assert_fails, assert_ok};
use tempfile::TempDir;

/// A PASV or EPSV reply, given the port the fake listens on.
type PassiveReply = fn(u16) -> String;

const DEADLINE: Duration = Duration::from_secs(30);

/// `ftpsh --timeout 2 ARGS... -c COMMANDS URL` in `dir`, killed at the deadline.
fn run(fake: &Fake, dir: &Path, args: &[&str], commands: &str) -> Out {
    let mut command = support::ftpsh(dir);
    command.args(["--timeout", "2"]).args(args);
    support::run_within(command.args(["-c", commands, &fake.url()]), DEADLINE)
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

// ---- data connections: negotiated like curl and lftp -------------------------------------

#[test]
fn epsv_refused_falls_back_to_pasv_for_the_rest_of_the_session() {
    for refusal in ["500 Unknown command", "502 EPSV not implemented", "501 no"] {
        let fake = Fake::start(
            &[("d/a.txt", b"alpha")],
            MODERN_FEAT,
            move |verb, _, _| match verb {
                "EPSV" => Act::Reply(refusal.to_string()),
                _ => Act::Normal,
            },
        );
        let dir = TempDir::new().unwrap();
        let out = run(
            &fake,
            dir.path(),
            &[],
            "ls d; get d/a.txt; ls d; cat d/a.txt",
        );
        assert_ok(&out);
        assert!(out.stdout.contains("a.txt"), "{refusal}: {}", out.stdout);
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"alpha");
        assert_eq!(sent(&fake, "EPSV").len(), 1, "{refusal}: EPSV asked once");
        assert_eq!(
            sent(&fake, "PASV").len(),
            4,
            "{refusal}: then PASV each time"
        );
    }
}

#[test]
fn a_227_naming_another_host_is_not_followed() {
    // The fake listens on 127.0.0.1 only: following the reply to 127.0.0.2 (or 10.9.8.7)
    // would find nobody there.
    for format in [
        (|p: u16| {
            format!(
                "227 Entering Passive Mode (127,0,0,2,{},{})",
                p >> 8,
                p & 255
            )
        }) as fn(u16) -> String,
        |p| {
            format!(
                "227 Entering Passive Mode (10,9,8,7,{},{})",
                p >> 8,
                p & 255
            )
        },
    ] {
        let fake = Fake::start(
            &[("a.txt", b"alpha")],
            &["SIZE"],
            move |verb, _, _| match verb {
                "PASV" => Act::Passive(format),
                _ => Act::Normal,
            },
        );
        let dir = TempDir::new().unwrap();
        let out = run(&fake, dir.path(), &["--debug"], "ls; get a.txt");
        assert_ok(&out);
        assert!(out.stdout.contains("a.txt"), "{}", out.stdout);
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"alpha");
        let trace = format!("{}{}", out.stdout, out.stderr);
        assert!(
            trace.contains("connecting to its own address 127.0.0.1:"),
            "--debug says so: {trace}"
        );
    }
}

#[test]
fn pasv_and_epsv_replies_are_read_by_their_numbers() {
    let forms: [(&str, PassiveReply); 7] = [
        ("PASV", |p| {
            format!("227 Entering Passive Mode 127,0,0,1,{},{}", p >> 8, p & 255)
        }),
        ("PASV", |p| {
            format!("227 ={},{},{},{},{},{}", 127, 0, 0, 1, p >> 8, p & 255)
        }),
        ("PASV", |p| {
            format!(
                "227 Entering Passive Mode (127,0,0,1,{},{}). Enjoy",
                p >> 8,
                p & 255
            )
        }),
        ("PASV", |p| {
            format!("227 Passive (127, 0, 0, 1, {}, {})", p >> 8, p & 255)
        }),
        ("EPSV", |p| {
            format!("229 Entering Extended Passive Mode (|||{p}|)")
        }),
        ("EPSV", |p| {
            format!("229 Entering Extended Passive Mode (!!!{p}!)")
        }),
        ("EPSV", |p| format!("229 |||{p}| and some words")),
    ];
    for (verb_wanted, format) in forms {
        let feat: &[&str] = if verb_wanted == "EPSV" {
            &["EPSV"]
        } else {
            &[]
        };
        let fake = Fake::start(&[("a.txt", b"alpha")], feat, move |verb, _, _| {
            if verb == verb_wanted {
                Act::Passive(format)
            } else {
                Act::Normal
            }
        });
        let dir = TempDir::new().unwrap();
        let out = run(&fake, dir.path(), &[], "ls; get a.txt");
        assert_ok(&out);
        assert_eq!(
            std::fs::read(dir.path().join("a.txt")).unwrap(),
            b"alpha",
            "{}",
            format(1025)
        );
    }
}

#[test]
fn passive_ports_out_of_range_are_refused() {
    let forms: [(&str, &str); 4] = [
        ("PASV", "227 Entering Passive Mode (127,0,0,1,0,0)"),
        ("PASV", "227 Entering Passive Mode (127,0,0,1,256,1)"),
        ("EPSV", "229 Entering Extended Passive Mode (|||0|)"),
        ("EPSV", "229 Entering Extended Passive Mode (|||65536|)"),
    ];
    for (verb_wanted, reply) in forms {
        let feat: &[&str] = if verb_wanted == "EPSV" {
            &["EPSV"]
        } else {
            &[]
        };
        let fake = Fake::start(&[("a.txt", b"alpha")], feat, move |verb, _, _| {
            if verb == verb_wanted {
                Act::Reply(reply.to_string())
            } else {
                Act::Normal
            }
        });
        let dir = TempDir::new().unwrap();
        let out = run(&fake, dir.path(), &[], "ls");
        assert_fails(&out, 1, reply);
    }
}

// ---- ASCII type ------------------------------------------------------------------------------

/// A ProFTPD-like server: `TYPE A N` refused, SIZE refused in ASCII mode.
fn text_server(files: &[(&str, &[u8])]) -> Fake {
    Fake::start(files, MODERN_FEAT, |verb, _, state| match verb {
        "SIZE" if state.ascii => Act::Reply("550 SIZE not allowed in ASCII mode".into()),
        _ => Act::Normal,
    })
}

#[test]
fn ascii_is_plain_type_a_and_converts_line_ends_both_ways() {
    let fake = text_server(&[("notes.txt", b"one\ntwo\n"), ("b.txt", b"x\n\ny")]);
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("up.txt"), b"a\nb\r\nc").unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    let out = run(
        &fake,
        dir.path(),
        &[],
        "ascii; get notes.txt; cat notes.txt; put up.txt; lcd m; mget *.txt",
    );
    assert_ok(&out);
    assert!(
        sent(&fake, "TYPE A").iter().all(|t| t == "TYPE A"),
        "{:?}",
        fake.log()
    );
    let local_end = if cfg!(windows) { "\r\n" } else { "\n" };
    let want = format!("one{local_end}two{local_end}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        want
    );
    assert!(
        out.stdout.contains(&want),
        "cat converts too: {:?}",
        out.stdout
    );
    // What went over the wire: CRLF everywhere, an existing CRLF not doubled.
    assert_eq!(fake.file("/up.txt").as_deref(), Some(&b"a\r\nb\r\nc"[..]));
    for (name, want) in [
        ("notes.txt", "one\ntwo\n"),
        ("b.txt", "x\n\ny"),
        ("up.txt", "a\nb\nc"),
    ] {
        let got = std::fs::read_to_string(dir.path().join("m").join(name)).unwrap();
        assert_eq!(got, want.replace('\n', local_end), "mget {name}");
    }
    // Back to binary: bytes as they are.
    let out = run(&fake, dir.path(), &[], "ascii; binary; get up.txt raw.txt");
    assert_ok(&out);
    assert_eq!(
        std::fs::read(dir.path().join("raw.txt")).unwrap(),
        b"a\r\nb\r\nc"
    );
}

// ---- replies parsed by the RFCs ------------------------------------------------------------

#[test]
fn doubled_quotes_in_257_replies_are_undone() {
    // The fake doubles quotes in its PWD and MKD replies, as RFC 959 says.
    let fake = Fake::start(
        &[("say \"hi\"/", b""), ("q\"/x.txt", b"1")],
        MODERN_FEAT,
        |_, _, _| Act::Normal,
    );
    let dir = TempDir::new().unwrap();
    let out = run(
        &fake,
        dir.path(),
        &[],
        "cd 'say \"hi\"'; pwd; cd '/q\"'; pwd",
    );
    assert_ok(&out);
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        ["/say \"hi\"", "/q\""],
        "{out:?}"
    );
    // A mirror started there writes there, not into `say ""hi""`.
    std::fs::create_dir_all(dir.path().join("src/d")).unwrap();
    std::fs::write(dir.path().join("src/d/f.txt"), b"body").unwrap();
    let out = run(
        &fake,
        dir.path(),
        &[],
        "cd 'say \"hi\"'; mirror --once src sub",
    );
    assert_ok(&out);
    assert_eq!(
        fake.file("/say \"hi\"/sub/d/f.txt").as_deref(),
        Some(&b"body"[..])
    );
    assert!(
        !fake.exists("/say \"\"hi\"\""),
        "no folder with the doubled quotes"
    );
}

/// A server answering the listing of an empty folder with a refusal (`code`), as IIS does.
fn refuses_empty_listings(code: u16, feat: &[&str]) -> Fake {
    Fake::start(
        &[("empty/", b""), ("full/a.txt", b"a")],
        feat,
        move |verb, arg, state| {
            let dir = arg.trim_start_matches("-a").trim();
            let path = match dir {
                "" | "." => state.cwd.clone(),
                d if d.starts_with('/') => d.to_string(),
                d => format!("{}/{d}", state.cwd.trim_end_matches('/')),
            };
            let prefix = format!("{}/", path.trim_end_matches('/'));
            let empty = !state.files.keys().any(|k| k.starts_with(&prefix));
            match verb {
                "MLSD" | "LIST" | "NLST" if state.is_dir(&path) && empty => {
                    Act::Reply(format!("{code} No files found"))
                }
                _ => Act::Normal,
            }
        },
    )
}

#[test]
fn an_empty_folder_refused_with_450_or_550_is_an_empty_listing() {
    for (code, feat) in [
        (550, MODERN_FEAT),
        (450, MODERN_FEAT),
        (550, &["SIZE", "MDTM"][..]),
        (450, &["SIZE", "MDTM"][..]),
    ] {
        let fake = refuses_empty_listings(code, feat);
        let dir = TempDir::new().unwrap();
        let out = run(
            &fake,
            dir.path(),
            &[],
            "ls empty; ls --raw empty; nlst empty; cd empty; ls; ls --raw; nlst",
        );
        assert_ok(&out);
        assert_eq!(out.stdout.trim(), "", "{code}: {out:?}");
        // A pattern in it matches nothing, and says so, without sending RETR *.
        let out = run(&fake, dir.path(), &[], "mget empty/*");
        assert_fails(&out, 1, "no remote file matches empty/*");
        assert_eq!(sent(&fake, "RETR"), Vec::<String>::new(), "{code}");
        // get -r and a download mirror make an empty folder of it.
        let out = run(&fake, dir.path(), &[], "get -r empty got");
        assert_ok(&out);
        assert!(dir.path().join("got").is_dir(), "{code}: {out:?}");
        let out = run(
            &fake,
            dir.path(),
            &[],
            "mirror --download --once /empty down",
        );
        assert_ok(&out);
        assert!(dir.path().join("down").is_dir(), "{code}: {out:?}");
        // A mirror fills it.
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/n.txt"), b"new").unwrap();
        let out = run(&fake, dir.path(), &[], "mirror --once src /empty");
        assert_ok(&out);
        assert_eq!(
            fake.file("/empty/n.txt").as_deref(),
            Some(&b"new"[..]),
            "{code}"
        );
        // A folder that does not exist is still an error.
        let out = run(&fake, dir.path(), &[], "ls missing");
        assert_fails(&out, 1, "missing");
    }
}

/// A server refusing every listing (MLSD, LIST, NLST) of folder `/site/sub`, which holds
/// files, with `reply`, the first `times` times (then it lists it).
fn refuses_a_full_folder(reply: &'static str, times: usize, feat: &[&str]) -> Fake {
    let refused = std::sync::atomic::AtomicUsize::new(0);
    Fake::start(
        &[
            ("site/sub/a.txt", b"aaa"),
            ("site/sub/extra.txt", b"x"),
            ("site/top.txt", b"t"),
        ],
        feat,
        move |verb, arg, state| {
            let dir = arg.trim_start_matches("-a").trim();
            let path = match dir {
                "" | "." => state.cwd.clone(),
                d if d.starts_with('/') => d.to_string(),
                d => format!("{}/{d}", state.cwd.trim_end_matches('/')),
            };
            let listing = matches!(verb, "MLSD" | "LIST" | "NLST");
            if listing
                && path.trim_end_matches('/') == "/site/sub"
                && refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < times
            {
                return Act::Reply(reply.to_string());
            }
            Act::Normal
        },
    )
}

#[test]
fn a_folder_that_holds_files_is_never_taken_as_empty_on_a_refusal() {
    let refusals = [
        "450 Directory temporarily unavailable",
        "550 Permission denied",
        "550 /site/sub: Access is denied.",
        // The same words as an empty folder's, but LIST lists what MLSD would not.
        "550 No files found",
    ];
    for reply in refusals {
        for feat in [MODERN_FEAT, &["SIZE", "MDTM"][..]] {
            let mlsd = feat == MODERN_FEAT;
            // Refused for good: every command that lists says so, naming the folder and
            // the reply, and fails.
            let lies_only_on_mlsd = reply.contains("No files found");
            if lies_only_on_mlsd && !mlsd {
                continue;
            }
            let times = if lies_only_on_mlsd { 1 } else { usize::MAX };
            let fake = refuses_a_full_folder(reply, times, feat);
            let dir = TempDir::new().unwrap();
            let out = run(&fake, dir.path(), &[], "ls /site/sub");
            if lies_only_on_mlsd {
                // LIST's lines stand in for the refused MLSD.
                assert_ok(&out);
                assert!(out.stdout.contains("a.txt"), "{reply}: {out:?}");
                assert!(out.stdout.contains("extra.txt"), "{reply}: {out:?}");
                continue;
            }
            for command in [
                "ls /site/sub",
                "cd /site/sub; ls",
                "ls --raw /site/sub",
                "nlst /site/sub",
                "mget /site/sub/*",
            ] {
                let out = run(&fake, dir.path(), &[], command);
                assert_fails(&out, 1, reply.trim_start_matches(char::is_numeric).trim());
                // (`ls` in the current folder names it ".")
                let named = if command.starts_with("cd") {
                    "list ."
                } else {
                    "/site/sub"
                };
                assert!(out.stderr.contains(named), "{reply} {command}: {out:?}");
                assert!(out.stdout.trim().is_empty(), "{reply} {command}: {out:?}");
            }
            let out = run(&fake, dir.path(), &[], "get -r /site got");
            assert_fails(&out, 1, "/site/sub");
            // The upload mirror sends nothing into it and deletes nothing in it; the rest
            // of the tree is mirrored; --once exits 1 saying why.
            std::fs::create_dir_all(dir.path().join("src/sub")).unwrap();
            std::fs::write(dir.path().join("src/sub/a.txt"), b"aaa").unwrap();
            std::fs::write(dir.path().join("src/new.txt"), b"new").unwrap();
            let out = run(&fake, dir.path(), &[], "mirror --once src /site");
            assert_eq!(out.code, 1, "{reply}: {out:?}");
            assert!(out.stdout.contains("list /site/sub"), "{reply}: {out:?}");
            assert!(
                out.stdout.contains("what it holds is unknown"),
                "{reply}: {out:?}"
            );
            assert_eq!(
                fake.file("/site/new.txt").as_deref(),
                Some(&b"new"[..]),
                "{reply}"
            );
            assert!(fake.exists("/site/sub/extra.txt"), "{reply}: {out:?}");
            assert!(fake.exists("/site/top.txt"), "{reply}: {out:?}");
            let stored: Vec<String> = sent(&fake, "STOR")
                .into_iter()
                .filter(|l| l.contains("sub/"))
                .collect();
            assert_eq!(stored, Vec::<String>::new(), "{reply} (mlsd {mlsd})");
            // The download mirror fetches nothing from it and deletes no local file in it.
            std::fs::create_dir_all(dir.path().join("down/sub")).unwrap();
            std::fs::write(dir.path().join("down/sub/mine.txt"), b"mine").unwrap();
            let out = run(
                &fake,
                dir.path(),
                &[],
                "mirror --download --once /site down",
            );
            assert_eq!(out.code, 1, "{reply}: {out:?}");
            assert!(out.stdout.contains("list /site/sub"), "{reply}: {out:?}");
            assert!(
                dir.path().join("down/sub/mine.txt").exists(),
                "{reply}: {out:?}"
            );
            assert!(dir.path().join("down/top.txt").exists(), "{reply}: {out:?}");
        }
    }
}

#[test]
fn a_passing_refusal_of_a_listing_is_asked_again_at_once() {
    for feat in [MODERN_FEAT, &["SIZE", "MDTM"][..]] {
        let fake = refuses_a_full_folder("450 Directory temporarily unavailable", 1, feat);
        let dir = TempDir::new().unwrap();
        let out = run(&fake, dir.path(), &[], "ls /site/sub");
        assert_ok(&out);
        assert!(out.stdout.contains("extra.txt"), "{out:?}");
    }
}

#[test]
fn a_pattern_matching_nothing_says_no_match_and_sends_no_retr() {
    let fake = Fake::start(&[("d/a.txt", b"a")], MODERN_FEAT, |_, _, _| Act::Normal);
    let dir = TempDir::new().unwrap();
    for (command, says) in [
        ("mget d/*.log", "no remote file matches d/*.log"),
        ("get d/*.log", "no remote file matches d/*.log"),
        ("mget nodir/*", "nodir"),
    ] {
        let out = run(&fake, dir.path(), &[], command);
        assert_fails(&out, 1, says);
    }
    assert_eq!(sent(&fake, "RETR"), Vec::<String>::new());
}

// ---- listings: bounded, and cut ones never trusted -------------------------------------------

#[test]
fn an_endless_listing_is_stopped_with_a_clear_error() {
    // Endless short lines take a million lines to stop: `ls` alone (a few seconds in a
    // debug build); one endless line stops at once, for every command that lists.
    let every = ["ls big", "get -r big", "mirror --once --no-delete . /big"];
    for (verb, chunk, says, commands) in [
        (
            "MLSD",
            b"type=file;size=1; f\r\n".to_vec(),
            "over 1000000 lines",
            &every[..1],
        ),
        (
            "MLSD",
            vec![b'x'; 64 * 1024],
            "a line over 65536 bytes",
            &every[..],
        ),
        (
            "LIST",
            vec![b'y'; 64 * 1024],
            "a line over 65536 bytes",
            &every[..],
        ),
    ] {
        let feat: &[&str] = if verb == "MLSD" {
            MODERN_FEAT
        } else {
            &["SIZE"]
        };
        let fake = Fake::start(&[("big/", b"")], feat, move |v, _, _| {
            if v == verb {
                Act::Endless(chunk.clone())
            } else {
                Act::Normal
            }
        });
        let dir = TempDir::new().unwrap();
        for command in commands {
            let out = run(&fake, dir.path(), &[], command);
            assert_fails(&out, 1, says);
            // The folder listed: `big`, or its parent where finding out what `big` is takes
            // the parent's listing (no MLST).
            assert!(
                out.stderr.contains("list "),
                "names the folder: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn a_listing_cut_mid_line_or_said_truncated_plans_no_deletes() {
    for (body, closing, says) in [
        (
            &b"type=file;size=1; keep.txt\r\ntype=file;size=1; ot"[..],
            "226 Transfer complete",
            "may have been cut",
        ),
        (
            b"type=file;size=1; keep.txt\r\n",
            "226 Output truncated to 1 matches",
            "cut the listing",
        ),
    ] {
        let fake = Fake::start(
            &[("dst/keep.txt", b"k"), ("dst/other.txt", b"o")],
            MODERN_FEAT,
            move |verb, _, _| match verb {
                "MLSD" => Act::Data {
                    body: body.to_vec(),
                    closing: closing.to_string(),
                    trickle: None,
                },
                _ => Act::Normal,
            },
        );
        let dir = TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/keep.txt"), b"k").unwrap();
        let out = run(&fake, dir.path(), &[], "ls /dst");
        if closing.contains("truncated") {
            assert_fails(&out, 1, says);
        } else {
            // A last line without its line end: shown as sent, marked, never read as an entry.
            assert_eq!(out.code, 0, "{out:?}");
            assert!(out.stdout.contains("keep.txt"), "{}", out.stdout);
            assert!(
                out.stdout.contains("? type=file;size=1; ot"),
                "{}",
                out.stdout
            );
            assert!(out.stderr.contains(says), "{}", out.stderr);
        }
        let out = run(&fake, dir.path(), &[], "mirror --once src /dst");
        assert_eq!(out.code, 1, "{out:?}");
        let mirror_says = if closing.contains("truncated") {
            says
        } else {
            "nothing in it is deleted"
        };
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(said.contains(mirror_says), "{out:?}");
        assert!(
            fake.exists("/dst/other.txt"),
            "nothing deleted from a cut listing"
        );
        assert_eq!(sent(&fake, "DELE"), Vec::<String>::new());
    }
}

// ---- bounds of a whole command or pass ---------------------------------------------------

/// A server whose folder /loop holds a file `f` and a folder `d` that lists the same again,
/// without end (a link to itself, or a hostile server); SITE, DELE and RMD there say yes.
fn looping_server() -> Fake {
    Fake::start(&[("loop/", b"")], MODERN_FEAT, |verb, arg, _| {
        let inside = arg.starts_with("/loop") || arg.starts_with("loop");
        let site = arg.to_ascii_uppercase().starts_with("CHMOD ");
        match verb {
            "MLSD" if inside => Act::Data {
                body: b"type=dir;modify=20240102030405; d\r\ntype=file;size=1;modify=20240102030405; f\r\n"
                    .to_vec(),
                closing: "226 ok".into(),
                trickle: None,
            },
            "RETR" if inside => Act::Data {
                body: b"x".to_vec(),
                closing: "226 ok".into(),
                trickle: None,
            },
            "SIZE" if inside => Act::Reply("213 1".into()),
            "SITE" if site => Act::Reply("200 mode set".into()),
            "DELE" | "RMD" if inside => Act::Reply("250 done".into()),
            _ => Act::Normal,
        }
    })
}

#[test]
fn a_server_tree_that_loops_ends_every_walk_saying_what_was_left_out() {
    let fake = looping_server();
    let dir = TempDir::new().unwrap();
    for (command, says) in [
        ("chmod -R 755 loop", "chmod -R: "),
        ("rm -r loop", "rm -r: "),
        ("get -r loop got", "get -r loop: "),
    ] {
        let out = run(&fake, dir.path(), &[], command);
        assert_eq!(out.code, 1, "{command}: {out:?}");
        assert!(
            out.stderr.contains(says) && out.stderr.contains("below the depth limit (64 levels)"),
            "{command}: {out:?}"
        );
    }
    // The mirror walks no deeper than --max-depth, which is at most 64, and says what it
    // left below.
    let out = run(
        &fake,
        dir.path(),
        &[],
        "mirror --download --once --max-depth 64 /loop down",
    );
    assert!(
        out.stdout
            .contains("remote folders at --max-depth 64 are not mirrored below"),
        "{out:?}"
    );
    let deepest = std::iter::repeat_n("d", 63).collect::<Vec<_>>().join("/");
    assert!(dir.path().join("down").join(&deepest).join("f").is_file());
    for command in [
        "mirror --once --max-depth 65 src /loop",
        "mirror --download --once --max-depth 3000 /loop down",
    ] {
        let out = run(&fake, dir.path(), &[], command);
        assert_fails(
            &out,
            2,
            "mirror --max-depth: must be a number of levels from 0 to 64",
        );
    }
    let out = run(&fake, dir.path(), &["--max-depth", "100"], "pwd");
    assert_fails(
        &out,
        2,
        "--max-depth: must be a number of levels from 0 to 64",
    );
}

/// A server of `folders` folders of `files` files each, under /tree.
fn wide_tree(folders: usize, files: usize) -> Fake {
    let mut tree: Vec<(String, Vec<u8>)> = Vec::new();
    for d in 0..folders {
        for f in 0..files {
            tree.push((format!("tree/d{d}/f{f}.txt"), b"x".to_vec()));
        }
    }
    let files: Vec<(&str, &[u8])> = tree
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    Fake::start(&files, MODERN_FEAT, |verb, arg, _| match verb {
        "SITE" if arg.to_ascii_uppercase().starts_with("CHMOD ") => {
            Act::Reply("200 mode set".into())
        }
        _ => Act::Normal,
    })
}

#[test]
fn the_listings_of_a_whole_command_or_pass_are_bounded_by_max_listed() {
    // 10 folders of 10 files: every listing is small, together they hold 110 entries.
    let fake = wide_tree(10, 10);
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    let commands = [
        "get -r /tree got",
        "chmod -R 644 /tree",
        "mirror --download --once /tree down",
        "mirror --once --no-delete --max-depth 3 src /tree",
        "rm -r /tree",
    ];
    for command in commands {
        let out = run(&fake, dir.path(), &["--max-listed", "50"], command);
        assert_eq!(out.code, 1, "{command}: {out:?}");
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(
            said.contains("hold over 50 entries together (--max-listed 50)")
                && said.contains("the listings of this ")
                && said.contains("a larger tree needs --max-listed N"),
            "{command}: {out:?}"
        );
        // It stops there: nothing after the cap was listed.
        assert!(fake.exists("/tree/d9/f9.txt"), "{command}");
    }
    // The config file's key, and a cap the tree fits in.
    let config = dir.path().join(".config/ftpsh");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config"), "max-listed = 50\n").unwrap();
    let out = run(&fake, dir.path(), &[], commands[0]);
    assert_fails(&out, 1, "--max-listed 50");
    for command in commands {
        let out = run(&fake, dir.path(), &["--max-listed", "1000"], command);
        assert_ok(&out);
    }
    assert!(!fake.exists("/tree"));
    let out = run(&fake, dir.path(), &["--max-listed", "0"], "pwd");
    assert_fails(&out, 2, "--max-listed: must be at least 1");
}

// ---- deadlines a trickle cannot dodge --------------------------------------------------------

/// `ftpsh --timeout 0.5` against `fake`: a trickle of one byte every 0.1 s passes every read
/// timeout, so only the deadlines can stop it.
fn run_short(fake: &Fake, dir: &Path, commands: &str) -> (Out, Duration) {
    let start = std::time::Instant::now();
    let child = support::ftpsh(dir)
        .args(["--timeout", "0.5", "-c", commands, &fake.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpsh");
    let out = support::wait_out(child, DEADLINE);
    (out, start.elapsed())
}

/// A fifth of the --timeout: every read gets its byte with a wide margin, even on a busy
/// machine, so a read timeout never stands in for the deadline under test.
const TRICKLE: Duration = Duration::from_millis(100);

#[test]
fn a_trickled_control_reply_hits_the_reply_deadline() {
    let fake = Fake::start(&[("d/", b"")], MODERN_FEAT, |verb, _, _| match verb {
        "CWD" => Act::TrickleReply("250 directory changed, eventually".into(), TRICKLE),
        _ => Act::Normal,
    });
    let dir = TempDir::new().unwrap();
    let (out, took) = run_short(&fake, dir.path(), "cd d");
    assert_fails(
        &out,
        1,
        "d: timed out: no complete reply within 1.5s (the reply deadline",
    );
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn a_trickled_transfer_or_listing_hits_the_stall_rule() {
    let body = vec![b'z'; 200];
    let listing = b"type=file;size=1; a\r\n".repeat(10);
    for (verb, data, command) in [("RETR", body.clone(), "get f.bin"), ("MLSD", listing, "ls")] {
        let fake = Fake::start(&[("f.bin", &body)], MODERN_FEAT, move |v, _, _| {
            if v == verb {
                Act::Data {
                    body: data.clone(),
                    closing: "226 done".into(),
                    trickle: Some(TRICKLE),
                }
            } else {
                Act::Normal
            }
        });
        let dir = TempDir::new().unwrap();
        let (out, took) = run_short(&fake, dir.path(), command);
        assert_fails(&out, 1, "timed out: stalled: ");
        assert!(out.stderr.contains("the stall rule"), "{}", out.stderr);
        assert!(took < Duration::from_secs(6), "{command} took {took:?}");
        assert!(
            !dir.path().join("f.bin").exists(),
            "nothing under the final name"
        );
    }
}

#[test]
fn mirror_once_gets_past_a_trickled_listing() {
    let trickled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fake = Fake::start(&[("dst/", b"")], MODERN_FEAT, move |verb, _, _| {
        if verb == "MLSD" && !trickled.swap(true, std::sync::atomic::Ordering::SeqCst) {
            Act::Data {
                body: b"type=file;size=1; a\r\n".repeat(10),
                closing: "226 done".into(),
                trickle: Some(TRICKLE),
            }
        } else {
            Act::Normal
        }
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/f.txt"), b"file").unwrap();
    let (out, took) = run_short(&fake, dir.path(), "mirror --once src /dst");
    assert_ok(&out);
    assert!(
        out.stdout.contains("stalled"),
        "says which rule fired: {out:?}"
    );
    assert_eq!(fake.file("/dst/f.txt").as_deref(), Some(&b"file"[..]));
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
