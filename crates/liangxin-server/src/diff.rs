//! 变更 Diff: one ledger under two versions of a pack (or two packs of one subject), as
//! `liangxin diff` runs it: the records that move, the grade transitions, the pass-rate and
//! money deltas and the records each side could not evaluate. [`diff_versions`] takes two pack
//! folders, so a page can diff any two versions it has on disk (two git revisions of a pack
//! checked out into temporary folders); `POST /api/diff` diffs two packs of the library.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use liangxin::diff::version_name;
use liangxin::report::{DiffReport, Format, Options};

use crate::api::AsOf;
use crate::compare::prepare_alike;
use crate::errors::{ApiFailure, Failure};
use crate::input::{self, Endpoint, Records};
use crate::{AppState, blocking, library};

/// One side of a diff: the pack's folder and how the report names it (a pack id, or an id
/// with its revision).
#[derive(Debug, Clone)]
pub struct Version {
    pub name: String,
    pub dir: PathBuf,
}

/// What `liangxin diff OLD NEW --records … --as-of DAY` writes, in `format`: both versions
/// prepared as of `day`, the records read with each one's schema and evaluated, and the two
/// evaluations compared record by record.
pub fn diff_versions(
    old: &Version,
    new: &Version,
    records: &Records,
    day: &str,
    format: Format,
) -> Result<Vec<u8>, Failure> {
    let prepared = prepare_alike(
        &[
            (old.name.clone(), old.dir.clone()),
            (new.name.clone(), new.dir.clone()),
        ],
        day,
    )?;
    let evaluations = prepared
        .iter()
        .map(|p| {
            Ok(p.policy
                .evaluate_ledger(&records.read(&p.policy.policy.schema)?))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let diff = liangxin::diff::diff(&evaluations[0], &evaluations[1]);
    let (old_name, new_name) = (
        version_name(&old.name, &prepared[0].policy.policy.meta),
        version_name(&new.name, &prepared[1].policy.policy.meta),
    );
    let report = DiffReport::new(
        &diff,
        &evaluations[0],
        &evaluations[1],
        (&old_name, &new_name),
    );
    crate::errors::render(
        || report.document(),
        || report.json(),
        format,
        Options::default(),
    )
}

/// `POST /api/diff`: `{old, new, records, as_of?}` as JSON (`old` and `new` pack ids of the
/// library), or the same as a form with the ledger uploaded → the JSON of
/// `liangxin diff OLD NEW --records … --format json`.
pub async fn api(
    State(state): State<Arc<AppState>>,
    query: Result<Query<AsOf>, QueryRejection>,
    request: Request,
) -> Result<Response, ApiFailure> {
    let asked = input::read(query, request, Endpoint::Diff, state.body_limit).await?;
    let missing = |what: &str| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "request",
            format!("缺少 `{what}` / the request lacks `{what}`"),
        )
    };
    let version = |id: Option<String>, what: &str| -> Result<Version, Failure> {
        let id = id.ok_or_else(|| missing(what))?;
        let dir = library::find(&state, &id)?;
        Ok(Version { name: id, dir })
    };
    let old = version(asked.old, "old")?;
    let new = version(asked.new, "new")?;
    // A form sends its records as the file `ledger`, a JSON body as `records`: both are named.
    let records = asked.records.ok_or_else(|| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "request",
            "缺少台账 / the request lacks its records (`records` in a JSON body, the file `ledger` in a form)",
        )
    })?;
    let day = library::as_of(asked.as_of.as_deref())?;
    let json = blocking(&state, move || {
        diff_versions(&old, &new, &records, &day, Format::Json)
    })
    .await??;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}
