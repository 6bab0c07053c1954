//! mirror against real servers: the embedded libunftp (no MFMT) and pyftpdlib (MFMT).

mod support;

use support::{assert_same_tree, tree};

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use support::{TestServer, assert_ok, run_c, wait_until};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(20);

fn same_tree(a: &Path, b: &Path) -> bool {
    tree(a) == tree(b)
}

/// A nested tree with spaces and unicode in names.
fn make_site(root: &Path) {
    support::write_site(
        root,
        [
            ("index.html", "<h1>hi</h1>"),
            ("css/site.css", "body{}"),
            ("img/a b.png", "PNG"),
            ("docs/é 文件/deep/deeper/x.txt", "x"),
            ("empty.txt", ""),
        ],
    );
    fs::create_dir_all(root.join("emptydir")).unwrap();
}

struct Fixture {
    server: TestServer,
    home: TempDir,
    src: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let server = TestServer::start();
        let home = TempDir::new().unwrap();
        let src = home.path().join("src");
        fs::create_dir(&src).unwrap();
        make_site(&src);
        support::settle_times(&src);
        Fixture { server, home, src }
    }

    fn dst(&self) -> PathBuf {
        self.server.path("dst")
    }

    fn journal(&self) -> PathBuf {
        self.home.path().join("journal.log")
    }

    fn journal_text(&self) -> String {
        fs::read_to_string(self.journal()).unwrap_or_default()
    }

    /// The tree is synced and the pass that synced it is over: the journal ends with its
    /// summary, so every line the pass writes is there (an action's line follows the action,
    /// so the tree matches a moment before the journal says so).
    fn settled(&self) -> bool {
        same_tree(&self.src, &self.dst())
            && self
                .journal_text()
                .lines()
                .last()
                .is_some_and(|l| l.contains(" PASS "))
    }

    /// `ftpsh --log JOURNAL -c "mirror ARGS src /dst" URL`, not yet run.
    fn mirror(&self, args: &str) -> std::process::Command {
        let command = format!("mirror {args} src /dst");
        let mut ftpsh = support::ftpsh(self.home.path());
        ftpsh.args([
            "--log",
            self.journal().to_str().unwrap(),
            "-c",
            &command,
            &self.server.url(),
        ]);
        ftpsh
    }

    fn once(&self, extra: &str) -> support::Out {
        support::Out::from(self.mirror(&format!("--once {extra}")).output().unwrap())
    }

    /// A running `ftpsh -c "mirror ..."` one-shot.
    fn spawn_mirror(&self, extra: &str) -> Child {
        self.mirror(&format!("--interval 0.1 {extra}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

fn count(text: &str, needle: &str) -> usize {
    text.lines().filter(|l| l.contains(needle)).count()
}

fn terminate(child: &mut Child) -> i32 {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        assert!(start.elapsed() < DEADLINE, "ftpsh did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn once_copies_a_nested_tree_and_journals_each_movement() {
    let f = Fixture::new();
    let out = f.once("");
    assert_ok(&out);
    assert_same_tree(&f.src, &f.dst());
    let journal = f.journal_text();
    assert_eq!(count(&journal, " STOR "), 5, "{journal}");
    assert!(count(&journal, " MKD ") >= 7, "{journal}");
    for line in journal.lines() {
        // "<time> [INFO] job=N VERB "path" bytes=N ms=N ok" or a pass summary.
        let fields: Vec<&str> = line.splitn(4, ' ').collect();
        assert!(
            fields.len() == 4 && fields[1] == "[INFO]",
            "unparseable: {line}"
        );
        assert!(fields[2].starts_with("job="), "no job id: {line}");
        let rest = fields[3];
        let ok_movement =
            rest.contains(" bytes=") && rest.contains(" ms=") && rest.ends_with(" ok");
        assert!(
            ok_movement || rest.starts_with("PASS ") || rest.starts_with("WARN "),
            "unexpected line: {line}"
        );
    }
    // libunftp has no SITE CHMOD: modes are not kept, said once for the job (journal and
    // terminal), not once per file, and the pass still succeeds.
    assert_eq!(count(&journal, " WARN "), 1, "{journal}");
    assert!(
        journal.contains("does not offer SITE CHMOD (502 "),
        "{journal}"
    );
    assert_eq!(
        count(&out.stderr, "permission bits are not kept")
            + count(&out.stdout, "permission bits are not kept"),
        1,
        "{out:?}"
    );
}

#[test]
fn one_connection_gives_the_same_result() {
    let f = Fixture::new();
    assert_ok(&f.once("--parallel 1"));
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn restart_over_a_synced_tree_sends_nothing() {
    let f = Fixture::new();
    assert_ok(&f.once(""));
    let before = count(&f.journal_text(), " STOR ");
    assert_ok(&f.once(""));
    let journal = f.journal_text();
    assert_eq!(
        count(&journal, " STOR "),
        before,
        "second run uploaded again:\n{journal}"
    );
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn dry_run_changes_nothing() {
    let f = Fixture::new();
    let out = f.once("--dry-run");
    assert_ok(&out);
    assert!(out.stdout.contains("STOR index.html"), "{}", out.stdout);
    assert!(!f.dst().exists(), "dry run created the remote root");
}

#[test]
fn deletes_extras_unless_no_delete() {
    let f = Fixture::new();
    fs::create_dir_all(f.dst().join("old/sub")).unwrap();
    fs::write(f.dst().join("old/sub/stale.txt"), "stale").unwrap();
    fs::write(f.dst().join("extra.txt"), "extra").unwrap();
    assert_ok(&f.once("--no-delete"));
    assert!(f.dst().join("extra.txt").exists() && f.dst().join("old/sub/stale.txt").exists());
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn max_delete_holds_a_big_delete() {
    let f = Fixture::new();
    assert_ok(&f.once(""));
    // Not all of it: an empty tree is the mass-delete guard's (tests/mirror_safety.rs).
    for gone in ["css", "img", "docs"] {
        fs::remove_dir_all(f.src.join(gone)).unwrap();
    }
    fs::remove_file(f.src.join("empty.txt")).unwrap();
    let out = f.once("--max-delete 2");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("deletes held"), "{}", out.stderr);
    assert!(
        out.stdout.contains("(limit is 2)") && out.stdout.contains("--max-delete"),
        "{}",
        out.stdout
    );
    assert!(f.dst().join("css/site.css").exists(), "nothing deleted");
}

#[test]
fn depth_limit_touches_nothing_deeper() {
    let f = Fixture::new();
    fs::create_dir_all(f.dst().join("docs/é 文件/deep/deeper")).unwrap();
    fs::write(
        f.dst().join("docs/é 文件/deep/deeper/remote-only.txt"),
        "keep",
    )
    .unwrap();
    assert_ok(&f.once("--max-depth 3"));
    assert!(f.dst().join("docs/é 文件/deep").is_dir());
    assert!(
        !f.dst().join("docs/é 文件/deep/deeper/x.txt").exists(),
        "too deep: not uploaded"
    );
    assert!(
        f.dst()
            .join("docs/é 文件/deep/deeper/remote-only.txt")
            .exists(),
        "too deep: not deleted"
    );
    assert!(f.dst().join("index.html").exists());
}

#[test]
fn excludes_are_neither_uploaded_nor_deleted() {
    let f = Fixture::new();
    fs::create_dir_all(f.src.join(".git")).unwrap();
    fs::write(f.src.join(".git/HEAD"), "ref").unwrap();
    fs::create_dir_all(f.dst()).unwrap();
    fs::write(f.dst().join("keep.tmp"), "remote tmp").unwrap();
    assert_ok(&f.once("--exclude .git --exclude '*.tmp'"));
    assert!(!f.dst().join(".git").exists());
    assert!(f.dst().join("keep.tmp").exists());
    assert!(f.dst().join("index.html").exists());
}

#[test]
fn stale_temporaries_are_cleaned() {
    let f = Fixture::new();
    fs::create_dir_all(f.dst().join("css")).unwrap();
    let stale = f.dst().join("css/.ftpsh-part-99-1-site.css");
    fs::write(&stale, "half").unwrap();
    // Old enough to be nobody's upload in progress.
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let young = f.dst().join(".ftpsh-part-77-1-busy.txt");
    fs::write(&young, "someone else's upload in progress").unwrap();
    assert_ok(&f.once("--no-delete"));
    assert!(!stale.exists(), "the stale temporary is removed");
    assert!(young.exists(), "a fresh one may be another upload: kept");
    fs::remove_file(&young).unwrap();
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn a_file_replaced_by_a_folder_and_back() {
    let f = Fixture::new();
    assert_ok(&f.once(""));
    fs::remove_file(f.src.join("index.html")).unwrap();
    fs::create_dir(f.src.join("index.html")).unwrap();
    fs::write(f.src.join("index.html/inner.txt"), "in").unwrap();
    fs::remove_dir_all(f.src.join("css")).unwrap();
    fs::write(f.src.join("css"), "now a file").unwrap();
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_skipped_and_the_rest_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    // Root reads a mode-000 file: as root, this test runs again without CAP_DAC_OVERRIDE.
    if !support::skip::run_unprivileged("unreadable_file_is_skipped_and_the_rest_goes_on") {
        return;
    }
    let f = Fixture::new();
    let locked = f.src.join("locked.txt");
    fs::write(&locked, "secret").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    assert!(
        fs::read(&locked).is_err(),
        "this user can read a mode-000 file: the test would prove nothing"
    );
    let out = f.once("");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(f.dst().join("index.html").exists(), "the rest was mirrored");
    assert!(!f.dst().join("locked.txt").exists());
}

#[cfg(unix)]
#[test]
fn unreadable_paths_are_never_deleted_remotely() {
    let f = Fixture::new();
    assert_ok(&f.once(""));
    // A link that cannot be followed: the walk cannot tell what "css" holds now.
    fs::remove_dir_all(f.src.join("css")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", f.src.join("css")).unwrap();
    let out = f.once("--follow-links");
    assert!(
        out.stdout.contains("css"),
        "the problem is reported: {}",
        out.stdout
    );
    assert!(f.dst().join("css/site.css").exists(), "remote copy kept");
}

#[test]
fn missing_local_folder_is_a_clear_error() {
    let f = Fixture::new();
    let out = run_c(&f.server.url(), "mirror --once nope /dst", f.home.path());
    support::assert_fails(&out, 1, "mirror: local folder nope not found");
    fs::write(f.home.path().join("file"), "x").unwrap();
    let out = run_c(&f.server.url(), "mirror --once file /dst", f.home.path());
    support::assert_fails(&out, 1, "not a directory");
}

#[test]
fn live_mirror_follows_edits_adds_deletes_and_renames() {
    let f = Fixture::new();
    let mut child = f.spawn_mirror("");
    wait_until("initial sync", DEADLINE, || f.settled());

    fs::write(f.src.join("index.html"), "<h1>changed, longer</h1>").unwrap();
    wait_until("edit", DEADLINE, || f.settled());

    fs::write(f.src.join("css/new.css"), "new").unwrap();
    fs::create_dir_all(f.src.join("new dir/sub")).unwrap();
    wait_until("add", DEADLINE, || f.settled());

    fs::remove_file(f.src.join("img/a b.png")).unwrap();
    fs::remove_dir_all(f.src.join("docs")).unwrap();
    wait_until("delete", DEADLINE, || f.settled());

    let stors_before = count(&f.journal_text(), " STOR ");
    fs::rename(f.src.join("css/site.css"), f.src.join("site-moved.css")).unwrap();
    fs::rename(f.src.join("css"), f.src.join("styles")).unwrap();
    wait_until("renames", DEADLINE, || f.settled());
    let journal = f.journal_text();
    assert_eq!(
        count(&journal, " STOR "),
        stors_before,
        "renames re-uploaded:\n{journal}"
    );
    assert!(count(&journal, " RENAME ") >= 2, "{journal}");

    assert_eq!(terminate(&mut child), 0, "clean exit on SIGTERM");
}

#[test]
fn idle_ticks_send_no_ftp_command() {
    let f = Fixture::new();
    let command = "mirror --interval 0.05 src /dst";
    let mut child = support::ftpsh(f.home.path())
        .args([
            "--debug",
            "--log",
            f.journal().to_str().unwrap(),
            "-c",
            command,
            &f.server.url(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("initial sync", DEADLINE, || {
        same_tree(&f.src, &f.dst()) && f.journal_text().contains("PASS ")
    });
    let protocol = |text: &str| count(text, "--> ");
    let before = protocol(&f.journal_text());
    assert!(
        before > 10,
        "--debug should journal the protocol: {}",
        f.journal_text()
    );
    // Absence over a window of ~20 ticks: an idle mirror must stay silent on the wire.
    std::thread::sleep(Duration::from_secs(1));
    let after = protocol(&f.journal_text());
    assert_eq!(before, after, "idle ticks sent FTP commands");
    fs::write(f.src.join("wake.txt"), "w").unwrap();
    wait_until("change after idle", DEADLINE, || {
        same_tree(&f.src, &f.dst())
    });
    assert_eq!(terminate(&mut child), 0);
}

#[test]
fn shell_stays_usable_while_a_mirror_runs_and_stop_works() {
    let f = Fixture::new();
    let (child, mut stdin) =
        support::spawn_with_stdin(support::ftpsh(f.home.path()).arg(f.server.url()));
    writeln!(stdin, "mirror --interval 0.1 src /dst").unwrap();
    wait_until("background sync", DEADLINE, || same_tree(&f.src, &f.dst()));
    writeln!(
        stdin,
        "mkdir /while-mirroring\njobs\nmirror stop 1\nmirror status"
    )
    .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(f.server.path("while-mirroring").is_dir());
    assert!(stdout.contains("mirror 1 started"), "{stdout}");
    assert!(stdout.contains("1 mirror job stopped"), "{stdout}");
    assert!(stdout.contains("stopped"), "{stdout}");
    // Stopped means stopped: a new local file is not sent.
    fs::write(f.src.join("after-stop.txt"), "x").unwrap();
    assert!(!f.dst().join("after-stop.txt").exists());
}

#[test]
fn mfmt_server_gets_local_mtimes_and_needs_no_state() {
    let Some(py) = support::pyftpd::PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    make_site(&src);
    let journal = home.path().join("j.log");
    let run = |state: &str| {
        support::ftpsh(home.path())
            .env("FTPSH_STATE_DIR", home.path().join(state))
            .args([
                "--log",
                journal.to_str().unwrap(),
                "-c",
                "mirror --once src /dst",
                &py.url(),
            ])
            .output()
            .unwrap()
    };
    let out = run("state-a");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_tree(&src, &py.path("dst"));
    let local_mtime = fs::metadata(src.join("index.html"))
        .unwrap()
        .modified()
        .unwrap();
    let remote_mtime = fs::metadata(py.path("dst/index.html"))
        .unwrap()
        .modified()
        .unwrap();
    let drift = local_mtime
        .duration_since(remote_mtime)
        .unwrap_or_else(|e| e.duration());
    assert!(
        drift < Duration::from_secs(1),
        "remote mtime not set: drift {drift:?}"
    );
    let stors = count(&fs::read_to_string(&journal).unwrap(), " STOR ");
    // A fresh state dir: only the server's MLSD times can tell that nothing changed.
    let out = run("state-b");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read_to_string(&journal).unwrap();
    assert_eq!(
        count(&text, " STOR "),
        stors,
        "re-uploaded on an MFMT server:\n{text}"
    );
}

#[test]
fn an_edit_within_the_same_second_is_still_sent() {
    let f = Fixture::new();
    let file = f.src.join("tick.txt");
    // A second a little ahead, so both writes fall inside it whatever the machine's pace.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let second = std::time::UNIX_EPOCH + Duration::from_secs(now + 2);
    // Written beside and renamed into place, so the mirror never sees the file with the
    // write's own mtime, only with the one we set.
    let staging = f.home.path().join("staging.txt");
    let set = |body: &str, offset_ms: u64| {
        fs::write(&staging, body).unwrap();
        let when = second + Duration::from_millis(offset_ms);
        fs::File::options()
            .write(true)
            .open(&staging)
            .unwrap()
            .set_modified(when)
            .unwrap();
        fs::rename(&staging, &file).unwrap();
    };
    set("AAAA", 100);
    let mut child = f.spawn_mirror("");
    let remote = f.dst().join("tick.txt");
    wait_until("first version", DEADLINE, || {
        fs::read(&remote).ok().as_deref() == Some(b"AAAA")
    });
    // Same size, same mtime second: only the sub-second part moved.
    set("BBBB", 600);
    wait_until("same-second edit", DEADLINE, || {
        fs::read(&remote).ok().as_deref() == Some(b"BBBB")
    });
    assert_eq!(terminate(&mut child), 0);
}

#[cfg(unix)]
#[test]
fn a_remote_name_that_is_not_utf8_is_left_alone_and_blocks_nothing() {
    use std::os::unix::ffi::OsStrExt;
    let f = Fixture::new();
    fs::create_dir_all(f.dst()).unwrap();
    let latin1 = f.dst().join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt"));
    fs::write(&latin1, "x").unwrap();
    fs::write(f.dst().join("stale.txt"), "old").unwrap();
    // Not the only file: deleting every remote file is held (the mass-delete guard).
    fs::write(f.dst().join("index.html"), "old index").unwrap();
    let out = f.once("");
    assert_ok(&out);
    // libunftp lists the name lossily (U+FFFD): no command could reach it under that name.
    assert!(out.stdout.contains("U+FFFD"), "{}", out.stdout);
    assert!(latin1.exists(), "the undecodable file is kept");
    assert!(
        !f.dst().join("stale.txt").exists(),
        "other deletes still happen"
    );
    assert!(f.dst().join("index.html").exists());
}

#[test]
fn once_works_over_the_shells_connection_and_gives_it_back_in_its_mode() {
    let f = Fixture::new();
    let journal = f.journal();
    let out = support::run_script_args(
        &[
            "--debug",
            "--log",
            journal.to_str().unwrap(),
            &f.server.url(),
        ],
        "ascii\nmirror --once --parallel 1 src /dst\npwd\nls /dst\n",
        f.home.path(),
    );
    assert_ok(&out);
    assert_same_tree(&f.src, &f.dst());
    assert!(out.stdout.contains("index.html"), "{}", out.stdout);
    let trace = f.journal_text();
    // One login: the mirror used the shell's connection rather than opening its own.
    assert_eq!(count(&trace, "--> USER "), 1, "{trace}");
    // Binary for the mirror's uploads, then the shell's ASCII again.
    let types: Vec<&str> = trace
        .lines()
        .filter_map(|l| l.split("--> TYPE ").nth(1))
        .collect();
    assert_eq!(types, ["I", "A", "I", "A"], "{trace}");
}

#[test]
fn a_wide_tree_is_listed_over_several_connections_completely() {
    let f = Fixture::new();
    for d in 0..30 {
        for name in ["a.txt", "b.txt"] {
            let rel = format!("wide/d{d:02}/{name}");
            support::write_file(&f.src, &rel, format!("{d} {name}"));
        }
    }
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
    // The next run lists the server tree again; its record says it is wide: over the pool.
    fs::remove_file(f.journal()).unwrap();
    let mut debug = f.mirror("--once");
    debug.arg("--debug");
    let out = support::Out::from(debug.output().unwrap());
    assert_ok(&out);
    let trace = f.journal_text();
    assert!(count(&trace, "--> USER ") >= 2, "{trace}");
    let listings = count(&trace, "--> LIST ") + count(&trace, "--> MLSD ");
    let folders = 1 + tree(&f.src).values().filter(|v| v.is_none()).count();
    assert_eq!(listings, folders, "each folder listed once: {trace}");
    assert_eq!(count(&trace, "--> STOR "), 0, "{trace}");
    assert_eq!(count(&trace, "--> DELE "), 0, "{trace}");
    assert_same_tree(&f.src, &f.dst());
}

/// A file's or folder's permission bits.
#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The mirror keeps permission bits (pyftpdlib: SITE CHMOD, and UNIX.mode in MLSD once
/// asked for): new files and folders get their local bits, with a SITE CHMOD only for
/// those whose bits differ from what the server gives new entries; a local chmod is sent
/// as a chmod, not an upload; a pass with nothing to do sends exactly the commands a
/// `--no-perms` pass sends (no SITE CHMOD, no MLST to learn a mode).
#[cfg(unix)]
#[test]
fn mirror_keeps_permission_bits_and_a_no_op_pass_costs_nothing_more() {
    let Some(py) = support::pyftpd::PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    fs::create_dir(&src).unwrap();
    let entries: [(&str, Option<&str>, u32); 7] = [
        ("deploy.sh", Some("#!/bin/sh"), 0o755),
        ("secrets.php", Some("<?php"), 0o600),
        ("index.html", Some("<h1>"), 0o644),
        ("priv", None, 0o700),
        ("priv/key", Some("k"), 0o400),
        ("pub", None, 0o755),
        ("pub/a.css", Some("a{}"), 0o644),
    ];
    for (rel, body, _) in entries {
        let path = src.join(rel);
        match body {
            Some(body) => fs::write(&path, body).unwrap(),
            None => fs::create_dir_all(&path).unwrap(),
        }
    }
    for (rel, _, mode) in entries.iter().rev() {
        set_mode(&src.join(rel), *mode);
    }
    // What the server gives new entries: its umask is this process's.
    let probe = home.path().join("probe");
    fs::create_dir(&probe).unwrap();
    fs::write(probe.join("f"), "").unwrap();
    let (new_dir, new_file) = (mode_of(&probe), mode_of(&probe.join("f")));

    let journal = home.path().join("j.log");
    let run = |args: &str| {
        let _ = fs::remove_file(&journal);
        let out = support::ftpsh(home.path())
            .env("FTPSH_STATE_DIR", home.path().join("state"))
            .args([
                "--debug",
                "--log",
                journal.to_str().unwrap(),
                "-c",
                &format!("mirror --once {args} src /dst"),
                &py.url(),
            ])
            .output()
            .unwrap();
        let out = support::Out::from(out);
        assert_ok(&out);
        fs::read_to_string(&journal).unwrap()
    };

    let first = run("");
    let trace = first.clone();
    for (rel, _, mode) in entries {
        assert_eq!(
            mode_of(&py.path(&format!("dst/{rel}"))),
            mode,
            "{rel}: {trace}"
        );
    }
    let differing = entries
        .iter()
        .filter(|(_, body, mode)| *mode != if body.is_some() { new_file } else { new_dir })
        .count();
    assert_eq!(count(&trace, "--> SITE CHMOD "), differing, "{trace}");

    // A local chmod is a chmod on the server, nothing sent again.
    set_mode(&src.join("secrets.php"), 0o640);
    set_mode(&src.join("pub"), 0o750);
    let trace = run("");
    assert_eq!(mode_of(&py.path("dst/secrets.php")), 0o640, "{trace}");
    assert_eq!(mode_of(&py.path("dst/pub")), 0o750, "{trace}");
    assert_eq!(count(&trace, "--> SITE CHMOD "), 2, "{trace}");
    assert_eq!(count(&trace, "--> STOR "), 0, "{trace}");
    assert_eq!(count(&trace, " CHMOD \""), 2, "journal lines: {trace}");

    // Nothing to do: the same commands as --no-perms, none about modes. (The --no-perms
    // pass also leaves a local chmod alone.)
    let kept = run("");
    set_mode(&src.join("deploy.sh"), 0o700);
    let off = run("--no-perms");
    assert_eq!(mode_of(&py.path("dst/deploy.sh")), 0o755, "{off}");
    assert_eq!(count(&kept, "--> SITE "), 0, "{kept}");
    assert_eq!(
        count(&kept, "--> MLST "),
        count(&off, "--> MLST "),
        "{kept}"
    );
    assert_eq!(
        count(&kept, "--> "),
        count(&off, "--> "),
        "{kept}\n---\n{off}"
    );
    assert_eq!(count(&kept, "--> STOR "), 0, "{kept}");
    // The server's mode for new entries was read once per kind (file, folder), whatever
    // the number of connections: two MLSTs more than a pass that creates nothing.
    assert_eq!(
        count(&first, "--> MLST "),
        count(&off, "--> MLST ") + 2,
        "{first}"
    );

    // A live mirror: its first pass sets what --no-perms left, then a local chmod (an
    // inotify attribute event) reaches the server within its ticks.
    let mut live = support::ftpsh(home.path())
        .env("FTPSH_STATE_DIR", home.path().join("state"))
        .args(["-c", "mirror --interval 0.1 src /dst", &py.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("deploy.sh at 700 on the server", DEADLINE, || {
        mode_of(&py.path("dst/deploy.sh")) == 0o700
    });
    set_mode(&src.join("index.html"), 0o640);
    wait_until("index.html at 640 on the server", DEADLINE, || {
        mode_of(&py.path("dst/index.html")) == 0o640
    });
    assert_eq!(terminate(&mut live), 0);
}

/// `--size-only`: a local edit that keeps the size is not sent (times are not trusted); one
/// that changes it is.
#[test]
fn size_only_sends_only_files_whose_size_changed() {
    let f = Fixture::new();
    assert_ok(&f.once(""));
    // Same size, another content and time (an hour back: not the second of the first pass).
    let index = f.src.join("index.html");
    fs::write(&index, "<h1>HI</h1>").unwrap();
    let earlier = std::time::SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&index)
        .unwrap()
        .set_modified(earlier)
        .unwrap();
    fs::write(f.src.join("css/site.css"), "body{color:red}").unwrap();
    assert_ok(&f.once("--size-only"));
    assert_eq!(
        fs::read_to_string(f.dst().join("index.html")).unwrap(),
        "<h1>hi</h1>"
    );
    assert_eq!(
        fs::read_to_string(f.dst().join("css/site.css")).unwrap(),
        "body{color:red}"
    );
}

/// `--update`: a remote file someone else wrote after the local copy was last changed
/// stays; a remote file older than its local edit is replaced; missing ones are sent.
#[test]
fn update_never_replaces_a_newer_remote_file() {
    let f = Fixture::new();
    assert_ok(&f.once(""));
    let local_time = std::time::SystemTime::now() - Duration::from_secs(3600);
    let theirs = f.dst().join("index.html");
    fs::write(&theirs, "their newer edit").unwrap();
    fs::write(f.src.join("index.html"), "my older edit").unwrap();
    fs::File::options()
        .write(true)
        .open(f.src.join("index.html"))
        .unwrap()
        .set_modified(local_time)
        .unwrap();
    fs::write(f.src.join("css/site.css"), "body{color:red}").unwrap();
    fs::write(f.src.join("new.txt"), "new").unwrap();
    assert_ok(&f.once("--update"));
    assert_eq!(fs::read_to_string(&theirs).unwrap(), "their newer edit");
    assert_eq!(
        fs::read_to_string(f.dst().join("css/site.css")).unwrap(),
        "body{color:red}"
    );
    assert_eq!(fs::read_to_string(f.dst().join("new.txt")).unwrap(), "new");
}

/// `--ignore-existing`: only what the server lacks is sent; an existing file stays as it is
/// however it differs.
#[test]
fn ignore_existing_sends_only_missing_files() {
    let f = Fixture::new();
    assert_ok(&f.once(""));
    fs::write(f.src.join("css/site.css"), "body{color:red}").unwrap();
    fs::write(f.src.join("img/new.png"), "PNG2").unwrap();
    assert_ok(&f.once("--ignore-existing"));
    assert_eq!(
        fs::read_to_string(f.dst().join("css/site.css")).unwrap(),
        "body{}"
    );
    assert_eq!(
        fs::read_to_string(f.dst().join("img/new.png")).unwrap(),
        "PNG2"
    );
}

/// Writes `files` (relative path, content) under `root`.
fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (rel, body) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, body).unwrap();
    }
}

#[test]
fn an_ignore_file_keeps_git_node_modules_and_env_off_the_server() {
    let f = Fixture::new();
    write_files(
        &f.src,
        &[
            (".git/HEAD", "ref: refs/heads/main"),
            (".git/objects/ab/cdef", "blob"),
            ("node_modules/react/index.js", "module"),
            (".env", "SECRET=1"),
            (".env.local", "SECRET=2"),
            (".env.example", "SECRET="),
            ("logs/debug.log", "noise"),
            ("logs/keep.log", "kept by a negation"),
            // A file (not a folder) named like a folder-only pattern is sent.
            ("docs/build", "a file called build"),
            ("build/out.js", "built"),
        ],
    );
    fs::write(
        f.home.path().join("deploy.ignore"),
        "# deploy rules\n.git/\nnode_modules/\n.env*\n!.env.example\n*.log\n!keep.log\nbuild/\n",
    )
    .unwrap();
    // Remote-only files the rules exclude are the server's own: never deleted.
    write_files(
        &f.dst(),
        &[(".env", "SERVER SECRET"), ("node_modules/old.js", "old")],
    );
    assert_ok(&f.once("--exclude-from deploy.ignore"));
    let dst = f.dst();
    for sent in [
        "index.html",
        ".env.example",
        "logs/keep.log",
        "docs/build",
        "img/a b.png",
    ] {
        assert!(dst.join(sent).is_file(), "{sent} not sent");
    }
    for left_out in [
        ".git",
        "node_modules/react",
        ".env.local",
        "logs/debug.log",
        "build",
    ] {
        assert!(!dst.join(left_out).exists(), "{left_out} was sent");
    }
    assert_eq!(
        fs::read_to_string(dst.join(".env")).unwrap(),
        "SERVER SECRET"
    );
    assert!(
        dst.join("node_modules/old.js").is_file(),
        "excluded path deleted"
    );
    // A second pass over the same rules changes nothing.
    let stors = count(&f.journal_text(), " STOR ");
    assert_ok(&f.once("--exclude-from deploy.ignore"));
    assert_eq!(count(&f.journal_text(), " STOR "), stors);
    assert!(dst.join("node_modules/old.js").is_file());
}

#[test]
fn include_globs_send_only_matching_files_and_delete_nothing_else() {
    let f = Fixture::new();
    write_files(&f.dst(), &[("remote-only.txt", "keep me")]);
    assert_ok(&f.once("--include '*.html' --include '*.css'"));
    let dst = f.dst();
    assert!(dst.join("index.html").is_file());
    assert!(dst.join("css/site.css").is_file());
    assert!(!dst.join("img/a b.png").exists(), "not included, sent");
    assert!(!dst.join("empty.txt").exists(), "not included, sent");
    assert_eq!(
        fs::read_to_string(dst.join("remote-only.txt")).unwrap(),
        "keep me",
        "a file outside the includes was deleted"
    );
}

#[test]
fn a_missing_ignore_file_is_a_clear_error() {
    let f = Fixture::new();
    let out = f.once("--exclude-from no-such.ignore");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("--exclude-from") && out.stderr.contains("no-such.ignore"),
        "{}",
        out.stderr
    );
    assert!(!f.dst().exists(), "nothing sent");
}

/// The JSON objects of a JSON journal, every line parsed (a line that is not one fails).
fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn json_journal_lines_parse_and_carry_every_field() {
    let Some(py) = support::pyftpd::PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    make_site(&src);
    fs::write(src.join("say \"hi\" \\ there.txt"), "quoted").unwrap();
    let global = home.path().join("all.json");
    let own = home.path().join("job.json");
    let run = |args: &str| {
        support::Out::from(
            support::ftpsh(home.path())
                .args([
                    "--log",
                    global.to_str().unwrap(),
                    "--log-format",
                    "json",
                    "-c",
                    &format!("mirror --once {args} src /dst"),
                    &py.url(),
                ])
                .output()
                .unwrap(),
        )
    };
    assert_ok(&run(""));
    let text = fs::read_to_string(&global).unwrap();
    let lines = json_lines(&text);
    let (raw, stor) = text
        .lines()
        .zip(&lines)
        .find(|(_, l)| l["action"] == "STOR" && l["path"] == "index.html")
        .expect("a STOR line for index.html");
    // The README shows this line.
    eprintln!("JSON journal line: {raw}");
    assert!(raw.starts_with("{\"time\":\""), "time first: {raw}");
    let time = stor["time"].as_str().unwrap();
    assert!(
        time.len() == 27 && time.ends_with('Z') && &time[10..11] == "T",
        "RFC 3339 UTC: {time}"
    );
    assert_eq!(stor["job"], 0);
    assert_eq!(stor["bytes"], 11);
    assert!(stor["ms"].is_u64());
    assert_eq!(stor["outcome"], "ok");
    assert_eq!(stor["error"], serde_json::Value::Null);
    assert!(
        lines.iter().any(|l| l["path"] == "say \"hi\" \\ there.txt"),
        "a name with quotes and a backslash comes back whole"
    );
    let pass = lines
        .iter()
        .find(|l| l["action"] == "PASS")
        .expect("a PASS line");
    assert_eq!(pass["uploaded"], 6);
    assert_eq!(pass["outcome"], "ok");
    // `mirror --log-format json --log FILE`: the job's own journal, JSON too, under a
    // text global one.
    fs::write(src.join("index.html"), "<h1>changed</h1>").unwrap();
    let out = support::Out::from(
        support::ftpsh(home.path())
            .args([
                "-c",
                &format!(
                    "mirror --once --log-format json --log {} src /dst",
                    own.display()
                ),
                &py.url(),
            ])
            .output()
            .unwrap(),
    );
    assert_ok(&out);
    let lines = json_lines(&fs::read_to_string(&own).unwrap());
    assert!(
        lines
            .iter()
            .any(|l| l["action"] == "STOR" && l["path"] == "index.html" && l["bytes"] == 16),
        "{lines:?}"
    );
}

#[test]
fn a_job_cannot_write_json_into_the_text_journal() {
    let f = Fixture::new();
    let out = f.once("--log-format json");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("give this job its own --log"),
        "{}",
        out.stderr
    );
    assert!(!f.dst().exists(), "nothing sent");
}

#[test]
fn on_change_runs_after_changing_passes_and_its_failure_never_stops_the_mirror() {
    let f = Fixture::new();
    let seen = f.home.path().join("seen.txt");
    // Appends what it was told, then fails: the mirror must go on.
    fs::write(
        f.home.path().join("hook.sh"),
        "echo \"$FTPSH_JOB $FTPSH_UPLOADED $FTPSH_BYTES $FTPSH_DELETED $FTPSH_REMOTE\" >> \"$1\"\n\
         echo 'purge refused' >&2\nexit 3\n",
    )
    .unwrap();
    let mut child = f.spawn_mirror("--on-change 'sh hook.sh seen.txt'");
    let lines = || {
        fs::read_to_string(&seen)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    wait_until("the hook after the first pass", DEADLINE, || {
        lines().len() == 1 && f.journal_text().contains("ON-CHANGE")
    });
    assert_eq!(lines()[0], "1 5 21 0 /dst");
    let journal = f.journal_text();
    assert!(
        journal.contains("ON-CHANGE sh: exit status 3: purge refused"),
        "{journal}"
    );
    fs::remove_file(f.src.join("empty.txt")).unwrap();
    fs::write(f.src.join("new.txt"), "1234").unwrap();
    wait_until("a pass after the failed hook", DEADLINE, || {
        same_tree(&f.src, &f.dst()) && lines().len() == 2
    });
    assert_eq!(lines()[1], "1 1 4 1 /dst");
    assert_eq!(terminate(&mut child), 0);
    // A pass that changes nothing runs no hook.
    let out = f.once("--on-change 'sh hook.sh seen.txt'");
    assert_ok(&out);
    assert_eq!(
        lines().len(),
        2,
        "hook ran after a pass that changed nothing"
    );
}

/// The hook may be a third party's program: it gets the pass's summary, not the password
/// ftpsh logged in with (FTPSH_PASSWORD), nor does anything it left running in the background
/// outlive it.
#[test]
fn on_change_gets_no_password_and_its_background_children_end_with_it() {
    let f = Fixture::new();
    fs::write(
        f.home.path().join("hook.sh"),
        "env > env.txt\nsleep 60 &\necho $! > bg.pid\n",
    )
    .unwrap();
    let out = f.once("--on-change 'sh hook.sh'");
    assert_ok(&out);
    let env = fs::read_to_string(f.home.path().join("env.txt")).unwrap();
    assert!(env.contains("FTPSH_UPLOADED=5"), "{env}");
    assert!(
        !env.contains(support::PASS) && !env.contains("FTPSH_PASSWORD"),
        "the hook got the password: {env}"
    );
    let pid = fs::read_to_string(f.home.path().join("bg.pid")).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    // Gone, or a zombie its new parent has not reaped yet.
    wait_until("the hook's background sleep ends", DEADLINE, || {
        fs::read_to_string(&stat).map_or(true, |s| {
            s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z'))
        })
    });
}

#[test]
fn status_json_lists_the_jobs() {
    let f = Fixture::new();
    let mut child = support::ftpsh(f.home.path())
        .arg(f.server.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "mirror --interval 0.1 src /dst").unwrap();
    wait_until("background sync", DEADLINE, || same_tree(&f.src, &f.dst()));
    // The tree is whole before the pass is counted: the state file is saved after that
    // (the job's lock beside it is there from the start: not it).
    let state = f.home.path().join(".data/ftpsh/mirror-state");
    wait_until("the pass recorded", DEADLINE, || {
        fs::read_dir(&state).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_none_or(|x| x != "lock"))
        })
    });
    writeln!(stdin, "mirror status --json\nmirror stop 1").unwrap();
    drop(stdin);
    let out = support::Out::from(child.wait_with_output().unwrap());
    assert_ok(&out);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with('['))
        .unwrap_or_else(|| panic!("no JSON array: {}", out.stdout));
    let jobs: serde_json::Value = serde_json::from_str(line).unwrap();
    let job = &jobs[0];
    assert_eq!(job["id"], 1);
    assert!(
        ["idle", "syncing"].contains(&job["state"].as_str().unwrap()),
        "{job}"
    );
    assert!(job["passes"].as_u64().unwrap() >= 1, "{job}");
    assert_eq!(job["files"], 5);
    assert_eq!(job["bytes"], 21);
    assert_eq!(job["errors"], 0);
    assert_eq!(job["remote"], "/dst");
    assert!(job["last_pass"].as_str().unwrap().ends_with('Z'), "{job}");
}

#[test]
fn backup_dir_keeps_what_a_pass_deletes_or_replaces() {
    let f = Fixture::new();
    // Several files of one folder: moved there over several connections at once.
    write_files(
        &f.src,
        &[("css/b.css", "b"), ("css/c.css", "c"), ("css/d.css", "d")],
    );
    assert_ok(&f.once(""));
    let before = tree(&f.dst());
    // A local `rm -r` and an edit, mirrored with backups on.
    fs::remove_dir_all(f.src.join("docs")).unwrap();
    fs::remove_dir_all(f.src.join("css")).unwrap();
    fs::remove_file(f.src.join("img/a b.png")).unwrap();
    fs::write(f.src.join("index.html"), "<h1>new</h1>").unwrap();
    assert_ok(&f.once("--backup-dir /bak"));
    assert_same_tree(&f.src, &f.dst());
    let passes: Vec<_> = fs::read_dir(f.server.path("bak"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(passes.len(), 1, "one folder per pass: {passes:?}");
    let name = passes[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.len() == 24 && name.ends_with('Z') && !name.contains(':'),
        "named by UTC time: {name}"
    );
    let kept = tree(&passes[0]);
    for rel in [
        "docs/é 文件/deep/deeper/x.txt",
        "img/a b.png",
        "index.html",
        "css/site.css",
        "css/b.css",
        "css/c.css",
        "css/d.css",
    ] {
        assert_eq!(
            kept.get(rel),
            before.get(rel),
            "{rel}: not kept byte for byte in {name}"
        );
    }
    assert!(
        !kept.contains_key("empty.txt"),
        "unchanged files stay where they are"
    );
    let journal = f.journal_text();
    assert_eq!(count(&journal, " BACKUP "), 7, "{journal}");
    assert!(!journal.contains(" DELE "), "{journal}");
}

#[test]
fn a_backup_dir_inside_the_mirror_is_left_alone() {
    let f = Fixture::new();
    assert_ok(&f.once("--backup-dir /dst/.old"));
    // Until nothing is left to send (files written within the clock tick they were sent in
    // are sent again).
    wait_until("a pass with nothing to send", DEADLINE, || {
        let out = f.once("--backup-dir /dst/.old");
        out.code == 0 && !out.stdout.contains(" uploaded ")
    });
    let kept_before = tree(&f.dst().join(".old"));
    fs::remove_file(f.src.join("empty.txt")).unwrap();
    let passes = count(&f.journal_text(), " PASS ");
    // A pass that only moves a file to the backup folder says so, as any pass that acts.
    let out = f.once("--backup-dir /dst/.old");
    assert_ok(&out);
    assert!(
        out.stdout.contains("1 backed up") && out.stdout.contains("backed up \"empty.txt\""),
        "{out:?}"
    );
    assert_eq!(count(&f.journal_text(), " PASS "), passes + 1);
    assert!(!f.dst().join("empty.txt").exists());
    let old = f.dst().join(".old");
    let kept = tree(&old);
    let files: Vec<&String> = kept
        .iter()
        .filter(|(k, v)| v.is_some() && !kept_before.contains_key(*k))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(files.len(), 1, "{kept:?}");
    assert!(files[0].ends_with("/empty.txt"), "{kept:?}");
    // Where LOCAL has something to send, it is refused, not left out in silence; excluded,
    // it is LOCAL's own business, and the backup folder is left alone.
    fs::create_dir_all(f.src.join(".old")).unwrap();
    fs::write(f.src.join(".old/local.txt"), "local").unwrap();
    let out = f.once("--backup-dir /dst/.old");
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(
            "mirror --backup-dir /dst/.old: it is where LOCAL's folder \".old\" goes, which \
             the mirror would then never send"
        ),
        "{out:?}"
    );
    assert_eq!(tree(&old), kept);
    assert_ok(&f.once("--backup-dir /dst/.old --exclude .old"));
    assert_eq!(tree(&old), kept);
    let out = f.once("--backup-dir /dst");
    assert_eq!(
        out.code, 2,
        "the mirror's own folder is refused: {}",
        out.stderr
    );
}

// ---- mirror --download: the same rules, the other way ----

/// 2024-01-01T00:00:00Z plus `n` seconds: a fixed remote time, so a local mtime equal to it
/// proves ftpsh set it (a download "now" would not match).
fn remote_time(n: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(1_704_067_200 + n)
}

fn write_at(path: &Path, body: &str, time: std::time::SystemTime) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, body).unwrap();
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

fn mtime(path: &Path) -> std::time::SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

/// `ftpsh --log JOURNAL -c "mirror --download --once ARGS /www site" URL` in `home`; the
/// journal lines this run added.
fn download_once(home: &Path, url: &str, args: &str) -> (support::Out, String) {
    let journal = home.join("journal.log");
    let before = fs::read_to_string(&journal).unwrap_or_default();
    let out = support::ftpsh(home)
        .args([
            "--log",
            journal.to_str().unwrap(),
            "-c",
            &format!("mirror --download --once {args} /www site"),
            url,
        ])
        .output()
        .unwrap();
    let after = fs::read_to_string(&journal).unwrap_or_default();
    let new = after.get(before.len()..).unwrap_or_default().to_string();
    (support::Out::from(out), new)
}

/// The local tree less the conflict copies kept aside.
fn without_conflicts(root: &Path) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    let mut t = tree(root);
    t.retain(|k, _| !k.contains(".ftpsh-conflict-"));
    t
}

/// Against pyftpdlib (MLSD times): initial copy with the server's times, a no-op, a change,
/// a delete, a rename, a local edit kept aside, an interrupted run's temporary cleaned and
/// its file fetched, a dry run, --no-delete, and the guard against emptying LOCAL.
#[test]
fn download_mirror_keeps_local_an_exact_copy_and_never_loses_a_local_edit() {
    let Some(py) = support::pyftpd::PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    let www = py.path("www");
    let site = home.path().join("site");
    make_site(&www);
    for (i, rel) in ["index.html", "css/site.css", "img/a b.png", "empty.txt"]
        .iter()
        .enumerate()
    {
        let path = www.join(rel);
        let body = fs::read_to_string(&path).unwrap();
        write_at(&path, &body, remote_time(i as u64));
    }
    let url = py.url();
    let run = |args: &str| download_once(home.path(), &url, args);

    // A dry run changes nothing, not even LOCAL's creation.
    let (out, _) = run("--dry-run");
    assert_ok(&out);
    assert!(out.stdout.contains("RETR index.html"), "{}", out.stdout);
    assert!(!site.exists(), "a dry run created LOCAL");

    // 1. initial: LOCAL made, every file fetched with the server's time, one line each.
    let (out, new) = run("");
    assert_ok(&out);
    assert_same_tree(&www, &site);
    assert_eq!(count(&new, " RETR "), 5, "{new}");
    assert_eq!(mtime(&site.join("img/a b.png")), remote_time(2));
    assert!(support::temporaries(&site).is_empty());

    // 2. no-op: nothing transferred, nothing journaled.
    let (out, new) = run("");
    assert_ok(&out);
    assert_eq!(new, "", "a no-op pass journaled something");

    // 2b. the depth limit and excludes: a change below the limit and an excluded one are
    // left alone, and the limit is said.
    write_at(
        &www.join("docs/é 文件/deep/deeper/x.txt"),
        "xx",
        remote_time(50),
    );
    write_at(&www.join("index.html"), "<h1>HI</h1>", remote_time(100));
    let (out, new) = run("--max-depth 2 --exclude index.html");
    assert_ok(&out);
    assert_eq!(count(&new, " RETR "), 0, "{new}");
    assert!(
        new.contains("--max-depth 2"),
        "the limit is not silent: {new}"
    );
    assert_eq!(fs::read(site.join("index.html")).unwrap(), b"<h1>hi</h1>");

    // 3. a change (same size, new time), a delete, a rename on the server.
    write_at(&www.join("index.html"), "<h1>HI</h1>", remote_time(100));
    fs::remove_file(www.join("empty.txt")).unwrap();
    fs::rename(www.join("css"), www.join("styles")).unwrap();
    let (out, new) = run("");
    assert_ok(&out);
    assert_same_tree(&www, &site);
    assert_eq!(
        count(&new, " RETR "),
        3,
        "the changes and the renamed file:\n{new}"
    );
    assert_eq!(count(&new, " DELE "), 2, "{new}");
    assert_eq!(count(&new, " RMD "), 1, "{new}");

    // 4. the user edits a file ftpsh wrote, and adds one where the server has none: both
    // are kept aside, never overwritten nor deleted; the server's version comes back.
    fs::write(site.join("index.html"), "my own edit").unwrap();
    fs::write(site.join("img/mine.txt"), "mine").unwrap();
    let (out, new) = run("");
    assert_ok(&out);
    assert_eq!(without_conflicts(&site), tree(&www));
    assert_eq!(count(&new, " CONFLICT "), 2, "{new}");
    let kept: Vec<(String, Option<Vec<u8>>)> = tree(&site)
        .into_iter()
        .filter(|(k, _)| k.contains(".ftpsh-conflict-"))
        .collect();
    let bodies: Vec<&[u8]> = kept.iter().filter_map(|(_, b)| b.as_deref()).collect();
    assert!(bodies.contains(&&b"my own edit"[..]), "{kept:?}");
    assert!(bodies.contains(&&b"mine"[..]), "{kept:?}");
    // The copies kept aside are left alone from then on.
    let (out, new) = run("");
    assert_ok(&out);
    assert_eq!(new, "", "{new}");

    // 5. temporaries under our names that this ftpsh did not make and record (planted, or
    // left by a run from before the ledger): one named for the version the server holds is
    // not continued (anyone can compute that name), one of another version neither; both
    // are cleaned and their files fetched whole. (A recorded one is continued:
    // tests/resume.rs.)
    let fingerprint = {
        // temp_name::Fingerprint::of(size, mtime, no identity): FNV-1a of the three.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let secs = remote_time(2)
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let fields = [3u64.to_le_bytes(), secs.to_le_bytes(), 0u64.to_le_bytes()];
        for byte in fields.iter().flatten() {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash
    };
    let partial = site.join(format!(
        "img/.ftpsh-part-4194303x1-0-{fingerprint:016x}-a b.png"
    ));
    fs::write(&partial, "PN").unwrap();
    fs::remove_file(site.join("img/a b.png")).unwrap();
    let stale = site.join("styles/.ftpsh-part-4194303x1-1-0123456789abcdef-site.css");
    fs::write(&stale, "bo").unwrap();
    fs::remove_file(site.join("styles/site.css")).unwrap();
    let (out, new) = run("");
    assert_ok(&out);
    assert!(
        !partial.exists() && !stale.exists(),
        "temporaries left: {new}"
    );
    assert_eq!(without_conflicts(&site), tree(&www));
    assert_eq!(count(&new, " CLEAN "), 2, "{new}");
    assert!(
        new.contains(r#"RETR "img/a b.png" bytes=3 "#),
        "continued: {new}"
    );
    assert!(new.contains(r#"RETR "styles/site.css" bytes=6 "#), "{new}");

    // 6. --max-delete holds a pass's deletes when there are more; --no-delete keeps what
    // the server dropped; the hold lasts until a run with a higher limit.
    fs::remove_file(www.join("styles/site.css")).unwrap();
    let (out, _) = run("--max-delete 0");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains(
            "1 local delete held: the pass would delete 1 local entry (limit is 0); \
             downloads go on (a run with --max-delete 1 or --allow-mass-delete runs them)"
        ),
        "{out:?}"
    );
    assert!(site.join("styles/site.css").exists());
    let (out, _) = run("--no-delete");
    assert_ok(&out);
    assert!(site.join("styles/site.css").exists());
    let (out, _) = run("");
    assert_eq!(out.code, 1, "still held: {out:?}");
    assert!(site.join("styles/site.css").exists());
    let (out, _) = run("--max-delete 1");
    assert_ok(&out);
    assert!(!site.join("styles/site.css").exists());

    // 6b. a job journal written inside LOCAL is the job's, not a stray local file.
    let (out, _) = run("--log site/own.log");
    assert_ok(&out);
    let names: Vec<String> = tree(&site).into_keys().collect();
    assert!(names.iter().any(|k| k == "own.log"), "{names:?}");
    assert!(
        !names.iter().any(|k| k.starts_with("own.log.")),
        "{names:?}"
    );

    // 7. a server folder emptied (a vanished source): LOCAL's files are held, not deleted.
    for entry in fs::read_dir(&www).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fs::remove_dir_all(path).unwrap();
        } else {
            fs::remove_file(path).unwrap();
        }
    }
    let (out, new) = run("");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(new.contains(" HOLD "), "{new}");
    assert!(site.join("index.html").exists(), "LOCAL emptied");
}

/// Names from the server become local paths: one that is not a plain file name is left out
/// with a message naming it, as in `get -r`; the rest arrives, nothing is written outside
/// LOCAL, nothing is deleted in that folder, and the run exits 1.
#[test]
fn download_mirror_refuses_hostile_names() {
    let Some(py) = support::pyftpd::PyFtpd::start_quirk("evil-listing") else {
        return;
    };
    let home = TempDir::new().unwrap();
    write_at(&py.path("evil/fine.txt"), "fine", remote_time(0));
    let site = home.path().join("site");
    write_at(&site.join("kept.txt"), "local", remote_time(1));
    let out = support::Out::from(
        support::ftpsh(home.path())
            .args(["-c", "mirror --download --once /evil site", &py.url()])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 1, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("../escape.txt") && said.contains("not a plain file name"),
        "{said}"
    );
    assert!(site.join("kept.txt").exists(), "a local file deleted");
    assert_eq!(fs::read_to_string(site.join("fine.txt")).unwrap(), "fine");
    assert!(!home.path().join("escape.txt").exists());
    let names: Vec<String> = tree(home.path()).into_keys().collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("escape") && !n.contains("passwd") && !n.contains("win.txt")),
        "{names:?}"
    );
}

/// A live download mirror polls: it follows the server's changes, a check that finds
/// nothing sends nothing but the listing (no RETR, no NOOP), and `mirror status` / `mirror
/// stop` work on it as on any job.
#[test]
fn live_download_mirror_follows_the_server_and_only_lists_when_idle() {
    let f = Fixture::new();
    let www = f.server.path("www");
    make_site(&www);
    let site = f.home.path().join("site");
    let mut child = support::ftpsh(f.home.path())
        .args([
            "--debug",
            "--log",
            f.journal().to_str().unwrap(),
            &f.server.url(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "mirror --download --interval 0.1 /www site").unwrap();
    wait_until("initial download", DEADLINE, || {
        same_tree(&www, &site) && f.journal_text().contains("PASS ")
    });
    let sent = |verb: &str| count(&f.journal_text(), &format!("--> {verb}"));
    let (lists, retrs) = (sent("MLSD"), sent("RETR"));
    // make_site has 8 folders: three more checks list each once more.
    wait_until("a few idle checks", DEADLINE, || {
        sent("MLSD") >= lists + 3 * 8
    });
    assert_eq!(sent("RETR"), retrs, "an idle check fetched something");
    assert_eq!(sent("NOOP") + sent("STOR") + sent("DELE"), 0);
    fs::write(www.join("new.txt"), "new").unwrap();
    fs::remove_file(www.join("css/site.css")).unwrap();
    wait_until("changes followed", DEADLINE, || same_tree(&www, &site));
    writeln!(stdin, "mirror status\nmirror status --json\nmirror stop 1").unwrap();
    drop(stdin);
    let out = support::wait_out(child, DEADLINE);
    assert_ok(&out);
    assert!(out.stdout.contains("mirror 1 started"), "{}", out.stdout);
    assert!(
        out.stdout.contains(r#""direction":"download""#),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(" <- /www"),
        "status shows the direction: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1 mirror job stopped"),
        "{}",
        out.stdout
    );
}
