//! Evaluating a CSV ledger as it is read, for ledgers too large to hold: a province's members.
//!
//! The input (a file or stdin) is cut into blocks of whole rows; one thread reads and types
//! them while the others evaluate the previous block, and each outcome is folded into the
//! summary and the leaderboard and then dropped. Memory holds a few blocks, the grade counts and
//! the current leaders with a count per score among them, whatever the ledger's size. Ranks stay
//! exact: a leader's competition rank is one more than the number of records scoring above it,
//! and every such record is a leader too. Blocks are cut only at a line feed that ends a row,
//! following the csv crate's quoting, so a quoted cell with a line break stays whole (a file
//! whose lines end in a carriage return alone is read as one block).
//!
//! Every record's outcome is streamed too, in two passes ([`write_records`], in `records`).
//! `lead` and `rate` group rules are folded block by block (`evaluate::RuleFold`).
//! What needs every outcome at once is not streamed: a quota and `--group-by` use
//! [`crate::Ledger`] and [`CompiledPolicy::evaluate_ledger`].

mod records;

pub use crate::report::records::RecordFormat;
pub use records::{MAX_SCORES, StreamError, write_records};

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc;

use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use crate::compile::CompiledPolicy;
use crate::encoding::Encoding;
use crate::evaluate::{Evaluation, Outcome, Tally};
use crate::ledger::Scan;
use crate::ledger::{CsvRows, LedgerError, Record, RecordError, records_with_errors};

/// How a stream is evaluated.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Threads that evaluate (one more reads).
    pub threads: usize,
    /// Keep the leaders down to this rank (ties included).
    pub top: Option<usize>,
    /// Bytes per block of rows (a row longer than this makes its block longer).
    pub block_bytes: usize,
    /// Record errors kept for the report (all are counted).
    pub max_errors: usize,
    /// The input's text encoding (`Auto`: a byte-order mark, else UTF-8 or GBK).
    pub encoding: Encoding,
    /// The header's line, when the user names it (else found below the title rows).
    pub header_row: Option<usize>,
    /// Which column fills a field two columns could fill (see [`crate::ledger::ReadOptions`]).
    pub columns: Vec<crate::ledger::ColumnChoice>,
    /// Called with the bytes read so far after each block (a progress bar); None costs nothing.
    pub progress: Option<fn(u64)>,
    /// A quoted cell longer than this is taken for a quote that never closes: its row is an
    /// error and reading goes on, instead of holding the rest of the input in memory.
    pub max_cell_bytes: usize,
    /// Where the per-record stream keeps its temporary files (default: the system's temporary
    /// folder, `TMPDIR`).
    pub spool_dir: Option<std::path::PathBuf>,
    /// Bytes of rendered records the per-record stream keeps in memory before it moves them to
    /// a temporary file.
    pub spool_in_memory: usize,
    /// Record ids the per-record stream remembers in memory (16 bytes each) before it writes
    /// them, sorted, to a temporary file, to find an id on two rows at the end.
    pub ids_in_memory: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            top: None,
            block_bytes: 1 << 20,
            max_errors: 100,
            encoding: Encoding::Auto,
            header_row: None,
            columns: Vec::new(),
            progress: None,
            max_cell_bytes: 64 << 20,
            spool_dir: None,
            spool_in_memory: 64 << 20,
            ids_in_memory: 4 << 20,
        }
    }
}

/// Whether every record of a ledger under `compiled` can be written as a stream
/// ([`write_records`]); if not, why (the ledger is then read whole).
///
/// # Errors
///
/// Why not, in words: a quota changes grades once every record is known.
pub fn streamable(compiled: &CompiledPolicy) -> Result<(), String> {
    records::not_streamable(compiled).map_or(Ok(()), Err)
}

