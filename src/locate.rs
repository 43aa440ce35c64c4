//! Source locations: where in the Terraform code each key's resource block is declared.
//!
//! With `--config-dir DIR` (the root module), kmsguard parses the `.tf` files of the root
//! module and of every local module the plan's `configuration.module_calls` lead to (with a
//! real HCL parser), and finds the `resource "TYPE" "NAME"` block of each key. A resource
//! inside a module that is not local (a registry module) is located at its `module` call
//! block instead. Paths are reported relative to the repository root (the nearest folder
//! above DIR with a `.git`), else relative to the current directory.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use hcl_edit::Span;
use hcl_edit::structure::Body;

use crate::inventory::{Input, Inventory};
use crate::plan::address::module_calls;
use crate::plan::model::Configuration;

/// A place in a `.tf` file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// Relative to the repository root, with `/` separators.
    pub file: String,
    /// 1-based.
    pub line: usize,
}

/// Locations of the inventory's keys (by key index).
#[derive(Debug, Default)]
pub struct Locations {
    by_key: HashMap<usize, Location>,
    /// Files that could not be read or parsed (reported as notes).
    pub notes: Vec<String>,
}

impl Locations {
    pub fn get(&self, key: usize) -> Option<&Location> {
        self.by_key.get(&key)
    }
}

/// The blocks of one module directory: `type.name` and `module.name` → location.
type Blocks = HashMap<String, Location>;

struct Locator {
    repo_root: PathBuf,
    dirs: HashMap<PathBuf, Blocks>,
    notes: Vec<String>,
}

impl Locator {
    fn blocks(&mut self, dir: &Path) -> &Blocks {
        if !self.dirs.contains_key(dir) {
            let blocks = self.scan(dir);
            self.dirs.insert(dir.to_path_buf(), blocks);
        }
        &self.dirs[dir]
    }

    fn scan(&mut self, dir: &Path) -> Blocks {
        let mut out = Blocks::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            self.notes.push(format!(
                "{}: cannot read the configuration folder",
                dir.display()
            ));
            return out;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
            .collect();
        files.sort();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                self.notes.push(format!("{}: cannot read it", f.display()));
                continue;
            };
            let body = match hcl_edit::parser::parse_body(&text) {
                Ok(b) => b,
                Err(e) => {
                    self.notes.push(invalid_hcl(&f, &e.to_string()));
                    continue;
                }
            };
            let file = relative(&f, &self.repo_root);
            collect_blocks(&body, &text, &file, &mut out);
        }
        out
    }
}

fn collect_blocks(body: &Body, text: &str, file: &str, out: &mut Blocks) {
    for block in body.blocks() {
        let key = match (block.ident.as_str(), block.labels.as_slice()) {
            ("resource", [t, n]) => format!("{}.{}", t.as_str(), n.as_str()),
            ("data", [t, n]) => format!("data.{}.{}", t.as_str(), n.as_str()),
            ("module", [n]) => format!("module.{}", n.as_str()),
            _ => continue,
        };
        let Some(span) = block.span() else { continue };
        let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
        out.entry(key).or_insert(Location {
            file: file.to_owned(),
            line,
        });
    }
}

/// The note for a `.tf` file that does not parse (the same from every step that reads it).
pub fn invalid_hcl(file: &Path, error: &str) -> String {
    let first = error
        .lines()
        .map(|l| l.trim().trim_start_matches("-->").trim())
        .find(|l| !l.is_empty())
        .unwrap_or("a parse error");
    format!(
        "{}: not valid HCL ({first}); kmsguard skips this file",
        file.display()
    )
}

/// The nearest folder at or above `dir` that holds `.git`.
fn repo_root(dir: &Path) -> PathBuf {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut cur = Some(abs.as_path());
    while let Some(d) = cur {
        if d.join(".git").exists() {
            return d.to_path_buf();
        }
        cur = d.parent();
    }
    std::env::current_dir().unwrap_or_default()
}

/// `path` relative to `root`, with `/` separators; as given where it is not below `root`.
fn relative(path: &Path, root: &Path) -> String {
    let abs = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
    match abs.strip_prefix(normalize(root)) {
        Ok(rel) => slashed(rel),
        Err(_) => path.to_string_lossy().replace('\\', "/"),
    }
}

