//! Local commands: lcd, lpwd, lls.

use std::path::{Path, PathBuf};

use super::state::Shell;
use super::table::Invocation;
use crate::error::{Error, Result};

pub fn lcd(_: &mut Shell, inv: &Invocation) -> Result<()> {
    let home = || dirs::home_dir().ok_or_else(|| Error::Failed("lcd: no home directory".into()));
    // `~` and `~/x` as a shell expands them (the words reach us unexpanded)
    let dir = match inv.args.first().map(String::as_str) {
        None | Some("~") => home()?,
        Some(d) => match d.strip_prefix("~/") {
            Some(rest) => home()?.join(rest),
            None => PathBuf::from(d),
        },
    };
    std::env::set_current_dir(&dir)
        .map_err(|e| Error::local(format!("lcd {}", dir.display()), e))?;
    println!("local directory: {}", current_dir()?.display());
    Ok(())
}

fn current_dir() -> Result<PathBuf> {
    std::env::current_dir().map_err(|e| Error::local("lpwd", e))
}

/// `!COMMAND` runs a local command through the system shell; `!` alone starts one.
pub fn shell_escape(_: &mut Shell, inv: &Invocation) -> Result<()> {
    let line = inv.args.join(" ");
    let mut command = if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        if !line.trim().is_empty() {
            c.args(["/C", &line]);
        }
        c
    } else {
        let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".to_string());
        let mut c = std::process::Command::new(shell);
        if !line.trim().is_empty() {
            c.args(["-c", &line]);
        }
        c
    };
    let status = command
        .status()
        .map_err(|e| Error::local(format!("!{line}"), e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Failed(format!("!{line}: {status}")))
    }
}

pub fn lpwd(_: &mut Shell, _: &Invocation) -> Result<()> {
    println!("{}", current_dir()?.display());
    Ok(())
}

/// Lists a local directory: kind, size, name; sorted by name.
pub fn lls(_: &mut Shell, inv: &Invocation) -> Result<()> {
    let dir = inv
        .args
        .first()
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let what = format!("lls {}", dir.display());
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| Error::local(what.as_str(), e))? {
        let entry = entry.map_err(|e| Error::local(what.as_str(), e))?;
        let meta = entry
            .metadata()
            .map_err(|e| Error::local(what.as_str(), e))?;
        // Files fetched from a server carry its names: shown escaped, bytes as `\xHH`.
        let name = crate::escape::local_path(Path::new(&entry.file_name()));
        let kind = if meta.is_dir() { 'd' } else { '-' };
        rows.push((name, kind, meta.len()));
    }
    rows.sort();
    for (name, kind, size) in rows {
        let shown = if kind == 'd' {
            format!("{name}/")
        } else {
            name
        };
        println!("{kind} {size:>12} {shown}");
    }
    Ok(())
}