/// Evaluates the CSV ledger `input` under `compiled` without holding it. The evaluation's
/// summary covers every record; its outcomes are the leaders (with `top`, ranked exactly), its
/// errors the first `max_errors` (the summary counts all).
///
/// # Errors
///
/// [`LedgerError::Io`] when `input` fails; [`LedgerError::Format`] when it is not a ledger, or
/// when streaming cannot go on: an id met twice, a rate column that changes form, a pack with
/// a quota (which needs every record at once).
pub fn evaluate_csv(
    compiled: &CompiledPolicy,
    input: impl Read + Send,
    name: &str,
    options: StreamOptions,
) -> Result<Evaluation, LedgerError> {
    let policy = &compiled.policy;
    // A quota changes grades and money once every record is known: tallies counted block by
    // block would be the quota's answer before it applied, so such a pack is not streamed.
    if let Some(q) = policy
        .group_rules
        .iter()
        .find(|r| matches!(r.kind, crate::policy::GroupKind::Quota { .. }))
    {
        return Err(LedgerError::Format {
            path: name.to_owned(),
            message: format!(
                "the pack's quota `{}` needs every record at once, so its totals cannot be streamed: read the ledger whole (without --summary)",
                q.id
            ),
        });
    }
    let mut tally = Tally::new(policy);
    // `lead` and `rate` group rules, counted as records come (a quota was refused above).
    let mut folds = compiled.group_folds().unwrap_or_default();
    let mut board = Leaderboard::new(compiled, options.top);
    let mut errors: Vec<RecordError> = Vec::new();
    let mut failed_records = 0usize;
    let mut total_errors = 0usize;

    let options = &options;
    let read = std::thread::scope(|scope| -> Result<CsvRows<'_>, LedgerError> {
        // The reader sends typed blocks; two in flight keep both sides busy.
        let (send, receive) = mpsc::sync_channel::<(Vec<Record>, Vec<RecordError>)>(2);
        let reader = scope.spawn(move || {
            read_blocks(input, name, options, compiled, false, |records, errors| {
                send.send((records, errors)).is_ok()
            })
        });
        for (records, mut block_errors) in receive {
            for (outcomes, mut record_errors) in compiled.evaluate_split(&records, options.threads)
            {
                block_errors.append(&mut record_errors);
                for o in &outcomes {
                    tally.add(o);
                    for fold in &mut folds {
                        fold.add(o);
                    }
                }
                board.add(outcomes);
            }
            // Rows of one block, so the first ones kept are the first by row.
            block_errors.sort_by_key(|e| e.row);
            failed_records += records_with_errors(&block_errors);
            total_errors += block_errors.len();
            keep(&mut errors, block_errors, options.max_errors);
        }
        match reader.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })?;

    let ledger = read.finish()?;
    let mut notes = ledger.notes;
    if total_errors > errors.len() {
        notes.push(format!(
            "streamed: the first {} of {total_errors} record errors are listed ({failed_records} records could not be evaluated)",
            errors.len()
        ));
    }
    let leaders = board.finish();
    let mut evaluation = Evaluation::new(compiled, leaders, errors, notes);
    evaluation.group_rules = folds
        .into_iter()
        .map(crate::evaluate::RuleFold::finish)
        .collect();
    crate::evaluate::not_final(&mut evaluation.group_rules, failed_records);
    evaluation.summary = tally.summary(policy, failed_records, policy.budget.as_ref());
    evaluation.extra_columns = ledger.extra_columns;
    Ok(evaluation)
}

/// Reads the CSV `input` in blocks of whole rows, typing the fields `compiled` reads (and, with
/// `extras`, keeping the unknown columns), and hands each block's records and errors to `send`
/// until it returns false. A streamed summary stops at an id met twice; the per-record stream
/// (`extras`) finds such ids itself at the end.
fn read_blocks<'a>(
    input: impl Read,
    name: &str,
    options: &StreamOptions,
    compiled: &'a CompiledPolicy,
    extras: bool,
    send: impl FnMut(Vec<Record>, Vec<RecordError>) -> bool,
) -> Result<CsvRows<'a>, LedgerError> {
    let mut rows = CsvRows::new(name, &compiled.policy.schema);
    rows.builder.duplicates = if extras {
        crate::ledger::Duplicates::Allowed
    } else {
        crate::ledger::Duplicates::StopStream(std::collections::HashSet::default())
    };
    rows.builder.wanted = Some(compiled.fields_read());
    rows.builder.extras = extras;
    rows.header_row = options.header_row;
    rows.choices = options.columns.clone();
    read_rows(input, name, options, rows, send)
}

