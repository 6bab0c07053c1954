//! mirror never loses, corrupts or silently keeps a wrong byte (issue 11): identity, files
//! changed while sent, what the walk saw, vanished sources, names both ways, what is left out.

mod support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, SystemTime};

use support::pyftpd::PyFtpd;
use support::{
    TestServer, assert_ok, assert_same_tree, pattern, temporaries, tree, wait_out, wait_until,
};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(20);

/// A local `src` folder and a server folder `/dst` to mirror it into, with the journal and
/// the state under a private home.
struct Fixture {
    url: String,
    served: PathBuf,
    home: TempDir,
    src: PathBuf,
    /// Keeps the server running.
    _server: Box<dyn std::any::Any>,
}

impl Fixture {
    fn libunftp() -> Fixture {
        let server = TestServer::start();
        let (url, served) = (server.url(), server.root().to_path_buf());
        Fixture::over(url, served, Box::new(server))
    }

    fn over(url: String, served: PathBuf, server: Box<dyn std::any::Any>) -> Fixture {
        let home = TempDir::new().unwrap();
        let src = home.path().join("src");
        fs::create_dir(&src).unwrap();
        Fixture {
            url,
            served,
            home,
            src,
            _server: server,
        }
    }

    fn dst(&self) -> PathBuf {
        self.served.join("dst")
    }

    fn journal(&self) -> String {
        fs::read_to_string(self.home.path().join("journal.log")).unwrap_or_default()
    }

    fn mirror(&self, args: &str) -> std::process::Command {
        let command = format!("mirror {args} src /dst");
        let journal = self.home.path().join("journal.log");
        let mut ftpsh = support::ftpsh(self.home.path());
        ftpsh.args([
            "--log",
            journal.to_str().unwrap(),
            "-c",
            &command,
            &self.url,
        ]);
        ftpsh
    }

    fn once(&self, extra: &str) -> support::Out {
        support::Out::from(self.mirror(&format!("--once {extra}")).output().unwrap())
    }

