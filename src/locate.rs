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
            let body = match parse_tf(&text) {
                Ok(b) => b,
                Err(e) => {
                    self.notes.push(invalid_hcl(&f, &e));
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

/// Parses a `.tf` file's text into hcl-edit's syntax tree, refusing first what the parser
/// would spend exponential time on.
pub fn parse_tf(text: &str) -> Result<Body, String> {
    check_brackets(text)?;
    hcl_edit::parser::parse_body(text).map_err(|e| e.to_string())
}

/// Checks that brackets nest properly outside strings, comments and heredocs (interpolations
/// inside strings included). The HCL parser backtracks exponentially over unclosed braces
/// (the fuzzer found 642 bytes that take seconds), and no valid file has them.
pub fn check_brackets(text: &str) -> Result<(), String> {
    scan_brackets(text, false)
}

/// The same for a template file's text (`templatefile`): literal text with `${…}` and
/// `%{…}` sequences.
pub fn check_template_brackets(text: &str) -> Result<(), String> {
    scan_brackets(text, true)
}

fn scan_brackets(text: &str, template: bool) -> Result<(), String> {
    #[derive(PartialEq)]
    enum Frame {
        Open(u8),
        /// `${` or `%{` inside a string: `}` returns to the string.
        Interpolation,
        Str,
        /// The whole text of a template file.
        Template,
    }
    let b = text.as_bytes();
    let line_of = |i: usize| text[..i].matches('\n').count() + 1;
    let mut stack: Vec<Frame> = Vec::new();
    if template {
        stack.push(Frame::Template);
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let in_text = matches!(stack.last(), Some(Frame::Str | Frame::Template));
        if in_text {
            let quoted = stack.last() == Some(&Frame::Str);
            match (c, next) {
                (b'\\', _) if quoted => i += 1,
                (b'"', _) if quoted => {
                    stack.pop();
                }
                (b'$' | b'%', Some(b'{')) if b.get(i.wrapping_sub(1)) != Some(&c) => {
                    stack.push(Frame::Interpolation);
                    i += 1;
                }
                (b'\n', _) if quoted => {
                    return Err(format!("line {}: unterminated string", line_of(i)));
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match (c, next) {
            (b'#', _) | (b'/', Some(b'/')) => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            (b'/', Some(b'*')) => {
                let end = text[i + 2..]
                    .find("*/")
                    .ok_or_else(|| format!("line {}: unterminated comment", line_of(i)))?;
                i += 2 + end + 2;
                continue;
            }
            (b'"', _) => stack.push(Frame::Str),
            (b'<', Some(b'<')) => {
                // A heredoc: `<<EOT` or `<<-EOT`, up to a line that is the marker alone.
                let rest = &text[i + 2..];
                let rest = rest.strip_prefix('-').unwrap_or(rest);
                let marker: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !marker.is_empty() {
                    let start = text[i..].find('\n').map_or(b.len(), |n| i + n + 1);
                    let mut pos = start;
                    let mut found = None;
                    while pos < b.len() {
                        let end = text[pos..].find('\n').map_or(b.len(), |n| pos + n);
                        if text[pos..end].trim() == marker {
                            found = Some(end);
                            break;
                        }
                        pos = end + 1;
                    }
                    i = found.ok_or_else(|| {
                        format!("line {}: heredoc {marker} is not closed", line_of(i))
                    })?;
                    continue;
                }
            }
            (b'(' | b'[' | b'{', _) => stack.push(Frame::Open(c)),
            (b')' | b']' | b'}', _) => {
                let want = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match stack.pop() {
                    Some(Frame::Open(o)) if o == want => {}
                    Some(Frame::Interpolation) if c == b'}' => {}
                    _ => {
                        return Err(format!("line {}: unbalanced {:?}", line_of(i), c as char));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    match stack.last() {
        None => Ok(()),
        Some(Frame::Template) if stack.len() == 1 => Ok(()),
        Some(Frame::Str) => Err("a string is not closed".into()),
        Some(_) => Err("a bracket is not closed".into()),
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
    fn brackets_are_checked_outside_strings_comments_and_heredocs() {
        let valid = r#"
# a comment with { and (
// another }
/* a block comment ] */
locals {
  a = "x ${lookup(var.m, "}")} y $${literal} %%{ also } %{ if true }z%{ endif }"
  b = [for x in var.l : { k = x }]
  c = <<-EOT
    {"unbalanced": [ in a heredoc
    EOT
  d = jsonencode({ Statement = [{ Effect = "Allow" }] })
  e = { for k, v in merge(local.a, var.b) : k => { name = "alias/${v}" } if var.create }
  f = try(aws_kms_key.this[0].key_id, "") # see https://example.com/a#b
  g = "a // not a comment # nor this /* nor this"
  h = "escaped \" quote { and $${not} an interpolation"
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = length(var.admins) > 0 ? [1] : []
    content {
      sid = "KeyAdministration"
      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
      }
      dynamic "condition" {
        for_each = var.sources
        content {
          values = [try(condition.value.arn, "arn:${local.partition}:route53:::hostedzone/*")]
        }
      }
    }
  }
}
"#;
        assert_eq!(check_brackets(valid), Ok(()));
        for text in std::fs::read_dir("testdata")
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|d| walk(&d.path()))
        {
            assert_eq!(check_brackets(&text.1), Ok(()), "{}", text.0.display());
        }
        assert!(check_brackets("a = {\n").is_err());
        assert!(check_brackets("a = [)\n").is_err());
        assert!(check_brackets("a = \"open\n").is_err());
        assert!(check_brackets("a = <<EOT\nno end\n").is_err());
        assert!(check_brackets("/* open").is_err());
        assert!(check_brackets("}").is_err());
        assert_eq!(
            check_template_brackets("{\"a\": \"${x}\", %{ if y }\"b\"%{ endif } }\n"),
            Ok(())
        );
        assert!(check_template_brackets("a ${ b\nc").is_err());
    }

    /// Every `.tf` file below a folder, with its text.
    fn walk(p: &Path) -> Vec<(PathBuf, String)> {
        if p.is_dir() {
            std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|e| walk(&e.path()))
                .collect()
        } else if p.extension().is_some_and(|e| e == "tf") {
            vec![(p.to_path_buf(), std::fs::read_to_string(p).unwrap())]
        } else {
            Vec::new()
        }
    }

    #[test]
    fn unclosed_braces_are_refused_at_once_instead_of_backtracking() {
        // The shape the fuzzer found: lines that open braces and never close them.
        let text = "  on   = 016-10-{\n  oo/{\n".repeat(40);
        assert!(parse_tf(&text).is_err());
    }

    #[test]
    fn only_relative_sources_are_local() {
        assert_eq!(local_source(Some("./kms")), Some("./kms"));
        assert_eq!(local_source(Some("../shared/kms")), Some("../shared/kms"));
        assert_eq!(local_source(Some("terraform-aws-modules/kms/aws")), None);
        assert_eq!(local_source(None), None);
    }
}
