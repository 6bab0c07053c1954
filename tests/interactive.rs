//! The interactive REPL in a real pseudo-terminal: prompt, completion, Ctrl-C, history, job events.
#![cfg(unix)]

mod support;

use std::fs;
use std::path::Path;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{ControlCode, Eof, Expect};
use support::{TestServer, setup};

type Pty = expectrl::session::OsSession;

const PROMPT: &str = "ftpsh alice@127.0.0.1:/> ";

/// `ftpsh URL` in a pty, with the same sealed environment as `support::ftpsh`, once the
/// banner and the first prompt are on screen.
fn spawn(server: &TestServer, local: &Path) -> Pty {
    spawn_url(&server.url(), local)
}

fn spawn_url(url: &str, local: &Path) -> Pty {
    let mut pty = support::pty(&[url], local);
    pty.expect("Welcome to the libunftp FTP server")
        .expect("welcome banner");
    pty.expect(PROMPT).expect("first prompt");
    pty
}

/// Sends a line and waits for the next prompt.
fn command(pty: &mut Pty, line: &str) {
    pty.send_line(line).expect("send line");
    pty.expect(PROMPT)
        .unwrap_or_else(|e| panic!("no prompt after {line:?}: {e}"));
}

/// Waits for the output to end and checks ftpsh exited with status 0.
fn assert_exits_ok(mut pty: Pty) {
    pty.expect(Eof).expect("ftpsh exits");
    let status = pty.get_process().wait().expect("wait ftpsh");
    assert!(
        matches!(status, WaitStatus::Exited(_, 0)),
        "exit status: {status:?}"
    );
}

#[test]
fn prompt_runs_a_command_and_ctrl_d_exits() {
    let (server, local) = setup();
    let mut pty = spawn(&server, local.path());
    command(&mut pty, "mkdir /typed");
    assert!(server.path("typed").is_dir(), "mkdir ran");
    pty.send_line("pwd").unwrap();
    pty.expect("\r\n/\r\n").expect("pwd prints /");
    pty.expect(PROMPT).expect("prompt after pwd");
    pty.send(ControlCode::EndOfTransmission).unwrap();
    assert_exits_ok(pty);
}

#[test]
fn tab_completes_command_names() {
    let (server, local) = setup();
    fs::write(server.path("a"), "A").unwrap();
    let mut pty = spawn(&server, local.path());
    pty.send("rena\t").unwrap();
    pty.expect("/> rename ")
        .expect("rena<TAB> completes to rename");
    command(&mut pty, "a b");
    assert!(server.path("b").is_file(), "a renamed to b");
    assert!(!server.path("a").exists(), "a is gone");
    pty.send("hel\t").unwrap();
    pty.expect("/> help ").expect("hel<TAB> completes to help");
    pty.send_line("").unwrap();
    pty.expect("Commands (type").expect("help overview");
    pty.expect(PROMPT).expect("prompt after help");
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
}

#[test]
fn ctrl_c_cancels_the_line() {
    let (server, local) = setup();
    let mut pty = spawn(&server, local.path());
    pty.send("mkdir /never").unwrap();
    pty.expect("mkdir /never").expect("typed text echoed");
    pty.send(ControlCode::EndOfText).unwrap();
    pty.expect(PROMPT).expect("fresh prompt after Ctrl-C");
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
    assert!(
        !server.path("never").exists(),
        "the cancelled line never ran"
    );
}

