//! `liangxin eval` with every record's outcome (CSV, JSON, NDJSON) from a CSV ledger or stdin:
//! evaluated as a stream, in bounded memory, whatever the ledger's size.

use std::path::Path;

use liangxin::stream::{RecordFormat, StreamError, StreamOptions};

use super::choices::Format;
use super::eval::Args;
use super::{Exit, output};

/// Records kept for the error report of a stream (all are counted; the rest are summed up in
/// a note).
const ERRORS_KEPT: usize = 10_000;

/// The format a stream writes, when this run is one a stream can do.
pub fn record_format(args: &Args, compiled: &liangxin::CompiledPolicy) -> Option<RecordFormat> {
    let format = match args.out.format {
        Format::Csv => RecordFormat::Csv(args.out.options()),
        Format::Json => RecordFormat::Json,
        Format::Ndjson => RecordFormat::Ndjson,
        Format::Table | Format::Md | Format::Html | Format::Xlsx => return None,
    };
    let plain = !args.summary
        && !args.explain
        && args.record.is_none()
        && args.group_by.is_none()
        && args.entries.entries.is_none()
        && !args.watch.watch
        && is_csv(&args.records);
    (plain && liangxin::stream::streamable(compiled).is_ok()).then_some(format)
}

/// Whether the ledger is read as CSV: stdin (`-`) or a .csv, .txt or .tsv file.
pub fn is_csv(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    path.as_os_str() == "-" || matches!(ext.as_deref(), Some("csv" | "txt" | "tsv"))
}

/// What a stream of `args.records` is read with: the reading options, `--top`, a progress bar.
pub fn options(args: &Args) -> StreamOptions {
    StreamOptions {
        top: args.top.map(|n| n as usize),
        encoding: args.reading.encoding,
        header_row: args.reading.header_row.map(|n| n as usize),
        columns: args.reading.columns.clone(),
        progress: Some(super::progress::bytes_read),
        ..Default::default()
    }
}

/// Starts the progress bar of a stream of `path` (its size known for a file, not for stdin).
pub fn start_progress(path: &Path) {
    let size = std::fs::metadata(path)
        .ok()
        .filter(|_| path.as_os_str() != "-")
        .map(|m| m.len());
    super::progress::start(size, "evaluating");
}

/// Evaluates the ledger as a stream and writes every outcome. None when it must be read whole
/// after all (an id on two rows of a file): nothing was written, and the caller reads it whole.
pub fn run(
    args: &Args,
    compiled: &liangxin::CompiledPolicy,
    format: RecordFormat,
) -> Option<(Exit, Option<liangxin::Evaluation>)> {
    let path = &args.records;
    let stdin = path.as_os_str() == "-";
    let mut options = options(args);
    options.max_errors = ERRORS_KEPT;
    // Beside an output file, on the disk that must hold it anyway (not beside a device such as
    // /dev/null, whose folder may be memory); else in TMPDIR.
    options.spool_dir = args
        .out
        .output
        .as_deref()
        .filter(|p| std::fs::metadata(p).map_or(true, |m| m.is_file()))
        .and_then(Path::parent)
        .filter(|p| p.is_dir())
        .map(Path::to_path_buf);
    start_progress(path);
    let name = if stdin {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let mut failure: Option<StreamError> = None;
    let mut evaluation = None;
    let written = output::write_with(args.out.output.as_deref(), |out| {
        let result = if stdin {
            liangxin::stream::write_records(compiled, std::io::stdin(), &name, options, format, out)
        } else {
            match std::fs::File::open(path) {
                Ok(file) => {
                    liangxin::stream::write_records(compiled, file, &name, options, format, out)
                }
                Err(source) => Err(StreamError::Ledger(liangxin::LedgerError::Io {
                    path: name.clone(),
                    source,
                })),
            }
        };
        match result {
            Ok(e) => {
                evaluation = Some(e);
                Ok(())
            }
            Err(StreamError::Output(e)) => Err(e),
            Err(other) => {
                failure = Some(other);
                Err(std::io::Error::other("the ledger was not evaluated"))
            }
        }
    });
    super::progress::finish();
    match failure {
        Some(StreamError::NotStreamable { message, .. }) if !stdin => {
            // Nothing was written: read whole, the ledger's errors are reported as always.
            eprintln!("note: {name}: {message}");
            return None;
        }
        Some(StreamError::NotStreamable { path, message }) => {
            let text = format!(
                "{path}: {message}; standard input cannot be read a second time: save the ledger to a file and evaluate the file"
            );
            eprintln!("error: {text}");
            output::failure_as_json("ledger", &text, &[]);
            return Some((Exit::Usage, None));
        }
        Some(other) => {
            eprintln!("error: {other}");
            output::failure_as_json("ledger", &other.to_string(), &[]);
            return Some((Exit::Usage, None));
        }
        None => {}
    }
    if let Err(e) = written {
        let target = args
            .out
            .output
            .as_deref()
            .map_or("stdout".to_owned(), |p| p.display().to_string());
        eprintln!("error: cannot write {target}: {e}");
        return Some((Exit::Usage, None));
    }
    let evaluation = evaluation?;
    output::print_errors(&name, &evaluation.errors);
    let failed = evaluation.summary.errors > 0 || !evaluation.errors.is_empty();
    Some((if failed { Exit::Findings } else { Exit::Ok }, None))
}
