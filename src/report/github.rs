//! GitHub Actions: workflow commands (`::error file=…,line=…::…`) that show findings as
//! annotations, and `name=value` lines for `$GITHUB_OUTPUT`.

use std::io::{self, Write};

use super::Report;
use crate::error::display_source;
use crate::rules::Severity;

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one annotation per finding and per input error.
pub fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in r.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(l) = r.locations.get(f.key) {
            props.push(format!("file={}", property(&l.file)));
            props.push(format!("line={}", l.line));
        }
        props.push(format!(
            "title={}",
            property(&format!("kmsguard {}: {}", f.rule.id(), f.address))
        ));
        let mut msg = f.message.clone();
        if let Some(remedy) = &f.remedy {
            msg.push_str("\n\nRemedy: ");
            msg.push_str(remedy);
        }
        msg.push_str(&format!("\n\nDocs: {}", f.rule.help_url()));
        writeln!(out, "::{command} {}::{}", props.join(","), data(&msg))?;
    }
    for e in r.errors {
        writeln!(
            out,
            "::error title={}::{}",
            property("kmsguard input error"),
            data(&format!("{}: {}", display_source(&e.source), e.error))
        )?;
    }
    Ok(())
}

/// Writes `verdict` (`pass`, `fail`, `error`) and `locked-out-count` (keys this plan
/// makes unmanageable) as `$GITHUB_OUTPUT` lines.
pub fn render_outputs(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "verdict={}", r.outcome().word())?;
    writeln!(out, "locked-out-count={}", r.introduced_lockouts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
