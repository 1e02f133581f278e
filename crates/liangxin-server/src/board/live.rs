//! One live leaderboard: a roster, the entries accepted so far, and what the pack makes of
//! them, kept current entry by entry.
//!
//! Built the way `liangxin eval --entries` evaluates (every entry added to an [`Aggregator`],
//! the totals written into the roster, the ledger evaluated), so a board and the CLI on the
//! stored files agree. After that, an accepted entry re-evaluates only its member and ranks
//! again; a pack with group rules (a quota, a lead) is evaluated whole, since one member's
//! change can move the others' grades.

use std::collections::BTreeSet;
use std::sync::Arc;

use liangxin::entries::{Aggregator, EntryError, Period, Worth};
use liangxin::ledger::Cell;
use liangxin::value::Value;
use liangxin::{Ledger, Outcome, Prepared, Record, RecordError};
use serde::Serialize;

/// An entry accepted on the board, with when it arrived (+08:00).
#[derive(Debug, Clone)]
pub struct Accepted {
    pub record: Record,
    pub received: String,
}

/// The column after the entry ledger's own: when the server received the entry.
pub const RECEIVED: &str = "录入时间";

/// How many of the latest entries a board shows.
const LATEST: usize = 12;

#[derive(Debug)]
pub struct Board {
    pub period: Period,
    pub prepared: Arc<Prepared>,
    /// The roster as read, without totals.
    roster: Ledger,
    entries: Vec<Accepted>,
    aggregator: Aggregator,
    /// The graded records, in roster order, ranked.
    outcomes: Vec<Outcome>,
    /// Records that could not be graded, and entries that name nobody.
    errors: Vec<RecordError>,
    /// Rows of the stored entry ledger that are no entry (edited by hand): shown, never
    /// dropped.
    unread: Vec<RecordError>,
    /// The row the next accepted entry gets in the entry ledger.
    next_row: usize,
    /// Changes with every accepted batch: a browser ignores an older board than it shows.
    pub version: u64,
}

/// A board's rows as the page and the API show them.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub rank: Option<usize>,
    pub id: String,
    pub name: String,
    pub organization: String,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub vetoed: bool,
    /// Entries counted for the member.
    pub entries: usize,
}

/// One of the latest entries.
#[derive(Debug, Clone, Serialize)]
pub struct Latest {
    /// When the server received it, `YYYY-MM-DD HH:MM` in China (+08:00).
    pub received: String,
    pub id: String,
    pub name: String,
    pub item: String,
    /// The field the item adds to (工作失误扣分), which says whether its points count for or
    /// against: a deduction's points are written positive, as the field is.
    pub field: String,
    /// The points as written times 次数 (`2`, `-5`, `100`), or 是 for a veto.
    pub points: String,
    pub recorded_by: String,
}

/// Everything a board shows.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub version: u64,
    pub period: String,
    pub members: usize,
    pub entries: usize,
    pub rows: Vec<Row>,
    pub latest: Vec<Latest>,
    pub errors: Vec<RecordError>,
}

/// A roster the entries cannot fill (it has a total column already).
#[derive(Debug)]
pub struct Conflict(pub String);

impl Board {
    /// The board of `roster` and `entries` under the pack, evaluated whole.
    ///
    /// # Errors
    /// When the pack has no catalog, or the roster has a column the entries fill.
    pub fn build(
        period: Period,
        prepared: Arc<Prepared>,
        roster: Ledger,
        entries: Vec<Accepted>,
        unread: Vec<RecordError>,
    ) -> Result<Board, Conflict> {
        let policy = &prepared.policy.policy;
        let Some(catalog) = &policy.catalog else {
            return Err(Conflict(no_catalog(&policy.meta.id)));
        };
        let mut aggregator = Aggregator::new(catalog, period.clone(), &roster, &policy.schema);
        for entry in &entries {
            aggregator.add(&entry.record);
        }
        let next_row = (entries.iter().map(|e| e.record.row))
            .chain(unread.iter().map(|e| e.row))
            .max()
            .unwrap_or(1)
            + 1;
        let mut board = Board {
            period,
            prepared: prepared.clone(),
            roster,
            entries,
            aggregator,
            outcomes: Vec::new(),
            errors: Vec::new(),
            unread,
            next_row,
            version: 1,
        };
        board.evaluate_whole()?;
        Ok(board)
    }

