//! The archive's pages, in Chinese: 档案 (every publication), one publication, a record year
//! over year, moves between two periods, an organization's stars, follow-ups, the 公示.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use liangxin_archive::{Archive, Publication, Stored, Year};
use maud::{Markup, html};

use super::{failure, open_for_reading, shown_time};
use crate::errors::{Failure, PageFailure};
use crate::session::Current;
use crate::{AppState, blocking, library, pages};

type PageResult = Result<Response, PageFailure>;

/// Runs `read` on the archive on a blocking thread; without an archive, `empty`.
async fn read<T: Send + 'static>(
    state: &Arc<AppState>,
    empty: T,
    read: impl FnOnce(&Archive) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let shared = state.clone();
    blocking(state, move || match open_for_reading(&shared)? {
        Some(archive) => read(&archive),
        None => Ok(empty),
    })
    .await?
}

fn page(current: &Current, title: &str, content: Markup) -> Response {
    Html(pages::layout_for(Some(current), title, content)).into_response()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(String::new, ToString::to_string)
}

fn score(o: &Stored) -> String {
    o.score.map_or_else(String::new, liangxin::number::format)
}

fn stars(o: &Stored) -> String {
    o.stars
        .map_or_else(String::new, |s| "★".repeat(s.clamp(0, 10) as usize))
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

fn record_link(o: &Stored, pack: &str) -> Markup {
    html! { a.record href={ "/archive/record?id=" (crate::session::encode(&o.record)) "&pack=" (pack) } { (o.record) } }
}

fn status(p: &Publication) -> Markup {
    html! {
        @if let Some(by) = p.superseded_by {
            span.superseded { "已被" a href={ "/archive/" (by) } { "第 " (by) " 号" } "取代" }
        } @else {
            strong { "现行" }
            @if let (Some(old), Some(reason)) = (p.supersedes, &p.reason) {
                br; span.muted { "取代第 " (old) " 号：" (reason) }
            }
        }
    }
}

fn revision(p: &Publication) -> Markup {
    html! {
        @match &p.revision {
            Some(r) => { code title=(r) { (&r[..r.len().min(8)]) } @if p.revision_dirty { " " span.assumed { "有未提交的修改" } } }
            None => span.muted { "（非 git 仓库）" },
        }
    }
}

/// `GET /archive`: 档案, every publication by pack and period, and the queries.
pub async fn index(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
) -> PageResult {
    let list = read(&state, Vec::new(), |a| {
        a.publications(None).map_err(failure)
    })
    .await?;
    let mut packs: Vec<&str> = list.iter().map(|p| p.pack.as_str()).collect();
    packs.dedup();
    let content = html! {
        h1 { "测评结果档案" }
        p.muted { "已发布的测评结果不可修改；重新发布须说明理由，原结果保留并标明已被取代。时间为北京时间。" }
        @if list.is_empty() {
            p #no-publications { "尚未发布任何测评结果。在「测评」页得出结果后，修订权限的账号可点击「发布」。" }
        } @else {
            table #publications {
                thead { tr { th { "号" } th { "标准" } th { "期别" } th { "测评日期" } th { "记录数" } th { "发布人" } th { "发布时间" } th { "标准版本" } th { "状态" } th { "公示" } } }
                tbody { @for p in &list {
                    tr class=[p.superseded_by.map(|_| "superseded")] {
                        td { a href={ "/archive/" (p.id) } { (p.id) } }
                        td { (p.pack_name) br; code.muted { (p.pack) } }
                        td { (p.period) }
                        td { (p.as_of) }
                        td.num { (p.records) }
                        td { (p.published_by) }
                        td { (shown_time(&p.published_at)) }
                        td { (revision(p)) }
                        td { (status(p)) }
                        td { @if p.superseded_by.is_none() {
                            a href={ "/archive/notice?pack=" (p.pack) "&period=" (crate::session::encode(&p.period)) } { "公示" }
                        } }
                    }
                } }
            }
        }
        h2 { "查询" }
        form method="get" action="/archive/record" {
            label { "一条记录的历年结果：编号 " input name="id" required placeholder="党员编号或组织编号"; }
            button type="submit" { "查询" }
        }
        form method="get" action="/archive/moves" {
            label { "升降名单：标准 " select name="pack" { @for p in &packs { option value=(p) { (p) } } } }
            label { "从 " input name="from" required size="8" placeholder="2022"; }
            label { "到 " input name="to" required size="8" placeholder="2023"; }
            button type="submit" { "查看" }
        }
        form method="get" action="/archive/org" {
            label { "党组织星级历史：组织编号或名称 " input name="org" required; }
            button type="submit" { "查询" }
        }
        p { a href="/archive/followups" { "整改期限：到期与逾期事项 →" } }
    };
    Ok(page(&current, "档案", content))
}

