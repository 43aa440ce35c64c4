use std::io::IsTerminal;
use std::process::ExitCode;

use std::io::Write;

use clap::{CommandFactory, Parser};
use kmsguard::cli::{Cli, ColorChoice, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Deeply nested source is parsed and evaluated recursively: run on a large stack.
    ExitCode::from(kmsguard::with_stack(move || run(cli)))
}

fn run(cli: Cli) -> u8 {
    // Reports can be large: buffer them (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut err = std::io::stderr().lock();
    match cli.command {
        Command::Check(args) => {
            set_color(args.color);
            kmsguard::run::check(&args, &mut out, &mut err)
        }
        Command::Explain(args) => {
            set_color(args.color);
            kmsguard::run::explain(&args, &mut out, &mut err)
        }
        Command::Rules => done(kmsguard::run::list_rules(&mut out).and_then(|()| out.flush())),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "kmsguard", &mut out);
            done(out.flush())
        }
        Command::Man(args) => man(&args, &mut out, &mut err),
    }
}

fn man(args: &kmsguard::cli::ManArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if let Some(dir) = &args.out_dir {
        return match kmsguard::man::write_all(dir) {
            Ok(files) => {
                let _ = writeln!(
                    err,
                    "kmsguard: wrote {} in {}",
                    files.join(", "),
                    dir.display()
                );
                0
            }
            Err(e) => {
                let _ = writeln!(
                    err,
                    "kmsguard: error: cannot write the man pages to {}: {e}",
                    dir.display()
                );
                2
            }
        };
    }
    let name = match &args.page {
        Some(p) => format!("kmsguard-{p}"),
        None => "kmsguard".to_owned(),
    };
    match kmsguard::man::render(&name, out) {
        Some(r) => done(r.and_then(|()| out.flush())),
        None => {
            let known: Vec<String> = kmsguard::man::pages()
                .iter()
                .filter_map(|p| p.strip_prefix("kmsguard-").map(str::to_owned))
                .collect();
            let _ = writeln!(
                err,
                "kmsguard: error: no man page for {:?} (subcommands: {})",
                args.page.as_deref().unwrap_or_default(),
                known.join(", ")
            );
            2
        }
    }
}

fn done(r: std::io::Result<()>) -> u8 {
    match r {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(_) => 2,
    }
}

/// Colour is decided once, here; renderers never ask again.
fn set_color(choice: ColorChoice) {
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    colored::control::set_override(color);
}
