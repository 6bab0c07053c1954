//! Everyday comfort: readable listings, cat, local shell escapes, completion scripts, man page.

mod support;

use std::fs;

use support::fake::{Act, Fake, MODERN_FEAT};
use support::{assert_fails, assert_ok, run_c, setup};
use tempfile::TempDir;

#[test]
fn ls_shows_aligned_columns_sorted_and_marks_directories() {
    let (server, local) = setup();
    fs::create_dir(server.path("sub")).unwrap();
    fs::write(server.path("small.txt"), "1").unwrap();
    fs::write(server.path("big.bin"), vec![0u8; 3000]).unwrap();
    let out = run_c(&server.url(), "ls", local.path());
    assert_ok(&out);
    let names: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.rsplit("  ").next().unwrap())
        .collect();
    assert_eq!(names, ["big.bin", "small.txt", "sub/"], "{}", out.stdout);
    // Aligned: the date column starts at the same place on every row.
    let date_columns: Vec<usize> = out
        .stdout
        .lines()
        .map(|l| l.find("  20").unwrap())
        .collect();
    assert!(
        date_columns.windows(2).all(|w| w[0] == w[1]),
        "{}",
        out.stdout
    );

    let out = run_c(&server.url(), "ls -S -h", local.path());
    assert_ok(&out);
    let files: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('-')).collect();
    assert_eq!(files.len(), 2, "{}", out.stdout);
    assert!(
        files[0].contains("2.9K") && files[0].ends_with("big.bin"),
        "{}",
        out.stdout
    );

    let out = run_c(&server.url(), "ls --raw", local.path());
    assert_ok(&out);
    assert!(
        out.stdout.contains("small.txt") && out.stdout.contains("rw"),
        "{}",
        out.stdout
    );

    let out = run_c(&server.url(), "ls small.txt", local.path());
    assert_ok(&out);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(
        out.stdout.trim_end().ends_with("small.txt"),
        "{}",
        out.stdout
    );
}

#[test]
fn cat_prints_remote_files() {
    let (server, local) = setup();
    fs::write(server.path("a.txt"), "hello\n").unwrap();
    fs::write(server.path("b.txt"), "world\n").unwrap();
    let out = run_c(&server.url(), "cat a.txt b.txt", local.path());
    assert_ok(&out);
    assert_eq!(out.stdout, "hello\nworld\n");
    let out = run_c(&server.url(), "cat missing.txt", local.path());
    assert_fails(&out, 1, "missing.txt: 550");
}

