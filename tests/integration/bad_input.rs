//! Bad input never panics: each gets one clear line naming the file, exit code 2, and the
//! other inputs are still checked and reported.

use std::io::Write;

use crate::common::{json, path_str, run};

const GOOD: &str = "testdata/key-locked-out/role-replaced/plan.json";

fn temp(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f
}

/// Runs the binary on a bad input next to a good one and checks the contract.
fn refused(bytes: &[u8], expect: &str) {
    let f = temp(bytes);
    let name = path_str(f.path());
    let r = run(&["check", "--color", "never", name, GOOD]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {:?}", lines);
    assert!(lines[0].starts_with("kmsguard: error: "), "{}", lines[0]);
    assert!(lines[0].contains(name), "names the file: {}", lines[0]);
    assert!(
        lines[0].contains(expect),
        "says why ({expect}): {}",
        lines[0]
    );
    // The good input was still checked and reported.
    assert!(r.stdout.contains("aws_kms_key.data"), "{}", r.stdout);
    assert!(r.stdout.contains("INPUT ERROR"));
    let (code, v) = json(&[name, GOOD]);
    assert_eq!(code, 2);
    assert_eq!(v["summary"]["result"], "error");
    assert_eq!(v["errors"][0]["source"], name);
    assert_eq!(v["keys"][0]["verdict"], "locked_out");
}

#[test]
fn empty_file() {
    refused(b"", "empty");
}

#[test]
fn whitespace_only_file() {
    refused(b" \n\t\n", "empty");
}

#[test]
fn truncated_json() {
    let full = std::fs::read(GOOD).unwrap();
    refused(&full[..full.len() / 2], "truncated");
}

#[test]
fn binary_planfile_names_the_conversion_command() {
    refused(
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00tfplan",
        "terraform show -json",
    );
}

#[test]
fn nul_bytes() {
    refused(b"\x00\x00\x00\x00binary", "binary");
}

#[test]
fn json_that_is_not_an_object() {
    refused(b"[1, 2, 3]", "not a JSON object");
}

#[test]
fn json_object_that_is_not_a_plan() {
    refused(br#"{"hello": "world"}"#, "no `format_version`");
}

#[test]
fn unknown_major_format_version() {
    refused(
        br#"{"format_version": "2.0", "resource_changes": []}"#,
        "format_version \"2.0\"",
    );
}

#[test]
fn raw_state_file() {
    refused(br#"{"version": 4, "terraform_version": "1.9.5", "serial": 3, "lineage": "x", "resources": []}"#, "raw state file");
}

#[test]
fn wrong_types_at_the_top_level() {
    refused(
        br#"{"format_version": "1.2", "resource_changes": "everything"}"#,
        "unexpected content",
    );
}

#[test]
fn deeply_nested_json_in_a_field_we_skip_is_harmless() {
    let deep = format!(
        r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_kms_key.x","mode":"managed","type":"aws_kms_key","name":"x","change":{{"actions":["no-op"],"before":{{"policy":{}{}}},"after":null}}}}],"junk":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000),
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let f = temp(deep.as_bytes());
    let r = run(&["check", path_str(f.path()), GOOD]);
    assert!(
        r.code == 1 || r.code == 2,
        "no crash: exit {} {}",
        r.code,
        r.stderr
    );
    assert!(r.stdout.contains("aws_kms_key.data"));
}

#[test]
fn deeply_nested_modules_hit_the_recursion_limit_cleanly() {
    let depth = 10_000;
    let mut doc = String::from(r#"{"format_version":"1.2","planned_values":{"root_module":"#);
    for _ in 0..depth {
        doc.push_str(r#"{"child_modules":["#);
    }
    for _ in 0..depth {
        doc.push_str("]}");
    }
    doc.push_str("}}");
    refused(doc.as_bytes(), "recursion limit");
}

#[test]
fn a_folder_with_no_plan_in_it() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("notes.txt"), "not a plan").unwrap();
    let name = path_str(d.path());
    let r = run(&["check", name, GOOD]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no .json file"), "{}", r.stderr);
    // The other input is still checked.
    assert!(r.stdout.contains("aws_kms_key.data"));
}

#[test]
fn a_missing_file() {
    let r = run(&["check", "no/such/plan.json", GOOD]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no/such/plan.json: cannot read it"),
        "{}",
        r.stderr
    );
}

#[test]
fn newer_minor_format_version_is_read_with_a_note() {
    let plan = std::fs::read_to_string(GOOD).unwrap().replacen(
        "\"format_version\":\"1.2\"",
        "\"format_version\":\"1.7\"",
        1,
    );
    assert!(plan.contains("\"format_version\":\"1.7\""));
    let f = temp(plan.as_bytes());
    let r = run(&["check", path_str(f.path())]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("format_version 1.7 is newer"),
        "{}",
        r.stdout
    );
}

#[test]
fn invalid_policy_string_is_a_finding_and_other_keys_are_still_checked() {
    let (code, v) = json(&["testdata/handwritten/truncated-policy.json"]);
    assert_eq!(code, 1);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["policy-invalid", "key-locked-out"]);
}

#[test]
fn policy_with_wrong_types_at_every_level_never_panics() {
    let policies = [
        r#"{"Statement": 7}"#,
        r#"{"Statement": [{"Effect": 1, "Principal": 2, "Action": 3}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": [1, null]}, "Action": "kms:*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": {"a": 1}}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Condition": []}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Condition": {"StringLike": "x"}}]}"#,
        r#""a string""#,
        "null",
    ];
    let base =
        std::fs::read_to_string("testdata/lockout-check-bypassed/bypass-unset/plan.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&base).unwrap();
    for p in policies {
        v["resource_changes"][0]["change"]["after"]["policy"] =
            serde_json::Value::String(p.to_owned());
        let f = temp(v.to_string().as_bytes());
        let (code, out) = json(&[path_str(f.path())]);
        assert_eq!(code, 1, "{p}");
        assert_eq!(out["findings"][0]["rule"], "policy-invalid", "{p}");
    }
}

#[test]
fn attributes_of_the_wrong_type_are_tolerated() {
    let base = std::fs::read_to_string(GOOD).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&base).unwrap();
    for rc in v["resource_changes"].as_array_mut().unwrap() {
        if let Some(after) = rc["change"]["after"].as_object_mut() {
            after.insert("arn".into(), serde_json::json!(["not", "a", "string"]));
            after.insert("tags_all".into(), serde_json::json!("x"));
        }
        rc["index"] = serde_json::json!({"weird": true});
    }
    let f = temp(v.to_string().as_bytes());
    let (code, _) = json(&[path_str(f.path())]);
    assert!(code == 0 || code == 1, "read without an input error");
}

#[test]
fn duplicate_addresses_across_inputs_are_kept_apart() {
    let (code, v) = json(&[GOOD, GOOD]);
    assert_eq!(code, 1);
    assert_eq!(v["keys"].as_array().unwrap().len(), 2);
}

/// Writes a copy of the bypass-unset fixture whose key policy is `policy` and whose IAM
/// roles are `roles` (ARNs, all kept).
fn plan_with_policy(policy: &str, roles: &[String]) -> tempfile::NamedTempFile {
    let base =
        std::fs::read_to_string("testdata/lockout-check-bypassed/bypass-unset/plan.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&base).unwrap();
    v["resource_changes"][0]["change"]["after"]["policy"] =
        serde_json::Value::String(policy.to_owned());
    let changes = v["resource_changes"].as_array_mut().unwrap();
    for (i, arn) in roles.iter().enumerate() {
        let name = arn.rsplit('/').next().unwrap();
        let attrs = serde_json::json!({"arn": arn, "name": name, "path": "/", "unique_id": format!("AROA{i:016}")});
        changes.push(serde_json::json!({
            "address": format!("aws_iam_role.r{i}"), "mode": "managed", "type": "aws_iam_role", "name": format!("r{i}"),
            "change": {"actions": ["no-op"], "before": attrs, "after": attrs, "after_unknown": {}}
        }));
    }
    temp(v.to_string().as_bytes())
}

#[test]
fn a_huge_policy_of_20000_statements_is_evaluated() {
    let statements: Vec<String> = (0..20_000)
        .map(|i| {
            format!(
                r#"{{"Sid":"s{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/r{i}"}},"Action":"kms:Decrypt","Resource":"*","Condition":{{"StringLike":{{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/r{i}*"}}}}}}"#
            )
        })
        .collect();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    let f = plan_with_policy(&policy, &[]);
    let (code, v) = json(&[path_str(f.path())]);
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["rule"], "policy-invalid");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("KMS accepts at most 32768")
    );
    // Just under the limit, a policy of many statements and principals is evaluated.
    let many: Vec<String> = (0..150)
        .map(|i| format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/r{i}"}},"Action":"kms:Decrypt","Resource":"*"}}"#))
        .collect();
    let policy = format!(r#"{{"Statement":[{}]}}"#, many.join(","));
    assert!(policy.len() < 32 * 1024);
    let f = plan_with_policy(&policy, &[]);
    let (code, v) = json(&[path_str(f.path())]);
    assert_eq!(code, 1, "no statement grants kms:PutKeyPolicy");
    assert_eq!(v["keys"][0]["verdict"], "locked_out");
}

#[test]
fn wildcard_patterns_built_to_be_exponential_stay_linear() {
    let pattern = format!("arn:aws:iam::111122223333:role/{}b", "*a".repeat(2_000));
    let long_name = "a".repeat(20_000);
    let roles = vec![format!("arn:aws:iam::111122223333:role/{long_name}")];
    for op in ["StringLike", "ArnLike", "StringNotLike", "ArnNotLike"] {
        let policy = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{"{op}":{{"aws:PrincipalArn":"{pattern}"}}}}}}]}}"#
        );
        let f = plan_with_policy(&policy, &roles);
        let (code, v) = json(&[path_str(f.path())]);
        assert!(code == 0 || code == 1, "{op}");
        assert!(v["keys"][0]["verdict"].is_string(), "{op}");
    }
}

#[test]
fn for_each_keys_with_quotes_and_brackets_are_kept_intact() {
    let (_, v) = json(&["testdata/modules/nested-for-each/plan.json"]);
    let addresses: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        addresses
            .iter()
            .any(|m| m.contains(r#"aws_iam_role.admin["team \"a\""]"#)),
        "{addresses:?}"
    );
}

#[test]
fn low_memory_mode_reads_the_same_and_refuses_the_same() {
    for plan in [
        "testdata/examples/lockout/plan.json",
        "testdata/modules/nested-for-each/plan.json",
        "testdata/state/kms/state.json",
    ] {
        let (a, va) = json(&[plan]);
        let (b, vb) = json(&["--low-memory", plan]);
        assert_eq!(
            (a, &va["keys"], &va["findings"]),
            (b, &vb["keys"], &vb["findings"]),
            "{plan}"
        );
    }
    let f = temp(b"PK\x03\x04zip");
    let r = run(&["check", "--low-memory", path_str(f.path()), GOOD]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("terraform show -json"));
    let full = std::fs::read(GOOD).unwrap();
    let f = temp(&full[..full.len() - 10]);
    let r = run(&["check", "--low-memory", path_str(f.path())]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
}