/// Reads `input` in blocks of whole rows into `rows` (set up by the caller: which fields, how
/// ids on two rows are met, the header's row and column choices), handing each block's records and errors to `send` until it says
/// stop; returns the reader, for its notes and what it found.
pub(crate) fn read_rows<'a>(
    input: impl Read,
    name: &str,
    options: &StreamOptions,
    mut rows: CsvRows<'a>,
    mut send: impl FnMut(Vec<Record>, Vec<RecordError>) -> bool,
) -> Result<CsvRows<'a>, LedgerError> {
    let mut blocks = Blocks::new(input, name, options.block_bytes, options.encoding)?;
    blocks.max_cell = options.max_cell_bytes.max(1);
    let mut first = true;
    while let Some(text) = blocks.next_text()? {
        // The separator is decided from the first bytes, before the first block is cut.
        if std::mem::take(&mut first) {
            rows.separated_by(blocks.delimiter.unwrap_or(b','));
        }
        rows.block(&text)?;
        if let Some(report) = options.progress {
            report(blocks.offset);
        }
        let (records, errors) = rows.take();
        if !send(records, errors) {
            break;
        }
    }
    rows.notes_first(blocks.notes);
    Ok(rows)
}

fn keep(kept: &mut Vec<RecordError>, more: Vec<RecordError>, max: usize) {
    let room = max.saturating_sub(kept.len());
    kept.extend(more.into_iter().take(room));
}

/// A score as a sortable key (scores are finite).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Score(f64);

impl Score {
    /// A score as ranks compare it: -0 and 0 are one score.
    fn of(score: f64) -> Score {
        Score(score + 0.0)
    }
}

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The records that may still place in the top `n`, and how many records have each score.
struct Leaderboard {
    top: Option<usize>,
    exclude_vetoed: bool,
    ranks: bool,
    /// Ranked records per score, for the scores that can still place.
    counts: BTreeMap<Score, usize>,
    leaders: Vec<Outcome>,
}

impl Leaderboard {
    fn new(compiled: &CompiledPolicy, top: Option<usize>) -> Leaderboard {
        let ranking = compiled.policy.ranking.as_ref();
        Leaderboard {
            top,
            exclude_vetoed: ranking.is_some_and(|r| r.exclude_vetoed),
            ranks: ranking.is_some(),
            counts: BTreeMap::new(),
            leaders: Vec::new(),
        }
    }

    fn ranked(&self, o: &Outcome) -> Option<f64> {
        o.score
            .filter(|_| self.ranks && !(self.exclude_vetoed && o.vetoed))
    }

    fn add(&mut self, outcomes: Vec<Outcome>) {
        if self.top.is_none() {
            return;
        }
        // The cutoff only rises as records come, so one taken per batch is safe: a record
        // below it now can never place.
        let cutoff = self.cutoff();
        for o in outcomes {
            let Some(score) = self.ranked(&o) else {
                continue;
            };
            if score >= cutoff {
                *self.counts.entry(Score(score)).or_default() += 1;
                self.leaders.push(o);
            }
        }
        self.prune();
    }

    /// The lowest score that can still place: the n-th best so far (ties included).
    fn cutoff(&self) -> f64 {
        let Some(n) = self.top else {
            return f64::INFINITY;
        };
        let mut seen = 0;
        for (score, count) in self.counts.iter().rev() {
            seen += count;
            if seen >= n {
                return score.0;
            }
        }
        f64::NEG_INFINITY
    }

    /// Drops the records and score counts below the cutoff: a leader's rank needs only the
    /// counts of the scores above it.
    fn prune(&mut self) {
        let cutoff = self.cutoff();
        self.leaders
            .retain(|o| o.score.is_some_and(|s| s >= cutoff));
        self.counts = self.counts.split_off(&Score(cutoff));
    }

    /// The leaders in ledger order (ranks are given by [`Evaluation::new`], exactly: every
    /// record scoring above a leader is a leader too).
    fn finish(mut self) -> Vec<Outcome> {
        self.prune();
        self.leaders.sort_by_key(|o| o.row);
        self.leaders
    }
}

