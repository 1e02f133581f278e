//! Each record's outcome rendered on its own, for a ledger evaluated as a stream.
//!
//! A stream cannot know, while it renders a record, the record's rank (every record must be
//! scored first) nor which columns the ledger's table will have (a money column appears once
//! any record is paid). So a worker renders the fields of every column an outcome could fill,
//! leaving a hole where the rank goes ([`RecordRenderer`]); once the whole ledger is read,
//! [`RecordWriter`] writes the fields of the columns the ledger turned out to have, each rank
//! filled in. The bytes are those of the whole-ledger output, which the tests compare.
//!
//! A rendered record is framed as `u16` field count, then per field a `u32` length and its bytes.

use std::io::{self, Write};

use super::Options;
use super::eval::{CellRef, EvalReport, OutcomeColumns};
use crate::evaluate::{Evaluation, Outcome};

/// A per-record output format that can be streamed.
#[derive(Debug, Clone, Copy)]
pub enum RecordFormat {
    /// The outcomes table as CSV ([`super::write_evaluation_csv`]'s bytes), for programs or,
    /// with `excel`, for a spreadsheet.
    Csv(Options),
    /// The evaluation as one JSON object (`liangxin eval --format json`'s bytes).
    Json,
    /// One compact JSON object per outcome and line, nothing else.
    Ndjson,
}

/// What the outcomes streamed so far show, for choosing the table's optional columns as
/// [`OutcomeColumns`] does for a whole ledger.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Seen {
    score: bool,
    money: bool,
    rank: bool,
    problems: bool,
    due: bool,
}

impl Seen {
    /// Takes one outcome into account; `ranked`: it will have a rank.
    pub(crate) fn add(&mut self, o: &Outcome, ranked: bool) {
        self.score |= o.score.is_some();
        self.money |= !o.money.is_zero();
        self.rank |= ranked;
        self.problems |= o.rules.iter().any(|r| !r.problems.is_empty());
        self.due |= o.due.is_some();
    }

    pub(crate) fn merge(&mut self, other: Seen) {
        self.score |= other.score;
        self.money |= other.money;
        self.rank |= other.rank;
        self.problems |= other.problems;
        self.due |= other.due;
    }
}

/// Renders outcomes a record at a time, every column they could fill, the rank left out.
pub(crate) struct RecordRenderer<'a> {
    format: RecordFormat,
    skeleton: &'a Evaluation,
    every: OutcomeColumns,
    /// Where the rank goes among the fields (CSV).
    rank_at: usize,
}

impl<'a> RecordRenderer<'a> {
    /// `skeleton`: an evaluation under the pack, its outcomes aside (for the checklists' labels).
    pub(crate) fn new(format: RecordFormat, skeleton: &'a Evaluation) -> Self {
        let every = OutcomeColumns::every(skeleton);
        let rank_at = every
            .slots()
            .iter()
            .position(|(c, _)| c.key == "rank")
            .unwrap_or(usize::MAX);
        RecordRenderer {
            format,
            skeleton,
            every,
            rank_at,
        }
    }

    /// Appends `o`, framed, to `out`. Its rank is left out: `o.rank` must be None. (Its extra
    /// cells are taken out while it is rendered, and put back.)
    pub(crate) fn render(&self, o: &mut Outcome, out: &mut Vec<u8>) {
        match self.format {
            RecordFormat::Csv(options) => self.csv(o, options.excel, out),
            RecordFormat::Json | RecordFormat::Ndjson => {
                // The extra cells, the outcome's last key, are written by the writer, which
                // knows how many the ledger has (a pasted block's header may add one later).
                let extra = std::mem::take(&mut o.extra);
                let mut text = Vec::with_capacity(1024);
                let pretty = matches!(self.format, RecordFormat::Json);
                // Serializing an outcome to memory cannot fail.
                let _ = if pretty {
                    serde_json::to_writer_pretty(&mut text, &*o)
                } else {
                    serde_json::to_writer(&mut text, &*o)
                };
                o.extra = extra;
                let text = if pretty {
                    // The outcome sits two levels deep in the evaluation's object: four spaces
                    // more on each line (JSON strings hold no raw line feed).
                    let mut indented = Vec::with_capacity(text.len() + text.len() / 8);
                    indented.extend_from_slice(b"    ");
                    for &b in &text {
                        indented.push(b);
                        if b == b'\n' {
                            indented.extend_from_slice(b"    ");
                        }
                    }
                    indented
                } else {
                    text
                };
                let marker: &[u8] = if pretty {
                    b"\n      \"rank\": null"
                } else {
                    b",\"rank\":null"
                };
                let closing: &[u8] = if pretty { b"\n    }" } else { b"}" };
                let body = text.strip_suffix(closing).unwrap_or(&text);
                let at = body
                    .windows(marker.len())
                    .position(|w| w == marker)
                    .map_or(body.len(), |p| p + marker.len() - b"null".len());
                let (before, after) = body.split_at(at);
                let after = after.strip_prefix(b"null").unwrap_or(after);
                let count = 2 + o.extra.len();
                out.extend_from_slice(&(count as u16).to_le_bytes());
                push_field(out, before);
                push_field(out, after);
                for cell in &o.extra {
                    let quoted = serde_json::to_string(cell).unwrap_or_default();
                    push_field(out, quoted.as_bytes());
                }
            }
        }
    }

