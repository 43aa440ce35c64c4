//! The benchmark's plan generator (`plan_gen.rs`, shared with `benches/e2e`): its plans are
//! read as real plans and kmsguard finds exactly the keys it says the apply leaves
//! unmanageable, so a benchmark run that checks its answer checks something.

use std::collections::BTreeSet;

use crate::common::{kmsguard, path_str};
use crate::plan_gen::write_plan;

fn unmanageable(report: &serde_json::Value) -> BTreeSet<String> {
    report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["verdict"] == "locked_out" || k["verdict"] == "recoverable")
        .map(|k| k["address"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn generated_plans_have_exactly_the_expected_lockouts() {
    let dir = tempfile::tempdir().unwrap();
    for (resources, seed) in [(300, 1), (1_000, 7)] {
        let path = dir.path().join(format!("plan-{resources}.json"));
        let mut bytes = Vec::new();
        let expected = write_plan(resources, seed, &mut bytes).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            expected.len() >= resources / 400,
            "{resources}: only {} lock-outs",
            expected.len()
        );

        let out = kmsguard()
            .args(["check", "--format", "json", path_str(&path)])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(report["errors"].as_array().unwrap().is_empty());
        assert_eq!(
            report["inputs"][0]["notes"].as_array().unwrap().len(),
            0,
            "{:?}",
            report["inputs"]
        );
        let got = unmanageable(&report);
        let want: BTreeSet<String> = expected.iter().cloned().collect();
        assert_eq!(got, want, "{resources} resources, seed {seed}");
        // Both ways a key is lost (given three lock-outs or more): a principal named in
        // Principal, and one matched by a condition (which an administrator can create again).
        let verdicts: BTreeSet<&str> = report["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| want.contains(k["address"].as_str().unwrap()))
            .map(|k| k["verdict"].as_str().unwrap())
            .collect();
        if want.len() >= 3 {
            assert_eq!(verdicts, BTreeSet::from(["locked_out", "recoverable"]));
        }

        // The same arguments give the same bytes.
        let mut again = Vec::new();
        write_plan(resources, seed, &mut again).unwrap();
        assert!(again == bytes, "the generator is not deterministic");
    }
}

/// A 10k-resource plan stays readable everywhere a team looks (#12): the text log with `-q`
/// is at most 200 lines, the annotations stay within GitHub's limits (10 errors and 10
/// warnings per step, and one notice), the Markdown summary fits a comment (< 65,536
/// characters), and the JSON report still has exactly the expected lock-outs.
#[test]
fn a_10k_plan_gives_bounded_logs_annotations_and_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan-10000.json");
    let mut bytes = Vec::new();
    let expected = write_plan(10_000, 42, &mut bytes).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let p = path_str(&path);
    let run = |args: &[&str]| {
        let out = kmsguard().args(args).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["check", "-q", "--color", "never", p]);
    let lines = text.lines().count();
    assert!(lines <= 200, "{lines} lines with -q");
    // Every lock-out is still in the quiet log.
    for address in &expected {
        assert!(text.contains(address.as_str()), "{address} missing from -q");
    }
    let normal = run(&["check", "--color", "never", p]).lines().count();
    assert!(
        normal > lines,
        "-q says less than the default ({normal} lines)"
    );

    let annotations = run(&["check", "--format", "github", p]);
    let count = |level: &str| {
        annotations
            .lines()
            .filter(|l| l.starts_with(&format!("::{level} ")))
            .count()
    };
    assert!(
        count("error") <= 10 && count("warning") <= 10,
        "{annotations}"
    );
    assert_eq!(count("notice"), 1, "one notice says how many more");

    let markdown = run(&["check", "--format", "markdown", p]);
    assert!(
        markdown.chars().count() < 65_536,
        "{} characters",
        markdown.chars().count()
    );
    assert!(markdown.contains("are not shown"), "the cut is said");

    let report: serde_json::Value =
        serde_json::from_str(&run(&["check", "--format", "json", p])).unwrap();
    let want: BTreeSet<String> = expected.iter().cloned().collect();
    assert_eq!(unmanageable(&report), want);
}