/// Line breaks a quoted cell may hold before it is taken for a quote that never closes.
const MAX_QUOTED_LINES: usize = 1_000;

/// The input cut into blocks of whole rows, decoded to text: UTF-8 (a BOM skipped) or, once a
/// block is not UTF-8, GBK from there on (ASCII reads the same in both, and a line feed never
/// falls inside a GBK character, so cutting at line feeds is safe in both). UTF-16 input (by its
/// byte-order mark, or named) is transcoded to UTF-8 as it is read, before any cutting.
pub(crate) struct Blocks<R: Read> {
    input: DecodeReaderBytes<std::io::Chain<std::io::Cursor<Vec<u8>>, R>, Vec<u8>>,
    /// The cell separator, decided from the first bytes read.
    pub(crate) delimiter: Option<u8>,
    /// Where in `buf` the quoted cell being scanned opened, the line breaks inside it so far,
    /// and how long a cell may run.
    opened: usize,
    quoted_lines: usize,
    pub(crate) max_cell: usize,
    /// UTF-8 named: invalid bytes are an error, not a switch to GBK.
    strict_utf8: bool,
    name: String,
    buf: Vec<u8>,
    /// How far `buf` has been scanned for row ends, and the CSV state at that point.
    scanned: usize,
    state: Scan,
    /// The end of the last whole row found in `buf`.
    cut: usize,
    block_bytes: usize,
    eof: bool,
    first: bool,
    gbk: bool,
    pub(crate) notes: Vec<String>,
    /// Bytes handed out so far, for error messages.
    pub(crate) offset: u64,
}

