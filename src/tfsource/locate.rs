//! Source locations: where in the Terraform code each key's resource block is declared.
//!
//! With `--config-dir DIR` (the root module), kmsguard reads the `.tf` files of the root
//! module and of every local module that its `module` blocks lead to ([`crate::tfsource`]),
//! and finds the `resource "TYPE" "NAME"` block of each key. A resource inside a module that
//! is not local (a registry module) is located at its `module` block instead. Paths are
//! relative to the repository root (the nearest folder above DIR with a `.git`), else to the
//! current directory; a file outside both has no location.

use std::collections::HashMap;
use std::path::Path;

use super::config::{Config, Place};
use super::sandbox::{normalize, slashed};
use crate::plan::address::ResourceAddress;

/// A place in a `.tf` file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// Relative to the repository root, with `/` separators.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// `kmsguard:ignore` comments directly above the block, with their lines.
    #[serde(skip)]
    pub directives: Vec<(usize, String)>,
}

/// Locations of the keys (by their index in the inventory).
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

/// `path` relative to `root`, with `/` separators, if it lies inside `root` (lexically).
pub(crate) fn relative_inside(path: &Path, root: &Path) -> Option<String> {
    let abs = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
    abs.strip_prefix(normalize(root)).ok().map(slashed)
}

/// A place as a location: relative to the repository root when the sandbox is a repository,
/// else to the current directory.
fn location(config: &Config, place: &Place, cwd: Option<&Path>) -> Option<Location> {
    let in_repo = config.sandbox.root().join(".git").exists();
    let file = if in_repo {
        place.file.clone()
    } else {
        relative_inside(&config.sandbox.root().join(&place.file), cwd?)?
    };
    Some(Location {
        file,
        line: place.line,
        directives: place.directives.clone(),
    })
}

/// Finds each key's block in its own workspace's source (`None`: the key's input has none).
pub(crate) fn locate<'a>(
    configs: &[Config],
    keys: impl Iterator<Item = (&'a ResourceAddress, Option<&'a Config>)>,
) -> Locations {
    let mut result = Locations::default();
    let cwd = std::env::current_dir().ok();
    for (ki, (resource, config)) in keys.enumerate() {
        let Some(config) = config else { continue };
        let calls = resource.module.calls();
        let block = resource.block();
        if let Some(place) = find(config, &calls, &block) {
            if let Some(l) = location(config, &place, cwd.as_deref()) {
                result.by_key.insert(ki, l);
            }
        }
    }
    for c in configs {
        result.notes.extend(c.problems());
    }
    result
}

/// The place of `block` in the module that `calls` lead to from the root; the `module` block
/// of the first call that is not local, or the last call, where the block is not found.
fn find(config: &Config, calls: &[&str], block: &str) -> Option<Place> {
    let mut module = config.module(&config.root).ok()?;
    let mut parent_call: Option<Place> = None;
    for call in calls {
        let call_place = module.module_calls.get(*call)?.place.clone();
        match module.call_folder(call) {
            Ok(dir) => match config.module(&dir) {
                Ok(m) => {
                    parent_call = Some(call_place);
                    module = m;
                }
                Err(_) => return Some(call_place),
            },
            Err(_) => return Some(call_place),
        }
    }
    module
        .resources
        .get(block)
        .map(|d| d.place.clone())
        .or(parent_call)
}
