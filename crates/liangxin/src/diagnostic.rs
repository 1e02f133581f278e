//! Diagnostics: problems found in a policy pack, as data.
//!
//! Every stage before evaluation (load, validate, compile) reports problems as a list of
//! [`Diagnostic`]s instead of stopping at the first one, so `liangxin check` can show every
//! problem of a pack in one pass. A diagnostic knows its file, line and column and can render
//! the offending source line with the span underlined.

use std::fmt;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// How bad a problem is. Errors stop a pack from being used; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The pack cannot be used.
    Error,
    /// The pack can be used, but something is likely wrong.
    Warning,
}

/// A place in a source file: 1-based line and column (in characters), and a length in characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Location {
    /// The file's path, as diagnostics print it.
    pub file: String,
    /// The line, from 1; 0 when the problem is about the whole file.
    pub line: u32,
    /// The column in characters, from 1.
    pub column: u32,
    /// How many characters the problem spans (the underline's length).
    #[serde(skip)]
    pub len: u32,
}

impl Location {
    pub(crate) fn file_only(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            ..Default::default()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// One problem in a policy pack.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Whether the problem stops the pack from being used.
    pub severity: Severity,
    /// A short stable name for the kind of problem, e.g. `unknown-field`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where: file, line and column.
    pub location: Location,
    /// What to do about it, when there is something specific to suggest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The source line the location points at, for rendering.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub(crate) fn error(
        code: &'static str,
        message: impl Into<String>,
        location: Location,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location,
            help: None,
            source_line: None,
        }
    }

    pub(crate) fn warning(
        code: &'static str,
        message: impl Into<String>,
        location: Location,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, location)
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the line of `text` the location points at, so rendering can underline it.
    pub(crate) fn with_source(mut self, text: &str) -> Self {
        if self.location.line > 0 {
            self.source_line = text
                .lines()
                .nth(self.location.line as usize - 1)
                .map(str::to_owned);
        }
        self
    }

    /// [`Diagnostic::with_source`] for a pack's file, whose lines are indexed once.
    pub(crate) fn with_line_of(mut self, file: &crate::load::SourceFile) -> Self {
        if self.location.line > 0 {
            self.source_line = file.line(self.location.line).map(str::to_owned);
        }
        self
    }

    /// Whether the diagnostic is an error (the pack cannot be used).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How much of a long source line a diagnostic shows: characters before the column, and in all.
const SHOWN_BEFORE: usize = 40;
const SHOWN_LINE: usize = 120;

impl fmt::Display for Diagnostic {
    /// Renders in the style of rustc: a headline, the location, and the source line with the
    /// span underlined (widths are display widths, so Chinese text lines up).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{severity}[{}]: {}", self.code, self.message)?;
        write!(f, "  --> {}", self.location)?;
        if let Some(line) = &self.source_line {
            let number = self.location.line.to_string();
            let pad = " ".repeat(number.len());
            let column = self.location.column.saturating_sub(1) as usize;
            // A long line (a 100 MB one-line file, deep nesting) is shown around the column only.
            let skip = column.saturating_sub(SHOWN_BEFORE);
            // Control characters (a NUL in a file that is not text) are shown as symbols (␀),
            // never sent raw to the terminal.
            let shown: String = line
                .chars()
                .skip(skip)
                .take(SHOWN_LINE)
                .map(|c| match c {
                    '\0'..='\x1f' if c != '\t' => char::from_u32(0x2400 + c as u32).unwrap_or(c),
                    '\x7f' => '␡',
                    c => c,
                })
                .collect();
            let cut_before = if skip > 0 { "…" } else { "" };
            let cut_after = if line.chars().nth(skip + SHOWN_LINE).is_some() {
                "…"
            } else {
                ""
            };
            let before: String = cut_before
                .chars()
                .chain(shown.chars().take(column - skip))
                .collect();
            let marked: String = shown
                .chars()
                .skip(column - skip)
                .take(self.location.len.max(1) as usize)
                .collect();
            write!(
                f,
                "\n{pad} |\n{number} | {cut_before}{shown}{cut_after}\n{pad} | {}{}",
                " ".repeat(before.width()),
                "^".repeat(marked.width().max(1))
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// A message from a library (Rhai), first letter lowered: ours are lowercase.
pub(crate) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// True when any of the diagnostics is an error.
pub(crate) fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Help for an unknown name: "did you mean `x`?" when a candidate is close, else `otherwise`.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: &str,
) -> String {
    did_you_mean(name, candidates)
        .map_or_else(|| otherwise.to_owned(), |s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_source_line_is_shown_around_the_column_only() {
        let line = format!(
            "key: [{}oops{}]",
            "x, ".repeat(10_000),
            ", y".repeat(10_000)
        );
        let column = line.find("oops").unwrap() as u32 + 1;
        let d = Diagnostic::error(
            "syntax",
            "bad",
            Location {
                file: "p.yaml".into(),
                line: 1,
                column,
                len: 4,
            },
        )
        .with_source(&line);
        let shown = d.to_string();
        assert!(shown.len() < 400, "{} bytes", shown.len());
        let lines: Vec<&str> = shown.lines().collect();
        let (source, marks) = (lines[3], lines[4]);
        assert!(
            source.starts_with("1 | …") && source.ends_with('…'),
            "{source}"
        );
        // The carets sit under `oops`.
        let at = marks.find('^').unwrap();
        assert_eq!(
            &source[source
                .char_indices()
                .nth(marks[..at].chars().count())
                .unwrap()
                .0..][..4],
            "oops"
        );
    }
}
