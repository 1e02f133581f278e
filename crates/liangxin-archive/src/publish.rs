//! Publishing: one evaluation frozen into the archive, in one transaction.

use liangxin::ledger::Cell;
use liangxin::value::Value;
use liangxin::{CompiledPolicy, Evaluation, Ledger, Outcome};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::grades::{GradeInfo, grades};
use crate::revision::Revision;
use crate::{Archive, ArchiveError};

/// What is published: the evaluation with what it was made from, and who publishes it.
#[derive(Debug)]
pub struct Submission<'a> {
    /// The pack, as evaluated.
    pub policy: &'a CompiledPolicy,
    /// The evaluation of `ledger` under `policy`.
    pub evaluation: &'a Evaluation,
    /// The ledger evaluated (for each record's organization).
    pub ledger: &'a Ledger,
    /// The ledger's SHA-256, lowercase hex ([`ledger_sha256`] of its bytes).
    pub ledger_sha256: String,
    /// The ledger's name (its file name).
    pub ledger_name: String,
    /// The period assessed: a year (`2023`), or a year with a part (`2023-上半年`).
    pub period: String,
    /// The as-of date the pack was prepared at (`YYYY-MM-DD`).
    pub as_of: String,
    /// The pack's git revision, when its library is a git repository.
    pub revision: Option<Revision>,
    /// Who publishes (an account's name, or the name given on the command line).
    pub by: String,
    /// When, as `YYYY-MM-DDTHH:MM:SS+08:00`.
    pub at: String,
    /// The notice period of the public notice (公示), from and to (`YYYY-MM-DD`), if decided.
    pub notice: Option<(String, String)>,
    /// Why an earlier publication of the same pack and period is superseded; required then,
    /// refused otherwise.
    pub reason: Option<String>,
}

/// The SHA-256 of a ledger's bytes, lowercase hex: what the publication records, so the very
/// file can be recognised later.
pub fn ledger_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `period` is a year, or a year, `-` and a short name of its part.
fn valid_period(period: &str) -> bool {
    let (year, part) = match period.split_once('-') {
        Some((y, p)) => (y, Some(p)),
        None => (period, None),
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && part.is_none_or(|p| {
            (1..=20).contains(&p.chars().count())
                && p.chars().all(|c| !c.is_control() && !c.is_whitespace())
        })
}

/// Whether `text` is a date `YYYY-MM-DD`.
fn valid_date(text: &str) -> bool {
    liangxin::schema::parse_date(text).as_deref() == Some(text)
}

impl Submission<'_> {
    /// Refuses what must not be published: record errors (named by row), a period or a date
    /// that is not one, nobody as the publisher, a notice period that ends before it starts.
    fn check(&self) -> Result<(), ArchiveError> {
        let errors = &self.evaluation.errors;
        if !errors.is_empty() {
            let mut rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
            rows.dedup();
            let named: Vec<String> = errors.iter().take(10).map(ToString::to_string).collect();
            return Err(ArchiveError::Refused(format!(
                "the ledger has {} record(s) that could not be evaluated; a published result must cover every record, so correct them and evaluate again / 台账中有 {} 条记录未能测评，须改正后再发布:\n  {}{}",
                rows.len(),
                rows.len(),
                named.join("\n  "),
                if errors.len() > 10 {
                    format!("\n  … and {} more", errors.len() - 10)
                } else {
                    String::new()
                }
            )));
        }
        if self.evaluation.outcomes.is_empty() {
            return Err(ArchiveError::Refused(
                "the ledger has no records: there is nothing to publish / 台账中没有记录".into(),
            ));
        }
        if !valid_period(&self.period) {
            return Err(ArchiveError::Refused(format!(
                "`{}` is not a period: give the year (2023) or the year and its part (2023-上半年) / 期别应为年度，如 2023",
                self.period
            )));
        }
        if !valid_date(&self.as_of) {
            return Err(ArchiveError::Refused(format!(
                "`{}` is not a date (YYYY-MM-DD) / 测评日期格式应为 YYYY-MM-DD",
                self.as_of
            )));
        }
        if self.by.trim().is_empty() {
            return Err(ArchiveError::Refused(
                "who publishes must be named / 须填写发布人".into(),
            ));
        }
        if let Some((from, to)) = &self.notice {
            check_notice(from, to)?;
        }
        Ok(())
    }

    /// A record's organization: the `org` field (所在组织) when the pack's schema has one, the
    /// record itself when records are organizations.
    fn organizations(&self) -> std::collections::HashMap<&str, String> {
        let schema = &self.policy.policy.schema;
        let org = schema.index_of("org");
        let organizations = self.policy.policy.meta.subject == liangxin::Subject::Organization;
        self.ledger
            .records
            .iter()
            .filter_map(|r| {
                let value = match org.and_then(|i| r.cells.get(i)) {
                    Some(Cell::Value(Value::Str(s))) if !s.trim().is_empty() => {
                        Some(s.trim().to_owned())
                    }
                    _ if organizations => Some(r.id.clone()),
                    _ => None,
                };
                value.map(|v| (r.id.as_str(), v))
            })
            .collect()
    }
}

