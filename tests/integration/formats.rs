//! The other report formats: SARIF (validated against the official schema), Markdown,
//! GitHub workflow commands and outputs; several outputs from one run; source locations.

use crate::common::{path_str, run, shared_dir};

const LOCKED: &str = "testdata/examples/lockout/plan.json";
const CONFIG: &str = "testdata/examples/lockout";
const MODULES: &str = "testdata/modules/nested-for-each/plan.json";
const MODULES_CONFIG: &str = "testdata/modules/nested-for-each";
const CLEAN: &str = "testdata/lockout-check-bypassed/bypass-unset/plan.json";

fn stdout(args: &[&str]) -> String {
    let r = run(args);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    r.stdout
}

/// Replaces the version so that snapshots survive a release.
fn unversioned(s: &str) -> String {
    s.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn sarif_with_source_locations() {
    insta::assert_snapshot!(unversioned(&stdout(&[
        "check",
        "--format",
        "sarif",
        "--config-dir",
        CONFIG,
        LOCKED
    ])));
}

#[test]
fn sarif_without_source_points_at_the_plan() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["check", "--format", "sarif", LOCKED])).unwrap();
    let loc = &v["runs"][0]["results"][0]["locations"][0];
    assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], LOCKED);
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "aws_kms_key.data"
    );
}

#[test]
fn sarif_fingerprints_are_stable_across_runs_and_sources() {
    let fp = |args: &[&str]| {
        let v: serde_json::Value = serde_json::from_str(&stdout(args)).unwrap();
        v["runs"][0]["results"][0]["partialFingerprints"].clone()
    };
    let a = fp(&["check", "--format", "sarif", LOCKED]);
    let b = fp(&["check", "--format", "sarif", "--config-dir", CONFIG, LOCKED]);
    assert_eq!(a, b);
    assert!(a["kmsguardFinding/v2"].as_str().unwrap().len() == 16);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let Some(dir) = shared_dir("KMSGUARD_SCHEMAS_DIR", "schemas") else {
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]})),
        "the schema rejects a run without a tool"
    );
    let cases: [&[&str]; 5] = [
        &["check", "--format", "sarif", "--config-dir", CONFIG, LOCKED],
        &["check", "--format", "sarif", MODULES],
        &["check", "--format", "sarif", CLEAN],
        &[
            "check",
            "--format",
            "sarif",
            "testdata/handwritten/truncated-policy.json",
            "no/such/file.json",
        ],
        &[
            "check",
            "--format",
            "sarif",
            "--config-dir",
            MODULES_CONFIG,
            MODULES,
        ],
    ];
    for args in cases {
        let r = run(args);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            kmsguard::RULES.len()
        );
    }
}

#[test]
fn sarif_rules_carry_help_and_security_severity() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["check", "--format", "sarif", CLEAN])).unwrap();
    for rule in v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("docs/rules.md#{id}"))
        );
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            rule["shortDescription"]["text"].is_string()
                && rule["fullDescription"]["text"].is_string()
        );
    }
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(unversioned(&stdout(&[
        "check",
        "--format",
        "markdown",
        "--config-dir",
        MODULES_CONFIG,
        MODULES
    ])));
}

#[test]
fn markdown_report_when_all_is_well() {
    insta::assert_snapshot!(unversioned(&stdout(&[
        "check", "--format", "markdown", CLEAN
    ])));
}

#[test]
fn github_annotations_point_at_tf_lines() {
    let out = stdout(&[
        "check",
        "--format",
        "github",
        "--config-dir",
        CONFIG,
        LOCKED,
    ]);
    insta::assert_snapshot!(out);
    assert!(out.starts_with("::error file=testdata/examples/lockout/kms.tf,line=1,title=kmsguard key-locked-out%3A aws_kms_key.data::"));
}

#[test]
fn github_outputs() {
    assert_eq!(
        stdout(&["check", "--format", "github-output", LOCKED]),
        "verdict=fail\nlocked-out-count=1\n"
    );
    assert_eq!(
        stdout(&["check", "--format", "github-output", CLEAN]),
        "verdict=pass\nlocked-out-count=0\n"
    );
}

#[test]
fn several_outputs_from_one_run() {
    let d = tempfile::tempdir().unwrap();
    let sarif = d.path().join("out.sarif");
    let md = d.path().join("summary.md");
    let text = d.path().join("report.txt");
    std::fs::write(&md, "# earlier content\n").unwrap();
    let r = run(&[
        "check",
        "--color",
        "always",
        "--output",
        &format!("sarif={}", path_str(&sarif)),
        "--append",
        &format!("markdown={}", path_str(&md)),
        "--output",
        &format!("text={}", path_str(&text)),
        LOCKED,
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("\u{1b}["),
        "standard output is coloured as asked"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "key-locked-out");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.starts_with("# earlier content\n❌ **kmsguard**"),
        "appended: {md}"
    );
    let text = std::fs::read_to_string(&text).unwrap();
    assert!(!text.contains('\u{1b}'), "text files are never coloured");
    assert!(text.contains("key-locked-out"));
}

#[test]
fn bad_output_arguments_exit_2() {
    assert_eq!(run(&["check", "--output", "yaml=x", LOCKED]).code, 2);
    assert_eq!(run(&["check", "--output", "sarif", LOCKED]).code, 2);
    assert_eq!(run(&["check", "--output", "sarif=", LOCKED]).code, 2);
    let r = run(&["check", "--output", "sarif=/no/such/dir/out.sarif", LOCKED]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot write /no/such/dir/out.sarif"),
        "{}",
        r.stderr
    );
}

#[test]
fn locations_follow_local_modules() {
    let v: serde_json::Value = serde_json::from_str(&stdout(&[
        "check",
        "--format",
        "sarif",
        "--config-dir",
        MODULES_CONFIG,
        MODULES,
    ]))
    .unwrap();
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "testdata/modules/nested-for-each/modules/platform/modules/kms/main.tf"
    );
    // The `resource "aws_kms_key" "this"` line.
    assert_eq!(loc["region"]["startLine"], 41);
}

#[test]
fn invalid_hcl_is_a_warning_not_a_failure() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("main.tf"),
        "resource \"aws_kms_key\" \"data\" {\n  description = \n",
    )
    .unwrap();
    let r = run(&[
        "check",
        "--format",
        "github",
        "--config-dir",
        path_str(d.path()),
        LOCKED,
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not valid HCL"), "{}", r.stderr);
    assert!(
        r.stdout.starts_with("::error title="),
        "no location: {}",
        r.stdout
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}");
        assert!(r.stdout.contains("kmsguard"), "{shell}");
        assert!(
            r.stdout.contains("config-dir"),
            "{shell}: knows the options"
        );
    }
    let man = run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.starts_with(".ie"), "roff: {}", &man.stdout[..40]);
    assert!(man.stdout.contains("kmsguard"));
}
