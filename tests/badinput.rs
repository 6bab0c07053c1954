//! Bad input: missing and wrong-kind paths, refused operations, awkward names, unsafe names,
//! symlink loops, bad credentials and broken peers. Each ends in one clear line naming the
//! path (and the server's reply where there is one), a non-zero exit, and nothing lost.

mod support;

use support::tree;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::fake::{Act, Fake, MODERN_FEAT};
use support::proxy::Proxy;
use support::{Out, TestServer, assert_fails, assert_ok, run_c, run_script, setup};
use tempfile::TempDir;

/// Asserts stderr is exactly one non-empty line.
#[track_caller]
fn assert_one_line(out: &Out) {
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {}", out.stderr);
}

/// A small served tree whose state must survive every refused command.
fn seed(server: &TestServer) -> BTreeMap<String, Option<Vec<u8>>> {
    fs::create_dir_all(server.path("d/sub")).unwrap();
    fs::write(server.path("f.txt"), "file").unwrap();
    fs::write(server.path("d/inner.txt"), "inner").unwrap();
    tree(server.root())
}

// ---- missing and wrong-kind paths -------------------------------------------------------

#[test]
fn put_of_a_missing_local_file_names_it() {
    let (server, local) = setup();
    let before = seed(&server);
    let out = run_script(&server.url(), "put nope.txt\nmkdir /after\n", local.path());
    assert_fails(&out, 1, "line 1: put nope.txt: ");
    assert!(out.stderr.contains("No such file"), "{}", out.stderr);
    assert_one_line(&out);
    assert_eq!(tree(server.root()), before, "nothing changed on the server");
}

#[test]
fn put_of_a_local_directory_is_refused() {
    let (server, local) = setup();
    let before = seed(&server);
    fs::create_dir(local.path().join("folder")).unwrap();
    let out = run_c(&server.url(), "put folder", local.path());
    assert_fails(&out, 1, "put folder: is a directory");
    assert_one_line(&out);
    assert_eq!(tree(server.root()), before);
}

#[test]
fn mirror_of_a_missing_local_folder_names_it_and_creates_nothing() {
    let (server, local) = setup();
    let before = seed(&server);
    let out = run_c(&server.url(), "mirror --once nope /dst", local.path());
    assert_fails(&out, 1, "mirror: local folder nope not found");
    assert_one_line(&out);
    assert_eq!(tree(server.root()), before, "no /dst created");
}

#[test]
fn mirror_of_a_local_file_is_refused() {
    let (server, local) = setup();
    let before = seed(&server);
    fs::write(local.path().join("plain"), "x").unwrap();
    let out = run_c(&server.url(), "mirror --once plain /dst", local.path());
    assert_fails(&out, 1, "mirror plain: not a directory");
    assert_one_line(&out);
    assert_eq!(tree(server.root()), before);
}

#[test]
fn mirror_onto_a_remote_file_is_refused_and_the_file_kept() {
    let (server, local) = setup();
    let before = seed(&server);
    fs::create_dir(local.path().join("src")).unwrap();
    fs::write(local.path().join("src/a.txt"), "a").unwrap();
    let out = run_c(&server.url(), "mirror --once src /f.txt", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("/f.txt: 550"), "{out:?}");
    assert_one_line(&out);
    assert_eq!(tree(server.root()), before, "the remote file is untouched");
}

#[test]
fn cd_into_a_missing_folder_or_a_file_is_a_550() {
    let (server, local) = setup();
    let before = seed(&server);
    let out = run_script(&server.url(), "cd /nowhere\nmkdir /after\n", local.path());
    assert_fails(&out, 1, "line 1: cd /nowhere: 550");
    assert_one_line(&out);
    let out = run_script(&server.url(), "cd /f.txt\nmkdir /after\n", local.path());
    assert_fails(&out, 1, "line 1: cd /f.txt: 550");
    assert_one_line(&out);
    assert_eq!(tree(server.root()), before);
}

#[test]
fn get_of_a_directory_fails_and_leaves_nothing_locally() {
    let (server, local) = setup();
    let before = seed(&server);
    let out = run_script(&server.url(), "get /d\nmkdir /after\n", local.path());
    assert_fails(&out, 1, "line 1: get /d: is a directory");
    assert_one_line(&out);
    assert_eq!(tree(local.path()), BTreeMap::new(), "no file, no partial");
    assert_eq!(tree(server.root()), before);
}