/// Refuses a notice period that is not two dates in order.
pub(crate) fn check_notice(from: &str, to: &str) -> Result<(), ArchiveError> {
    if !valid_date(from) || !valid_date(to) {
        return Err(ArchiveError::Refused(format!(
            "the notice period `{from}` to `{to}` is not two dates (YYYY-MM-DD) / 公示期须为两个日期"
        )));
    }
    if from > to {
        return Err(ArchiveError::Refused(format!(
            "the notice period ends ({to}) before it starts ({from}) / 公示期的结束日期早于开始日期"
        )));
    }
    Ok(())
}

/// Money in whole fen as SQLite's integer; no record's money comes near its limit (about
/// 92 trillion yuan), and one that did is refused rather than cut.
fn fen(outcome: &Outcome) -> Result<i64, ArchiveError> {
    i64::try_from(outcome.money.fen()).map_err(|_| {
        ArchiveError::Refused(format!(
            "record {}: its money {} is too large to keep",
            outcome.record, outcome.money
        ))
    })
}

impl Archive {
    /// Publishes `submission`: the publication, its grades and every outcome in one
    /// transaction, so the archive has all of it or none. With a current publication of the
    /// same pack and period, `reason` is required and the earlier one is marked superseded
    /// (kept, never deleted). Returns the new publication's number.
    ///
    /// Two publishers at once are taken one after the other: the second waits for the first
    /// (up to ten seconds), then sees its publication and needs a reason like anyone else.
    ///
    /// # Errors
    /// [`ArchiveError::Refused`] for record errors or malformed values,
    /// [`ArchiveError::AlreadyPublished`] without a reason when one is needed,
    /// [`ArchiveError::NothingToSupersede`] with a reason when none is, and database failures.
    pub fn publish(&mut self, submission: &Submission<'_>) -> Result<i64, ArchiveError> {
        submission.check()?;
        let path = self.path.clone();
        let at = |e| ArchiveError::sqlite(&path, e);
        let policy = &submission.policy.policy;
        let pack = policy.meta.id.as_str();
        let period = submission.period.as_str();
        let grade_list = grades(policy, &submission.evaluation.policy.veto_grades);
        let organizations = submission.organizations();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(at)?;
        let current: Option<(i64, String, String)> = tx
            .query_row(
                "SELECT id, published_by, published_at FROM publications
                 WHERE pack = ?1 AND period = ?2 AND superseded = 0",
                params![pack, period],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(at)?;
        let reason = submission
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        match (&current, reason) {
            (Some((id, by, when)), None) => {
                return Err(ArchiveError::AlreadyPublished {
                    pack: pack.to_owned(),
                    period: period.to_owned(),
                    id: *id,
                    by: by.clone(),
                    at: when.clone(),
                });
            }
            (None, Some(_)) => {
                return Err(ArchiveError::NothingToSupersede {
                    pack: pack.to_owned(),
                    period: period.to_owned(),
                });
            }
            (Some((id, _, _)), Some(_)) => {
                tx.execute(
                    "UPDATE publications SET superseded = 1 WHERE id = ?1",
                    params![id],
                )
                .map_err(at)?;
            }
            (None, None) => {}
        }
        let revision = submission
            .revision
            .as_ref()
            .filter(|r| !r.commit.is_empty());
        let dirty = submission.revision.as_ref().is_some_and(|r| r.dirty);
        tx.execute(
            "INSERT INTO publications (pack, pack_name, pack_version, subject, period, as_of,
                 revision, revision_dirty, ledger_name, ledger_sha256, records, published_by,
                 published_at, notice_from, notice_to, supersedes, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                pack,
                policy.meta.name,
                policy.meta.version,
                policy.meta.subject.as_str(),
                period,
                submission.as_of,
                revision.map(|r| r.commit.as_str()),
                dirty,
                submission.ledger_name,
                submission.ledger_sha256,
                submission.evaluation.outcomes.len() as i64,
                submission.by.trim(),
                submission.at,
                submission.notice.as_ref().map(|n| n.0.as_str()),
                submission.notice.as_ref().map(|n| n.1.as_str()),
                current.as_ref().map(|c| c.0),
                reason,
            ],
        )
        .map_err(at)?;
        let id = tx.last_insert_rowid();
        insert_grades(&tx, id, &grade_list).map_err(at)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO outcomes (publication, record, row, name, organization, score,
                         grade, grade_label, passed, level, stars, vetoed, money_fen, rank,
                         actions, due, outcome)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                )
                .map_err(at)?;
            for o in &submission.evaluation.outcomes {
                let grade = o
                    .grade
                    .as_deref()
                    .and_then(|g| grade_list.iter().find(|i| i.grade == g));
                let json = serde_json::to_string(o)
                    .map_err(|e| ArchiveError::Refused(format!("record {}: {e}", o.record)))?;
                let actions = serde_json::to_string(&o.actions[..])
                    .map_err(|e| ArchiveError::Refused(format!("record {}: {e}", o.record)))?;
                insert
                    .execute(params![
                        id,
                        o.record,
                        o.row as i64,
                        o.name,
                        organizations.get(o.record.as_str()),
                        o.score,
                        o.grade.as_deref(),
                        o.grade_label.as_deref(),
                        o.passed,
                        grade.and_then(|g| g.level),
                        grade.and_then(|g| g.stars),
                        o.vetoed,
                        fen(o)?,
                        o.rank.map(|r| r as i64),
                        actions,
                        o.due.as_deref(),
                        json,
                    ])
                    .map_err(at)?;
            }
        }
        tx.commit().map_err(at)?;
        Ok(id)
    }
}

fn insert_grades(
    tx: &rusqlite::Transaction<'_>,
    publication: i64,
    grades: &[GradeInfo],
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare(
        "INSERT INTO grades (publication, position, grade, label, pass, level, stars)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (i, g) in grades.iter().enumerate() {
        insert.execute(params![
            publication,
            i as i64,
            g.grade,
            g.label,
            g.pass,
            g.level,
            g.stars
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{ledger_sha256, valid_period};

    #[test]
    fn periods_are_years_or_parts_of_years() {
        assert!(valid_period("2023"));
        assert!(valid_period("2023-上半年"));
        assert!(!valid_period("23"));
        assert!(!valid_period("2023-"));
        assert!(!valid_period("二〇二三"));
        assert!(!valid_period("2023-a b"));
    }

    #[test]
    fn the_ledger_hash_is_sha256() {
        assert_eq!(
            ledger_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
