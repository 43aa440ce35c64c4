//! The live-account audit (docs/audit.md): hand-made exports for what an emulator cannot
//! show, and an end-to-end run of `scripts/collect-live.sh` against a real AWS API emulator
//! (the moto server) on 127.0.0.1.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{json, path_str, repo, run};
use crate::live_gen;

const ACCOUNT: &str = "testdata/live/account.json";
const KEYS: &str = "testdata/live/keys.json";

fn key_of<'v>(report: &'v serde_json::Value, id: &str) -> &'v serde_json::Value {
    report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["address"].as_str().unwrap().ends_with(id))
        .unwrap_or_else(|| panic!("no key {id}"))
}

fn rules_of(report: &serde_json::Value, id: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["address"].as_str().unwrap().ends_with(id))
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

// A bare AROA… ID in a live policy is a deleted principal (IAM "Principal" element: a
// deleted role shows as its unique ID); an account export closes the world: a principal it
// does not list does not exist.
#[test]
fn an_account_audit_gives_every_live_key_a_verdict() {
    let (code, r) = json(&[ACCOUNT, KEYS]);
    assert_eq!(code, 0, "already-unmanageable keys are warnings");
    let v = |id: &str| key_of(&r, id)["verdict"].as_str().unwrap().to_owned();
    assert_eq!(v("000000000001"), "manageable");
    assert_eq!(
        v("000000000002"),
        "locked_out",
        "only a deleted role's unique ID"
    );
    assert_eq!(
        v("000000000003"),
        "recoverable",
        "a condition on a role no one has"
    );
    assert_eq!(v("000000000004"), "manageable");
    assert_eq!(v("000000000005"), "unknown", "AccessDenied is a signal");
    assert_eq!(
        v("000000000006"),
        "recoverable",
        "breakglass lacks the IAM permission"
    );
    assert_eq!(v("000000000007"), "manageable");
    assert!(
        r["keys"].as_array().unwrap().len() == 7,
        "the AWS managed key is skipped"
    );
    // Delegation is evaluated with the real identity policies: kms-admin through
    // AdministratorAccess, ops through its group. app has AdministratorAccess too, but its
    // permissions boundary allows s3 only (IAM "Permissions boundaries for IAM entities");
    // breakglass may only read.
    let managers: Vec<&str> = key_of(&r, "000000000001")["managers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["arn"].as_str().unwrap())
        .collect();
    assert_eq!(
        managers,
        [
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:role/kms-admin",
            "arn:aws:iam::111122223333:user/ops"
        ]
    );
    let origin = key_of(&r, "000000000006")["recovery"]["origin"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(origin.contains("its IAM policies do not"), "{origin}");
}

#[test]
fn an_account_audit_text_report() {
    let r = run(&["check", "--color", "never", ACCOUNT, KEYS]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("live_text", r.stdout);
}

#[test]
fn one_deletion_from_lockout_warns_only_for_keys_bound_to_named_principals() {
    let (_, r) = json(&[ACCOUNT, KEYS]);
    assert_eq!(rules_of(&r, "000000000004"), ["one-deletion-from-lockout"]);
    // The account principal or a condition-based administrator never gets it.
    assert!(rules_of(&r, "000000000001").is_empty());
    assert!(rules_of(&r, "000000000007").is_empty());
}

#[test]
fn an_account_whose_identities_have_no_kms_permission_is_managed_by_the_root_only() {
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("account.json");
    std::fs::write(
        &account,
        r#"{"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[
            {"Path":"/","RoleName":"app","RoleId":"AROAEXAMPLEAPPROLE01","Arn":"arn:aws:iam::111122223333:role/app",
             "RolePolicyList":[],"AttachedManagedPolicies":[],"Tags":[]}]}"#,
    )
    .unwrap();
    let r = run(&["check", path_str(&account), KEYS]);
    assert!(
        r.stdout.contains("only the root user arn:aws:iam::111122223333:root; no IAM principal has kms:PutKeyPolicy on it today"),
        "{}",
        r.stdout
    );
}

#[test]
fn runbook_of_a_locked_out_and_a_recoverable_key() {
    let r = run(&["check", "--format", "runbook", ACCOUNT, KEYS]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("live_runbook", r.stdout);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("policies");
    let w = run(&["check", "--write-policies", path_str(&out), ACCOUNT, KEYS]);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "0f1e2d3c-0000-4000-8000-000000000002.policy.json",
            "0f1e2d3c-0000-4000-8000-000000000003.policy.json",
            "0f1e2d3c-0000-4000-8000-000000000006.policy.json"
        ]
    );
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(&files[0])).unwrap()).unwrap();
    let text = p.to_string();
    assert!(!text.contains("AROAEXAMPLEDELETED01"), "dead IDs removed");
    assert!(
        text.contains("aws:PrincipalArn"),
        "the seed's statement added"
    );
}