#[test]
fn get_of_a_missing_file_names_it_and_the_reply() {
    let (server, local) = setup();
    seed(&server);
    let out = run_c(&server.url(), "get /d/missing.txt", local.path());
    assert_fails(&out, 1, "get /d/missing.txt: 550");
    assert_one_line(&out);
    assert_eq!(tree(local.path()), BTreeMap::new());
}

#[test]
fn get_into_a_missing_local_folder_names_the_local_path() {
    let (server, local) = setup();
    seed(&server);
    let out = run_c(&server.url(), "get f.txt no-such-dir/f.txt", local.path());
    assert_fails(&out, 1, "get f.txt: no-such-dir/f.txt");
    assert_one_line(&out);
    assert_eq!(tree(local.path()), BTreeMap::new());
}

/// A STOR refused by the server: the message should name the user's path, not the
/// internal temporary the upload goes through.
#[test]
fn put_into_a_missing_remote_folder_names_the_users_path() {
    let (server, local) = setup();
    let before = seed(&server);
    fs::write(local.path().join("a.txt"), "a").unwrap();
    let out = run_c(&server.url(), "put a.txt /no/such/dir/a.txt", local.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert_one_line(&out);
    assert!(
        out.stderr.contains(": 5"),
        "the server's reply: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("put /no/such/dir/a.txt: ") && !out.stderr.contains(".ftpsh-part"),
        "{}",
        out.stderr
    );
    assert_eq!(tree(server.root()), before);
}

// ---- permissions -------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn read_only_server_folder_gives_550_and_keeps_its_files() {
    use std::os::unix::fs::PermissionsExt;
    // Root ignores the mode: as root, this test runs again without CAP_DAC_OVERRIDE.
    if !support::skip::run_unprivileged("read_only_server_folder_gives_550_and_keeps_its_files") {
        return;
    }
    let (server, local) = setup();
    fs::create_dir(server.path("ro")).unwrap();
    fs::write(server.path("ro/keep.txt"), "keep").unwrap();
    fs::set_permissions(server.path("ro"), fs::Permissions::from_mode(0o555)).unwrap();
    // The server runs in this process: the mode must stop this user.
    assert!(
        fs::write(server.path("ro/.probe"), "x").is_err(),
        "this user can write into a 0o555 folder: the test would prove nothing"
    );
    fs::write(local.path().join("a.txt"), "a").unwrap();
    let before = tree(server.root());
    let out = run_script(&server.url(), "put a.txt /ro/a.txt\n", local.path());
    assert_fails(&out, 1, "line 1: put ");
    assert!(out.stderr.contains("550"), "{}", out.stderr);
    assert_one_line(&out);
    let out = run_script(&server.url(), "rm /ro/keep.txt\n", local.path());
    assert_fails(&out, 1, "line 1: rm /ro/keep.txt: 550");
    let out = run_script(&server.url(), "mkdir /ro/new\n", local.path());
    assert_fails(&out, 1, "line 1: mkdir /ro/new: 550");
    assert_eq!(tree(server.root()), before, "nothing changed");
    fs::set_permissions(server.path("ro"), fs::Permissions::from_mode(0o755)).unwrap();
}

// ---- awkward names -----------------------------------------------------------------------