#[test]
fn history_is_saved_without_secret_lines() {
    let (server, local) = setup();
    let mut pty = spawn(&server, local.path());
    command(&mut pty, "pwd");
    // The wrong password fails the login (530); the session that was open stays open.
    pty.send_line("user alice s3cretpw").unwrap();
    pty.expect("login alice").expect("login refused");
    pty.expect("ftpsh alice@127.0.0.1:/> ")
        .expect("still connected");
    // Lines that cannot be split, or name no command, are judged by their words too.
    for line in [
        "user bob \"HistS3cret",
        "open 'ftp://tester:Hist2S3cret@127.0.0.1:1",
        "pass Hist3S3cret",
    ] {
        command(&mut pty, line);
    }
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
    let history = fs::read_to_string(local.path().join(".data/ftpsh/history"))
        .expect("history file in $XDG_DATA_HOME/ftpsh");
    assert!(
        history.lines().any(|l| l == "pwd"),
        "pwd in history: {history:?}"
    );
    for secret in ["s3cretpw", "HistS3cret", "Hist2S3cret", "Hist3S3cret"] {
        assert!(
            !history.contains(secret),
            "password leaked into history: {history:?}"
        );
    }
}

#[test]
fn mirror_events_appear_while_the_prompt_waits() {
    let (server, local) = setup();
    fs::create_dir(local.path().join("src")).unwrap();
    fs::write(local.path().join("src/f.txt"), "mirrored").unwrap();
    let mut pty = spawn(&server, local.path());
    pty.send_line("mirror --interval 0.2 src /dst").unwrap();
    pty.expect("mirror 1 started").expect("job started");
    pty.expect("uploaded")
        .expect("pass summary printed above the prompt");
    // quitting with a job running asks first; no keeps the shell
    pty.send_line("quit").unwrap();
    pty.expect("1 mirror job running; stop it and quit? [y/N] ")
        .expect("quit asks");
    pty.send_line("n").unwrap();
    pty.expect(PROMPT).expect("still at the prompt");
    pty.send_line("quit").unwrap();
    pty.expect("stop it and quit?").expect("quit asks again");
    pty.send_line("y").unwrap();
    assert_exits_ok(pty);
    assert_eq!(
        fs::read_to_string(server.path("dst/f.txt")).unwrap(),
        "mirrored"
    );
}

#[test]
fn transfers_show_a_progress_bar_at_a_terminal_and_glob_deletes_ask_first() {
    let (server, local) = setup();
    fs::write(server.path("big.bin"), vec![7u8; 64 << 20]).unwrap();
    fs::write(server.path("a.tmp"), "a").unwrap();
    fs::write(server.path("b.tmp"), "b").unwrap();
    let mut pty = spawn(&server, local.path());
    pty.send_line("get big.bin").unwrap();
    // The bar's byte counter ("... MiB") shows while the 64 MiB arrive.
    pty.expect("MiB").expect("a progress bar");
    pty.expect(PROMPT).expect("prompt after get");
    assert_eq!(
        fs::metadata(local.path().join("big.bin")).unwrap().len(),
        64 << 20
    );

    pty.send_line("rm *.tmp").unwrap();
    pty.expect("delete 2 files? [y/N]")
        .expect("one confirmation");
    pty.send_line("n").unwrap();
    pty.expect(PROMPT).expect("prompt after refusing");
    assert!(server.path("a.tmp").exists() && server.path("b.tmp").exists());
    pty.send_line("rm *.tmp").unwrap();
    pty.expect("delete 2 files? [y/N]").expect("asked again");
    pty.send_line("y").unwrap();
    pty.expect(PROMPT).expect("prompt after deleting");
    assert!(!server.path("a.tmp").exists() && !server.path("b.tmp").exists());
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
}

#[test]
fn tab_completes_remote_paths_quoted_and_option_names() {
    let (server, local) = setup();
    fs::create_dir(server.path("my dir")).unwrap();
    fs::write(server.path("my dir/report 2024.txt"), "r").unwrap();
    let mut pty = spawn(&server, local.path());
    pty.send("get my").unwrap();
    pty.send("\t").unwrap();
    pty.expect("get my\\ dir/")
        .expect("directory completed, space escaped");
    pty.send("rep\t").unwrap();
    pty.expect("report\\ 2024.txt").expect("file completed");
    pty.send_line("").unwrap();
    pty.expect(PROMPT).expect("prompt after get");
    assert_eq!(
        fs::read_to_string(local.path().join("report 2024.txt")).unwrap(),
        "r"
    );

    // A change on the server is seen: `mkdir` empties the listing cache.
    command(&mut pty, "mkdir zebra");
    pty.send("cd zeb\t").unwrap();
    pty.expect("cd zebra/").expect("new directory completed");
    pty.send_line("").unwrap();
    // libunftp answers PWD with a trailing slash: "/zebra/".
    pty.expect("ftpsh alice@127.0.0.1:/zebra")
        .expect("moved into it");

    // (`--on` alone is ambiguous since `--on-change`.)
    pty.send("mirror --onc\t").unwrap();
    pty.expect("--once").expect("mirror option completed");
    pty.send("\x03").unwrap();
    pty.expect("ftpsh alice@127.0.0.1:/zebra")
        .expect("line cancelled");
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
}

