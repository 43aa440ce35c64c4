//! Drives the pipeline for `kmsguard check`: read inputs (in parallel), recognise them,
//! build the inventory, analyse, check, render.

use std::io::{Read, Write};
use std::path::Path;

use crate::cli::{CheckArgs, ExplainArgs, ExplainFormat};
use crate::error::{InputError, SourcedError};
use crate::inventory::{self, Input};
use crate::plan::{self, Document};
use crate::report::{self, Format, InputInfo, Report};
use crate::{analysis, locate, par, rules};

fn source_name(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Inputs larger than this are streamed (as with `--low-memory`).
pub const AUTO_LOW_MEMORY_BYTES: u64 = 1 << 30;

/// What the first pass over an input produced.
/// The bytes of an input held in memory, or why it could not be read.
type Bytes = Result<Vec<u8>, InputError>;

enum First {
    Bytes(Bytes),
    Streamed(Box<Result<Document<'static>, InputError>>),
    /// Standard input, read after the parallel pass.
    Later,
}

fn file_size(p: &Path) -> Option<u64> {
    std::fs::metadata(p)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

fn open_input(p: &Path) -> Result<std::fs::File, InputError> {
    if p.is_dir() {
        return Err(InputError::Io(
            "it is a directory; name the plan JSON file inside it".into(),
        ));
    }
    std::fs::File::open(p).map_err(|e| InputError::Io(e.to_string()))
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
    let mut buf = Vec::new();
    open_input(p)?
        .read_to_end(&mut buf)
        .map_err(|e| InputError::Io(e.to_string()))?;
    Ok(buf)
}

/// Flushes a written report; a closed pipe (`| head`) is not an error. `Err` holds the exit
/// code after the error was reported.
fn finish(
    written: std::io::Result<()>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), u8> {
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = writeln!(err, "kmsguard: error: cannot write the report: {e}");
            Err(2)
        }
        _ => Ok(()),
    }
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

    with_inputs(
        &args.inputs,
        args.low_memory,
        err,
        |inputs, infos, errors, err| report(args, query.as_ref(), inputs, infos, errors, out, err),
    )
}

/// The documents of one run: the usable inputs, what they are, and the unusable ones.
type Loaded<'a> = (Vec<Input<'a>>, Vec<InputInfo>, Vec<SourcedError>);

/// Reads and recognises the inputs (in parallel), reports the unusable ones on `err`, and
/// hands the rest to `then`.
fn with_inputs<R>(
    paths: &[std::path::PathBuf],
    low_memory: bool,
    err: &mut dyn Write,
    then: impl FnOnce(&[Input], &[InputInfo], &[SourcedError], &mut dyn Write) -> R,
) -> R {
    let sources: Vec<String> = paths.iter().map(|p| source_name(p)).collect();
    // First pass, in parallel: stream the inputs that are to be streamed, read the others.
    // Standard input is read on this thread (it is not shared with the workers).
    let first: Vec<First> = par::map(paths, 2, |p| {
        if p.as_os_str() == "-" {
            First::Later
        } else if low_memory || file_size(p).is_some_and(|n| n > AUTO_LOW_MEMORY_BYTES) {
            First::Streamed(Box::new(
                open_input(p).and_then(|f| plan::load_reader(&source_name(p), f)),
            ))
        } else {
            First::Bytes(read_input(p))
        }
    });
    let mut bytes: Vec<Option<Bytes>> = Vec::new();
    let mut streamed: Vec<Option<Result<Document<'static>, InputError>>> = Vec::new();
    for (p, f) in paths.iter().zip(first) {
        let (b, s) = match f {
            First::Later if low_memory => {
                (None, Some(plan::load_reader("-", std::io::stdin().lock())))
            }
            First::Later => (Some(read_input(p)), None),
            First::Bytes(b) => (Some(b), None),
            First::Streamed(d) => (None, Some(*d)),
        };
        bytes.push(b);
        streamed.push(s);
    }
    // Second pass, in parallel: parse the inputs held in memory.
    let pairs: Vec<(&String, &Option<Bytes>)> = sources.iter().zip(&bytes).collect();
    let parsed: Vec<Option<Result<Document, InputError>>> =
        par::map(&pairs, 2, |(name, b)| match b {
            Some(Ok(b)) => Some(plan::load(name, b)),
            Some(Err(e)) => Some(Err(e.clone())),
            None => None,
        });
    let parsed: Vec<Result<Document, InputError>> = parsed
        .into_iter()
        .zip(streamed)
        .map(|(p, s)| p.or(s).expect("every input is read or streamed"))
        .collect();

    let (inputs, infos, errors) = sort_documents(sources.into_iter().zip(parsed));
    for e in &errors {
        let _ = writeln!(err, "kmsguard: error: {}", one_line(&e.to_string()));
    }

    then(&inputs, &infos, &errors, err)
}

