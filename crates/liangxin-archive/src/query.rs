//! Reading the archive: publications, and what staff ask across years. Every query but
//! [`Archive::publications`] and [`Archive::publication`] reads only current publications (not
//! superseded ones).

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::{Archive, ArchiveError};

/// One publication: what was published, from what, by whom.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publication {
    /// Its number in the archive.
    pub id: i64,
    /// The pack's id.
    pub pack: String,
    /// The standard's Chinese name.
    pub pack_name: String,
    /// The pack's version, as written in it.
    pub pack_version: String,
    /// `member`, `organization` or `dossier`.
    pub subject: String,
    /// The period assessed (`2023`).
    pub period: String,
    /// The as-of date the pack was prepared at.
    pub as_of: String,
    /// The git commit of the pack's folder, when its library is a git repository.
    pub revision: Option<String>,
    /// Whether the pack's folder had changes not committed when it was published.
    pub revision_dirty: bool,
    /// The ledger's file name.
    pub ledger_name: String,
    /// The ledger's SHA-256.
    pub ledger_sha256: String,
    /// How many records (outcomes) were published.
    pub records: i64,
    /// Who published.
    pub published_by: String,
    /// When (+08:00).
    pub published_at: String,
    /// The public notice's first day, if decided at publication.
    pub notice_from: Option<String>,
    /// The public notice's last day.
    pub notice_to: Option<String>,
    /// The publication this one superseded.
    pub supersedes: Option<i64>,
    /// Why it superseded it.
    pub reason: Option<String>,
    /// The publication that superseded this one; `None` while it is current.
    pub superseded_by: Option<i64>,
}

/// A publication's columns, read by [`publication`]; [`PUBLICATION_COLUMNS`] of them.
const PUBLICATION: &str = "p.id, p.pack, p.pack_name, p.pack_version, p.subject, p.period,
    p.as_of, p.revision, p.revision_dirty, p.ledger_name, p.ledger_sha256, p.records,
    p.published_by, p.published_at, p.notice_from, p.notice_to, p.supersedes, p.reason,
    (SELECT n.id FROM publications n WHERE n.supersedes = p.id)";
const PUBLICATION_COLUMNS: usize = 19;

fn publication(r: &Row<'_>) -> rusqlite::Result<Publication> {
    Ok(Publication {
        id: r.get(0)?,
        pack: r.get(1)?,
        pack_name: r.get(2)?,
        pack_version: r.get(3)?,
        subject: r.get(4)?,
        period: r.get(5)?,
        as_of: r.get(6)?,
        revision: r.get(7)?,
        revision_dirty: r.get(8)?,
        ledger_name: r.get(9)?,
        ledger_sha256: r.get(10)?,
        records: r.get(11)?,
        published_by: r.get(12)?,
        published_at: r.get(13)?,
        notice_from: r.get(14)?,
        notice_to: r.get(15)?,
        supersedes: r.get(16)?,
        reason: r.get(17)?,
        superseded_by: r.get(18)?,
    })
}

/// One published outcome, with the columns the queries read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored {
    /// The record's id.
    pub record: String,
    /// Its row in the published ledger.
    pub row: i64,
    /// Its name.
    pub name: Option<String>,
    /// Its organization (所在组织; an organization's own id).
    pub organization: Option<String>,
    /// Its score.
    pub score: Option<f64>,
    /// Its grade's id.
    pub grade: Option<String>,
    /// Its grade's label.
    pub grade_label: Option<String>,
    /// Whether the grade passes.
    pub passed: Option<bool>,
    /// The grade's level (see [`crate::grades`]).
    pub level: Option<i64>,
    /// The stars the grade names.
    pub stars: Option<i64>,
    /// Whether a veto fired.
    pub vetoed: bool,
    /// Money paid, in fen.
    pub money_fen: i64,
    /// Its rank.
    pub rank: Option<i64>,
    /// The treatment its grade gets.
    pub actions: Vec<String>,
    /// The treatment's deadline.
    pub due: Option<String>,
}

