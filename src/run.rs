//! Drives the pipeline for `kmsguard check`: read inputs (in parallel), recognise them,
//! build the inventory, analyse, check, render.

use std::io::{Read, Write};
use std::path::Path;

use crate::cli::{CheckArgs, ExplainArgs, ExplainFormat};
use crate::error::{InputError, SourcedError};
use crate::inventory::Input;
use crate::plan::{self, Document};
use crate::report::escape::{one_line, terminal};
use crate::report::{self, Format, InputInfo, Report};
use crate::tfsource::config::Config;
use crate::tfsource::locate;
use crate::{analysis, par, pipeline, rules};

fn source_name(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Inputs larger than this are streamed (as with `--low-memory`).
pub(crate) const AUTO_LOW_MEMORY_BYTES: u64 = 1 << 30;

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

/// Inputs that are not regular files (standard input, pipes, devices) are read up to this
/// many bytes: their size is not known in advance, and `/dev/zero` never ends.
pub(crate) const MAX_STREAM_BYTES: u64 = AUTO_LOW_MEMORY_BYTES;

/// Reads an input into memory. A regular file is read whole; anything else (standard input,
/// a pipe, a device) is sniffed on its first bytes, so that binary data is refused at once,
/// and read up to [`MAX_STREAM_BYTES`].
fn read_input(p: &Path) -> Result<Vec<u8>, InputError> {
    let io = |e: std::io::Error| InputError::Io(e.to_string());
    if p.as_os_str() == "-" {
        return read_stream("-", std::io::stdin().lock());
    }
    let mut f = open_input(p)?;
    if f.metadata().map_err(io)?.is_file() {
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).map_err(io)?;
        return Ok(buf);
    }
    read_stream(&source_name(p), f)
}

fn read_stream(name: &str, r: impl Read) -> Result<Vec<u8>, InputError> {
    let io = |e: std::io::Error| InputError::Io(e.to_string());
    let mut r = r.take(MAX_STREAM_BYTES + 1);
    let mut buf = Vec::new();
    // The first 64 KiB (or all of it) decide whether this can be a plan at all.
    (&mut r).take(1 << 16).read_to_end(&mut buf).map_err(io)?;
    plan::sniff(name, &buf, buf.len() < (1 << 16))?;
    r.read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > MAX_STREAM_BYTES {
        return Err(InputError::Io(format!(
            "it is a pipe or device that gives more than {} GiB; write the plan to a file instead (files of any size are read, and streamed above 1 GiB)",
            MAX_STREAM_BYTES >> 30
        )));
    }
    Ok(buf)
}

/// A pipe or device streamed with `--low-memory` is read up to this many bytes.
pub(crate) const MAX_STREAMED_PIPE_BYTES: u64 = 64 << 30;

/// Streams an input (`--low-memory`): a file whole, a pipe or device up to
/// [`MAX_STREAMED_PIPE_BYTES`].
fn stream_input(name: &str, r: impl Read + IsRegular) -> Result<Document<'static>, InputError> {
    if r.is_regular() {
        return plan::load_reader(name, r);
    }
    plan::load_reader(
        name,
        Capped {
            inner: r,
            left: MAX_STREAMED_PIPE_BYTES,
        },
    )
}

/// Whether a reader is a regular file (of known size).
trait IsRegular {
    fn is_regular(&self) -> bool;
}

impl IsRegular for std::fs::File {
    fn is_regular(&self) -> bool {
        self.metadata().is_ok_and(|m| m.is_file())
    }
}

impl IsRegular for std::io::StdinLock<'_> {
    fn is_regular(&self) -> bool {
        false
    }
}