#[cfg(unix)]
#[test]
fn bang_runs_a_local_command_and_reports_its_failure() {
    let (server, local) = setup();
    let out = run_c(
        &server.url(),
        "!echo one; echo two > made.txt",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(out.stdout, "one\n");
    assert_eq!(
        fs::read_to_string(local.path().join("made.txt")).unwrap(),
        "two\n"
    );
    let out = support::run_script(&server.url(), "!exit 3\nmkdir /never\n", local.path());
    assert_fails(&out, 1, "line 1: !exit 3");
    assert!(!server.path("never").exists());
}

#[test]
fn completion_scripts_and_man_page() {
    let local = TempDir::new().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = support::ftpsh(local.path())
            .args(["--completions", shell])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("ftpsh") && text.contains("tls"),
            "{shell}: {text}"
        );
    }
    let out = support::ftpsh(local.path()).arg("--man").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains(".TH ftpsh"), "{text}");
    let out = support::ftpsh(local.path())
        .args(["--completions", "nosuchshell"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn get_c_continues_a_partial_download_with_rest() {
    let (server, local) = setup();
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    fs::write(server.path("big.bin"), &body).unwrap();
    // A partial under get's name that ftpsh did not make and record: not continued.
    fs::write(local.path().join("big.bin.ftpsh-part"), b"planted").unwrap();
    let out = support::ftpsh(local.path())
        .args(["--debug", "-c", "get -c big.bin", &server.url()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("--> REST"), "{stderr}");
    assert_eq!(fs::read(local.path().join("big.bin")).unwrap(), body);
    // The user's own smaller copy under the final name: -c continues it.
    fs::write(local.path().join("big.bin"), &body[..70_000]).unwrap();
    let out = support::ftpsh(local.path())
        .args(["--debug", "-c", "get -c big.bin", &server.url()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("--> REST 70000"), "{stderr}");
    assert_eq!(fs::read(local.path().join("big.bin")).unwrap(), body);
    assert!(!local.path().join("big.bin.ftpsh-part").exists());
}

#[test]
fn globs_expand_locally_and_remotely_and_say_when_nothing_matches() {
    let (server, local) = setup();
    for name in ["a.txt", "b c.txt", "skip.log"] {
        fs::write(local.path().join(name), name).unwrap();
    }
    let out = run_c(
        &server.url(),
        "mkdir /up; put *.txt /up/; mput skip.log",
        local.path(),
    );
    assert_ok(&out);
    let mut up: Vec<String> = fs::read_dir(server.path("up"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    up.sort();
    assert_eq!(up, ["a.txt", "b c.txt"]);
    assert!(server.path("skip.log").exists());

    let down = local.path().join("down");
    fs::create_dir(&down).unwrap();
    let out = run_c(
        &server.url(),
        "cd /up; get *.txt down; lcd down; mget /skip.log",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(fs::read_to_string(down.join("b c.txt")).unwrap(), "b c.txt");
    assert_eq!(
        fs::read_to_string(down.join("skip.log")).unwrap(),
        "skip.log"
    );

    let out = run_c(&server.url(), "rm /up/*.txt", local.path());
    assert_ok(&out);
    assert_eq!(fs::read_dir(server.path("up")).unwrap().count(), 0);

    let out = run_c(&server.url(), "get /up/*.zip", local.path());
    assert_fails(&out, 1, "no remote file matches /up/*.zip");
    let out = run_c(&server.url(), "put *.zip", local.path());
    assert_fails(&out, 1, "no local file matches *.zip");
}

#[test]
fn a_literal_name_with_a_star_is_not_a_glob() {
    let (server, local) = setup();
    fs::write(server.path("a*b.txt"), "literal").unwrap();
    fs::write(server.path("aXb.txt"), "other").unwrap();
    let out = run_c(&server.url(), "rm 'a*b.txt'", local.path());
    assert_ok(&out);
    assert!(!server.path("a*b.txt").exists());
    assert!(
        server.path("aXb.txt").exists(),
        "only the literal name was deleted"
    );
}

#[test]
fn recursive_put_and_get_copy_whole_trees() {
    let (server, local) = setup();
    let tree = local.path().join("site");
    fs::create_dir_all(tree.join("img/deep")).unwrap();
    fs::write(tree.join("index.html"), "i").unwrap();
    fs::write(tree.join("img/deep/x y.png"), "png").unwrap();
    fs::create_dir(tree.join("empty")).unwrap();
    let out = run_c(&server.url(), "put -r site /www", local.path());
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(server.path("www/img/deep/x y.png")).unwrap(),
        "png"
    );
    assert!(server.path("www/empty").is_dir());

    // Into a folder that does not exist yet, then into one that does (keeps the name).
    let out = run_c(&server.url(), "get -r /www copy", local.path());
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(local.path().join("copy/img/deep/x y.png")).unwrap(),
        "png"
    );
    let out = run_c(&server.url(), "get -r /www copy", local.path());
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(local.path().join("copy/www/index.html")).unwrap(),
        "i"
    );

    let out = run_c(&server.url(), "get /www", local.path());
    assert_fails(&out, 1, "is a directory");
    let out = run_c(&server.url(), "put site", local.path());
    assert_fails(&out, 1, "is a directory");
}

#[test]
fn bookmarks_round_trip_without_the_password() {
    let (server, local) = setup();
    let config = local.path().join("config");
    let with = |args: &[&str]| {
        support::Out::from(
            support::ftpsh(local.path())
                .env("FTPSH_CONFIG_DIR", &config)
                .args(args)
                .output()
                .unwrap(),
        )
    };
    fs::create_dir(server.path("www")).unwrap();
    let url_with_password = format!(
        "ftp://alice:{}@{}",
        support::PASS.replace(' ', "%20"),
        server.host_port()
    );
    let out = with(&[
        "-c",
        "bookmark add home; cd /www; bookmark add site",
        &url_with_password,
    ]);
    assert_ok(&out);
    let stored = fs::read_to_string(config.join("bookmarks")).unwrap();
    assert!(!stored.contains("s3cret"), "no password stored: {stored}");
    assert!(
        stored.contains("site ftp://alice@127.0.0.1:") && stored.contains("/www"),
        "{stored}"
    );

    // A bookmark works as the target and after `open`, the password from FTPSH_PASSWORD.
    let out = with(&["-c", "pwd", "site"]);
    assert_ok(&out);
    assert!(
        out.stdout.trim_end().ends_with("/www") || out.stdout.contains("/www"),
        "{}",
        out.stdout
    );
    let out = with(&[
        "-c",
        "open home; bookmark list; bookmark del home; bookmark list",
    ]);
    assert_ok(&out);
    assert_eq!(out.stdout.matches("home\t").count(), 1, "{}", out.stdout);
    let out = with(&["-c", "bookmark del nosuch"]);
    assert_fails(&out, 1, "no such bookmark");
}

/// A file whose words ftpsh obeys (bookmarks, config, .netrc) that another user could have
/// written is refused before anything is sent (a rewritten bookmark would send the password
/// elsewhere), as ssh refuses such a config; made the user's alone, it is obeyed again.
#[cfg(unix)]
#[test]
fn files_other_users_can_write_are_not_obeyed() {
    use std::os::unix::fs::PermissionsExt;
    let server = Fake::start(&[("/f.txt", b"x")], MODERN_FEAT, |_, _, _| Act::Normal);
    let local = TempDir::new().unwrap();
    let config = local.path().join("config");
    fs::create_dir(&config).unwrap();
    let bookmarks = config.join("bookmarks");
    fs::write(&bookmarks, format!("work {}/\n", server.url())).unwrap();
    let chmod = |path: &std::path::Path, mode: u32| {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    };
    let run = |args: &[&str], password: bool| {
        let mut command = support::ftpsh(local.path());
        command.env("FTPSH_CONFIG_DIR", &config).args(args);
        if !password {
            command.env_remove("FTPSH_PASSWORD");
        }
        support::Out::from(command.output().unwrap())
    };
    let logins = || {
        server
            .log()
            .iter()
            .filter(|l| l.starts_with("USER"))
            .count()
    };
    let bookmarks_name = bookmarks.display().to_string();
    let config_name = config.display().to_string();
    // (what is made unsafe, how, the refusal) then made safe again
    let cases: [(&std::path::Path, u32, u32, String); 3] = [
        (
            &bookmarks,
            0o666,
            0o600,
            format!(
                "bookmarks {bookmarks_name}: refused: other users can write it (mode 666), so anyone could have changed it; chmod go-w {bookmarks_name}"
            ),
        ),
        (
            &bookmarks,
            0o620,
            0o644,
            format!("bookmarks {bookmarks_name}: refused: other users can write it (mode 620)"),
        ),
        (
            &config,
            0o777,
            0o1777,
            format!(
                "bookmarks {bookmarks_name}: refused: other users can write its folder {config_name} (mode 777), so anyone could have changed it; chmod go-w {config_name}"
            ),
        ),
    ];
    for (path, unsafe_mode, safe_mode, refusal) in cases {
        chmod(path, unsafe_mode);
        let before = logins();
        let out = run(&["-c", "pwd", "work"], true);
        assert_fails(&out, 1, &refusal);
        assert_eq!(logins(), before, "nothing sent: {:?}", server.log());
        chmod(path, safe_mode);
        assert_ok(&run(&["-c", "pwd", "work"], true));
        assert_eq!(logins(), before + 1);
    }
    chmod(&config, 0o700);

    // Owned by another user (only root can make one here).
    if std::os::unix::fs::chown(&bookmarks, Some(65534), None).is_ok() {
        let out = run(&["-c", "pwd", "work"], true);
        assert_fails(&out, 1, "refused: it belongs to another user (uid 65534)");
        std::os::unix::fs::chown(&bookmarks, Some(0), None).unwrap();
    }

    // The config file, and .netrc where the password comes from.
    let settings = config.join("config");
    fs::write(&settings, "passive = yes\n").unwrap();
    chmod(&settings, 0o646);
    let out = run(&["-c", "pwd", &server.url()], true);
    assert_fails(&out, 1, "refused: other users can write it (mode 646)");
    chmod(&settings, 0o644);
    let netrc = local.path().join(".no-netrc");
    fs::write(&netrc, "machine 127.0.0.1 login alice password pw\n").unwrap();
    chmod(&netrc, 0o666);
    let before = logins();
    let out = run(&["-c", "pwd", &server.url()], false);
    assert_fails(&out, 1, "netrc ");
    assert!(
        out.stderr
            .contains("refused: other users can write it (mode 666)"),
        "{}",
        out.stderr
    );
    assert_eq!(logins(), before, "nothing sent");
    chmod(&netrc, 0o600);
    assert_ok(&run(&["-c", "pwd", &server.url()], false));
}

#[test]
fn the_config_file_sets_defaults_and_flags_win() {
    let (server, local) = setup();
    let config = local.path().join("config");
    fs::create_dir(&config).unwrap();
    fs::write(config.join("config"), "# defaults\npassive = no\n").unwrap();
    fs::write(local.path().join("a.txt"), "a").unwrap();
    let run = |extra: &[&str]| {
        let mut command = support::ftpsh(local.path());
        command.env("FTPSH_CONFIG_DIR", &config).arg("--debug");
        command.args(extra).args(["-c", "put a.txt", &server.url()]);
        support::Out::from(command.output().unwrap())
    };
    let out = run(&[]);
    assert_ok(&out);
    assert!(
        out.stderr.contains("--> PORT") || out.stderr.contains("--> EPRT"),
        "active: {}",
        out.stderr
    );
    fs::write(config.join("config"), "passive = no\ntls = explicit\n").unwrap();
    let out = run(&["--passive", "--plain"]);
    assert_ok(&out);
    assert!(
        !out.stderr.contains("--> PORT") && !out.stderr.contains("--> EPRT"),
        "passive wins: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("AUTH TLS"),
        "--plain wins: {}",
        out.stderr
    );
    fs::write(config.join("config"), "colour = red\n").unwrap();
    let out = run(&[]);
    assert_fails(&out, 2, "unknown setting");
}

#[test]
fn put_into_an_existing_folder_keeps_the_folder() {
    let (server, local) = setup();
    fs::create_dir(server.path("www")).unwrap();
    fs::write(server.path("www/index.html"), "site").unwrap();
    fs::write(local.path().join("logo.txt"), "logo").unwrap();
    let out = run_c(&server.url(), "put logo.txt /www", local.path());
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(server.path("www/logo.txt")).unwrap(),
        "logo"
    );
    assert_eq!(
        fs::read_to_string(server.path("www/index.html")).unwrap(),
        "site"
    );
}

#[test]
fn star_leaves_dot_files_alone() {
    let (server, local) = setup();
    fs::write(server.path(".htaccess"), "deny").unwrap();
    fs::write(server.path("a.txt"), "a").unwrap();
    let out = run_c(&server.url(), "rm *", local.path());
    assert_ok(&out);
    assert!(!server.path("a.txt").exists());
    assert!(
        server.path(".htaccess").exists(),
        "`*` does not match dot files"
    );
    let out = run_c(&server.url(), "rm .*", local.path());
    assert_ok(&out);
    assert!(!server.path(".htaccess").exists(), "`.*` does");
}

#[test]
fn get_c_leaves_a_complete_file_alone() {
    let (server, local) = setup();
    fs::write(server.path("done.bin"), "complete").unwrap();
    fs::write(local.path().join("done.bin"), "complete").unwrap();
    let out = support::ftpsh(local.path())
        .args(["--debug", "-c", "get -c done.bin", &server.url()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("--> RETR"),
        "nothing fetched again: {stderr}"
    );
    assert_eq!(
        fs::read_to_string(local.path().join("done.bin")).unwrap(),
        "complete"
    );
}

#[test]
fn mput_and_mget_spread_files_over_several_connections_in_the_shells_folder() {
    let (server, local) = setup();
    let names: Vec<String> = (0..12).map(|i| format!("f{i:02} x.bin")).collect();
    for (i, name) in names.iter().enumerate() {
        fs::write(local.path().join(name), support::pattern(1000 + i * 777)).unwrap();
    }
    let journal = local.path().join("trace.log");
    let journal_arg = journal.to_str().unwrap().to_string();
    let run = |commands: &str| {
        let mut ftpsh = support::ftpsh(local.path());
        ftpsh.args([
            "--debug",
            "--log",
            &journal_arg,
            "-c",
            commands,
            &server.url(),
        ]);
        support::Out::from(ftpsh.output().unwrap())
    };
    let logins = || {
        let trace = fs::read_to_string(&journal).unwrap_or_default();
        trace.lines().filter(|l| l.contains("--> USER ")).count()
    };
    // Relative names on the extra connections land in the shell's folder too.
    assert_ok(&run("mkdir /up; cd /up; mput f*.bin; pwd"));
    assert!(logins() >= 2, "mput used one connection");
    for name in &names {
        assert_eq!(
            fs::read(server.path(&format!("up/{name}"))).unwrap(),
            fs::read(local.path().join(name)).unwrap(),
            "{name}"
        );
    }
    assert!(support::temporaries(&server.path("up")).is_empty());

    fs::remove_file(&journal).unwrap();
    let down = local.path().join("down");
    fs::create_dir(&down).unwrap();
    assert_ok(&run("cd /up; lcd down; mget *.bin"));
    assert!(logins() >= 2, "mget used one connection");
    for name in &names {
        assert_eq!(
            fs::read(down.join(name)).unwrap(),
            fs::read(local.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

/// A bookmark keeps names that a URL must escape: a user and folders with spaces, `%`, `#`,
/// `@` and non-ASCII come back exactly.
#[test]
fn bookmarks_percent_encode_the_folder() {
    let (server, local) = setup();
    let config = local.path().join("config");
    let odd = "x y/100%/#a@b/é";
    fs::create_dir_all(server.path(odd)).unwrap();
    let with = |args: &[&str]| {
        support::Out::from(
            support::ftpsh(local.path())
                .env("FTPSH_CONFIG_DIR", &config)
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let out = with(&[
        "-c",
        &format!("cd \"/{odd}\"; bookmark add odd"),
        &server.url(),
    ]);
    assert_ok(&out);
    let stored = fs::read_to_string(config.join("bookmarks")).unwrap();
    assert!(
        stored.contains("/x%20y/100%25/%23a%40b/%C3%A9"),
        "folder percent-encoded: {stored}"
    );
    let out = with(&["-c", "pwd", "odd"]);
    assert_ok(&out);
    assert_eq!(
        out.stdout.trim_end().lines().last(),
        Some(&*format!("/{odd}"))
    );
}

/// `--limit-rate`: 4 MiB at 2M take 2 s (± 10 %) whatever moves them: one `put`, one `get`,
/// an `mput` over four connections (limit from the config file: one bucket for the
/// process), a mirror job with four connections (`mirror --limit-rate`: one bucket for the
/// job). The four run at once, each its own process, so the test takes 2 s, not 8.
#[test]
fn limit_rate_holds_every_kind_of_transfer_to_the_rate() {
    use std::time::{Duration, Instant};
    const MIB: usize = 1 << 20;
    let (server, local) = setup();
    let body = support::pattern(4 * MIB);
    fs::write(local.path().join("up.bin"), &body).unwrap();
    fs::write(server.path("down.bin"), &body).unwrap();
    for dir in ["site", "many"] {
        fs::create_dir(local.path().join(dir)).unwrap();
        for i in 0..4 {
            let part = &body[i * MIB..(i + 1) * MIB];
            fs::write(local.path().join(format!("{dir}/f{i}")), part).unwrap();
        }
    }
    fs::create_dir(server.path("many")).unwrap();
    let config = local.path().join("config");
    fs::create_dir(&config).unwrap();
    fs::write(config.join("config"), "limit-rate = 2M\n").unwrap();
    let spawn = |args: &[&str], commands: &str| {
        let mut command = support::ftpsh(local.path());
        command.env("FTPSH_CONFIG_DIR", local.path().join("no-config"));
        command.args(args).args(["-c", commands, &server.url()]);
        command.stdout(std::process::Stdio::piped());
        command.stderr(std::process::Stdio::piped());
        (Instant::now(), command.spawn().unwrap())
    };
    // What a run costs besides its transfer (start, connect, log in), to take off.
    let (started, child) = spawn(&[], "pwd");
    assert_ok(&support::wait_out(child, Duration::from_secs(10)));
    let overhead = started.elapsed();
    let mut runs = [
        ("put", spawn(&["--limit-rate", "2M"], "put up.bin")),
        ("get", spawn(&["--limit-rate", "2048K"], "get down.bin")),
        (
            "mirror",
            spawn(&[], "mirror --once --parallel 4 --limit-rate 2M site /site"),
        ),
        ("mput", {
            let mut command = support::ftpsh(local.path());
            command.env("FTPSH_CONFIG_DIR", &config);
            command.args(["-c", "cd many; lcd many; mput f0 f1 f2 f3", &server.url()]);
            command.stdout(std::process::Stdio::piped());
            command.stderr(std::process::Stdio::piped());
            (Instant::now(), command.spawn().unwrap())
        }),
    ];
    // Each run's end as it happens (not as it is waited for in turn).
    let mut ended: Vec<Option<Instant>> = vec![None; runs.len()];
    support::wait_until("the limited runs", Duration::from_secs(20), || {
        for ((_, (_, child)), end) in runs.iter_mut().zip(&mut ended) {
            if end.is_none() && child.try_wait().unwrap().is_some() {
                *end = Some(Instant::now());
            }
        }
        ended.iter().all(Option::is_some)
    });
    for ((what, (started, child)), end) in runs.into_iter().zip(ended) {
        let out = support::Out::from(child.wait_with_output().unwrap());
        let took = (end.unwrap() - started)
            .saturating_sub(overhead)
            .as_secs_f64();
        assert_ok(&out);
        eprintln!("limit-rate 2M: 4 MiB by {what} in {took:.3} s");
        assert!(
            (1.8..=2.2).contains(&took),
            "{what}: {took:.3} s, not 2 s ± 10 %"
        );
    }
    assert_eq!(fs::read(local.path().join("down.bin")).unwrap(), body);
    assert_eq!(fs::read(server.path("up.bin")).unwrap(), body);
    for i in 0..4 {
        let part = &body[i * MIB..(i + 1) * MIB];
        assert_eq!(fs::read(server.path(&format!("site/f{i}"))).unwrap(), part);
        assert_eq!(fs::read(server.path(&format!("many/f{i}"))).unwrap(), part);
    }
    // Bad rates: a clear usage error, whichever way they come.
    for (args, commands, needle) in [
        (
            &["--limit-rate", "fast"][..],
            "pwd",
            "--limit-rate: \"fast\" is not a rate",
        ),
        (
            &[],
            "mirror --limit-rate 2MB site /x",
            "mirror --limit-rate: \"2MB\" is not a rate",
        ),
        (
            &["--limit-rate", "512"],
            "pwd",
            "\"512\" is under the lowest rate, 1K",
        ),
    ] {
        let (_, child) = spawn(args, commands);
        assert_fails(
            &support::wait_out(child, Duration::from_secs(10)),
            2,
            needle,
        );
    }
    fs::write(config.join("config"), "limit-rate = lots\n").unwrap();
    let mut command = support::ftpsh(local.path());
    command
        .env("FTPSH_CONFIG_DIR", &config)
        .args(["-c", "pwd", &server.url()]);
    let out = support::Out::from(command.output().unwrap());
    assert_fails(&out, 2, "config: limit-rate = \"lots\" is not valid");
}

/// The mode bits of a file on the server's disk.
#[cfg(unix)]
fn disk_mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// `chmod` over SITE CHMOD (pyftpdlib has it): octal modes, globs as for rm, -R through a
/// folder; `ls -l` shows the modes the server lists (pyftpdlib's MLSD gives UNIX.mode once
/// asked with OPTS MLST). Every effect checked on the server's disk.
#[cfg(unix)]
#[test]
fn chmod_sets_modes_and_ls_l_shows_them() {
    use std::os::unix::fs::PermissionsExt;
    let Some(py) = support::pyftpd::PyFtpd::start() else {
        return;
    };
    let local = TempDir::new().unwrap();
    for name in [
        "deploy.sh",
        "secrets.php",
        "config.php",
        "d/inner.txt",
        "d/e/deep.txt",
    ] {
        let path = py.path(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "x").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = run_c(
        &py.url(),
        "chmod 755 deploy.sh; chmod 0600 *.php; chmod -R 750 d; ls -l",
        local.path(),
    );
    assert_ok(&out);
    for (name, want) in [
        ("deploy.sh", 0o755),
        ("secrets.php", 0o600),
        ("config.php", 0o600),
        ("d", 0o750),
        ("d/inner.txt", 0o750),
        ("d/e", 0o750),
        ("d/e/deep.txt", 0o750),
    ] {
        assert_eq!(disk_mode(&py.path(name)), want, "{name}: {out:?}");
    }
    for row in ["-rwxr-xr-x ", "-rw------- ", "drwxr-x--- "] {
        assert!(
            out.stdout.contains(row),
            "ls -l should show {row:?}: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with("deploy.sh")),
        "{}",
        out.stdout
    );

    // Not an octal mode: a usage error naming it, nothing sent.
    let out = run_c(&py.url(), "chmod u+x deploy.sh", local.path());
    assert_fails(&out, 2, "chmod: \"u+x\": not an octal mode");
    let out = run_c(&py.url(), "chmod 8 deploy.sh", local.path());
    assert_fails(&out, 2, "not an octal mode");
    // A path that is not there: the server's reply, named.
    let out = run_c(&py.url(), "chmod 644 missing.txt", local.path());
    assert_fails(&out, 1, "chmod 644 missing.txt: 550 ");
    assert_eq!(disk_mode(&py.path("deploy.sh")), 0o755);
}

/// A server without SITE CHMOD (libunftp answers 502): one clear line naming the mode, the
/// path and the reply, exit 1.
#[test]
fn chmod_on_a_server_without_site_chmod_says_so() {
    let (server, local) = setup();
    fs::write(server.path("run.sh"), "x").unwrap();
    let out = run_c(&server.url(), "chmod 755 run.sh", local.path());
    assert_fails(
        &out,
        1,
        "chmod 755 run.sh: the server does not offer SITE CHMOD (502 ",
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // ls -l on a server that lists no modes in MLSD: the mode column says it does not
    // know, as help says (`?`), rather than looking like a plain `ls`.
    let out = run_c(&server.url(), "ls -l", local.path());
    assert_ok(&out);
    assert!(out.stdout.starts_with("-????????? "), "{}", out.stdout);
}

/// `set` in a running shell reads and writes the settings the flags and the config file
/// use: it lists them as lines to type back, checks values as a flag is checked, and the
/// shell follows at once: a rate limit set at the prompt holds the next transfer to it, the
/// open session goes active, and `passive` toggles the same value.
#[test]
fn set_changes_the_settings_of_the_running_shell() {
    use std::time::{Duration, Instant};
    let (server, local) = setup();
    let body = support::pattern(1 << 20);
    fs::write(local.path().join("up.bin"), &body).unwrap();
    let run = |commands: &str| {
        let mut command = support::ftpsh(local.path());
        command.args(["-c", commands, &server.url()]);
        support::run_within(&mut command, Duration::from_secs(10))
    };
    let started = Instant::now();
    let out = run("set; set limit-rate 1M; set parallel 8; set limit-rate; put up.bin");
    let took = started.elapsed().as_secs_f64();
    assert_ok(&out);
    assert_eq!(fs::read(server.path("up.bin")).unwrap(), body);
    // 1 MiB at 1M: a second, less the bucket's first 1/20 s
    assert!(took >= 0.9, "1 MiB at 1M in {took:.3} s");
    for line in [
        "set passive on\n",
        "set timeout 30\n",
        "set parallel 4\n",
        "set limit-rate off\n",
        "set verbose off\n",
        "set limit-rate 1M\nset parallel 8\nset limit-rate 1M\n",
    ] {
        assert!(out.stdout.contains(line), "{line:?} in {}", out.stdout);
    }
    // the open session follows `set passive off`, and `passive` toggles that value
    let out = run("set debug on; set passive off; ls; passive; set passive");
    assert_ok(&out);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("--> PORT") || said.contains("--> EPRT"),
        "{said}"
    );
    assert!(
        out.stdout.contains("passive mode: on\nset passive on\n"),
        "{}",
        out.stdout
    );
    // what `set` does not change, and what is no setting
    for (commands, says) in [
        (
            "set tls explicit",
            "set tls: is not changed in a running shell",
        ),
        (
            "set nosuch 1",
            "set: no setting \"nosuch\" (settings: passive, timeout",
        ),
        (
            "set passive maybe",
            "set passive: expected on or off, got \"maybe\"",
        ),
        ("set a b c", "set: too many arguments"),
    ] {
        assert_fails(&run(commands), 2, says);
    }
}
