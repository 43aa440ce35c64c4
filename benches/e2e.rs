//! End-to-end benchmark over plans from `../shared/bench/gen_plan.py`.
//!
//! `cargo bench --bench e2e` generates plans of 1k, 10k and 50k resources on demand (into
//! `target/bench-data/`, never committed), then for each size runs, as separate processes
//! and several times each:
//!
//! - `kmsguard check --format json PLAN` (the whole tool);
//! - the floor: reading the file and deserializing it into `serde::de::IgnoredAny`;
//! - for reference: deserializing it into `serde_json::Value`.
//!
//! It prints the median wall time, throughput and peak memory (the child's max RSS) of each,
//! the ratio to the floor, and checks that the keys kmsguard finds unmanageable are exactly
//! the generator's expected lock-outs.
//!
//! Environment: `KMSGUARD_BENCH_SIZES` (e.g. `1000,10000`), `KMSGUARD_BENCH_RUNS` (default 5),
//! `KMSGUARD_GEN_PLAN` (path to gen_plan.py; default `../shared/bench/gen_plan.py`).

#![allow(clippy::print_stdout, clippy::print_stderr)]
// wait4 is the one way to read a child's peak memory; the tool itself has no unsafe code.
#![allow(unsafe_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--floor") {
        floor(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    // `cargo test` runs benches in test mode; only `cargo bench` measures.
    if !args.iter().any(|a| a == "--bench") {
        println!("e2e: run with `cargo bench --bench e2e`");
        return;
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let generator = std::env::var_os("KMSGUARD_GEN_PLAN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/bench/gen_plan.py"));
    if !generator.is_file() {
        eprintln!(
            "skipped: {} is absent (set KMSGUARD_GEN_PLAN)",
            generator.display()
        );
        return;
    }
    let sizes: Vec<usize> = std::env::var("KMSGUARD_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000,50000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("KMSGUARD_BENCH_SIZES: numbers"))
        .collect();
    let runs: usize = std::env::var("KMSGUARD_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let data = repo.join("target/bench-data");
    std::fs::create_dir_all(&data).unwrap();
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_kmsguard"));
    let me = std::env::current_exe().unwrap();

    println!(
        "{:>7} {:>9} | {:>22} | {:>20} | {:>20} | {:>6} {:>6}",
        "size",
        "file MB",
        "kmsguard s (MB/s) MB",
        "IgnoredAny s  MB",
        "Value s  MB",
        "t/fl",
        "m/in"
    );
    for n in sizes {
        let plan = data.join(format!("plan-{n}.json"));
        if !plan.is_file() {
            eprintln!("generating {} ...", plan.display());
            let ok = Command::new("python3")
                .arg(&generator)
                .args(["--resources", &n.to_string(), "--seed", "1", "-o"])
                .arg(&plan)
                .status()
                .expect("python3 runs");
            assert!(ok.success(), "gen_plan.py failed");
        }
        let mb = std::fs::metadata(&plan).unwrap().len() as f64 / 1e6;
        check_answer(&exe, &plan);
        let tool = measure(runs, || {
            let mut c = Command::new(&exe);
            c.args(["check", "--format", "json", "--fail-on", "never"])
                .arg(&plan);
            c
        });
        let ignored = measure(runs, || {
            let mut c = Command::new(&me);
            c.args(["--floor", "ignored"]).arg(&plan);
            c
        });
        let low = measure(runs, || {
            let mut c = Command::new(&exe);
            c.args([
                "check",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--low-memory",
            ])
            .arg(&plan);
            c
        });
        let value = measure(runs, || {
            let mut c = Command::new(&me);
            c.args(["--floor", "value"]).arg(&plan);
            c
        });
        println!(
            "{:>7} {:>9.1} | {:>7.3} ({:>5.0}) {:>6.0} | {:>11.3} {:>6.0} | {:>11.3} {:>6.0} | {:>6.2} {:>6.2} | {:>11.3} {:>6.0}",
            n,
            mb,
            tool.0.as_secs_f64(),
            mb / tool.0.as_secs_f64(),
            tool.1,
            ignored.0.as_secs_f64(),
            ignored.1,
            value.0.as_secs_f64(),
            value.1,
            tool.0.as_secs_f64() / ignored.0.as_secs_f64(),
            tool.1 / mb,
            low.0.as_secs_f64(),
            low.1,
        );
    }
    println!(
        "t/fl = kmsguard time / IgnoredAny floor time; m/in = kmsguard peak memory / input size"
    );
}

/// The floor programs, run as children of the benchmark.
fn floor(kind: &str, path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    match kind {
        "ignored" => {
            let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes).unwrap();
        }
        "value" => {
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            std::hint::black_box(&v);
        }
        _ => panic!("unknown floor {kind}"),
    }
}

/// Median wall time and the largest peak RSS (MB) over `runs` runs, after one warm-up.
// The child is reaped by `wait4` (for its rusage), which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn measure(runs: usize, cmd: impl Fn() -> Command) -> (Duration, f64) {
    let mut times = Vec::new();
    let mut peak = 0f64;
    for i in 0..=runs {
        let start = Instant::now();
        let child = cmd()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (status, maxrss_kb) = wait_rusage(child.id() as i32);
        let t = start.elapsed();
        assert!(
            status == 0 || status == 1,
            "benchmark child failed with {status}"
        );
        if i > 0 {
            times.push(t);
            peak = peak.max(maxrss_kb as f64 / 1024.0);
        }
    }
    times.sort();
    (times[times.len() / 2], peak)
}

/// Waits for a child and returns its exit status and max RSS in KiB.
fn wait_rusage(pid: i32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: rusage is plain data (all-zero is valid); wait4 gets pointers to live locals.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

/// The keys kmsguard finds unmanageable (`locked_out` or `recoverable`) must be exactly the
/// generator's `locked_out` list.
fn check_answer(exe: &Path, plan: &Path) {
    let out = Command::new(exe)
        .args(["check", "--format", "json"])
        .arg(plan)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected_path = plan.as_os_str().to_owned();
    expected_path.push(".expected.json");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(expected_path).unwrap()).unwrap();
    let want: BTreeSet<&str> = expected["locked_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let keys = report["keys"].as_array().unwrap();
    let of = |verdict: &str| -> BTreeSet<&str> {
        keys.iter()
            .filter(|k| k["verdict"] == verdict)
            .map(|k| k["address"].as_str().unwrap())
            .collect()
    };
    let (locked, recoverable) = (of("locked_out"), of("recoverable"));
    let got: BTreeSet<&str> = locked.union(&recoverable).copied().collect();
    assert_eq!(
        got,
        want,
        "unmanageable keys differ from {}",
        plan.display()
    );
    println!(
        "answer ok for {}: {} expected lock-outs = {} locked_out + {} recoverable",
        plan.file_name().unwrap().to_string_lossy(),
        want.len(),
        locked.len(),
        recoverable.len()
    );
}