/// A reader that fails once it has given `left` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other(format!(
                "the pipe or device gives more than {} GiB",
                MAX_STREAMED_PIPE_BYTES >> 30
            ))
        })?;
        Ok(n)
    }
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
        Some(q) => match compile_query(q) {
            Ok(e) => Some(e),
            Err(e) => {
                let _ = writeln!(
                    err,
                    "kmsguard: error: invalid --query expression: {}",
                    one_line(&e)
                );
                return 2;
            }
        },
        None => None,
    };

    let config = match load_config(args.config.as_deref(), args.no_config) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "kmsguard: error: {}", one_line(&e));
            return 2;
        }
    };
    let baseline = match &args.baseline {
        Some(p) => match crate::gate::baseline::read(p) {
            Ok(b) => Some(b),
            Err(e) => {
                let _ = writeln!(err, "kmsguard: error: {}", one_line(&e));
                return 2;
            }
        },
        None => None,
    };
    // Workspaces on the command line win over the configuration file's for the same input.
    let mut pairs = args.workspace.clone();
    if let Some(c) = &config {
        for (input, dir) in &c.workspaces {
            let given = args.inputs.iter().any(|i| same_path(i, input));
            let overridden = args.workspace.iter().any(|(i, _)| same_path(i, input));
            if given && !overridden {
                pairs.push((input.clone(), dir.clone()));
            }
        }
    }
    let (dirs, workspaces) =
        match source_folders(args.config_dir.as_ref(), &pairs, &args.inputs, err) {
            Ok(x) => x,
            Err(code) => return code,
        };
    let gate = Gate {
        config: config.as_ref(),
        baseline: baseline.as_ref(),
    };
    with_inputs(
        &args.inputs,
        &workspaces,
        Reading {
            low_memory: args.low_memory,
            allow_errored: args.allow_errored,
        },
        err,
        |inputs, workspaces, infos, errors, err| {
            let given = Given {
                inputs,
                workspaces,
                infos,
                errors,
            };
            report(args, query.as_ref(), &dirs, &gate, given, out, err)
        },
    )
    .unwrap_or_else(|code| code)
}

/// JMESPath operators a `--query` may hold. The JMESPath parser and interpreter recurse once
/// or twice per operator, so a long chain (`a.a.a…`, `((((…`, `!!!!…`) would overflow the
/// stack; real queries use a handful.
pub(crate) const MAX_QUERY_OPERATORS: usize = 256;

/// Compiles a `--query` expression whose size the interpreter can handle.
fn compile_query(q: &str) -> Result<jmespath::Expression<'static>, String> {
    let mut operators = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in q.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => quote = Some(c),
            None if "([{.|!&<>=,@*".contains(c) => operators += 1,
            None => {}
        }
    }
    if operators > MAX_QUERY_OPERATORS {
        return Err(format!(
            "it has {operators} operators; kmsguard evaluates at most {MAX_QUERY_OPERATORS}"
        ));
    }
    jmespath::compile(q).map_err(|e| e.to_string())
}

/// The documents of one run: the usable inputs, what they are, and the unusable ones.
type Loaded<'a> = (Vec<Input<'a>>, Vec<InputInfo>, Vec<SourcedError>);

/// How inputs are read.
#[derive(Debug, Clone, Copy)]
struct Reading {
    low_memory: bool,
    allow_errored: bool,
}

/// The most files taken from the folders given as inputs.
pub(crate) const MAX_FOLDER_FILES: usize = 10_000;
/// How deep a folder given as input is searched.
const MAX_FOLDER_DEPTH: usize = 32;

/// An input path, and whether it was found in a folder the user named (then a JSON file
/// that is not a plan or state is skipped, not refused).
struct Path0 {
    path: std::path::PathBuf,
    in_folder: bool,
    /// Why this input cannot be read, known before reading it.
    error: Option<InputError>,
    /// Its workspace (an index into the run's source folders).
    workspace: Option<usize>,
}