#[test]
fn a_plan_with_live_keys_reports_drift_and_uses_the_live_policy() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    // The state shows the key with the account principal; AWS has a policy naming a deleted
    // role's unique ID only.
    let state = r#"{"format_version":"1.0","values":{"root_module":{"resources":[{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k",
        "values":{"arn":"arn:aws:kms:eu-west-1:111122223333:key/k1","key_id":"k1",
        "policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"}}]}}}"#;
    let st = dir.path().join("state.json");
    std::fs::write(&st, state).unwrap();
    std::fs::write(
        &keys,
        r#"{"Keys":[{"KeyMetadata":{"Arn":"arn:aws:kms:eu-west-1:111122223333:key/k1","KeyId":"k1","KeyManager":"CUSTOMER"},
        "Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"AROAEXAMPLEDELETED01\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"}]}"#,
    )
    .unwrap();
    let (_, r) = json(&[path_str(&st), path_str(&keys), ACCOUNT]);
    assert_eq!(r["keys"].as_array().unwrap().len(), 1, "one key, not two");
    assert_eq!(r["keys"][0]["verdict_before"], "locked_out");
    let rules = rules_of(&r, "aws_kms_key.k");
    assert!(rules.contains(&"policy-drift".to_owned()), "{rules:?}");
}

#[test]
fn live_documents_that_are_not_usable_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("keys.json");
    std::fs::write(&bad, r#"{"Keys": "nope"}"#).unwrap();
    let r = run(&["check", path_str(&bad)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("keys.json") && r.stderr.contains("Keys"),
        "{}",
        r.stderr
    );
}

/// The moto server and the AWS CLI: from `KMSGUARD_EMULATOR_BIN` (a venv's `bin`, set by
/// `.ci/run`), else from `PATH`.
fn emulator_tools() -> Option<(PathBuf, PathBuf)> {
    let dirs: Vec<PathBuf> = std::env::var_os("KMSGUARD_EMULATOR_BIN")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ))
        .collect();
    // On Windows a venv's programs end in .exe.
    let find = |name: &str| {
        dirs.iter()
            .flat_map(|d| [d.join(name), d.join(format!("{name}.exe"))])
            .find(|p| p.is_file())
    };
    Some((find("moto_server")?, find("aws")?))
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn aws(cli: &Path, env: &[(&str, String)], args: &[&str]) -> String {
    let out = Command::new(cli)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("aws runs");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

// docs/audit.md: the collection script against the AWS API as the moto server implements it.
#[test]
fn the_collection_script_against_an_aws_api_emulator_feeds_the_audit() {
    let Some((moto, cli)) = emulator_tools() else {
        assert!(
            std::env::var_os("KMSGUARD_REQUIRE_TOOLS").is_none(),
            "KMSGUARD_REQUIRE_TOOLS is set, but moto_server and aws are not found"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED live::the_collection_script_against_an_aws_api_emulator_feeds_the_audit: moto_server and aws not found (.ci/run installs them)"
        );
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let _server = Server(
        Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not listen");
        std::thread::sleep(Duration::from_millis(200));
    }
    let config = dir.path().join("aws-config");
    std::fs::write(&config, "[default]\nregion = eu-west-1\n").unwrap();
    let bin_dir = cli.parent().unwrap().to_owned();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let env: Vec<(&str, String)> = vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_CONFIG_FILE", path_str(&config).to_owned()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            path_str(&dir.path().join("none")).to_owned(),
        ),
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("PATH", path.to_string_lossy().into_owned()),
    ];
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    for role in ["kms-admin", "app", "temp-admin"] {
        aws(
            &cli,
            &env,
            &[
                "iam",
                "create-role",
                "--role-name",
                role,
                "--assume-role-policy-document",
                trust,
            ],
        );
    }
    let admin_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
    let policy_arn = aws(
        &cli,
        &env,
        &[
            "iam",
            "create-policy",
            "--policy-name",
            "kms-admin",
            "--policy-document",
            admin_policy,
            "--query",
            "Policy.Arn",
            "--output",
            "text",
        ],
    );
    aws(
        &cli,
        &env,
        &[
            "iam",
            "attach-role-policy",
            "--role-name",
            "kms-admin",
            "--policy-arn",
            &policy_arn,
        ],
    );
    aws(&cli, &env, &["iam", "create-user", "--user-name", "ops"]);
    let account = aws(
        &cli,
        &env,
        &[
            "sts",
            "get-caller-identity",
            "--query",
            "Account",
            "--output",
            "text",
        ],
    );
    let role = |n: &str| format!("arn:aws:iam::{account}:role/{n}");
    let stmt = |p: serde_json::Value, cond: Option<serde_json::Value>| {
        let mut s = serde_json::json!({"Sid":"Admin","Effect":"Allow","Principal":{"AWS":p},"Action":"kms:*","Resource":"*"});
        if let Some(c) = cond {
            s["Condition"] = c;
        }
        serde_json::json!({"Version":"2012-10-17","Statement":[s]}).to_string()
    };
    let root = format!("arn:aws:iam::{account}:root");
    let keys = [
        ("default", stmt(root.clone().into(), None)),
        ("one-admin", stmt(role("kms-admin").into(), None)),
        ("deleted-admin", stmt(role("temp-admin").into(), None)),
        (
            "condition-admin",
            stmt(
                "*".into(),
                Some(serde_json::json!({"ArnLike":{"aws:PrincipalArn": role("gone-admin")}})),
            ),
        ),
    ];
    for (alias, policy) in &keys {
        let id = aws(
            &cli,
            &env,
            &[
                "kms",
                "create-key",
                "--policy",
                policy,
                "--query",
                "KeyMetadata.KeyId",
                "--output",
                "text",
            ],
        );
        aws(
            &cli,
            &env,
            &[
                "kms",
                "create-alias",
                "--alias-name",
                &format!("alias/{alias}"),
                "--target-key-id",
                &id,
            ],
        );
    }
    // The only admin of a key is deleted after the key was made.
    aws(
        &cli,
        &env,
        &["iam", "delete-role", "--role-name", "temp-admin"],
    );
    let out = dir.path().join("live");
    let script = repo().join("scripts/collect-live.sh");
    let status = Command::new("bash")
        .arg(&script)
        .args(["--region", "eu-west-1", "--out", path_str(&out)])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .status()
        .unwrap();
    assert!(status.success());
    let (code, r) = json(&[
        path_str(&out.join("account.json")),
        path_str(&out.join("keys.json")),
    ]);
    assert_eq!(code, 0);
    let by_alias = |alias: &str| -> String {
        let keys = std::fs::read_to_string(out.join("keys.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&keys).unwrap();
        let arn = doc["Keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| {
                k["Aliases"]
                    .to_string()
                    .contains(&format!("alias/{alias}\""))
            })
            .unwrap()["KeyMetadata"]["Arn"]
            .as_str()
            .unwrap()
            .to_owned();
        key_of(&r, &arn)["verdict"].as_str().unwrap().to_owned()
    };
    assert_eq!(by_alias("default"), "manageable");
    assert_eq!(by_alias("one-admin"), "manageable");
    assert_eq!(by_alias("deleted-admin"), "locked_out");
    assert_eq!(by_alias("condition-admin"), "recoverable");
    let one_admin = rules_of(&r, "");
    assert!(one_admin.contains(&"one-deletion-from-lockout".to_owned()));
}

#[test]
fn generated_live_documents_have_exactly_the_expected_verdicts() {
    let live = live_gen::generate(300, 120);
    let dir = tempfile::tempdir().unwrap();
    let (a, k) = (
        dir.path().join("account.json"),
        dir.path().join("keys.json"),
    );
    std::fs::write(&a, &live.account).unwrap();
    std::fs::write(&k, &live.keys).unwrap();
    let (code, r) = json(&[path_str(&a), path_str(&k)]);
    assert_eq!(code, 0);
    let with = |verdict: &str| -> Vec<String> {
        let mut v: Vec<String> = r["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["verdict"] == verdict)
            .map(|x| x["address"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(with("locked_out"), live.locked_out);
    assert_eq!(with("recoverable"), live.recoverable);
    assert_eq!(with("unknown"), Vec::<String>::new());
}

// Every string of a live document is data: in no report format, in `explain` nor in the
// runbook's shell commands does it start a workflow command or a new line.
#[test]
fn live_strings_never_start_a_workflow_command_in_the_log() {
    let evil = "x\n::error file=a::kmsguard PASSED\r\n::stop-commands::T";
    let dir = tempfile::tempdir().unwrap();
    let account = serde_json::json!({"RoleDetailList": [{"RoleName": evil, "RoleId": "AROAEVIL000000000001",
        "Arn": format!("arn:aws:iam::111122223333:role/{evil}"), "Path": format!("/{evil}/"),
        "Tags": [{"Key": evil, "Value": evil}], "RolePolicyList": [{"PolicyName": evil,
        "PolicyDocument": {"Statement": [{"Sid": evil, "Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}}]}]});
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": evil, "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
         "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::111122223333:role/{evil}-gone")}}},
        {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::111122223333:role/{evil}")},
         "Action": "kms:DescribeKey", "Resource": "*"}]});
    let keys = serde_json::json!({"Keys": [{"KeyMetadata": {"Arn": format!("arn:aws:kms:eu-west-1:111122223333:key/{evil}"),
        "KeyId": evil, "KeyManager": "CUSTOMER", "KeyState": "PendingDeletion", "DeletionDate": evil},
        "Policy": policy.to_string(), "Aliases": [{"AliasName": evil}], "Tags": [{"TagKey": evil, "TagValue": evil}]},
        {"KeyMetadata": {"Arn": "arn:aws:kms:eu-west-1:111122223333:key/k2", "KeyManager": "CUSTOMER"}, "Policy": null, "Error": evil}]});
    let (a, k) = (
        dir.path().join("account.json"),
        dir.path().join("keys.json"),
    );
    std::fs::write(&a, account.to_string()).unwrap();
    std::fs::write(&k, keys.to_string()).unwrap();
    let out = dir.path().join("policies");
    let (a, k) = (path_str(&a), path_str(&k));
    let key = format!("arn:aws:kms:eu-west-1:111122223333:key/{evil}");
    for args in [
        vec!["check", a, k],
        vec!["check", "--format", "github", a, k],
        vec!["check", "--format", "markdown", a, k],
        vec!["check", "--format", "runbook", a, k],
        vec!["check", "--write-policies", path_str(&out), a, k],
        vec!["explain", "--key", &key, a, k],
    ] {
        let r = run(&args);
        assert!(r.code != 101, "{args:?} panicked: {}", r.stderr);
        let all = format!("{}{}", r.stdout, r.stderr);
        // The annotations kmsguard writes itself (`--format github`) are the only commands.
        let foreign: Vec<&str> = crate::common::command_lines(&all)
            .into_iter()
            .filter(|l| {
                ![
                    "::error title=kmsguard ",
                    "::warning title=kmsguard ",
                    "::notice title=kmsguard ",
                ]
                .iter()
                .any(|ours| l.starts_with(ours))
            })
            .collect();
        assert_eq!(foreign, Vec::<&str>::new(), "{args:?}:\n{all}");
    }
    // The corrected policy's file is named from the key ID's safe characters, in DIR.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].ends_with(".policy.json") && !names[0].contains(['/', '\n', ':']),
        "{names:?}"
    );
}

// With an account export beside a plan, a principal the plan does not manage is no longer
// assumed to exist: the export says whether it does.
#[test]
fn an_account_export_replaces_assumed_principals_with_facts_in_a_plan_check() {
    let plan = "testdata/assumed/external-admin/plan.json";
    let (_, alone) = json(&[plan]);
    assert_eq!(alone["keys"][0]["verdict"], "manageable");
    assert_eq!(
        alone["keys"][0]["assumed_principals"][0],
        "arn:aws:iam::111122223333:role/external-admin"
    );
    // The export of account 111122223333 (testdata/live) has no role external-admin.
    // The key is locked out already, before the apply: not this plan's fault, a warning.
    let (code, with) = json(&[plan, ACCOUNT]);
    assert_eq!(code, 0);
    let k = &with["keys"][0];
    assert_eq!(k["verdict_before"], "locked_out");
    assert_eq!(k["verdict"], "locked_out");
    assert_eq!(with["findings"][0]["rule"], "already-locked-out");
    assert_eq!(k["assumed_principals"], serde_json::json!([]));
    // An export that lists the role: manageable, and not assumed.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("account.json");
    std::fs::write(
        &export,
        r#"{"RoleDetailList":[{"RoleName":"external-admin","RoleId":"AROAEXTERNALADMIN001","Path":"/",
            "Arn":"arn:aws:iam::111122223333:role/external-admin","RolePolicyList":[],"AttachedManagedPolicies":[]}]}"#,
    )
    .unwrap();
    let (code, listed) = json(&[plan, path_str(&export)]);
    assert_eq!(code, 0);
    let k = &listed["keys"][0];
    assert_eq!(k["verdict"], "manageable");
    assert_eq!(k["assumed_principals"], serde_json::json!([]));
    assert_eq!(k["managers"][0]["assumed"], false);
}
