//! Real Terraform in the loop. The scenarios under `testdata/` that are written as Terraform
//! (a folder whose `.tf` files configure the `aws` provider, with maybe a hand-written prior
//! state `terraform.tfstate` and more `terraform plan` arguments in `plan.args`) have their `terraform show -json` output committed beside
//! them as `plan.json` (and `state.json` for the prior state, where the folder has one), so
//! that every other test runs where Terraform is absent.
//!
//! This file plans them with the real Terraform and the real hashicorp/aws provider, offline:
//! a CLI configuration whose `filesystem_mirror` is a copy of the provider on disk, fake
//! credentials, the provider's `skip_*` settings, `-refresh=false` against the prior state,
//! and a stand-in for STS on 127.0.0.1 that answers `GetCallerIdentity` (the one API call a
//! plan of these scenarios makes).
//!
//! - `committed_plans_are_what_terraform_writes_today` fails when a committed output differs
//!   from what Terraform writes now (it says SKIPPED when Terraform or the provider is absent,
//!   or when Terraform is another version than the one that wrote the plans).
//! - `scripts/regenerate-plans.sh` (`KMSGUARD_REGENERATE_PLANS=1`) rewrites them instead;
//!   `KMSGUARD_SCENARIOS=part,part` limits either to the folders whose path contains a part.
//!
//! Two things of Terraform's output are normalised, so that regenerating an unchanged scenario
//! changes no byte: the plan's `timestamp`, and the order of `relevant_attributes`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::repo;

/// The Terraform version the committed plans were written with.
const TERRAFORM_VERSION: &str = "1.11.4";
/// The provider the scenarios pin (`required_providers`).
const PROVIDER: &str = "registry.terraform.io/hashicorp/aws/5.100.0";
/// What the plan's `timestamp` is set to.
const TIMESTAMP: &str = "2026-01-01T00:00:00Z";
/// The account the STS stand-in answers for.
pub(crate) const ACCOUNT: &str = "111122223333";

/// A scenario folder, relative to the repository root.
pub(crate) struct Scenario {
    pub dir: PathBuf,
    /// It has a prior state (`terraform.tfstate`) whose `show -json` is also committed.
    pub state_json: bool,
}

/// Every scenario written as Terraform, in path order.
pub(crate) fn scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    walk(&repo().join("testdata"), &mut out);
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

fn walk(dir: &Path, out: &mut Vec<Scenario>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    let configures_aws = entries.iter().any(|e| {
        e.extension().is_some_and(|x| x == "tf")
            && std::fs::read_to_string(e).is_ok_and(|t| t.contains("provider \"aws\""))
    });
    if configures_aws {
        out.push(Scenario {
            dir: dir.strip_prefix(repo()).unwrap().to_path_buf(),
            state_json: dir.join("state.json").is_file(),
        });
    }
    for e in entries {
        if e.is_dir() && e.file_name().is_some_and(|n| n != ".terraform") {
            walk(&e, out);
        }
    }
}

/// Terraform and the provider, ready to plan offline.
struct Terraform {
    binary: PathBuf,
    /// Holds the CLI configuration, the plugin cache and the copies of the scenarios.
    work: tempfile::TempDir,
    sts: u16,
    /// Serialises `terraform init` (see [`Terraform::plan`]).
    init_lock: std::sync::Mutex<()>,
}

