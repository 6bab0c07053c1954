//! Interop with real FTP servers: pure-ftpd, vsftpd and proftpd, started on 127.0.0.1 by
//! `.ci/servers.sh start`, which writes their addresses to an env file (`.ci/run` sources it):
//!
//! ```text
//! FTPSH_INTEROP_PASSWORD=...                       password of the user in every URL
//! FTPSH_INTEROP_CA=/tmp/ftpsh-interop/tls/ca.pem   CA of the FTPS certificate
//! FTPSH_INTEROP_PUREFTPD=ftp://ftpsh@127.0.0.1:2141
//! FTPSH_INTEROP_PUREFTPD_ROOT=/tmp/...             that user's folder on disk (read by the test)
//! FTPSH_INTEROP_PUREFTPD_FTPS=ftps://ftpsh@127.0.0.1:2141   (optional)
//! ```
//!
//! and likewise VSFTPD and PROFTPD. A server (or its FTPS) not in the environment is a visible,
//! counted skip (`SKIPPED:` on stderr) on a developer's machine, and a failure naming it under
//! `CI=true`; `FTPSH_INTEROP_SERVERS` (as for servers.sh, e.g. "pureftpd vsftpd") narrows the
//! servers expected. Each server runs the shell commands
//! and a mirror scenario, over plain FTP and over FTPS where offered, and every effect is
//! checked on the server's disk. The test prints a servers x features table on stderr
//! (`cargo test --test interop -- --nocapture` to see it) and fails if any cell failed.

mod support;

use support::tree;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::{Out, assert_ok};
use tempfile::TempDir;

/// The servers `.ci/servers.sh` knows, by env key (lowercase: its name for the server).
const SERVERS: [(&str, &str); 3] = [
    ("PUREFTPD", "pure-ftpd"),
    ("VSFTPD", "vsftpd"),
    ("PROFTPD", "proftpd"),
];

/// 2024-01-01T00:00:00Z: local files get fixed, old, whole-second mtimes, so a remote mtime
/// equal to the local one proves the client set it (an upload "now" would not match).
const BASE_MTIME: u64 = 1_704_067_200;