/// A name as one ftpsh word: double quotes, with `\` and `"` escaped.
fn word(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn awkward_names_round_trip_through_put_get_and_rm() {
    let (server, local) = setup();
    let names = [
        "a b.txt",
        "it's \"quoted\".txt",
        "-dash.txt",
        "--double.txt",
        "é 文件 🦀.txt",
        "star*.txt",
        "semi;colon.txt",
        "#hash.txt",
        "tab\there.txt",
    ];
    fs::create_dir(local.path().join("back")).unwrap();
    let mut commands = vec!["mkdir /rt".to_string()];
    for (i, name) in names.iter().enumerate() {
        fs::write(local.path().join(name), format!("body {i}")).unwrap();
        commands.push(format!("put -- {} /rt/", word(name)));
        commands.push(format!("get -- {} back/", word(&format!("/rt/{name}"))));
    }
    let out = run_c(&server.url(), &commands.join("; "), local.path());
    assert_ok(&out);
    for (i, name) in names.iter().enumerate() {
        let body = format!("body {i}").into_bytes();
        assert_eq!(
            fs::read(server.path("rt").join(name)).ok(),
            Some(body.clone()),
            "server copy of {name:?}"
        );
        assert_eq!(
            fs::read(local.path().join("back").join(name)).ok(),
            Some(body),
            "downloaded copy of {name:?}"
        );
    }
    assert_eq!(
        tree(&server.path("rt")).len(),
        names.len(),
        "no temporaries left"
    );
    let removes: Vec<String> = names
        .iter()
        .map(|n| format!("rm -- {}", word(&format!("/rt/{n}"))))
        .collect();
    let out = run_c(&server.url(), &removes.join("; "), local.path());
    assert_ok(&out);
    assert_eq!(tree(&server.path("rt")), BTreeMap::new(), "all removed");
}

/// A backslash is an ordinary character in a Unix file name; with an explicit local name
/// there is no local path to protect at all.
#[test]
fn get_of_a_backslash_name_into_an_explicit_local_name() {
    let (server, local) = setup();
    fs::create_dir(server.path("rt")).unwrap();
    fs::write(server.path("rt/back\\slash.txt"), "b").unwrap();
    let out = run_c(
        &server.url(),
        "get -- \"/rt/back\\\\slash.txt\" plain.txt",
        local.path(),
    );
    assert_ok(&out);
    assert_eq!(
        fs::read_to_string(local.path().join("plain.txt")).unwrap(),
        "b"
    );
}

#[test]
fn a_leading_dash_without_double_dash_is_a_usage_error() {
    let (server, local) = setup();
    fs::write(local.path().join("-dash.txt"), "x").unwrap();
    let out = run_c(&server.url(), "put -dash.txt", local.path());
    assert_fails(&out, 2, "put: unknown option -d");
    assert!(!server.path("-dash.txt").exists());
}

// ---- names that would smuggle a command -------------------------------------------------

#[test]
fn cr_and_lf_in_names_are_refused_before_anything_is_sent() {
    let (server, local) = setup();
    let before = seed(&server);
    fs::write(local.path().join("a.txt"), "a").unwrap();
    let proxy = Proxy::start(server.port);
    let cases = [
        "mkdir \"x\r\nDELE f.txt\"",
        "mkdir \"x\rDELE f.txt\"",
        "cd \"d\nDELE f.txt\"",
        "put a.txt \"/y\r\nDELE f.txt\"",
        "get \"f.txt\r\nDELE f.txt\" copy.txt",
        "rename f.txt \"g\r\nDELE f.txt\"",
        "rm \"d/inner.txt\nDELE f.txt\"",
        "rmdir \"d/sub\r\nRMD d/sub\"",
        "mirror --once . \"/m\r\nDELE f.txt\"",
    ];
    for case in cases {
        let out = run_c(&proxy.url(), case, local.path());
        assert_eq!(out.code, 1, "{case:?}: {out:?}");
        assert!(out.stderr.contains("CR, LF"), "{case:?}: {}", out.stderr);
        // One line: see refused_names_are_shown_escaped_on_one_line.
    }
    let log = proxy.control_log();
    let smuggled: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("DELE") || l.contains("RMD") || l.contains("STOR"))
        .collect();
    assert!(smuggled.is_empty(), "sent to the server: {smuggled:?}");
    assert_eq!(tree(server.root()), before, "nothing changed on the server");
    assert!(!local.path().join("copy.txt").exists());
}

#[test]
fn refused_names_are_shown_escaped_on_one_line() {
    let (server, local) = setup();
    for case in ["mkdir \"x\r\nDELE f.txt\"", "mkdir \"x\rDELE f.txt\""] {
        let out = run_c(&server.url(), case, local.path());
        assert_eq!(out.code, 1, "{case:?}: {out:?}");
        assert!(!out.stderr.contains('\r'), "raw CR in {:?}", out.stderr);
        assert_one_line(&out);
    }
}

#[cfg(unix)]
#[test]
fn local_file_with_lf_in_its_name_is_refused_by_put_and_skipped_by_mirror() {
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("ok.txt"), "ok").unwrap();
    fs::write(src.join("evil\nDELE ok.txt"), "evil").unwrap();
    let out = run_c(&server.url(), "put \"src/evil\nDELE ok.txt\"", local.path());
    assert_fails(&out, 1, "CR, LF");
    let out = run_c(&server.url(), "mirror --once src /dst", local.path());
    assert!(out.stdout.contains("CR or LF"), "reported: {out:?}");
    assert_eq!(
        tree(&server.path("dst")),
        BTreeMap::from([("ok.txt".to_string(), Some(b"ok".to_vec()))]),
        "the rest is mirrored, the bad name is not"
    );
}

