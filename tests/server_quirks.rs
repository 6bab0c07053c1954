//! Servers that misbehave the way real ones do, through the quirk modes of the pyftpdlib
//! fixture (`PyFtpd::start_quirk`): a quota that refuses an upload only once its data has
//! arrived (552 as the transfer's final reply), listings carrying hostile names, and a cap of
//! two connections per client. The tests skip visibly (`SKIPPED:` on stderr, counted) when pyftpdlib is missing,
//! and fail instead under `CI=true`.

mod support;

use support::{assert_same_tree, pattern, temporaries, tree};

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use support::proxy::Proxy;
use support::pyftpd::PyFtpd;
use support::{Out, assert_ok};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(60);

/// The quota of the `quota` quirk.
const QUOTA: usize = 64 * 1024;

/// The names the `evil-listing` quirk adds to every listing of `/evil`.
const HOSTILE: [&str; 5] = [
    "../escape.txt",
    "/etc/passwd",
    "a/b.txt",
    "..",
    "..\\win.txt",
];

/// The names in a tree, for messages that stay readable.
fn names(tree: &BTreeMap<String, Option<Vec<u8>>>) -> Vec<&str> {
    tree.keys().map(String::as_str).collect()
}

/// `ftpsh ARGS` run in `dir`, killed and failed at the deadline rather than hanging.
fn run(dir: &Path, args: &[&str]) -> Out {
    support::run_within(support::ftpsh(dir).args(args), DEADLINE)
}

/// `ftpsh -c COMMANDS URL` run in `dir`.
fn run_c(server: &PyFtpd, commands: &str, dir: &Path) -> Out {
    run(dir, &["-c", commands, &server.url()])
}

