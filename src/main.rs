//! ftpsh: parse arguments, open the session, pick the way in, exit with its status.

mod cli;
mod clock;
mod error;
mod ftp;
mod journal;
mod netrc;
mod shell;
mod target;
mod transfer;

use std::io::IsTerminal;

use clap::Parser;

use error::{EXIT_OK, Error};
use shell::Shell;

fn main() {
    let args = cli::Args::parse();
    std::process::exit(run(&args));
}

fn run(args: &cli::Args) -> i32 {
    match start(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ftpsh: {err}");
            err.exit_code()
        }
    }
}

fn start(args: &cli::Args) -> Result<i32, Error> {
    let timeout = args.timeout()?;
    cli::positive_seconds("--interval", args.interval)?;
    journal::init(args.log.as_deref(), args.debug)?;
    let interactive = args.command.is_none() && std::io::stdin().is_terminal();
    let mut shell = Shell::new(!args.active, timeout, args.verbose, interactive);
    if let Some(target) = cli::target_from_args(args)? {
        let params = cli::connect_params(&target, !args.active, timeout)?;
        shell.connect(&params, target.dir.as_deref())?;
    }
    let code = if let Some(commands) = &args.command {
        shell::script::run_commands(&mut shell, commands)
    } else if interactive {
        shell::repl::run(&mut shell)
    } else {
        shell::script::run_script(&mut shell, std::io::stdin().lock())
    };
    shell.disconnect();
    Ok(if code == EXIT_OK { EXIT_OK } else { code })
}
