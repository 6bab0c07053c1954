//! `set`: the run's settings in a running shell (lftp's `set`), read and written through the
//! same definitions (`settings::defs`) as the flags and the config file. `passive` and
//! `debug` are two of them with a command of their own.

use super::state::Shell;
use super::table::Invocation;
use crate::error::{Error, Result};
use crate::escape::escape;
use crate::settings::{Setting, Source, Where, defs};

/// `set` lists the settings with their values, `set NAME` shows one, `set NAME VALUE`
/// changes it; each line as it would be typed.
pub fn set(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    match inv.args.as_slice() {
        [] => {
            for (setting, value) in shell.settings.listing(Where::Set) {
                println!("set {} {}", setting.name, escape(&value));
            }
        }
        [name] => show(shell, settable(name)?),
        [name, value] => {
            let setting = settable(name)?;
            change(shell, setting.name, value)?;
            show(shell, setting);
        }
        _ => unreachable!("the table allows two operands"),
    }
    Ok(())
}

fn show(shell: &Shell, setting: &Setting) {
    let listing = shell.settings.listing(Where::Set);
    if let Some((_, value)) = listing.iter().find(|(s, _)| s.name == setting.name) {
        println!("set {} {}", setting.name, escape(value));
    }
}

/// The setting `set` may change, or a usage error saying which it may.
fn settable(name: &str) -> Result<&'static Setting> {
    match defs::find(name) {
        Some(setting) if setting.is(Where::Set) => Ok(setting),
        Some(setting) => Err(Error::usage(format!(
            "set {name}: is not changed in a running shell (give {}when ftpsh starts)",
            match setting.is(Where::Key) {
                true => format!("--{name} or `{name} = ...` in the config file "),
                false if setting.is(Where::Flag) => format!("--{name} "),
                false => format!("mirror --{name} to a job, not "),
            }
        ))),
        None => {
            let names: Vec<&str> = defs::at(Where::Set).map(|s| s.name).collect();
            Err(Error::usage(format!(
                "set: no setting {:?} (settings: {})",
                escape(name),
                names.join(", ")
            )))
        }
    }
}

/// Gives `name` the value `text`, checked as everywhere else, and makes the shell and its
/// session follow it.
pub fn change(shell: &mut Shell, name: &str, text: &str) -> Result<()> {
    shell
        .settings
        .give(name, text, Source::Set)
        .map_err(|e| Error::usage(format!("set {name}: {e}")))?;
    shell.apply_settings();
    Ok(())
}
