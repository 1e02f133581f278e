//! Output options shared by the commands, and writing results: to stdout, or to a file that is
//! either written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use liangxin::report::Options;

use super::choices::{Format, Lang};

use super::Exit;

#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of stdout (written whole or not at all).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// CSV for Excel on stdout too: a UTF-8 byte-order mark, labels as the header, 是/否, and
    /// ids a spreadsheet would mangle (00101, 18-digit 身份证号) written as ="00101". This is
    /// the default for CSV written to a file (--output).
    #[arg(long, conflicts_with = "no_bom")]
    pub bom: bool,
    /// CSV for programs even in a file: no byte-order mark, stable keys as the header,
    /// true/false, grade ids, ids as they are (the default on stdout).
    #[arg(long)]
    pub no_bom: bool,
    /// The labels of headings and columns: both (中文 English), zh or en. The packs' own words
    /// (grades, treatments) stay as the cities write them.
    #[arg(long, value_enum, default_value = "both")]
    pub lang: Lang,
}

impl OutputArgs {
    pub fn options(&self) -> Options {
        Options {
            excel: self.excel_csv(),
            lang: self.lang.into(),
            width: self.width(),
        }
    }

    /// Whether CSV is for a spreadsheet: asked for with `--bom`, or written to a file (which
    /// staff open in Excel) unless `--no-bom`. A device or a pipe named with `--output`
    /// (`/dev/stdout`) is not a file.
    fn excel_csv(&self) -> bool {
        if self.bom || self.no_bom {
            return self.bom;
        }
        self.output
            .as_deref()
            .is_some_and(|p| std::fs::metadata(p).map_or(true, |m| m.is_file()))
    }

    /// The width terminal tables are fitted to: `$COLUMNS` when set, else the terminal's when
    /// stdout is one; none for a pipe or a file (tables are then not wrapped).
    fn width(&self) -> Option<u16> {
        if self.output.is_some() {
            return None;
        }
        terminal_width(
            std::env::var("COLUMNS").ok().as_deref(),
            comfy_table::Table::new().width(),
        )
    }

    /// Refuses what cannot be shown where it would go: a workbook is bytes a terminal would
    /// print as garbage (a pipe or a redirect to a file takes it). Checked before any work.
    pub fn check(&self) -> Result<(), Exit> {
        use std::io::IsTerminal;
        if self.format == Format::Xlsx && self.output.is_none() && std::io::stdout().is_terminal() {
            eprintln!(
                "error: --format xlsx writes a workbook, not text; give --output FILE.xlsx (or redirect stdout to a file)"
            );
            return Err(Exit::Usage);
        }
        Ok(())
    }

    /// Renders a report in the chosen format and writes it where the user asked.
    pub fn emit(
        &self,
        doc: impl FnOnce() -> liangxin::report::doc::Document,
        json: impl FnOnce() -> serde_json::Value,
    ) -> Result<(), Exit> {
        match liangxin::report::render(doc, json, self.format.into(), self.options()) {
            Ok(bytes) => self.write(&bytes),
            Err(e) => {
                eprintln!("error: {e}");
                Err(Exit::Usage)
            }
        }
    }

    /// Writes the rendered result where the user asked, or says why it could not.
    pub fn write(&self, bytes: &[u8]) -> Result<(), Exit> {
        write_with(self.output.as_deref(), |out| out.write_all(bytes)).map_err(|e| {
            eprintln!(
                "error: cannot write {}: {e}",
                self.output
                    .as_deref()
                    .unwrap_or("stdout".as_ref())
                    .display()
            );
            Exit::Usage
        })
    }
}

/// The width tables are fitted to, from `$COLUMNS` (a number of at least 20 wins) and the
/// terminal's width (none when stdout is not a terminal).
pub fn terminal_width(columns: Option<&str>, terminal: Option<u16>) -> Option<u16> {
    columns
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&c| c >= 20)
        .or(terminal)
}

/// Writes `text` to `path` atomically (a temporary file in the same folder, then a rename),
/// or to stdout when there is no path.
pub fn write(path: Option<&Path>, text: &str) -> std::io::Result<()> {
    write_with(path, |out| out.write_all(text.as_bytes()))
}

