//! Resumed transfers are proven, not trusted: servers that get a resume wrong (REST answered
//! 350 and ignored on STOR or RETR, APPE overwriting, RETR without end), through the quirk
//! modes of the pyftpdlib fixture. Partials come from real interrupted transfers (SIGINT
//! under a rate limit). The tests skip visibly when pyftpdlib is missing (a failure under
//! `CI=true`).

mod support;

use support::{Out, assert_ok, pattern, temporaries, wait_out};

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use support::pyftpd::PyFtpd;
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(60);

/// The one line that says a server does not continue where asked.
const DISTRUST: &str = "does not continue transfers where asked";

fn run(dir: &Path, args: &[&str]) -> Out {
    support::run_within(support::ftpsh(dir).args(args), DEADLINE)
}

/// Runs `ftpsh --limit-rate 256K -c COMMAND URL` in `dir` and interrupts it (SIGINT, as
/// Ctrl-C) once `under_way` holds; returns its output.
fn interrupted(server: &PyFtpd, dir: &Path, command: &str, under_way: impl Fn() -> bool) -> Out {
    let child = support::spawn_piped(support::ftpsh(dir).args([
        "--limit-rate",
        "256K",
        "-c",
        command,
        &server.url(),
    ]));
    support::wait_until("the transfer under way", DEADLINE, &under_way);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = wait_out(child, DEADLINE);
    assert_eq!(out.code, 130, "{}", out.stderr);
    out
}

