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
    Error,
    Warning,
}

/// A place in a source file: 1-based line and column (in characters), and a length in characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub len: u32,
}

impl Location {
    pub fn file_only(file: impl Into<String>) -> Self {
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
    pub severity: Severity,
    /// A short stable name for the kind of problem, e.g. `unknown-field`.
    pub code: &'static str,
    pub message: String,
    pub location: Location,
    /// What to do about it, when there is something specific to suggest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The source line the location points at, for rendering.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location,
            help: None,
            source_line: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, location)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the line of `text` the location points at, so rendering can underline it.
    pub fn with_source(mut self, text: &str) -> Self {
        if self.location.line > 0 {
            self.source_line = text
                .lines()
                .nth(self.location.line as usize - 1)
                .map(str::to_owned);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

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
            let before: String = line
                .chars()
                .take(self.location.column.saturating_sub(1) as usize)
                .collect();
            let marked: String = line
                .chars()
                .skip(self.location.column.saturating_sub(1) as usize)
                .take(self.location.len.max(1) as usize)
                .collect();
            write!(
                f,
                "\n{pad} |\n{number} | {line}\n{pad} | {}{}",
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
pub fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// True when any of the diagnostics is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
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
pub fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: &str,
) -> String {
    did_you_mean(name, candidates)
        .map_or_else(|| otherwise.to_owned(), |s| format!("did you mean `{s}`?"))
}
