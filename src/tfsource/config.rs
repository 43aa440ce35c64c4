//! The Terraform configuration behind `--config-dir`: each module folder's `.tf` files read
//! and parsed once, with its blocks indexed by kind and name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::sandbox::{MAX_TF_BYTES, Refusal, Sandbox, normalize};
use super::syntax::ast::{Block, Expr};
use super::syntax::parse_body;

/// Where a block is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    /// Relative to the sandbox root, with `/` separators.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// The comment lines directly above the block that hold `kmsguard:ignore`, with their
    /// line numbers (inline suppressions; `crate::gate` reads them).
    pub directives: Vec<(usize, String)>,
}

/// A declaration and where it is.
#[derive(Debug)]
pub(crate) struct Decl<T> {
    pub place: Place,
    pub item: T,
}

/// One module folder.
#[derive(Debug, Default)]
pub(crate) struct Module {
    /// Canonical.
    pub dir: PathBuf,
    /// `TYPE.NAME` for resources, `data.TYPE.NAME` for data sources.
    pub resources: HashMap<String, Decl<Block>>,
    pub module_calls: HashMap<String, Decl<Block>>,
    /// Input variables and their defaults.
    pub variables: HashMap<String, Option<Expr>>,
    pub locals: HashMap<String, Expr>,
    pub outputs: HashMap<String, Expr>,
    /// Files that could not be read or parsed, one line each.
    pub problems: Vec<String>,
}

impl Module {
    /// A module call's local folder (`./x`, `../x`), joined to this module's folder.
    pub(crate) fn call_folder(&self, call: &str) -> Result<PathBuf, String> {
        let decl = self
            .module_calls
            .get(call)
            .ok_or_else(|| format!("module \"{}\" is not declared", call))?;
        let source = decl
            .item
            .body
            .attribute("source")
            .and_then(|a| a.expr.as_literal_str())
            .unwrap_or_default();
        if !(source.starts_with("./") || source.starts_with("../")) {
            return Err(format!(
                "module.{} comes from {}, not a local folder; kmsguard reads local modules only",
                call,
                &format!("{source:?}")
            ));
        }
        Ok(normalize(&self.dir.join(source)))
    }
}

/// The configuration of one root module and the local modules it calls, read on demand.
pub(crate) struct Config {
    pub sandbox: Sandbox,
    /// The root module's real path.
    pub root: PathBuf,
    modules: RefCell<HashMap<PathBuf, Result<Rc<Module>, String>>>,
}

impl Config {
    /// The configuration rooted at `dir`, which must be a folder.
    pub(crate) fn open(dir: &Path) -> Result<Config, String> {
        let sandbox = Sandbox::around(dir)?;
        let root = sandbox
            .folder(dir)
            .map_err(|r| format!("--config-dir {}: {r}", &dir.to_string_lossy()))?;
        Ok(Config {
            sandbox,
            root,
            modules: RefCell::new(HashMap::new()),
        })
    }

    /// A path for messages: relative to the sandbox root.
    pub(crate) fn shown(&self, path: &Path) -> String {
        self.sandbox
            .relative(path)
            .unwrap_or_else(|| path.to_string_lossy().into_owned())
    }

    /// The module in a folder (read and parsed the first time it is asked for).
    pub(crate) fn module(&self, dir: &Path) -> Result<Rc<Module>, String> {
        if let Some(m) = self.modules.borrow().get(dir) {
            return m.clone();
        }
        let m = self.load(dir).map(Rc::new);
        self.modules
            .borrow_mut()
            .insert(dir.to_path_buf(), m.clone());
        m
    }

    /// Every module read so far, and why the others could not be.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let modules = self.modules.borrow();
        let mut dirs: Vec<&PathBuf> = modules.keys().collect();
        dirs.sort();
        for d in dirs {
            match &modules[d] {
                Ok(m) => out.extend(m.problems.iter().cloned()),
                Err(e) => out.push(e.clone()),
            }
        }
        out
    }

    fn load(&self, dir: &Path) -> Result<Module, String> {
        let shown = self.shown(dir);
        let real = self
            .sandbox
            .folder(dir)
            .map_err(|r| format!("the module folder {shown} {r}"))?;
        let files = self
            .sandbox
            .tf_files(&real)
            .map_err(|r| format!("the module folder {shown} {r}"))?;
        let mut m = Module {
            dir: real,
            ..Module::default()
        };
        for f in files {
            let name = self.shown(&f);
            let text = match self.sandbox.read(&f, MAX_TF_BYTES) {
                Ok(t) => t,
                Err(Refusal::Outside) if f.is_symlink() => {
                    m.problems.push(format!(
                        "{name}: a link to a file outside the repository; not read"
                    ));
                    continue;
                }
                Err(r) => {
                    m.problems.push(format!("{name} {r}; not read"));
                    continue;
                }
            };
            match parse_body(&text) {
                Ok(body) => index(&mut m, body, &name, &text),
                Err(e) => m.problems.push(format!(
                    "{name}: not valid HCL ({e}); kmsguard cannot read this file"
                )),
            }
        }
        Ok(m)
    }
}

/// The most comment lines read above a block for directives.
const MAX_DIRECTIVE_LINES: usize = 32;

/// The `kmsguard:ignore` comments in the run of comment lines directly above line `line`
/// (1-based); `starts` holds the byte offset of each line's start.
fn directives_above(text: &str, starts: &[usize], line: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for n in (1..line).rev().take(MAX_DIRECTIVE_LINES) {
        let (Some(&a), b) = (
            starts.get(n - 1),
            starts.get(n).copied().unwrap_or(text.len()),
        ) else {
            break;
        };
        let t = text.get(a..b).unwrap_or_default().trim();
        if !(t.starts_with('#') || t.starts_with("//")) {
            break;
        }
        if t.contains("kmsguard:ignore") {
            out.push((n, t.to_owned()));
        }
    }
    out.reverse();
    out
}

/// Files the blocks of one parsed file into the module.
fn index(m: &mut Module, body: super::syntax::ast::Body, file: &str, text: &str) {
    // Where each line starts, found once per file: a block's line is then a binary search,
    // not a count from the start of the file (which made a file of many blocks quadratic).
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let has_directives = text.contains("kmsguard:ignore");
    let place = |b: &Block| {
        let line = starts
            .partition_point(|&s| s <= b.span.start.min(text.len()))
            .max(1);
        Place {
            file: file.to_owned(),
            line,
            directives: if has_directives {
                directives_above(text, &starts, line)
            } else {
                Vec::new()
            },
        }
    };
    for block in body.blocks {
        let p = place(&block);
        match (block.kind.as_str(), block.labels.as_slice()) {
            ("resource", [t, n]) => {
                let key = format!("{t}.{n}");
                m.resources.entry(key).or_insert(Decl {
                    place: p,
                    item: block,
                });
            }
            ("data", [t, n]) => {
                let key = format!("data.{t}.{n}");
                m.resources.entry(key).or_insert(Decl {
                    place: p,
                    item: block,
                });
            }
            ("module", [n]) => {
                let key = n.clone();
                m.module_calls.entry(key).or_insert(Decl {
                    place: p,
                    item: block,
                });
            }
            ("variable", [n]) => {
                let default = block.body.attribute("default").map(|a| a.expr.clone());
                m.variables.insert(n.clone(), default);
            }
            ("locals", []) => {
                for a in block.body.attributes {
                    m.locals.insert(a.name, a.expr);
                }
            }
            ("output", [n]) => {
                if let Some(v) = block.body.attribute("value") {
                    m.outputs.insert(n.clone(), v.expr.clone());
                }
            }
            _ => {}
        }
    }
}
