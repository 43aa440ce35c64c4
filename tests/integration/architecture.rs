//! docs/architecture.md promises that the steps import only the ones before them: no import
//! cycle between the folders of src/, nor between the files (or subfolders) of one folder. Unit tests
//! (`#[cfg(test)]` onwards, `tests.rs` files) may use anything, and comments are not imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::repo;

type Module = Vec<String>;

/// Every module of src/ with its code (tests and comments removed).
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_stem().unwrap().to_str().unwrap().to_owned();
        if p.is_dir() {
            if name != "tests" && name != "snapshots" {
                let mut next = prefix.to_vec();
                next.push(name);
                modules(&p, &next, out);
            }
            continue;
        }
        if p.extension().is_none_or(|e| e != "rs") || name == "tests" {
            continue;
        }
        let mut module = prefix.to_vec();
        if name != "mod" && name != "lib" && name != "main" {
            module.push(name);
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let code: String = code
            .lines()
            .map(|l| l.split("//").next().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        out.insert(module, code);
    }
}

/// The module paths a piece of code names after `crate::` or `super::`.
fn imports(module: &Module, code: &str) -> Vec<Module> {
    let mut out = Vec::new();
    for (anchor, base) in [
        ("crate::", Vec::new()),
        ("super::", module[..module.len().saturating_sub(1)].to_vec()),
    ] {
        let mut rest = code;
        while let Some(i) = rest.find(anchor) {
            let before = rest[..i].chars().last();
            rest = &rest[i + anchor.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let mut path = base.clone();
            let mut tail = rest;
            loop {
                let end = tail
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(tail.len());
                if end == 0 {
                    break;
                }
                path.push(tail[..end].to_owned());
                tail = &tail[end..];
                match tail.strip_prefix("::") {
                    Some(t) => tail = t,
                    None => break,
                }
            }
            out.push(path);
        }
    }
    out
}

fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    fn dfs(
        u: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
        found: &mut Vec<Vec<Module>>,
    ) {
        state.insert(u.clone(), 1);
        stack.push(u.clone());
        for v in graph.get(u).into_iter().flatten() {
            match state.get(v) {
                Some(1) => {
                    let at = stack.iter().position(|m| m == v).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(v.clone());
                    found.push(c);
                }
                None => dfs(v, graph, state, stack, found),
                _ => {}
            }
        }
        stack.pop();
        state.insert(u.clone(), 2);
    }
    let (mut state, mut stack, mut found) = (BTreeMap::new(), Vec::new(), Vec::new());
    for u in graph.keys() {
        if !state.contains_key(u) {
            dfs(u, graph, &mut state, &mut stack, &mut found);
        }
    }
    found
}

#[test]
fn no_import_cycles_between_folders_or_between_the_files_of_a_folder() {
    let mut all = BTreeMap::new();
    modules(&repo().join("src"), &[], &mut all);
    assert!(all.len() > 40, "src/ was not read: {} modules", all.len());
    // The longest module a path names.
    let resolve = |path: &Module| -> Option<Module> {
        (1..=path.len())
            .rev()
            .map(|i| path[..i].to_vec())
            .find(|p| all.contains_key(p))
    };
    let mut folders: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut files: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, code) in &all {
        for target in imports(module, code).iter().filter_map(&resolve) {
            if module.is_empty() || target.is_empty() {
                continue;
            }
            // Below their common ancestor, the two subtrees they lie in (a module and its own
            // submodules may use each other: that is how a folder is built).
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue;
            }
            let (a, b) = (module[..=common].to_vec(), target[..=common].to_vec());
            if common == 0 {
                folders.entry(a).or_default().insert(b);
            } else {
                files.entry(a).or_default().insert(b);
            }
        }
    }
    assert!(
        folders
            .get(&vec!["analysis".to_owned()])
            .is_some_and(|d| d.contains(&vec!["policy".to_owned()])),
        "the import scan finds nothing: {folders:?}"
    );
    let show = |c: &Vec<Module>| {
        c.iter()
            .map(|m| m.join("::"))
            .collect::<Vec<_>>()
            .join(" -> ")
    };
    let found: Vec<String> = cycles(&folders)
        .iter()
        .chain(&cycles(&files))
        .map(show)
        .collect();
    assert!(found.is_empty(), "import cycles: {found:#?}");
}