/// Streams what `fill` writes to `path` atomically (a temporary file in the same folder, renamed
/// once complete, removed on failure), or to stdout when there is no path. A closed stdout
/// (`| head`) is not an error.
pub fn write_with(
    path: Option<&Path>,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(p) = path
        && p.is_dir()
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a directory; give a file name",
        ));
    }
    let Some(path) = path else {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        return match fill(&mut out).and_then(|_| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        };
    };
    // A device or a pipe (`/dev/null`, a FIFO) is written in place: renaming a file over it
    // would replace it.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new().write(true).open(path)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        return fill(&mut out).and_then(|_| out.flush());
    }
    // A link is kept: the file it points to is what gets replaced.
    let resolved;
    let path = if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        // A link to a file not made yet points where that file will be.
        resolved = match std::fs::canonicalize(path) {
            Ok(real) => real,
            Err(_) => {
                let target = std::fs::read_link(path)?;
                path.parent().unwrap_or(Path::new(".")).join(target)
            }
        };
        resolved.as_path()
    } else {
        path
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _unfinished = Unfinished::register(&temp);
    let result = std::fs::File::create(&temp)
        .and_then(|file| {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            fill(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        })
        .and_then(|_| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Whether the command was asked for JSON: then a failure that ends it before any report (an
/// invalid pack, a ledger that cannot be read) is also written to stdout as JSON, so a tool
/// reading stdout gets data either way.
static FAILURES_AS_JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes [`failure_as_json`] write (for `--format json`).
pub fn report_failures_as_json(on: bool) {
    FAILURES_AS_JSON.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Writes `{"error": {"kind", "message", "diagnostics"}}` to stdout when the command reports in
/// JSON; `kind` is `policy`, `ledger` or `io`.
pub fn failure_as_json(kind: &str, message: &str, diagnostics: &[liangxin::Diagnostic]) {
    if !FAILURES_AS_JSON.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let json = serde_json::json!({
        "error": { "kind": kind, "message": message, "diagnostics": diagnostics }
    });
    if let Ok(text) = serde_json::to_string_pretty(&json) {
        let _ = writeln!(std::io::stdout(), "{text}");
    }
}

/// Temporary output files being written, for [`remove_unfinished`].
static UNFINISHED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A temporary file listed in [`UNFINISHED`] while it lives.
struct Unfinished(PathBuf);

impl Unfinished {
    fn register(path: &Path) -> Unfinished {
        if let Ok(mut list) = UNFINISHED.lock() {
            list.push(path.to_path_buf());
        }
        Unfinished(path.to_path_buf())
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Ok(mut list) = UNFINISHED.lock() {
            list.retain(|p| p != &self.0);
        }
    }
}

/// Removes the temporary files of outputs not yet complete: called when the run is interrupted.
pub fn remove_unfinished() {
    if let Ok(list) = UNFINISHED.lock() {
        for path in list.iter() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// [`write_with`], or the reason it could not on stderr (exit 2).
pub fn write_or_say(
    path: Option<&Path>,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Exit {
    match write_with(path, fill) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            let target = path.map_or("stdout".to_owned(), |p| p.display().to_string());
            eprintln!("error: cannot write {target}: {e}");
            Exit::Usage
        }
    }
}

/// Prints record errors to stderr, at most 20, then how many more there are (the report itself
/// lists them all).
pub fn print_errors(ledger: &str, errors: &[liangxin::RecordError]) {
    for e in errors.iter().take(20) {
        // An error in another file (an entry ledger summed into the roster) names its file.
        let prefix = match &e.file {
            Some(_) => String::new(),
            None => format!("{}: ", liangxin::report::visible(ledger)),
        };
        eprintln!(
            "error: {prefix}{}",
            liangxin::report::visible(&e.to_string())
        );
    }
    if errors.len() > 20 {
        eprintln!(
            "... and {} more error(s) in {ledger}; the report lists them all",
            errors.len() - 20
        );
    }
}

#[cfg(test)]
mod tests {
    use super::terminal_width;

    #[test]
    fn tables_take_the_terminal_width_or_columns_and_a_pipe_none() {
        assert_eq!(terminal_width(None, Some(180)), Some(180));
        assert_eq!(terminal_width(Some("132"), Some(180)), Some(132));
        assert_eq!(terminal_width(Some("132"), None), Some(132));
        // A pipe: no width, so nothing is wrapped.
        assert_eq!(terminal_width(None, None), None);
        for nonsense in ["", "wide", "0", "5"] {
            assert_eq!(
                terminal_width(Some(nonsense), Some(100)),
                Some(100),
                "{nonsense}"
            );
        }
    }
}
