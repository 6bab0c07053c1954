//! Commands about the session itself: open, close, user, quote, site, modes, help, quit.

use super::state::Shell;
use super::table::Invocation;
use super::{cmd_set, help};
use crate::config;
use crate::error::{Error, Result};
use crate::escape::escape;
use crate::ftp::tls::TlsMode;
use crate::settings::credentials::{connect_params, resolve_bookmark};
use crate::target;

pub fn open(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let target = target::parse(&resolve_bookmark(&inv.args[0])?)?;
    connect_params(&target, &shell.connection)
        .and_then(|params| shell.connect(&params, target.dir.as_deref()))
        .map_err(|e| naming_the_session_kept(shell, e))
}

/// A failed `open` or `user` (no connection, a refused login) leaves the session that was
/// open as it was: the error says which one that is, so nobody goes on believing they are
/// someone else (the prompt shows it too).
fn naming_the_session_kept(shell: &Shell, err: Error) -> Error {
    let Some(kept) = shell.params() else {
        return err;
    };
    let note = format!("still connected as {}@{}", kept.user, kept.address());
    match err {
        Error::Connect(message) => Error::Connect(format!("{message}; {note}")),
        Error::LoginRefused { what, code, text } => Error::LoginRefused {
            what,
            code,
            text: format!("{text}; {note}"),
        },
        other => other,
    }
}

/// `bookmark add NAME [URL] | list | del NAME`: named servers, stored without passwords.
pub fn bookmark(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let args: Vec<&str> = inv.args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["add", name] => {
            let url = shell
                .url()
                .ok_or_else(|| Error::usage("bookmark add NAME: not connected; give the URL"))?;
            let saved = config::save_bookmark(name, &url)?;
            println!("{name} = {}", escape(&saved));
        }
        ["add", name, url] => {
            let saved = config::save_bookmark(name, url)?;
            println!("{name} = {}", escape(&saved));
        }
        ["list"] | [] => {
            for (name, url) in config::bookmarks()? {
                println!("{name}\t{}", escape(&url));
            }
        }
        ["del" | "delete" | "rm", name] => config::delete_bookmark(name)?,
        _ => {
            return Err(Error::usage(
                "usage: bookmark add NAME [URL] | bookmark list | bookmark del NAME",
            ));
        }
    }
    Ok(())
}

pub fn close(shell: &mut Shell, _: &Invocation) -> Result<()> {
    shell.session()?;
    shell.disconnect();
    Ok(())
}

/// Logs in again as another user on the same server.
pub fn user(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let old = shell.params().ok_or(Error::NotConnected)?.clone();
    let target = target::Target {
        host: old.host.clone(),
        port: Some(old.port),
        user: Some(inv.args[0].clone()),
        password: inv.args.get(1).cloned(),
        dir: None,
        // the same TLS as the session being replaced: never a downgrade
        tls: old.tls.mode != TlsMode::Off,
        implicit: old.tls.mode == TlsMode::Implicit,
    };
    connect_params(&target, &shell.connection)
        .and_then(|params| shell.connect(&params, None))
        .map_err(|e| naming_the_session_kept(shell, e))
}

/// Commands that open a data connection: sent raw they would leave the session waiting for
/// a transfer nobody reads.
const DATA_COMMANDS: &[&str] = &[
    "LIST", "NLST", "MLSD", "RETR", "STOR", "STOU", "APPE", "PASV", "EPSV", "PORT", "EPRT",
];

pub fn quote(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let command = inv.args.join(" ");
    let verb = inv.args[0].to_ascii_uppercase();
    if DATA_COMMANDS.contains(&verb.as_str()) {
        return Err(Error::usage(format!(
            "quote {verb}: opens a data connection; use ls, get or put instead"
        )));
    }
    let reply = shell.session()?.quote(&command)?;
    print_reply(&reply);
    Ok(())
}

/// A server's reply to `quote` or `site`: one line per line it sent (escaped).
fn print_reply(lines: &[String]) {
    for line in lines {
        println!("{}", escape(line));
    }
}

pub fn site(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let args = inv.args.join(" ");
    // Its errors name the command typed (`site chmod 600 x: 550 ...`), not `quote SITE`.
    let reply = shell
        .session()?
        .quote(&format!("SITE {args}"))
        .map_err(|e| e.about(&format!("site {args}")))?;
    print_reply(&reply);
    Ok(())
}

pub fn binary(shell: &mut Shell, _: &Invocation) -> Result<()> {
    shell.session()?.set_binary(true)?;
    println!("transfer type: binary");
    Ok(())
}

pub fn ascii(shell: &mut Shell, _: &Invocation) -> Result<()> {
    shell.session()?.set_binary(false)?;
    println!("transfer type: ascii");
    Ok(())
}

/// Parses an optional on/off argument; no argument toggles `current`.
fn on_off(name: &str, inv: &Invocation, current: bool) -> Result<bool> {
    let Some(word) = inv.args.first() else {
        return Ok(!current);
    };
    config::on_off(word).ok_or_else(|| {
        let other = word.to_ascii_lowercase();
        Error::usage(format!("{name}: expected on or off, got {other:?}"))
    })
}

/// `passive [on|off]`: `set passive`, toggling without an argument.
pub fn passive(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let passive = on_off("passive", inv, shell.settings.switch("passive"))?;
    // the session is checked (and reconnected) first, as before any command that uses it
    let _ = shell.session();
    cmd_set::change(shell, "passive", if passive { "on" } else { "off" })?;
    println!("passive mode: {}", if passive { "on" } else { "off" });
    Ok(())
}

/// `debug [on|off]`: `set debug`, toggling without an argument.
pub fn debug(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let on = on_off("debug", inv, shell.settings.switch("debug"))?;
    cmd_set::change(shell, "debug", if on { "on" } else { "off" })?;
    println!("debug: {}", if on { "on" } else { "off" });
    Ok(())
}

pub fn help(_: &mut Shell, inv: &Invocation) -> Result<()> {
    let text = match inv.args.first() {
        None => format!("{}\n{}", help::overview().trim_end(), help::aliases()),
        Some(name) => match help::section_for(name) {
            Some(text) => text,
            None => {
                let err = super::table::find_or_suggest(name).err();
                let why = err.map_or_else(|| "no help".to_string(), |e| e.to_string());
                return Err(Error::usage(format!("help: {why}")));
            }
        },
    };
    println!("{}", text.trim_end());
    Ok(())
}

/// `quit`: at a terminal the REPL asks first when mirror jobs run; a script or `-c` says
/// that it stops them.
pub fn quit(shell: &mut Shell, _: &Invocation) -> Result<()> {
    shell.quit_requested = true;
    if !shell.interactive {
        let running = shell.jobs.list().iter().filter(|j| j.is_running()).count();
        if running > 0 {
            eprintln!(
                "quit: stopping {} (files in flight are interrupted, kept for the next run)",
                crate::words::count(running as u64, "running mirror job", "running mirror jobs")
            );
            shell.jobs.stop(None)?;
        }
    }
    Ok(())
}