/// A name as one ftpsh word: double quotes, with `\` and `"` escaped.
fn word(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The quirky server, or `None` after a counted skip (a failure under `CI=true`).
fn quirk(name: &str) -> Option<PyFtpd> {
    PyFtpd::start_quirk(name)
}

// ---- quota: 552 after the data -------------------------------------------------------------

#[test]
fn put_over_the_quota_fails_with_the_552_and_leaves_nothing_behind() {
    let Some(server) = quirk("quota") else { return };
    let local = TempDir::new().unwrap();
    fs::write(local.path().join("big.bin"), pattern(200 * 1024)).unwrap();
    fs::write(local.path().join("small.bin"), pattern(1000)).unwrap();
    let out = run_c(&server, "put big.bin", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("big.bin") && out.stderr.contains("552 Quota exceeded"),
        "names the file and the server's reply: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(".ftpsh-part"),
        "names the user's file, not the temporary: {}",
        out.stderr
    );
    assert!(
        !server.path("big.bin").exists(),
        "the final name holds {:?} bytes",
        fs::metadata(server.path("big.bin")).map(|m| m.len()).ok()
    );
    // The server kept 64 KiB of the temporary; ftpsh deleted it after the 552.
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
    // Below the quota the same server takes the file.
    assert_ok(&run_c(&server, "put small.bin", local.path()));
    assert_eq!(tree(server.root()), tree_of([("small.bin", pattern(1000))]));
}

#[test]
fn put_over_the_quota_keeps_the_previous_version_whole() {
    let Some(server) = quirk("quota") else { return };
    let local = TempDir::new().unwrap();
    fs::write(server.path("big.bin"), b"the previous version").unwrap();
    fs::write(local.path().join("big.bin"), pattern(200 * 1024)).unwrap();
    let out = run_c(&server, "put big.bin", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("552"), "{}", out.stderr);
    assert_eq!(
        fs::read(server.path("big.bin")).unwrap(),
        b"the previous version",
        "the final name must never hold partial data"
    );
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
}

fn tree_of<const N: usize>(files: [(&str, Vec<u8>); N]) -> BTreeMap<String, Option<Vec<u8>>> {
    files
        .into_iter()
        .map(|(name, body)| (name.to_string(), Some(body)))
        .collect()
}

#[test]
fn mirror_over_the_quota_sends_the_rest_and_a_later_pass_completes() {
    let Some(server) = quirk("quota") else { return };
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    support::write_file(&src, "index.html", b"<h1>hi</h1>");
    support::write_file(&src, "css/site.css", b"body{}");
    support::write_file(&src, "img/a b.png", pattern(10_000));
    support::write_file(&src, "img/just-under.bin", pattern(QUOTA));
    support::write_file(&src, "media/big.bin", pattern(200 * 1024));
    let once = || run_c(&server, "mirror --once src /dst", home.path());

    let out = once();
    assert_eq!(out.code, 1, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("media/big.bin") && said.contains("552"),
        "names the file and the reply: {said}"
    );
    let dst = server.path("dst");
    let mut want = tree(&src);
    want.remove("media/big.bin");
    assert_eq!(tree(&dst), want, "everything but the big file arrived");
    assert_eq!(temporaries(server.root()), Vec::<String>::new());

    support::write_file(&src, "media/big.bin", pattern(QUOTA / 2));
    let out = once();
    assert_ok(&out);
    assert_same_tree(&src, &dst);
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
}

// ---- evil-listing: hostile names in /evil ---------------------------------------------------

/// The served tree: sentinels at the root (what the hostile names point at from /evil:
/// `../escape.txt`, `/etc/passwd`, `..\win.txt` read as `../win.txt`, `..` itself) and a
/// real /evil with a file and a folder.
fn seed_evil(server: &PyFtpd) -> BTreeMap<String, Option<Vec<u8>>> {
    let root = server.root();
    support::write_file(root, "escape.txt", b"sentinel: escape");
    support::write_file(root, "etc/passwd", b"sentinel: passwd");
    support::write_file(root, "win.txt", b"sentinel: win");
    support::write_file(root, "keep/inner.txt", b"sentinel: keep");
    support::write_file(root, "evil/real.txt", b"real");
    support::write_file(root, "evil/sub/inner.txt", b"real inner");
    tree(root)
}

/// The entries of a tree outside the served `evil` folder.
fn outside_evil(tree: &BTreeMap<String, Option<Vec<u8>>>) -> BTreeMap<String, Option<Vec<u8>>> {
    tree.iter()
        .filter(|(k, _)| *k != "evil" && !k.starts_with("evil/"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Whether `text` names one of the hostile names (plain or escaped as by `{:?}`).
fn names_a_hostile_name(text: &str) -> bool {
    HOSTILE
        .iter()
        .filter(|n| **n != "..")
        .any(|n| text.contains(n) || text.contains(&format!("{n:?}")))
}

#[test]
fn the_evil_listing_fixture_lists_the_hostile_names() {
    let Some(server) = quirk("evil-listing") else {
        return;
    };
    seed_evil(&server);
    let local = TempDir::new().unwrap();
    let out = run_c(&server, "nlst /evil", local.path());
    assert_ok(&out);
    let listed: Vec<&str> = out.stdout.lines().collect();
    for name in ["real.txt", "sub"].iter().chain(HOSTILE.iter()) {
        assert!(listed.contains(name), "{name:?} not in {listed:?}");
    }
}

/// Names are checked as the listing is walked, so the real entries listed before the first
/// hostile one may already be gone: all inside /evil, which the user asked to delete.
#[test]
fn rm_r_of_a_folder_with_hostile_names_refuses_and_touches_nothing_outside() {
    let Some(server) = quirk("evil-listing") else {
        return;
    };
    let before = seed_evil(&server);
    let local = TempDir::new().unwrap();
    let out = run_c(&server, "rm -r /evil", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        names_a_hostile_name(&out.stderr),
        "the message names the bad name: {}",
        out.stderr
    );
    let after = tree(server.root());
    assert_eq!(
        outside_evil(&after),
        outside_evil(&before),
        "rm -r /evil changed something outside /evil"
    );
    assert!(server.path("evil").is_dir(), "refused, so /evil stays");
}

/// The refusal should read like every other error: the command and its path first
/// (`rm /evil: ...`), and say what was refused: a recursive delete, not a local write.
#[test]
fn rm_r_refusal_names_the_command_and_the_folder() {
    let Some(server) = quirk("evil-listing") else {
        return;
    };
    seed_evil(&server);
    let local = TempDir::new().unwrap();
    let out = run_c(&server, "rm -r /evil", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("rm /evil") || out.stderr.contains("rm -r /evil"),
        "names the command and the folder: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("locally") && !out.stderr.contains("local name"),
        "rm writes nothing locally: {}",
        out.stderr
    );
    assert!(
        server.path("evil/real.txt").exists(),
        "every name is checked before anything in the folder is deleted"
    );
}

/// `get -r` of a folder listing hostile names: each is skipped and named, the real entries
/// arrive, and nothing is written outside the local copy; the command fails at its end.
#[test]
fn get_r_of_a_folder_with_hostile_names_fetches_the_rest_and_writes_nothing_outside() {
    let Some(server) = quirk("evil-listing") else {
        return;
    };
    seed_evil(&server);
    let home = TempDir::new().unwrap();
    let local = home.path().join("down");
    fs::create_dir(&local).unwrap();
    let out = run_c(&server, "get -r /evil", &local);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(names_a_hostile_name(&out.stderr), "{}", out.stderr);
    assert!(
        out.stderr.contains("get: "),
        "the closing line: {}",
        out.stderr
    );
    let got = tree(home.path());
    let want: BTreeMap<String, Option<Vec<u8>>> = [
        ("down", None),
        ("down/evil", None),
        ("down/evil/real.txt", Some(b"real".to_vec())),
        ("down/evil/sub", None),
        ("down/evil/sub/inner.txt", Some(b"real inner".to_vec())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want, "only the real entries, only inside down/evil");
}

#[test]
fn mirror_onto_a_folder_with_hostile_names_fails_and_changes_nothing() {
    let Some(server) = quirk("evil-listing") else {
        return;
    };
    let before = seed_evil(&server);
    let home = TempDir::new().unwrap();
    // A successful pass would delete real.txt and sub/, and upload new.txt.
    support::write_file(&home.path().join("src"), "new.txt", b"new");
    let out = run_c(&server, "mirror --once src /evil", home.path());
    assert_eq!(out.code, 1, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("unsafe") && names_a_hostile_name(&said),
        "a clear message naming the unsafe name: {said}"
    );
    let after = tree(server.root());
    assert_eq!(
        outside_evil(&after),
        outside_evil(&before),
        "the mirror changed something outside /evil"
    );
    assert_eq!(
        names(&after),
        names(&before),
        "with hostile names listed nothing may be deleted (or sent)"
    );
    assert!(after == before, "contents changed");
}

/// The hostile folder one level below the mirror's root: the recursive listing meets it
/// after the root's own listing looked fine.
#[test]
fn mirror_above_a_folder_with_hostile_names_fails_and_deletes_nothing() {
    let Some(server) = quirk("evil-listing") else {
        return;
    };
    let before = seed_evil(&server);
    let home = TempDir::new().unwrap();
    support::write_file(&home.path().join("src"), "new.txt", b"new");
    let out = run_c(&server, "mirror --once src /", home.path());
    assert_eq!(out.code, 1, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("unsafe") && names_a_hostile_name(&said),
        "a clear message naming the unsafe name: {said}"
    );
    let after = tree(server.root());
    let lost: Vec<&str> = names(&before)
        .into_iter()
        .filter(|k| !after.contains_key(*k))
        .collect();
    assert_eq!(lost, Vec::<&str>::new(), "deleted on the server");
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
}

/// `get NAME` and `get NAME dl` for every name the listing of /evil shows, from /evil:
/// whatever each does, nothing is written outside the local folder, and what is written
/// there has a plain name. (Unix: the server holds a real file named `..\win.txt`.)
#[cfg(unix)]
#[test]
fn get_of_listed_hostile_names_never_writes_outside_the_local_folder() {
    let Some(server) = quirk("evil-listing") else {
        return;
    };
    seed_evil(&server);
    // A real file by that name too, so its RETR succeeds and only ftpsh's check is left.
    support::write_file(server.root(), "evil/..\\win.txt", b"real backslash");
    let home = TempDir::new().unwrap();
    let work = home.path().join("work");
    fs::create_dir_all(work.join("dl")).unwrap();
    let out = run_c(&server, "nlst /evil", &work);
    assert_ok(&out);
    let listed: Vec<String> = out.stdout.lines().map(str::to_string).collect();
    for name in HOSTILE {
        assert!(listed.iter().any(|l| l == name), "{name:?} in {listed:?}");
    }
    let mut outcomes = Vec::new();
    for name in &listed {
        for dest in ["", " dl"] {
            let command = format!("cd /evil; get -- {}{dest}", word(name));
            let out = run_c(&server, &command, &work);
            outcomes.push(format!(
                "{command:?} -> {}: {}",
                out.code,
                out.stderr.trim()
            ));
            assert_ne!(out.code, 2, "not a usage error: {command:?}: {out:?}");
        }
    }
    let outcomes = outcomes.join("\n");
    let beside: Vec<String> = fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        beside,
        ["work"],
        "written beside the local folder:\n{outcomes}"
    );
    let got = tree(&work);
    for key in got.keys().filter(|k| !k.starts_with(".data")) {
        let plain = key
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
        assert!(plain, "wrote {key:?}:\n{outcomes}");
    }
    assert_eq!(temporaries(&work), Vec::<String>::new(), "{outcomes}");
    // The names that resolve to real files on the server arrive under their last component.
    for dir in ["", "dl/"] {
        for (file, body) in [
            ("escape.txt", &b"sentinel: escape"[..]),
            ("passwd", &b"sentinel: passwd"[..]),
        ] {
            assert_eq!(
                fs::read(work.join(format!("{dir}{file}"))).ok().as_deref(),
                Some(body),
                "{dir}{file}:\n{outcomes}"
            );
        }
    }
    // The server's files are only read.
    assert!(server.path("escape.txt").exists() && server.path("etc/passwd").exists());
}

// ---- maxconn: two connections per client -------------------------------------------------

fn make_many(src: &Path, count: usize) {
    for i in 0..count {
        let rel = format!("d{}/f{i:02}.txt", i % 4);
        support::write_file(src, &rel, format!("file {i}\n").repeat(i + 1));
    }
    support::write_file(src, "top.bin", pattern(300_000));
}

#[test]
fn mirror_parallel_4_falls_back_to_the_connections_the_server_allows() {
    let Some(server) = quirk("maxconn") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    make_many(&src, 30);
    // The shell's own connection plus the job's: at most one extra for the job. The second
    // job only gets its connections if the first gave its own back. Through the proxy, to
    // see the refusals.
    let proxy = Proxy::start(server.port);
    let out = run(
        home.path(),
        &[
            "-c",
            "mirror --once --parallel 4 src /dst; mirror --once --parallel 4 src /dst2",
            &proxy.url(),
        ],
    );
    assert_ok(&out);
    let refused = proxy
        .control_log()
        .iter()
        .filter(|l| l.starts_with("S: 421"))
        .count();
    assert!(
        refused >= 1,
        "no connection was refused: the test proves nothing ({} control connections)",
        proxy.control_connections()
    );
    assert_same_tree(&src, &server.path("dst"));
    assert_same_tree(&src, &server.path("dst2"));
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
    // A change, then a pass that deletes too.
    support::write_file(&src, "d1/f01.txt", b"changed");
    fs::remove_file(src.join("d2/f02.txt")).unwrap();
    let out = run_c(&server, "mirror --once --parallel 4 src /dst", home.path());
    assert_ok(&out);
    assert_same_tree(&src, &server.path("dst"));
}

#[test]
fn scripts_work_under_the_connection_cap() {
    let Some(server) = quirk("maxconn") else {
        return;
    };
    let local = TempDir::new().unwrap();
    fs::write(local.path().join("a.txt"), "alpha").unwrap();
    let out = run_c(
        &server,
        "mkdir -p /d/e; put a.txt /d/e/; ls /d/e; size /d/e/a.txt; get /d/e/a.txt back.txt; \
         rename /d/e/a.txt /d/b.txt; rm -r /d/e",
        local.path(),
    );
    assert_ok(&out);
    assert!(out.stdout.contains("a.txt"), "{}", out.stdout);
    assert!(out.stdout.contains('5'), "{}", out.stdout);
    assert_eq!(
        fs::read_to_string(local.path().join("back.txt")).unwrap(),
        "alpha"
    );
    let want = BTreeMap::from([
        ("d".to_string(), None),
        ("d/b.txt".to_string(), Some(b"alpha".to_vec())),
    ]);
    assert_eq!(tree(server.root()), want);
    // One run after the other: each gives its connection back.
    for i in 0..5 {
        let out = run_c(&server, &format!("mkdir /n{i}; ls /"), local.path());
        assert_ok(&out);
    }
}

// ---- put -c: resuming the upload of an ftpsh that was killed ------------------------------

/// Starts `put big.bin` slowed by a rate limit, stops the ftpsh by its PID once its
/// temporary holds some bytes, and returns that temporary's name: SIGKILL (`kill`: no
/// clean-up at all, no cut recorded) or SIGINT (Ctrl-C: the cut is recorded).
fn killed_upload(server: &PyFtpd, local: &Path, kill: bool) -> String {
    let child = support::ftpsh(local)
        .args(["--limit-rate", "256K", "-c", "put big.bin", &server.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpsh");
    kill_once_big_bin_is_under_way(child, server.root(), kill)
}

/// Stops `child` by its PID (SIGKILL, or SIGINT) once big.bin's temporary in `dir` holds
/// 64 KiB, checks that nothing took the final name, and returns the temporary's name.
fn kill_once_big_bin_is_under_way(
    mut child: std::process::Child,
    dir: &Path,
    kill: bool,
) -> String {
    let mut temp = String::new();
    support::wait_until("big.bin's temporary with 64 KiB", DEADLINE, || {
        temporaries(dir).into_iter().any(|t| {
            let big = t.ends_with("-big.bin")
                && fs::metadata(dir.join(&t)).is_ok_and(|m| m.len() >= 64 * 1024);
            if big {
                temp = t;
            }
            big
        })
    });
    if kill {
        child.kill().expect("kill ftpsh");
    } else {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }
    let _ = child.wait();
    assert!(
        !dir.join("big.bin").exists(),
        "nothing under the final name"
    );
    temp
}

/// `put -c` after an interrupted upload (Ctrl-C: its cut recorded): what the temporary
/// holds is kept, the rest is sent (REST + STOR, or APPE where REST is refused), and the
/// final file is the local one, byte for byte. A local file changed since (size, mtime) is
/// sent from byte 0 instead, and so is one whose upload was killed (no cut recorded: what
/// the temporary holds cannot be told from what someone else wrote there).
fn put_c_resumes_a_killed_upload(server: &PyFtpd, continues_with: &str) {
    let local = TempDir::new().unwrap();
    let old = pattern(512 * 1024);
    fs::write(local.path().join("big.bin"), &old).unwrap();
    let stale = killed_upload(server, local.path(), true);

    // Changed since: another content of another size, so neither size nor time matches.
    let new: Vec<u8> = pattern(600 * 1024).into_iter().rev().collect();
    fs::write(local.path().join("big.bin"), &new).unwrap();
    let out = run(
        local.path(),
        &["-v", "--debug", "-c", "put -c big.bin", &server.url()],
    );
    assert_ok(&out);
    assert!(
        !out.stderr.contains("--> REST") && !out.stderr.contains("--> APPE"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("resumed"), "{}", out.stdout);
    assert_eq!(
        fs::read(server.path("big.bin")).unwrap(),
        new,
        "sent from byte 0"
    );
    // The other version's temporary is not this upload's to take, nor to remove while an
    // upload may still be running into it (young); once old, put -c removes it.
    assert!(server.root().join(&stale).exists(), "{stale} left alone");
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    let file = fs::File::options()
        .write(true)
        .open(server.root().join(&stale));
    file.unwrap().set_modified(old).unwrap();
    assert_ok(&run_c(server, "put -c big.bin", local.path()));
    assert!(
        !server.root().join(&stale).exists(),
        "{stale} removed once old"
    );
    fs::remove_file(server.path("big.bin")).unwrap();

    // Killed, unchanged since: no cut recorded, sent from byte 0; the killed one's
    // temporary (young, another process's) is left to age.
    let killed = killed_upload(server, local.path(), true);
    let out = run(
        local.path(),
        &["-v", "--debug", "-c", "put -c big.bin", &server.url()],
    );
    assert_ok(&out);
    assert!(!out.stdout.contains("resumed"), "{}", out.stdout);
    assert!(
        !out.stderr.contains("--> REST") && !out.stderr.contains("--> APPE"),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read(server.path("big.bin")).unwrap(), new);
    assert_eq!(temporaries(server.root()), std::slice::from_ref(&killed));
    fs::remove_file(server.root().join(&killed)).unwrap();
    fs::remove_file(server.path("big.bin")).unwrap();

    // Interrupted, unchanged since: resumed where it stopped.
    let temp = killed_upload(server, local.path(), false);
    let held = fs::metadata(server.root().join(&temp)).unwrap().len();
    let out = run(
        local.path(),
        &["-v", "--debug", "-c", "put -c big.bin", &server.url()],
    );
    assert_ok(&out);
    assert!(out.stderr.contains(continues_with), "{}", out.stderr);
    let sent = new.len() as u64 - held;
    assert!(
        out.stdout.contains(&format!(
            "{sent} bytes sent to big.bin (resumed at byte {held})"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(
        fs::read(server.path("big.bin")).unwrap(),
        new,
        "identical bytes"
    );
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
}

#[test]
fn put_c_resumes_a_killed_upload_with_rest() {
    let Some(server) = PyFtpd::start() else {
        return;
    };
    put_c_resumes_a_killed_upload(&server, "--> REST ");
}

#[test]
fn put_c_resumes_with_appe_where_rest_is_refused() {
    let Some(server) = quirk("no-rest") else {
        return;
    };
    put_c_resumes_a_killed_upload(&server, "--> APPE .ftpsh-part-");
}

/// Starts `mirror --once src /dst` slowed by a rate limit and stops the ftpsh by its PID
/// (SIGKILL, or SIGINT) once the upload of big.bin holds some bytes; returns that
/// temporary's name (under /dst).
fn killed_mirror(server: &PyFtpd, local: &Path, kill: bool) -> String {
    let child = support::ftpsh(local)
        .args([
            "--limit-rate",
            "256K",
            "-c",
            "mirror --once src /dst",
            &server.url(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpsh");
    kill_once_big_bin_is_under_way(child, &server.path("dst"), kill)
}

/// A mirror interrupted during a large upload (Ctrl-C: the cut recorded) continues that
/// upload's temporary on its next pass (REST at what the server holds) when the local file
/// has not changed since; a file changed since is sent from byte 0, and the other
/// version's temporary is left to age. One killed (no cut recorded) is sent from byte 0.
#[test]
fn a_killed_mirror_resumes_its_upload_on_the_next_pass() {
    let Some(server) = PyFtpd::start() else {
        return;
    };
    let local = TempDir::new().unwrap();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a.txt"), "small").unwrap();
    let body = pattern(512 * 1024);
    fs::write(src.join("big.bin"), &body).unwrap();
    let mirror = |local: &Path| {
        run(
            local,
            &["--debug", "-c", "mirror --once src /dst", &server.url()],
        )
    };

    // Killed: nothing recorded, so nothing continued (its temporary is left to age).
    let killed = killed_mirror(&server, local.path(), true);
    let out = mirror(local.path());
    assert_ok(&out);
    assert!(!out.stderr.contains("--> REST"), "{}", out.stderr);
    assert_eq!(fs::read(server.path("dst/big.bin")).unwrap(), body);
    fs::remove_file(server.path("dst").join(&killed)).unwrap();
    fs::remove_file(server.path("dst/big.bin")).unwrap();

    let temp = killed_mirror(&server, local.path(), false);
    let out = mirror(local.path());
    assert_ok(&out);
    let rest: Vec<u64> = out
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("--> REST ")?.trim().parse().ok())
        .collect();
    assert!(
        matches!(rest[..], [at] if at >= 64 * 1024),
        "one REST past what was there: {rest:?}\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("--> STOR /dst/{temp}")),
        "{}",
        out.stderr
    );
    assert_same_tree(&src, &server.path("dst"));
    assert_eq!(temporaries(&server.path("dst")), Vec::<String>::new());

    // Changed since the kill: sent whole under a new temporary; the killed one's stays
    // (young, another process's: maybe an upload still running) until it is old.
    fs::remove_file(server.path("dst/big.bin")).unwrap();
    let stale = killed_mirror(&server, local.path(), false);
    let changed: Vec<u8> = pattern(520 * 1024).into_iter().rev().collect();
    fs::write(src.join("big.bin"), &changed).unwrap();
    let out = mirror(local.path());
    assert_ok(&out);
    assert!(!out.stderr.contains("--> REST"), "{}", out.stderr);
    assert_eq!(fs::read(server.path("dst/big.bin")).unwrap(), changed);
    assert_eq!(temporaries(&server.path("dst")), [stale]);
}

// ---- mirror stop: the file in flight is interrupted, its temporary continued -------------

/// A job stopped with `stop` (`mirror stop 1`, or `quit`, which stops every job) under
/// `--limit-rate` while it uploads `files` (each 1.5 MiB, 6 s at 256 KiB/s), over
/// `--parallel 2`: the shell is back within a deadline (not after the files), nothing
/// partial is under a final name, every temporary is kept, and the next `mirror --once`
/// continues each with REST to the same bytes, its journal (in `format`) saying where.
fn a_stop_interrupts_the_uploads_in_flight(stop: &str, files: &[&str], format: &str) {
    use std::io::Write;
    let Some(server) = PyFtpd::start() else {
        return;
    };
    let local = TempDir::new().unwrap();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    let body = |i: usize| -> Vec<u8> { pattern((3 << 19) + i) };
    for (i, name) in files.iter().enumerate() {
        fs::write(src.join(name), body(i)).unwrap();
    }
    let (child, mut stdin) = support::spawn_with_stdin(support::ftpsh(local.path()).args([
        "--limit-rate",
        "256K",
        &server.url(),
    ]));
    writeln!(stdin, "mirror --interval 0.1 --parallel 2 src /dst").unwrap();
    let started = |t: &String| fs::metadata(server.root().join(t)).is_ok_and(|m| m.len() > 0);
    support::wait_until("a temporary of each file with bytes", DEADLINE, || {
        temporaries(server.root())
            .iter()
            .filter(|t| started(t))
            .count()
            == files.len()
    });
    let stopped_at = std::time::Instant::now();
    writeln!(stdin, "{stop}").unwrap();
    drop(stdin);
    let out = support::wait_out(child, Duration::from_secs(2));
    let took = stopped_at.elapsed();
    assert_ok(&out);
    assert!(took < Duration::from_millis(1500), "{stop} took {took:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(
        said.matches("interrupted by a stop").count(),
        files.len(),
        "{said}"
    );
    for name in files {
        assert!(
            !server.path(&format!("dst/{name}")).exists(),
            "{name} under its name"
        );
    }
    let temps = temporaries(server.root());
    assert_eq!(
        temps.len(),
        files.len(),
        "the temporaries are kept: {temps:?}"
    );

    let journal = local.path().join("journal");
    let out = run(
        local.path(),
        &[
            "--debug",
            "--log",
            journal.to_str().unwrap(),
            "--log-format",
            format,
            "-c",
            "mirror --once src /dst",
            &server.url(),
        ],
    );
    assert_ok(&out);
    assert_eq!(
        out.stderr.matches("--> REST").count(),
        files.len(),
        "{}",
        out.stderr
    );
    for (i, name) in files.iter().enumerate() {
        assert!(
            fs::read(server.path(&format!("dst/{name}"))).unwrap() == body(i),
            "{name}"
        );
    }
    assert!(temporaries(server.root()).is_empty());
    let journal = fs::read_to_string(&journal).unwrap();
    for (i, name) in files.iter().enumerate() {
        let line = journal
            .lines()
            .find(|l| {
                // Not the protocol trace (--debug) of the STOR to the temporary.
                l.contains(&format!(r#""action":"STOR","path":"{name}""#))
                    || l.contains(&format!(r#" STOR "{name}" "#))
            })
            .unwrap_or_else(|| panic!("no STOR line for {name}: {journal}"));
        let (at, bytes) = if format == "json" {
            let entry: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                entry["resumed_at"].as_u64(),
                entry["bytes"].as_u64().unwrap(),
            )
        } else {
            let number = |after: &str, end: char| -> Option<u64> {
                let rest = &line[line.find(after)? + after.len()..];
                rest[..rest.find(end)?].parse().ok()
            };
            (number("(resumed at ", ')'), number("bytes=", ' ').unwrap())
        };
        let at = at.unwrap_or_else(|| panic!("not said to be resumed: {line}"));
        assert!(at > 0, "{line}");
        assert_eq!(at + bytes, body(i).len() as u64, "{line}");
    }
}

#[test]
fn mirror_stop_interrupts_the_upload_in_flight_and_the_next_run_resumes_it() {
    a_stop_interrupts_the_uploads_in_flight("mirror stop 1", &["big.bin"], "json");
}

#[test]
fn quitting_interrupts_every_upload_in_flight_and_the_next_run_resumes_them() {
    a_stop_interrupts_the_uploads_in_flight("quit", &["a.bin", "b.bin"], "text");
}
