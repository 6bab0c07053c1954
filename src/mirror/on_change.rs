//! `mirror --on-change CMD`: a command run after each pass that changed the remote (a cache
//! purge, a notification), with the pass's summary in its environment.
//!
//! CMD is split into words once, with shell quoting rules (shlex), and run directly: no shell
//! sees it, and no file name is ever put into its words, so a name cannot inject anything.
//! Its failure (a non-zero exit, a missing program, the time limit) is the caller's to
//! journal; it never stops the mirror.
//!
//! It may be a third party's program, so it gets none of ftpsh's secrets: its environment is
//! ftpsh's without `FTPSH_PASSWORD`, plus the pass's `FTPSH_*` summary. It runs in a process
//! group of its own, which is ended (SIGKILL) when the command exits, hits the time limit or
//! the job stops: what it started in the background does not outlive it.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[cfg(unix)]
use std::os::unix::process::CommandExt;

/// How long the command may run before it is killed: the next pass waits for it.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The most of the command's stderr kept for the journal.
const STDERR_KEPT: usize = 4096;

/// Variables of ftpsh's own environment that hold secrets: never passed on.
const SECRETS: &[&str] = &["FTPSH_PASSWORD"];

/// The command, split into its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnChange {
    argv: Vec<String>,
}

/// What a pass did, for the command's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassSummary {
    pub job: usize,
    pub uploaded: usize,
    pub bytes: u64,
    pub renamed: usize,
    pub deleted: usize,
    pub backed_up: usize,
    pub dirs_created: usize,
    pub errors: usize,
    /// The pass's backup folder (remote), when it moved files there.
    pub backup_dir: Option<String>,
}

/// Why the command did not succeed: one line for the terminal (`.0`, with the last line it
/// wrote to stderr), and what it wrote to stderr (`.1`: its last 4 KiB, each line escaped,
/// joined by " | "), for the journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Failed(pub String, pub String);

impl Failed {
    /// The journal's text: the reason, then all the command said on stderr when that is
    /// more than the reason shows.
    pub fn journaled(&self) -> String {
        if self.1.is_empty() || self.0.ends_with(&self.1) {
            self.0.clone()
        } else {
            format!("{}; stderr: {}", self.0, self.1)
        }
    }
}

impl OnChange {
    /// Splits `command` as a POSIX shell would split words (quotes, backslashes), without
    /// expanding anything.
    pub fn parse(command: &str) -> Result<OnChange, String> {
        let argv =
            shlex::split(command).ok_or_else(|| format!("{command:?}: unbalanced quotes"))?;
        if argv.is_empty() {
            return Err("the command is empty".to_string());
        }
        Ok(OnChange { argv })
    }

    pub fn program(&self) -> &str {
        &self.argv[0]
    }

    /// Runs the command with the summary in `FTPSH_*` variables, stdin closed, its stdout
    /// discarded, and waits for it (up to [`TIME_LIMIT`], or until `stop` says the job is
    /// stopping: then it is killed).
    pub fn run(
        &self,
        summary: &PassSummary,
        local: &Path,
        remote: &str,
        stop: &dyn Fn() -> bool,
    ) -> Result<(), Failed> {
        self.run_within(summary, local, remote, stop, TIME_LIMIT)
    }

    fn run_within(
        &self,
        summary: &PassSummary,
        local: &Path,
        remote: &str,
        stop: &dyn Fn() -> bool,
        limit: Duration,
    ) -> Result<(), Failed> {
        let started = Instant::now();
        let mut command = Command::new(&self.argv[0]);
        command.args(&self.argv[1..]);
        for secret in SECRETS {
            command.env_remove(secret);
        }
        command
            .envs(environment(summary, local, remote))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Its own group (the command's pid is its id), to end everything it started; the
        // terminal's Ctrl-C no longer reaches it, the job's stop does.
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command
            .spawn()
            .map_err(|e| Failed(format!("{}: {e}", self.program()), String::new()))?;
        // Read on a thread of its own: a command writing much to stderr must not block on
        // a full pipe while we wait for it.
        let stderr = child.stderr.take().map(|mut pipe| {
            let (done, said) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    // Keep the end: the last lines say why a command failed.
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > STDERR_KEPT {
                        kept.drain(..kept.len() - STDERR_KEPT);
                    }
                }
                let _ = done.send(kept);
            });
            said
        });
        let mut pause = Duration::from_millis(1);
        let status = loop {
            match has_exited(&mut child) {
                Ok(true) => {
                    end_group(&mut child);
                    break child.wait().map_err(|e| format!("{}: {e}", self.program()));
                }
                Ok(false) => {}
                Err(e) => break Err(format!("{}: {e}", self.program())),
            }
            let why = if stop() {
                Some("killed: the mirror job is stopping".to_string())
            } else if started.elapsed() >= limit {
                Some(format!("killed after {}s", limit.as_secs_f64()))
            } else {
                None
            };
            if let Some(why) = why {
                end_group(&mut child);
                let _ = child.wait();
                break Err(format!("{}: {why}", self.program()));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        };
        // A program it started in its own group (setsid) may hold the pipe open: its end
        // is not waited for.
        let bytes = stderr
            .and_then(|said| said.recv_timeout(Duration::from_millis(200)).ok())
            .unwrap_or_default();
        let all = all_lines(&bytes);
        let status = status.map_err(|why| Failed(why, all.clone()))?;
        if status.success() {
            return Ok(());
        }
        let how = match status.code() {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".to_string(),
        };
        let said = last_line(&bytes);
        let reason = if said.is_empty() {
            format!("{}: {how}", self.program())
        } else {
            format!("{}: {how}: {said}", self.program())
        };
        Err(Failed(reason, all))
    }
}