/// `GET /archive/{id}`: one publication, with every outcome.
pub async fn publication(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<i64>,
) -> PageResult {
    let (p, outcomes) = read(&state, None, move |a| {
        let p = a.publication(id).map_err(failure)?;
        let outcomes = a.outcomes(id).map_err(failure)?;
        Ok(Some((p, outcomes)))
    })
    .await?
    .ok_or_else(|| failure(liangxin_archive::ArchiveError::NoPublication(id)))?;
    let content = html! {
        h1 { "第 " (p.id) " 号发布：" (p.pack_name) " " (p.period) }
        table.facts #publication {
            tr { th { "标准" } td { (p.pack_name) " " code { (p.pack) } " 版本 " (p.pack_version) } }
            tr { th { "标准版本（git）" } td { (revision(&p)) } }
            tr { th { "测评日期" } td { (p.as_of) } }
            tr { th { "台账" } td { (p.ledger_name) br; code.muted title="SHA-256" { (p.ledger_sha256) } } }
            tr { th { "记录数" } td { (p.records) } }
            tr { th { "发布人" } td { (p.published_by) } }
            tr { th { "发布时间" } td { (shown_time(&p.published_at)) "（北京时间）" } }
            @if let (Some(f), Some(t)) = (&p.notice_from, &p.notice_to) { tr { th { "公示期" } td { (f) " 至 " (t) } } }
            tr { th { "状态" } td { (status(&p)) } }
        }
        @if p.superseded_by.is_none() {
            p { a.button href={ "/archive/notice?pack=" (p.pack) "&period=" (crate::session::encode(&p.period)) } { "公示页 →" } }
        }
        h2 { "结果" }
        table #outcomes {
            thead { tr { th { "编号" } th { "姓名/名称" } th { "所在组织" } th { "得分" } th { "等次" } th { "星级" } th { "达标" } th { "排名" } th { "处理" } th { "期限" } } }
            tbody { @for o in &outcomes {
                tr {
                    td { (record_link(o, &p.pack)) }
                    td { (opt(&o.name)) }
                    td { (opt(&o.organization)) }
                    td.num { (score(o)) }
                    td { (opt(&o.grade_label)) }
                    td { (stars(o)) }
                    td { (yes_no(o.passed)) }
                    td.num { (opt(&o.rank)) }
                    td { (o.actions.join("、")) }
                    td { (opt(&o.due)) }
                }
            } }
        }
        p { a href="/archive" { "← 档案" } }
    };
    Ok(page(&current, &format!("发布 {id}"), content))
}

fn years_table(years: &[Year]) -> Markup {
    html! {
        table #years {
            thead { tr { th { "标准" } th { "期别" } th { "姓名/名称" } th { "所在组织" } th { "得分" } th { "等次" } th { "星级" } th { "达标" } th { "排名" } th { "期限" } } }
            tbody { @for y in years {
                @let o = &y.outcome;
                tr {
                    td { (y.publication.pack_name) }
                    td { a href={ "/archive/" (y.publication.id) } { (y.publication.period) } }
                    td { (opt(&o.name)) }
                    td { (opt(&o.organization)) }
                    td.num { (score(o)) }
                    td.grade { (opt(&o.grade_label)) }
                    td.stars { (stars(o)) }
                    td { (yes_no(o.passed)) }
                    td.num { (opt(&o.rank)) }
                    td { (opt(&o.due)) }
                }
            } }
        }
    }
}