/// The inputs with each folder replaced by the `.json` files below it (sorted, symbolic
/// links and hidden folders such as `.terraform` not followed). Notes what it skipped.
fn expand(
    paths: &[std::path::PathBuf],
    workspaces: &[Option<usize>],
    err: &mut dyn Write,
) -> Result<Vec<Path0>, u8> {
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        let _ = writeln!(
            err,
            "kmsguard: error: `-` (standard input) is given more than once; it can be read only once"
        );
        return Err(2);
    }
    let mut out = Vec::new();
    for (p, &workspace) in paths.iter().zip(workspaces) {
        let is_dir = std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
        if !is_dir {
            out.push(Path0 {
                path: p.clone(),
                in_folder: false,
                error: None,
                workspace,
            });
            continue;
        }
        let mut found = Vec::new();
        let mut stack = vec![(p.clone(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                let _ = writeln!(
                    err,
                    "kmsguard: warning: cannot read the folder {}",
                    terminal(&source_name(&dir))
                );
                continue;
            };
            for e in rd.flatten() {
                let Ok(ft) = e.file_type() else { continue };
                let name = e.file_name();
                let hidden = name.to_string_lossy().starts_with('.');
                if ft.is_dir() && !hidden && depth < MAX_FOLDER_DEPTH {
                    stack.push((e.path(), depth + 1));
                } else if ft.is_file()
                    && Path::new(&name)
                        .extension()
                        .is_some_and(|x| x.eq_ignore_ascii_case("json"))
                {
                    found.push(e.path());
                }
            }
            if out.len() + found.len() > MAX_FOLDER_FILES {
                let _ = writeln!(
                    err,
                    "kmsguard: error: {} holds more than {MAX_FOLDER_FILES} JSON files; name the plans instead",
                    terminal(&source_name(p))
                );
                return Err(2);
            }
        }
        if found.is_empty() {
            out.push(Path0 {
                path: p.clone(),
                in_folder: false,
                workspace,
                error: Some(InputError::Io(
                    "it is a folder with no .json file in it; expected plan or state JSON (`terraform show -json`)"
                        .into(),
                )),
            });
            continue;
        }
        found.sort();
        out.extend(found.into_iter().map(|path| Path0 {
            path,
            in_folder: true,
            error: None,
            workspace,
        }));
    }
    // The order of the arguments never changes a report: inputs are read in the order of
    // their names.
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Reads and recognises the inputs (in parallel), reports the unusable ones on `err`, and
/// hands the rest to `then`.
fn with_inputs<R>(
    paths: &[std::path::PathBuf],
    workspaces: &[Option<usize>],
    how: Reading,
    err: &mut dyn Write,
    then: impl FnOnce(&[Input], &[Option<usize>], &[InputInfo], &[SourcedError], &mut dyn Write) -> R,
) -> Result<R, u8> {
    let expanded = expand(paths, workspaces, err)?;
    let in_folder: Vec<bool> = expanded.iter().map(|p| p.in_folder).collect();
    let input_ws: Vec<Option<usize>> = expanded.iter().map(|p| p.workspace).collect();
    let known_errors: Vec<Option<InputError>> = expanded.iter().map(|p| p.error.clone()).collect();
    let paths: Vec<std::path::PathBuf> = expanded.into_iter().map(|p| p.path).collect();
    let low_memory = how.low_memory;
    let sources: Vec<String> = paths.iter().map(|p| source_name(p)).collect();
    // First pass, in parallel: stream the inputs that are to be streamed, read the others.
    // Standard input is read on this thread (it is not shared with the workers).
    let work: Vec<(&std::path::PathBuf, &Option<InputError>)> =
        paths.iter().zip(&known_errors).collect();
    let first: Vec<First> = par::map(&work, 2, |(p, known)| {
        if let Some(e) = known {
            First::Bytes(Err(e.clone()))
        } else if p.as_os_str() == "-" {
            First::Later
        } else if low_memory || file_size(p).is_some_and(|n| n > AUTO_LOW_MEMORY_BYTES) {
            First::Streamed(Box::new(
                open_input(p).and_then(|f| stream_input(&source_name(p), f)),
            ))
        } else {
            First::Bytes(read_input(p))
        }
    });
    let mut bytes: Vec<Option<Bytes>> = Vec::new();
    let mut streamed: Vec<Option<Result<Document<'static>, InputError>>> = Vec::new();
    for (p, f) in paths.iter().zip(first) {
        let (b, s) = match f {
            First::Later if low_memory => (None, Some(stream_input("-", std::io::stdin().lock()))),
            First::Later => (Some(read_input(p)), None),
            First::Bytes(b) => (Some(b), None),
            First::Streamed(d) => (None, Some(*d)),
        };
        bytes.push(b);
        streamed.push(s);
    }
    // Second pass, in parallel: parse the inputs held in memory (one or more documents
    // each).
    let pairs: Vec<(&String, &Option<Bytes>)> = sources.iter().zip(&bytes).collect();
    type Docs<'b> = Vec<(String, Result<Document<'b>, InputError>)>;
    let parsed: Vec<Option<Docs>> = par::map(&pairs, 2, |(name, b)| match b {
        Some(Ok(b)) => Some(plan::load_all(name, b)),
        Some(Err(e)) => Some(vec![((*name).clone(), Err(e.clone()))]),
        None => None,
    });
    let mut docs: Vec<(String, Result<Document, InputError>)> = Vec::new();
    let mut doc_ws: Vec<Option<usize>> = Vec::new();
    for ((((p, s), name), from_folder), ws) in parsed
        .into_iter()
        .zip(streamed)
        .zip(&sources)
        .zip(&in_folder)
        .zip(&input_ws)
    {
        let these = match (p, s) {
            (Some(d), _) => d,
            (None, Some(s)) => vec![(name.clone(), s)],
            (None, None) => unreachable!("every input is read or streamed"),
        };
        for (n, d) in these {
            // A folder's other JSON files (package.json, …) are not inputs.
            if *from_folder && d.as_ref().is_err_and(InputError::not_terraform) {
                let _ = writeln!(
                    err,
                    "kmsguard: note: skipped {}: not a Terraform plan or state",
                    terminal(&n)
                );
                continue;
            }
            docs.push((n, d));
            doc_ws.push(*ws);
        }
    }
    let ws_of_input: Vec<Option<usize>> = docs
        .iter()
        .zip(&doc_ws)
        .filter(|((_, d), _)| d.as_ref().is_ok_and(|d| !d.errored || how.allow_errored))
        .map(|(_, w)| *w)
        .collect();

    let (inputs, infos, errors) = sort_documents(docs.into_iter(), how.allow_errored);
    for e in &errors {
        let _ = writeln!(err, "kmsguard: error: {}", one_line(&e.to_string()));
    }

    Ok(then(&inputs, &ws_of_input, &infos, &errors, err))
}