/// One server from the environment.
struct Server {
    name: &'static str,
    url: String,
    ftps: Option<String>,
    /// The FTP user's root folder on disk.
    root: PathBuf,
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// The servers in the environment. Each expected one that is missing is reported (and fails
/// the test under `CI=true`) before anything runs.
fn servers() -> Vec<Server> {
    let expected = env("FTPSH_INTEROP_SERVERS");
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (key, name) in SERVERS {
        let wanted = expected
            .as_deref()
            .is_none_or(|list| list.split_whitespace().any(|s| s.eq_ignore_ascii_case(key)));
        if !wanted {
            continue;
        }
        let (Some(url), Some(root)) = (
            env(&format!("FTPSH_INTEROP_{key}")),
            env(&format!("FTPSH_INTEROP_{key}_ROOT")),
        ) else {
            missing.push(format!("{name} (FTPSH_INTEROP_{key} and _ROOT)"));
            continue;
        };
        if env(&format!("FTPSH_INTEROP_{key}_FTPS")).is_none() || env("FTPSH_INTEROP_CA").is_none()
        {
            missing.push(format!(
                "{name} FTPS (FTPSH_INTEROP_{key}_FTPS and FTPSH_INTEROP_CA)"
            ));
        }
        found.push(Server {
            name,
            url,
            ftps: env(&format!("FTPSH_INTEROP_{key}_FTPS")),
            root: PathBuf::from(root),
        });
    }
    if !missing.is_empty() {
        support::skip::missing(
            &format!("interop servers: {}", missing.join(", ")),
            "bash .ci/servers.sh start, then set -a; . /tmp/ftpsh-interop/env; set +a",
        );
    }
    found
}

/// How to reach a server: its URL and, for FTPS, the CA to trust.
#[derive(Clone)]
struct Conn {
    url: String,
    ca: Option<String>,
    password: String,
    /// Remote folders of this run get this suffix, so plain and FTPS runs never meet, nor
    /// two test runs on the same servers at once (the pid).
    tag: String,
}

impl Conn {
    /// `ftpsh [--ca-file CA] ARGS... URL`, run in `local`.
    fn run(&self, local: &Path, args: &[&str], extra_env: &[(&str, &Path)]) -> Out {
        let mut command = support::ftpsh(local);
        command.env("FTPSH_PASSWORD", &self.password);
        for (key, value) in extra_env {
            command.env(key, value);
        }
        if let Some(ca) = &self.ca {
            command.args(["--ca-file", ca]);
        }
        let output = command
            .args(args)
            .arg(&self.url)
            .output()
            .expect("run ftpsh");
        Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn c(&self, local: &Path, commands: &str) -> Out {
        self.run(local, &["-c", commands], &[])
    }
}

fn mtime_secs(path: &Path) -> u64 {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn set_mtime(path: &Path, secs: u64) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// "2024-01-02 03:04:05 UTC", as `mdtm` prints it (days-from-civil, Howard Hinnant's algorithm).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Removes a folder of an earlier run from the server's disk (we run as the tests' user,
/// normally root, who may delete what the FTP user wrote).
fn clear(path: &Path) {
    if path.exists() {
        fs::remove_dir_all(path).unwrap_or_else(|e| panic!("clear {}: {e}", path.display()));
    }
}

#[track_caller]
fn assert_contains(out: &Out, needle: &str) {
    assert!(
        out.stdout.contains(needle),
        "stdout should contain {needle:?}:\nstdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
}

/// The FEAT reply, as one line per feature (upper-cased keyword first).
fn features(conn: &Conn) -> Vec<String> {
    let local = TempDir::new().unwrap();
    let out = conn.c(local.path(), "quote FEAT");
    assert_ok(&out);
    out.stdout
        .split(['|', '\n'])
        .map(|f| f.trim().to_ascii_uppercase())
        .filter(|f| !f.is_empty())
        .collect()
}

/// The shell's commands, each effect checked on the server's disk.
fn shell_commands(server: &Server, conn: &Conn) {
    let local = TempDir::new().unwrap();
    let base = format!("it-shell-{}", conn.tag);
    let disk = server.root.join(&base);
    clear(&disk);
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(local.path().join("data.bin"), &body).unwrap();
    fs::write(local.path().join("my file é.txt"), "hé").unwrap();
    fs::write(local.path().join("notes.txt"), "one\ntwo\n").unwrap();

    let script = format!(
        "mkdir -p /{base}/deep/er/est; mkdir -p /{base}/deep; cd /{base}; \
         put data.bin; put 'my file é.txt' deep/; ls; size data.bin; mdtm data.bin; \
         rename data.bin renamed.bin; mkdir moved 'dir 文件'; \
         mv renamed.bin 'deep/my file é.txt' moved; get moved/renamed.bin back.bin; \
         nlst moved; put data.bin gone.bin; rm gone.bin; touch 'dir 文件/new.txt'; \
         chmod 600 'dir 文件/new.txt'; chmod -R 750 deep; ls -l; \
         rmdir deep/er/est; quote SYST; \
         ascii; put notes.txt; get notes.txt notes-back.txt; binary; rm notes.txt; pwd"
    );
    let out = conn.c(local.path(), &script);
    assert_ok(&out);
    let renamed = disk.join("moved/renamed.bin");
    assert_eq!(
        fs::read(&renamed).ok(),
        Some(body.clone()),
        "moved/renamed.bin on disk"
    );
    assert_eq!(
        fs::read_to_string(disk.join("moved/my file é.txt")).ok(),
        Some("hé".to_string()),
        "moved/my file é.txt on disk"
    );
    assert_eq!(
        fs::metadata(disk.join("dir 文件/new.txt"))
            .map(|m| m.len())
            .ok(),
        Some(0),
        "touch made an empty file"
    );
    assert!(disk.join("deep/er").is_dir(), "mkdir -p made deep/er");
    // chmod (SITE CHMOD) and -R through a folder; ls -l shows the bits the server lists.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = |rel: &str| fs::metadata(disk.join(rel)).unwrap().permissions().mode() & 0o777;
        assert_eq!(bits("dir 文件/new.txt"), 0o600, "chmod 600");
        assert_eq!(
            (bits("deep"), bits("deep/er")),
            (0o750, 0o750),
            "chmod -R 750"
        );
        assert_contains(&out, "drwxr-x--- ");
    }
    assert!(!disk.join("deep/er/est").exists(), "rmdir removed est");
    for gone in ["data.bin", "gone.bin", "deep/my file é.txt"] {
        assert!(!disk.join(gone).exists(), "{gone} should be gone");
    }
    assert_eq!(
        fs::read(local.path().join("back.bin")).ok(),
        Some(body),
        "downloaded copy"
    );
    let leftovers: Vec<_> = tree(&disk)
        .into_keys()
        .filter(|k| k.contains("ftpsh-part"))
        .collect();
    assert!(leftovers.is_empty(), "temporaries left: {leftovers:?}");
    // ASCII both ways (proftpd converts and refuses SIZE in ASCII mode; vsftpd and
    // pure-ftpd store the CRLF as sent): the text comes back as it left.
    assert_eq!(
        fs::read_to_string(local.path().join("notes-back.txt")).ok(),
        Some("one\ntwo\n".to_string()),
        "ascii round trip"
    );
    assert_contains(&out, "data.bin"); // ls
    assert_contains(&out, "300000\tdata.bin"); // size
    // mdtm printed the file's time; a rename keeps it, so the renamed file on disk has it too
    assert_contains(&out, &format!("{}\tdata.bin", utc(mtime_secs(&renamed))));
    assert_contains(&out, "renamed.bin"); // nlst
    assert_contains(&out, "215 "); // quote SYST
    assert!(
        out.stdout.trim_end().ends_with(&format!("/{base}")),
        "pwd: {}",
        out.stdout
    );

    let out = conn.c(local.path(), &format!("rm -r /{base}/moved"));
    assert_ok(&out);
    assert!(!disk.join("moved").exists(), "rm -r removed moved/");
    assert!(disk.join("deep/er").is_dir(), "rm -r left deep/ alone");
    // Then a chmod of what is gone: the server's refusal, named.
    let out = conn.c(
        local.path(),
        &format!("rm -r /{base}; chmod 644 /{base}/gone.txt"),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("chmod 644 /{base}/gone.txt: 550")),
        "{}",
        out.stderr
    );
    assert!(!disk.exists(), "rm -r removed the whole tree");
}

/// A local file's or folder's permission bits (rwx only: what the mirror keeps).
#[cfg(unix)]
fn bits(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
fn set_bits(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Results of the mirror scenario worth a column.
struct MirrorFacts {
    mtimes_kept: bool,
    /// Uploads of a pass over a synced tree with no saved state (what the server tells).
    stateless_uploads: usize,
    /// Files in the tree.
    files: usize,
}

/// Files in the mirror tree's `many/` folder.
const MANY: usize = 12;

/// Names that are not UTF-8 (Latin-1 bytes on the server's disk, which these servers pass
/// through as they are): listed readably, fetched under the same bytes, renamed and
/// deleted byte for byte (the disk shows which name each command reached).
#[cfg(unix)]
fn latin1_names(server: &Server, conn: &Conn) {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let local = TempDir::new().unwrap();
    let base = format!("it-names-{}", conn.tag);
    let disk = server.root.join(&base);
    clear(&disk);
    // Made by the FTP user, so it may rename and delete in it.
    assert_ok(&conn.c(local.path(), &format!("mkdir /{base}")));
    let wire: &[u8] = b"r\xe4ksm\xf6rg\xe5s.txt";
    fs::write(disk.join(OsStr::from_bytes(wire)), "smorgas").unwrap();
    fs::write(disk.join(OsStr::from_bytes(b"gammal-\xe4.txt")), "old").unwrap();
    let out = conn.c(
        local.path(),
        &format!("cd /{base}; ls; get r?ksm*; rename r?ksm* macka.txt; rm gammal-*"),
    );
    assert_ok(&out);
    assert_contains(&out, "r\\xe4ksm\\xf6rg\\xe5s.txt");
    assert_eq!(
        fs::read(local.path().join(OsStr::from_bytes(wire)))
            .ok()
            .as_deref(),
        Some(&b"smorgas"[..]),
        "get names the local file with the server's bytes"
    );
    assert_eq!(
        fs::read(disk.join("macka.txt")).ok().as_deref(),
        Some(&b"smorgas"[..])
    );
    let left: Vec<Vec<u8>> = fs::read_dir(&disk)
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    assert_eq!(
        left,
        [b"macka.txt".to_vec()],
        "rename and rm reached the Latin-1 names"
    );
}

fn write_file(root: &Path, rel: &str, body: &str, mtime: u64) {
    let path = support::write_file(root, rel, body);
    set_mtime(&path, mtime);
}

fn count(text: &str, needle: &str) -> usize {
    text.lines().filter(|l| l.contains(needle)).count()
}

/// Files whose remote mtime (on the server's disk) is not the local one.
fn mtime_mismatches(local: &Path, remote: &Path) -> Vec<String> {
    tree(local)
        .into_iter()
        .filter(|(_, body)| body.is_some())
        .filter(|(rel, _)| mtime_secs(&local.join(rel)) != mtime_secs(&remote.join(rel)))
        .map(|(rel, _)| rel)
        .collect()
}

/// `mirror --once` of a nested tree, an edit + delete + renames, re-syncs, checked on disk.
fn mirror_scenario(server: &Server, conn: &Conn, can_set_times: bool) -> MirrorFacts {
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    let remote = format!("/dst-{}", conn.tag);
    let disk = server.root.join(&remote[1..]);
    clear(&disk);
    let journal = home.path().join("journal.log");
    let files = [
        ("index.html", "<h1>hi</h1>"),
        ("css/site.css", "body{}"),
        ("img/a b.png", "PNG"),
        ("docs/é 文件/deep/deeper/x.txt", "x"),
        ("same.txt", "aaaa"),
        ("empty.txt", ""),
        // Servers hide dot files from a plain LIST (vsftpd, pure-ftpd): they must be seen.
        (".htaccess", "deny"),
    ];
    for (i, (rel, body)) in files.iter().enumerate() {
        write_file(&src, rel, body, BASE_MTIME + i as u64);
    }
    // enough files that each upload connection carries several data connections in a row
    // (over FTPS, servers that require TLS session reuse check every one of them)
    for i in 0..MANY {
        write_file(
            &src,
            &format!("many/f{i:02}.txt"),
            &format!("file {i}"),
            BASE_MTIME + 50,
        );
    }
    let total = files.len() + MANY;
    fs::create_dir_all(src.join("emptydir")).unwrap();
    // Permission bits the mirror keeps: a script, a secret, a private folder.
    #[cfg(unix)]
    let modes = [
        ("many/f00.txt", 0o755),
        (".htaccess", 0o600),
        ("docs", 0o750),
    ];
    #[cfg(unix)]
    for (rel, mode) in modes {
        set_bits(&src.join(rel), mode);
    }

    let command = format!("mirror --once src {remote}");
    let once = |state: Option<&Path>| -> (Out, String) {
        let before = fs::read_to_string(&journal).unwrap_or_default();
        let log = journal.to_str().unwrap();
        let extra: Vec<(&str, &Path)> = state.map(|s| ("FTPSH_STATE_DIR", s)).into_iter().collect();
        let out = conn.run(home.path(), &["--log", log, "-c", &command], &extra);
        let after = fs::read_to_string(&journal).unwrap_or_default();
        let new = after.get(before.len()..).unwrap_or_default().to_string();
        (out, new)
    };
    let same_tree = |what: &str| {
        assert_eq!(
            tree(&disk),
            tree(&src),
            "{what}: remote tree differs from local"
        );
    };

    // 1. first pass: everything uploaded
    let (out, new) = once(None);
    assert_ok(&out);
    same_tree("first pass");
    assert_eq!(count(&new, " STOR "), total, "first pass journal:\n{new}");
    #[cfg(unix)]
    for (rel, mode) in modes {
        assert_eq!(
            bits(&disk.join(rel)),
            mode,
            "{rel} after the first pass:\n{new}"
        );
    }
    let mismatched = mtime_mismatches(&src, &disk);
    let mtimes_kept = mismatched.is_empty();
    if can_set_times {
        assert!(
            mtimes_kept,
            "the server can set times, yet these remote mtimes differ: {mismatched:?}"
        );
    }

    // 2. an edit (new size), a same-size edit (new mtime), a delete, a file and a dir renamed
    write_file(&src, "index.html", "<h1>hello again</h1>", BASE_MTIME + 100);
    write_file(&src, "same.txt", "bbbb", BASE_MTIME + 101);
    fs::remove_file(src.join("css/site.css")).unwrap();
    fs::rename(src.join("img/a b.png"), src.join("img/c d.png")).unwrap();
    fs::rename(src.join("docs/é 文件"), src.join("docs/ü folder")).unwrap();
    // and a local chmod: a chmod on the server, not an upload
    #[cfg(unix)]
    set_bits(&src.join("empty.txt"), 0o640);
    let (out, new) = once(None);
    assert_ok(&out);
    same_tree("second pass");
    assert_eq!(
        count(&new, " STOR "),
        2,
        "second pass: only the two edits are uploaded:\n{new}"
    );
    assert_eq!(
        count(&new, " RENAME "),
        2,
        "renames sent as renames:\n{new}"
    );
    assert_eq!(count(&new, " DELE "), 1, "one delete:\n{new}");
    #[cfg(unix)]
    {
        assert_eq!(count(&new, " CHMOD "), 1, "the local chmod:\n{new}");
        assert_eq!(
            bits(&disk.join("empty.txt")),
            0o640,
            "after the local chmod"
        );
    }
    if can_set_times {
        let mismatched = mtime_mismatches(&src, &disk);
        assert!(
            mismatched.is_empty(),
            "mtimes differ after pass 2: {mismatched:?}"
        );
    }

    // 3. nothing changed: nothing uploaded
    let (out, new) = once(None);
    assert_ok(&out);
    same_tree("third pass");
    assert_eq!(count(&new, " STOR "), 0, "third pass uploaded:\n{new}");
    assert_eq!(count(&new, " CHMOD "), 0, "third pass set modes:\n{new}");
    assert_eq!(count(&new, " WARN "), 0, "third pass warned:\n{new}");

    // 4. the same with no saved state: only what the server tells (informational)
    let state = home.path().join("fresh-state");
    fs::create_dir(&state).unwrap();
    let (out, new) = once(Some(&state));
    assert_ok(&out);
    same_tree("pass without state");
    let stateless_uploads = count(&new, " STOR ");
    // The bits are read from the listing, not from the state: none to set.
    assert_eq!(
        count(&new, " CHMOD "),
        0,
        "pass without state set modes:\n{new}"
    );

    clear(&disk);
    MirrorFacts {
        mtimes_kept,
        stateless_uploads,
        files: total,
    }
}

/// `mirror --download --once` from a folder written on the server's disk: the initial copy
/// (with the server's times where it lists exact ones), a no-op, a change, a delete and a
/// rename on the server, and a local edit kept aside rather than overwritten.
fn download_scenario(server: &Server, conn: &Conn, exact_times: bool) {
    let home = TempDir::new().unwrap();
    let remote = format!("/down-{}", conn.tag);
    let disk = server.root.join(&remote[1..]);
    clear(&disk);
    let files = [
        ("index.html", "<h1>hi</h1>"),
        ("css/site.css", "body{}"),
        ("img/a b.png", "PNG"),
        ("docs/é 文件/x.txt", "x"),
        (".htaccess", "deny"),
    ];
    for (i, (rel, body)) in files.iter().enumerate() {
        write_file(&disk, rel, body, BASE_MTIME + i as u64);
    }
    let site = home.path().join("site");
    let journal = home.path().join("journal.log");
    let command = format!("mirror --download --once {remote} site");
    let once = || -> (Out, String) {
        let before = fs::read_to_string(&journal).unwrap_or_default();
        let log = journal.to_str().unwrap();
        let out = conn.run(home.path(), &["--log", log, "-c", &command], &[]);
        let after = fs::read_to_string(&journal).unwrap_or_default();
        (
            out,
            after.get(before.len()..).unwrap_or_default().to_string(),
        )
    };
    // 1. the initial copy
    let (out, new) = once();
    assert_ok(&out);
    assert_eq!(tree(&site), tree(&disk), "download: first pass");
    assert_eq!(count(&new, " RETR "), files.len(), "{new}");
    if exact_times {
        let mismatched = mtime_mismatches(&disk, &site);
        assert!(
            mismatched.is_empty(),
            "local times not the server's: {mismatched:?}"
        );
    }
    // 2. nothing changed: nothing done
    let (out, new) = once();
    assert_ok(&out);
    assert_eq!(new, "", "download: a no-op pass did something");
    // 3. a change, a delete and a rename on the server
    write_file(
        &disk,
        "index.html",
        "<h1>hello again</h1>",
        BASE_MTIME + 100,
    );
    fs::remove_file(disk.join("css/site.css")).unwrap();
    fs::rename(disk.join("img"), disk.join("images")).unwrap();
    let (out, new) = once();
    assert_ok(&out);
    assert_eq!(tree(&site), tree(&disk), "download: after changes\n{new}");
    // 4. a local edit is kept aside, the server's version fetched
    fs::write(site.join("index.html"), "my edit").unwrap();
    let (out, new) = once();
    assert_ok(&out);
    assert_eq!(count(&new, " CONFLICT "), 1, "{new}");
    let mut local = tree(&site);
    let kept: Vec<String> = local
        .keys()
        .filter(|k| k.contains(".ftpsh-conflict-"))
        .cloned()
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(local.remove(&kept[0]), Some(Some(b"my edit".to_vec())));
    assert_eq!(local, tree(&disk), "download: after the local edit");
    clear(&disk);
}

/// Runs `check`, turning a panic into a FAIL cell (its message went to stderr already).
fn cell<T>(failures: &mut Vec<String>, what: String, check: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(check)) {
        Ok(value) => Some(value),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{what}: {message}"));
            None
        }
    }
}

fn ok(result: &Option<()>) -> &'static str {
    if result.is_some() { "ok" } else { "FAIL" }
}

/// One server's row of the table (its checks run one after the other: they share its disk);
/// failed checks are added to `failures`.
fn check_server(
    server: &Server,
    password: &str,
    ca: &Option<String>,
    failures: &mut Vec<String>,
) -> [String; 10] {
    let password = password.to_string();
    let plain = Conn {
        url: server.url.clone(),
        ca: None,
        password: password.clone(),
        tag: format!("plain-{}", std::process::id()),
    };
    let tls = match (&server.ftps, &ca) {
        (Some(url), Some(ca)) => Some(Conn {
            url: url.clone(),
            ca: Some(ca.clone()),
            password: password.clone(),
            tag: format!("ftps-{}", std::process::id()),
        }),
        // reported by servers()
        _ => None,
    };
    let name = server.name;
    let feat = cell(failures, format!("{name} FEAT"), || features(&plain)).unwrap_or_default();
    let has = |word: &str| {
        feat.iter()
            .any(|f| f.split_whitespace().next() == Some(word))
    };
    let mlsd = has("MLSD") || has("MLST");
    let mfmt = has("MFMT");
    // vsftpd's 2-arg MDTM, switched on with mdtm_write=YES in servers.sh
    let mdtm_set = !mfmt && name == "vsftpd";
    let can_set_times = mfmt || mdtm_set;

    // The plain and the FTPS checks work in folders of their own (the tag), so they run side
    // by side: a server's row takes as long as its slower half, not the sum.
    let chain = |conn: &Conn, kind: &str, download: bool| {
        let mut failures = Vec::new();
        let shell = cell(&mut failures, format!("{name} shell ({kind})"), || {
            shell_commands(server, conn)
        });
        // Not a column of its own: a failure shows in the failures list.
        #[cfg(unix)]
        cell(
            &mut failures,
            format!("{name} names not UTF-8 ({})", conn.tag),
            || latin1_names(server, conn),
        );
        // Not a column of its own: a failure shows in the failures list.
        if download {
            cell(&mut failures, format!("{name} mirror --download"), || {
                download_scenario(server, conn, mlsd)
            });
        }
        let mirror = cell(&mut failures, format!("{name} mirror ({kind})"), || {
            mirror_scenario(server, conn, can_set_times)
        });
        (shell, mirror, failures)
    };
    let ((shell, mirror, plain_failures), tls_results) = std::thread::scope(|scope| {
        let tls_side = tls
            .as_ref()
            .map(|conn| scope.spawn(move || chain(conn, "FTPS", false)));
        let plain_side = chain(&plain, "plain", true);
        let tls_results =
            tls_side.map(|h| h.join().expect("the FTPS checks panicked outside a cell"));
        (plain_side, tls_results)
    });
    failures.extend(plain_failures);
    let (shell_tls, mirror_tls) = match tls_results {
        Some((shell, mirror, tls_failures)) => {
            failures.extend(tls_failures);
            (Some(shell), Some(mirror))
        }
        None => (None, None),
    };
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    [
        name.to_string(),
        ok(&shell).to_string(),
        shell_tls.as_ref().map_or("-", ok).to_string(),
        yes(mlsd),
        yes(mfmt),
        yes(mdtm_set),
        if mirror.is_some() { "ok" } else { "FAIL" }.to_string(),
        mirror_tls
            .as_ref()
            .map_or("-", |m| if m.is_some() { "ok" } else { "FAIL" })
            .to_string(),
        mirror
            .as_ref()
            .map_or("?".to_string(), |m| yes(m.mtimes_kept)),
        mirror.as_ref().map_or("?".to_string(), |m| {
            format!("{} of {}", m.stateless_uploads, m.files)
        }),
    ]
}

#[test]
fn real_servers() {
    let servers = servers();
    if servers.is_empty() {
        return;
    }
    let password = env("FTPSH_INTEROP_PASSWORD").expect("FTPSH_INTEROP_PASSWORD");
    let ca = env("FTPSH_INTEROP_CA");
    let started = SystemTime::now();
    let mut failures = Vec::new();
    let header = [
        "server",
        "plain",
        "FTPS",
        "MLSD",
        "MFMT",
        "MDTM set",
        "mirror",
        "mirror FTPS",
        "mtimes kept",
        "re-sent w/o state",
    ];
    // The servers are independent: checked side by side, each in its own thread.
    let results: Vec<([String; 10], Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = servers
            .iter()
            .map(|server| {
                let (password, ca) = (&password, &ca);
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    let row = check_server(server, password, ca, &mut failures);
                    (row, failures)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a server's checks panicked outside a cell"))
            .collect()
    });
    let mut rows = Vec::new();
    for (row, failed) in results {
        rows.push(row);
        failures.extend(failed);
    }

    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap()
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    let mut table = vec![line(header.to_vec())];
    table.push(line(widths.iter().map(|_| "").collect()).replace(' ', "-"));
    for row in &rows {
        table.push(line(row.iter().map(String::as_str).collect()));
    }
    eprintln!(
        "\ninterop: real servers x features ({:.1}s)\n{}\n",
        started.elapsed().unwrap_or_default().as_secs_f64(),
        table.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} interop check(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