/// `GET /archive/record?id=X[&pack=P]`: a record's results in every published period.
pub async fn record(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let id = query
        .get("id")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let pack = query.get("pack").cloned().filter(|p| !p.is_empty());
    let asked = id.clone();
    let years = read(&state, Vec::new(), move |a| {
        a.record_history(&asked, pack.as_deref()).map_err(failure)
    })
    .await?;
    let content = html! {
        h1 { "历年结果：" (id) }
        @if years.is_empty() { p #none { "已发布的结果中没有记录 " (id) "。" } }
        @else { (years_table(&years)) }
        p { a href="/archive" { "← 档案" } }
    };
    Ok(page(&current, &format!("历年结果 {id}"), content))
}

/// `GET /archive/org?org=X`: an organization's grade and stars in every published period.
pub async fn organization(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let org = query
        .get("org")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let asked = org.clone();
    let years = read(&state, Vec::new(), move |a| {
        a.organization_history(&asked).map_err(failure)
    })
    .await?;
    let content = html! {
        h1 { "党组织星级历史：" (org) }
        p.muted { "星级动态管理：各期已发布的党组织测评结果（现行发布）。" }
        @if years.is_empty() { p #none { "已发布的党组织测评结果中没有 " (org) "。" } }
        @else { (years_table(&years)) }
        p { a href="/archive" { "← 档案" } }
    };
    Ok(page(&current, &format!("星级历史 {org}"), content))
}

/// `GET /archive/moves?pack=P&from=A&to=B`: who moved up and who moved down.
pub async fn moves(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let field = |k: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (pack, from, to) = (field("pack"), field("from"), field("to"));
    if !library::valid_id(&pack) {
        return Err(Failure::no_pack(&pack).into());
    }
    let asked = (pack.clone(), from.clone(), to.clone());
    let moves = read(&state, None, move |a| {
        a.moves(&asked.0, &asked.1, &asked.2)
            .map(Some)
            .map_err(failure)
    })
    .await?
    .ok_or_else(|| {
        failure(liangxin_archive::ArchiveError::NotPublished {
            pack: pack.clone(),
            period: from.clone(),
        })
    })?;
    let list = |id: &str, moved: &[liangxin_archive::Move]| {
        html! {
            table id=(id) {
                thead { tr { th { "编号" } th { "姓名/名称" } th { "所在组织" } th { (from) " 等次" } th { (to) " 等次" } th { "得分" } } }
                tbody { @for m in moved {
                    tr {
                        td { (record_link(&m.after, &pack)) }
                        td { (opt(&m.name)) }
                        td { (opt(&m.organization)) }
                        td { (opt(&m.before.grade_label)) " " (stars(&m.before)) }
                        td { (opt(&m.after.grade_label)) " " (stars(&m.after)) }
                        td.num { (score(&m.before)) " → " (score(&m.after)) }
                    }
                } }
            }
        }
    };
    let content = html! {
        h1 { (moves.from.pack_name) "：" (from) " → " (to) " 升降名单" }
        p #counts {
            "上升 " strong { (moves.up.len()) } " · 下降 " strong { (moves.down.len()) }
            " · 等次不变 " (moves.unchanged) " · 仅 " (from) " 有 " (moves.left.len()) " · 新增 " (moves.joined.len())
        }
        p.muted { "升降按等次的高低（等次线由低到高；一票否决最低），无等次线的等次按是否达标。" }
        h2 { "上升" } (list("up", &moves.up))
        h2 { "下降" } (list("down", &moves.down))
        @if !moves.left.is_empty() { p { "仅 " (from) " 有：" (moves.left.join("、")) } }
        @if !moves.joined.is_empty() { p { "新增：" (moves.joined.join("、")) } }
        p { a href="/archive" { "← 档案" } }
    };
    Ok(page(&current, "升降名单", content))
}

/// `GET /archive/followups[?as_of=D]`: treatments with a deadline, per organization.
pub async fn followups(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let day = library::as_of(query.get("as_of").map(String::as_str))?;
    let asked = day.clone();
    let list = read(&state, Vec::new(), move |a| {
        a.follow_ups(&asked).map_err(failure)
    })
    .await?;
    let mut by_org: Vec<(String, Vec<&liangxin_archive::FollowUp>)> = Vec::new();
    for f in &list {
        let org = f
            .outcome
            .organization
            .clone()
            .unwrap_or_else(|| "（未填所在组织）".into());
        match by_org.last_mut() {
            Some((o, items)) if *o == org => items.push(f),
            _ => by_org.push((org, vec![f])),
        }
    }
    let overdue = list.iter().filter(|f| f.overdue).count();
    let content = html! {
        h1 { "整改期限" }
        form method="get" action="/archive/followups" {
            label { "截至 " input type="date" name="as_of" value=(day); }
            button type="submit" { "查看" }
        }
        p #followup-counts { "共 " (list.len()) " 项，其中已逾期 " strong { (overdue) } " 项（截至 " (day) "）。" }
        @if list.is_empty() { p.muted { "现行发布中没有带期限的处理事项（标准的等次未设期限 due）。" } }
        @for (org, items) in &by_org {
            h2 { (org) }
            table.followups {
                thead { tr { th { "编号" } th { "姓名/名称" } th { "标准" } th { "期别" } th { "等次" } th { "处理" } th { "期限" } th { "状态" } } }
                tbody { @for f in items {
                    tr class=[f.overdue.then_some("overdue")] {
                        td { (record_link(&f.outcome, &f.pack)) }
                        td { (opt(&f.outcome.name)) }
                        td { (f.pack) }
                        td { a href={ "/archive/" (f.publication) } { (f.period) } }
                        td { (opt(&f.outcome.grade_label)) }
                        td { (f.outcome.actions.join("、")) }
                        td { (opt(&f.outcome.due)) }
                        td { @if f.overdue { strong.overdue { "已逾期" } } @else { "待办" } }
                    }
                } }
            }
        }
        p { a href="/archive" { "← 档案" } }
    };
    Ok(page(&current, "整改期限", content))
}

/// `GET /archive/notice?pack=P&period=Y[&from=&to=][&grade=G…]`: the printable 公示 page; without
/// a notice period (none given here or at publication) a form asks for it.
pub async fn notice(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, v)| key == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
    };
    let (pack, period) = (
        get("pack").unwrap_or_default(),
        get("period").unwrap_or_default(),
    );
    let dates = get("from").zip(get("to"));
    let grades: Vec<String> = query
        .iter()
        .filter(|(k, v)| k == "grade" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let asked = (pack.clone(), period.clone(), dates.clone());
    let notice = read(&state, None, move |a| {
        let current = a.current(&asked.0, &asked.1).map_err(failure)?;
        if asked.2.is_none() && current.notice_from.is_none() {
            return Ok(Some(Err(current)));
        }
        let dates = asked.2.as_ref().map(|(f, t)| (f.as_str(), t.as_str()));
        a.notice(&asked.0, &asked.1, dates, &grades)
            .map(|n| Some(Ok(n)))
            .map_err(failure)
    })
    .await?
    .ok_or_else(|| {
        failure(liangxin_archive::ArchiveError::NotPublished {
            pack: pack.clone(),
            period: period.clone(),
        })
    })?;
    match notice {
        Ok(n) => Ok(Html(liangxin_archive::notice::html(&n)).into_response()),
        Err(p) => Ok((
            StatusCode::OK,
            page(
                &current,
                "公示",
                html! {
                    h1 { (p.pack_name) " " (p.period) " 公示" }
                    p { "发布时未定公示期，请填写公示的起止日期：" }
                    form #notice-dates method="get" action="/archive/notice" {
                        input type="hidden" name="pack" value=(p.pack);
                        input type="hidden" name="period" value=(p.period);
                        label { "自 " input type="date" name="from" required; }
                        label { "至 " input type="date" name="to" required; }
                        button type="submit" { "生成公示页" }
                    }
                },
            ),
        )
            .into_response()),
    }
}
