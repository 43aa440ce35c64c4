//! A pull request controls the plan and the `.tf` source kmsguard reads. One test per class
//! of attack found when it was probed as an attacker would (issue 9), each through the
//! binary: workflow commands in the log, files read outside the source folder, a lockout
//! that passes because the source could not be read, outputs written through links,
//! Markdown and HTML in the job summary, unbounded work, and SARIF locations.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{command_lines, foreign_tags, kmsguard, path_str, run_with, shared_dir};

const ACCOUNT: &str = "111122223333";

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// A policy that lets `admin` manage the key (and nobody else).
fn admin_policy(admin: &str, sid: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow", "Principal": {"AWS": admin},
        "Action": "kms:*", "Resource": "*"}]})
    .to_string()
}

/// `aws_iam_role.admin` (`kms-admin`), replaced by the plan.
fn replaced_admin() -> Value {
    json!({"address": "aws_iam_role.admin", "mode": "managed", "type": "aws_iam_role", "name": "admin",
        "change": {"actions": ["delete", "create"],
            "before": {"arn": role_arn("kms-admin"), "name": "kms-admin", "path": "/", "unique_id": "AROAADMINADMINADMIN1"},
            "after": {"name": "kms-admin", "path": "/"},
            "after_unknown": {"arn": true, "unique_id": true, "id": true}}})
}

/// A key whose current policy names the admin role and whose new policy the plan shows
/// only as known after apply (set in the source from the role's ARN).
fn key_rebuilt_from_source(name: &str) -> (Value, Value) {
    let before = admin_policy(&role_arn("kms-admin"), "Admin");
    let change = json!({"address": format!("aws_kms_key.{name}"), "mode": "managed", "type": "aws_kms_key", "name": name,
        "change": {"actions": ["update"],
            "before": {"arn": format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{name}"), "policy": before},
            "after": {"arn": format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{name}")},
            "after_unknown": {"policy": true}}});
    let config = json!({"address": format!("aws_kms_key.{name}"), "mode": "managed", "type": "aws_kms_key", "name": name,
        "expressions": {"policy": {"references": ["aws_iam_role.admin.arn", "aws_iam_role.admin"]}}});
    (change, config)
}

fn plan(changes: Vec<Value>, config: Vec<Value>) -> Value {
    json!({"format_version": "1.2", "resource_changes": changes,
        "configuration": {"root_module": {"resources": config}}})
}

fn write_json(path: &Path, v: &Value) -> String {
    std::fs::write(path, v.to_string()).unwrap();
    path_str(path).to_owned()
}

/// A repository with a root module in `infra/`, a `.git/config` holding a token, and a file
/// outside the repository.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("infra")).unwrap();
        std::fs::write(
            root.join(".git/config"),
            "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic S3CR3TGITTOKEN\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/secret.txt"), "S3CR3TOUTSIDE").unwrap();
        Repo { dir }
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn infra(&self) -> PathBuf {
        self.root().join("infra")
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Runs kmsguard with a time limit and an address-space limit; a hang or a crash fails.
fn bounded(args: &[&str]) -> (i32, String, String) {
    let bin = env!("CARGO_BIN_EXE_kmsguard");
    let quoted: Vec<String> = args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let script = format!("ulimit -v 6000000; exec '{bin}' {}", quoted.join(" "));
    let out = Command::new("timeout")
        .args(["120", "sh", "-c", &script])
        .current_dir(crate::common::repo())
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(code, 0..=2),
        "{args:?} ended with {code} (124: timeout; 134: abort): {stderr}"
    );
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// Attack 1: Strings from the plan never become workflow commands or terminal controls in the log.
#[test]
fn plan_strings_never_start_a_workflow_command_in_the_log() {
    let d = tempfile::tempdir().unwrap();
    let hostile = "Admin\n::error file=x::kmsguard PASSED\r::stop-commands::TOKEN\u{1b}[31m";
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": hostile, "Effect": "Allow", "Principal": {"AWS": role_arn("kms-admin")}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": format!("{}\n::warning::principal", role_arn("x"))},
            "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"StringEquals\n::error::operator": {"aws:x\r##[error]key": "1"}}}]})
    .to_string();
    let key = json!({"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k",
        "change": {"actions": ["no-op"], "before": {"policy": policy}, "after": {"policy": policy}}});
    let mut role = replaced_admin();
    role["change"]["actions"] = json!(["delete"]);
    role["change"]["after"] = Value::Null;
    let mut doc = plan(vec![key, role], vec![]);
    doc["format_version"] = json!("1.9.\n::error::format-version\u{1b}]0;title\u{7}");
    let p = write_json(&d.path().join("plan.json"), &doc);
    for args in [
        vec!["check", "--color", "always", &p],
        vec!["check", "--color", "never", &p],
        vec!["explain", "--key", "aws_kms_key.k", &p],
    ] {
        let r = run_with(kmsguard().args(&args));
        let all = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(command_lines(&all), Vec::<&str>::new(), "{args:?}:\n{all}");
        // Colours are ours (ESC[…m); no other escape sequence and no bare CR passes.
        let stripped = all.split('\u{1b}').skip(1).all(|seq| {
            seq.starts_with('[')
                && seq[1..].find('m').is_some_and(|m| {
                    seq[1..1 + m]
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b';')
                })
        });
        assert!(stripped, "{args:?}: a raw escape sequence passed:\n{all:?}");
        assert!(!all.contains('\r'), "{args:?}: a raw CR passed");
        assert!(
            all.contains("\\n::error file=x::kmsguard PASSED"),
            "{args:?}: the Sid is shown, escaped"
        );
    }
}