/// Splits recognised documents from unusable inputs, keeping their order.
pub(crate) fn sort_documents<'a>(
    docs: impl Iterator<Item = (String, Result<Document<'a>, InputError>)>,
) -> Loaded<'a> {
    let (mut inputs, mut infos, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for (source, doc) in docs {
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
    (inputs, infos, errors)
}

fn report(
    args: &CheckArgs,
    query: Option<&jmespath::Expression>,
    inputs: &[Input],
    infos: &[InputInfo],
    errors: &[SourcedError],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut inv = inventory::build(inputs);
    let mut notes = inventory::source::refine(&mut inv, inputs, &args.config_dir);
    let analyses = analysis::analyse(&inv);
    let findings = rules::check(&inv, &analyses);
    let locations = locate::locate(&args.config_dir, inputs, &inv);
    notes.extend(locations.notes.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    for n in notes.iter().map(|n| one_line(n)) {
        if seen.insert(n.clone()) {
            let _ = writeln!(err, "kmsguard: warning: {n}");
        }
    }
    let r = Report {
        inventory: &inv,
        inputs: infos,
        analyses: &analyses,
        findings: &findings,
        errors,
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

    let written = match query {
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
    if let Err(code) = finish(written, out, err) {
        return code;
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

/// Runs `explain` and returns the exit code: 0, or 2 when an input is unusable or the key
/// is not found.
pub fn explain(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    with_inputs(
        &args.inputs,
        args.low_memory,
        err,
        |inputs, _infos, errors, err| {
            let mut inv = inventory::build(inputs);
            for n in inventory::source::refine(&mut inv, inputs, &args.config_dir) {
                let _ = writeln!(err, "kmsguard: warning: {}", one_line(&n));
            }
            let matches: Vec<usize> = inv
                .keys
                .iter()
                .enumerate()
                .filter(|(_, k)| k.address == args.key)
                .map(|(i, _)| i)
                .collect();
            let Some(&key) = matches.first() else {
                let known: Vec<&str> = inv
                    .keys
                    .iter()
                    .map(|k| k.address.as_str())
                    .take(20)
                    .collect();
                let _ = writeln!(
                    err,
                    "kmsguard: error: no KMS key with address {:?} in the inputs (keys: {})",
                    args.key,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                );
                return 2;
            };
            if matches.len() > 1 {
                let _ = writeln!(
                    err,
                    "kmsguard: note: {} inputs have a key {}; explaining the one in {}",
                    matches.len(),
                    args.key,
                    inv.sources[inv.keys[key].source]
                );
            }
            let a = analysis::explain(&inv, key);
            let written = match args.format {
                ExplainFormat::Text => report::explain::render_text(&inv, &a, out),
                ExplainFormat::Json => report::explain::render_json(&inv, &a, out),
            };
            if let Err(code) = finish(written, out, err) {
                return code;
            }
            if errors.is_empty() { 0 } else { 2 }
        },
    )
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
