//! The database's tables, made and upgraded by format version (SQLite's `user_version`), and
//! recognised by an `application_id` of its own, so another program's database is never taken
//! for an archive and changed.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::ArchiveError;

/// `LXAR`: marks the file as a liangxin archive.
const APPLICATION_ID: i64 = 0x4C58_4152;

/// The newest format this build writes. Each step in [`STEPS`] takes the format from its index
/// to the next.
pub(crate) const FORMAT: i64 = STEPS.len() as i64;

/// The steps, in order; never edit a step that has shipped: add one.
const STEPS: &[&str] = &[FORMAT_1];

const FORMAT_1: &str = r#"
CREATE TABLE publications (
    id INTEGER PRIMARY KEY,
    pack TEXT NOT NULL,
    pack_name TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    subject TEXT NOT NULL,
    period TEXT NOT NULL,
    as_of TEXT NOT NULL,
    revision TEXT,
    revision_dirty INTEGER NOT NULL,
    ledger_name TEXT NOT NULL,
    ledger_sha256 TEXT NOT NULL,
    records INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    notice_from TEXT,
    notice_to TEXT,
    supersedes INTEGER UNIQUE REFERENCES publications(id),
    reason TEXT,
    superseded INTEGER NOT NULL DEFAULT 0
);
-- One current publication per pack and period.
CREATE UNIQUE INDEX current_publication ON publications(pack, period) WHERE superseded = 0;

CREATE TABLE grades (
    publication INTEGER NOT NULL REFERENCES publications(id),
    position INTEGER NOT NULL,
    grade TEXT NOT NULL,
    label TEXT NOT NULL,
    pass INTEGER NOT NULL,
    level INTEGER,
    stars INTEGER,
    PRIMARY KEY (publication, grade)
);

CREATE TABLE outcomes (
    publication INTEGER NOT NULL REFERENCES publications(id),
    record TEXT NOT NULL,
    row INTEGER NOT NULL,
    name TEXT,
    organization TEXT,
    score REAL,
    grade TEXT,
    grade_label TEXT,
    passed INTEGER,
    level INTEGER,
    stars INTEGER,
    vetoed INTEGER NOT NULL,
    money_fen INTEGER NOT NULL,
    rank INTEGER,
    actions TEXT NOT NULL,
    due TEXT,
    outcome TEXT NOT NULL,
    PRIMARY KEY (publication, record)
);
CREATE INDEX outcomes_by_record ON outcomes(record);
CREATE INDEX outcomes_by_due ON outcomes(due) WHERE due IS NOT NULL;

-- Published results are never changed: the database refuses it, whatever program writes.
CREATE TRIGGER outcomes_never_updated BEFORE UPDATE ON outcomes
BEGIN SELECT RAISE(ABORT, 'published outcomes are never changed'); END;
CREATE TRIGGER outcomes_never_deleted BEFORE DELETE ON outcomes
BEGIN SELECT RAISE(ABORT, 'published outcomes are never changed'); END;
CREATE TRIGGER grades_never_updated BEFORE UPDATE ON grades
BEGIN SELECT RAISE(ABORT, 'published grades are never changed'); END;
CREATE TRIGGER grades_never_deleted BEFORE DELETE ON grades
BEGIN SELECT RAISE(ABORT, 'published grades are never changed'); END;
CREATE TRIGGER publications_never_deleted BEFORE DELETE ON publications
BEGIN SELECT RAISE(ABORT, 'publications are never changed'); END;
-- The one change allowed: a current publication marked superseded, nothing else with it.
CREATE TRIGGER publications_only_superseded BEFORE UPDATE ON publications
WHEN NOT (OLD.superseded = 0 AND NEW.superseded = 1
    AND NEW.id IS OLD.id AND NEW.pack IS OLD.pack AND NEW.pack_name IS OLD.pack_name
    AND NEW.pack_version IS OLD.pack_version AND NEW.subject IS OLD.subject
    AND NEW.period IS OLD.period AND NEW.as_of IS OLD.as_of AND NEW.revision IS OLD.revision
    AND NEW.revision_dirty IS OLD.revision_dirty AND NEW.ledger_name IS OLD.ledger_name
    AND NEW.ledger_sha256 IS OLD.ledger_sha256 AND NEW.records IS OLD.records
    AND NEW.published_by IS OLD.published_by AND NEW.published_at IS OLD.published_at
    AND NEW.notice_from IS OLD.notice_from AND NEW.notice_to IS OLD.notice_to
    AND NEW.supersedes IS OLD.supersedes AND NEW.reason IS OLD.reason)
BEGIN SELECT RAISE(ABORT, 'publications are never changed, only superseded'); END;
"#;

/// Brings the database to [`FORMAT`], in one transaction; refuses files that are not archives
/// and archives of a newer format.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), ArchiveError> {
    let at = |e| ArchiveError::sqlite(path, e);
    // IMMEDIATE: two programs opening a new archive at once do not both create its tables.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(at)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(at)?;
    let application: i64 = tx
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(at)?;
    let tables: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(at)?;
    if application != APPLICATION_ID && (tables > 0 || version != 0) {
        return Err(ArchiveError::NotAnArchive {
            path: path.to_owned(),
            why: format!("a SQLite database of another program (application id {application})"),
        });
    }
    if version > FORMAT {
        return Err(ArchiveError::NewerFormat {
            path: path.to_owned(),
            found: version,
            known: FORMAT,
        });
    }
    if version < 0 {
        return Err(ArchiveError::NotAnArchive {
            path: path.to_owned(),
            why: format!("format version {version}"),
        });
    }
    for step in &STEPS[version as usize..] {
        tx.execute_batch(step).map_err(at)?;
    }
    if version < FORMAT {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(at)?;
        tx.pragma_update(None, "user_version", FORMAT).map_err(at)?;
    }
    tx.commit().map_err(at)
}