/// Attack 2: `file()` and `templatefile()` read only inside the repository, never `.git`, and a
/// value read from a file never appears in a message.
#[test]
fn source_files_are_read_only_inside_the_repository_and_never_echoed() {
    let repo = Repo::new();
    std::os::unix::fs::symlink(
        repo.dir.path().join("outside/secret.txt"),
        repo.infra().join("link.txt"),
    )
    .unwrap();
    std::fs::write(repo.infra().join("inside.tpl"), "${file(\"/etc/passwd\")}").unwrap();
    let effect = |source: &str| {
        format!(
            "jsonencode({{ Statement = [{{ Sid = \"X\", Effect = {source}, Principal = {{ AWS = aws_iam_role.admin.arn }}, Action = \"kms:*\", Resource = \"*\" }}] }})"
        )
    };
    let keys = [
        ("passwd", "file(\"/etc/passwd\")".to_owned()),
        ("outside", effect("file(\"../../outside/secret.txt\")")),
        ("link", effect("file(\"link.txt\")")),
        ("git", effect("file(\"${path.root}/../.git/config\")")),
        ("environ", effect("file(\"/proc/self/environ\")")),
        ("template", effect("templatefile(\"inside.tpl\", {})")),
    ];
    let mut tf = "resource \"aws_iam_role\" \"admin\" {\n  name = \"kms-admin\"\n}\n".to_owned();
    let (mut changes, mut config) = (vec![replaced_admin()], Vec::new());
    for (name, policy) in &keys {
        tf.push_str(&format!(
            "resource \"aws_kms_key\" \"{name}\" {{\n  policy = {policy}\n}}\n"
        ));
        let (c, k) = key_rebuilt_from_source(name);
        changes.push(c);
        config.push(k);
    }
    repo.write("infra/main.tf", &tf);
    let p = write_json(&repo.dir.path().join("plan.json"), &plan(changes, config));
    let infra = path_str(&repo.infra()).to_owned();
    let outs = repo.dir.path().join("out");
    std::fs::create_dir(&outs).unwrap();
    let out = |f: &str| format!("{f}={}", path_str(&outs.join(f)));
    let r = run_with(
        kmsguard()
            .env("KMSGUARD_TEST_SECRET", "S3CR3TENVIRON")
            .args(["check", "--color", "never", "--config-dir", &infra])
            .args(["--output", &out("json"), "--output", &out("sarif")])
            .args(["--output", &out("markdown"), "--output", &out("github")])
            .arg(&p),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let mut everything = format!("{}{}", r.stdout, r.stderr);
    for f in ["json", "sarif", "markdown", "github"] {
        everything.push_str(&std::fs::read_to_string(outs.join(f)).unwrap());
    }
    for k in ["passwd", "git", "environ"] {
        let e = run_with(
            kmsguard()
                .env("KMSGUARD_TEST_SECRET", "S3CR3TENVIRON")
                .args(["explain", "--config-dir", &infra, "--key"])
                .arg(format!("aws_kms_key.{k}"))
                .arg(&p),
        );
        everything.push_str(&e.stdout);
        everything.push_str(&e.stderr);
    }
    for secret in [
        "root:x:0:0",
        "S3CR3TOUTSIDE",
        "S3CR3TGITTOKEN",
        "S3CR3TENVIRON",
        "AUTHORIZATION",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
    // Each refusal names the file and why, not its content.
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(outs.join("json")).unwrap()).unwrap();
    let why = |k: &str| -> String {
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["address"] == format!("aws_kms_key.{k}"))
            .map(|x| x["unknown"].to_string())
            .unwrap_or_default()
    };
    assert!(
        why("outside").contains("outside the folder kmsguard reads"),
        "{}",
        why("outside")
    );
    assert!(
        why("link").contains("outside the folder kmsguard reads"),
        "{}",
        why("link")
    );
    assert!(
        why("git").contains("inside .git, which kmsguard never reads"),
        "{}",
        why("git")
    );
    assert!(
        why("environ").contains("/proc/self/environ"),
        "{}",
        why("environ")
    );
}