    fn csv(&self, o: &Outcome, excel: bool, out: &mut Vec<u8>) {
        let count_at = out.len();
        out.extend_from_slice(&0u16.to_le_bytes());
        let mut count: u16 = 0;
        let mut field = |out: &mut Vec<u8>, text: &str| {
            let len_at = out.len();
            out.extend_from_slice(&0u32.to_le_bytes());
            csv_field(text.as_bytes(), out);
            let len = (out.len() - len_at - 4) as u32;
            out[len_at..len_at + 4].copy_from_slice(&len.to_le_bytes());
            count += 1;
        };
        self.every.row(self.skeleton, o, &mut |cell: CellRef<'_>| {
            let text: std::borrow::Cow<'_, str> = match cell {
                CellRef::Text(t) if excel => super::csv::text(t, true).into(),
                CellRef::Text(t) if super::csv::looks_like_formula(t) => format!("'{t}").into(),
                CellRef::Text(t) => t.into(),
                CellRef::Number(Some(n)) => crate::number::format_exact(n).into(),
                CellRef::Flag(Some(b)) if excel => super::doc::yes_no(b).into(),
                CellRef::Flag(Some(b)) => (if b { "true" } else { "false" }).into(),
                CellRef::Number(None) | CellRef::Flag(None) => "".into(),
            };
            field(out, &text);
        });
        for extra in &o.extra {
            let text = if excel {
                super::csv::text(extra, true)
            } else if super::csv::looks_like_formula(extra) {
                format!("'{extra}")
            } else {
                extra.clone()
            };
            field(out, &text);
        }
        out[count_at..count_at + 2].copy_from_slice(&count.to_le_bytes());
        debug_assert!(self.rank_at < usize::from(count));
    }
}

/// Appends one field, framed by its length.
fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(&(field.len() as u32).to_le_bytes());
    out.extend_from_slice(field);
}