const STORED: &str = "o.record, o.row, o.name, o.organization, o.score, o.grade, o.grade_label,
    o.passed, o.level, o.stars, o.vetoed, o.money_fen, o.rank, o.actions, o.due";

/// Reads [`STORED`]'s columns starting at column `at`.
fn stored(r: &Row<'_>, at: usize) -> rusqlite::Result<Stored> {
    let actions: String = r.get(at + 13)?;
    Ok(Stored {
        record: r.get(at)?,
        row: r.get(at + 1)?,
        name: r.get(at + 2)?,
        organization: r.get(at + 3)?,
        score: r.get(at + 4)?,
        grade: r.get(at + 5)?,
        grade_label: r.get(at + 6)?,
        passed: r.get(at + 7)?,
        level: r.get(at + 8)?,
        stars: r.get(at + 9)?,
        vetoed: r.get(at + 10)?,
        money_fen: r.get(at + 11)?,
        rank: r.get(at + 12)?,
        // Written by `publish` from a list of strings; anything else is a damaged archive.
        actions: serde_json::from_str(&actions).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                at + 13,
                rusqlite::types::Type::Text,
                e.into(),
            )
        })?,
        due: r.get(at + 14)?,
    })
}

/// A record in one published period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Year {
    /// The publication.
    pub publication: Publication,
    /// The record's outcome in it.
    pub outcome: Stored,
}

/// A record whose grade moved between two periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Move {
    /// The record's id.
    pub record: String,
    /// Its name (in the later period).
    pub name: Option<String>,
    /// Its organization (in the later period).
    pub organization: Option<String>,
    /// Its outcome in the earlier period.
    pub before: Stored,
    /// Its outcome in the later period.
    pub after: Stored,
}

/// Who moved up, who moved down, between two publications of one pack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moves {
    /// The earlier publication.
    pub from: Publication,
    /// The later publication.
    pub to: Publication,
    /// Records with a higher grade in the later period (by level, else fail to pass), by id.
    pub up: Vec<Move>,
    /// Records with a lower grade, by id.
    pub down: Vec<Move>,
    /// Records in both periods whose grade is the same or cannot be ordered.
    pub unchanged: usize,
    /// Records only in the earlier period.
    pub left: Vec<String>,
    /// Records only in the later period.
    pub joined: Vec<String>,
}

/// A treatment with a deadline (限期整改, 约谈): due, or past its date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    /// The publication it comes from.
    pub publication: i64,
    /// The pack.
    pub pack: String,
    /// The period.
    pub period: String,
    /// The record's outcome (organization, name, grade, actions, due date).
    pub outcome: Stored,
    /// Whether its date has passed as of the date asked.
    pub overdue: bool,
}

/// Which way a record moved from `before` to `after`: by level when both grades have one, else
/// from fail to pass or back; `None` when it did not move or cannot be told.
pub(crate) fn direction(before: &Stored, after: &Stored) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering::Equal;
    let order = match (before.level, after.level) {
        (Some(b), Some(a)) => a.cmp(&b),
        _ => match (before.passed, after.passed) {
            (Some(b), Some(a)) => a.cmp(&b),
            _ => Equal,
        },
    };
    (order != Equal).then_some(order)
}

impl Archive {
    /// Every publication, superseded ones too, of `pack` or of every pack: by pack, period and
    /// number.
    ///
    /// # Errors
    /// Database failures.
    pub fn publications(&self, pack: Option<&str>) -> Result<Vec<Publication>, ArchiveError> {
        let sql = format!(
            "SELECT {PUBLICATION} FROM publications p WHERE ?1 IS NULL OR p.pack = ?1
             ORDER BY p.pack, p.period, p.id"
        );
        let mut query = self.conn.prepare(&sql).map_err(self.fail())?;
        let rows = query
            .query_map(params![pack], publication)
            .map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }

    /// The publication numbered `id`.
    ///
    /// # Errors
    /// [`ArchiveError::NoPublication`] when there is none, and database failures.
    pub fn publication(&self, id: i64) -> Result<Publication, ArchiveError> {
        self.conn
            .query_row(
                &format!("SELECT {PUBLICATION} FROM publications p WHERE p.id = ?1"),
                [id],
                publication,
            )
            .optional()
            .map_err(self.fail())?
            .ok_or(ArchiveError::NoPublication(id))
    }

    /// The current publication of `pack` for `period`.
    ///
    /// # Errors
    /// [`ArchiveError::NotPublished`] when there is none, and database failures.
    pub fn current(&self, pack: &str, period: &str) -> Result<Publication, ArchiveError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {PUBLICATION} FROM publications p
                     WHERE p.pack = ?1 AND p.period = ?2 AND p.superseded = 0"
                ),
                params![pack, period],
                publication,
            )
            .optional()
            .map_err(self.fail())?
            .ok_or_else(|| ArchiveError::NotPublished {
                pack: pack.to_owned(),
                period: period.to_owned(),
            })
    }

    /// The outcomes of publication `id`, in ledger order.
    ///
    /// # Errors
    /// Database failures.
    pub fn outcomes(&self, id: i64) -> Result<Vec<Stored>, ArchiveError> {
        let sql =
            format!("SELECT {STORED} FROM outcomes o WHERE o.publication = ?1 ORDER BY o.row");
        let mut query = self.conn.prepare(&sql).map_err(self.fail())?;
        let rows = query
            .query_map([id], |r| stored(r, 0))
            .map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }

    /// The full outcome of `record` in publication `id`, as evaluation gave it (JSON, the keys of
    /// `liangxin eval --format json`'s outcomes).
    ///
    /// # Errors
    /// Database failures; `Ok(None)` when the record is not in the publication.
    pub fn outcome_json(&self, id: i64, record: &str) -> Result<Option<String>, ArchiveError> {
        self.conn
            .query_row(
                "SELECT outcome FROM outcomes WHERE publication = ?1 AND record = ?2",
                params![id, record],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.fail())
    }

    /// `record` in every current publication (of `pack`, or of every pack), by pack and period:
    /// its score, grade and stars year over year.
    ///
    /// # Errors
    /// Database failures.
    pub fn record_history(
        &self,
        record: &str,
        pack: Option<&str>,
    ) -> Result<Vec<Year>, ArchiveError> {
        let sql = format!(
            "SELECT {PUBLICATION}, {STORED} FROM publications p
             JOIN outcomes o ON o.publication = p.id
             WHERE p.superseded = 0 AND o.record = ?1 AND (?2 IS NULL OR p.pack = ?2)
             ORDER BY p.pack, p.period"
        );
        self.years(&sql, params![record, pack])
    }

    /// An organization's own outcomes (organization packs) in every current publication, by
    /// pack and period: its grade and stars year over year (星级动态管理). `organization` is
    /// its id or its name.
    ///
    /// # Errors
    /// Database failures.
    pub fn organization_history(&self, organization: &str) -> Result<Vec<Year>, ArchiveError> {
        let sql = format!(
            "SELECT {PUBLICATION}, {STORED} FROM publications p
             JOIN outcomes o ON o.publication = p.id
             WHERE p.superseded = 0 AND p.subject = 'organization'
               AND (o.record = ?1 OR o.name = ?1)
             ORDER BY p.pack, p.period"
        );
        self.years(&sql, params![organization])
    }

    fn years(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Year>, ArchiveError> {
        let mut query = self.conn.prepare(sql).map_err(self.fail())?;
        let rows = query
            .query_map(args, |r| {
                Ok(Year {
                    publication: publication(r)?,
                    outcome: stored(r, PUBLICATION_COLUMNS)?,
                })
            })
            .map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }

    /// Who moved up and who moved down between the current publications of `pack` for the
    /// periods `from` and `to`.
    ///
    /// # Errors
    /// [`ArchiveError::NotPublished`] when either period has no publication, and database
    /// failures.
    pub fn moves(&self, pack: &str, from: &str, to: &str) -> Result<Moves, ArchiveError> {
        let (earlier, later) = (self.current(pack, from)?, self.current(pack, to)?);
        let before = self.outcomes(earlier.id)?;
        let after = self.outcomes(later.id)?;
        let by_id: std::collections::HashMap<&str, &Stored> =
            before.iter().map(|o| (o.record.as_str(), o)).collect();
        let now: std::collections::HashSet<&str> =
            after.iter().map(|o| o.record.as_str()).collect();
        let mut moves = Moves {
            from: earlier.clone(),
            to: later.clone(),
            up: Vec::new(),
            down: Vec::new(),
            unchanged: 0,
            left: before
                .iter()
                .filter(|o| !now.contains(o.record.as_str()))
                .map(|o| o.record.clone())
                .collect(),
            joined: Vec::new(),
        };
        for a in &after {
            let Some(b) = by_id.get(a.record.as_str()) else {
                moves.joined.push(a.record.clone());
                continue;
            };
            let moved = Move {
                record: a.record.clone(),
                name: a.name.clone(),
                organization: a.organization.clone(),
                before: (*b).clone(),
                after: a.clone(),
            };
            match direction(b, a) {
                Some(std::cmp::Ordering::Greater) => moves.up.push(moved),
                Some(_) => moves.down.push(moved),
                None => moves.unchanged += 1,
            }
        }
        for list in [&mut moves.up, &mut moves.down] {
            list.sort_by(|x, y| x.record.cmp(&y.record));
        }
        moves.left.sort();
        moves.joined.sort();
        Ok(moves)
    }

    /// The treatments with a deadline in every current publication, by organization, date and
    /// record: each is overdue when its date is before `as_of` (on the date itself it is due,
    /// not yet overdue).
    ///
    /// # Errors
    /// Database failures.
    pub fn follow_ups(&self, as_of: &str) -> Result<Vec<FollowUp>, ArchiveError> {
        let sql = format!(
            "SELECT p.id, p.pack, p.period, {STORED} FROM outcomes o
             JOIN publications p ON o.publication = p.id
             WHERE p.superseded = 0 AND o.due IS NOT NULL
             ORDER BY coalesce(o.organization, ''), o.due, o.record, p.pack, p.period"
        );
        let mut query = self.conn.prepare(&sql).map_err(self.fail())?;
        let rows = query
            .query_map([], |r| {
                let outcome = stored(r, 3)?;
                Ok(FollowUp {
                    publication: r.get(0)?,
                    pack: r.get(1)?,
                    period: r.get(2)?,
                    // Dates are `YYYY-MM-DD`: as text they order as dates.
                    overdue: outcome.due.as_deref().is_some_and(|d| d < as_of),
                    outcome,
                })
            })
            .map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }
}

impl Archive {
    /// The grades of publication `id` as they were published, in the pack's order.
    ///
    /// # Errors
    /// Database failures.
    pub fn grades(&self, id: i64) -> Result<Vec<crate::grades::GradeInfo>, ArchiveError> {
        let mut query = self
            .conn
            .prepare(
                "SELECT grade, label, pass, level, stars FROM grades
                 WHERE publication = ?1 ORDER BY position",
            )
            .map_err(self.fail())?;
        let rows = query
            .query_map([id], |r| {
                Ok(crate::grades::GradeInfo {
                    grade: r.get(0)?,
                    label: r.get(1)?,
                    pass: r.get(2)?,
                    level: r.get(3)?,
                    stars: r.get(4)?,
                })
            })
            .map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }
}