// ---- local trees ----------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_and_the_rest_mirrored() {
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir_all(src.join("d/deeper")).unwrap();
    fs::write(src.join("top.txt"), "top").unwrap();
    fs::write(src.join("d/deeper/x.txt"), "x").unwrap();
    std::os::unix::fs::symlink("..", src.join("d/up")).unwrap();
    let out = run_c(
        &server.url(),
        "mirror --once --follow-links src /dst",
        local.path(),
    );
    assert!(out.stdout.contains("symlink loop"), "reported: {out:?}");
    assert!(out.stdout.contains("d/up"), "the loop is named: {out:?}");
    let mut want = tree(&src);
    want.retain(|k, _| k != "d/up");
    assert_eq!(tree(&server.path("dst")), want, "the rest is mirrored");
    // Without --follow-links the link is not followed, so there is no loop to report.
    let out = run_c(&server.url(), "mirror --once src /dst2", local.path());
    assert_ok(&out);
    assert_eq!(tree(&server.path("dst2")), want);
}

#[cfg(unix)]
#[test]
fn symlink_loop_makes_mirror_once_exit_1() {
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("top.txt"), "top").unwrap();
    std::os::unix::fs::symlink("..", src.join("d/up")).unwrap();
    let out = run_c(
        &server.url(),
        "mirror --once --follow-links src /dst",
        local.path(),
    );
    assert_eq!(out.code, 1, "{out:?}");
}

#[test]
fn a_file_deleted_locally_is_deleted_remotely_and_nothing_else() {
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir_all(src.join("keep")).unwrap();
    fs::write(src.join("keep/a.txt"), "a").unwrap();
    fs::write(src.join("gone.txt"), "gone").unwrap();
    fs::write(src.join("b.txt"), "b").unwrap();
    assert_ok(&run_c(
        &server.url(),
        "mirror --once src /dst",
        local.path(),
    ));
    assert_eq!(tree(&server.path("dst")), tree(&src));
    fs::remove_file(src.join("gone.txt")).unwrap();
    let out = run_c(&server.url(), "mirror --once src /dst", local.path());
    assert_ok(&out);
    assert!(!server.path("dst/gone.txt").exists());
    assert_eq!(tree(&server.path("dst")), tree(&src), "nothing else lost");
}

// ---- credentials and ports -------------------------------------------------------------

#[test]
fn wrong_password_is_exit_3_with_the_530_and_never_printed() {
    let (server, local) = setup();
    let secret = "Wr0ng-pa55-xyzzy";
    for extra in [&[][..], &["--debug"][..]] {
        let out = support::ftpsh(local.path())
            .env("FTPSH_PASSWORD", secret)
            .args(extra)
            .args(["-c", "mkdir /never", &server.url()])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{extra:?}: {stderr}");
        assert!(stderr.contains("login alice: 530"), "{stderr}");
        assert!(
            !stderr.contains(secret) && !stdout.contains(secret),
            "password printed: {stdout}{stderr}"
        );
    }
    let out = run_c(&server.url(), "pwd", local.path());
    assert_ok(&out);
    assert!(!server.path("never").exists());
}

#[test]
fn wrong_password_in_the_url_is_not_echoed_either() {
    let (server, local) = setup();
    let url = format!("ftp://alice:Url-S3cret-q@127.0.0.1:{}", server.port);
    let out = run_c(&url, "pwd", local.path());
    assert_fails(&out, 3, "login alice: 530");
    // Besides the warning about a password on the command line: one line.
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.contains("warning:"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("Url-S3cret-q") && !out.stdout.contains("Url-S3cret-q"));
}