/// Why the real-Terraform tests cannot run here, if they cannot.
fn terraform() -> Result<Terraform, String> {
    let binary = std::env::var_os("KMSGUARD_TERRAFORM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("terraform"));
    let version = Command::new(&binary)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .map_err(|e| format!("{} does not run ({e})", binary.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&version.stdout)
        .map_err(|_| "`terraform version -json` printed no JSON".to_owned())?;
    let found = v["terraform_version"].as_str().unwrap_or("?");
    if found != TERRAFORM_VERSION {
        return Err(format!(
            "Terraform {found} is not the {TERRAFORM_VERSION} the committed plans were written with"
        ));
    }
    let mirror = std::env::var_os("KMSGUARD_TF_PROVIDER_MIRROR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/tf-plugins"));
    if !mirror.join(PROVIDER).is_dir() {
        return Err(format!(
            "no {PROVIDER} under {} (set KMSGUARD_TF_PROVIDER_MIRROR to a provider mirror)",
            mirror.display()
        ));
    }
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("plugin-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let config = format!(
        "plugin_cache_dir = {cache:?}\nplugin_cache_may_break_dependency_lock_file = true\n\
         provider_installation {{\n  filesystem_mirror {{\n    path    = {mirror:?}\n    \
         include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
        cache = cache.display().to_string(),
        mirror = mirror.display().to_string(),
    );
    std::fs::write(work.path().join("cli.tfrc"), config).unwrap();
    let sts = sts_stand_in();
    Ok(Terraform {
        binary,
        work,
        sts,
        init_lock: std::sync::Mutex::new(()),
    })
}

impl Terraform {
    fn command(&self, dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
        let out = Command::new(&self.binary)
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.work.path())
            .env("TF_CLI_CONFIG_FILE", self.work.path().join("cli.tfrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env(
                "AWS_ENDPOINT_URL_STS",
                format!("http://127.0.0.1:{}", self.sts),
            )
            .output()
            .map_err(|e| format!("terraform {args:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "terraform {} in {}: {}{}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(out.stdout)
    }

    /// Plans a scenario in a copy of `testdata/` (so that relative module sources resolve)
    /// and returns its outputs: `(file name, bytes)`.
    fn plan(&self, copy: &Path, s: &Scenario) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
        let dir = copy.join(s.dir.strip_prefix("testdata").unwrap());
        {
            // One `terraform init` at a time: the shared plugin cache is not safe for
            // concurrent inits (hashicorp/terraform#31964; seen here as "mkdir
            // …/linux_amd64: file exists"). Plans still run two at a time.
            let _one = self.init_lock.lock().unwrap_or_else(|e| e.into_inner());
            self.command(&dir, &["init", "-no-color"])?;
        }
        // `plan.args`: more arguments, one a line (`-replace=ADDRESS`, as a user who
        // replaces a resource on purpose would give).
        let extra = std::fs::read_to_string(dir.join("plan.args")).unwrap_or_default();
        let mut args = vec![
            "plan",
            "-no-color",
            "-refresh=false",
            "-lock=false",
            "-out=kmsguard.tfplan",
        ];
        args.extend(extra.lines().map(str::trim).filter(|l| !l.is_empty()));
        self.command(&dir, &args)?;
        let plan = self.command(&dir, &["show", "-json", "kmsguard.tfplan"])?;
        let mut out = vec![("plan.json", normalise(plan))];
        if s.state_json {
            out.push((
                "state.json",
                self.command(&dir, &["show", "-json", "terraform.tfstate"])?,
            ));
        }
        Ok(out)
    }
}

/// What changes from one `terraform show -json` to the next for the same plan: the
/// `timestamp` is set to [`TIMESTAMP`], and `relevant_attributes` (which Terraform lists in no
/// fixed order) are sorted. Everything else is left as Terraform wrote it.
fn normalise(json: Vec<u8>) -> Vec<u8> {
    let mut text = String::from_utf8(json).expect("Terraform writes UTF-8");
    let key = "\"timestamp\":\"";
    if let Some(at) = text.rfind(key) {
        let start = at + key.len();
        let end = start + text[start..].find('"').expect("a closed string");
        text.replace_range(start..end, TIMESTAMP);
    }
    let key = "\"relevant_attributes\":";
    if let Some(at) = text.find(key) {
        let start = at + key.len();
        let mut stream = serde_json::Deserializer::from_str(&text[start..])
            .into_iter::<Vec<Box<serde_json::value::RawValue>>>();
        if let Some(Ok(mut items)) = stream.next() {
            let end = start + stream.byte_offset();
            items.sort_by(|a, b| a.get().cmp(b.get()));
            let sorted: Vec<&str> = items.iter().map(|i| i.get()).collect();
            text.replace_range(start..end, &format!("[{}]", sorted.join(",")));
        }
    }
    text.into_bytes()
}

/// A copy of `testdata/` without the committed outputs and Terraform's own files.
fn copy_testdata(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let name = e.file_name();
            let path = e.path();
            if path.is_dir() {
                if name != ".terraform" {
                    copy(&path, &to.join(&name));
                }
            } else if name != "plan.json" && name != "state.json" {
                std::fs::copy(&path, to.join(&name)).unwrap();
            }
        }
    }
    copy(&repo().join("testdata"), to);
}