/// True once the command has exited, without reaping it: while it is a zombie its pid, the
/// id of its process group, cannot be taken by another process, so `end_group` can only
/// reach what the command started.
#[cfg(unix)]
fn has_exited(child: &mut std::process::Child) -> std::io::Result<bool> {
    let pid = libc::id_t::from(child.id());
    // SAFETY: waitid writes only into `info`, a plain struct that zeroes are valid for.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
    if unsafe { libc::waitid(libc::P_PID, pid, &mut info, flags) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a siginfo_t filled in by waitid; si_pid stays 0 while the child runs.
    Ok(unsafe { info.si_pid() } != 0)
}

#[cfg(not(unix))]
fn has_exited(child: &mut std::process::Child) -> std::io::Result<bool> {
    Ok(child.try_wait()?.is_some())
}

/// Kills the command's process group: the command, if it still runs, and everything it
/// started that stayed in its group. Called before the command is reaped (see
/// `has_exited`).
fn end_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(group) = libc::pid_t::try_from(child.id()) {
        // SAFETY: a plain system call; the group is the command's own (process_group(0)).
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

/// Every non-empty line of what the command wrote to stderr, each safe to show, joined by
/// " | " (a journal entry is one line).
fn all_lines(bytes: &[u8]) -> String {
    let text = crate::lossless::decode(bytes);
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| crate::escape::escape(l).into_owned())
        .collect();
    lines.join(" | ")
}

/// The last non-empty line of what the command wrote to stderr, safe to show.
fn last_line(bytes: &[u8]) -> String {
    let text = crate::lossless::decode(bytes);
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    crate::escape::escape(line.trim()).into_owned()
}

/// The command's `FTPSH_*` variables. Paths go as the bytes they are (an environment
/// variable holds bytes on Unix), counts as decimal numbers.
pub fn environment(summary: &PassSummary, local: &Path, remote: &str) -> Vec<(String, OsString)> {
    let count = |n: u64| OsString::from(n.to_string());
    let mut env = vec![
        ("FTPSH_JOB".to_string(), count(summary.job as u64)),
        ("FTPSH_LOCAL".to_string(), local.as_os_str().to_os_string()),
        ("FTPSH_REMOTE".to_string(), crate::lossless::to_os(remote)),
        ("FTPSH_UPLOADED".to_string(), count(summary.uploaded as u64)),
        ("FTPSH_BYTES".to_string(), count(summary.bytes)),
        ("FTPSH_RENAMED".to_string(), count(summary.renamed as u64)),
        ("FTPSH_DELETED".to_string(), count(summary.deleted as u64)),
        (
            "FTPSH_BACKED_UP".to_string(),
            count(summary.backed_up as u64),
        ),
        (
            "FTPSH_DIRS_CREATED".to_string(),
            count(summary.dirs_created as u64),
        ),
        ("FTPSH_ERRORS".to_string(), count(summary.errors as u64)),
    ];
    if let Some(dir) = &summary.backup_dir {
        env.push(("FTPSH_BACKUP_DIR".to_string(), crate::lossless::to_os(dir)));
    }
    env
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn never() -> bool {
        false
    }

    #[test]
    fn words_are_split_like_a_shell_but_nothing_is_expanded() {
        let parsed = OnChange::parse(r#"curl -X PURGE "https://cdn/a b" '$HOME' \*"#).unwrap();
        assert_eq!(
            parsed.argv,
            ["curl", "-X", "PURGE", "https://cdn/a b", "$HOME", "*"]
        );
        assert!(OnChange::parse("echo 'unbalanced").is_err());
        assert!(OnChange::parse("   ").is_err());
    }

    #[test]
    fn the_summary_is_in_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("env.txt");
        let script = format!(
            "printf '%s %s %s %s %s %s' \"$FTPSH_JOB\" \"$FTPSH_UPLOADED\" \"$FTPSH_BYTES\" \
             \"$FTPSH_DELETED\" \"$FTPSH_REMOTE\" \"$FTPSH_BACKUP_DIR\" > {}",
            out.display()
        );
        let command = OnChange {
            argv: vec!["sh".into(), "-c".into(), script],
        };
        let summary = PassSummary {
            job: 3,
            uploaded: 2,
            bytes: 12,
            deleted: 1,
            backup_dir: Some("/bak/2026-11-22T10-00-01Z".into()),
            ..PassSummary::default()
        };
        command
            .run(&summary, dir.path(), "/www/a b", &never)
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(out).unwrap(),
            "3 2 12 1 /www/a b /bak/2026-11-22T10-00-01Z"
        );
    }

    /// Whether `pid` is a live process (not gone, not a zombie waiting for its parent).
    fn running(pid: &str) -> bool {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        state != Some(Some('Z'))
    }

    /// What the command started in the background ends with it: after it exits on its own,
    /// and when it is killed at the time limit.
    #[test]
    fn background_children_end_with_the_command() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        for (tail, limit) in [
            ("exit 0", TIME_LIMIT),
            ("sleep 30", Duration::from_millis(300)),
        ] {
            let _ = std::fs::remove_file(&pid_file);
            let script = format!("sleep 30 & echo $! > '{}'; {tail}", pid_file.display());
            let command = OnChange {
                argv: vec!["sh".into(), "-c".into(), script],
            };
            let _ = command.run_within(&PassSummary::default(), dir.path(), "/", &never, limit);
            let pid = std::fs::read_to_string(&pid_file).unwrap();
            let pid = pid.trim();
            let deadline = Instant::now() + Duration::from_secs(5);
            while running(pid) {
                assert!(
                    Instant::now() < deadline,
                    "{tail}: the background sleep {pid} outlived the command"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    #[test]
    fn failures_say_why_in_one_line() {
        let summary = PassSummary::default();
        let dir = Path::new("/");
        let fails = OnChange::parse("sh -c 'echo first >&2; echo \"no \x1b[31mcdn\" >&2; exit 7'")
            .unwrap()
            .run(&summary, dir, "/", &never)
            .unwrap_err();
        assert_eq!(fails.0, r"sh: exit status 7: no \x1b[31mcdn");
        assert_eq!(
            fails.journaled(),
            r"sh: exit status 7: no \x1b[31mcdn; stderr: first | no \x1b[31mcdn"
        );
        let quiet = OnChange::parse("sh -c 'exit 3'")
            .unwrap()
            .run(&summary, dir, "/", &never)
            .unwrap_err();
        assert_eq!(quiet.journaled(), "sh: exit status 3");
        let one = OnChange::parse("sh -c 'echo only >&2; exit 3'")
            .unwrap()
            .run(&summary, dir, "/", &never)
            .unwrap_err();
        assert_eq!(one.journaled(), "sh: exit status 3: only");
        let missing = OnChange::parse("/nonexistent/ftpsh-hook")
            .unwrap()
            .run(&summary, dir, "/", &never)
            .unwrap_err();
        assert!(
            missing.0.starts_with("/nonexistent/ftpsh-hook: "),
            "{missing}"
        );
        let slow = OnChange::parse("sleep 5")
            .unwrap()
            .run_within(&summary, dir, "/", &never, Duration::from_millis(100))
            .unwrap_err();
        assert_eq!(slow.0, "sleep: killed after 0.1s");
        // What a command said before it was killed is journaled too.
        let said = OnChange::parse("sh -c 'echo stuck on the cdn >&2; exec sleep 5'")
            .unwrap()
            .run_within(&summary, dir, "/", &never, Duration::from_millis(300))
            .unwrap_err();
        assert_eq!(
            said.journaled(),
            "sh: killed after 0.3s; stderr: stuck on the cdn"
        );
        let stopping = OnChange::parse("sleep 5")
            .unwrap()
            .run(&summary, dir, "/", &|| true)
            .unwrap_err();
        assert!(stopping.0.contains("stopping"), "{stopping}");
    }
}