/// A CSV field as the csv crate writes it: quoted when it holds a comma, a quote or a line
/// break, its quotes doubled.
fn csv_field(text: &[u8], out: &mut Vec<u8>) {
    if !text
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.extend_from_slice(text);
        return;
    }
    out.push(b'"');
    for &b in text {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Writes the rendered records of a whole ledger: its head, each record with its rank, its tail.
pub(crate) struct RecordWriter {
    format: RecordFormat,
    /// Per rendered field (extra columns aside), whether it is written.
    keep: Vec<bool>,
    rank_at: usize,
    /// The extra columns the ledger has: a record read before a pasted block's header added
    /// one has fewer fields, and empty ones are written for it.
    extras: usize,
    head: Vec<u8>,
    tail: Vec<u8>,
    first: bool,
}

impl RecordWriter {
    /// `report`: the whole ledger's report without its outcomes (its leaders, when it has
    /// `top`); `seen`: what every outcome showed.
    pub(crate) fn new(format: RecordFormat, report: &EvalReport<'_>, seen: Seen) -> RecordWriter {
        let e = report.evaluation;
        let every = OutcomeColumns::every(e);
        let table = OutcomeColumns {
            score: seen.score,
            money: seen.money || e.summary.budget.is_some(),
            rank: seen.rank,
            checks: every.checks,
            problems: seen.problems,
            due: seen.due,
            extra: e.extra_columns.clone(),
        };
        let excel = matches!(format, RecordFormat::Csv(o) if o.excel);
        let slots = table.slots();
        let keep: Vec<bool> = slots
            .iter()
            .map(|(c, present)| *present && !(excel && c.program))
            .collect();
        let rank_at = slots
            .iter()
            .position(|(c, _)| c.key == "rank")
            .unwrap_or(usize::MAX);
        let (head, tail) = match format {
            RecordFormat::Csv(options) => (csv_head(&table, options), Vec::new()),
            RecordFormat::Json => json_head_tail(report),
            RecordFormat::Ndjson => (Vec::new(), Vec::new()),
        };
        RecordWriter {
            format,
            keep,
            rank_at,
            extras: e.extra_columns.len(),
            head,
            tail,
            first: true,
        }
    }

    pub(crate) fn head(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.head)
    }

    /// Writes one rendered record (its fields, as [`RecordRenderer::render`] framed them).
    pub(crate) fn record(
        &mut self,
        fields: &[&[u8]],
        rank: Option<usize>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let rank_text = rank.map(|r| r.to_string());
        match self.format {
            RecordFormat::Csv(_) => {
                let mut first = true;
                let mut separate = |out: &mut dyn Write| -> io::Result<()> {
                    if !std::mem::take(&mut first) {
                        out.write_all(b",")?;
                    }
                    Ok(())
                };
                let fixed = self.keep.len();
                for (i, field) in fields.iter().enumerate() {
                    if i < fixed && !self.keep[i] {
                        continue;
                    }
                    separate(out)?;
                    if i == self.rank_at {
                        out.write_all(rank_text.as_deref().unwrap_or("").as_bytes())?;
                    } else {
                        out.write_all(field)?;
                    }
                }
                for _ in fields.len().saturating_sub(fixed)..self.extras {
                    separate(out)?;
                }
                out.write_all(b"\n")
            }
            RecordFormat::Json | RecordFormat::Ndjson => {
                let pretty = matches!(self.format, RecordFormat::Json);
                if pretty {
                    let first = std::mem::take(&mut self.first);
                    out.write_all(if first { b"\n" } else { b",\n" })?;
                }
                let [before, after, extra @ ..] = fields else {
                    return Err(io::Error::other("a rendered outcome lost its framing"));
                };
                out.write_all(before)?;
                out.write_all(rank_text.as_deref().unwrap_or("null").as_bytes())?;
                out.write_all(after)?;
                // The extra cells, as many as the ledger has columns for (a record above a
                // pasted block's header that added one has it empty).
                if self.extras > 0 {
                    let (open, between, close): (&[u8], &[u8], &[u8]) = if pretty {
                        (
                            b",\n      \"extra\": [\n        ",
                            b",\n        ",
                            b"\n      ]",
                        )
                    } else {
                        (b",\"extra\":[", b",", b"]")
                    };
                    out.write_all(open)?;
                    for i in 0..self.extras {
                        if i > 0 {
                            out.write_all(between)?;
                        }
                        out.write_all(extra.get(i).copied().unwrap_or(b"\"\""))?;
                    }
                    out.write_all(close)?;
                }
                out.write_all(if pretty { b"\n    }" } else { b"}\n" })
            }
        }
    }

    /// Writes what follows the records (the JSON object's closing keys).
    pub(crate) fn tail(&self, out: &mut dyn Write) -> io::Result<()> {
        if matches!(self.format, RecordFormat::Json) {
            if self.first {
                // The head ends with the array's `[`.
                out.write_all(b"]")?;
            } else {
                out.write_all(b"\n  ]")?;
            }
        }
        out.write_all(&self.tail)
    }
}

/// The CSV header row (with the byte-order mark for a spreadsheet), as the whole-ledger CSV has it.
fn csv_head(table: &OutcomeColumns, options: Options) -> Vec<u8> {
    let mut head = Vec::new();
    let mut columns = table.columns();
    if options.excel {
        head.extend_from_slice("\u{feff}".as_bytes());
        columns.retain(|c| !c.program);
    }
    let names: Vec<String> = columns
        .iter()
        .map(|c| {
            if options.excel {
                super::lang::pick(&c.label, options.lang)
            } else {
                c.key.clone()
            }
        })
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(&names);
    head.extend(writer.into_inner().unwrap_or_default());
    head
}

/// The evaluation's JSON around its outcomes: up to the outcomes' `[`, and from after their `]`.
fn json_head_tail(report: &EvalReport<'_>) -> (Vec<u8>, Vec<u8>) {
    let mut value = report.json();
    value["outcomes"] = serde_json::json!([]);
    let text = super::to_json(&value);
    let marker = "\"outcomes\": []";
    match text.find(marker) {
        Some(at) => {
            let open = at + marker.len() - 1;
            (
                text.as_bytes()[..open].to_vec(),
                text.as_bytes()[open + 1..].to_vec(),
            )
        }
        None => (text.into_bytes(), Vec::new()),
    }
}
