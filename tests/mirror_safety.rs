//! mirror never loses, corrupts or silently keeps a wrong byte (issue 11): identity, files
//! changed while sent, what the walk saw, vanished sources, names both ways, what is left out.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, SystemTime};

use support::{TestServer, assert_ok, assert_same_tree, tree, wait_until};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(20);

/// A local `src` folder and a server folder `/dst` to mirror it into, with the journal and
/// the state under a private home.
struct Fixture {
    url: String,
    served: PathBuf,
    home: TempDir,
    src: PathBuf,
    /// Keeps the server running.
    _server: Box<dyn std::any::Any>,
}

impl Fixture {
    fn libunftp() -> Fixture {
        let server = TestServer::start();
        let (url, served) = (server.url(), server.root().to_path_buf());
        Fixture::over(url, served, Box::new(server))
    }

    fn over(url: String, served: PathBuf, server: Box<dyn std::any::Any>) -> Fixture {
        let home = TempDir::new().unwrap();
        let src = home.path().join("src");
        fs::create_dir(&src).unwrap();
        Fixture {
            url,
            served,
            home,
            src,
            _server: server,
        }
    }

    fn dst(&self) -> PathBuf {
        self.served.join("dst")
    }

    fn journal(&self) -> String {
        fs::read_to_string(self.home.path().join("journal.log")).unwrap_or_default()
    }

    fn mirror(&self, args: &str) -> std::process::Command {
        let command = format!("mirror {args} src /dst");
        let journal = self.home.path().join("journal.log");
        let mut ftpsh = support::ftpsh(self.home.path());
        ftpsh.args([
            "--log",
            journal.to_str().unwrap(),
            "-c",
            &command,
            &self.url,
        ]);
        ftpsh
    }

    fn once(&self, extra: &str) -> support::Out {
        support::Out::from(self.mirror(&format!("--once {extra}")).output().unwrap())
    }

    fn spawn_mirror(&self, extra: &str) -> Child {
        self.mirror(&format!("--interval 0.1 {extra}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Writes `body` to `src/rel` with the given mtime.
    fn write(&self, rel: &str, body: &str, mtime: SystemTime) {
        let path = self.src.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, body).unwrap();
        set_mtime(&path, mtime);
    }

    fn remote(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.dst().join(rel)).ok()
    }
}

fn set_mtime(path: &Path, mtime: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

/// A whole second a few minutes ago: every file written with it shares size-and-second.
fn a_second() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs(now - 300)
}

/// `mv a t; mv b a; mv t b` inside `src`.
fn swap(src: &Path, a: &str, b: &str) {
    fs::rename(src.join(a), src.join("swap.tmp")).unwrap();
    fs::rename(src.join(b), src.join(a)).unwrap();
    fs::rename(src.join("swap.tmp"), src.join(b)).unwrap();
}

fn terminate(child: &mut Child) -> i32 {
    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        assert!(start.elapsed() < DEADLINE, "ftpsh did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---- 1. identity ------------------------------------------------------------------------

#[test]
fn once_sends_a_swap_of_same_size_same_second_files() {
    let f = Fixture::libunftp();
    let second = a_second();
    f.write("app.conf", "port=1", second);
    f.write("app.conf.bak", "port=2", second);
    f.write("conf/x", "xx-1", second);
    f.write("conf/y", "xx-2", second);
    f.write("conf/z", "xx-3", second);
    assert_ok(&f.once(""));
    assert_same_tree(&f.src, &f.dst());

    swap(&f.src, "app.conf", "app.conf.bak");
    // A rotation of three: x -> y -> z -> x.
    fs::rename(f.src.join("conf/x"), f.src.join("conf/t")).unwrap();
    fs::rename(f.src.join("conf/z"), f.src.join("conf/x")).unwrap();
    fs::rename(f.src.join("conf/y"), f.src.join("conf/z")).unwrap();
    fs::rename(f.src.join("conf/t"), f.src.join("conf/y")).unwrap();
    assert_ok(&f.once(""));
    assert_eq!(f.remote("app.conf").as_deref(), Some("port=2"));
    assert_eq!(f.remote("app.conf.bak").as_deref(), Some("port=1"));
    assert_same_tree(&f.src, &f.dst());
}

#[test]
fn live_mirror_follows_a_swap_seen_half_way_and_all_at_once() {
    let f = Fixture::libunftp();
    let second = a_second();
    f.write("a.txt", "content A", second);
    f.write("b.txt", "content B", second);
    f.write("c.txt", "content C", second);
    f.write("d.txt", "content D", second);
    let mut child = f.spawn_mirror("");
    wait_until("initial sync", DEADLINE, || tree(&f.src) == tree(&f.dst()));

    // The pass sees the first move alone (a RENAME a.txt -> t), then the rest.
    fs::rename(f.src.join("a.txt"), f.src.join("swap.tmp")).unwrap();
    wait_until("the first move", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    fs::rename(f.src.join("b.txt"), f.src.join("a.txt")).unwrap();
    fs::rename(f.src.join("swap.tmp"), f.src.join("b.txt")).unwrap();
    wait_until("the swap", DEADLINE, || tree(&f.src) == tree(&f.dst()));
    assert_eq!(f.remote("a.txt").as_deref(), Some("content B"));
    assert_eq!(f.remote("b.txt").as_deref(), Some("content A"));

    // All three moves between two ticks.
    swap(&f.src, "c.txt", "d.txt");
    wait_until("the second swap", DEADLINE, || {
        tree(&f.src) == tree(&f.dst())
    });
    assert_eq!(f.remote("c.txt").as_deref(), Some("content D"));
    assert_eq!(f.remote("d.txt").as_deref(), Some("content C"));
    assert_eq!(terminate(&mut child), 0, "clean exit on SIGTERM");
    let journal = f.journal();
    assert!(
        journal.contains("RENAME \"a.txt -> swap.tmp\""),
        "{journal}"
    );
}
