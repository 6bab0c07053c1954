//! Local commands: lcd, lpwd, lls.

use std::path::{Path, PathBuf};

use super::state::Shell;
use super::table::Invocation;
use crate::error::{Error, Result};
use crate::escape::local_path;

pub fn lcd(_: &mut Shell, inv: &Invocation) -> Result<()> {
    let home = || dirs::home_dir().ok_or_else(|| Error::Failed("lcd: no home directory".into()));
    // `~` and `~/x` as a shell expands them (the words reach us unexpanded)
    let dir = match inv.args.first().map(String::as_str) {
        None | Some("~") => home()?,
        Some(d) => match d.strip_prefix("~/") {
            Some(rest) => home()?.join(crate::lossless::to_path(rest)),
            None => crate::lossless::to_path(d),
        },
    };
    std::env::set_current_dir(&dir)
        .map_err(|e| Error::local(format!("lcd {}", local_path(&dir)), e))?;
    println!("local directory: {}", local_path(&current_dir()?));
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
            // The line's bytes, names that are not UTF-8 included.
            c.arg("-c").arg(crate::lossless::to_os(&line));
        }
        c
    };
    let status = command
        .status()
        .map_err(|e| Error::local(format!("!{}", crate::escape::escape(&line)), e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Failed(format!(
            "!{}: {status}",
            crate::escape::escape(&line)
        )))
    }
}

pub fn lpwd(_: &mut Shell, _: &Invocation) -> Result<()> {
    println!("{}", local_path(&current_dir()?));
    Ok(())
}

/// Lists a local directory: kind, size, name; sorted by name.
pub fn lls(_: &mut Shell, inv: &Invocation) -> Result<()> {
    let dir = inv
        .args
        .first()
        .map_or_else(|| PathBuf::from("."), |d| crate::lossless::to_path(d));
    let what = format!("lls {}", local_path(&dir));
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
