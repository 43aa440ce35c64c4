//! The Terraform source behind `--config-dir`: read inside a sandbox, parsed once per file,
//! located and evaluated.
//!
//! - [`sandbox`]: which files may be read;
//! - [`syntax`]: the HCL parser (spans kept for locations; linear, nesting bounded);
//! - [`config`]: each module folder's blocks, read on demand;
//! - [`eval`]: expressions, functions, unknown values, the work budget;
//! - [`evaluate`]: variables, locals, module outputs and resources of a module instance;
//! - [`locate`]: the `.tf` line of each key.

pub(crate) mod config;
pub(crate) mod eval;
pub(crate) mod evaluate;
pub(crate) mod locate;
pub(crate) mod sandbox;
pub(crate) mod syntax;

/// The stack the source is parsed and evaluated on: deep enough for [`syntax::MAX_NESTING`]
/// and [`eval::MAX_DEPTH`]. It is reserved, not used: only the pages touched count.
pub(crate) const STACK_BYTES: usize = 1 << 30;

/// Runs `f` on a thread with a stack of [`STACK_BYTES`], so that deeply nested source can be
/// parsed, evaluated and dropped without overflowing; falls back to the calling thread if
/// such a thread cannot be made.
pub fn with_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let job = std::sync::Mutex::new(Some(f));
    let take = || job.lock().ok().and_then(|mut j| j.take());
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("kmsguard".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(s, || take().map(|f| f()));
        let done = match spawned {
            Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            Err(_) => None,
        };
        match done {
            Some(v) => v,
            None => take()
                .map(|f| f())
                .expect("the job runs on one thread or the other"),
        }
    })
}