#[test]
fn completion_gives_up_on_a_trickling_listing_and_the_next_command_reconnects() {
    let (server, local) = setup();
    fs::create_dir(server.path("zebra")).unwrap();
    for i in 0..40 {
        fs::write(server.path(&format!("file-{i:02}.txt")), "x").unwrap();
    }
    let proxy = support::proxy::Proxy::start(server.port);
    let mut pty = spawn_url(&proxy.url(), local.path());
    // Each byte arrives within a read's bound; the whole would take minutes.
    proxy.trickle_next_listing();
    let asked = std::time::Instant::now();
    pty.send("cd zeb\t").unwrap();
    pty.send_line("").unwrap();
    // The prompt comes back within the completion's limit, with nothing completed, and the
    // command runs on a new connection in the same folder.
    pty.expect("connection to 127.0.0.1 was lost; reconnected")
        .expect("the next command reconnects");
    pty.expect(PROMPT).expect("prompt after cd");
    assert!(
        asked.elapsed() < Duration::from_secs(8),
        "completion held the prompt {:?}",
        asked.elapsed()
    );
    pty.send_line("pwd").unwrap();
    pty.expect("\r\n/\r\n").expect("pwd prints /");
    pty.expect(PROMPT).expect("prompt after pwd");
    pty.send(ControlCode::EndOfTransmission).unwrap();
    assert_exits_ok(pty);
}

/// Files under `root` whose name marks them as ours and in progress, with their sizes.
fn parts(root: &Path) -> Vec<(String, u64)> {
    support::temporaries(root)
        .into_iter()
        .map(|rel| {
            let size = fs::metadata(root.join(&rel)).map_or(0, |m| m.len());
            (rel, size)
        })
        .collect()
}

