//! End-to-end benchmark over generated plans with a known answer.
//!
//! `cargo bench --bench e2e` generates plans of 1k, 10k and 50k resources on demand with the
//! generator in `tests/integration/plan_gen.rs` (into Cargo's temporary folder for benchmarks,
//! `CARGO_TARGET_TMPDIR`, never committed), then for each size runs, as separate processes
//! and several times each:
//!
//! - `kmsguard check --format json PLAN` (the whole tool), and with `--low-memory`;
//! - the floor: reading the file and deserializing it into `serde::de::IgnoredAny`;
//! - for reference: deserializing it into `serde_json::Value`;
//! - with `KMSGUARD_BENCH_BASELINE=path/to/another/kmsguard`: that binary too, on the same
//!   plans in the same run, and the ratio of the two (how a change is held to a budget).
//!
//! It prints the median wall time, throughput and peak memory (the child's max RSS) of each,
//! the ratio to the floor, and checks that the keys kmsguard finds unmanageable are exactly
//! the generator's expected lock-outs.
//!
//! Then it audits a generated live account (`tests/integration/live_gen.rs`: an account
//! export and a keys document, `KMSGUARD_BENCH_LIVE=ROLESxKEYS`, default 5000 roles and 2000
//! keys), checks the answer and prints the median time and peak memory.
//!
//! Environment: `KMSGUARD_BENCH_SIZES` (e.g. `1000,10000`), `KMSGUARD_BENCH_RUNS` (default 5),
//! `KMSGUARD_BENCH_BASELINE`, and `KMSGUARD_GEN_PLAN` to take plans from another generator
//! (a program called as `GEN --resources N --seed 1 -o PLAN` that writes `PLAN.expected.json`
//! with a `locked_out` list) instead of the built-in one.

#![allow(clippy::print_stdout, clippy::print_stderr)]
// wait4 is the one way to read a child's peak memory; the tool itself has no unsafe code.
#![allow(unsafe_code)]

