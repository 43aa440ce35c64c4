use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use kmsguard::cli::{Cli, ColorChoice, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Reports can be large: buffer them (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut err = std::io::stderr().lock();
    match cli.command {
        Command::Check(args) => {
            // Colour is decided once, here; renderers never ask again.
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            colored::control::set_override(color);
            ExitCode::from(kmsguard::run::check(&args, &mut out, &mut err))
        }
        Command::Rules => match kmsguard::run::list_rules(&mut out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(2),
        },
    }
}