/// A stand-in for AWS STS on 127.0.0.1: `GetCallerIdentity` answers for a user of
/// [`ACCOUNT`]; anything else is refused. Returns its port.
fn sts_stand_in() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut length = 0usize;
        let mut first = true;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                if first {
                    continue;
                }
                break;
            }
            first = false;
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length.min(1 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body);
        let (status, xml) = if body.contains("Action=GetCallerIdentity") {
            (
                "200 OK",
                format!(
                    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/terraform</Arn>\
                     <UserId>AIDAEXAMPLETERRAFORM1</UserId><Account>{ACCOUNT}</Account>\
                     </GetCallerIdentityResult><ResponseMetadata><RequestId>\
                     00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>\
                     </GetCallerIdentityResponse>"
                ),
            )
        } else {
            (
                "400 Bad Request",
                "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>\
                 <Message>the test stand-in answers GetCallerIdentity only</Message></Error>\
                 </ErrorResponse>"
                    .to_owned(),
            )
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{xml}",
            xml.len()
        );
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// Plans every scenario (two at a time) and compares each output with the committed one, or
/// writes it (`KMSGUARD_REGENERATE_PLANS=1`).
#[test]
fn committed_plans_are_what_terraform_writes_today() {
    let regenerate = std::env::var_os("KMSGUARD_REGENERATE_PLANS").is_some();
    let tf = match terraform() {
        Ok(tf) => tf,
        Err(why) => {
            assert!(!regenerate, "cannot regenerate the plans: {why}");
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED terraform::committed_plans_are_what_terraform_writes_today: {why}"
            );
            return;
        }
    };
    let copy = tf.work.path().join("testdata");
    copy_testdata(&copy);
    // `KMSGUARD_SCENARIOS=a,b`: only the scenarios whose folder contains one of these.
    let only = std::env::var("KMSGUARD_SCENARIOS").ok();
    let all: Vec<Scenario> = scenarios()
        .into_iter()
        .filter(|s| {
            only.as_deref().is_none_or(|o| {
                o.split(',')
                    .any(|part| s.dir.to_string_lossy().contains(part.trim()))
            })
        })
        .collect();
    assert!(
        only.is_some() || all.len() >= 25,
        "only {} scenarios",
        all.len()
    );
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(s) = all.get(i) else { break };
                    let r = tf.plan(&copy, s);
                    results.lock().unwrap().push((i, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let mut problems = Vec::new();
    for (i, r) in results {
        let s = &all[i];
        let outputs = match r {
            Ok(o) => o,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        for (name, fresh) in outputs {
            let path = repo().join(&s.dir).join(name);
            if regenerate {
                std::fs::write(&path, &fresh).unwrap();
                continue;
            }
            let committed = std::fs::read(&path).unwrap_or_default();
            let parse = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).ok();
            if parse(&committed).is_none() || parse(&committed) != parse(&fresh) {
                problems.push(format!(
                    "{} differs from what Terraform writes today; run scripts/regenerate-plans.sh",
                    path.strip_prefix(repo()).unwrap().display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
