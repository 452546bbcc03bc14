//! Renders diagnostics as text in the style of rustc: code, location, the line, a caret, a hint.

use crate::diag::{Diagnostic, Severity};
use crate::span::Sources;
use std::fmt::Write;

/// Renders one diagnostic. The text ends with a newline.
pub fn render(d: &Diagnostic, sources: &Sources) -> String {
    let mut out = String::new();
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{kind}[{}]: {}", d.code.as_str(), d.message);
    let file = d.span.and_then(|s| sources.get(s.source).map(|f| (s, f)));
    if let Some((span, file)) = file {
        let pos = file.position(span.start as usize);
        let end = file.position((span.end as usize).max(span.start as usize));
        let line_no = pos.line.to_string();
        let pad = " ".repeat(line_no.len());
        let _ = writeln!(out, "{pad}--> {}:{}:{}", file.path, pos.line, pos.col);
        let _ = writeln!(out, "{pad} |");
        let text = file.line_text(pos.line);
        let _ = writeln!(out, "{line_no} | {text}");
        let line_chars = text.chars().count();
        let width = if end.line == pos.line {
            end.col.saturating_sub(pos.col).max(1)
        } else {
            line_chars.saturating_sub(pos.col - 1).max(1)
        };
        // Tabs keep their width so the caret lines up.
        let lead: String = text
            .chars()
            .take(pos.col - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let caret = "^".repeat(width);
        match &d.label {
            Some(label) => {
                let _ = writeln!(out, "{pad} | {lead}{caret} {label}");
            }
            None => {
                let _ = writeln!(out, "{pad} | {lead}{caret}");
            }
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{pad} = help: {help}");
        }
    } else if let Some(help) = &d.help {
        let _ = writeln!(out, "  = help: {help}");
    }
    out
}

/// Renders all diagnostics followed by a summary line such as
/// `error: 2 errors, 1 warning` (nothing when there are none).
pub fn render_all<'a>(
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &Sources,
) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for d in diags {
        match d.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        out.push_str(&render(d, sources));
        out.push('\n');
    }
    if errors + warnings > 0 {
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        let lead = if errors > 0 { "error" } else { "warning" };
        let _ = writeln!(
            out,
            "{lead}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;
    use crate::span::Span;

    #[test]
    fn renders_like_rustc() {
        let mut sources = Sources::new();
        let id = sources.add(
            "flows/a.yaml",
            "flow: a\nsteps:\n  - id: x\n    card: json.prase\n",
        );
        let start = sources.get(id).unwrap().offset_of(4, 11);
        let d = Diagnostic::error(
            Code::UnknownCard,
            Some(Span::new(id, start, start + 10)),
            "unknown card `json.prase`",
        )
        .with_help("did you mean `json.parse`?");
        let text = render(&d, &sources);
        assert_eq!(
            text,
            "error[E0201]: unknown card `json.prase`\n \
             --> flows/a.yaml:4:11\n  |\n4 |     card: json.prase\n  |           ^^^^^^^^^^\n  |\n  = help: did you mean `json.parse`?\n"
        );
    }
}
