//! ftpsh: parse arguments, open the session, pick the way in, exit with its status.

mod cancel;
mod cli;
mod clock;
mod config;
mod error;
mod escape;
mod ftp;
mod journal;
mod lossless;
mod mirror;
mod netrc;
mod progress;
mod roff;
mod settings;
mod shell;
mod small_file;
mod target;
mod transfer;
mod words;

use std::io::IsTerminal;

use error::{EXIT_FAILED, EXIT_OK, Error};
use shell::Shell;

fn main() {
    // A closed stdout (`ftpsh -c "help put" | head -3`) ends the output quietly, as for
    // other Unix tools; Rust ignores SIGPIPE, and println! would then panic with
    // "Broken pipe". Sockets are not affected (std sends with MSG_NOSIGNAL).
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let (args, settings) = match cli::load() {
        Ok(loaded) => loaded,
        Err(err) => {
            err.report("ftpsh: ");
            std::process::exit(err.exit_code());
        }
    };
    std::process::exit(run(&args, settings));
}

fn run(args: &cli::Args, settings: settings::Settings) -> i32 {
    match start(args, settings) {
        Ok(code) => code,
        Err(err) => {
            err.report("ftpsh: ");
            err.exit_code()
        }
    }
}

fn start(args: &cli::Args, settings: settings::Settings) -> Result<i32, Error> {
    if cli::print_generated(args, shell::help::man_section)? {
        return Ok(EXIT_OK);
    }
    progress::init(settings.switch("quiet"));
    let log = settings.path("log");
    journal::init(
        log.as_deref(),
        settings.log_format(),
        settings.switch("debug"),
    )?;
    let interactive = args.command.is_none() && std::io::stdin().is_terminal();
    let mut shell = Shell::new(settings, interactive);
    // A usage error in `-c` is found before anything else: before connecting.
    if let Some(commands) = &args.command {
        shell::check_line(commands)?;
    }
    if let Some(target) = cli::target_from_args(args)? {
        let params = settings::credentials::connect_params(&target, &shell.connection)?;
        shell.connect(&params, target.dir.as_deref())?;
    }
    // From here on Ctrl-C stops the command in the foreground, not the process (a password
    // prompt above still ends at Ctrl-C as before).
    if let Err(err) = cancel::watch_sigint() {
        eprintln!("ftpsh: cannot watch Ctrl-C: {err}");
    }
    let code = if let Some(commands) = &args.command {
        shell::script::run_commands(&mut shell, commands)
    } else if interactive {
        shell::repl::run(&mut shell)
    } else {
        shell::script::run_script(&mut shell, std::io::stdin().lock())
    };
    let code = if code == EXIT_OK && !interactive && shell.jobs.any_running() {
        // A one-shot or script that started mirrors keeps syncing until told to stop.
        shell.jobs.wait_for_signal();
        if shell.jobs.any_failed() {
            EXIT_FAILED
        } else {
            EXIT_OK
        }
    } else {
        let _ = shell.jobs.stop(None);
        code
    };
    shell.disconnect();
    Ok(code)
}
