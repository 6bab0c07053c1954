//! `cargo run --example ftpd [--port N] [--passive-ports FIRST-LAST] [FOLDER]`: a local FTP
//! server (libunftp) to try ftpsh against.
//!
//! Serves FOLDER (default: `./ftpd-root`, created if missing) on 127.0.0.1:2121 to user
//! `alice` with password `s3cret pw`, until Ctrl-C. Passive data connections take a port
//! of FIRST-LAST (a firewall's open range, a container's published ports) when given, else
//! any free one in 49152-65535.

#[path = "../tests/support/server.rs"]
mod server;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo run --example ftpd -- [--port N] [--passive-ports FIRST-LAST] [FOLDER]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("ftpd: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut port: u16 = 2121;
    let mut folder: Option<PathBuf> = None;
    let mut passive = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--port" | "-p" => {
                let value = args
                    .next()
                    .ok_or_else(|| format!("--port needs a value\n{USAGE}"))?;
                port = value
                    .parse()
                    .map_err(|_| format!("bad port {value:?}\n{USAGE}"))?;
            }
            _ if arg.starts_with("--port=") => {
                let value = &arg["--port=".len()..];
                port = value
                    .parse()
                    .map_err(|_| format!("bad port {value:?}\n{USAGE}"))?;
            }
            "--passive-ports" => {
                let value = args
                    .next()
                    .ok_or_else(|| format!("--passive-ports needs a range\n{USAGE}"))?;
                passive = Some(port_range(&value)?);
            }
            _ if arg.starts_with("--passive-ports=") => {
                passive = Some(port_range(&arg["--passive-ports=".len()..])?);
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg:?}\n{USAGE}")),
            _ if folder.is_none() => folder = Some(PathBuf::from(arg)),
            _ => return Err(format!("more than one FOLDER given\n{USAGE}")),
        }
    }
    let folder = folder.unwrap_or_else(|| PathBuf::from("ftpd-root"));
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let folder = folder
        .canonicalize()
        .map_err(|e| format!("cannot resolve {}: {e}", folder.display()))?;
    if !folder.is_dir() {
        return Err(format!("{} is not a folder", folder.display()));
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            format!(
                "\nport {port} is taken (another server?): try --port {}, or --port 0 for any free one",
                port.wrapping_add(1)
            )
        } else {
            String::new()
        };
        format!("cannot listen on 127.0.0.1:{port}: {e}{hint}")
    })?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let url = format!("ftp://{}@127.0.0.1:{port}", server::USER);
    println!(
        "serving {} at {url} (user {}, password \"{}\")",
        folder.display(),
        server::USER,
        server::PASS
    );
    println!(
        "try: FTPSH_PASSWORD='{}' ftpsh {url}   (or cargo run -- {url} from the source tree)",
        server::PASS
    );
    println!("(Ctrl-C to stop)");
    if let Some(range) = &passive {
        println!("passive data ports: {}-{}", range.start(), range.end());
    }
    server::serve_blocking(listener, folder, server::USER, server::PASS, passive)
        .map_err(|e| format!("server failed: {e}"))
}

/// `30000-30009` (or one port, `30000`): the passive data ports.
fn port_range(text: &str) -> Result<std::ops::RangeInclusive<u16>, String> {
    let bad = || format!("bad port range {text:?} (FIRST-LAST, e.g. 30000-30009)\n{USAGE}");
    let (first, last) = text.split_once('-').unwrap_or((text, text));
    let first: u16 = first.trim().parse().map_err(|_| bad())?;
    let last: u16 = last.trim().parse().map_err(|_| bad())?;
    if first == 0 || first > last {
        return Err(bad());
    }
    Ok(first..=last)
}