    fn spawn_mirror(&self, extra: &str) -> Child {
        self.mirror(&format!("--interval 0.1 {extra}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Writes `body` to `src/rel` with the given mtime.
    fn write(&self, rel: &str, body: &str, mtime: SystemTime) {
        let path = support::write_file(&self.src, rel, body);
        set_mtime(&path, mtime);
    }

    fn remote(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.dst().join(rel)).ok()
    }
}

fn set_mtime(path: &Path, mtime: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

/// A whole second a few minutes ago: every file written with it shares size-and-second.
fn a_second() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs(now - 300)
}

/// `mv a t; mv b a; mv t b` inside `src`.
fn swap(src: &Path, a: &str, b: &str) {
    fs::rename(src.join(a), src.join("swap.tmp")).unwrap();
    fs::rename(src.join(b), src.join(a)).unwrap();
    fs::rename(src.join("swap.tmp"), src.join(b)).unwrap();
}

fn terminate(child: &mut Child) -> i32 {
    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
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

// ---- 1. identity ------------------------------------------------------------------------

#[test]
fn once_sends_a_swap_of_same_size_same_second_files() {
    let f = Fixture::libunftp();
    let second = a_second();
    f.write("app.conf", "port=1", second);
    f.write("app.conf.bak", "port=2", second);
    f.write("conf/x", "xx-1", second);
    f.write("conf/y", "xx-2", second);
    f.write("conf/z", "xx-3", second);
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());

    swap(&f.src, "app.conf", "app.conf.bak");
    // A rotation of three: x -> y -> z -> x.
    fs::rename(f.src.join("conf/x"), f.src.join("conf/t")).unwrap();
    fs::rename(f.src.join("conf/z"), f.src.join("conf/x")).unwrap();
    fs::rename(f.src.join("conf/y"), f.src.join("conf/z")).unwrap();
    fs::rename(f.src.join("conf/t"), f.src.join("conf/y")).unwrap();
    assert_ok(&f.once(""));
    assert_eq!(f.remote("app.conf").as_deref(), Some("port=2"));
    assert_eq!(f.remote("app.conf.bak").as_deref(), Some("port=1"));
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn live_mirror_follows_a_swap_seen_half_way_and_all_at_once() {
    let f = Fixture::libunftp();
    let second = a_second();
    f.write("a.txt", "content A", second);
    f.write("b.txt", "content B", second);
    f.write("c.txt", "content C", second);
    f.write("d.txt", "content D", second);
    let mut child = f.spawn_mirror("");
    wait_until("initial sync", DEADLINE, || tree(&f.src) == tree(&f.dst()));

    // The pass sees the first move alone (a RENAME a.txt -> t), then the rest.
    fs::rename(f.src.join("a.txt"), f.src.join("swap.tmp")).unwrap();
    wait_until("the first move", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    fs::rename(f.src.join("b.txt"), f.src.join("a.txt")).unwrap();
    fs::rename(f.src.join("swap.tmp"), f.src.join("b.txt")).unwrap();
    wait_until("the swap", DEADLINE, || tree(&f.src) == tree(&f.dst()));
    assert_eq!(f.remote("a.txt").as_deref(), Some("content B"));
    assert_eq!(f.remote("b.txt").as_deref(), Some("content A"));

    // All three moves between two ticks.
    swap(&f.src, "c.txt", "d.txt");
    wait_until("the second swap", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    assert_eq!(f.remote("c.txt").as_deref(), Some("content D"));
    assert_eq!(f.remote("d.txt").as_deref(), Some("content C"));
    assert_eq!(terminate(&mut child), 0, "clean exit on SIGTERM");
    let journal = f.journal();
    assert!(
        journal.contains("RENAME \"a.txt -> swap.tmp\""),
        "{journal}"
    );
}

// ---- 2. nothing half-written under a real name; 3. a file is what the walk saw ----------

/// A server that reads uploads at 256 KiB/s, in a fixture; `None` after a counted skip.
fn slow_fixture() -> Option<Fixture> {
    let server = PyFtpd::start_quirk("slow")?;
    let (url, served) = (server.url(), server.root().to_path_buf());
    Some(Fixture::over(url, served, Box::new(server)))
}

/// Size of an upload temporary under `dir` once one holds more than `at_least` bytes: the
/// upload is under way and its start already went.
fn upload_under_way(dir: &Path, at_least: u64) -> bool {
    temporaries(dir)
        .iter()
        .any(|rel| fs::metadata(dir.join(rel)).is_ok_and(|m| m.len() > at_least))
}

/// Rewrites the start of `path` in place: same length, new bytes, a new mtime.
fn rewrite_in_place(path: &Path, bytes: &[u8]) {
    use std::io::{Seek, Write};
    let mut file = fs::OpenOptions::new().write(true).open(path).unwrap();
    file.seek(std::io::SeekFrom::Start(0)).unwrap();
    file.write_all(bytes).unwrap();
    file.sync_all().unwrap();
}

const BIG: usize = 1024 * 1024;

#[test]
fn mirror_never_renames_an_upload_whose_file_changed_while_sent() {
    let Some(f) = slow_fixture() else { return };
    f.write("big.bin", "version 1", a_second());
    assert_ok(&f.once(""));
    fs::write(f.src.join("big.bin"), pattern(BIG)).unwrap();
    let child = f
        .mirror("--once")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the upload under way", DEADLINE, || {
        upload_under_way(&f.dst(), 64 * 1024)
    });
    rewrite_in_place(&f.src.join("big.bin"), b"VERSION 3");
    let out = wait_out(child, DEADLINE);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("changed while being sent"), "{out:?}");
    // Errors first, then the summary that counts them.
    let error = out.stdout.find("changed while being sent").unwrap();
    let summary = out.stdout.find("file skipped").expect("a summary");
    assert!(error < summary, "{out:?}");
    assert_eq!(f.remote("big.bin").as_deref(), Some("version 1"));
    assert_eq!(temporaries(&f.dst()), Vec::<String>::new());
    let journal = f.journal();
    assert!(journal.contains("changed while being sent"), "{journal}");

    // The next pass sends the version that held still.
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn put_never_renames_an_upload_whose_file_changed_while_sent() {
    let Some(f) = slow_fixture() else { return };
    fs::create_dir(f.dst()).unwrap();
    fs::write(f.dst().join("big.bin"), "old remote version").unwrap();
    fs::write(f.src.join("big.bin"), pattern(BIG)).unwrap();
    let child = support::ftpsh(f.home.path())
        .args(["-c", "put src/big.bin /dst/big.bin", &f.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the upload under way", DEADLINE, || {
        upload_under_way(&f.dst(), 64 * 1024)
    });
    rewrite_in_place(&f.src.join("big.bin"), b"VERSION 3");
    let out = wait_out(child, DEADLINE);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("changed while being sent"), "{out:?}");
    assert_eq!(f.remote("big.bin").as_deref(), Some("old remote version"));
    assert_eq!(temporaries(&f.dst()), Vec::<String>::new());
}

/// Sends `src` (`command`: a mirror or a put -r) while, during the slow first upload, the
/// walked `b.txt` becomes a link to a private key and `c.txt` another file: neither is sent
/// under their names, the command says so and fails, the rest goes.
#[cfg(unix)]
fn swapped_after_the_walk(command: &str) {
    let Some(f) = slow_fixture() else { return };
    fs::write(f.src.join("a.bin"), pattern(BIG)).unwrap();
    fs::write(f.src.join("b.txt"), "public").unwrap();
    fs::write(f.src.join("c.txt"), "seen by the walk").unwrap();
    fs::write(f.src.join("d.txt"), "left alone").unwrap();
    let key = f.home.path().join("id_rsa");
    fs::write(&key, "PRIVATE KEY").unwrap();
    let child = support::ftpsh(f.home.path())
        .args(["-c", command, &f.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the first upload under way", DEADLINE, || {
        upload_under_way(&f.dst(), 64 * 1024)
    });
    // mv -T: a rename over the walked names.
    let link = f.home.path().join("link");
    std::os::unix::fs::symlink(&key, &link).unwrap();
    fs::rename(&link, f.src.join("b.txt")).unwrap();
    let other = f.home.path().join("other");
    fs::write(&other, "not what the walk saw").unwrap();
    fs::rename(&other, f.src.join("c.txt")).unwrap();
    let out = wait_out(child, DEADLINE);
    assert_eq!(out.code, 1, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(said.contains("b.txt: is a symbolic link now"), "{out:?}");
    assert!(
        said.contains("c.txt: is not the file the tree walk saw"),
        "{out:?}"
    );
    for (rel, body) in tree(&f.dst()) {
        let body = String::from_utf8_lossy(body.as_deref().unwrap_or_default()).into_owned();
        assert!(!body.contains("PRIVATE KEY"), "the key went to {rel}");
    }
    assert_eq!(f.remote("b.txt"), None);
    assert_eq!(f.remote("c.txt"), None);
    assert_eq!(f.remote("d.txt").as_deref(), Some("left alone"));
    assert_eq!(fs::read(f.dst().join("a.bin")).unwrap(), pattern(BIG));
}

#[cfg(unix)]
#[test]
fn mirror_sends_only_the_file_the_walk_saw() {
    swapped_after_the_walk("mirror --once --parallel 1 src /dst");
}

#[cfg(unix)]
#[test]
fn put_r_sends_only_the_file_the_walk_saw() {
    swapped_after_the_walk("put -r src /dst");
}

// ---- 4. a vanished source is not an empty source ----------------------------------------

#[test]
fn once_holds_a_mass_delete_keeps_uploading_and_runs_it_when_confirmed() {
    let f = Fixture::libunftp();
    for i in 0..12 {
        f.write(&format!("page{i}.html"), "<p>", a_second());
    }
    assert_ok(&f.once(""));
    for i in 0..12 {
        fs::remove_file(f.src.join(format!("page{i}.html"))).unwrap();
    }
    f.write("new.html", "<p>new", a_second());
    let out = f.once("");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("12 remote deletes held: the pass would delete 12 of the remote's 12 files"),
        "{out:?}"
    );
    assert!(out.stdout.contains("--allow-mass-delete"), "{out:?}");
    assert!(
        f.journal().contains(" HOLD 12 remote deletes held"),
        "{}",
        f.journal()
    );
    assert_eq!(
        f.remote("new.html").as_deref(),
        Some("<p>new"),
        "uploads go on"
    );
    assert_eq!(
        f.remote("page0.html").as_deref(),
        Some("<p>"),
        "nothing deleted"
    );

    assert_ok(&f.once("--allow-mass-delete"));
    assert_same_tree(&f.src, &f.dst());
}

/// The remote folder holds 12 files of someone else's; the local site has 3. Each pass
/// would delete the 12: held at the first (12 of 12), and still at every later run, though
/// the first one's uploads brought the share to 80 % (issue 19 §1).
fn a_site_beside_twelve_other_files() -> Fixture {
    let f = Fixture::libunftp();
    for i in 0..12 {
        support::write_file(&f.dst(), &format!("other/f{i}.txt"), "theirs");
    }
    for name in ["index.html", "a.css", "b.js"] {
        f.write(name, name, a_second());
    }
    f
}

fn others_left(f: &Fixture) -> usize {
    (0..12)
        .filter(|i| f.remote(&format!("other/f{i}.txt")).is_some())
        .count()
}

#[test]
fn a_held_mass_delete_stays_held_on_the_runs_after_until_confirmed() {
    let f = a_site_beside_twelve_other_files();
    let out = f.once("");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("13 remote deletes held: the pass would delete 12 of the remote's 12 files"),
        "{out:?}"
    );
    assert!(out.stderr.contains("deletes held (13)"), "{out:?}");
    assert!(!out.stderr.contains("the pass had errors"), "{out:?}");
    assert_eq!(f.remote("index.html").as_deref(), Some("index.html"));
    // The run after, and one after an unrelated local edit: still held, and said so.
    for edit in ["", "index.html"] {
        if !edit.is_empty() {
            f.write(edit, "edited", a_second());
        }
        let out = f.once("");
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stdout.contains("13 remote deletes held"), "{out:?}");
        assert!(out.stderr.contains("deletes held (13)"), "{out:?}");
        assert_eq!(others_left(&f), 12, "held deletes ran: {out:?}");
    }
    assert_eq!(f.remote("index.html").as_deref(), Some("edited"));
    // A dry run shows what a confirmation would delete, and deletes nothing.
    let out = f.once("--dry-run --allow-mass-delete");
    assert_ok(&out);
    assert!(out.stdout.contains("other/f3.txt"), "{out:?}");
    assert_eq!(others_left(&f), 12);
    assert_eq!(f.once("").code, 1, "a dry run confirms nothing");
    // Confirmed: they go, and nothing is held any more.
    assert_ok(&f.once("--allow-mass-delete"));
    assert_same_tree(&f.src, &f.dst());
    assert_ok(&f.once(""));
    let holds = f.journal().matches(" HOLD ").count();
    assert_eq!(holds, 4, "one HOLD line per run that held: {}", f.journal());
}