    /// The entries accepted so far, with the errors of stored rows that are no entry: what a
    /// new roster is built with.
    pub fn entries(&self) -> (Vec<Accepted>, Vec<RecordError>) {
        (self.entries.clone(), self.unread.clone())
    }

    /// The same roster and entries under another version of the pack (edited, or read at a
    /// later date).
    ///
    /// # Errors
    /// As [`Board::build`].
    pub fn rebuilt(&self, prepared: Arc<Prepared>) -> Result<Board, Conflict> {
        let mut board = Board::build(
            self.period.clone(),
            prepared,
            self.roster.clone(),
            self.entries.clone(),
            self.unread.clone(),
        )?;
        board.version = self.version + 1;
        Ok(board)
    }

    /// The roster's rows filled and evaluated as the CLI does, ranks and group rules included.
    fn evaluate_whole(&mut self) -> Result<(), Conflict> {
        let compiled = &self.prepared.policy;
        let mut filled = self.roster.clone();
        self.aggregator
            .apply(&mut filled, &compiled.policy.schema)
            .map_err(|e| Conflict(e.to_string()))?;
        let evaluation = compiled.evaluate_ledger_with(&filled, 1);
        self.outcomes = evaluation.outcomes;
        self.errors = evaluation.errors;
        Ok(())
    }

    /// The entry schema's header line of the stored entry ledger, 录入时间 last.
    pub fn header(&self) -> String {
        let schema = self.aggregator.entry_schema();
        let mut cells: Vec<String> = schema.fields.values().map(|f| csv(&f.label)).collect();
        cells.push(RECEIVED.to_owned());
        cells.join(",") + "\n"
    }

