//! FTPS against pyftpdlib's TLS handler (tests/support/pyftpd_server.py --tls): explicit TLS
//! via ftps:// and --tls, implicit TLS, mirror over TLS, and the certificate failures (unknown
//! issuer, wrong name, expired), `--insecure`, a plain server refusing AUTH TLS, and the
//! protocol trace. The servers require TLS on the control and data connections, so a transfer
//! that works was encrypted. Each test skips visibly (`SKIPPED:` on stderr, counted) when pyftpdlib
//! or pyOpenSSL is missing, and fails instead under `CI=true`.

#[allow(unused_imports)] // support re-exports the libunftp fixture, not used here
mod support;

use support::tree;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::pyftpd::{PASS, PyFtpd};
use support::{Out, assert_fails, assert_ok};
use tempfile::TempDir;

/// The exit status for "could not connect or log in".
const CONNECT_FAILED: i32 = 3;

/// An FTPS server of this `kind`, or `None` after a counted skip (a failure under `CI=true`).
fn tls_server(kind: &str) -> Option<PyFtpd> {
    PyFtpd::start_tls(kind)
}

/// `ftpsh ARGS` run in `home` (see `support::ftpsh`).
fn run(home: &Path, args: &[&str]) -> Out {
    finish(support::ftpsh(home).args(args))
}

