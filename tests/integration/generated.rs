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
