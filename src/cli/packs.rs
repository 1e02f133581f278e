//! Finding packs: a path, or the id of a bundled pack.

use std::path::{Path, PathBuf};

/// The folder of bundled packs: `$LIANGXIN_POLICIES`, else `./policies`, else the `policies/`
/// of the source tree the binary was built from.
pub fn policies_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LIANGXIN_POLICIES") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("policies");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

/// A pack argument as a path: itself when it exists, else the bundled pack of that id.
pub fn resolve(arg: &Path) -> PathBuf {
    if arg.exists() {
        return arg.to_path_buf();
    }
    let bundled = policies_dir().join(arg);
    if bundled.is_dir() {
        bundled
    } else {
        arg.to_path_buf()
    }
}

/// The bundled packs' directories, sorted.
pub fn bundled() -> std::io::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(policies_dir())? {
        let path = entry?.path();
        if path.join("policy.yaml").is_file() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Loads and compiles a pack for a command (a path, a bundled id, or `REV:path` for a git
/// revision), printing its warnings, or its problems and the exit code to end with.
pub fn prepare(arg: &Path, as_of: &str) -> Result<liangxin::Prepared, super::Exit> {
    let (result, pack) = match super::git::GitLoader::parse(arg) {
        Some((git, path)) => {
            // Name the revision in any I/O error, not just the path inside it.
            let result = liangxin::prepare_at(&git, &path, Some(as_of)).map_err(|e| match e {
                liangxin::LoadError::Io { path, source } => liangxin::LoadError::Io {
                    path: format!("{}:{path}", git.rev),
                    source,
                },
                other => other,
            });
            (result, arg.to_path_buf())
        }
        None => {
            let pack = resolve(arg);
            (
                liangxin::prepare_at(&liangxin::FsLoader, &pack, Some(as_of)),
                pack,
            )
        }
    };
    match result {
        Ok(p) => {
            for w in &p.warnings {
                eprintln!("{w}\n");
            }
            Ok(p)
        }
        Err(liangxin::LoadError::Io { path, source }) => {
            let message = format!("cannot read policy {path}: {source}");
            eprintln!("error: {message}");
            super::output::failure_as_json("io", &message, &[]);
            Err(super::Exit::Usage)
        }
        Err(liangxin::LoadError::Invalid(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{d}\n");
            }
            let message = format!("policy {} is invalid", pack.display());
            eprintln!(
                "error: {message}; `liangxin check {}` lists the problems",
                pack.display()
            );
            super::output::failure_as_json("policy", &message, &diagnostics);
            Err(super::Exit::Findings)
        }
    }
}

/// How to read the ledger, for every command that reads one.
#[derive(Debug, Clone, clap::Args)]
pub struct LedgerArgs {
    /// The ledger's text encoding: auto (a byte-order mark, else UTF-8, else GBK), utf-8, gbk
    /// (gb18030), utf-16le (Excel's "Unicode text") or utf-16be.
    #[arg(long, default_value = "auto", value_parser = clap::builder::ValueParser::new(str::parse::<liangxin::encoding::Encoding>))]
    pub encoding: liangxin::encoding::Encoding,
    /// The sheet of an .xlsx/.xls/.ods ledger: its name or its position from 1 (default: the
    /// first sheet with data).
    #[arg(long)]
    pub sheet: Option<String>,
    /// The header's row (from 1), when finding it below the title rows goes wrong.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
    /// Which column to read a field from when two columns could fill it (a 2023 and a 2024
    /// block): FIELD=COLUMN, the column as a letter (K), a number from 1, its header or its
    /// group's name (2024年); repeat for several fields. Without it such a ledger is refused.
    #[arg(long = "column", value_name = "FIELD=COLUMN", value_parser = clap::builder::ValueParser::new(str::parse::<liangxin::ledger::ColumnChoice>))]
    pub columns: Vec<liangxin::ledger::ColumnChoice>,
    /// What to do with what a workbook hides (hidden sheets, rows and columns) or strikes
    /// through: skip it with a note naming it, refuse the ledger, or read it with a note.
    #[arg(long, value_enum, default_value = "skip")]
    pub hidden: super::choices::Hidden,
}

impl LedgerArgs {
    pub fn options(&self) -> liangxin::ledger::ReadOptions {
        liangxin::ledger::ReadOptions {
            encoding: self.encoding,
            sheet: self.sheet.clone(),
            header_row: self.header_row.map(|n| n as usize),
            columns: self.columns.clone(),
            hidden: self.hidden.into(),
        }
    }
}

/// Reads a ledger for a command, or prints why not.
pub fn ledger(
    path: &Path,
    schema: &liangxin::Schema,
    reading: &LedgerArgs,
) -> Result<liangxin::Ledger, super::Exit> {
    if let Err(message) = super::memory::check_whole_read(path) {
        eprintln!("error: {message}");
        super::output::failure_as_json("ledger", &message, &[]);
        return Err(super::Exit::Usage);
    }
    liangxin::Ledger::read_with(path, schema, &reading.options()).map_err(|e| {
        eprintln!("error: {e}");
        super::output::failure_as_json("ledger", &e.to_string(), &[]);
        super::Exit::Usage
    })
}

/// The packs named on the command line, or every bundled pack when none is.
pub fn list_or_bundled(args: &[PathBuf]) -> Result<Vec<PathBuf>, super::Exit> {
    if !args.is_empty() {
        return Ok(args.iter().map(|p| resolve(p)).collect());
    }
    bundled().map_err(|e| {
        eprintln!(
            "error: cannot list bundled packs in {}: {e}",
            policies_dir().display()
        );
        super::Exit::Usage
    })
}
