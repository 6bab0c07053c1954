//! The shell's commands against a real (embedded) FTP server, through `-c` and stdin scripts.

mod support;

use std::fs;

use support::{TestServer, assert_fails, assert_ok, run_c, run_script};
use tempfile::TempDir;

fn setup() -> (TestServer, TempDir) {
    (TestServer::start(), TempDir::new().unwrap())
}

#[test]
fn mkdir_put_ls_get_roundtrip() {
    let (server, local) = setup();
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(local.path().join("data.bin"), &body).unwrap();
    let out = run_c(
        &server.url(),
        "mkdir /d; cd /d; put data.bin; ls; size data.bin; get data.bin back.bin; pwd",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(
        fs::read(server.path("d/data.bin")).unwrap(),
        body,
        "server copy"
    );
    assert_eq!(
        fs::read(local.path().join("back.bin")).unwrap(),
        body,
        "downloaded copy"
    );
    assert!(out.stdout.contains("data.bin"), "ls output: {}", out.stdout);
    assert!(
        out.stdout.contains("300000\tdata.bin"),
        "size output: {}",
        out.stdout
    );
    assert!(
        out.stdout.trim_end().ends_with("/d"),
        "pwd output: {}",
        out.stdout
    );
    let leftovers: Vec<_> = fs::read_dir(server.path("d")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary left beside the upload");
}

#[test]
fn seed_verbs_work_like_the_everyday_words() {
    let (server, local) = setup();
    fs::write(local.path().join("a.txt"), "A").unwrap();
    let out = run_c(
        &server.url(),
        "mkd /v; cwd /v; stor a.txt; list; retr a.txt copy.txt; rnfr a.txt; rnto b.txt; dele b.txt; cwd /; rmd /v",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(local.path().join("copy.txt")).unwrap(),
        "A"
    );
    assert!(!server.path("v").exists(), "v removed");
}

#[test]
fn rename_mv_and_rm_r() {
    let (server, local) = setup();
    fs::create_dir_all(server.path("src/sub")).unwrap();
    fs::write(server.path("src/sub/x.txt"), "x").unwrap();
    fs::write(server.path("one.txt"), "1").unwrap();
    fs::write(server.path("two.txt"), "2").unwrap();
    fs::create_dir(server.path("dest")).unwrap();
    let out = run_c(
        &server.url(),
        "rename one.txt uno.txt; mv uno.txt two.txt dest; mv src dest/moved; rm -r dest/moved",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(server.path("dest/uno.txt")).unwrap(),
        "1"
    );
    assert_eq!(
        fs::read_to_string(server.path("dest/two.txt")).unwrap(),
        "2"
    );
    assert!(!server.path("src").exists());
    assert!(
        !server.path("dest/moved").exists(),
        "rm -r removed the tree"
    );
}

#[test]
fn mv_many_into_a_file_is_refused() {
    let (server, local) = setup();
    fs::write(server.path("a"), "a").unwrap();
    fs::write(server.path("b"), "b").unwrap();
    fs::write(server.path("c"), "c").unwrap();
    let out = run_c(&server.url(), "mv a b c", local.path());
    assert_fails(&out, 1, "not a directory");
    assert!(server.path("a").exists() && server.path("b").exists());
}

#[test]
fn mkdir_p_rmdir_nlst_touch_mdtm() {
    let (server, local) = setup();
    let out = run_c(
        &server.url(),
        "mkdir -p /p/q/r; mkdir -p /p/q; touch /p/new.txt; nlst /p; mdtm /p/new.txt; rmdir /p/q/r",
        local.path(),
    );
    assert_ok(&out);
    assert!(server.path("p/q").is_dir());
    assert!(!server.path("p/q/r").exists());
    assert_eq!(fs::metadata(server.path("p/new.txt")).unwrap().len(), 0);
    assert!(out.stdout.contains("new.txt"), "{}", out.stdout);
    assert!(out.stdout.contains(" UTC\t/p/new.txt"), "{}", out.stdout);
}

#[test]
fn names_with_spaces_and_unicode() {
    let (server, local) = setup();
    fs::write(local.path().join("my file é.txt"), "hé").unwrap();
    let out = run_c(
        &server.url(),
        "mkdir 'dir 文件'; put 'my file é.txt' 'dir 文件/'; get 'dir 文件/my file é.txt' \"back é.txt\"",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(server.path("dir 文件/my file é.txt")).unwrap(),
        "hé"
    );
    assert_eq!(
        fs::read_to_string(local.path().join("back é.txt")).unwrap(),
        "hé"
    );
}

#[test]
fn server_refusals_name_the_command_path_and_reply() {
    let (server, local) = setup();
    let out = run_c(&server.url(), "get missing.txt", local.path());
    assert_fails(&out, 1, "get missing.txt: 550");
    assert!(
        !local.path().join("missing.txt").exists(),
        "no file left under the final name"
    );
    assert!(
        !local.path().join("missing.txt.ftpsh-part").exists(),
        "no partial left"
    );

    fs::create_dir(server.path("exists")).unwrap();
    let out = run_c(&server.url(), "mkdir /exists", local.path());
    assert_fails(&out, 1, "mkdir /exists: 550");

    let out = run_c(&server.url(), "cd /nowhere", local.path());
    assert_fails(&out, 1, "cd /nowhere: 550");

    let out = run_c(&server.url(), "put no-such-local.txt", local.path());
    assert_fails(&out, 1, "put no-such-local.txt");
}

#[test]
fn rnto_without_rnfr_is_a_clear_error() {
    let (server, local) = setup();
    let out = run_c(&server.url(), "rnto x", local.path());
    assert_fails(&out, 1, "rnto: no pending rename");
}

#[test]
fn crlf_in_a_name_is_refused_before_sending() {
    let (server, local) = setup();
    fs::write(server.path("victim.txt"), "keep").unwrap();
    let out = run_c(
        &server.url(),
        "mkdir \"evil\r\nDELE victim.txt\"",
        local.path(),
    );
    assert_fails(&out, 1, "CR, LF");
    assert!(
        server.path("victim.txt").exists(),
        "injected DELE must not run"
    );
    let names: Vec<_> = fs::read_dir(server.root()).unwrap().collect();
    assert_eq!(names.len(), 1, "nothing was created");
}

/// A failed `open` (a host that refuses) or `user` (a refused login) keeps the session that
/// was open, and the error says which one that is.
#[test]
fn a_failed_open_or_user_says_which_session_is_kept() {
    let (server, local) = support::setup();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kept = format!("; still connected as alice@127.0.0.1:{}", server.port);
    for (line, says) in [
        (
            format!("open ftp://bob@127.0.0.1:{closed}"),
            format!("line 1: connect 127.0.0.1:{closed}: "),
        ),
        (
            "user bob wrongpw".to_string(),
            "line 1: login bob: 530".to_string(),
        ),
    ] {
        let out = run_script(&server.url(), &format!("{line}\npwd\n"), local.path());
        assert_fails(&out, 3, &says);
        assert!(
            out.stderr.trim_end().ends_with(&kept),
            "{line}: {}",
            out.stderr
        );
    }
}

#[test]
fn wrong_password_exits_3() {
    let (server, local) = setup();
    let out = support::ftpsh(local.path())
        .env("FTPSH_PASSWORD", "wrong")
        .args(["-c", "pwd", &server.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("login alice: 530"), "{stderr}");
    assert!(
        !stderr.contains("wrong"),
        "password must not be printed: {stderr}"
    );
}

#[test]
fn closed_port_exits_3() {
    let local = TempDir::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run_c(
        &format!("ftp://alice@127.0.0.1:{port}"),
        "pwd",
        local.path(),
    );
    assert_fails(&out, 3, "connect 127.0.0.1");
}

#[test]
fn script_stops_at_the_first_failing_line() {
    let (server, local) = setup();
    let script = "# a comment\nmkdir /one\n\nmkdir /one\nmkdir /two\n";
    let out = run_script(&server.url(), script, local.path());
    assert_fails(&out, 1, "line 4: mkdir /one: 550");
    assert!(server.path("one").is_dir());
    assert!(
        !server.path("two").exists(),
        "lines after the failure must not run"
    );
    assert!(
        !out.stdout.contains("ftpsh"),
        "no prompt in scripts: {}",
        out.stdout
    );
}

#[test]
fn unknown_command_in_a_script_exits_2() {
    let (server, local) = setup();
    let out = run_script(&server.url(), "frobnicate\nmkdir /never\n", local.path());
    assert_fails(&out, 2, "line 1: frobnicate: unknown command");
    assert!(!server.path("never").exists());
}

#[test]
fn wrong_arity_is_a_usage_error() {
    let (server, local) = setup();
    let out = run_c(&server.url(), "rename onlyone", local.path());
    assert_fails(&out, 2, "usage: rename FROM TO");
}

#[test]
fn c_commands_stop_at_the_first_failure() {
    let (server, local) = setup();
    let out = run_c(
        &server.url(),
        "mkdir /a; cd /missing; mkdir /b",
        local.path(),
    );
    assert_fails(&out, 1, "cd /missing");
    assert!(server.path("a").is_dir());
    assert!(!server.path("b").exists());
}

#[test]
fn quote_site_and_help() {
    let (server, local) = setup();
    let out = run_c(&server.url(), "quote NOOP; help; help mkd", local.path());
    assert_ok(&out);
    assert!(out.stdout.contains("200"), "quote reply: {}", out.stdout);
    assert!(
        out.stdout.contains("mkdir [-p] DIR..."),
        "help mkd: {}",
        out.stdout
    );
    let out = run_c(&server.url(), "quote LIST", local.path());
    assert_fails(&out, 2, "data connection");
    let out = run_c(&server.url(), "quote BOGUSCMD", local.path());
    assert_eq!(out.code, 1, "5xx reply is a failure: {}", out.stderr);
}

#[test]
fn modes_and_local_commands() {
    let (server, local) = setup();
    fs::create_dir(local.path().join("sub")).unwrap();
    fs::write(local.path().join("sub/f.txt"), "f").unwrap();
    let out = run_c(
        &server.url(),
        "ascii; binary; passive off; passive on; debug on; pwd; debug off; lcd sub; lpwd; lls; put f.txt",
        local.path(),
    );
    assert_ok(&out);
    assert!(out.stdout.contains("f.txt"), "lls: {}", out.stdout);
    assert!(
        out.stderr.contains("--> PWD"),
        "debug trace: {}",
        out.stderr
    );
    assert_eq!(fs::read_to_string(server.path("f.txt")).unwrap(), "f");
}

#[test]
fn active_mode_transfers() {
    let (server, local) = setup();
    fs::write(local.path().join("a.txt"), "active").unwrap();
    let out = support::ftpsh(local.path())
        .args(["--active", "-c", "put a.txt; ls", &server.url()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read_to_string(server.path("a.txt")).unwrap(), "active");
}

#[test]
fn debug_trace_masks_the_password() {
    let (server, local) = setup();
    let out = support::ftpsh(local.path())
        .args(["--debug", "-c", "pwd", &server.url()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--> PASS ****"), "{stderr}");
    assert!(!stderr.contains(support::PASS), "{stderr}");
}

#[test]
fn open_close_and_user_inside_a_script() {
    let (server, local) = setup();
    let out = support::run_script_args(&[], "pwd\n", local.path());
    assert_fails(&out, 1, "line 1: not connected");
    let script = format!(
        "open {}\nclose\nopen {}\nuser alice\nmkdir /via-open\nuser mallory nope\nmkdir /never\n",
        server.url(),
        server.url()
    );
    let out = support::run_script_args(&[], &script, local.path());
    assert_fails(&out, 3, "line 6: login mallory: 530");
    assert!(server.path("via-open").is_dir());
    assert!(!server.path("never").exists());
}

#[test]
fn download_refuses_names_that_escape_the_folder() {
    let (server, local) = setup();
    fs::create_dir(server.path("d")).unwrap();
    let out = run_c(&server.url(), "get ..", local.path());
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn help_and_version_flags() {
    let local = TempDir::new().unwrap();
    let out = support::ftpsh(local.path()).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Exit status"), "{text}");
    let out = support::ftpsh(local.path())
        .args(["--tls", "--implicit-tls", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "conflicting flags are a usage error"
    );
}

/// Lines that carry a password are never repeated in an error, even when they cannot be
/// split (an unbalanced quote) or name no command.
#[test]
fn errors_never_repeat_a_password_typed_on_a_line() {
    let (server, local) = setup();
    for line in [
        "user bob \"HistS3cret",
        "open 'ftp://tester:HistS3cret@127.0.0.1:1",
        "open ftp://tester:HistS3cret@256.0.0.1:1",
        "bookmark add \"w ftp://tester:HistS3cret@h",
    ] {
        let out = run_script(&server.url(), &format!("{line}\n"), local.path());
        assert_ne!(out.code, 0, "{line}: {}", out.stderr);
        assert!(
            !out.stderr.contains("HistS3cret") && !out.stdout.contains("HistS3cret"),
            "{line}: {}{}",
            out.stdout,
            out.stderr
        );
    }
}

/// libunftp takes `..` for a folder name (`CWD ..` from `/a` would give `/a/..`): `cd ..`
/// and relative paths with dots are resolved against the known folder; `cd -` goes back.
#[test]
fn cd_dotdot_and_cd_dash_work_where_the_server_does_not_resolve_dotdot() {
    let (server, local) = setup();
    fs::create_dir_all(server.path("a/b/c")).unwrap();
    let out = run_c(
        &server.url(),
        "cd /a/b/c; cd ..; pwd; cd ../..; pwd; cd ..; pwd; cd a/b; cd ./c/../..; pwd; cd -; pwd; cd -",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        ["/a/b", "/", "/", "/a", "/a/b", "/a/b", "/a"],
        "{}",
        out.stderr
    );
    let out = run_c(&server.url(), "cd -", local.path());
    assert_fails(&out, 1, "cd -: no previous folder");
}

/// `lcd ~` and `lcd ~/x` expand `~` to the home folder.
#[test]
fn lcd_expands_the_tilde() {
    let (server, local) = setup();
    fs::create_dir(local.path().join("sub")).unwrap();
    // support::ftpsh sets HOME to `local`; start elsewhere
    let elsewhere = TempDir::new().unwrap();
    let out = support::Out::from(
        support::ftpsh(local.path())
            .current_dir(elsewhere.path())
            .args(["-c", "lcd ~/sub; lpwd; lcd ~; lpwd", &server.url()])
            .output()
            .unwrap(),
    );
    assert_ok(&out);
    let home = local.path().canonicalize().unwrap();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[1].ends_with(&*home.join("sub").to_string_lossy()),
        "{lines:?}"
    );
    assert!(lines[3].ends_with(&*home.to_string_lossy()), "{lines:?}");
}

/// Usage errors print their usage on a line of its own (a real line break, not `\n`).
#[test]
fn usage_errors_print_real_line_breaks() {
    let (server, local) = setup();
    for (commands, first) in [
        ("put", "put"),
        ("mv a", "mv"),
        ("ls --bogus", "ls"),
        ("mirror", "mirror"),
    ] {
        let out = run_c(&server.url(), commands, local.path());
        assert_eq!(out.code, 2, "{commands}: {}", out.stderr);
        assert!(!out.stderr.contains("\\n"), "{commands}: {}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!("ftpsh: {first}")),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.lines().count() >= 2
                && out
                    .stderr
                    .lines()
                    .any(|l| l.to_lowercase().starts_with("usage")),
            "{commands}: {}",
            out.stderr
        );
    }
    // asked for, help is no error: on stdout, status 0, real lines
    let out = run_c(&server.url(), "mirror --help", local.path());
    assert_ok(&out);
    assert!(
        out.stdout.lines().count() > 3 && !out.stdout.contains("\\n"),
        "{}",
        out.stdout
    );
}

/// Messages a person can read: an existing folder named as such, no `(os error N)`, every
/// alias in `help`, stopped jobs said to be stopped, `quit` in a script says what it stops.
#[test]
fn messages_name_the_path_in_plain_words() {
    let (server, local) = setup();
    fs::create_dir(server.path("there")).unwrap();
    let out = run_c(&server.url(), "mkdir /there", local.path());
    assert_fails(
        &out,
        1,
        "mkdir /there: 550 refused: there is already a folder named /there",
    );
    let out = run_c(&server.url(), "put missing.txt", local.path());
    assert_fails(&out, 1, "missing.txt");
    assert!(!out.stderr.contains("os error"), "{}", out.stderr);
    let out = run_c(&server.url(), "help", local.path());
    assert_ok(&out);
    for alias in ["mdelete", "cwd", "retr", "stor", "dir"] {
        assert!(
            out.stdout
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == alias),
            "help lacks {alias}: {}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("seed"), "{}", out.stdout);

    fs::create_dir(local.path().join("src")).unwrap();
    let out = run_c(
        &server.url(),
        "mirror --interval 0.2 src /dst; mirror stop 1; mirror stop 1; mirror stop",
        local.path(),
    );
    assert_ok(&out);
    let lines: Vec<&str> = out.stdout.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "1 mirror job stopped",
            "mirror job 1 had already stopped",
            "no mirror job was running"
        ],
        "{}",
        out.stdout
    );
    let out = run_c(
        &server.url(),
        "mirror --interval 0.2 src /dst; quit",
        local.path(),
    );
    assert_ok(&out);
    assert!(
        out.stderr.contains("quit: stopping 1 running mirror job "),
        "{}",
        out.stderr
    );
}

/// A closed stdout ends the output quietly: no "Broken pipe", no panic.
#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_output_quietly() {
    let (server, local) = setup();
    for commands in ["help put", "help"] {
        let mut child = support::ftpsh(local.path())
            .args(["-c", commands, &server.url()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader went away (`| head -0`)
        let out = support::wait_out(child, std::time::Duration::from_secs(10));
        assert!(
            !out.stderr.contains("Broken pipe") && !out.stderr.contains("panicked"),
            "{commands}: {}",
            out.stderr
        );
    }
}

/// Remote operands with `..` and `.` work end to end against a real server (libunftp; it
/// resolves them in paths itself, so the next test proves what is sent).
#[test]
fn remote_paths_with_dotdot_work_where_the_server_does_not_resolve_them() {
    let (server, local) = setup();
    fs::create_dir_all(server.path("a/b")).unwrap();
    fs::write(local.path().join("f.txt"), "dots").unwrap();
    let out = run_c(
        &server.url(),
        "cd /a/b; put f.txt ../f.txt; ls ..; get ../f.txt g.txt; mkdir ../c; rename ../f.txt ./h.txt",
        local.path(),
    );
    assert_ok(&out);
    assert!(
        out.stdout.contains("f.txt"),
        "ls .. lists /a: {}",
        out.stdout
    );
    assert_eq!(
        fs::read_to_string(local.path().join("g.txt")).unwrap(),
        "dots"
    );
    assert!(server.path("a/c").is_dir());
    assert_eq!(
        fs::read_to_string(server.path("a/b/h.txt")).unwrap(),
        "dots"
    );
    assert!(!server.path("a/f.txt").exists());
}

/// ... and the server is sent the resolved path, never a `..` it may take for a name.
#[test]
fn dotted_remote_operands_are_sent_resolved() {
    use support::fake::{Act, Fake, MODERN_FEAT};
    let fake = Fake::start(
        &[("a/b/x.txt", b"x"), ("a/f.txt", b"f")],
        MODERN_FEAT,
        |_, _, _| Act::Normal,
    );
    let local = TempDir::new().unwrap();
    let out = run_c(
        &fake.url(),
        "cd /a/b; mkdir ../c; size ../f.txt; size ./x.txt",
        local.path(),
    );
    assert_ok(&out);
    let log = fake.log();
    assert!(log.iter().any(|l| l == "MKD /a/c"), "{log:?}");
    assert!(log.iter().any(|l| l == "SIZE /a/f.txt"), "{log:?}");
    assert!(log.iter().any(|l| l == "SIZE /a/b/x.txt"), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("..")), "{log:?}");
}

/// `put`/`get` end with how much moved, in how long, at what rate; a resumed one says where
/// it continued; `put -r`/`get -r` end with one line for the whole tree (at the prompt and
/// with -v; a script without -v stays quiet).
#[test]
fn transfers_end_with_time_and_rate_and_trees_with_one_line() {
    let (server, local) = setup();
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(local.path().join("big.bin"), &body).unwrap();
    let tree = local.path().join("site");
    fs::create_dir_all(tree.join("img")).unwrap();
    fs::write(tree.join("index.html"), "12345").unwrap();
    fs::write(tree.join("img/a.png"), "1234567").unwrap();
    let run_v = |commands: &str| {
        support::Out::from(
            support::ftpsh(local.path())
                .args(["-v", "-c", commands, &server.url()])
                .output()
                .unwrap(),
        )
    };
    let rate = r" in \d+\.\d s \(\d+(\.\d)? (B|KiB|MiB|GiB)/s\)";
    let out = run_v("put big.bin; get big.bin copy.bin");
    assert_ok(&out);
    for line in [
        format!("^300000 bytes sent to big.bin{rate}$"),
        format!("^300000 bytes received into copy.bin{rate}$"),
    ] {
        let re = regex_lite(&line);
        assert!(out.stdout.lines().any(&re), "{line}: {}", out.stdout);
    }
    // get -c of the user's own smaller copy: where it continued
    fs::write(local.path().join("again.bin"), &body[..100_000]).unwrap();
    let out = run_v("get -c big.bin again.bin");
    assert_ok(&out);
    let re = regex_lite(&format!(
        "^200000 bytes received into again.bin \\(resumed at byte 100000\\){rate}$"
    ));
    assert!(out.stdout.lines().any(&re), "{}", out.stdout);
    assert_eq!(fs::read(local.path().join("again.bin")).unwrap(), body);

    let out = run_v("put -r site /www; get -r /www back");
    assert_ok(&out);
    for line in [
        format!("^put -r site: 2 files \\(12 B\\) sent{rate}$"),
        format!("^get -r /www: 2 files \\(12 B\\) received{rate}$"),
    ] {
        let re = regex_lite(&line);
        assert!(out.stdout.lines().any(&re), "{line}: {}", out.stdout);
    }
    let quiet = run_c(&server.url(), "put big.bin", local.path());
    assert_ok(&quiet);
    assert_eq!(quiet.stdout, "", "a script without -v stays quiet");
}

/// Whether a line matches `pattern`.
fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool + use<> {
    let re = regex::Regex::new(pattern).unwrap();
    move |text: &str| re.is_match(text)
}

/// A multi-line reply (FEAT, HELP, STAT) prints one line per line the server sent, as lftp
/// and BSD ftp show it; `site` the same.
#[test]
fn quote_prints_a_multi_line_reply_line_by_line() {
    let (server, local) = setup();
    let out = run_c(&server.url(), "quote FEAT", local.path());
    assert_ok(&out);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.len() > 2, "{}", out.stdout);
    assert!(lines[0].starts_with("211-"), "{}", out.stdout);
    assert!(lines.last().unwrap().starts_with("211 "), "{}", out.stdout);
    assert!(!out.stdout.contains(" | "), "{}", out.stdout);
}

/// What `mirror --once` says reads as English and says each thing once: the dry run lists
/// no chmod of a new folder that gets 755 anyway (one that wants other bits is listed),
/// counts agree with their nouns (`1 dir created`, `1 action`), the deleted names come
/// before the sent ones, a pass prints one summary (with -v as at the prompt), and a pass
/// with nothing to do says so in one line.
#[test]
fn mirror_once_says_each_thing_once_in_english() {
    use std::os::unix::fs::PermissionsExt;
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir_all(src.join("pub")).unwrap();
    fs::set_permissions(src.join("pub"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::create_dir_all(src.join("private")).unwrap();
    fs::set_permissions(src.join("private"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(src.join("pub/a.txt"), "a").unwrap();
    for name in ["k1", "k2", "k3", "k4", "k5"] {
        fs::write(src.join(format!("pub/{name}.txt")), name).unwrap();
    }
    let run_v = |commands: &str| {
        support::Out::from(
            support::ftpsh(local.path())
                .args(["-v", "-c", commands, &server.url()])
                .output()
                .unwrap(),
        )
    };
    let out = run_v("mirror --once --dry-run src /site");
    assert_ok(&out);
    assert!(!out.stdout.contains("CHMOD pub"), "{}", out.stdout);
    assert!(out.stdout.contains("CHMOD private (700"), "{}", out.stdout);
    assert!(
        out.stdout.contains("STOR pub/a.txt (1 byte)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("dry run: 9 actions, nothing changed"),
        "{}",
        out.stdout
    );

    fs::remove_dir(src.join("private")).unwrap();
    let out = run_v("mirror --once src /site");
    assert_ok(&out);
    assert!(out.stdout.contains("1 dir created"), "{}", out.stdout);
    assert_eq!(
        out.stdout.matches("uploaded (").count(),
        1,
        "{}",
        out.stdout
    );

    for name in ["b", "c", "d", "e"] {
        fs::write(src.join(format!("{name}.txt")), name).unwrap();
    }
    fs::remove_file(src.join("pub/a.txt")).unwrap();
    let out = run_v("mirror --once src /site");
    assert_ok(&out);
    assert!(
        out.stdout.contains(": deleted \"pub/a.txt\", sent \""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(" and 2 more"), "{}", out.stdout);

    let out = run_v("mirror --once --no-perms src /site");
    assert_ok(&out);
    let said: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("mirror"))
        .collect();
    assert_eq!(
        said,
        [format!(
            "mirror: nothing to change ({} -> /site)",
            src.display()
        )],
        "{}",
        out.stdout
    );
}

/// The bundled server (`cargo run --example ftpd`) takes a passive port range: every data
/// connection of a session goes to a port in it.
#[test]
fn the_example_server_takes_a_passive_port_range() {
    use std::io::BufRead;
    let exe = std::env::current_exe().unwrap();
    let ftpd = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/ftpd");
    if !ftpd.exists() {
        panic!(
            "{} not built (cargo test builds the examples)",
            ftpd.display()
        );
    }
    let local = TempDir::new().unwrap();
    let served = local.path().join("served");
    let base = 40_000 + (std::process::id() % 2000) as u16 * 10;
    let range = format!("{base}-{}", base + 9);
    let mut child = std::process::Command::new(&ftpd)
        .args(["--port", "0", "--passive-ports", &range])
        .arg(&served)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("ftp://"))
        .unwrap()
        .to_string();
    fs::write(served.join("a.txt"), "a").unwrap();
    let out = support::Out::from(
        support::ftpsh(local.path())
            .args(["--debug", "-c", "ls; get a.txt; ls", &url])
            .output()
            .unwrap(),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_ok(&out);
    let ports: Vec<u16> = out
        .stderr
        .lines()
        .filter_map(|l| l.split("(|||").nth(1))
        .filter_map(|rest| rest.split('|').next()?.parse().ok())
        .collect();
    assert_eq!(ports.len(), 3, "{}", out.stderr);
    assert!(
        ports.iter().all(|p| (base..=base + 9).contains(p)),
        "{ports:?} not in {range}"
    );
}