#[test]
fn max_delete_holds_the_deletes_and_uploads_go_on() {
    let f = Fixture::libunftp();
    for i in 0..10 {
        f.write(&format!("p{i}.html"), "<p>", a_second());
    }
    assert_ok(&f.once(""));
    // Written first, and of another size: not taken for a moved page.
    f.write("new.html", "the new page", a_second());
    for i in 0..8 {
        fs::remove_file(f.src.join(format!("p{i}.html"))).unwrap();
    }
    f.write("p9.html", "<p>edited", a_second());
    let out = f.once("--max-delete 5");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains(
            "8 remote deletes held: the pass would delete 8 remote entries (limit is 5); \
             uploads go on (a run with --max-delete 8 or --allow-mass-delete runs them)"
        ),
        "{out:?}"
    );
    assert!(out.stderr.contains("deletes held (8)"), "{out:?}");
    assert_eq!(
        f.remote("new.html").as_deref(),
        Some("the new page"),
        "{out:?}"
    );
    assert_eq!(f.remote("p9.html").as_deref(), Some("<p>edited"));
    // The same limit, or none: still held.
    for extra in ["--max-delete 5", ""] {
        let out = f.once(extra);
        assert_eq!(out.code, 1, "{extra}: {out:?}");
        assert_eq!(f.remote("p0.html").as_deref(), Some("<p>"), "{extra}");
    }
    // The limit it asks for lets them run.
    assert_ok(&f.once("--max-delete 8"));
    assert_same_tree(&f.src, &f.dst());
}

