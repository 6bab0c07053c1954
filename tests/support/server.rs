//! In-process FTP test server fixture (libunftp + unftp-sbe-fs): `TestServer` and `serve_blocking`.
//!
//! Also used by `examples/ftpd.rs` through `#[path = "../tests/support/server.rs"]`.
//! Needs the dev-dependency `unftp-core = "0.1"` (libunftp does not re-export its `Authenticator`).
#![allow(dead_code)]

use std::future::Future;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use libunftp::ServerBuilder;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};
use unftp_sbe_fs::Filesystem;

/// The only user that may log in.
pub const USER: &str = "alice";
/// Its password (with a space on purpose).
pub const PASS: &str = "s3cret pw";

/// Accepts exactly one user name / password pair; anything else is refused (530).
#[derive(Debug)]
struct SingleUser {
    user: String,
    pass: String,
}

type AuthFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Principal, AuthenticationError>> + Send + 'a>>;

// `Authenticator` is declared with `#[async_trait]`; this is its desugared form, so that no
// `async-trait` dependency is needed.
impl Authenticator for SingleUser {
    fn authenticate<'s, 'u, 'c, 'f>(
        &'s self,
        username: &'u str,
        creds: &'c Credentials,
    ) -> AuthFuture<'f>
    where
        's: 'f,
        'u: 'f,
        'c: 'f,
        Self: 'f,
    {
        Box::pin(async move {
            if username != self.user {
                Err(AuthenticationError::BadUser)
            } else if creds.password.as_deref() != Some(self.pass.as_str()) {
                Err(AuthenticationError::BadPassword)
            } else {
                Ok(Principal {
                    username: username.to_string(),
                })
            }
        })
    }
}

/// Serves `root` to clients of `listener` until the returned future is dropped.
///
/// Each connection gets its own libunftp `Server` (its `service` consumes the server).
/// Passive data ports are libunftp's defaults: a random free port in 49152..=65535 on the
/// address the control connection came in on (127.0.0.1 here), so many servers can co-exist.
pub async fn serve(listener: tokio::net::TcpListener, root: PathBuf, user: &str, pass: &str) {
    serve_passive(listener, root, user, pass, None).await
}

/// `serve`, with the passive data ports taken from `passive` (a firewall's open range)
/// when given.
pub async fn serve_passive(
    listener: tokio::net::TcpListener,
    root: PathBuf,
    user: &str,
    pass: &str,
    passive: Option<std::ops::RangeInclusive<u16>>,
) {
    let auth = Arc::new(SingleUser {
        user: user.to_string(),
        pass: pass.to_string(),
    });
    loop {
        let socket = match listener.accept().await {
            Ok((socket, _)) => socket,
            // e.g. EMFILE or a connection reset before accept: keep serving the others.
            Err(_) => continue,
        };
        let root = root.clone();
        let mut builder = ServerBuilder::with_authenticator(
            Box::new(move || Filesystem::new(root.clone()).expect("served folder is readable")),
            auth.clone(),
        )
        // Clients under test use active mode too.
        .active_passive_mode(libunftp::options::ActivePassiveMode::ActiveAndPassive);
        if let Some(range) = &passive {
            builder = builder.passive_ports(range.clone());
        }
        let built = builder.build();
        match built {
            Ok(server) => {
                tokio::spawn(async move {
                    let _ = server.service(socket).await;
                });
            }
            Err(e) => eprintln!("ftp test server: cannot build libunftp server: {e}"),
        }
    }
}

/// Serves `root` to clients of `listener` forever, on a tokio runtime of its own.
pub fn serve_blocking(
    listener: TcpListener,
    root: PathBuf,
    user: &str,
    pass: &str,
    passive: Option<std::ops::RangeInclusive<u16>>,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        serve_passive(listener, root, user, pass, passive).await;
        Ok(())
    })
}

/// A libunftp server on 127.0.0.1 serving a fresh temporary folder; stopped on drop.
pub struct TestServer {
    pub port: u16,
    /// The served folder, fresh per server.
    pub root: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts libunftp on 127.0.0.1:<OS-chosen port> serving a fresh temp dir, in a background
    /// thread with its own tokio runtime; returns once the port accepts connections.
    /// Only `USER`/`PASS` may log in; any other password gets 530.
    pub fn start() -> TestServer {
        let root = tempfile::tempdir().expect("create temp dir for the ftp server");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local_addr").port();
        listener.set_nonblocking(true).expect("set_nonblocking");
        let served = root.path().to_path_buf();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel::<io::Result<()>>();
        let thread = std::thread::Builder::new()
            .name(format!("ftp-test-server-{port}"))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    tokio::select! {
                        _ = serve(listener, served, USER, PASS) => {}
                        _ = stop_rx => {}
                    }
                });
                // The accept loop (and its listener) is gone; drop the sessions without waiting
                // for them: a client may still hold a connection open.
                rt.shutdown_background();
            })
            .expect("spawn ftp server thread");
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("ftp test server failed to start: {e}"),
            Err(_) => panic!("ftp test server thread died before it was ready"),
        }
        TestServer {
            port,
            root,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The served folder.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The served folder joined with a '/'-separated relative path.
    pub fn path(&self, rel: &str) -> PathBuf {
        join_rel(self.root.path(), rel)
    }

    /// `ftp://alice@127.0.0.1:PORT` (no password: tests pass it via `FTPSH_PASSWORD`).
    pub fn url(&self) -> String {
        format!("ftp://{USER}@127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:PORT`
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Returns quickly: the thread only leaves `select!` and calls `shutdown_background`.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `base` joined with each non-empty component of a '/'-separated relative path.
pub fn join_rel(base: &Path, rel: &str) -> PathBuf {
    let mut p = base.to_path_buf();
    for part in rel.split('/').filter(|s| !s.is_empty()) {
        p.push(part);
    }
    p
}
