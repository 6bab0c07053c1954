//! The mirror's rules of proof, against real servers: identity proven rather than inferred
//! (reused inodes, edits within the recorded second), listed times in a server's zone in
//! both directions, and the download mirror held to the upload mirror's rules.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use support::pyftpd::PyFtpd;
use support::{Out, assert_ok, tree};
use tempfile::TempDir;

/// A local folder `src` mirrored to `/dst` on a server, with the journal in `home`.
struct Up {
    url: String,
    served: PathBuf,
    home: TempDir,
    _server: Box<dyn std::any::Any>,
}

impl Up {
    fn pyftpd(quirk: Option<&str>) -> Option<Up> {
        let server = match quirk {
            Some(name) => PyFtpd::start_quirk(name)?,
            None => PyFtpd::start()?,
        };
        let (url, served) = (server.url(), server.root().to_path_buf());
        let home = TempDir::new().unwrap();
        fs::create_dir(home.path().join("src")).unwrap();
        Some(Up {
            url,
            served,
            home,
            _server: Box::new(server),
        })
    }

    fn src(&self) -> PathBuf {
        self.home.path().join("src")
    }

    fn dst(&self) -> PathBuf {
        self.served.join("dst")
    }

    fn journal(&self) -> String {
        fs::read_to_string(self.home.path().join("journal.log")).unwrap_or_default()
    }

    fn sent(&self) -> usize {
        self.journal().matches(" STOR ").count()
    }

    fn write(&self, rel: &str, body: &str, mtime: SystemTime) {
        write_at(&self.src().join(rel), body, mtime);
    }

    fn forget_state(&self) {
        fs::remove_dir_all(self.home.path().join(".data")).unwrap();
    }

    fn once(&self, extra: &str) -> Out {
        let journal = self.home.path().join("journal.log");
        let command = format!("mirror --once {extra} src /dst");
        Out::from(
            support::ftpsh(self.home.path())
                .args([
                    "--log",
                    journal.to_str().unwrap(),
                    "-c",
                    &command,
                    &self.url,
                ])
                .output()
                .unwrap(),
        )
    }
}

fn write_at(path: &Path, body: &str, mtime: SystemTime) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, body).unwrap();
    set_mtime(path, mtime);
}

fn set_mtime(path: &Path, mtime: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

/// A whole second five minutes ago: no pass runs within it.
fn a_while_ago() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs(now - 300)
}

const HOUR: Duration = Duration::from_secs(3600);

// ---- identity is proven, not inferred ----------------------------------------------------

/// A release step deletes a file and writes another of the same size and mtime (a
/// SOURCE_DATE_EPOCH build); the file system hands it the freed inode number. The new name
/// gets its own bytes, not the deleted file's by a "rename".
#[test]
fn a_reused_inode_is_not_a_rename() {
    let Some(up) = Up::pyftpd(None) else {
        return;
    };
    let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    up.write("index.html", "<html>", epoch);
    // Other tests create files meanwhile and may take the freed number: a few tries.
    let reused = (0..10).any(|_| {
        up.write("app.3f2a.js", "var a=1;", epoch);
        assert_ok(&up.once(""));
        let old = file_id(&up.src().join("app.3f2a.js"));
        fs::remove_file(up.src().join("app.3f2a.js")).unwrap();
        up.write("app.9c1b.js", "var b=2;", epoch);
        let reused = file_id(&up.src().join("app.9c1b.js")) == old;
        if !reused {
            fs::remove_file(up.src().join("app.9c1b.js")).unwrap();
        }
        reused
    });
    if !reused {
        eprintln!("skipped: this file system did not reuse the inode");
        return;
    }
    assert_ok(&up.once(""));
    assert_eq!(tree(&up.src()), tree(&up.dst()), "{}", up.journal());
    assert!(!up.journal().contains("RENAME"), "{}", up.journal());
}