/// Ctrl-C during a transfer stops that transfer, not the shell: the prompt comes back, the
/// remote temporary is kept for `put -c` and said so (upload), the partial is kept and
/// named for `get -c` (download), the session still works, and a mirror job running
/// meanwhile keeps syncing.
#[test]
fn ctrl_c_cancels_a_transfer_and_keeps_the_shell_and_its_mirror_job() {
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("f.txt"), "first").unwrap();
    // 8 MiB take ten seconds through the slowed proxy: time enough to interrupt
    let body = support::pattern(8 << 20);
    fs::write(local.path().join("big.bin"), &body).unwrap();
    fs::write(server.path("down.bin"), &body).unwrap();
    let proxy = support::proxy::Proxy::start(server.port);
    let mut pty = spawn_url(&proxy.url(), local.path());
    pty.send_line("mirror --interval 0.2 src /dst").unwrap();
    pty.expect("mirror 1 started").expect("job started");
    support::wait_until("the job's first pass", Duration::from_secs(10), || {
        server.path("dst/f.txt").is_file()
    });

    // put: Ctrl-C once the temporary is growing on the server
    proxy.slow_next_data();
    pty.send_line("put big.bin").unwrap();
    support::wait_until("an upload in flight", Duration::from_secs(10), || {
        parts(server.root()).iter().any(|(_, size)| *size > 0)
    });
    pty.send(ControlCode::EndOfText).unwrap();
    pty.expect("put big.bin: cancelled")
        .expect("the upload says it was cancelled");
    pty.expect("stays on the server for put -c")
        .expect("and that its temporary is kept");
    pty.expect(PROMPT).expect("prompt back after Ctrl-C");
    let kept = parts(server.root());
    assert!(
        matches!(&kept[..], [(temp, size)] if *size > 0 && temp.ends_with("-big.bin")),
        "the temporary is kept: {kept:?}"
    );
    for (temp, _) in kept {
        fs::remove_file(server.root().join(temp)).unwrap();
    }
    assert!(
        !server.path("big.bin").exists(),
        "nothing under the final name"
    );

    // get: the partial stays, named for get -c
    proxy.slow_next_data();
    pty.send_line("get down.bin").unwrap();
    support::wait_until("a download in flight", Duration::from_secs(10), || {
        parts(local.path()).iter().any(|(_, size)| *size > 0)
    });
    pty.send(ControlCode::EndOfText).unwrap();
    pty.expect(
        "cancelled; the partial download is kept in down.bin.ftpsh-part (get -c resumes it)",
    )
    .expect("the download says what it kept");
    pty.expect(PROMPT).expect("prompt back after Ctrl-C");
    assert!(!local.path().join("down.bin").exists());

    // the session works: get -c finishes the download
    command(&mut pty, "get -c down.bin");
    assert!(
        fs::read(local.path().join("down.bin")).unwrap() == body,
        "resumed whole"
    );
    // the mirror job was untouched: a new local file still reaches the server
    fs::write(src.join("g.txt"), "second").unwrap();
    support::wait_until(
        "the job to sync a new file",
        Duration::from_secs(10),
        || fs::read_to_string(server.path("dst/g.txt")).is_ok_and(|s| s == "second"),
    );
    pty.send_line("jobs").unwrap();
    pty.expect(expectrl::Regex(r"\n1 +(idle|syncing) "))
        .expect("the job is still running");
    pty.expect(PROMPT).expect("prompt after jobs");
    pty.send_line("quit").unwrap();
    pty.expect("stop it and quit?").expect("quit asks");
    pty.send_line("y").unwrap();
    pty.expect(Eof).expect("ftpsh exits");
}

/// Lines typed ahead (or pasted by a terminal without bracketed paste) arrive in one read:
/// each runs, in order, and reaches history. A bracketed paste of several lines is one
/// entry: Enter runs each of its lines, and each is a history line of its own; a line that
/// fails stops the rest, as in a script, and says so.
#[test]
fn every_line_typed_ahead_or_pasted_runs_in_order_and_reaches_history() {
    let (server, local) = setup();
    let mut pty = spawn(&server, local.path());
    // typed ahead: the second needs the first, the third the second
    pty.send("mkdir /one\rmkdir /one/two\rmkdir /one/two/three\r")
        .unwrap();
    support::wait_until("the third typed line", Duration::from_secs(10), || {
        server.path("one/two/three").is_dir()
    });
    // a bracketed paste (the terminal marks its start and end), then Enter
    pty.send("\x1b[200~mkdir /p1\r\nmkdir /p1/p2\r\n\x1b[201~")
        .unwrap();
    pty.send("\r").unwrap();
    support::wait_until("the pasted lines", Duration::from_secs(10), || {
        server.path("p1/p2").is_dir()
    });
    // a pasted line that fails stops the ones after it
    pty.send("\x1b[200~cd /nowhere\rmkdir stray\rmkdir stray2\x1b[201~\r")
        .unwrap();
    pty.expect("2 pasted lines not run")
        .expect("the rest is named");
    pty.expect(PROMPT).expect("prompt after the failed paste");
    assert!(!server.path("stray").exists() && !server.path("stray2").exists());
    command(&mut pty, "pwd");
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
    let history = fs::read_to_string(local.path().join(".data/ftpsh/history")).unwrap();
    let lines: Vec<&str> = history.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            "mkdir /one",
            "mkdir /one/two",
            "mkdir /one/two/three",
            "mkdir /p1",
            "mkdir /p1/p2",
            "cd /nowhere",
            "mkdir stray",
            "mkdir stray2",
            "pwd",
            "quit"
        ],
        "history: {history:?}"
    );
}

