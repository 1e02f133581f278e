//! `POST /archive/publish`: the session's current evaluation published (editors only), under
//! the pack and as-of date it was evaluated with, from the very bytes uploaded.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use liangxin_archive::{Archive, ArchiveError, Submission};
use maud::html;

use crate::accounts::Role;
use crate::errors::{Failure, PageFailure};
use crate::session::{Current, CurrentLedger};
use crate::{AppState, audit, blocking, library, pages, upload};

/// What the publish form sends, trimmed; empty fields are none.
struct Asked {
    period: String,
    reason: Option<String>,
    notice: Option<(String, String)>,
}

fn asked(form: &HashMap<String, String>) -> Result<Asked, Failure> {
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let notice = match (field("notice_from"), field("notice_to")) {
        (Some(from), Some(to)) => Some((from, to)),
        (None, None) => None,
        _ => {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "notice",
                "公示期须同时填写开始和结束日期 / give both days of the notice period, or neither",
            ));
        }
    };
    Ok(Asked {
        period: field("period").unwrap_or_default(),
        reason: field("reason"),
        notice,
    })
}

/// `POST /archive/publish`: publishes the session's current evaluation; a pack and period
/// already published gets a page asking why it is superseded (409), nothing written.
pub async fn publish(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageFailure> {
    let user = current.require(Role::Editor)?.clone();
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    if !state.editable() {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "read_only",
            "内置标准为只读，不能发布：用 liangxin serve --library 目录 启动 / the bundled packs are read-only: start with --library DIR to publish",
        )
        .into());
    }
    let ledger = current.ledger.clone().ok_or_else(Failure::no_ledger)?;
    let dir = library::find(&state, &ledger.pack)?;
    // What is published is what the page showed: not a result of a library changed since.
    library::same_version(&state.library, ledger.library_version)?;
    let asked = asked(&form)?;
    let (library_dir, by) = (state.library.clone(), user.name.clone());
    let evaluated = ledger.clone();
    let reason = asked.reason.clone();
    let period = asked.period.clone();
    let published = blocking(&state, move || -> Result<_, Failure> {
        let prepared = library::prepare(&evaluated.pack, &dir, &evaluated.as_of)?;
        let compiled = &prepared.policy;
        // With an entry ledger, the roster with the entries summed in, as the page showed it.
        let (read, _) = upload::read_current(&evaluated, &compiled.policy)?;
        let evaluation = compiled.evaluate_ledger(&read);
        let revision = liangxin_archive::revision::of(&dir);
        let submission = Submission {
            policy: compiled,
            evaluation: &evaluation,
            ledger: &read,
            ledger_sha256: ledger_hash(&evaluated),
            ledger_name: match &evaluated.entries {
                Some(e) => format!("{} + {}（{}）", read.path, e.name, e.period),
                None => read.path.clone(),
            },
            period: asked.period,
            as_of: evaluated.as_of.clone(),
            revision: revision.clone(),
            by,
            at: liangxin_archive::china_now(),
            notice: asked.notice,
            reason: asked.reason,
        };
        let outcome = Archive::open(&library_dir).and_then(|mut a| a.publish(&submission));
        Ok((outcome, revision))
    })
    .await??;
    match published {
        (Ok(id), revision) => {
            let detail = format!(
                "第 {id} 号 {period}{}",
                reason.map_or(String::new(), |r| format!("（重新发布：{r}）"))
            );
            state
                .audit
                .record(&audit::Entry {
                    action: "publish",
                    user: &user.name,
                    pack: Some(&ledger.pack),
                    commit: revision.as_ref().map(|r| r.commit.as_str()),
                    detail: Some(&detail),
                })
                .map_err(Failure::audit)?;
            Ok(Redirect::to(&format!("/archive/{id}")).into_response())
        }
        (Err(ArchiveError::AlreadyPublished { id, by, at, .. }), _) => Ok((
            StatusCode::CONFLICT,
            Html(supersede_page(&current, &ledger, &form, id, &by, &at)),
        )
            .into_response()),
        (Err(e), _) => Err(super::failure(e).into()),
    }
}

/// The publish form, on the evaluation page of editors: the period (the as-of date's year by
/// default) and the notice period.
pub(crate) fn form(current: &Current, as_of: &str) -> maud::Markup {
    html! {
        form.workbench #publish method="post" action="/archive/publish" style="font:14px sans-serif;padding:6px 12px;background:#fbf3e4" {
            input type="hidden" name="_csrf" value=(current.csrf);
            "发布本次测评结果（发布后不可修改）："
            label { " 期别 " input name="period" required size="8" value=(as_of.get(..4).unwrap_or_default()); }
            label { " 公示期 " input type="date" name="notice_from"; }
            label { " 至 " input type="date" name="notice_to"; }
            " " button type="submit" { "发布" }
        }
    }
}

/// The page asking why a published pack and period is published again: the earlier
/// publication named, the form again with a reason field.
fn supersede_page(
    current: &Current,
    ledger: &CurrentLedger,
    form: &HashMap<String, String>,
    id: i64,
    by: &str,
    at: &str,
) -> String {
    let value = |k: &str| form.get(k).cloned().unwrap_or_default();
    pages::layout_for(
        Some(current),
        "重新发布",
        html! {
            h1 { "该期已发布" }
            p #already {
                "标准 " code { (ledger.pack) } " " (value("period")) " 期已由 " (by) " 于 "
                (super::shown_time(at)) " 发布（" a href={ "/archive/" (id) } { "第 " (id) " 号" } "）。"
                "已发布的结果不可修改；重新发布将取代它（原结果保留并标明已被取代），须说明理由。"
            }
            form method="post" action="/archive/publish" {
                input type="hidden" name="_csrf" value=(current.csrf);
                input type="hidden" name="period" value=(value("period"));
                input type="hidden" name="notice_from" value=(value("notice_from"));
                input type="hidden" name="notice_to" value=(value("notice_to"));
                label { "重新发布的理由 " input name="reason" required size="40"; }
                " " button type="submit" { "重新发布" }
            }
            p { a href="/archive" { "返回档案" } }
        },
    )
}

/// The content hash of what was evaluated: the ledger's bytes, and with an entry ledger the
/// roster's hash and the entries' hash hashed together (so either file changed is another
/// hash, and the roster alone is never mistaken for the pair).
fn ledger_hash(evaluated: &crate::session::CurrentLedger) -> String {
    match &evaluated.entries {
        None => liangxin_archive::ledger_sha256(&evaluated.bytes),
        Some(entries) => {
            let pair = format!(
                "roster {}\nentries {}\nperiod {} {}\n",
                liangxin_archive::ledger_sha256(&evaluated.bytes),
                liangxin_archive::ledger_sha256(&entries.bytes),
                entries.period.from(),
                entries.period.to()
            );
            liangxin_archive::ledger_sha256(pair.as_bytes())
        }
    }
}