/// A temporary in `dir` (uploads' `.ftpsh-part-…-NAME` or downloads' `NAME.ftpsh-part` and
/// `.ftpsh-part-…-NAME`) of `name` holding at least 64 KiB.
fn temp_of(dir: &Path, name: &str) -> Option<String> {
    temporaries(dir).into_iter().find(|t| {
        (t.ends_with(&format!("-{name}")) || t.starts_with(&format!("{name}.")))
            && fs::metadata(dir.join(t)).is_ok_and(|m| m.len() >= 64 * 1024)
    })
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// `put NAME`, interrupted once its temporary holds 64 KiB: the temporary stays.
fn interrupted_put(server: &PyFtpd, local: &Path, name: &str) -> String {
    let root = server.root().to_path_buf();
    interrupted(server, local, &format!("put {name}"), || {
        temp_of(&root, name).is_some()
    });
    temp_of(server.root(), name).expect("the temporary is kept")
}

/// On a server that takes the offset but writes from byte 0 (REST + STOR) or overwrites
/// on APPE: `put -c` of two interrupted uploads in one run. The first continuation fails
/// its proof: its temporary is dropped, the file is sent again whole, and that is said
/// once; the second is not continued at all (no second REST or APPE). Both files are the
/// local ones byte for byte, no temporary is left, and the run exits 0. Then again after
/// a restart (a new run): the same, proven the same way.
fn put_c_on_a_server_that_does_not_continue(quirk: &str, continues_with: &str) {
    let Some(server) = PyFtpd::start_quirk(quirk) else {
        return;
    };
    let local = TempDir::new().unwrap();
    let bodies = [pattern(512 * 1024), pattern(600 * 1024)];
    for round in 0..2 {
        for (name, body) in ["a.bin", "b.bin"].iter().zip(&bodies) {
            let _ = fs::remove_file(server.path(name));
            fs::write(local.path().join(name), body).unwrap();
            interrupted_put(&server, local.path(), name);
        }
        let out = run(
            local.path(),
            &["--debug", "-c", "put -c a.bin; put -c b.bin", &server.url()],
        );
        assert_ok(&out);
        assert_eq!(
            count(&out.stderr, DISTRUST),
            1,
            "round {round}: {}",
            out.stderr
        );
        assert_eq!(
            count(&out.stderr, continues_with),
            1,
            "round {round}: one try only: {}",
            out.stderr
        );
        for (name, body) in ["a.bin", "b.bin"].iter().zip(&bodies) {
            assert!(
                fs::read(server.path(name)).unwrap() == *body,
                "round {round}: {name} is not the local file"
            );
        }
        assert_eq!(
            temporaries(server.root()),
            Vec::<String>::new(),
            "round {round}"
        );
    }
}

#[test]
fn put_c_where_stor_ignores_rest_sends_again_from_byte_0() {
    put_c_on_a_server_that_does_not_continue("stor-ignores-rest", "--> REST ");
}

#[test]
fn put_c_where_appe_overwrites_sends_again_from_byte_0() {
    put_c_on_a_server_that_does_not_continue("appe-overwrites", "--> APPE ");
}

/// The upload mirror on a server that ignores REST on STOR: a pass interrupted mid-file
/// keeps its temporary; the next pass's continuation fails its proof, the file is sent
/// whole and right, said once; the pass after that has nothing to do.
#[test]
fn the_mirror_where_stor_ignores_rest_sends_again_from_byte_0() {
    let Some(server) = PyFtpd::start_quirk("stor-ignores-rest") else {
        return;
    };
    let local = TempDir::new().unwrap();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    let body = pattern(512 * 1024);
    fs::write(src.join("big.bin"), &body).unwrap();
    fs::create_dir(server.path("dst")).unwrap();
    let dst = server.path("dst");
    interrupted(&server, local.path(), "mirror --once src /dst", || {
        temp_of(&dst, "big.bin").is_some()
    });
    assert!(temp_of(&dst, "big.bin").is_some(), "the temporary is kept");
    let mirror = || {
        run(
            local.path(),
            &["--debug", "-c", "mirror --once src /dst", &server.url()],
        )
    };
    let out = mirror();
    assert_ok(&out);
    assert_eq!(count(&out.stderr, DISTRUST), 1, "{}", out.stderr);
    assert!(
        fs::read(dst.join("big.bin")).unwrap() == body,
        "not the local file"
    );
    assert_eq!(temporaries(&dst), Vec::<String>::new());
    let out = mirror();
    assert_ok(&out);
    assert!(!out.stderr.contains("--> STOR"), "{}", out.stderr);
}

/// `get NAME` into `local`, interrupted once its partial holds 64 KiB: the partial stays.
fn interrupted_get(server: &PyFtpd, local: &Path, name: &str) {
    let dir = local.to_path_buf();
    interrupted(server, local, &format!("get {name}"), || {
        temp_of(&dir, name).is_some()
    });
    assert!(temp_of(local, name).is_some(), "the partial is kept");
}

/// On a server that answers REST with 350 and sends from byte 0: `get -c` of two
/// interrupted downloads in one run. The first brings more than the rest of its file: it
/// is stopped, the partial dropped and the file fetched whole, said once; the second is not
/// continued. Both are the server's bytes; no partial is left. Then again after a restart.
#[test]
fn get_c_where_retr_ignores_rest_fetches_again_from_byte_0() {
    let Some(server) = PyFtpd::start_quirk("retr-ignores-rest") else {
        return;
    };
    let local = TempDir::new().unwrap();
    let bodies = [pattern(512 * 1024), pattern(600 * 1024)];
    for (name, body) in ["a.bin", "b.bin"].iter().zip(&bodies) {
        fs::write(server.path(name), body).unwrap();
    }
    for round in 0..2 {
        for name in ["a.bin", "b.bin"] {
            let _ = fs::remove_file(local.path().join(name));
            interrupted_get(&server, local.path(), name);
        }
        let out = run(
            local.path(),
            &["--debug", "-c", "get -c a.bin; get -c b.bin", &server.url()],
        );
        assert_ok(&out);
        assert_eq!(
            count(&out.stderr, DISTRUST),
            1,
            "round {round}: {}",
            out.stderr
        );
        assert_eq!(
            count(&out.stderr, "--> REST "),
            1,
            "round {round}: {}",
            out.stderr
        );
        for (name, body) in ["a.bin", "b.bin"].iter().zip(&bodies) {
            assert!(
                fs::read(local.path().join(name)).unwrap() == *body,
                "round {round}: {name} is not the server's file"
            );
        }
        assert_eq!(
            temporaries(local.path()),
            Vec::<String>::new(),
            "round {round}"
        );
    }
}

/// The download mirror on a server that ignores REST on RETR: an interrupted pass keeps
/// its temporary; the next one is stopped at the rest's length plus one byte, fetches the
/// file whole and right, says so once; the pass after has nothing to do.
#[test]
fn the_download_mirror_where_retr_ignores_rest_fetches_again_from_byte_0() {
    let Some(server) = PyFtpd::start_quirk("retr-ignores-rest") else {
        return;
    };
    let local = TempDir::new().unwrap();
    let body = pattern(512 * 1024);
    fs::create_dir(server.path("src")).unwrap();
    fs::write(server.path("src/big.bin"), &body).unwrap();
    let dst = local.path().join("dst");
    fs::create_dir(&dst).unwrap();
    let mirror = "mirror --download --once /src dst";
    interrupted(&server, local.path(), mirror, || {
        temp_of(&dst, "big.bin").is_some()
    });
    assert!(temp_of(&dst, "big.bin").is_some(), "the temporary is kept");
    let out = run(local.path(), &["--debug", "-c", mirror, &server.url()]);
    assert_ok(&out);
    assert_eq!(count(&out.stderr, DISTRUST), 1, "{}", out.stderr);
    assert!(
        fs::read(dst.join("big.bin")).unwrap() == body,
        "not the server's file"
    );
    assert_eq!(temporaries(&dst), Vec::<String>::new());
    let out = run(local.path(), &["--debug", "-c", mirror, &server.url()]);
    assert_ok(&out);
    assert!(!out.stderr.contains("--> RETR"), "{}", out.stderr);
}

/// A RETR that never ends, of a file listed and SIZEd at 4000 bytes: `get`, `get -c` and
/// the download mirror stop one byte past the known length, fail naming the file and the
/// reason, leave nothing under the final name and no temporary, and take no time.
#[test]
fn a_retr_without_end_stops_at_the_known_length() {
    let Some(server) = PyFtpd::start_quirk("endless-retr") else {
        return;
    };
    let local = TempDir::new().unwrap();
    fs::create_dir(server.path("src")).unwrap();
    fs::write(server.path("src/f.txt"), pattern(4000)).unwrap();
    let dst = local.path().join("dst");
    fs::create_dir(&dst).unwrap();
    for command in [
        "get /src/f.txt",
        "get -c /src/f.txt",
        "mirror --download --once /src dst",
    ] {
        let started = Instant::now();
        let out = run(local.path(), &["-c", command, &server.url()]);
        assert_eq!(out.code, 1, "{command}: {}", out.stderr);
        // The mirror reports a file's failure among its events (stdout).
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(
            said.contains("f.txt: the server sent more than the 4000 bytes expected"),
            "{command}: {said}"
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{command}");
        assert!(!local.path().join("f.txt").exists(), "{command}");
        assert!(!dst.join("f.txt").exists(), "{command}");
        assert_eq!(temporaries(local.path()), Vec::<String>::new(), "{command}");
    }
}

// ---- Who made it: only partials this ftpsh made and recorded are continued ---------------

/// The fingerprint a temporary's name carries for a file of `size` bytes at `mtime` with
/// no identity (a server's file): FNV-1a of the three, as `temp_name::Fingerprint::of`.
fn fingerprint(size: u64, mtime: i64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let fields = [size.to_le_bytes(), mtime.to_le_bytes(), 0u64.to_le_bytes()];
    for byte in fields.iter().flatten() {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn mtime_of(path: &Path) -> i64 {
    fs::metadata(path)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Someone who can create files in LOCAL plants, before a download, a file under the name
/// an interrupted download's temporary would have (computable from the public size and
/// time), and another under `get -c`'s partial name: neither is continued (no REST), each
/// file is the server's byte for byte, and the planted temporary is cleaned. A real
/// interrupted download is still continued afterwards (REST), after a restart too.
#[test]
fn a_planted_local_partial_is_never_continued() {
    let Some(server) = PyFtpd::start() else {
        return;
    };
    let local = TempDir::new().unwrap();
    let body = pattern(512 * 1024);
    fs::create_dir(server.path("src")).unwrap();
    fs::write(server.path("src/big.bin"), &body).unwrap();
    fs::write(server.path("g.bin"), &body).unwrap();
    let dst = local.path().join("dst");
    fs::create_dir(&dst).unwrap();
    let fp = fingerprint(body.len() as u64, mtime_of(&server.path("src/big.bin")));
    // (Its process, 4194303, is gone: a leftover, cleaned at once.)
    let planted = dst.join(format!(".ftpsh-part-4194303x1-0-{fp:016x}-big.bin"));
    let foreign = vec![b'X'; 100 * 1024];
    fs::write(&planted, &foreign).unwrap();
    fs::write(local.path().join("g.bin.ftpsh-part"), &foreign).unwrap();
    let mirror = "mirror --download --once /src dst";
    let out = run(
        local.path(),
        &[
            "--debug",
            "-c",
            &format!("{mirror}; get -c g.bin"),
            &server.url(),
        ],
    );
    assert_ok(&out);
    assert!(!out.stderr.contains("--> REST"), "{}", out.stderr);
    assert!(
        fs::read(dst.join("big.bin")).unwrap() == body,
        "big.bin spliced"
    );
    assert!(
        fs::read(local.path().join("g.bin")).unwrap() == body,
        "g.bin spliced"
    );
    assert_eq!(
        temporaries(&dst),
        Vec::<String>::new(),
        "the planted one is cleaned"
    );
    assert_eq!(temporaries(local.path()), Vec::<String>::new());

    // Past the first firing: a real interrupted download is continued, in a new run.
    fs::remove_file(dst.join("big.bin")).unwrap();
    interrupted(&server, local.path(), mirror, || {
        temp_of(&dst, "big.bin").is_some()
    });
    let out = run(local.path(), &["--debug", "-c", mirror, &server.url()]);
    assert_ok(&out);
    assert_eq!(count(&out.stderr, "--> REST "), 1, "{}", out.stderr);
    assert!(fs::read(dst.join("big.bin")).unwrap() == body);
    fs::remove_file(local.path().join("g.bin")).unwrap();
    interrupted_get(&server, local.path(), "g.bin");
    let out = run(
        local.path(),
        &["--debug", "-c", "get -c g.bin", &server.url()],
    );
    assert_ok(&out);
    assert_eq!(count(&out.stderr, "--> REST "), 1, "{}", out.stderr);
    assert!(fs::read(local.path().join("g.bin")).unwrap() == body);
}

/// A local partial replaced after the cut (same name, another file): not continued.
#[test]
fn a_local_partial_replaced_after_the_cut_is_not_continued() {
    let Some(server) = PyFtpd::start() else {
        return;
    };
    let local = TempDir::new().unwrap();
    let body = pattern(512 * 1024);
    fs::write(server.path("g.bin"), &body).unwrap();
    interrupted_get(&server, local.path(), "g.bin");
    let part = local.path().join("g.bin.ftpsh-part");
    let held = fs::read(&part).unwrap();
    let mut swapped = held.clone();
    swapped[0] ^= 0xff;
    fs::remove_file(&part).unwrap();
    fs::write(&part, &swapped).unwrap();
    let out = run(
        local.path(),
        &["--debug", "-c", "get -c g.bin", &server.url()],
    );
    assert_ok(&out);
    assert!(!out.stderr.contains("--> REST"), "{}", out.stderr);
    assert!(fs::read(local.path().join("g.bin")).unwrap() == body);
}

/// Another user of the server overwrites an interrupted upload's temporary before `put -c`
/// (other bytes, another time): `put -c` does not continue it; the file is sent from byte
/// 0 and is the local one. An upload whose ftpsh was killed (no cut recorded) is not
/// continued either.
#[test]
fn put_c_continues_only_the_temporary_as_it_was_at_the_cut() {
    let Some(server) = PyFtpd::start() else {
        return;
    };
    let local = TempDir::new().unwrap();
    let body = pattern(512 * 1024);
    fs::write(local.path().join("big.bin"), &body).unwrap();
    let temp = interrupted_put(&server, local.path(), "big.bin");
    let on_server = server.root().join(&temp);
    let held = fs::read(&on_server).unwrap();
    fs::write(&on_server, vec![b'X'; held.len() + 7]).unwrap();
    // (An hour old: no upload can be running into it, so it is removed, not left to age.)
    let later = std::time::SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&on_server)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let out = run(
        local.path(),
        &["--debug", "-c", "put -c big.bin", &server.url()],
    );
    assert_ok(&out);
    assert!(!out.stderr.contains("--> REST"), "{}", out.stderr);
    assert!(
        fs::read(server.path("big.bin")).unwrap() == body,
        "foreign bytes published"
    );
    assert_eq!(temporaries(server.root()), Vec::<String>::new());

    // Past the first firing: an untouched interrupted upload is continued.
    fs::remove_file(server.path("big.bin")).unwrap();
    interrupted_put(&server, local.path(), "big.bin");
    let out = run(
        local.path(),
        &["--debug", "-c", "put -c big.bin", &server.url()],
    );
    assert_ok(&out);
    assert_eq!(count(&out.stderr, "--> REST "), 1, "{}", out.stderr);
    assert!(fs::read(server.path("big.bin")).unwrap() == body);
}

/// A file planted beside a missing name under the name of a file moved aside
/// (`.ftpsh-part-…-old-NAME`) by someone else on the server: the mirror never puts it
/// back under NAME (with --no-delete it would stay there), and cleans it as a stale
/// temporary. The same in LOCAL for a download mirror.
#[test]
fn a_planted_old_copy_is_never_put_back() {
    let Some(server) = PyFtpd::start() else {
        return;
    };
    let local = TempDir::new().unwrap();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a.txt"), "a").unwrap();
    fs::create_dir(server.path("dst")).unwrap();
    let planted = server.path("dst/.ftpsh-part-1x1-1-old-index.html");
    fs::write(&planted, "foreign bytes").unwrap();
    // An hour old: no upload of anyone's can be running into it.
    fs::File::options()
        .write(true)
        .open(&planted)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let out = run(
        local.path(),
        &["-c", "mirror --once --no-delete src /dst", &server.url()],
    );
    assert_ok(&out);
    assert!(
        !server.path("dst/index.html").exists(),
        "put back: {}",
        out.stdout
    );
    assert!(!planted.exists(), "cleaned as a stale temporary");

    let site = local.path().join("site");
    fs::create_dir(&site).unwrap();
    let planted = site.join(".ftpsh-part-1x1-1-old-index.html");
    fs::write(&planted, "foreign bytes").unwrap();
    let out = run(
        local.path(),
        &[
            "-c",
            "mirror --download --once --no-delete /dst site",
            &server.url(),
        ],
    );
    assert_ok(&out);
    assert!(
        !site.join("index.html").exists(),
        "put back: {}",
        out.stdout
    );
}