/// A live job holds deletes (`setup` makes them: the guard's, or --max-delete's), keeps
/// uploading, shows the hold in `mirror status`, says it once, and runs them on `mirror
/// confirm 1`.
fn live_hold_then_confirm(options: &str, setup: impl Fn(&Fixture), held: usize) {
    let f = a_site_beside_twelve_other_files();
    if !options.is_empty() {
        // Synced first, so that only the deletes `setup` makes are new.
        assert_ok(&f.once("--allow-mass-delete"));
    }
    setup(&f);
    let journal = f.home.path().join("journal.log");
    let (child, mut stdin) = support::spawn_with_stdin(
        support::ftpsh(f.home.path())
            .args(["--log", journal.to_str().unwrap()])
            .arg(&f.url),
    );
    writeln!(stdin, "mirror --interval 0.1 {options} src /dst").unwrap();
    wait_until("the hold in the journal", DEADLINE, || {
        f.journal().contains(" HOLD ")
    });
    // Unrelated edits: each is sent; the pass that sends the second one has finished the
    // pass that sent the first (deletes included).
    for (name, body) in [("index.html", "edit 1"), ("b.js", "edit 2")] {
        f.write(name, body, a_second());
        wait_until(name, DEADLINE, || f.remote(name).as_deref() == Some(body));
    }
    f.write("new.txt", "new", a_second());
    wait_until("a new file", DEADLINE, || f.remote("new.txt").is_some());
    let remote_before = tree(&f.dst()).len();
    writeln!(
        stdin,
        "mirror status\nmirror status --json\nmirror confirm 1"
    )
    .unwrap();
    wait_until("the confirmed deletes", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    assert!(remote_before > tree(&f.dst()).len());
    writeln!(stdin, "mirror status --json\nmirror stop 1").unwrap();
    drop(stdin);
    let out = support::Out::from(child.wait_with_output().unwrap());
    assert_ok(&out);
    let json: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json.len(), 2, "{out:?}");
    assert_eq!(json[0][0]["held_deletes"], held, "{out:?}");
    let said = json[0][0]["held"].as_str().unwrap_or_default();
    assert!(said.contains("mirror confirm 1 runs them"), "{said}");
    assert!(
        ["idle", "syncing"].contains(&json[0][0]["state"].as_str().unwrap()),
        "{out:?}"
    );
    assert_eq!(json[1][0]["held_deletes"], 0, "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("mirror 1: {held} held deletes confirmed")),
        "{out:?}"
    );
    assert!(out.stdout.contains("    held: "), "{out:?}");
    let journal = f.journal();
    assert_eq!(journal.matches(" HOLD ").count(), 1, "said once: {journal}");
    assert!(journal.contains(" CONFIRM "), "{journal}");
}

#[test]
fn a_live_job_keeps_a_guard_hold_through_later_passes_until_confirmed() {
    live_hold_then_confirm("", |_| {}, 13);
}

#[test]
fn a_live_job_holds_what_max_delete_refuses_and_uploads_on() {
    live_hold_then_confirm(
        "--max-delete 5",
        |f| {
            for i in 0..6 {
                f.write(&format!("gone{i}"), "x", a_second());
            }
            assert_ok(&f.once(""));
            for i in 0..6 {
                fs::remove_file(f.src.join(format!("gone{i}"))).unwrap();
            }
        },
        6,
    );
}

#[test]
fn live_mirror_deletes_nothing_when_the_local_folder_empties() {
    let f = Fixture::libunftp();
    f.write("a.txt", "a", a_second());
    f.write("sub/b.txt", "b", a_second());
    let mut child = f.spawn_mirror("");
    wait_until("initial sync", DEADLINE, || tree(&f.src) == tree(&f.dst()));
    fs::remove_file(f.src.join("a.txt")).unwrap();
    fs::remove_dir_all(f.src.join("sub")).unwrap();
    wait_until("the hold in the journal", DEADLINE, || {
        f.journal()
            .contains("HOLD 3 remote deletes held: the local folder holds no file")
    });
    f.write("late.txt", "late", a_second());
    wait_until("an upload after the hold", DEADLINE, || {
        f.remote("late.txt").is_some()
    });
    assert_eq!(f.remote("a.txt").as_deref(), Some("a"));
    assert_eq!(f.remote("sub/b.txt").as_deref(), Some("b"));
    assert_eq!(terminate(&mut child), 0, "clean exit on SIGTERM");
}

/// Unmounts on drop, so a failing test leaves no mount behind.
#[cfg(target_os = "linux")]
struct Mount(PathBuf);