fn finish(command: &mut Command) -> Out {
    Out::from(command.output().expect("run ftpsh"))
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// 600 KiB of every byte value, CR and LF included: several TLS records and more than one
/// transfer buffer, and any ASCII-mode mangling would show.
fn payload() -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..600 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// The server's folder holds nothing: the refused session sent no command that changes it.
#[track_caller]
fn assert_untouched(server: &PyFtpd) {
    let left = tree(server.root());
    assert!(left.is_empty(), "the server's folder changed: {left:?}");
}

#[track_caller]
fn assert_no_password(out: &Out) {
    assert!(
        !out.stderr.contains(PASS) && !out.stdout.contains(PASS),
        "the password was printed:\nstdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
}

const ROUND_TRIP: &str = "mkdir /d; put f.txt /d/; ls /d; get /d/f.txt back.txt";

/// Runs ROUND_TRIP with `args` before `-c`, and checks the bytes on the server and back home.
fn round_trip(server: &PyFtpd, args: &[&str]) -> Out {
    let home = TempDir::new().unwrap();
    let body = payload();
    fs::write(home.path().join("f.txt"), &body).unwrap();
    let mut all = args.to_vec();
    all.extend(["-c", ROUND_TRIP]);
    let out = run(home.path(), &all);
    assert_ok(&out);
    assert!(
        out.stdout.contains("f.txt"),
        "ls /d should list f.txt: {}",
        out.stdout
    );
    let uploaded = fs::read(server.path("d/f.txt")).expect("the upload is on the server");
    assert!(uploaded == body, "the server's copy differs from f.txt");
    let back = fs::read(home.path().join("back.txt")).expect("back.txt was downloaded");
    assert!(back == body, "back.txt differs from f.txt");
    let remote: Vec<String> = tree(server.root()).into_keys().collect();
    assert_eq!(
        remote,
        ["d", "d/f.txt"],
        "no temporaries left on the server"
    );
    assert_no_password(&out);
    out
}

#[test]
fn explicit_tls_with_an_ftps_url_and_a_private_ca() {
    let Some(server) = tls_server("good") else {
        return;
    };
    let ca = server.ca_file();
    round_trip(&server, &["--ca-file", path_arg(&ca), &server.tls_url()]);
}

#[test]
fn explicit_tls_with_the_tls_flag_and_an_ftp_url() {
    let Some(server) = tls_server("good") else {
        return;
    };
    let ca = server.ca_file();
    round_trip(
        &server,
        &["--tls", "--ca-file", path_arg(&ca), &server.url()],
    );
}

#[test]
fn mirror_once_over_tls_copies_the_tree() {
    let Some(server) = tls_server("good") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    support::write_site(
        &src,
        [
            ("index.html", b"<h1>hi</h1>".to_vec()),
            ("css/site.css", b"body{}".to_vec()),
            ("img/a b.png", payload()),
            (
                "docs/\u{e9} \u{6587}\u{4ef6}/deep/x.txt",
                b"x\r\ny\n".to_vec(),
            ),
            ("empty.txt", Vec::new()),
        ],
    );
    let ca = server.ca_file();
    let out = run(
        home.path(),
        &[
            "--ca-file",
            path_arg(&ca),
            "-c",
            "mirror --once src /dst",
            &server.tls_url(),
        ],
    );
    assert_ok(&out);
    assert_eq!(
        tree(&server.path("dst")),
        tree(&src),
        "the remote tree differs from the local one"
    );
    assert_no_password(&out);
}

#[test]
fn a_bookmark_of_an_implicit_tls_session_opens_with_implicit_tls_again() {
    let Some(server) = tls_server("implicit") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let ca = server.ca_file();
    let config = home.path().join("config");
    let with = |args: &[&str]| {
        finish(
            support::ftpsh(home.path())
                .env("FTPSH_CONFIG_DIR", &config)
                .args(["--ca-file", path_arg(&ca)])
                .args(args),
        )
    };
    let out = with(&["--implicit-tls", "-c", "bookmark add work", &server.url()]);
    assert_ok(&out);
    let stored = fs::read_to_string(config.join("bookmarks")).unwrap();
    assert!(
        stored.contains(&format!(
            "work ftps+implicit://alice@127.0.0.1:{}/",
            server.port
        )),
        "{stored}"
    );
    // Neither the bookmark alone nor --plain makes it plain FTP (which would send the
    // password in the clear) or AUTH TLS.
    for flags in [&[][..], &["--plain"]] {
        let out = with(&[flags, &["--debug", "-c", "mkdir /viabookmark", "work"]].concat());
        assert_ok(&out);
        assert!(!out.stderr.contains("--> AUTH"), "{}", out.stderr);
        assert!(out.stderr.contains("--> PROT P"), "{}", out.stderr);
        fs::remove_dir(server.path("viabookmark")).unwrap();
    }
}

#[test]
fn implicit_tls_with_a_private_ca() {
    let Some(server) = tls_server("implicit") else {
        return;
    };
    let ca = server.ca_file();
    let out = round_trip(
        &server,
        &[
            "--implicit-tls",
            "--debug",
            "--ca-file",
            path_arg(&ca),
            &server.url(),
        ],
    );
    // TLS from the first byte: no AUTH, but data protection is still negotiated.
    for line in ["--> PBSZ 0", "--> PROT P", "--> PASS ****"] {
        assert!(
            out.stderr.contains(line),
            "trace lacks {line:?}: {}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("--> AUTH"), "{}", out.stderr);
}

#[test]
fn unknown_issuer_is_refused() {
    let Some(server) = tls_server("good") else {
        return;
    };
    // Trusted roots that cannot vouch for the server: a CA of its own, unrelated to the one
    // that signed the server's certificate (the system roots are tried in the next test).
    let home = TempDir::new().unwrap();
    let mut command = support::ftpsh(home.path());
    command
        .env("SSL_CERT_FILE", server.other_ca_file())
        .env_remove("SSL_CERT_DIR")
        .args(["-c", "mkdir /d", &server.tls_url()]);
    let out = finish(&mut command);
    assert_fails(&out, CONNECT_FAILED, "issuer");
    assert_no_password(&out);
    assert_untouched(&server);
}

#[test]
fn unknown_issuer_is_refused_with_the_system_roots() {
    let Some(server) = tls_server("good") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let out = run(home.path(), &["-c", "mkdir /d", &server.tls_url()]);
    if out
        .stderr
        .contains("cannot load the system's trusted certificates")
    {
        assert_eq!(out.code, CONNECT_FAILED, "{}", out.stderr);
        support::skip::missing("system CA certificates", "install ca-certificates");
        return;
    }
    assert_fails(&out, CONNECT_FAILED, "issuer");
    assert_no_password(&out);
    assert_untouched(&server);
}

#[test]
fn certificate_for_another_name_is_refused() {
    let Some(server) = tls_server("wrong-name") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let ca = server.ca_file();
    let out = run(
        home.path(),
        &[
            "--ca-file",
            path_arg(&ca),
            "-c",
            "mkdir /d",
            &server.tls_url(),
        ],
    );
    assert_fails(
        &out,
        CONNECT_FAILED,
        "the server's certificate was rejected: it is for elsewhere.invalid, not for 127.0.0.1: connect by one of its names",
    );
    assert_no_password(&out);
    assert_untouched(&server);
}

#[test]
fn expired_certificate_is_refused() {
    let Some(server) = tls_server("expired") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let ca = server.ca_file();
    let out = run(
        home.path(),
        &[
            "--ca-file",
            path_arg(&ca),
            "-c",
            "mkdir /d",
            &server.tls_url(),
        ],
    );
    assert_fails(&out, CONNECT_FAILED, "expired");
    assert_no_password(&out);
    assert_untouched(&server);
}

/// The certificate of the usual one-liner, made by openssl itself: OpenSSL 3 marks it CA:TRUE,
/// which webpki refuses as a server's certificate. Given with --ca-file it is trusted as
/// itself (as lftp's ssl:ca-file and curl's --cacert do), explicit and implicit TLS alike.
#[test]
fn the_one_liners_self_signed_certificate_given_with_ca_file_is_trusted() {
    if Command::new("openssl").arg("version").output().is_err() {
        support::skip::missing("openssl", "apt-get install openssl");
        return;
    }
    for implicit in [false, true] {
        let Some(server) = PyFtpd::start_tls_given(implicit, |dir| {
            let made = Command::new("openssl")
                .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
                .args([
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ])
                .arg("-keyout")
                .arg(dir.join("server-key.pem"))
                .arg("-out")
                .arg(dir.join("server.pem"))
                .stdin(Stdio::null())
                .output()
                .expect("run openssl");
            assert!(made.status.success(), "openssl req: {made:?}");
        }) else {
            return;
        };
        let cert = server.cert_path("server.pem");
        let text = Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(&cert)
            .output()
            .expect("run openssl");
        assert!(
            String::from_utf8_lossy(&text.stdout).contains("CA:TRUE"),
            "the one-liner's certificate is no longer CA:TRUE: the test no longer tests the example"
        );
        let out = if implicit {
            round_trip(
                &server,
                &[
                    "--implicit-tls",
                    "--ca-file",
                    path_arg(&cert),
                    &server.url(),
                ],
            )
        } else {
            round_trip(&server, &["--ca-file", path_arg(&cert), &server.tls_url()])
        };
        assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    }
}

/// A certificate trusted as itself still has to name the host and be in date: a pinned one
/// made for another name, or expired, is refused with what was wrong and what to do. The
/// same certificate, right name and dates, is accepted (the refusals are for those alone).
#[test]
fn a_pinned_certificate_still_has_its_name_and_dates_checked() {
    for (kind, refusal) in [
        ("self-signed", None),
        (
            "self-signed-wrong-name",
            Some(
                "the server's certificate was rejected: it is for elsewhere.invalid, not for 127.0.0.1: connect by one of its names",
            ),
        ),
        (
            "self-signed-expired",
            Some("the server's certificate was rejected: it expired on "),
        ),
    ] {
        let Some(server) = tls_server(kind) else {
            return;
        };
        let ca = server.ca_file();
        assert_eq!(
            fs::read(&ca).unwrap(),
            fs::read(server.cert_path("server.pem")).unwrap(),
            "{kind}: --ca-file is the server's own certificate"
        );
        let args = ["--ca-file", path_arg(&ca), &server.tls_url()];
        let Some(refusal) = refusal else {
            round_trip(&server, &args);
            continue;
        };
        let home = TempDir::new().unwrap();
        let out = run(
            home.path(),
            &[&args[..2], &["-c", "mkdir /d", args[2]]].concat(),
        );
        assert_fails(&out, CONNECT_FAILED, refusal);
        assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
        assert_no_password(&out);
        assert_untouched(&server);
    }
}

/// A self-signed CA:TRUE certificate that the user did not give is refused with a sentence
/// saying what it is and how to trust it, whether --ca-file holds other certificates or the
/// system's roots are used.
#[test]
fn a_self_signed_certificate_not_given_is_refused_saying_how_to_trust_it() {
    let Some(server) = tls_server("self-signed") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let other = server.other_ca_file();
    let with_ca_file = run(
        home.path(),
        &[
            "--ca-file",
            path_arg(&other),
            "-c",
            "mkdir /d",
            &server.tls_url(),
        ],
    );
    let mut command = support::ftpsh(home.path());
    command
        .env("SSL_CERT_FILE", &other)
        .env_remove("SSL_CERT_DIR")
        .args(["-c", "mkdir /d", &server.tls_url()]);
    let with_system_roots = finish(&mut command);
    for out in [with_ca_file, with_system_roots] {
        assert_fails(
            &out,
            CONNECT_FAILED,
            "the server's certificate was rejected: it is a CA's certificate",
        );
        assert!(
            out.stderr
                .contains("give this very certificate with --ca-file PEM"),
            "{}",
            out.stderr
        );
        assert_no_password(&out);
    }
    assert_untouched(&server);
}

#[test]
fn insecure_accepts_a_wrong_name_and_warns() {
    let Some(server) = tls_server("wrong-name") else {
        return;
    };
    let out = round_trip(&server, &["--insecure", &server.tls_url()]);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("--insecure"),
        "the --insecure warning is missing: {}",
        out.stderr
    );
}

/// The --insecure warning is for the person: once per host in a run, however many
/// connections a command opens (a mirror pass over 4 connections, then a second pass).
#[test]
fn insecure_warns_once_per_host_not_per_connection() {
    let Some(server) = tls_server("wrong-name") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let names: Vec<String> = (0..8).map(|i| format!("f{i}.txt")).collect();
    for name in &names {
        support::write_file(&home.path().join("site"), name, name.as_bytes());
    }
    let out = run(
        home.path(),
        &[
            "--insecure",
            "-c",
            "mirror --once --parallel 4 site /site; put site/f0.txt /again.txt; mirror --once --parallel 4 site /site2",
            &server.tls_url(),
        ],
    );
    assert_ok(&out);
    assert_eq!(
        tree(&server.path("site2")).len(),
        names.len(),
        "{}",
        out.stderr
    );
    let warnings = out
        .stderr
        .lines()
        .filter(|l| l.contains("--insecure"))
        .count();
    assert_eq!(warnings, 1, "{}", out.stderr);
}

#[test]
fn tls_against_a_plain_server_stops_before_login() {
    let Some(server) = PyFtpd::start() else {
        return;
    };
    let home = TempDir::new().unwrap();
    let out = run(
        home.path(),
        &["--tls", "--debug", "-c", "mkdir /d", &server.url()],
    );
    assert_fails(&out, CONNECT_FAILED, "does not offer TLS");
    assert!(out.stderr.contains("--> AUTH TLS"), "{}", out.stderr);
    // Nothing is sent in plain text after the refusal: no user name, no password.
    for line in ["--> USER", "--> PASS"] {
        assert!(!out.stderr.contains(line), "sent {line:?}: {}", out.stderr);
    }
    assert_no_password(&out);
    assert_untouched(&server);
}

#[test]
fn debug_trace_shows_the_tls_negotiation_and_masks_the_password() {
    let Some(server) = tls_server("good") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let ca = server.ca_file();
    let out = run(
        home.path(),
        &[
            "--debug",
            "--ca-file",
            path_arg(&ca),
            "-c",
            "pwd",
            &server.tls_url(),
        ],
    );
    assert_ok(&out);
    let order: Vec<usize> = ["--> AUTH TLS", "--> PBSZ 0", "--> PROT P", "--> PASS ****"]
        .iter()
        .map(|line| {
            out.stderr
                .find(line)
                .unwrap_or_else(|| panic!("trace lacks {line:?}: {}", out.stderr))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "AUTH TLS, PBSZ 0, PROT P, then PASS: {}",
        out.stderr
    );
    assert_no_password(&out);
}

/// The wrong TLS mode for the server (explicit against implicit, implicit against explicit)
/// must fail as a connect error within `--timeout`, not hang.
#[test]
fn wrong_tls_mode_fails_within_the_timeout() {
    for (kind, flag) in [("implicit", "--tls"), ("good", "--implicit-tls")] {
        let Some(server) = tls_server(kind) else {
            return;
        };
        let home = TempDir::new().unwrap();
        let ca = server.ca_file();
        let mut child = support::ftpsh(home.path())
            .args([flag, "--timeout", "0.5", "--ca-file", path_arg(&ca)])
            .args(["-c", "pwd", &server.url()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ftpsh");
        let start = Instant::now();
        while child.try_wait().expect("wait ftpsh").is_none() {
            if start.elapsed() > Duration::from_secs(15) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("ftpsh {flag} --timeout 0.5 against a {kind} server still runs after 15 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().expect("wait ftpsh");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(CONNECT_FAILED), "{flag}: {stderr}");
        if flag == "--tls" {
            assert!(
                stderr.contains("timed out: no greeting within 0.5 s; an implicit-TLS port")
                    && stderr.contains("use ftps+implicit:// or --implicit-tls"),
                "{stderr}"
            );
        }
    }
}

/// Explicit TLS (or plain FTP) to an implicit-TLS port: both sides wait for the other to
/// speak. Within a few seconds, long before the --timeout, the user is told why that may be
/// (then ftpsh waits on, for a server that is only slow to greet).
#[test]
fn a_silent_server_is_said_to_be_maybe_implicit_tls_within_seconds() {
    let Some(server) = tls_server("implicit") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let ca = server.ca_file();
    let mut child = support::ftpsh(home.path())
        .args(["--tls", "--timeout", "60", "--ca-file", path_arg(&ca)])
        .args(["-c", "pwd", &server.url()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpsh");
    let start = Instant::now();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = tx.send(line.unwrap_or_default());
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(15));
    let took = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("a line on stderr within 15 s");
    assert!(
        line.contains(&format!(
            "127.0.0.1:{} has sent no greeting after 3 s",
            server.port
        )) && line.contains("use ftps+implicit:// or --implicit-tls"),
        "{line}"
    );
    assert!(took < Duration::from_secs(10), "the hint took {took:?}");
}
