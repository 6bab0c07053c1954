//! Everyday comfort: readable listings, cat, local shell escapes, completion scripts, man page.

mod support;

use std::fs;

use support::{TestServer, assert_fails, assert_ok, run_c};
use tempfile::TempDir;

fn setup() -> (TestServer, TempDir) {
    (TestServer::start(), TempDir::new().unwrap())
}

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
