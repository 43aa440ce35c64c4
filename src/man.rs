//! `kmsguard man`: one man page per subcommand, written from the command-line definition
//! (`clap_mangen`), with the examples and the exit status each `--help` shows.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use roff::{Roff, bold, roman};

use crate::cli::Cli;

/// The exit status, as docs/usage.md#exit-codes says it.
const EXIT_STATUS: [(&str, &str); 3] = [
    (
        "0",
        "Every input was read, and no finding reaches --fail-on.",
    ),
    (
        "1",
        "A finding reaches --fail-on (by default: an error such as key-locked-out).",
    ),
    (
        "2",
        "An input could not be used (the other inputs are still checked and reported), or the arguments are wrong. Code 2 wins over 1.",
    ),
];

/// The pages: `kmsguard` and each subcommand (`kmsguard-check`, …), in order.
pub fn pages() -> Vec<String> {
    let mut names = vec!["kmsguard".to_owned()];
    let cmd = Cli::command();
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        names.push(format!("kmsguard-{}", sub.get_name()));
    }
    names
}

/// Renders the page `name` (`kmsguard` or `kmsguard-SUBCOMMAND`); `None` for no such page.
pub fn render(name: &str, out: &mut dyn Write) -> Option<std::io::Result<()>> {
    let mut root = Cli::command();
    root.build();
    let sub = match name.strip_prefix("kmsguard-") {
        Some(s) => Some(root.find_subcommand(s)?.clone()),
        None if name == "kmsguard" => None,
        None => return None,
    };
    let (cmd, title) = match sub {
        Some(s) => {
            let bin = format!("kmsguard {}", s.get_name());
            (s.bin_name(bin), name.to_owned())
        }
        None => (root, "kmsguard".to_owned()),
    };
    let examples = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone())
        .title(title)
        .section("1")
        .source(format!("kmsguard {}", env!("CARGO_PKG_VERSION")))
        .manual("kmsguard");
    Some((|| {
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        man.render_options_section(out)?;
        if cmd.has_subcommands() {
            man.render_subcommands_section(out)?;
        }
        let mut roff = Roff::new();
        let examples: Vec<&str> = examples
            .lines()
            .take_while(|l| !l.starts_with("Exit status"))
            .filter(|l| l.starts_with("  "))
            .collect();
        if !examples.is_empty() {
            roff.control("SH", ["EXAMPLES"]);
            for e in examples {
                roff.control("IP", [""]).text([roman(e.trim())]);
            }
        }
        roff.control("SH", ["EXIT STATUS"]);
        for (code, what) in EXIT_STATUS {
            roff.control("TP", [])
                .text([bold(code)])
                .text([roman(what)]);
        }
        roff.control("SH", ["SEE ALSO"]);
        let others: Vec<String> = pages()
            .into_iter()
            .filter(|p| p != name)
            .map(|p| format!("{p}(1)"))
            .collect();
        roff.text([roman(format!(
            "{}. The rules, the JSON report, the Action and the live audit are documented in the docs/ folder of {}.",
            others.join(", "),
            env!("CARGO_PKG_REPOSITORY")
        ))]);
        roff.to_writer(out)?;
        if cmd.get_version().is_some() {
            man.render_version_section(out)?;
        }
        Ok(())
    })())
}

/// Writes every page into `dir` as `NAME.1`.
pub fn write_all(dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for name in pages() {
        let mut bytes = Vec::new();
        if let Some(r) = render(&name, &mut bytes) {
            r?;
        }
        let file = format!("{name}.1");
        std::fs::write(dir.join(&file), bytes)?;
        written.push(file);
    }
    Ok(written)
}