/// The plan replaces the admin role that each key's current policy names; the new policy is
/// set in `infra/` from the role's ARN. `extra` is added to `main.tf`.
fn lockout_with_source(repo: &Repo, policy: &str, extra_file: Option<(&str, &str)>) -> String {
    let tf = format!(
        "resource \"aws_iam_role\" \"admin\" {{\n  name = \"kms-admin\"\n}}\n\nresource \"aws_kms_key\" \"k\" {{\n  policy = {policy}\n}}\n"
    );
    repo.write("infra/main.tf", &tf);
    if let Some((name, text)) = extra_file {
        repo.write(&format!("infra/{name}"), text);
    }
    let (c, k) = key_rebuilt_from_source("k");
    write_json(
        &repo.dir.path().join("plan.json"),
        &plan(vec![replaced_admin(), c], vec![k]),
    )
}

const ADMIN_POLICY_HCL: &str = "jsonencode({ Version = \"2012-10-17\", Statement = [{ Sid = \"Admin\", Effect = \"Allow\", Principal = { AWS = aws_iam_role.admin.arn }, Action = \"kms:*\", Resource = \"*\" }] })";

/// Attack 3: A plan that may lock a key out never passes because kmsguard could not read or
/// evaluate the source; and what Terraform accepts (a BOM, deep nesting) is read.
#[test]
fn source_kmsguard_cannot_read_never_turns_a_lockout_into_a_pass() {
    let verdict = |args: &[&str]| -> (i32, Value) {
        let r = run_with(kmsguard().args(["check", "--format", "json"]).args(args));
        (
            r.code,
            serde_json::from_str(&r.stdout).unwrap_or(Value::Null),
        )
    };
    // A UTF-8 byte order mark (any Windows editor writes one): read as Terraform reads it.
    let repo = Repo::new();
    let p = lockout_with_source(&repo, ADMIN_POLICY_HCL, None);
    let main = std::fs::read_to_string(repo.infra().join("main.tf")).unwrap();
    repo.write("infra/main.tf", &format!("\u{feff}{main}"));
    let infra = path_str(&repo.infra()).to_owned();
    let (code, v) = verdict(&["--config-dir", &infra, &p]);
    assert_eq!(
        (code, v["keys"][0]["verdict"].as_str()),
        (1, Some("locked_out"))
    );

    // 64 nested brackets in another file, as deep as a real module may go: read.
    let deep = format!(
        "locals {{\n  deep = {}1{}\n}}\n",
        "[".repeat(64),
        "]".repeat(64)
    );
    let repo = Repo::new();
    let p = lockout_with_source(&repo, ADMIN_POLICY_HCL, Some(("deep.tf", &deep)));
    let infra = path_str(&repo.infra()).to_owned();
    let (code, v) = verdict(&["--config-dir", &infra, &p]);
    assert_eq!(
        (code, v["keys"][0]["verdict"].as_str()),
        (1, Some("locked_out"))
    );

    // A function kmsguard does not evaluate on the way to the admin ARN: undecided, and the
    // plan replaces the role the current policy names, so the run fails.
    let repo = Repo::new();
    let p = lockout_with_source(
        &repo,
        &ADMIN_POLICY_HCL.replace(
            "aws_iam_role.admin.arn",
            "regex(\".*\", aws_iam_role.admin.arn)",
        ),
        None,
    );
    let infra = path_str(&repo.infra()).to_owned();
    let (code, v) = verdict(&["--config-dir", &infra, &p]);
    assert_eq!(code, 1);
    assert_eq!(v["keys"][0]["verdict"], "unknown");
    assert_eq!(v["findings"][0]["rule"], "lockout-undecided");

    // A file that does not parse: the same.
    let repo = Repo::new();
    let p = lockout_with_source(&repo, ADMIN_POLICY_HCL, Some(("broken.tf", "locals {\n")));
    let main = std::fs::read_to_string(repo.infra().join("main.tf")).unwrap();
    repo.write("infra/main.tf", &main.replace("policy = ", "policy = [\n"));
    let infra = path_str(&repo.infra()).to_owned();
    let (code, v) = verdict(&["--config-dir", &infra, &p]);
    assert_eq!(
        (code, v["findings"][0]["rule"].as_str()),
        (1, Some("lockout-undecided"))
    );

    // No --config-dir at all: the same.
    let (code, v) = verdict(&[&p]);
    assert_eq!(
        (code, v["findings"][0]["rule"].as_str()),
        (1, Some("lockout-undecided"))
    );

    // A --config-dir that does not exist: an error in the arguments.
    let r = run_with(kmsguard().args(["check", "--config-dir", "/nonexistent/kmsguard", &p]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--config-dir /nonexistent/kmsguard"),
        "{}",
        r.stderr
    );
}

/// Attack 4: A report is never written through a symbolic link (a pull request can commit one at
/// the Action's default `kmsguard.sarif`).
#[test]
fn reports_are_never_written_through_a_symbolic_link() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("victim.txt");
    std::fs::write(&target, "untouched").unwrap();
    let link = d.path().join("kmsguard.sarif");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = d.path().join("dangling.sarif");
    std::os::unix::fs::symlink(d.path().join("created-by-link"), &dangling).unwrap();
    let plan = "testdata/examples/lockout/plan.json";
    for (flag, path) in [
        ("--output", &link),
        ("--output", &dangling),
        ("--append", &link),
    ] {
        let arg = format!("sarif={}", path_str(path));
        let r = run_with(kmsguard().args(["check", flag, &arg, plan]));
        assert_eq!(r.code, 2, "{flag} {arg}: {}", r.stderr);
        assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
    assert!(!d.path().join("created-by-link").exists());
    // A plain path is written in full (through a temporary file renamed into place).
    let plain = d.path().join("out.sarif");
    let arg = format!("sarif={}", path_str(&plain));
    assert_eq!(
        run_with(kmsguard().args(["check", "--output", &arg, plan])).code,
        1
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&plain).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("kmsguard-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

/// Attack 5: The job summary holds no HTML, heading or link from an input, and the suggested
/// statement is a code block that copies as valid JSON.
#[test]
fn the_job_summary_holds_no_markup_from_inputs() {
    let repo = Repo::new();
    let sid = "<img src=x onerror=alert(1)></details>\r## ✅ kmsguard PASSED [link](https://evil.example) *x*";
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": role_arn("kms-admin")}, "Action": "kms:*", "Resource": "*"}]})
    .to_string();
    let key = json!({"address": "aws_kms_key.k[\"<b>x</b>\"]", "mode": "managed", "type": "aws_kms_key", "name": "k",
        "index": "<b>x</b>",
        "change": {"actions": ["no-op"], "before": {"policy": policy}, "after": {"policy": policy}}});
    let mut role = replaced_admin();
    role["change"]["actions"] = json!(["delete"]);
    role["change"]["after"] = Value::Null;
    repo.write(
        "infra/<script>alert(1)<script> `x`|y.tf",
        "resource \"aws_kms_key\" \"k\" {\n  for_each = toset([\"<b>x</b>\"])\n}\n",
    );
    let p = write_json(
        &repo.dir.path().join("plan.json"),
        &plan(vec![key, role], vec![]),
    );
    let infra = path_str(&repo.infra()).to_owned();
    let r =
        run_with(kmsguard().args(["check", "--format", "markdown", "--config-dir", &infra, &p]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let md = r.stdout;
    assert_eq!(foreign_tags(&md), Vec::<String>::new(), "{md}");
    assert!(
        md.contains("<script>alert(1)<script>"),
        "the file name is shown, in code: {md}"
    );
    for l in md.lines() {
        assert!(
            !l.starts_with('#') || l.starts_with("### Findings"),
            "a heading from input: {l}"
        );
        assert!(!l.contains("](https://evil"), "a link from input: {l}");
    }
    // The remedy's statement is a JSON code block.
    let block: String = md
        .split("```json\n")
        .nth(1)
        .and_then(|b| b.split("\n  ```").next())
        .unwrap()
        .to_owned();
    let statement: Value = serde_json::from_str(&block).unwrap();
    assert_eq!(statement["Principal"]["AWS"], "*");
}

/// Attack 6: No input makes the work unbounded: each of these ends, within the time and address
/// space `bounded` allows, with exit code 0, 1 or 2.
#[test]
fn hostile_inputs_end_with_bounded_work() {
    let repo = Repo::new();
    let infra = path_str(&repo.infra()).to_owned();
    let run_source = |policy: &str, extra: &[(&str, &str)]| -> (i32, String) {
        for (name, text) in extra {
            repo.write(&format!("infra/{name}"), text);
        }
        let p = lockout_with_source(&repo, policy, None);
        let (code, out, err) = bounded(&["check", "--format", "json", "--config-dir", &infra, &p]);
        for (name, _) in extra {
            let _ = std::fs::remove_file(repo.infra().join(name));
        }
        (code, format!("{out}{err}"))
    };
    // A 3.5 MiB file of 60,000 small blocks: each block's line is found in the file once, not
    // counted from its start (which took 19 s for 40,000 blocks, and hours for 8 MiB).
    let mut many = String::with_capacity(4 << 20);
    for i in 0..60_000 {
        many.push_str(&format!(
            "resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"bucket-{i}\"\n}}\n"
        ));
    }
    let (code, out) = run_source(ADMIN_POLICY_HCL, &[("many.tf", &many)]);
    assert_eq!(code, 1, "{out}");

    // Locals that double 40 times (an 812-byte file that asked for terabytes).
    let mut doubling = String::from("locals {\n  a0 = [\"arn:aws:iam::111122223333:root\"]\n");
    for i in 1..=40 {
        doubling.push_str(&format!(
            "  a{i} = concat(local.a{}, local.a{})\n",
            i - 1,
            i - 1
        ));
    }
    doubling.push_str("}\n");
    let (code, out) = run_source(
        "jsonencode({ Statement = [{ Effect = \"Allow\", Principal = { AWS = local.a40 }, Action = \"kms:*\", Resource = \"*\" }] })",
        &[("doubling.tf", &doubling)],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("budget") || out.contains("elements"), "{out}");
    // 2,000 locals chained in reverse order: evaluated once each.
    let mut chain = String::from("locals {\n");
    for i in (0..2000).rev() {
        if i == 1999 {
            chain.push_str(&format!("  l{i} = aws_iam_role.admin.arn\n"));
        } else {
            chain.push_str(&format!("  l{i} = local.l{}\n", i + 1));
        }
    }
    chain.push_str("}\n");
    let (code, out) = run_source(
        &ADMIN_POLICY_HCL.replace("aws_iam_role.admin.arn", "local.l0"),
        &[("chain.tf", &chain)],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"verdict\": \"locked_out\""), "{out}");
    // A template that calls itself, and 41 templates that each call the next twice.
    let (code, _) = run_source(
        "templatefile(\"self.tpl\", {})",
        &[("self.tpl", "${templatefile(\"self.tpl\", {})}")],
    );
    assert_eq!(code, 1);
    let mut tpls: Vec<(String, String)> = (0..41)
        .map(|i| {
            (
                format!("t{i}.tpl"),
                format!(
                    "${{templatefile(\"t{0}.tpl\", {{}})}}${{templatefile(\"t{0}.tpl\", {{}})}}",
                    i + 1
                ),
            )
        })
        .collect();
    tpls.push(("t41.tpl".into(), "{}".into()));
    let refs: Vec<(&str, &str)> = tpls.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (code, _) = run_source("templatefile(\"t0.tpl\", {})", &refs);
    assert_eq!(code, 1);
    // A `.tf` file of 2 GiB (sparse) and a link to one: refused by size, not read.
    let big = repo.infra().join("huge.tf");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    std::os::unix::fs::symlink(&big, repo.infra().join("huge-link.tf")).unwrap();
    let (code, out) = run_source(ADMIN_POLICY_HCL, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("huge.tf is larger than"), "{out}");
    std::fs::remove_file(&big).unwrap();
    std::fs::remove_file(repo.infra().join("huge-link.tf")).unwrap();
    // Nesting deeper than Terraform accepts.
    let deep = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let (code, out) = run_source(ADMIN_POLICY_HCL, &[("deep.tf", &deep)]);
    assert_eq!(code, 1, "{out}");
    // A query nested 20,000 deep, and /dev/zero as a plan.
    let q = format!("{}keys{}", "(".repeat(20_000), ")".repeat(20_000));
    let (code, _, err) = bounded(&[
        "check",
        "--query",
        &q,
        "testdata/examples/lockout/plan.json",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("operators"), "{err}");
    let (code, _, err) = bounded(&["check", "/dev/zero"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("binary file"), "{err}");
}

/// Attack 6, continued: many roles and many keys whose policy matches them all by a pattern.
#[test]
fn many_keys_matching_many_roles_stay_linear() {
    let d = tempfile::tempdir().unwrap();
    let mut changes = Vec::new();
    for i in 0..2000 {
        let a = json!({"arn": role_arn(&format!("r{i}")), "name": format!("r{i}"), "path": "/", "unique_id": format!("AROA{i:016}")});
        let (actions, after) = if i % 10 == 0 {
            (json!(["delete"]), Value::Null)
        } else {
            (json!(["no-op"]), a.clone())
        };
        changes.push(json!({"address": format!("aws_iam_role.r[{i}]"), "mode": "managed", "type": "aws_iam_role",
            "name": "r", "index": i, "change": {"actions": actions, "before": a, "after": after}}));
    }
    for k in 0..200 {
        let deny = k % 2 == 1;
        let mut statements = vec![
            json!({"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{ACCOUNT}:role/r*")}}}),
        ];
        if deny {
            statements.push(json!({"Sid": "DenyAll", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:PutKeyPolicy", "Resource": "*",
                "Condition": {"StringNotLike": {"aws:PrincipalArn": format!("arn:aws:iam::{ACCOUNT}:role/nobody")}}}));
        }
        let policy = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        let a =
            json!({"arn": format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{k}"), "policy": policy});
        changes.push(json!({"address": format!("aws_kms_key.k[{k}]"), "mode": "managed", "type": "aws_kms_key",
            "name": "k", "index": k, "change": {"actions": ["no-op"], "before": a, "after": a}}));
    }
    let p = write_json(&d.path().join("plan.json"), &plan(changes, vec![]));
    let (code, out, err) = bounded(&["check", "--format", "json", &p]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["verdicts"]["manageable"], 100);
    assert_eq!(v["summary"]["verdicts"]["locked_out"], 100);
    let managers = v["keys"][0]["managers"].as_array().unwrap();
    assert_eq!(managers.len(), kmsguard::MAX_MANAGERS, "the list is capped");
}

/// Attack 7: SARIF locations are percent-encoded, relative to the repository, never absolute and
/// never a temporary plan file; the log validates against the SARIF schema.
#[test]
fn sarif_locations_are_encoded_relative_and_valid() {
    let repo = Repo::new();
    let names = ["my kms.tf", "a%b.tf", "c#d.tf", "e?f.tf"];
    let mut changes = Vec::new();
    let mut role = replaced_admin();
    role["change"]["actions"] = json!(["delete"]);
    role["change"]["after"] = Value::Null;
    changes.push(role);
    for (i, n) in names.iter().enumerate() {
        repo.write(
            &format!("infra/{n}"),
            &format!("resource \"aws_kms_key\" \"k{i}\" {{\n}}\n"),
        );
        let policy = admin_policy(&role_arn("kms-admin"), "Admin");
        changes.push(json!({"address": format!("aws_kms_key.k{i}"), "mode": "managed", "type": "aws_kms_key", "name": format!("k{i}"),
            "change": {"actions": ["no-op"], "before": {"policy": policy}, "after": {"policy": policy}}}));
    }
    // A key in a module whose source leaves the repository: located at the module block.
    repo.write(
        "infra/outer.tf",
        "module \"out\" {\n  source = \"../../../elsewhere\"\n}\n",
    );
    let policy = admin_policy(&role_arn("kms-admin"), "Admin");
    changes.push(json!({"address": "module.out.aws_kms_key.x", "module_address": "module.out", "mode": "managed",
        "type": "aws_kms_key", "name": "x",
        "change": {"actions": ["no-op"], "before": {"policy": policy}, "after": {"policy": policy}}}));
    let doc = json!({"format_version": "1.2", "resource_changes": changes,
        "configuration": {"root_module": {"module_calls": {"out": {"source": "../../../elsewhere", "module": {}}}}}});
    // The plan lies outside the repository (like a file a CI step converted).
    let p = write_json(&repo.dir.path().join("plan.json"), &doc);
    let infra = path_str(&repo.infra()).to_owned();
    let r = run_with(kmsguard().args(["check", "--format", "sarif", "--config-dir", &infra, &p]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let uris: Vec<String> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|res| {
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str()
        })
        .map(str::to_owned)
        .collect();
    let mut sorted = uris.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "infra/a%25b.tf",
            "infra/c%23d.tf",
            "infra/e%3Ff.tf",
            "infra/my%20kms.tf",
            "infra/outer.tf"
        ],
        "{}",
        r.stdout
    );
    for res in v["runs"][0]["results"].as_array().unwrap() {
        let loc = &res["locations"][0]["physicalLocation"]["artifactLocation"];
        if !loc.is_null() {
            assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        }
    }
    let Some(dir) = shared_dir("KMSGUARD_SCHEMAS_DIR", "schemas") else {
        return;
    };
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Attack 7, the Action: one plan path per line (a path may hold spaces), inputs that must be one
/// line are refused, a failed conversion is an input error, two runs in one job do not see
/// each other's annotations, and the cache key has the CPU architecture.
#[test]
fn the_action_takes_paths_per_line_and_keeps_runs_apart() {
    use super::action::Runner;
    let runner = Runner::new();
    let dir = runner.work.path().join("my plans");
    std::fs::create_dir(&dir).unwrap();
    let lockout = dir.join("lock out.json");
    std::fs::copy("testdata/examples/lockout/plan.json", &lockout).unwrap();
    let clean = dir.join("clean.json");
    std::fs::copy(
        "testdata/lockout-check-bypassed/bypass-unset/plan.json",
        &clean,
    )
    .unwrap();

    let r = runner.run(&[
        (
            "plan",
            &format!("  {}\n\n{}\r\n", path_str(&lockout), path_str(&clean)),
        ),
        ("sarif-file", ""),
        ("version", "path"),
    ]);
    assert_eq!(r.code, 1, "{}", r.log);
    assert_eq!(
        command_lines(&r.log)
            .iter()
            .filter(|l| l.starts_with("::error"))
            .count(),
        1,
        "{}",
        r.log
    );
    // A second run in the same job, on a clean plan: no annotation of the first is replayed.
    let r = runner.run(&[
        ("plan", path_str(&clean)),
        ("sarif-file", ""),
        ("version", "path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.log);
    assert_eq!(command_lines(&r.log), Vec::<&str>::new(), "{}", r.log);

    // A new line in an input that names one file cannot write lines into $GITHUB_OUTPUT.
    let r = Runner::new().run(&[
        ("plan", path_str(&clean)),
        ("sarif-file", "x.sarif\nverdict=pass"),
        ("version", "path"),
    ]);
    assert_eq!(r.code, 2, "{}", r.log);
    assert!(
        r.log
            .contains("::error title=kmsguard::the SARIF_FILE input must be one line"),
        "{}",
        r.log
    );
    assert!(!r.outputs_raw.contains("verdict=pass"), "{}", r.outputs_raw);

    // A binary planfile that terraform cannot convert: an input error, not a finding.
    let fake_dir = runner.work.path().join("bin");
    std::fs::create_dir(&fake_dir).unwrap();
    let fake = fake_dir.join("terraform");
    std::fs::write(
        &fake,
        "#!/usr/bin/env bash\necho 'Error: no state' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let planfile = runner.work.path().join("plan.out");
    std::fs::write(&planfile, b"PK\x03\x04binary").unwrap();
    let mut with_fake = Runner::new();
    with_fake.extra_path.push(fake_dir);
    let r = with_fake.run(&[
        ("plan", path_str(&planfile)),
        ("sarif-file", ""),
        ("version", "path"),
    ]);
    assert_eq!(r.code, 2, "{}", r.log);
    assert!(
        r.log
            .contains("::error title=kmsguard::terraform show -json could not convert"),
        "{}",
        r.log
    );

    // The cache keys name the OS, the CPU architecture and the version (or the source).
    for (version, key) in [
        ("source", "key=kmsguard-source-Linux-ARM64-"),
        ("", "key=kmsguard-release-Linux-ARM64-v"),
    ] {
        let out = runner.work.path().join("cache_output");
        std::fs::write(&out, "").unwrap();
        // The repository pins no checksums for its own unreleased version: a copy that does.
        let action = tempfile::tempdir().unwrap();
        let own = format!("v{}", env!("CARGO_PKG_VERSION"));
        std::fs::create_dir_all(action.path().join("action/checksums")).unwrap();
        std::fs::copy(
            crate::common::repo().join("Cargo.toml"),
            action.path().join("Cargo.toml"),
        )
        .unwrap();
        std::fs::write(
            action.path().join(format!("action/checksums/{own}.sha256")),
            "",
        )
        .unwrap();
        let path = if version == "source" {
            crate::common::repo()
        } else {
            action.path().to_owned()
        };
        let status = Command::new("bash")
            .arg(crate::common::repo().join("action/resolve.sh"))
            .env("ACTION_PATH", &path)
            .env("INPUT_VERSION", version)
            .env("GITHUB_OUTPUT", &out)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "ARM64")
            .status()
            .unwrap();
        assert!(status.success());
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(
            written.lines().any(|l| l.starts_with(key)),
            "{version:?}: {written}"
        );
        if version.is_empty() {
            assert!(written.contains(&format!("key=kmsguard-release-Linux-ARM64-{own}")));
            assert!(written.contains("target=aarch64-unknown-linux-musl"));
        }
    }
}