    /// The rows a batch of accepted entries adds to the stored entry ledger.
    pub fn rows(&self, batch: &[Accepted]) -> String {
        let mut out = String::new();
        for entry in batch {
            let mut cells: Vec<String> = entry
                .record
                .cells
                .iter()
                .enumerate()
                .map(|(i, cell)| match (i, cell) {
                    (0, _) => csv(&entry.record.id),
                    (_, Cell::Value(v)) => csv(&v.to_string()),
                    _ => String::new(),
                })
                .collect();
            cells.push(csv(&entry.received));
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// Counts a batch of entries (read with [`Board::entry_schema`]) all or none: each refused
    /// entry is returned with why, by its place in the batch (from 1), and then nothing of the
    /// batch is counted. The accepted entries are returned to be stored before they are
    /// committed with [`Board::commit`].
    ///
    /// # Errors
    /// The refused entries; the board is as it was.
    pub fn check(
        &mut self,
        mut batch: Vec<Record>,
        received: &str,
    ) -> Result<Vec<Accepted>, Vec<EntryError>> {
        let mut refused = Vec::new();
        for (place, entry) in batch.iter_mut().enumerate() {
            entry.row = self.next_row + place;
            let problem = unreadable_cell(entry, self.aggregator.entry_schema())
                .map(|message| EntryError {
                    row: entry.row,
                    record: Some(entry.id.clone()),
                    message,
                })
                .map_or_else(|| self.aggregator.count(entry), Err);
            if let Err(mut e) = problem {
                // Placed by the request, not by a row of a file the sender never saw.
                e.row = place + 1;
                refused.push(e);
            }
        }
        // Counted entries of a refused batch are taken back by counting the board's own again.
        self.restore_if(!refused.is_empty());
        if !refused.is_empty() {
            return Err(refused);
        }
        Ok(batch
            .into_iter()
            .map(|record| Accepted {
                record,
                received: received.to_owned(),
            })
            .collect())
    }

    /// Takes back entries counted by [`Board::check`] but not stored (the store failed).
    pub fn forget(&mut self) {
        self.restore_if(true);
    }

    fn restore_if(&mut self, restore: bool) {
        if !restore {
            return;
        }
        let policy = &self.prepared.policy.policy;
        if let Some(catalog) = &policy.catalog {
            let mut aggregator =
                Aggregator::new(catalog, self.period.clone(), &self.roster, &policy.schema);
            for entry in &self.entries {
                aggregator.add(&entry.record);
            }
            self.aggregator = aggregator;
        }
    }

    /// Keeps a stored batch and brings the board up to date: the members it names evaluated
    /// again (the whole roster for a pack with group rules), then ranked.
    pub fn commit(&mut self, batch: Vec<Accepted>) {
        let members: BTreeSet<String> = batch.iter().map(|e| e.record.id.clone()).collect();
        self.next_row += batch.len();
        self.entries.extend(batch);
        self.version += 1;
        let prepared = self.prepared.clone();
        let policy = &prepared.policy.policy;
        if !policy.group_rules.is_empty() {
            // The roster was accepted when the board was built, so it still fits.
            let _ = self.evaluate_whole();
            return;
        }
        for id in &members {
            self.evaluate_member(id);
        }
        if let Some(ranking) = &policy.ranking {
            liangxin::evaluate::rank(&mut self.outcomes, ranking.exclude_vetoed);
        }
    }

    /// One member's totals filled in and evaluated, replacing their outcome or errors.
    fn evaluate_member(&mut self, id: &str) {
        let Some(record) = self.roster.records.iter().find(|r| r.id == id) else {
            return;
        };
        let compiled = &self.prepared.policy;
        let schema = &compiled.policy.schema;
        let mut record = record.clone();
        self.outcomes.retain(|o| o.record != id);
        self.errors.retain(|e| e.record.as_deref() != Some(id));
        let result = match self.aggregator.fill(&mut record, schema) {
            Ok(()) => compiled.evaluator().evaluate(&record),
            Err(refused) => Err(refused
                .into_iter()
                .map(|e| RecordError {
                    file: None,
                    row: record.row,
                    record: Some(record.id.clone()),
                    field: None,
                    rule: None,
                    message: format!(
                        "积分记录第 {} 行 / entry row {}: {}",
                        e.row, e.row, e.message
                    ),
                })
                .collect()),
        };
        match result {
            Ok(outcome) => {
                let at = self.outcomes.partition_point(|o| o.row < outcome.row);
                self.outcomes.insert(at, outcome);
            }
            Err(errors) => {
                self.errors.extend(errors);
                self.errors.sort_by_key(|e| e.row);
            }
        }
    }

    /// The schema entries are read with.
    pub fn entry_schema(&self) -> &liangxin::Schema {
        self.aggregator.entry_schema()
    }

    /// What the board shows now: ranked members first, by rank, then the others by score.
    pub fn view(&self) -> View {
        let schema = &self.prepared.policy.policy.schema;
        let org = schema.index_of("org");
        let mut rows: Vec<Row> = self
            .outcomes
            .iter()
            .map(|o| {
                let record = self.roster.records.iter().find(|r| r.id == o.record);
                Row {
                    rank: o.rank,
                    id: o.record.clone(),
                    name: o.name.clone().unwrap_or_default(),
                    organization: record
                        .and_then(|r| org.and_then(|i| r.cells.get(i)))
                        .map(text)
                        .unwrap_or_default(),
                    score: o.score,
                    grade: o.grade_label.as_deref().map(str::to_owned),
                    vetoed: o.vetoed,
                    entries: self.aggregator.totals(&o.record).map_or(0, |t| t.entries),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.rank.is_none(), a.rank)
                .cmp(&(b.rank.is_none(), b.rank))
                .then(
                    b.score
                        .unwrap_or(f64::MIN)
                        .total_cmp(&a.score.unwrap_or(f64::MIN)),
                )
        });
        View {
            version: self.version,
            period: self.period.to_string(),
            members: self.roster.records.len(),
            entries: self.entries.len(),
            rows,
            latest: self.latest(),
            errors: self.unread.iter().chain(&self.errors).cloned().collect(),
        }
    }

    /// The latest entries, newest first.
    fn latest(&self) -> Vec<Latest> {
        let schema = self.aggregator.entry_schema();
        let cell =
            |r: &Record, id: &str| schema.index_of(id).and_then(|i| r.cells.get(i)).map(text);
        let catalog = self.prepared.policy.policy.catalog.as_ref();
        self.entries
            .iter()
            .rev()
            .take(LATEST)
            .map(|e| {
                let r = &e.record;
                let named = cell(r, "item").unwrap_or_default();
                let item = catalog.and_then(|c| c.item(&named));
                let count = match r.cells.get(schema.index_of("count").unwrap_or(usize::MAX)) {
                    Some(Cell::Value(Value::Int(n))) => *n as f64,
                    _ => 1.0,
                };
                let given = schema
                    .index_of("points")
                    .and_then(|i| r.cells.get(i))
                    .and_then(|c| match c {
                        Cell::Value(v) => v.as_f64(),
                        _ => None,
                    });
                let points = match (item.map(|i| i.worth), given) {
                    (Some(Worth::Veto), _) => "是".to_owned(),
                    (_, Some(p)) | (Some(Worth::Fixed(p)), None) => {
                        liangxin::number::format(p * count)
                    }
                    _ => String::new(),
                };
                let field = item
                    .map(|i| {
                        self.prepared
                            .policy
                            .policy
                            .schema
                            .field(&i.field)
                            .map_or_else(|| i.field.clone(), |f| f.label.clone())
                    })
                    .unwrap_or_default();
                let name = cell(r, "name")
                    .filter(|n| !n.is_empty())
                    .or_else(|| {
                        self.outcomes
                            .iter()
                            .find(|o| o.record == r.id)
                            .and_then(|o| o.name.clone())
                    })
                    .unwrap_or_default();
                Latest {
                    received: e
                        .received
                        .chars()
                        .take(16)
                        .collect::<String>()
                        .replace('T', " "),
                    id: r.id.clone(),
                    name,
                    item: item.map_or(named, |i| i.label.clone()),
                    field,
                    points,
                    recorded_by: cell(r, "recorded_by").unwrap_or_default(),
                }
            })
            .collect()
    }
}

/// Why a pack without a catalog has no board.
pub fn no_catalog(pack: &str) -> String {
    format!(
        "标准 {pack} 没有积分细则（catalog），无法设立积分排行榜 / the pack {pack} has no item catalog (`catalog:`), so it has no leaderboard"
    )
}

/// A cell that could not be read as its column's type, or text with a line break (an entry
/// ledger keeps one entry per line).
fn unreadable_cell(entry: &Record, schema: &liangxin::Schema) -> Option<String> {
    entry
        .cells
        .iter()
        .zip(schema.fields.values())
        .find_map(|(cell, def)| match cell {
            Cell::Invalid(why) => Some(format!("{}: {why}", def.label)),
            Cell::Value(Value::Str(s)) if s.contains(['\n', '\r']) => Some(format!(
                "{} 含有换行，一条记录须写在一行内 / {} has a line break",
                def.label, def.label
            )),
            _ => None,
        })
}

fn text(cell: &Cell) -> String {
    match cell {
        Cell::Value(v) => v.to_string().trim().to_owned(),
        _ => String::new(),
    }
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
fn csv(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
