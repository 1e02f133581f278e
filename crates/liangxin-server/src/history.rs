//! 历史: every version of a pack (who, when, why), the difference between two versions as
//! rule text and as outcomes on the session's ledger, and restoring a version as a new commit.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{PreEscaped, html};

use crate::accounts::Role;
use crate::errors::{Failure, PageFailure};
use crate::repo::{Repo, RepoError};
use crate::session::Current;
use crate::{AppState, audit, blocking, edit, library, pages};

fn git_failure(e: RepoError) -> Failure {
    Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "git",
        format!("版本操作失败 / {e}"),
    )
}

fn repo(state: &AppState) -> Result<Repo, Failure> {
    state.repo.clone().ok_or_else(|| {
        Failure::new(
            StatusCode::FORBIDDEN,
            "read_only",
            "标准库为只读（内置标准），没有修订历史：用 liangxin serve --library 目录 启动 / the library is read-only and has no history: start with --library DIR",
        )
    })
}

/// `GET /packs/{id}/history[?old=&new=]`: the versions, and with two chosen, their difference.
pub async fn page(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageFailure> {
    library::find(&state, &id)?;
    let repo = repo(&state)?;
    let ledger = current.ledger.clone();
    let pack = id.clone();
    let (versions, comparison) = blocking(&state, move || -> Result<_, Failure> {
        let versions = repo.history(&pack).map_err(git_failure)?;
        let chosen = (query.get("old"), query.get("new"));
        let comparison = match chosen {
            (Some(old), Some(new)) => Some(compare(&repo, &pack, old, new, ledger.as_deref())?),
            _ => None,
        };
        Ok((versions, comparison))
    })
    .await??;
    let can_edit = current
        .user
        .as_ref()
        .is_some_and(|u| u.role >= Role::Editor);
    let content = html! {
        h1 { "修订历史：" (id) }
        p { a href={ "/packs/" (id) } { "查看标准" } @if can_edit { " · " a href={ "/packs/" (id) "/edit" } { "修订" } } }
        form method="get" {
            table.history #versions {
                thead { tr { th { "旧" } th { "新" } th { "版本" } th { "修订人" } th { "时间" } th { "修订说明" } @if can_edit { th { "恢复" } } } }
                tbody {
                    @for (i, v) in versions.iter().enumerate() {
                        tr {
                            td { input type="radio" name="old" value=(v.commit) checked[i == 1]; }
                            td { input type="radio" name="new" value=(v.commit) checked[i == 0]; }
                            td { code { (&v.commit[..v.commit.len().min(8)]) } }
                            td.author { (v.author) }
                            td { (v.when) }
                            td.message { (v.message) }
                            @if can_edit {
                                td {
                                    @if i > 0 {
                                        button type="submit" form={ "restore-" (i) } { "恢复到此版本" }
                                    } @else { span.muted { "当前版本" } }
                                }
                            }
                        }
                    }
                }
            }
            button type="submit" { "比较所选两个版本" }
        }
        @if can_edit {
            @for (i, v) in versions.iter().enumerate().skip(1) {
                form id={ "restore-" (i) } method="post" action={ "/packs/" (id) "/history/restore" } {
                    input type="hidden" name="_csrf" value=(current.csrf);
                    input type="hidden" name="commit" value=(v.commit);
                }
            }
        }
        @if let Some(c) = comparison { (PreEscaped(c)) }
    };
    Ok(Html(pages::layout_for(
        Some(&current),
        &format!("历史 {id}"),
        content,
    ))
    .into_response())
}

/// Two versions compared: the text difference, and on a ledger what moves.
fn compare(
    repo: &Repo,
    pack: &str,
    old: &str,
    new: &str,
    ledger: Option<&crate::session::CurrentLedger>,
) -> Result<String, Failure> {
    let text = repo.text_diff(pack, old, new).map_err(git_failure)?;
    let outcomes = match ledger {
        None => html! { p.muted { "尚无当前台账：在「测评」页上传台账后，这里会列出两个版本下结果不同的记录。" } }.into_string(),
        Some(l) => {
            let folders = tempfile::Builder::new()
                .prefix("liangxin-versions-")
                .tempdir()
                .map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "io", e.to_string()))?;
            let mut prepared = Vec::new();
            for (name, commit) in [("old", old), ("new", new)] {
                let root = folders.path().join(name);
                repo.export(commit, &root).map_err(git_failure)?;
                prepared.push(library::prepare(pack, &root.join(pack), &l.as_of)?);
            }
            edit::diff_document(&prepared[0], &prepared[1], l, (short(old), short(new)))?
        }
    };
    Ok(html! {
        h2 { "规则文本的差别" }
        @if text.trim().is_empty() { p.muted { "两个版本的文件相同。" } }
        @else { pre.diff #text-diff { @for line in text.lines() {
            @let class = if line.starts_with('+') && !line.starts_with("+++") { "add" } else if line.starts_with('-') && !line.starts_with("---") { "del" } else { "" };
            span class=(class) { (line) } "\n"
        } } }
        h2 { "结果的差别（当前台账）" }
        (PreEscaped(outcomes))
    }
    .into_string())
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(8)]
}

/// `POST /packs/{id}/history/restore`: the pack as it was at the chosen version, as a new
/// commit by the signed-in user.
pub async fn restore(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageFailure> {
    let user = current.require(Role::Editor)?.clone();
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    library::find(&state, &id)?;
    let repo = repo(&state)?;
    let commit = form.get("commit").cloned().unwrap_or_default();
    let _one_at_a_time = state.repo_lock.lock().await;
    let (pack, author, target) = (id.clone(), user.name.clone(), commit.clone());
    let library_dir = state.library.clone();
    let made = blocking(&state, move || -> Result<Option<String>, Failure> {
        let message = format!("恢复到版本 {} / restore {}", short(&target), short(&target));
        // Every pack usable now, and the restored pack itself, must be usable after.
        let day = library::today();
        let mut valid = library::valid_ids(&library_dir, &day);
        valid.push(pack.clone());
        repo.restore(&pack, &target, &author, &message, || {
            library::first_broken(&library_dir, &day, &valid)
        })
    })
    .await;
    // Whatever the restore answered, files may have been written: no kept pack may outlive them.
    state.packs_changed();
    let made = made??;
    state
        .audit
        .record(&audit::Entry {
            action: "restore",
            user: &user.name,
            pack: Some(&id),
            commit: made.as_deref(),
            detail: Some(&format!("恢复到 {}", short(&commit))),
        })
        .map_err(Failure::audit)?;
    Ok(Redirect::to(&format!("/packs/{id}/history")).into_response())
}