/// A relative path with `/` separators.
fn slashed(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `dir` relative to `root` (`.` for the root itself), lexically; as given where it is not
/// below `root`.
pub fn relative_to(dir: &Path, root: &Path) -> String {
    let (d, r) = (normalize(dir), normalize(root));
    match d.strip_prefix(&r) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Ok(rel) => slashed(rel),
        Err(_) => dir.to_string_lossy().replace('\\', "/"),
    }
}

/// Removes `.` and resolves `..` lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A module call's local folder: sources starting with `./` or `../`.
fn local_source(source: Option<&str>) -> Option<&str> {
    source.filter(|s| s.starts_with("./") || s.starts_with("../"))
}

/// Finds the resource block of every key.
pub fn locate(config_dirs: &[PathBuf], inputs: &[Input], inv: &Inventory) -> Locations {
    let mut result = Locations::default();
    if config_dirs.is_empty() {
        return result;
    }
    let configs: Vec<Option<&Configuration>> = inputs
        .iter()
        .map(|i| i.doc.raw.configuration.as_ref())
        .collect();
    let mut loc = Locator {
        repo_root: repo_root(&config_dirs[0]),
        dirs: HashMap::new(),
        notes: Vec::new(),
    };
    for (ki, key) in inv.keys.iter().enumerate() {
        let Some(calls) = module_calls(&key.module_address) else {
            continue;
        };
        let block = format!("{}.{}", key.rtype, key.name);
        let config = configs
            .get(key.source)
            .copied()
            .flatten()
            .and_then(|c| c.root_module.as_ref());
        'dirs: for root in config_dirs {
            // Walk down the module calls; stop at the first call that is not local.
            let mut dir = root.clone();
            let mut module = config;
            let mut parent_call: Option<(PathBuf, String)> = None;
            for call in &calls {
                let mc = module.and_then(|m| m.module_calls.get(*call));
                match local_source(mc.and_then(|m| m.source.as_deref())) {
                    Some(src) => {
                        parent_call = Some((dir.clone(), format!("module.{call}")));
                        dir = normalize(&dir.join(src));
                        module = mc.and_then(|m| m.module.as_ref());
                    }
                    None => {
                        // Not a local module: point at the call in the calling module.
                        if let Some(l) = loc.blocks(&dir).get(&format!("module.{call}")) {
                            result.by_key.insert(ki, l.clone());
                            break 'dirs;
                        }
                        continue 'dirs;
                    }
                }
            }
            if let Some(l) = loc.blocks(&dir).get(&block) {
                result.by_key.insert(ki, l.clone());
                break;
            }
            if let Some((parent, call)) = parent_call {
                if let Some(l) = loc.blocks(&parent).get(&call) {
                    result.by_key.insert(ki, l.clone());
                    break;
                }
            }
        }
    }
    result.notes = loc.notes;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes_and_resolve_dots() {
        let root = Path::new("/repo");
        assert_eq!(
            relative(Path::new("/repo/infra/./kms/../main.tf"), root),
            "infra/main.tf"
        );
        assert_eq!(
            relative(Path::new("/elsewhere/x.tf"), root),
            "/elsewhere/x.tf"
        );
    }

    #[test]
    fn finds_blocks_with_their_lines() {
        let text = "# comment\n\nresource \"aws_kms_key\" \"data\" {\n  description = \"x\"\n}\n\nmodule \"kms\" {\n  source = \"./kms\"\n}\n";
        let body = hcl_edit::parser::parse_body(text).unwrap();
        let mut out = Blocks::new();
        collect_blocks(&body, text, "main.tf", &mut out);
        assert_eq!(
            out["aws_kms_key.data"],
            Location {
                file: "main.tf".into(),
                line: 3
            }
        );
        assert_eq!(out["module.kms"].line, 7);
    }

    #[test]
    fn only_relative_sources_are_local() {
        assert_eq!(local_source(Some("./kms")), Some("./kms"));
        assert_eq!(local_source(Some("../shared/kms")), Some("../shared/kms"));
        assert_eq!(local_source(Some("terraform-aws-modules/kms/aws")), None);
        assert_eq!(local_source(None), None);
    }
}