/// Splits recognised documents from unusable inputs, keeping their order.
pub(crate) fn sort_documents<'a>(
    docs: impl Iterator<Item = (String, Result<Document<'a>, InputError>)>,
    allow_errored: bool,
) -> Loaded<'a> {
    let (mut inputs, mut infos, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for (name, doc) in docs {
        let doc = match doc {
            Ok(d) if d.errored && !allow_errored => Err(InputError::Errored),
            d => d,
        };
        match doc {
            Ok(doc) => {
                infos.push(InputInfo {
                    workspace: None,
                    name: name.clone(),
                    kind: doc.kind,
                    format_version: doc.format_version.clone(),
                    notes: doc.notes.clone(),
                });
                inputs.push(Input { name, doc });
            }
            Err(error) => errors.push(SourcedError { input: name, error }),
        }
    }
    (inputs, infos, errors)
}

/// Whether two paths name the same file: as written, or once resolved.
fn same_path(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// The source folders of a run and, per input as given, which one is its workspace:
/// `--workspace INPUT=DIR` pairs one input, `--config-dir DIR` every other. The folders are
/// kept sorted, so that the order of the arguments never matters.
fn source_folders(
    config_dir: Option<&std::path::PathBuf>,
    workspaces: &[(std::path::PathBuf, std::path::PathBuf)],
    inputs: &[std::path::PathBuf],
    err: &mut dyn Write,
) -> Result<(Vec<std::path::PathBuf>, Vec<Option<usize>>), u8> {
    let mut dirs: Vec<std::path::PathBuf> = config_dir.into_iter().cloned().collect();
    dirs.extend(workspaces.iter().map(|(_, d)| d.clone()));
    dirs.sort();
    dirs.dedup();
    let index = |d: &std::path::PathBuf| dirs.iter().position(|x| x == d);
    let mut of_input: Vec<Option<usize>> =
        inputs.iter().map(|_| config_dir.and_then(index)).collect();
    let mut paired: Vec<Option<&std::path::PathBuf>> = vec![None; inputs.len()];
    for (input, dir) in workspaces {
        let hits: Vec<usize> = (0..inputs.len())
            .filter(|&i| same_path(&inputs[i], input))
            .collect();
        if hits.is_empty() {
            let _ = writeln!(
                err,
                "kmsguard: error: --workspace {}={}: {} is not one of the inputs",
                terminal(&source_name(input)),
                terminal(&source_name(dir)),
                terminal(&source_name(input))
            );
            return Err(2);
        }
        for i in hits {
            if let Some(other) = paired[i].filter(|o| *o != dir) {
                let _ = writeln!(
                    err,
                    "kmsguard: error: {} is paired with two folders, {} and {}",
                    terminal(&source_name(&inputs[i])),
                    terminal(&source_name(other)),
                    terminal(&source_name(dir))
                );
                return Err(2);
            }
            paired[i] = Some(dir);
            of_input[i] = index(dir);
        }
    }
    Ok((dirs, of_input))
}

/// Opens each source folder; a folder that does not exist is an error in the arguments
/// (exit code 2): without it, policies known only after apply would pass unevaluated.
fn open_configs(dirs: &[std::path::PathBuf], err: &mut dyn Write) -> Result<Vec<Config>, u8> {
    let mut out = Vec::with_capacity(dirs.len());
    for d in dirs {
        match Config::open(d) {
            Ok(c) => out.push(c),
            Err(e) => {
                let _ = writeln!(err, "kmsguard: error: {}", one_line(&e));
                return Err(2);
            }
        }
    }
    Ok(out)
}

/// Each input's source, from its workspace.
fn sources_of<'c>(configs: &'c [Config], workspaces: &[Option<usize>]) -> Vec<Option<&'c Config>> {
    workspaces
        .iter()
        .map(|w| w.and_then(|i| configs.get(i)))
        .collect()
}