#[path = "../../tests/integration/live_gen.rs"]
mod live_gen;
#[path = "../../tests/integration/plan_gen.rs"]
mod plan_gen;

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
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        generate(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--generate-live") {
        generate_live(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    // `cargo test` runs benches in test mode; only `cargo bench` measures.
    if !args.iter().any(|a| a == "--bench") {
        println!("e2e: run with `cargo bench --bench e2e`");
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
    let baseline = std::env::var_os("KMSGUARD_BENCH_BASELINE").map(PathBuf::from);
    let external = std::env::var_os("KMSGUARD_GEN_PLAN").map(PathBuf::from);
    let data = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(match external {
        Some(_) => "bench-data-external",
        None => "bench-data",
    });
    std::fs::create_dir_all(&data).unwrap();
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_kmsguard"));
    let me = std::env::current_exe().unwrap();

    println!(
        "{:>7} {:>9} | {:>22} | {:>13} | {:>13} | {:>13} | {:>5} {:>5}{}",
        "size",
        "file MB",
        "kmsguard s (MB/s) MB",
        "low-mem s MB",
        "IgnoredAny",
        "Value",
        "t/fl",
        "m/in",
        if baseline.is_some() {
            " | baseline s  MB | time ratio"
        } else {
            ""
        }
    );
    for n in sizes {
        let plan = data.join(format!("plan-{n}.json"));
        if !plan.is_file() {
            eprintln!("generating {} ...", plan.display());
            write_plan(external.as_deref(), n, &plan);
        }
        let mb = std::fs::metadata(&plan).unwrap().len() as f64 / 1e6;
        check_answer(&exe, &plan);
        if let Some(b) = &baseline {
            check_answer(b, &plan);
        }
        let check = |bin: &Path, low_memory: bool| {
            let bin = bin.to_owned();
            let plan = plan.clone();
            move || {
                let mut c = Command::new(&bin);
                c.args(["check", "--format", "json", "--fail-on", "never"]);
                if low_memory {
                    c.arg("--low-memory");
                }
                c.arg(&plan);
                c
            }
        };
        let floor_of = |kind: &'static str| {
            let me = me.clone();
            let plan = plan.clone();
            move || {
                let mut c = Command::new(&me);
                c.args(["--floor", kind]).arg(&plan);
                c
            }
        };
        // Alternate the tool and the baseline, so that both see the same machine.
        let (tool, base) = match &baseline {
            Some(b) => {
                let (t, b) = measure_pair(runs, check(&exe, false), check(b, false));
                (t, Some(b))
            }
            None => (measure(runs, check(&exe, false)), None),
        };
        let low = measure(runs, check(&exe, true));
        let ignored = measure(runs, floor_of("ignored"));
        let value = measure(runs, floor_of("value"));
        let secs = |d: Duration| d.as_secs_f64();
        let mut line = format!(
            "{:>7} {:>9.1} | {:>7.3} ({:>5.0}) {:>6.0} | {:>6.3} {:>6.0} | {:>6.3} {:>6.0} | {:>6.3} {:>6.0} | {:>5.2} {:>5.2}",
            n,
            mb,
            secs(tool.0),
            mb / secs(tool.0),
            tool.1,
            secs(low.0),
            low.1,
            secs(ignored.0),
            ignored.1,
            secs(value.0),
            value.1,
            secs(tool.0) / secs(ignored.0),
            tool.1 / mb,
        );
        if let Some(b) = base {
            line.push_str(&format!(
                " | {:>6.3} {:>6.0} | {:>10.3}",
                secs(b.0),
                b.1,
                secs(tool.0) / secs(b.0)
            ));
        }
        println!("{line}");
    }
    live(&exe, &me, &data, runs);
    println!(
        "t/fl = kmsguard time / IgnoredAny floor time; m/in = kmsguard peak memory / input size{}",
        if baseline.is_some() {
            "; time ratio = kmsguard / baseline (median wall time)"
        } else {
            ""
        }
    );
}

/// Writes a plan of `n` resources and its answer (`PLAN.expected.json`), in a child process:
/// the memory the generator uses must not count in the peak memory of the children measured
/// later (on Linux a child's max RSS starts from its parent's).
fn write_plan(external: Option<&Path>, n: usize, plan: &Path) {
    let ok = match external {
        Some(generator) => Command::new(generator)
            .args(["--resources", &n.to_string(), "--seed", "1", "-o"])
            .arg(plan)
            .status(),
        None => Command::new(std::env::current_exe().unwrap())
            .args(["--generate", &n.to_string()])
            .arg(plan)
            .status(),
    };
    assert!(
        ok.expect("the generator runs").success(),
        "generating {} failed",
        plan.display()
    );
}

/// The live-account audit: an account export and a keys document (`KMSGUARD_BENCH_LIVE`,
/// `ROLESxKEYS`, default `5000x2000`; `0` skips it), checked against the generator's answer.
fn live(exe: &Path, me: &Path, data: &Path, runs: usize) {
    let spec = std::env::var("KMSGUARD_BENCH_LIVE").unwrap_or_else(|_| "5000x2000".into());
    if spec == "0" {
        return;
    }
    let dir = data.join(format!("live-{spec}"));
    if !dir.join("keys.json").is_file() {
        let ok = Command::new(me)
            .args(["--generate-live", &spec])
            .arg(&dir)
            .status()
            .expect("the generator runs");
        assert!(ok.success());
    }
    let (account, keys) = (dir.join("account.json"), dir.join("keys.json"));
    let out = Command::new(exe)
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(&account)
        .arg(&keys)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    for verdict in ["locked_out", "recoverable"] {
        let got: BTreeSet<&str> = report["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["verdict"] == verdict)
            .map(|k| k["address"].as_str().unwrap())
            .collect();
        let want: BTreeSet<&str> = expected[verdict]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(got, want, "live {spec}: {verdict} keys differ");
    }
    let mb = (std::fs::metadata(&account).unwrap().len() + std::fs::metadata(&keys).unwrap().len())
        as f64
        / 1e6;
    let (t, peak) = measure(runs, || {
        let mut c = Command::new(exe);
        c.args(["check", "--format", "json", "--fail-on", "never"])
            .arg(&account)
            .arg(&keys);
        c
    });
    println!(
        "live audit {spec} (roles x keys, {mb:.1} MB): {:.3} s, {peak:.0} MB peak",
        t.as_secs_f64()
    );
}

/// The live generator, run as a child of the benchmark.
fn generate_live(spec: &str, dir: &Path) {
    let (roles, keys) = spec
        .split_once('x')
        .and_then(|(r, k)| Some((r.parse().ok()?, k.parse().ok()?)))
        .expect("KMSGUARD_BENCH_LIVE: ROLESxKEYS");
    let live = live_gen::generate(roles, keys);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("account.json"), &live.account).unwrap();
    std::fs::write(dir.join("keys.json"), &live.keys).unwrap();
    std::fs::write(
        dir.join("expected.json"),
        serde_json::json!({"locked_out": live.locked_out, "recoverable": live.recoverable})
            .to_string(),
    )
    .unwrap();
}

/// The built-in generator, run as a child of the benchmark.
fn generate(n: &str, plan: &Path) {
    let n: usize = n.parse().expect("a number of resources");
    let partial = plan.with_extension("partial");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&partial).unwrap());
    let locked_out = plan_gen::write_plan(n, 1, &mut file).unwrap();
    drop(file);
    let mut expected_path = plan.as_os_str().to_owned();
    expected_path.push(".expected.json");
    std::fs::write(
        &expected_path,
        serde_json::json!({ "locked_out": locked_out }).to_string(),
    )
    .unwrap();
    std::fs::rename(&partial, plan).unwrap();
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
        let (t, rss) = run_once(&cmd);
        if i > 0 {
            times.push(t);
            peak = peak.max(rss);
        }
    }
    times.sort();
    (times[times.len() / 2], peak)
}

/// One run: wall time and peak RSS (MB).
#[allow(clippy::zombie_processes)]
fn run_once(cmd: &dyn Fn() -> Command) -> (Duration, f64) {
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
    (t, maxrss_kb as f64 / 1024.0)
}

/// Like [`measure`] for two commands, run alternately.
fn measure_pair(
    runs: usize,
    a: impl Fn() -> Command,
    b: impl Fn() -> Command,
) -> ((Duration, f64), (Duration, f64)) {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    let (mut pa, mut pb) = (0f64, 0f64);
    for i in 0..=runs {
        for (cmd, times, peak) in [
            (&a as &dyn Fn() -> Command, &mut ta, &mut pa),
            (&b, &mut tb, &mut pb),
        ] {
            let (t, rss) = run_once(cmd);
            if i > 0 {
                times.push(t);
                *peak = peak.max(rss);
            }
        }
    }
    ta.sort();
    tb.sort();
    ((ta[ta.len() / 2], pa), (tb[tb.len() / 2], pb))
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
