//! put and get: one file each way, streamed, never visible half-written.

use std::path::{Path, PathBuf};

use super::state::Shell;
use super::table::Invocation;
use crate::error::{Error, Result};
use crate::ftp::path;
use crate::transfer;

pub fn put(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let local = Path::new(&inv.args[0]);
    let local_name = local
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Failed(format!("put {}: not a file name", local.display())))?;
    let remote = match inv.args.get(1) {
        None => local_name.to_string(),
        Some(dest) if dest.ends_with('/') => path::join(dest, local_name),
        Some(dest) => dest.clone(),
    };
    let done = transfer::upload_atomic(shell.session()?, local, &remote, &mut |_| {})?;
    if shell.verbose || shell.interactive {
        println!("{} bytes sent to {remote}", done.bytes);
    }
    Ok(())
}

/// Prints remote files to standard output.
pub fn cat(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    for file in &inv.args {
        shell.session()?.retrieve(file, &mut stdout, &mut |_| {})?;
    }
    Ok(())
}

pub fn get(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    let remote = &inv.args[0];
    if inv.args.get(1).is_some_and(|a| a == "-") {
        let mut stdout = std::io::stdout().lock();
        shell
            .session()?
            .retrieve(remote, &mut stdout, &mut |_| {})?;
        return Ok(());
    }
    let local = match inv.args.get(1) {
        // A local name the user typed is theirs to choose.
        Some(dest) if !Path::new(dest).is_dir() => PathBuf::from(dest),
        dest => {
            // A name taken from the remote path must stay inside the local folder.
            let name = path::safe_local_component(path::file_name(remote))?;
            dest.map_or_else(|| PathBuf::from(name), |d| Path::new(d).join(name))
        }
    };
    let bytes = transfer::download(shell.session()?, remote, &local, &mut |_| {})?;
    if shell.verbose || shell.interactive {
        println!("{bytes} bytes received into {}", local.display());
    }
    Ok(())
}