/// Device and inode number of a file (None where the OS gives none).
fn file_id(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::metadata(path).unwrap();
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// A same-size edit whose time differs from the recorded one only below the second: sent.
#[test]
fn an_edit_within_the_recorded_second_is_sent() {
    let Some(up) = Up::pyftpd(None) else {
        return;
    };
    let second = a_while_ago();
    up.write("a.txt", "version 1", second + Duration::from_millis(200));
    assert_ok(&up.once(""));
    up.write("a.txt", "version 2", second + Duration::from_millis(700));
    assert_ok(&up.once(""));
    assert_eq!(
        fs::read_to_string(up.dst().join("a.txt")).unwrap(),
        "version 2"
    );
}

/// A file sent in the same second as its time (here: dated ahead, as a clock that moves in
/// coarse ticks makes two writes look alike) is recorded as unproven: a same-size edit that
/// keeps even its nanoseconds is sent by the next run.
#[test]
fn a_file_sent_within_its_own_second_is_not_proven_by_its_time() {
    let Some(up) = Up::pyftpd(None) else {
        return;
    };
    let ahead = SystemTime::now() + Duration::from_secs(30);
    up.write("racy.txt", "version 1", ahead);
    up.write("calm.txt", "calm", a_while_ago());
    assert_ok(&up.once(""));
    let sent = up.sent();
    up.write("racy.txt", "version 2", ahead);
    assert_ok(&up.once(""));
    assert_eq!(
        fs::read_to_string(up.dst().join("racy.txt")).unwrap(),
        "version 2"
    );
    // Only it: the file whose second was long over is trusted.
    assert_eq!(up.sent(), sent + 1, "{}", up.journal());
}

// ---- listed times in the server's zone ---------------------------------------------------

/// Without a state file, a server listing its own zone: the offset the clear majority of
/// files show is taken, and one real edit among them is the only file sent.
#[test]
fn without_state_one_edit_among_zoned_files_is_the_only_one_sent() {
    let Some(up) = Up::pyftpd(Some("zone")) else {
        return;
    };
    let names: Vec<String> = (0..12).map(|i| format!("page{i:02}.html")).collect();
    for name in &names {
        up.write(name, name, a_while_ago());
    }
    assert_ok(&up.once(""));
    assert_eq!(up.sent(), 12, "{}", up.journal());
    // A new machine: no record. One page is edited, same size, another time.
    up.forget_state();
    up.write("page03.html", "PAGE03.html", a_while_ago() + HOUR / 2);
    assert_ok(&up.once(""));
    assert_eq!(up.sent(), 13, "only the edit is sent:\n{}", up.journal());
    assert_eq!(tree(&up.src()), tree(&up.dst()));
}

/// With a state file and `--update`: a file on the server ftpsh did not send is listed in
/// the server's zone; a local edit an hour newer than it is sent (the zone the recorded
/// files show is taken off its listed time), an older one is not.
#[test]
fn update_compares_in_utc_with_the_state_file() {
    let Some(up) = Up::pyftpd(Some("zone")) else {
        return;
    };
    let base = a_while_ago() - 4 * HOUR;
    for name in ["a.html", "b.html", "c.html"] {
        up.write(name, name, base);
    }
    assert_ok(&up.once("--update"));
    assert_eq!(up.sent(), 3, "{}", up.journal());
    // Another uploader puts two files there, dated `base` (UTC).
    for name in ["theirs.txt", "older.txt"] {
        write_at(&up.dst().join(name), "their version", base);
    }
    // The local copies: one edited an hour after theirs, one an hour before.
    up.write("theirs.txt", "my newer edit", base + HOUR);
    up.write("older.txt", "my older one", base - HOUR);
    assert_ok(&up.once("--update"));
    assert_eq!(
        fs::read_to_string(up.dst().join("theirs.txt")).unwrap(),
        "my newer edit",
        "{}",
        up.journal()
    );
    assert_eq!(
        fs::read_to_string(up.dst().join("older.txt")).unwrap(),
        "their version",
        "{}",
        up.journal()
    );
}

/// `mirror --download --once REMOTE site` in `home`, journal in `home/journal.log`.
fn download_once(home: &Path, url: &str, args: &str) -> Out {
    let journal = home.join("journal.log");
    Out::from(
        support::ftpsh(home)
            .args([
                "--log",
                journal.to_str().unwrap(),
                "-c",
                &format!("mirror --download --once {args}"),
                url,
            ])
            .output()
            .unwrap(),
    )
}

fn journal_of(home: &Path) -> String {
    fs::read_to_string(home.join("journal.log")).unwrap_or_default()
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

/// The server's listing shifts by an hour between two passes (a DST change): nothing is
/// fetched again, local times stay, and a file new after the shift is dated in step.
#[test]
fn download_after_a_dst_shift_fetches_nothing_again() {
    let Some(py) = PyFtpd::start_quirk("shift") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let base = a_while_ago() - 10 * HOUR;
    for name in ["a.txt", "b.txt", "c.txt", "d.txt"] {
        write_at(&py.path(&format!("www/{name}")), name, base);
    }
    let url = py.url();
    assert_ok(&download_once(home.path(), &url, "/www site"));
    let site = home.path().join("site");
    assert_eq!(mtime(&site.join("a.txt")), base);
    let fetched = journal_of(home.path()).matches(" RETR ").count();
    assert_eq!(fetched, 4);
    py.set_shift(1);
    write_at(&py.path("www/new.txt"), "new", base + 2 * HOUR);
    let out = download_once(home.path(), &url, "/www site");
    assert_ok(&out);
    let journal = journal_of(home.path());
    assert_eq!(
        journal.matches(" RETR ").count(),
        fetched + 1,
        "only the new file:\n{journal}"
    );
    assert!(!journal.contains("CONFLICT"), "{journal}");
    assert_eq!(mtime(&site.join("a.txt")), base, "a local time moved");
    assert_eq!(mtime(&site.join("new.txt")), base + 2 * HOUR);
    // And the next pass, still shifted, is a no-op.
    assert_ok(&download_once(home.path(), &url, "/www site"));
    assert_eq!(journal_of(home.path()), journal);
}

/// A server time no file system holds (years 9999 and 0001: ext4 keeps 2446 and 1901) is no
/// time: the file is fetched once, then left alone, never taken for a local edit.
#[test]
fn download_of_files_dated_9999_or_0001_fetches_them_once() {
    use support::fake::{Act, Fake, MODERN_FEAT};
    let files: &[(&str, &[u8])] = &[
        ("www/future.txt", b"future"),
        ("www/past.txt", b"past"),
        ("www/plain.txt", b"plain"),
    ];
    let server = Fake::start(files, MODERN_FEAT, |verb, arg, _| match verb {
        "MLSD" if arg.trim_end_matches('/').ends_with("www") => Act::Data {
            body: concat!(
                "type=file;size=6;modify=99991231235959; future.txt\r\n",
                "type=file;size=4;modify=00010101000000; past.txt\r\n",
                "type=file;size=5;modify=20240102030405; plain.txt\r\n",
            )
            .as_bytes()
            .to_vec(),
            closing: "226 Done".to_string(),
            trickle: None,
        },
        _ => Act::Normal,
    });
    let home = TempDir::new().unwrap();
    let url = server.url();
    let out = download_once(home.path(), &url, "/www site");
    assert_ok(&out);
    let journal = journal_of(home.path());
    assert_eq!(journal.matches(" RETR ").count(), 3, "{journal}");
    for _ in 0..2 {
        assert_ok(&download_once(home.path(), &url, "/www site"));
        assert_eq!(journal_of(home.path()), journal, "fetched again");
    }
    let site = home.path().join("site");
    assert_eq!(
        fs::read_to_string(site.join("future.txt")).unwrap(),
        "future"
    );
    assert!(
        !tree(&site).keys().any(|k| k.contains("conflict")),
        "{:?}",
        tree(&site)
    );
}

// ---- the download mirror follows the upload mirror's rules -------------------------------

/// Swapped arguments: the remote side does not exist, so nothing is made locally.
#[test]
fn download_with_a_missing_remote_creates_nothing_locally() {
    let Some(py) = PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    fs::create_dir(home.path().join("site")).unwrap();
    let out = download_once(home.path(), &py.url(), "./site www");
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("not found"), "{out:?}");
    assert!(
        !home.path().join("www").exists(),
        "LOCAL made for a missing remote"
    );
    // The right way round makes it.
    write_at(&py.path("site/a.txt"), "a", a_while_ago());
    assert_ok(&download_once(home.path(), &py.url(), "/site www"));
    assert_eq!(
        fs::read_to_string(home.path().join("www/a.txt")).unwrap(),
        "a"
    );
}

/// A remote folder removed while its local copy holds an excluded file: the mirror's files
/// go, the folder stays with the excluded file, quietly, pass after pass.
#[test]
fn download_keeps_a_folder_holding_an_excluded_file() {
    let Some(py) = PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    for rel in ["www/keep.txt", "www/sub/a.txt", "www/sub/b.txt"] {
        write_at(&py.path(rel), rel, a_while_ago());
    }
    let url = py.url();
    let args = "--exclude .DS_Store /www site";
    assert_ok(&download_once(home.path(), &url, args));
    let site = home.path().join("site");
    fs::write(site.join("sub/.DS_Store"), "finder").unwrap();
    fs::remove_dir_all(py.path("www/sub")).unwrap();
    let out = download_once(home.path(), &url, args);
    assert_ok(&out);
    assert!(!site.join("sub/a.txt").exists() && !site.join("sub/b.txt").exists());
    assert_eq!(
        fs::read_to_string(site.join("sub/.DS_Store")).unwrap(),
        "finder"
    );
    let journal = journal_of(home.path());
    let again = download_once(home.path(), &url, args);
    assert_ok(&again);
    assert_eq!(journal_of(home.path()), journal, "{again:?}");
}

/// A remote name this system cannot hold as a file name (`a\b`, `Q:A`: a separator, a
/// drive) is left out with a message naming it; everything else arrives, nothing is
/// deleted in that folder, and the run exits 1.
#[test]
fn download_leaves_out_a_name_it_cannot_hold_and_fetches_the_rest() {
    use support::fake::{Act, Fake, MODERN_FEAT};
    let files: &[(&str, &[u8])] = &[
        ("www/a.txt", b"a"),
        ("www/sub/c.txt", b"c"),
        ("www/z.txt", b"z"),
    ];
    let server = Fake::start(files, MODERN_FEAT, |verb, arg, _| match verb {
        "MLSD" if arg.trim_end_matches('/').ends_with("www") => Act::Data {
            body: concat!(
                "type=file;size=1;modify=20240102030405; a.txt\r\n",
                "type=file;size=3;modify=20240102030405; a\\b\r\n",
                "type=file;size=3;modify=20240102030405; Q:A\r\n",
                "type=dir;modify=20240102030405; sub\r\n",
                "type=file;size=1;modify=20240102030405; z.txt\r\n",
            )
            .as_bytes()
            .to_vec(),
            closing: "226 Done".to_string(),
            trickle: None,
        },
        _ => Act::Normal,
    });
    let home = TempDir::new().unwrap();
    let site = home.path().join("site");
    write_at(&site.join("mine.txt"), "local only", a_while_ago());
    let out = download_once(home.path(), &server.url(), "--allow-mass-delete /www site");
    assert_eq!(out.code, 1, "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains(r#""a\\b""#) || said.contains(r"a\b"),
        "{said}"
    );
    assert!(said.contains("Q:A"), "{said}");
    for (rel, body) in [("a.txt", "a"), ("sub/c.txt", "c"), ("z.txt", "z")] {
        assert_eq!(fs::read_to_string(site.join(rel)).unwrap(), body, "{said}");
    }
    assert_eq!(
        fs::read_to_string(site.join("mine.txt")).unwrap(),
        "local only",
        "deleted in a folder not known whole"
    );
}

// ---- a one-shot that did not mirror everything does not exit 0 ---------------------------

/// Server files that never arrive, because a local link stands where one goes, or because a
/// server folder became a file while the local folder holds a user's file: exit 1, naming
/// what was not mirrored; everything else arrives.
#[cfg(unix)]
#[test]
fn download_once_fails_naming_what_did_not_arrive() {
    let Some(py) = PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    for rel in ["www/a.txt", "www/x/y.txt", "www/z.txt"] {
        write_at(&py.path(rel), rel, a_while_ago());
    }
    let url = py.url();
    assert_ok(&download_once(home.path(), &url, "/www site"));
    let site = home.path().join("site");
    // A link where a server file goes.
    fs::remove_file(site.join("a.txt")).unwrap();
    std::os::unix::fs::symlink(home.path().join("elsewhere"), site.join("a.txt")).unwrap();
    write_at(&py.path("www/z.txt"), "z, changed", a_while_ago() + HOUR);
    let out = download_once(home.path(), &url, "/www site");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(r#""a.txt": not mirrored"#), "{out:?}");
    assert_eq!(
        fs::read_to_string(site.join("z.txt")).unwrap(),
        "z, changed"
    );
    fs::remove_file(site.join("a.txt")).unwrap();
    assert_ok(&download_once(home.path(), &url, "/www site"));
    // A server folder becomes a file; the local folder holds the user's own file.
    fs::write(site.join("x/mine.txt"), "mine").unwrap();
    fs::remove_dir_all(py.path("www/x")).unwrap();
    write_at(&py.path("www/x"), "now a file", a_while_ago());
    let out = download_once(home.path(), &url, "/www site");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(r#""x": not mirrored"#), "{out:?}");
    assert!(
        tree(&site).values().flatten().any(|b| b == b"mine"),
        "the user's file kept: {:?}",
        tree(&site)
    );
}

/// A server file's permission bits come with it, less the umask (`mirror --no-perms`: the
/// umask's alone): an executable stays executable; a later chmod on the server is a chmod
/// here, not a fetch; a no-op pass changes nothing.
#[cfg(unix)]
#[test]
fn download_keeps_the_servers_modes() {
    use std::os::unix::fs::PermissionsExt;
    let Some(py) = PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    write_at(&py.path("www/run.sh"), "#!/bin/sh\n", a_while_ago());
    write_at(&py.path("www/page.html"), "<p>", a_while_ago());
    let chmod = |path: &Path, mode: u32| {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    };
    chmod(&py.path("www/run.sh"), 0o755);
    chmod(&py.path("www/page.html"), 0o644);
    let url = py.url();
    assert_ok(&download_once(home.path(), &url, "/www site"));
    let site = home.path().join("site");
    let mode = |rel: &str| fs::metadata(site.join(rel)).unwrap().permissions().mode() & 0o777;
    // The tests run with the common umask (022) or a stricter one.
    assert_eq!(mode("run.sh") & 0o700, 0o700, "{:o}", mode("run.sh"));
    assert_eq!(mode("run.sh") & 0o022, 0, "{:o}", mode("run.sh"));
    assert_eq!(mode("page.html") & 0o111, 0, "{:o}", mode("page.html"));
    let journal = journal_of(home.path());
    assert_ok(&download_once(home.path(), &url, "/www site"));
    assert_eq!(
        journal_of(home.path()),
        journal,
        "a no-op pass did something"
    );
    chmod(&py.path("www/run.sh"), 0o700);
    assert_ok(&download_once(home.path(), &url, "/www site"));
    assert_eq!(mode("run.sh"), 0o700);
    let journal = journal_of(home.path());
    assert_eq!(journal.matches(" RETR ").count(), 2, "{journal}");
}

/// A local edit kept aside as a conflict copy is said on the pass's own line too, not in
/// the journal only.
#[test]
fn download_says_what_it_kept_aside_on_the_pass_line() {
    let Some(py) = PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    write_at(&py.path("www/page.html"), "server v1", a_while_ago());
    let url = py.url();
    assert_ok(&download_once(home.path(), &url, "/www site"));
    fs::write(home.path().join("site/page.html"), "my own edit").unwrap();
    write_at(&py.path("www/page.html"), "server v2", a_while_ago() + HOUR);
    let out = download_once(home.path(), &url, "/www site");
    assert_ok(&out);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("1 downloaded"))
        .unwrap_or_else(|| panic!("no pass line: {out:?}"));
    assert!(line.contains("1 local edit kept aside"), "{line}");
    assert!(line.contains(r#"kept aside "page.html""#), "{line}");
}

/// A backup job's pass folders are recognised by their names wherever the listing shows
/// them (a backup folder reached under another name, a server-side link `/old -> /www/.old`,
/// shows them inside the mirror): never taken for extras, never moved into a new pass.
#[test]
fn backup_pass_folders_seen_inside_the_mirror_are_left_alone() {
    let Some(up) = Up::pyftpd(None) else {
        return;
    };
    for name in ["a.txt", "b.txt", "keep.txt"] {
        up.write(name, name, a_while_ago());
    }
    assert_ok(&up.once("--backup-dir /old"));
    // What the backups of earlier passes look like, seen through the mirror's own folder.
    let earlier = up.dst().join(".old/2026-11-22T10.00.01.123Z");
    write_at(
        &earlier.join("gone.txt"),
        "an earlier backup",
        a_while_ago(),
    );
    fs::remove_file(up.src().join("a.txt")).unwrap();
    assert_ok(&up.once("--backup-dir /old"));
    assert_eq!(
        fs::read_to_string(earlier.join("gone.txt")).unwrap(),
        "an earlier backup",
        "an earlier pass's backup moved:\n{}",
        up.journal()
    );
    let passes: Vec<_> = fs::read_dir(up.served.join("old")).unwrap().collect();
    assert_eq!(passes.len(), 1, "{}", up.journal());
    assert!(!up.journal().contains(".old/2026"), "{}", up.journal());
}
