//! Every real `terraform show -json` document in ../shared/corpus/real is read without
//! error; the one marked NEGATIVE is refused with a clear message. The files belong to
//! other projects and are read in place (KMSGUARD_CORPUS_DIR, set by .ci/run).
//!
//! A plan that says `errored: true` is refused unless `--allow-errored` (Terraform cannot
//! apply it): the corpus is read with the flag, and the errored plans are checked to be
//! refused, clearly, without it.

use crate::common::{json, path_str, run, shared_dir};

#[test]
fn every_real_document_is_read_and_the_negative_one_refused() {
    let Some(dir) = shared_dir("KMSGUARD_CORPUS_DIR", "corpus/real") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "expected the 40 corpus files, found {}",
        files.len()
    );
    let mut negatives = 0;
    let mut errored = 0;
    for f in &files {
        let name = path_str(f);
        let r = run(&["check", "--format", "json", "--allow-errored", name]);
        if name.contains("NEGATIVE") {
            negatives += 1;
            assert_eq!(r.code, 2, "{name} must be refused");
            assert!(
                r.stderr.contains("not `terraform show -json` output"),
                "{name}: {}",
                r.stderr
            );
            continue;
        }
        assert!(
            r.code == 0 || r.code == 1,
            "{name}: exit {} {}",
            r.code,
            r.stderr
        );
        assert!(r.stderr.is_empty(), "{name}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(v["errors"].as_array().unwrap().is_empty(), "{name}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap_or_default();
        let says_errored = doc["errored"] == serde_json::Value::Bool(true);
        if says_errored {
            errored += 1;
            let r = run(&["check", "--format", "json", name]);
            assert_eq!(r.code, 2, "{name}: an errored plan is refused by default");
            assert!(r.stderr.contains("--allow-errored"), "{}", r.stderr);
        }
    }
    assert_eq!(negatives, 1);
    assert!(errored >= 1, "the corpus has an errored plan");
}

#[test]
fn corpus_verdicts_we_know() {
    let Some(dir) = shared_dir("KMSGUARD_CORPUS_DIR", "corpus/real") else {
        return;
    };
    let verdict = |file: &str| {
        let (_, v) = json(&[path_str(&dir.join(file))]);
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["address"].as_str().unwrap().to_owned(),
                    k["verdict"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Created keys with no policy in the configuration get the default key policy.
    assert_eq!(
        verdict("checkov__terragoat_kms_iam_55res__fv0.1.json"),
        [("aws_kms_key.logs_key".into(), "manageable".into())]
    );
    assert_eq!(
        verdict("regula__kms_key_tf1.0.8__fv0.2.json"),
        [("aws_kms_key.cloudwatch".into(), "manageable".into())]
    );
    assert_eq!(
        verdict("tfcompliance__kms_key_in_module__fv1.0.json"),
        [(
            "module.project1.aws_kms_key.test".into(),
            "manageable".into()
        )]
    );
    // A literal policy that gives kms:PutKeyPolicy to nobody.
    assert_eq!(
        verdict("tfcompliance__kms_key_literal_policy_principals__fv0.1.json"),
        [("aws_kms_key.example".into(), "locked_out".into())]
    );
}

#[test]
fn streaming_reads_every_real_document_the_same() {
    let Some(dir) = shared_dir("KMSGUARD_CORPUS_DIR", "corpus/real") else {
        return;
    };
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let name = path_str(&path);
        let a = run(&["check", "--format", "json", "--allow-errored", name]);
        let b = run(&[
            "check",
            "--format",
            "json",
            "--allow-errored",
            "--low-memory",
            name,
        ]);
        assert_eq!((a.code, &a.stdout), (b.code, &b.stdout), "{name}");
    }
}