#[cfg(target_os = "linux")]
impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn an_unmounted_local_folder_deletes_nothing() {
    if !support::skip::is_root() {
        support::skip::missing("root", "mounting a tmpfs needs root");
        return;
    }
    let f = Fixture::libunftp();
    // A file of the folder under the mount: what the bare mount point shows once unmounted.
    f.write("under-the-mount.txt", "hidden while mounted", a_second());
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "tmpfs"])
        .arg(&f.src)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount -t tmpfs failed");
    let mount = Mount(f.src.clone());
    for name in ["a.txt", "b.txt", "c.txt"] {
        f.write(name, name, a_second());
    }
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
    drop(mount);
    assert!(f.src.join("under-the-mount.txt").exists(), "unmounted");

    let out = f.once("");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("3 remote deletes held: the local folder is on another device"),
        "{out:?}"
    );
    for name in ["a.txt", "b.txt", "c.txt"] {
        assert_eq!(f.remote(name).as_deref(), Some(name), "nothing deleted");
    }
    assert!(f.remote("under-the-mount.txt").is_some(), "uploads go on");
    // Still held on the next run: the device the copy came from is the mount's.
    assert_eq!(f.once("").code, 1);
    assert_ok(&f.once("--allow-mass-delete"));
    assert_same_tree(&f.src, &f.dst());
    // Confirmed: the new device is the one the copy comes from now.
    f.write("x.txt", "x", a_second());
    f.write("y.txt", "y", a_second());
    assert_ok(&f.once(""));
    fs::remove_file(f.src.join("x.txt")).unwrap();
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
}

// ---- 7. one name rule both ways ---------------------------------------------------------

#[cfg(unix)]
#[test]
fn names_the_mirror_uploads_read_back_on_every_later_pass() {
    let f = Fixture::libunftp();
    let second = a_second();
    f.write("back\\slash.txt", "bs", second);
    f.write("C:odd.txt", "colon", second);
    f.write("dir\\name/inner.txt", "inner", second);
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
    // The second pass lists what the first sent: no refusal, nothing sent again.
    let out = f.once("");
    assert_ok(&out);
    assert!(!out.stdout.contains("uploaded"), "{out:?}");
    // A live mirror reads it back too, and follows an edit.
    let mut child = f.spawn_mirror("");
    f.write("back\\slash.txt", "bs, edited", SystemTime::now());
    wait_until("the edit", DEADLINE, || {
        f.remote("back\\slash.txt").as_deref() == Some("bs, edited")
    });
    assert_eq!(terminate(&mut child), 0);
    assert!(!f.journal().contains("unsafe"), "{}", f.journal());
}

// ---- 6. transient errors never end a live mirror ----------------------------------------

/// A libunftp server behind the fault proxy, in a fixture.
fn proxied() -> (Fixture, std::sync::Arc<support::proxy::Proxy>) {
    let server = TestServer::start();
    let proxy = std::sync::Arc::new(support::proxy::Proxy::start(server.port));
    let served = server.root().to_path_buf();
    let keep: (TestServer, std::sync::Arc<support::proxy::Proxy>) = (server, proxy.clone());
    (Fixture::over(proxy.url(), served, Box::new(keep)), proxy)
}