/// With no password from anywhere and no terminal to ask on (cron), nothing reaches the
/// server: an empty PASS would be a failed login in its log (fail2ban counts those). The same
/// for `open` and `user` in a script; anonymous logins are as before.
#[test]
fn no_password_and_no_terminal_sends_nothing() {
    let server = Fake::start(&[("/f.txt", b"x")], MODERN_FEAT, |_, _, _| Act::Normal);
    let local = TempDir::new().unwrap();
    let without_password = || {
        let mut command = support::ftpsh(local.path());
        command.env_remove("FTPSH_PASSWORD");
        command
    };
    let out = Out::from(
        without_password()
            .args(["-c", "pwd", &server.url()])
            .output()
            .unwrap(),
    );
    assert_fails(
        &out,
        3,
        "no password for alice: set FTPSH_PASSWORD or ~/.netrc",
    );
    assert_one_line(&out);
    assert_eq!(server.log(), Vec::<String>::new(), "nothing sent");

    // In a script: `open` and `user` of a user without a password are refused the same way,
    // before any command reaches the server.
    let anonymous = format!("ftp://127.0.0.1:{}", server.port());
    for (line, user) in [
        (format!("open {}", server.url()), "alice"),
        ("user bob".to_string(), "bob"),
    ] {
        let (child, mut stdin) = support::spawn_with_stdin(without_password().arg(&anonymous));
        stdin
            .write_all(format!("{line}\npwd\n").as_bytes())
            .unwrap();
        drop(stdin);
        let out = Out::from(child.wait_with_output().unwrap());
        assert_fails(
            &out,
            3,
            &format!("line 1: no password for {user}: set FTPSH_PASSWORD or ~/.netrc"),
        );
        let users: Vec<String> = server
            .log()
            .into_iter()
            .filter(|l| l.starts_with("USER"))
            .collect();
        assert!(
            users.iter().all(|l| l == "USER anonymous"),
            "{line}: {users:?}"
        );
    }
}

#[test]
fn closed_port_is_exit_3_in_one_line() {
    let local = TempDir::new().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run_c(
        &format!("ftp://alice@127.0.0.1:{port}"),
        "pwd",
        local.path(),
    );
    assert_fails(&out, 3, &format!("connect 127.0.0.1:{port}: "));
    assert_one_line(&out);
}

// ---- broken peers ----------------------------------------------------------------------

/// A one-connection fake peer: answers the greeting and each command line with what
/// `reply` says (None: say nothing), then keeps the connection open until the client
/// leaves. Returns its port.
fn fake_peer(greeting: Vec<u8>, reply: fn(&str) -> Option<Vec<u8>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        if stream.write_all(&greeting).is_err() {
            return;
        }
        let mut pending = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let n = match stream.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buffer[..n]);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line).trim_end().to_string();
                if let Some(answer) = reply(&line)
                    && stream.write_all(&answer).is_err()
                {
                    return;
                }
            }
        }
    });
    port
}

/// A plausible server up to login, then whatever `after_login` says.
fn logged_in(line: &str) -> Option<Vec<u8>> {
    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
    let answer: &[u8] = match verb.as_str() {
        "USER" => b"331 password please\r\n",
        "PASS" => b"230 welcome\r\n",
        "FEAT" => b"211 no features\r\n",
        "TYPE" => b"200 ok\r\n",
        "PWD" => b"257 \"/\"\r\n",
        "QUIT" => b"221 bye\r\n",
        "MKD" => b"\xff\xfe garbage \x00\x01\r\n",
        _ => b"200 ok\r\n",
    };
    Some(answer.to_vec())
}