/// Ctrl-C during a foreground `mirror --once` uploading on several connections to a slow
/// server gives the prompt back within a second, nothing under a final name half-written,
/// and the shell works after it.
#[test]
fn ctrl_c_stops_a_mirror_on_several_connections_within_a_second() {
    let Some(server) = support::pyftpd::PyFtpd::start_quirk("slow") else {
        return;
    };
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    let body = support::pattern(4 << 20);
    for i in 0..6 {
        fs::write(src.join(format!("f{i}.bin")), &body).unwrap();
    }
    let mut pty = support::pty(&[&server.url()], local.path());
    pty.expect(PROMPT).expect("first prompt");
    pty.send_line("mirror --once --parallel 4 src /dst")
        .unwrap();
    support::wait_until(
        "uploads on several connections",
        Duration::from_secs(20),
        || {
            let dst = server.path("dst");
            support::temporaries(&dst)
                .iter()
                .filter(|rel| fs::metadata(dst.join(rel)).is_ok_and(|m| m.len() > 0))
                .count()
                >= 3
        },
    );
    let pressed = std::time::Instant::now();
    pty.send(ControlCode::EndOfText).unwrap();
    pty.expect(PROMPT).expect("prompt back after Ctrl-C");
    let took = pressed.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "Ctrl-C took {took:?} to give the prompt back"
    );
    for i in 0..6 {
        let done = server.path(&format!("dst/f{i}.bin"));
        assert!(
            !done.exists() || fs::read(&done).unwrap() == body,
            "f{i}.bin is whole or absent"
        );
    }
    command(&mut pty, "ls /dst");
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
}

/// The same for a command waiting on a server that never answers: a login to a server that
/// accepts and never greets, a listing that trickles.
#[test]
fn ctrl_c_gives_the_prompt_back_within_a_second_from_a_mute_server() {
    let (server, local) = setup();
    let proxy = support::proxy::Proxy::start(server.port);
    let mut pty = spawn(&server, local.path());
    proxy.hold_connections(true);
    pty.send_line(format!("open {}", proxy.url())).unwrap();
    support::wait_until("the login under way", Duration::from_secs(10), || {
        proxy.control_connections() >= 1
    });
    let pressed = std::time::Instant::now();
    pty.send(ControlCode::EndOfText).unwrap();
    pty.expect("cancelled")
        .expect("the open says it was cancelled");
    pty.expect("/> ").expect("prompt back after Ctrl-C");
    let took = pressed.elapsed();
    assert!(took < Duration::from_secs(1), "Ctrl-C took {took:?}");
    pty.send_line("quit").unwrap();
    pty.expect(Eof).expect("ftpsh exits");
}

/// The bar of a foreground mirror pass counts bytes, beside the files: a tree of small
/// files and one big one shows the big one's bytes moving, with a byte rate.
#[test]
fn the_mirror_bar_counts_bytes_and_files() {
    let (server, local) = setup();
    let src = local.path().join("src");
    fs::create_dir(&src).unwrap();
    for i in 0..3 {
        fs::write(src.join(format!("small{i}.txt")), "s").unwrap();
    }
    fs::write(src.join("big.bin"), vec![5u8; 64 << 20]).unwrap();
    let mut pty = spawn(&server, local.path());
    pty.send_line("mirror --once src /dst").unwrap();
    pty.expect(expectrl::Regex(
        r"mirror [0-3]/4 files .*[0-9.]+ [KM]iB/64\.[0-9]+ MiB [0-9.]+ [KM]iB/s",
    ))
    .expect("a bar of bytes, files beside");
    pty.expect(PROMPT).expect("prompt after the pass");
    assert_eq!(
        fs::metadata(server.path("dst/big.bin")).unwrap().len(),
        64 << 20
    );
    pty.send_line("quit").unwrap();
    assert_exits_ok(pty);
}