impl<R: Read> Blocks<R> {
    pub(crate) fn new(
        mut input: R,
        name: &str,
        block_bytes: usize,
        encoding: Encoding,
    ) -> Result<Self, LedgerError> {
        // The first bytes say whether a byte-order mark overrides `Auto`.
        let mut head = vec![0u8; 4];
        let mut got = 0;
        while got < head.len() {
            match input.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(LedgerError::Io {
                        path: name.to_owned(),
                        source,
                    });
                }
            }
        }
        head.truncate(got);
        let encoding = match Encoding::from_bom(&head) {
            Some((marked, _)) if encoding == Encoding::Auto => marked,
            _ => encoding,
        };
        let utf16 = match encoding {
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE),
            _ => None,
        };
        let mut notes = Vec::new();
        if matches!(
            encoding,
            Encoding::Utf16Le | Encoding::Utf16Be | Encoding::Gbk
        ) {
            notes.push(format!("decoded as {}", encoding.name()));
        }
        Ok(Blocks {
            // UTF-16 is transcoded to UTF-8 (its mark dropped); anything else passes through
            // as bytes, a UTF-8 mark dropped.
            input: DecodeReaderBytesBuilder::new()
                .encoding(utf16)
                // A named UTF-8 or GBK is read as named, whatever mark it starts with.
                .bom_sniffing(encoding == Encoding::Auto || utf16.is_some())
                .bom_override(true)
                .strip_bom(true)
                .utf8_passthru(true)
                .build(std::io::Cursor::new(head).chain(input)),
            delimiter: None,
            opened: 0,
            quoted_lines: 0,
            max_cell: usize::MAX,
            strict_utf8: encoding == Encoding::Utf8,
            name: name.to_owned(),
            buf: Vec::with_capacity(block_bytes.saturating_add(128 << 10)),
            scanned: 0,
            state: Scan::FieldStart,
            cut: 0,
            block_bytes: block_bytes.max(1),
            eof: false,
            first: true,
            gbk: encoding == Encoding::Gbk,
            notes,
            offset: 0,
        })
    }

    /// The next block of whole rows as text, or None at the end.
    pub(crate) fn next_text(&mut self) -> Result<Option<String>, LedgerError> {
        let Some(mut bytes) = self.next_bytes()? else {
            if self.first {
                return Err(self.format("the file is empty".into()));
            }
            return Ok(None);
        };
        if self.first {
            if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
                bytes = rest.to_vec();
            }
            if bytes.iter().all(u8::is_ascii_whitespace) && self.eof {
                return Err(self.format("the file is empty".into()));
            }
            self.first = false;
        }
        let start = self.offset;
        self.offset += bytes.len() as u64;
        if !self.gbk {
            match String::from_utf8(bytes) {
                Ok(text) => return Ok(Some(text)),
                Err(e) if self.strict_utf8 => {
                    let at = e.utf8_error().valid_up_to();
                    return Err(self.format(format!(
                        "the file is not UTF-8 text from byte {}",
                        start + at as u64
                    )));
                }
                Err(e) => {
                    self.gbk = true;
                    self.notes.push("decoded as GBK (GB18030)".to_owned());
                    bytes = e.into_bytes();
                }
            }
        }
        match crate::encoding::decode_gbk(&bytes) {
            Ok(text) => Ok(Some(text)),
            Err(at) => Err(self.format(format!(
                "the file is neither UTF-8 nor GBK text: not GBK from byte {}; save it from Excel as \"CSV UTF-8\", or name its encoding with --encoding",
                start + at as u64
            ))),
        }
    }

    fn format(&self, message: String) -> LedgerError {
        LedgerError::Format {
            path: self.name.clone(),
            message,
        }
    }

    fn next_bytes(&mut self) -> Result<Option<Vec<u8>>, LedgerError> {
        loop {
            if self.cut > 0 && (self.buf.len() >= self.block_bytes || self.eof) {
                // The buffer keeps its capacity: only the part after the cut moves to the front.
                let block = self.buf[..self.cut].to_vec();
                self.buf.drain(..self.cut);
                self.scanned -= self.cut;
                self.opened = self.opened.saturating_sub(self.cut);
                self.cut = 0;
                return Ok(Some(block));
            }
            if self.eof {
                // The last row, without a line feed after it.
                return Ok((!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf)));
            }
            let len = self.buf.len();
            self.buf.resize(len + (64 << 10), 0);
            let n = loop {
                match self.input.read(&mut self.buf[len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(source) => {
                        return Err(LedgerError::Io {
                            path: self.name.clone(),
                            source,
                        });
                    }
                }
            };
            self.buf.truncate(len + n);
            self.eof = n == 0;
            let delimiter = match self.delimiter {
                Some(d) => d,
                // Decided once, from the first bytes: before any cut depends on it.
                None if self.eof || self.buf.len() >= 4096 => {
                    *self.delimiter.insert(crate::encoding::delimiter(&self.buf))
                }
                None => continue,
            };
            let new = &self.buf[self.scanned..];
            let quoted = matches!(self.state, Scan::Quoted | Scan::QuoteInQuoted);
            match new.iter().rposition(|&b| b == b'\n') {
                // Most ledgers quote nothing: then every line feed ends a row.
                Some(last) if !quoted && !new.contains(&b'"') => {
                    self.cut = self.scanned + last + 1;
                    self.state = new[last + 1..]
                        .iter()
                        .fold(Scan::FieldStart, |state, &b| state.next(b, delimiter));
                }
                _ => {
                    for (i, &b) in new.iter().enumerate() {
                        let before = self.state;
                        self.state = self.state.next(b, delimiter);
                        if b == b'\n' && self.state == Scan::FieldStart {
                            self.cut = self.scanned + i + 1;
                        } else if b == b'\n' {
                            self.quoted_lines += 1;
                        } else if before == Scan::FieldStart && self.state == Scan::Quoted {
                            self.opened = self.scanned + i;
                            self.quoted_lines = 0;
                        }
                    }
                }
            }
            self.scanned = self.buf.len();
            // A quoted cell this long, or over this many lines, is a quote that never closes:
            // cut after the line it opened on, so that row is reported and the rows after it
            // are scanned again (a real cell with line breaks has a few, not a thousand).
            if matches!(self.state, Scan::Quoted | Scan::QuoteInQuoted)
                && (self.buf.len() - self.opened > self.max_cell
                    || self.quoted_lines > MAX_QUOTED_LINES)
                && let Some(end) = self.buf[self.opened..].iter().position(|&b| b == b'\n')
            {
                let end = self.opened + end + 1;
                self.cut = end;
                self.scanned = end;
                self.state = Scan::FieldStart;
                self.quoted_lines = 0;
            }
        }
    }
}