#[test]
fn a_451_on_the_first_listing_and_a_452_on_stor_are_retried() {
    let (f, proxy) = proxied();
    f.write("a.txt", "a", a_second());
    fs::create_dir_all(f.dst()).unwrap();
    // The first listing of /dst is refused for now (451), whatever verb lists it.
    proxy.refuse_next(
        "MLSD",
        "451 Requested action aborted: local error in processing",
    );
    proxy.refuse_next(
        "LIST",
        "451 Requested action aborted: local error in processing",
    );
    let mut child = f.spawn_mirror("");
    wait_until("the first sync after the 451", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    assert!(proxy.faults_fired() >= 1, "the 451 fired");

    // A 452 on STOR, then a 451 on the re-list that follows the failed pass.
    let fired = proxy.faults_fired();
    proxy.refuse_next("STOR", "452 Insufficient storage space");
    proxy.refuse_next("MLSD", "451 Try again later");
    proxy.refuse_next("LIST", "451 Try again later");
    f.write("b.txt", "b", a_second());
    wait_until("b.txt after the 452 and the 451", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    assert!(proxy.faults_fired() >= fired + 2, "the 452 and a 451 fired");
    assert_eq!(terminate(&mut child), 0, "the job was still running");
    let journal = f.journal();
    assert!(!journal.contains("FAILED"), "{journal}");
}

#[test]
fn a_refused_login_ends_a_job_saying_what_to_do_while_a_421_is_retried() {
    let (f, proxy) = proxied();
    f.write("a.txt", "a", a_second());
    let journal = f.home.path().join("journal.log");
    let (child, mut stdin) = support::spawn_with_stdin(
        support::ftpsh(f.home.path())
            .args(["--log", journal.to_str().unwrap()])
            .arg(&f.url),
    );
    // The shell's own login is through: what is refused next is a job's.
    wait_until("the shell's login", DEADLINE, || {
        proxy.control_log().iter().any(|l| l.starts_with("S: 230"))
    });
    // A 421 at a job's login can heal by waiting: retried until the job is in.
    proxy.refuse_next("PASS", "421 Too many users, try again later");
    writeln!(stdin, "mirror --interval 0.1 src /dst").unwrap();
    wait_until("the sync after the 421", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    assert!(proxy.faults_fired() >= 1, "the 421 fired");
    // A 530 cannot: that job ends, saying what to do; the other one runs on.
    proxy.refuse_next("PASS", "530 Login incorrect.");
    writeln!(stdin, "mirror --interval 0.1 src /other").unwrap();
    wait_until("the refused job's end", DEADLINE, || {
        fs::read_to_string(&journal).is_ok_and(|j| j.contains("FAILED"))
    });
    writeln!(stdin, "mirror status\nmirror stop").unwrap();
    drop(stdin);
    let out = support::Out::from(child.wait_with_output().unwrap());
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(said.contains("530 Login incorrect"), "{out:?}");
    assert!(
        said.contains("check the user and password"),
        "says what to do: {out:?}"
    );
    let status = out
        .stdout
        .lines()
        .filter(|l| l.contains(" -> "))
        .collect::<Vec<_>>();
    assert!(
        status
            .iter()
            .any(|l| l.contains("failed") && l.contains("/other")),
        "{status:?}"
    );
    assert!(
        status
            .iter()
            .any(|l| !l.contains("failed") && l.contains("/dst")),
        "the first job still ran: {status:?}"
    );
}

// ---- 5. the remote is checked, not assumed ----------------------------------------------

fn pyftpd_fixture(quirk: Option<&str>) -> Option<Fixture> {
    let server = match quirk {
        Some(name) => PyFtpd::start_quirk(name)?,
        None => PyFtpd::start()?,
    };
    let (url, served) = (server.url(), server.root().to_path_buf());
    Some(Fixture::over(url, served, Box::new(server)))
}

/// The inode of a served file: an upload (a temporary renamed over it) changes it.
#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).unwrap().ino()
}

#[cfg(unix)]
#[test]
fn a_folder_whose_listing_is_refused_for_a_while_is_unknown_then_mirrored() {
    let Some(f) = pyftpd_fixture(Some("refuse-listing")) else {
        return;
    };
    let second = a_second();
    f.write("index.html", "home", second);
    f.write("flaky/a.html", "same on both sides", second);
    // The served copy: a.html as the local one, and an extra file the mirror must delete.
    fs::create_dir_all(f.dst().join("flaky")).unwrap();
    let served = f.dst().join("flaky/a.html");
    fs::write(&served, "same on both sides").unwrap();
    set_mtime(&served, second);
    fs::write(f.dst().join("flaky/extra.html"), "gone locally").unwrap();
    let before = inode(&served);
    let switch = f.served.join("refuse-listings");
    fs::write(&switch, "").unwrap();

    let mut job = f.spawn_mirror("");
    wait_until("the folder said unknown", DEADLINE, || {
        f.journal().contains("what it holds is unknown")
    });
    wait_until("the rest mirrored", DEADLINE, || {
        f.remote("index.html").is_some()
    });
    // Not taken as empty: nothing sent into it, nothing there deleted.
    assert_eq!(inode(&served), before, "a.html sent again: {}", f.journal());
    assert!(f.dst().join("flaky/extra.html").exists());
    // The server lists it again: the next pass (on the retry backoff) lists it, deletes
    // the extra, and sends nothing that was already there.
    fs::remove_file(&switch).unwrap();
    wait_until("the extra deleted", DEADLINE, || {
        !f.dst().join("flaky/extra.html").exists()
    });
    assert_eq!(inode(&served), before, "a.html sent again: {}", f.journal());
    // And the pass after goes on as usual.
    f.write("flaky/a.html", "edited", SystemTime::now());
    wait_until("the edit", DEADLINE, || {
        f.remote("flaky/a.html").as_deref() == Some("edited")
    });
    assert_eq!(terminate(&mut job), 0);
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn a_remote_edit_of_the_same_size_is_sent_over_even_with_the_state_file() {
    let Some(f) = pyftpd_fixture(None) else {
        return;
    };
    f.write("style.css", "body{color:red}", a_second());
    f.write("other.css", "p{}", a_second());
    assert_ok(&f.once(""));
    // Someone edits the served copy, same size; another touches a file to 2099.
    let served = f.dst().join("style.css");
    fs::write(&served, "body{color:RED}").unwrap();
    let other = f.dst().join("other.css");
    set_mtime(
        &other,
        SystemTime::UNIX_EPOCH + Duration::from_secs(4_070_908_800),
    );
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
    // And a restarted pass after that sends nothing.
    let before = f.journal().matches(" STOR ").count();
    assert_ok(&f.once(""));
    assert_eq!(
        f.journal().matches(" STOR ").count(),
        before,
        "{}",
        f.journal()
    );
}

#[test]
fn a_server_listing_its_own_zone_is_not_sent_everything_again() {
    let Some(f) = pyftpd_fixture(Some("zone")) else {
        return;
    };
    for name in ["a.html", "b.html", "c.html"] {
        f.write(name, name, a_second());
    }
    assert_ok(&f.once(""));
    let sent = f.journal().matches(" STOR ").count();
    assert_eq!(sent, 3, "{}", f.journal());
    // With the state file: the times ftpsh set read back two hours off; nothing to send.
    assert_ok(&f.once(""));
    // Without it (a new machine): the uniform offset is seen and used.
    fs::remove_dir_all(f.home.path().join(".data")).unwrap();
    assert_ok(&f.once(""));
    assert_eq!(
        f.journal().matches(" STOR ").count(),
        sent,
        "{}",
        f.journal()
    );
    // A real edit is still sent.
    f.write("b.html", "b, edited", SystemTime::now());
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());
}

// ---- 9. another writer on the same remote -------------------------------------------------

/// `ftpsh -c "mirror ARGS" URL` run to its end in the fixture's home (sharing its state dir).
fn mirror_once(f: &Fixture, args: &str) -> support::Out {
    support::run_within(
        support::ftpsh(f.home.path()).args(["-c", &format!("mirror {args}"), &f.url]),
        DEADLINE,
    )
}

#[test]
fn a_second_ftpsh_mirroring_into_the_same_remote_folder_is_refused() {
    let f = Fixture::libunftp();
    f.write("index.html", "the first job's", a_second());
    support::write_file(f.home.path(), "other/index.html", "the second's");
    let mut job = f.spawn_mirror("");
    wait_until("initial sync", DEADLINE, || tree(&f.src) == tree(&f.dst()));
    let pid = job.id();
    for remote in ["/dst", "/dst/sub", "/"] {
        for once in ["--once", "--once --no-delete"] {
            let out = mirror_once(&f, &format!("{once} other {remote}"));
            assert_eq!(out.code, 1, "{remote}: {out:?}");
            assert!(
                out.stderr
                    .contains(&format!("another ftpsh (pid {pid}) mirrors into \"/dst\"")),
                "{remote}: {out:?}"
            );
        }
    }
    assert_eq!(f.remote("index.html").as_deref(), Some("the first job's"));
    assert!(!f.served.join("index.html").exists());
    // A dry run changes nothing: allowed. Another folder: allowed.
    assert_ok(&mirror_once(&f, "--dry-run other /dst"));
    assert_ok(&mirror_once(&f, "--once other /elsewhere"));
    // Once the first job is gone, so is its lock (however it ended).
    assert_eq!(terminate(&mut job), 0);
    assert_ok(&mirror_once(&f, "--once other /dst"));
    assert_eq!(f.remote("index.html").as_deref(), Some("the second's"));
}

#[test]
fn a_live_job_sees_another_writer_at_the_recheck_interval() {
    let Some(f) = pyftpd_fixture(None) else {
        return;
    };
    f.write("a.html", "a", a_second());
    f.write("b.html", "b", a_second());
    f.write("sub/c.html", "c", a_second());
    let mut job = f.spawn_mirror("--recheck 1");
    wait_until("initial sync", DEADLINE, || tree(&f.src) == tree(&f.dst()));
    // Another writer: a file added, one deleted, one replaced, one folder emptied.
    fs::write(f.dst().join("extra.html"), "theirs").unwrap();
    fs::remove_file(f.dst().join("a.html")).unwrap();
    fs::write(f.dst().join("b.html"), "their b").unwrap();
    fs::remove_file(f.dst().join("sub/c.html")).unwrap();
    // Nothing changes locally: the re-check alone brings the copy back.
    wait_until("the copy restored", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    assert_eq!(terminate(&mut job), 0);
}

#[test]
fn recheck_takes_whole_seconds_within_bounds() {
    let f = Fixture::libunftp();
    for bad in ["0", "-1", "1.5", "86401", "1e300", "x"] {
        let out = mirror_once(&f, &format!("--once --recheck={bad} src /dst"));
        assert_eq!(out.code, 2, "{bad}: {out:?}");
        assert!(
            out.stderr
                .contains("mirror --recheck: must be a whole number of seconds from 1 to 86400"),
            "{bad}: {out:?}"
        );
    }
}

// ---- 8. nothing left out in silence -----------------------------------------------------

#[test]
fn entries_below_the_depth_limit_are_counted_and_said() {
    let f = Fixture::libunftp();
    f.write("a/b/x.txt", "x", a_second());
    f.write("a/b/c/deep.txt", "deep", a_second());
    f.write("a/b/c/d/deeper.txt", "deeper", a_second());
    let dry = f.once("--dry-run --max-depth 2");
    assert!(
        dry.stdout
            .contains("5 entries below --max-depth 2 are not mirrored"),
        "{dry:?}"
    );
    assert!(dry.stdout.contains("a/b"), "{dry:?}");
    let out = f.once("--max-depth 2");
    assert_ok(&out);
    assert!(
        out.stdout
            .contains("entries below --max-depth 2 are not mirrored"),
        "{out:?}"
    );
    assert!(
        f.journal().contains("entries below --max-depth 2"),
        "{}",
        f.journal()
    );
    assert!(f.dst().join("a/b").is_dir());
    assert!(!f.dst().join("a/b/x.txt").exists());
}

#[test]
fn get_r_fails_when_it_leaves_folders_below_its_limit() {
    let server = TestServer::start();
    let mut deep = server.root().join("tree");
    for level in 0..70 {
        deep = deep.join(format!("l{level}"));
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("bottom.txt"), "bottom").unwrap();
    fs::write(server.root().join("tree/top.txt"), "top").unwrap();
    let local = TempDir::new().unwrap();
    let out = support::run_c(&server.url(), "get -r tree", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("below the depth limit"), "{out:?}");
    assert!(
        local.path().join("tree/top.txt").exists(),
        "the rest is fetched"
    );
}

#[test]
fn put_r_fails_when_it_leaves_entries_below_its_limit() {
    let server = TestServer::start();
    let local = TempDir::new().unwrap();
    let mut deep = local.path().join("tree");
    for level in 0..70 {
        deep = deep.join(format!("l{level}"));
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("bottom.txt"), "bottom").unwrap();
    fs::write(local.path().join("tree/top.txt"), "top").unwrap();
    let out = support::run_c(&server.url(), "put -r tree", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("entries below the depth limit (64 levels) are not sent"),
        "{out:?}"
    );
    assert!(
        server.root().join("tree/top.txt").exists(),
        "the rest is sent"
    );
}

/// What a `put` of `name` stopped between its two renames leaves in `dir` on a server that
/// will not rename onto an existing name: the old file moved aside under an `-old-` name (and
/// recorded so in the ledger under `home`'s state folder, as ftpsh does before the move), the
/// new one complete under its upload temporary (dated an hour ago: stale), the name missing.
fn leave_an_interrupted_put(dir: &Path, name: &str, old: &str, home: &Path, url: &str) {
    fs::create_dir_all(dir).unwrap();
    let aside_name = format!(".ftpsh-part-77x0000abcd-1-old-{name}");
    let aside = dir.join(&aside_name);
    fs::write(&aside, old).unwrap();
    let ledger = home.join(".data/ftpsh/mirror-state/partials.tsv");
    fs::create_dir_all(ledger.parent().unwrap()).unwrap();
    let mut lines = fs::read_to_string(&ledger).unwrap_or_default();
    let place = url.strip_prefix("ftp://").unwrap().trim_end_matches('/');
    lines.push_str(&format!(
        "old\t{place}\t{}\t-\t-\t-\t{aside_name}\n",
        old.len()
    ));
    fs::write(&ledger, lines).unwrap();
    let upload = dir.join(format!(".ftpsh-part-77x0000abcd-2-0123456789abcdef-{name}"));
    fs::write(&upload, "the new version, never renamed").unwrap();
    set_mtime(&upload, SystemTime::now() - Duration::from_secs(3600));
}

#[test]
fn a_failed_put_gives_back_the_name_an_interrupted_put_left_missing() {
    // quota: an upload over 64 KiB is refused (552) once its data arrived.
    let Some(server) = PyFtpd::start_quirk("quota") else {
        return;
    };
    let local = TempDir::new().unwrap();
    let url = server.url();
    leave_an_interrupted_put(
        &server.path("site"),
        "x.txt",
        "the old version",
        local.path(),
        &url,
    );
    fs::write(local.path().join("big.bin"), pattern(100 * 1024)).unwrap();
    let out = support::run_c(&server.url(), "put big.bin /site/x.txt", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        fs::read_to_string(server.path("site/x.txt"))
            .ok()
            .as_deref(),
        Some("the old version"),
        "{out:?}"
    );
    let left = temporaries(&server.path("site"));
    assert!(left.iter().all(|t| !t.contains("-old-")), "{left:?}");
}

#[test]
fn a_mirror_pass_gives_back_the_name_an_interrupted_put_left_missing() {
    let Some(f) = pyftpd_fixture(Some("no-overwrite")) else {
        return;
    };
    f.write("x.txt", "the local version", a_second());
    f.write("y.txt", "y", a_second());
    // Kept on the server only: --no-delete leaves it, restored, under its name.
    let (home, url) = (f.home.path(), f.url.as_str());
    leave_an_interrupted_put(&f.dst(), "x.txt", "the old version", home, url);
    leave_an_interrupted_put(&f.dst(), "kept.txt", "kept on the server", home, url);
    // The same left by someone else (not in the ledger): never put back.
    let planted = f.dst().join(".ftpsh-part-77x0000abcd-9-old-planted.txt");
    fs::write(&planted, "foreign bytes").unwrap();
    set_mtime(&planted, SystemTime::now() - Duration::from_secs(3600));
    let out = f.once("--no-delete");
    assert_ok(&out);
    let journal = f.journal();
    assert_eq!(journal.matches(" RESTORE ").count(), 2, "{journal}");
    assert_eq!(f.remote("kept.txt").as_deref(), Some("kept on the server"));
    assert_eq!(f.remote("planted.txt"), None, "{journal}");
    // x.txt went back under its name, then the local version was sent over it, through
    // the server's refusal to rename onto an existing name.
    assert_eq!(f.remote("x.txt").as_deref(), Some("the local version"));
    assert_eq!(f.remote("y.txt").as_deref(), Some("y"));
    assert_eq!(temporaries(&f.dst()), Vec::<String>::new(), "{journal}");
}

#[test]
fn event_lines_name_what_moved() {
    let f = Fixture::libunftp();
    for name in ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"] {
        f.write(name, name, a_second());
    }
    let out = f.once("");
    assert_ok(&out);
    assert!(
        out.stdout
            .contains("mirror: 5 uploaded (25 bytes), 0 renamed, 0 deleted, 0 dirs created in "),
        "{out:?}"
    );
    assert!(out.stdout.contains(": sent \""), "{out:?}");
    assert!(out.stdout.contains("\" and 2 more\n"), "{out:?}");
}
