//! Tests that cannot run say so: a `SKIPPED:` line on stderr (written past the harness's
//! output capture, so `cargo test` shows it), a count when the test binary exits, and under
//! `CI=true` a missing fixture fails the test instead of skipping it. Also runs tests that
//! root would pass for the wrong reason as an unprivileged user.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Mutex, Once};

/// The test skipped so far in this binary: (test, fixture).
static SKIPPED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static AT_EXIT: Once = Once::new();

/// `CI=true` (or `CI=1`): a missing fixture is a failure.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The running test's name (libtest names each test's thread after it).
pub fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string()
}

/// The fixture `what` is missing (`why`: how to get it). Under CI the test fails here,
/// naming it; otherwise one `SKIPPED:` line goes to stderr and the skip is counted, and the
/// caller returns without testing.
#[track_caller]
pub fn missing(what: &str, why: &str) {
    let test = test_name();
    if ci() {
        panic!("missing fixture: {what} ({why}); CI=true makes a missing fixture a failure");
    }
    // Straight to the process's stderr: eprintln! would be captured and hidden.
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED: {test}: missing {what} ({why})"
    );
    SKIPPED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((test, what.to_string()));
    AT_EXIT.call_once(|| {
        // SAFETY: registers a plain `extern "C" fn()` with the C library's atexit.
        unsafe { atexit(summary) };
    });
}

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> i32;
}

/// After the harness's own result line: how many tests did not test anything.
extern "C" fn summary() {
    let skipped = SKIPPED.lock().unwrap_or_else(|e| e.into_inner());
    let mut fixtures: Vec<&str> = skipped.iter().map(|(_, f)| f.as_str()).collect();
    fixtures.sort_unstable();
    fixtures.dedup();
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED: {} test(s) of this binary counted as passed without testing (missing: {}); \
         run with CI=true to make that a failure",
        skipped.len(),
        fixtures.join(", ")
    );
}

/// Whether this process runs as root (a file it creates is owned by uid 0).
#[cfg(unix)]
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::tempfile().expect("create a temporary file");
    probe.metadata().expect("stat a temporary file").uid() == 0
}

/// The capabilities that let root ignore file modes: dropped for tests that need the OS to
/// refuse something. Staying uid 0 (rather than becoming `nobody`) keeps every path the
/// test uses reachable, wherever the checkout is (a clone under /root is not `nobody`'s).
const ROOT_OVERRIDES: &str = "-dac_override,-dac_read_search";
/// Set in the child run without those capabilities, so it runs the test itself.
const CHILD: &str = "FTPSH_TEST_UNPRIVILEGED";

/// For a test whose check needs the OS to refuse something that root may do (write into a
/// 0o555 folder, read a mode-000 file). Not root: returns true, the caller goes on. Root:
/// runs this test (`test`: its name, as `--exact` wants it) again in a child process whose
/// capabilities no longer override file modes (`setpriv --bounding-set`), fails if that run
/// fails or ran nothing, and returns false: the caller returns, the child did the testing.
#[cfg(unix)]
pub fn run_unprivileged(test: &str) -> bool {
    if std::env::var_os(CHILD).is_some() || !is_root() {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let run = std::process::Command::new("setpriv")
        .args([
            &format!("--bounding-set={ROOT_OVERRIDES}"),
            &format!("--inh-caps={ROOT_OVERRIDES}"),
        ])
        .arg(&exe)
        .args(["--exact", test, "--test-threads=1"])
        .env(CHILD, "1")
        .output();
    let out = match run {
        Ok(out) => out,
        Err(e) => {
            missing(
                "setpriv",
                &format!("running as root, the test must run without CAP_DAC_OVERRIDE: {e}"),
            );
            return false;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{test} without CAP_DAC_OVERRIDE (setpriv --bounding-set={ROOT_OVERRIDES}) failed:\n{stdout}\n{stderr}"
    );
    false
}
