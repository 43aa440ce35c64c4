//! The folder kmsguard may read source from.
//!
//! `.tf` files, module folders and the files that `file()` and `templatefile()` name are read
//! only when they are regular files whose real path (symbolic links resolved) lies inside the
//! sandbox: the repository that holds the `--config-dir` folder (the nearest folder above it
//! with a `.git`), or that folder itself when it is in no repository. Inside it, nothing
//! under `.git` (a CI checkout keeps its token in `.git/config`) or `.terraform` (backend
//! settings, downloaded code) is read. Files are size-capped; devices, pipes and `/proc` are
//! never read. A file's content is never quoted in a message.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest `.tf` file read.
pub(crate) const MAX_TF_BYTES: u64 = 8 << 20;
/// The largest file `file()` / `templatefile()` read (a key policy is at most 32 KiB).
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 20;

/// Folders inside the sandbox that are never read.
const FORBIDDEN: &[&str] = &[".git", ".terraform"];

/// Why a file or folder is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// It does not exist or cannot be opened.
    Missing(String),
    /// Its real path is outside the sandbox.
    Outside,
    /// It is in `.git` or `.terraform`.
    Forbidden(&'static str),
    /// Not a regular file (a device, a pipe, a folder) or not a folder.
    NotRegular,
    TooLarge(u64),
    /// Not UTF-8 text.
    NotText,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Missing(e) => write!(f, "cannot be read ({e})"),
            Refusal::Outside => f.write_str(
                "is outside the folder kmsguard reads source from (the repository around --config-dir)",
            ),
            Refusal::Forbidden(d) => write!(f, "is inside {d}, which kmsguard never reads"),
            Refusal::NotRegular => f.write_str("is not a regular file"),
            Refusal::TooLarge(max) => write!(f, "is larger than {max} bytes"),
            Refusal::NotText => f.write_str("is not UTF-8 text"),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Sandbox {
    /// Canonical.
    root: PathBuf,
}

impl Sandbox {
    /// The sandbox around a `--config-dir` folder, which must exist.
    pub(crate) fn around(config_dir: &Path) -> Result<Sandbox, String> {
        let dir = std::fs::canonicalize(config_dir)
            .map_err(|e| format!("--config-dir {}: {}", &config_dir.to_string_lossy(), e))?;
        if !dir.is_dir() {
            return Err(format!(
                "--config-dir {}: not a folder",
                &config_dir.to_string_lossy()
            ));
        }
        let root = dir
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&dir)
            .to_path_buf();
        Ok(Sandbox { root })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The real path of `path` if it may be read.
    fn admit(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let real =
            std::fs::canonicalize(path).map_err(|e| Refusal::Missing(e.kind().to_string()))?;
        let rel = real
            .strip_prefix(&self.root)
            .map_err(|_| Refusal::Outside)?;
        for c in rel.components() {
            if let Component::Normal(name) = c {
                if let Some(f) = FORBIDDEN.iter().find(|f| name == **f) {
                    return Err(Refusal::Forbidden(f));
                }
            }
        }
        Ok(real)
    }

    /// A folder inside the sandbox, by its real path.
    pub(crate) fn folder(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let real = self.admit(path)?;
        if !real.is_dir() {
            return Err(Refusal::NotRegular);
        }
        Ok(real)
    }

    /// The text of a regular file inside the sandbox, up to `max` bytes.
    pub(crate) fn read(&self, path: &Path, max: u64) -> Result<String, Refusal> {
        let real = self.admit(path)?;
        let meta = std::fs::metadata(&real).map_err(|e| Refusal::Missing(e.kind().to_string()))?;
        if !meta.is_file() {
            return Err(Refusal::NotRegular);
        }
        if meta.len() > max {
            return Err(Refusal::TooLarge(max));
        }
        let file =
            std::fs::File::open(&real).map_err(|e| Refusal::Missing(e.kind().to_string()))?;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Err(Refusal::NotRegular);
        }
        let mut bytes = Vec::new();
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Refusal::Missing(e.kind().to_string()))?;
        if bytes.len() as u64 > max {
            return Err(Refusal::TooLarge(max));
        }
        String::from_utf8(bytes).map_err(|_| Refusal::NotText)
    }

    /// The `.tf` files of a folder (regular files, or links to them inside the sandbox), in
    /// name order.
    pub(crate) fn tf_files(&self, dir: &Path) -> Result<Vec<PathBuf>, Refusal> {
        let entries = std::fs::read_dir(dir).map_err(|e| Refusal::Missing(e.kind().to_string()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        Ok(files)
    }

    /// A path relative to the sandbox root, with `/` separators.
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        Some(slashed(rel))
    }
}

/// A relative path with `/` separators (`.` for an empty one).
pub(crate) fn slashed(rel: &Path) -> String {
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() { ".".to_owned() } else { s }
}

/// Removes `.` and resolves `..` lexically, as Terraform joins module paths.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Symbolic links as Unix makes them (the integration tests are Unix-only too).
    #[cfg(unix)]
    #[test]
    fn reads_inside_and_refuses_outside_links_git_and_devices() {
        let outer = tempfile::tempdir().unwrap();
        let repo = outer.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("infra/.terraform")).unwrap();
        std::fs::write(repo.join(".git/config"), "token").unwrap();
        std::fs::write(repo.join("infra/.terraform/x"), "x").unwrap();
        std::fs::write(repo.join("infra/policy.json"), "{}").unwrap();
        std::fs::write(outer.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(outer.path().join("secret"), repo.join("infra/link")).unwrap();
        std::os::unix::fs::symlink("policy.json", repo.join("infra/inner-link")).unwrap();
        let s = Sandbox::around(&repo.join("infra")).unwrap();
        assert_eq!(s.root(), std::fs::canonicalize(&repo).unwrap());
        let infra = repo.join("infra");
        assert_eq!(s.read(&infra.join("policy.json"), 10).unwrap(), "{}");
        assert_eq!(s.read(&infra.join("inner-link"), 10).unwrap(), "{}");
        assert_eq!(s.read(&infra.join("link"), 10), Err(Refusal::Outside));
        assert_eq!(
            s.read(&infra.join("../../secret"), 10),
            Err(Refusal::Outside)
        );
        assert_eq!(
            s.read(&infra.join("../.git/config"), 10),
            Err(Refusal::Forbidden(".git"))
        );
        assert_eq!(
            s.read(&infra.join(".terraform/x"), 10),
            Err(Refusal::Forbidden(".terraform"))
        );
        assert_eq!(
            s.read(Path::new("/proc/self/environ"), 10),
            Err(Refusal::Outside)
        );
        assert_eq!(
            s.read(&infra.join("policy.json"), 1),
            Err(Refusal::TooLarge(1))
        );
        assert!(matches!(
            s.read(&infra.join("nope"), 1),
            Err(Refusal::Missing(_))
        ));
        assert_eq!(s.read(&infra, 1), Err(Refusal::NotRegular));
        assert!(Sandbox::around(&outer.path().join("missing")).is_err());
    }

    #[test]
    fn normalizes_like_terraform() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(slashed(Path::new("")), ".");
    }
}
