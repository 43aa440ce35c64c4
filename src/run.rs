//! Drives the pipeline for `kmsguard check`: read inputs (in parallel), recognise them,
//! build the inventory, analyse, check, render.

use std::io::{Read, Write};
use std::path::Path;

use crate::cli::CheckArgs;
use crate::error::{InputError, SourcedError};
use crate::inventory::{self, Input};
use crate::plan::{self, Document};
use crate::report::{self, Format, InputInfo, Report};
use crate::{analysis, locate, par, rules};

fn source_name(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn read_input(p: &Path) -> Result<Vec<u8>, InputError> {
    if p.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| InputError::Io(e.to_string()))?;
        return Ok(buf);
    }
    if p.is_dir() {
        return Err(InputError::Io(
            "it is a directory; name the plan JSON file inside it".into(),
        ));
    }
    std::fs::read(p).map_err(|e| InputError::Io(e.to_string()))
}

/// Runs `check` and returns the exit code. Input errors go to `err`, one line each.
pub fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let query = match &args.query {
        Some(q) => match jmespath::compile(q) {
            Ok(e) => Some(e),
            Err(e) => {
                let _ = writeln!(
                    err,
                    "kmsguard: error: invalid --query expression: {}",
                    one_line(&e.to_string())
                );
                return 2;
            }
        },
        None => None,
    };

    // Standard input is read here, files in parallel.
    let bytes: Vec<Result<Vec<u8>, InputError>> = par::map(&args.inputs, 2, |p| {
        if p.as_os_str() == "-" {
            Err(InputError::Io(String::new()))
        } else {
            read_input(p)
        }
    });
    let bytes: Vec<Result<Vec<u8>, InputError>> = args
        .inputs
        .iter()
        .zip(bytes)
        .map(|(p, b)| {
            if p.as_os_str() == "-" {
                read_input(p)
            } else {
                b
            }
        })
        .collect();
    let sources: Vec<String> = args.inputs.iter().map(|p| source_name(p)).collect();
    let pairs: Vec<(&String, &Result<Vec<u8>, InputError>)> = sources.iter().zip(&bytes).collect();
    let parsed: Vec<Result<Document, InputError>> = par::map(&pairs, 2, |(name, b)| match b {
        Ok(b) => plan::load(name, b),
        Err(e) => Err(e.clone()),
    });

    let mut inputs = Vec::new();
    let mut infos = Vec::new();
    let mut errors = Vec::new();
    for (source, doc) in sources.into_iter().zip(parsed) {
        match doc {
            Ok(doc) => {
                infos.push(InputInfo {
                    source: source.clone(),
                    kind: doc.kind,
                    format_version: doc.format_version.clone(),
                    notes: doc.notes.clone(),
                });
                inputs.push(Input { source, doc });
            }
            Err(error) => errors.push(SourcedError { source, error }),
        }
    }
    for e in &errors {
        let _ = writeln!(err, "kmsguard: error: {}", one_line(&e.to_string()));
    }

    let inv = inventory::build(&inputs);
    let analyses = analysis::analyse(&inv);
    let findings = rules::check(&inv, &analyses);
    let locations = locate::locate(&args.config_dir, &inputs, &inv);
    for n in &locations.notes {
        let _ = writeln!(err, "kmsguard: warning: {}", one_line(n));
    }
    let r = Report {
        inventory: &inv,
        inputs: &infos,
        analyses: &analyses,
        findings: &findings,
        errors: &errors,
        fail_on: args.fail_on,
        locations: &locations,
    };

    // Files first, so that they exist even when standard output is closed early.
    let files = args
        .output
        .iter()
        .map(|o| (o, false))
        .chain(args.append.iter().map(|o| (o, true)));
    for ((format, path), append) in files {
        if let Err(e) = write_file(&r, *format, path, append) {
            let _ = writeln!(err, "kmsguard: error: cannot write {}: {e}", path.display());
            return 2;
        }
    }

    let written = match &query {
        Some(q) => {
            let data = report::json::to_value(&r);
            match q.search(data) {
                Ok(v) => serde_json::to_writer_pretty(&mut *out, &*v)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(out)),
                Err(e) => {
                    let _ = writeln!(
                        err,
                        "kmsguard: error: --query failed: {}",
                        one_line(&e.to_string())
                    );
                    return 2;
                }
            }
        }
        None => args.format.render(&r, out),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(err, "kmsguard: error: cannot write the report: {e}");
            return 2;
        }
    }
    r.outcome().exit_code()
}

/// Writes one report file. Text in a file is never coloured.
fn write_file(r: &Report, format: Format, path: &Path, append: bool) -> std::io::Result<()> {
    let mut buf = Vec::new();
    if format == Format::Text {
        let was = colored::control::SHOULD_COLORIZE.should_colorize();
        colored::control::set_override(false);
        let res = format.render(r, &mut buf);
        colored::control::set_override(was);
        res?;
    } else {
        format.render(r, &mut buf)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)?;
    f.write_all(&buf)
}

/// Messages from libraries can span lines; ours are one line each.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `kmsguard rules`: the rule table.
pub fn list_rules(out: &mut dyn Write) -> std::io::Result<()> {
    for r in rules::RuleId::ALL {
        writeln!(
            out,
            "{:<24} {:<8} {}",
            r.id(),
            r.severity().word(),
            r.summary()
        )?;
        writeln!(out, "{:<24} {:<8} {}", "", "", r.help_uri())?;
    }
    Ok(())
}