/// The configuration file, named, found, or none (`--no-config`).
fn load_config(named: Option<&Path>, none: bool) -> Result<Option<crate::gate::Config>, String> {
    if none {
        return Ok(None);
    }
    let path = match named {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| crate::gate::config::discover(&d)),
    };
    path.map(|p| crate::gate::config::load(&p)).transpose()
}

/// The team's gate: the configuration file and the baseline.
struct Gate<'g> {
    config: Option<&'g crate::gate::Config>,
    baseline: Option<&'g crate::gate::baseline::Baseline>,
}

struct Given<'g> {
    inputs: &'g [Input<'g>],
    workspaces: &'g [Option<usize>],
    infos: &'g [InputInfo],
    errors: &'g [SourcedError],
}

fn report(
    args: &CheckArgs,
    query: Option<&jmespath::Expression>,
    dirs: &[std::path::PathBuf],
    gate: &Gate,
    given: Given,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let Given {
        inputs,
        workspaces,
        infos,
        errors,
    } = given;
    let configs = match open_configs(dirs, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let sources = sources_of(&configs, workspaces);
    let infos: Vec<InputInfo> = infos
        .iter()
        .zip(workspaces)
        .map(|(i, w)| InputInfo {
            workspace: w.and_then(|w| dirs.get(w)).map(|d| source_name(d)),
            ..i.clone()
        })
        .collect();
    let infos = &infos;
    let mut checked = pipeline::check(inputs, &sources);
    let keys = checked
        .inventory
        .keys
        .iter()
        .map(|k| (&k.resource, sources.get(k.input).copied().flatten()));
    let locations = locate::locate(&configs, keys);
    let inline =
        crate::gate::inline::Inline::read((0..checked.inventory.keys.len()).filter_map(|ki| {
            locations
                .get(ki)
                .map(|l| (ki, l.file.as_str(), l.directives.as_slice()))
        }));
    let (findings, applied) = crate::gate::apply(
        std::mem::take(&mut checked.findings),
        &checked.inventory,
        gate.config,
        &inline,
        gate.baseline,
        crate::policy::time::now(),
    );
    checked.findings = findings;
    for n in &applied.notes {
        let _ = writeln!(err, "kmsguard: warning: {}", one_line(n));
    }
    if let Some(path) = &args.write_baseline {
        let text = crate::gate::baseline::render(&checked.findings, &checked.inventory);
        if let Err(e) = replace(path, text.as_bytes()) {
            return cannot_write(err, path, &e);
        }
    }
    let notes = &locations.notes;
    let mut seen = std::collections::HashSet::new();
    for n in notes.iter().map(|n| one_line(n)) {
        if seen.insert(n.clone()) {
            let _ = writeln!(err, "kmsguard: warning: {n}");
        }
    }
    let r = Report {
        inventory: &checked.inventory,
        inputs: infos,
        analyses: &checked.analyses,
        findings: &checked.findings,
        errors,
        fail_on: args
            .fail_on
            .or(gate.config.and_then(|c| c.fail_on))
            .unwrap_or(report::FailOn::Error),
        locations: &locations,
        config: gate.config.map(|c| c.path.as_str()),
        runbooks: &checked.runbooks,
        verbosity: if args.quiet {
            report::Verbosity::Quiet
        } else if args.verbose {
            report::Verbosity::Verbose
        } else {
            report::Verbosity::Normal
        },
    };

    if let Some(dir) = &args.write_policies {
        if let Err(code) = write_policies(dir, &checked.runbooks, err) {
            return code;
        }
    }
    // Files first, so that they exist even when standard output is closed early.
    let files = args
        .output
        .iter()
        .map(|o| (o, false))
        .chain(args.append.iter().map(|o| (o, true)));
    for ((format, path), append) in files {
        if let Err(e) = write_file(&r, *format, path, append) {
            return cannot_write(err, path, &e);
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

/// Reports a file that could not be written; the exit code (2).
/// Writes each runbook's corrected policy to `DIR/<key id>.policy.json`: the name is made
/// of the key ID's safe characters only, so no input names a file outside DIR.
fn write_policies(
    dir: &Path,
    runbooks: &[crate::rules::runbook::Runbook],
    err: &mut dyn Write,
) -> Result<(), u8> {
    use crate::rules::runbook::file_stem;
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Err(cannot_write(err, dir, &e));
    }
    for b in runbooks {
        let Some(p) = &b.corrected_policy else {
            continue;
        };
        let key = b.arn.as_deref().unwrap_or(&b.address);
        let path = dir.join(format!("{}.policy.json", file_stem(key)));
        if let Err(e) = replace(&path, format!("{p}\n").as_bytes()) {
            return Err(cannot_write(err, &path, &e));
        }
    }
    Ok(())
}

fn cannot_write(err: &mut dyn Write, path: &Path, e: &std::io::Error) -> u8 {
    let _ = writeln!(
        err,
        "kmsguard: error: cannot write {}: {}",
        terminal(&path.to_string_lossy()),
        one_line(&e.to_string())
    );
    2
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
    if append {
        append_to(path, &buf)
    } else {
        replace(path, &buf)
    }
}

fn refuse_link(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(std::io::Error::other(
            "it is a symbolic link, and kmsguard does not write through links (remove the link or name another file)",
        )),
        Ok(m) if m.is_dir() => Err(std::io::Error::other("it is a folder")),
        _ => Ok(()),
    }
}

/// Writes `bytes` to a new file in the folder of `path`, then renames it to `path`: a
/// reader never sees half a report, and a symbolic link at `path` is refused, never
/// followed.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    refuse_link(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("it names no file"))?;
    let mut n = 0u32;
    let (tmp, mut f) = loop {
        let tmp = dir.join(format!(
            ".{}.{}-{n}.kmsguard-tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        // `create_new` is O_CREAT|O_EXCL: it follows no link, not even a dangling one.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    };
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    drop(f);
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Appends to `path` (for `$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`), refusing to follow a
/// symbolic link there.
fn append_to(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    refuse_link(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)?.write_all(bytes)
}

/// Runs `explain` and returns the exit code: 0, or 2 when an input is unusable or the key
/// is not found.
pub fn explain(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let (dirs, workspaces) =
        match source_folders(args.config_dir.as_ref(), &args.workspace, &args.inputs, err) {
            Ok(x) => x,
            Err(code) => return code,
        };
    with_inputs(
        &args.inputs,
        &workspaces,
        Reading {
            low_memory: args.low_memory,
            allow_errored: args.allow_errored,
        },
        err,
        |inputs, workspaces, _infos, errors, err| {
            let configs = match open_configs(&dirs, err) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let sources = sources_of(&configs, workspaces);
            let (inv, policies) = pipeline::resolve(inputs, &sources);
            for c in &configs {
                for n in c.problems() {
                    let _ = writeln!(err, "kmsguard: warning: {}", one_line(&n));
                }
            }
            let matches: Vec<usize> = inv
                .keys
                .iter()
                .enumerate()
                .filter(|(_, k)| k.address == args.key)
                .map(|(i, _)| i)
                .collect();
            let Some(&key) = matches.first() else {
                let known: Vec<String> = inv
                    .keys
                    .iter()
                    .map(|k| terminal(&k.address).into_owned())
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
                    terminal(&args.key),
                    terminal(&inv.inputs[inv.keys[key].input])
                );
            }
            let a = analysis::explain(&inv, &policies, key);
            let pol = &policies[key];
            let written = match args.format {
                ExplainFormat::Text => {
                    report::explain::render_text(&inv, pol, &a, out).and_then(|()| {
                        // A key nobody can manage: the runbook follows the trace.
                        let books =
                            crate::rules::runbook::build(&inv, std::slice::from_ref(&a), &policies);
                        match books.first() {
                            Some(b) => {
                                writeln!(out)?;
                                report::runbook::render_one(b, out)
                            }
                            None => Ok(()),
                        }
                    })
                }
                ExplainFormat::Json => report::explain::render_json(&inv, pol, &a, out),
            };
            if let Err(code) = finish(written, out, err) {
                return code;
            }
            if errors.is_empty() { 0 } else { 2 }
        },
    )
    .unwrap_or_else(|code| code)
}

/// `kmsguard rules`: the rule table.
pub fn list_rules(out: &mut dyn Write) -> std::io::Result<()> {
    for r in rules::RULES {
        writeln!(out, "{:<24} {:<8} {}", r.id, r.severity.word(), r.summary)?;
        writeln!(out, "{:<24} {:<8} {}", "", "", r.help_uri())?;
    }
    Ok(())
}