/// `ftpsh --timeout 0.5 -c COMMANDS ftp://alice@127.0.0.1:PORT`, failing the test if it hangs
/// (a fake peer answers at once: half a second is plenty, and a silent one costs no more).
fn against_peer(port: u16, commands: &str) -> Out {
    let local = TempDir::new().unwrap();
    let child = support::ftpsh(local.path())
        .args([
            "--timeout",
            "0.5",
            "-c",
            commands,
            &format!("ftp://alice@127.0.0.1:{port}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    support::wait_out(child, Duration::from_secs(15))
}

#[test]
fn garbage_greeting_is_exit_3() {
    let port = fake_peer(b"hello, this is not FTP\r\n".to_vec(), |_| None);
    let out = against_peer(port, "pwd");
    assert_fails(
        &out,
        3,
        &format!("connect 127.0.0.1:{port}: malformed reply"),
    );
    assert_one_line(&out);
}

#[test]
fn binary_garbage_greeting_is_exit_3() {
    let port = fake_peer(b"\x00\xff\xfe\x01\x02\x03\x04\r\n".to_vec(), |_| None);
    let out = against_peer(port, "pwd");
    assert_fails(&out, 3, &format!("connect 127.0.0.1:{port}: "));
    assert_one_line(&out);
}

#[test]
fn huge_greeting_line_is_exit_3() {
    let mut greeting = b"220 ".to_vec();
    greeting.resize(300 * 1024, b'a');
    let port = fake_peer(greeting, |_| None);
    let out = against_peer(port, "pwd");
    assert_fails(&out, 3, &format!("connect 127.0.0.1:{port}: "));
    assert!(out.stderr.contains("larger than"), "{}", out.stderr);
    assert_one_line(&out);
    assert!(
        out.stderr.len() < 300,
        "the line is not echoed: {} bytes",
        out.stderr.len()
    );
}

#[test]
fn endless_multiline_greeting_is_exit_3() {
    let greeting =
        b"220-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
            .repeat(4000);
    let port = fake_peer(greeting, |_| None);
    let out = against_peer(port, "pwd");
    assert_fails(&out, 3, &format!("connect 127.0.0.1:{port}: "));
    assert!(out.stderr.contains("larger than"), "{}", out.stderr);
    assert_one_line(&out);
}

#[test]
fn garbage_reply_after_login_fails_the_command_with_exit_1() {
    let port = fake_peer(b"220 fake ready\r\n".to_vec(), logged_in);
    let out = against_peer(port, "mkdir /x; mkdir /y");
    assert_fails(&out, 1, "mkdir /x: malformed reply");
    assert_one_line(&out);
}

#[test]
fn silent_server_after_login_times_out_with_exit_1() {
    let port = fake_peer(b"220 fake ready\r\n".to_vec(), |line| {
        if line.to_ascii_uppercase().starts_with("MKD") {
            None
        } else {
            logged_in(line)
        }
    });
    let started = Instant::now();
    let out = against_peer(port, "mkdir /x");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_fails(&out, 1, "mkdir /x: ");
    assert_one_line(&out);
}

/// A file deleted after the local scan, before its upload: the pass holds its listing
/// (MLSD) at the proxy while the file goes away.
#[test]
fn a_file_that_vanishes_between_scan_and_upload_loses_nothing_else() {
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir_all(src.join("keep")).unwrap();
    fs::write(src.join("keep/a.txt"), "a").unwrap();
    fs::write(src.join("b.txt"), "b").unwrap();
    fs::write(src.join("vanishing.txt"), "soon gone").unwrap();
    // An existing remote folder is listed (a new one is known to be empty).
    fs::create_dir_all(server.path("dst")).unwrap();
    let proxy = Proxy::start(server.port);
    proxy.hold_command("MLSD");
    let child = support::ftpsh(local.path())
        .args(["-c", "mirror --once src /dst", &proxy.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    support::wait_until(
        "the pass to list the remote",
        Duration::from_secs(20),
        || proxy.is_holding(),
    );
    fs::remove_file(src.join("vanishing.txt")).unwrap();
    proxy.release();
    let out = Out::from(child.wait_with_output().unwrap());
    // Reported as an unreadable file: exit 1, the file named.
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("vanishing.txt: No such file"),
        "named: {out:?}"
    );
    assert_eq!(
        tree(&server.path("dst")),
        tree(&src),
        "the rest is mirrored: {out:?}"
    );
    // A second pass has nothing left to do.
    let again = run_c(&server.url(), "mirror --once src /dst", local.path());
    assert_ok(&again);
    assert_eq!(tree(&server.path("dst")), tree(&src));
}

// ---- errors that lead somewhere (issue 21 §2) -------------------------------------------

/// A usage error is found before anything else: before the connection (none, or one that
/// cannot be made) and before the line's other commands run.
#[test]
fn a_usage_error_comes_before_anything_else() {
    let local = TempDir::new().unwrap();
    fs::create_dir(local.path().join("site")).unwrap();
    let run = |args: &[&str]| {
        support::run_within(
            support::ftpsh(local.path()).args(args),
            Duration::from_secs(20),
        )
    };
    // No server at all: not "not connected".
    let out = run(&["-c", "mirror --bogus site /r"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--bogus"), "{}", out.stderr);
    // A server that refuses connections: the usage error, not the connect error (3).
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ftp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let out = run(&["-c", "mirror --bogus site /r", &url]);
    assert_eq!(out.code, 2, "{out:?}");
    // The line's first command does not run when a later one is malformed.
    let (server, dir) = setup();
    let out = run_c(&server.url(), "mkdir /first; put", dir.path());
    assert_fails(&out, 2, "put: missing argument");
    assert!(
        !server.path("first").exists(),
        "mkdir ran before the usage error"
    );
}

/// A mistyped command gets the closest name, as a mistyped option does.
#[test]
fn a_mistyped_command_gets_did_you_mean() {
    let local = TempDir::new().unwrap();
    for (typed, meant) in [
        ("mirrorr /a /b", "did you mean mirror?"),
        ("lsl", "did you mean ls?"),
        ("mgte x", "did you mean mget?"),
        ("help mirrorr", "did you mean mirror?"),
    ] {
        let out = support::run_within(
            support::ftpsh(local.path()).args(["-c", typed]),
            Duration::from_secs(20),
        );
        assert_fails(&out, 2, meant);
    }
    let out = support::run_within(
        support::ftpsh(local.path()).args(["-c", "xyzzy"]),
        Duration::from_secs(20),
    );
    assert_fails(&out, 2, "xyzzy: unknown command (type help");
}

/// `get f.txt no-such-dir/f.txt`: the message names the path typed, not the partial file
/// ftpsh writes first.
#[test]
fn a_download_into_a_missing_folder_names_the_users_path() {
    let (server, dir) = setup();
    seed(&server);
    let out = run_c(&server.url(), "get f.txt no-such-dir/f.txt", dir.path());
    assert_fails(
        &out,
        1,
        "get f.txt: no-such-dir/f.txt: No such file or directory",
    );
    assert!(!out.stderr.contains("ftpsh-part"), "{}", out.stderr);
    assert_one_line(&out);
}

/// `rm` of a folder says what would work; `rename` into a folder moves into it, as mv;
/// `site` errors name `site`.
#[test]
fn rm_of_a_folder_rename_into_a_folder_and_site_errors() {
    let (server, dir) = setup();
    seed(&server);
    let out = run_c(&server.url(), "rm d", dir.path());
    assert_fails(&out, 1, "rm d: is a directory (rm -r deletes it");
    assert!(server.path("d/inner.txt").exists());
    assert_ok(&run_c(&server.url(), "rename f.txt d/", dir.path()));
    assert_eq!(fs::read(server.path("d/f.txt")).unwrap(), b"file");
    fs::write(server.path("g.txt"), "g").unwrap();
    assert_ok(&run_c(&server.url(), "rename g.txt d", dir.path()));
    assert_eq!(fs::read(server.path("d/g.txt")).unwrap(), b"g");
    fs::write(server.path("h.txt"), "h").unwrap();
    assert_ok(&run_c(&server.url(), "rnfr h.txt; rnto d/sub", dir.path()));
    assert_eq!(fs::read(server.path("d/sub/h.txt")).unwrap(), b"h");
    let out = run_c(&server.url(), "site bogus 600 x", dir.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("ftpsh: site bogus 600 x: "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("quote"), "{}", out.stderr);
}

/// An upload mirror whose LOCAL is not there: said so, with the download's order when the
/// words look swapped (REMOTE names a local folder).
#[test]
fn a_missing_local_folder_is_named_with_the_download_hint() {
    let (server, dir) = setup();
    fs::create_dir(dir.path().join("site")).unwrap();
    let out = run_c(&server.url(), "mirror --once /www ./site", dir.path());
    assert_fails(
        &out,
        1,
        "mirror: local folder /www not found; ./site is a local folder",
    );
    assert!(
        out.stderr.contains("mirror --download /www ./site"),
        "{}",
        out.stderr
    );
    assert_one_line(&out);
    let out = run_c(&server.url(), "mirror --once nothere /www", dir.path());
    assert_fails(&out, 1, "mirror: local folder nothere not found");
    assert!(!out.stderr.contains("--download"), "{}", out.stderr);
}

// ---- settings: numbers out of range, files that are no files ---------------------------

/// Every number a user gives (flag, config key, mirror option, `set`) is checked against
/// its range with a usage error naming where it was given: nothing panics (exit 101) later,
/// no job opens thousands of logins or lists a server thousands of times a second.
#[test]
fn numbers_out_of_range_are_usage_errors_wherever_given() {
    let (server, local) = setup();
    fs::create_dir(local.path().join("src")).unwrap();
    let run =
        |command: &mut std::process::Command| support::run_within(command, Duration::from_secs(10));
    for (flag, value) in [
        ("--timeout", "1e300"),
        ("--timeout", "inf"),
        ("--interval", "1e300"),
        ("--interval", "0.000001"),
        ("--parallel", "100000"),
        ("--max-depth", "99999999999999999999999"),
        ("--limit-rate", "99999999999G"),
    ] {
        let out = run(support::ftpsh(local.path()).args([flag, value, "-c", "pwd", &server.url()]));
        assert_fails(&out, 2, &format!("ftpsh: {flag}: "));
        assert_one_line(&out);
    }
    // the same numbers as config keys
    let config = local.path().join("config");
    fs::create_dir(&config).unwrap();
    for (key, value) in [
        ("timeout", "1e300"),
        ("interval", "1e300"),
        ("parallel", "100000"),
    ] {
        fs::write(config.join("config"), format!("{key} = {value}\n")).unwrap();
        let mut command = support::ftpsh(local.path());
        command
            .env("FTPSH_CONFIG_DIR", &config)
            .args(["-c", "pwd", &server.url()]);
        let out = run(&mut command);
        assert_fails(
            &out,
            2,
            &format!("config: {key} = \"{value}\" is not valid"),
        );
    }
    // as a mirror job's options, and with `set`: the shell keeps its values
    for (commands, says) in [
        (
            "mirror --once --interval 1e300 src /dst",
            "mirror --interval: ",
        ),
        (
            "mirror --once --parallel 100000 src /dst",
            "mirror --parallel: ",
        ),
        (
            "mirror --download --once --interval 0.000001 / got",
            "mirror --interval: ",
        ),
        (
            "mirror --once --max-depth 1e3 src /dst",
            "mirror --max-depth: ",
        ),
        ("set timeout 1e300", "set timeout: 1e300 is out of range"),
        (
            "set parallel 100000",
            "set parallel: 100000 is out of range: from 0 to 64",
        ),
        ("set interval 0.000001", "set interval: "),
    ] {
        let out = run(support::ftpsh(local.path()).args(["-c", commands, &server.url()]));
        assert_fails(&out, 2, says);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    assert!(!server.path("dst").exists(), "no job ran");
    assert!(!local.path().join("got").exists(), "no job ran");
}

/// An ignore file, the config file, .netrc or a CA bundle that is a link to `/dev/zero`
/// (or a FIFO) is refused at once, never read without end.
#[cfg(unix)]
#[test]
fn settings_files_that_are_no_regular_files_are_refused() {
    let (server, local) = setup();
    fs::create_dir(local.path().join("src")).unwrap();
    fs::write(local.path().join("src/a.txt"), "a").unwrap();
    std::os::unix::fs::symlink("/dev/zero", local.path().join("zero.ignore")).unwrap();
    let fifo = local.path().join("fifo.ignore");
    let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let run =
        |command: &mut std::process::Command| support::run_within(command, Duration::from_secs(10));
    for file in ["zero.ignore", "fifo.ignore"] {
        let commands = format!("mirror --once --exclude-from {file} src /dst");
        let out = run(support::ftpsh(local.path()).args(["-c", &commands, &server.url()]));
        assert_fails(
            &out,
            1,
            &format!("mirror --exclude-from {file}: not a regular file"),
        );
        assert_one_line(&out);
    }
    // a big ignore file is refused too, naming the cap
    fs::write(local.path().join("big.ignore"), vec![b'#'; (4 << 20) + 1]).unwrap();
    let commands = "mirror --once --exclude-from big.ignore src /dst";
    let out = run(support::ftpsh(local.path()).args(["-c", commands, &server.url()]));
    assert_fails(
        &out,
        1,
        "mirror --exclude-from big.ignore: larger than 4 MiB",
    );
    assert!(!server.path("dst").exists(), "nothing was mirrored");
    // the config file
    let config = local.path().join("config");
    fs::create_dir(&config).unwrap();
    std::os::unix::fs::symlink("/dev/zero", config.join("config")).unwrap();
    let mut command = support::ftpsh(local.path());
    command
        .env("FTPSH_CONFIG_DIR", &config)
        .args(["-c", "pwd", &server.url()]);
    let out = run(&mut command);
    assert_fails(&out, 1, "config");
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    // .netrc: not read, the login goes on with the password given
    let mut command = support::ftpsh(local.path());
    command
        .env("NETRC", local.path().join("zero.ignore"))
        .args(["-c", "pwd", &server.url()]);
    assert_ok(&run(&mut command));
    // a CA bundle: refused before any connection
    let zero = local.path().join("zero.ignore");
    let args = [
        "--tls",
        "--ca-file",
        zero.to_str().unwrap(),
        "-c",
        "pwd",
        "127.0.0.1:1",
    ];
    let out = run(support::ftpsh(local.path()).args(args));
    assert_fails(&out, 3, "not a regular file");
}
