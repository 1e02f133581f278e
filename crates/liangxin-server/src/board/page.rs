//! The board's page, for a big screen (large type, high contrast, 1080p and up): 名次, 姓名,
//! 所在组织, 积分, 等次, and the latest entries. The server renders the whole board, so it reads
//! without scripts; each event carries the same fragments rendered again, which a few lines
//! of script put in place. The page and the events share one renderer, so they never differ.

use maud::{Markup, PreEscaped, html};
use serde_json::json;

use super::View;
use crate::pages::layout_for;
use crate::session::Current;

pub struct Context<'a> {
    pub current: &'a Current,
    pub pack: &'a str,
    pub name: &'a str,
    pub year: &'a str,
    pub view: Option<&'a View>,
    pub notices: &'a [String],
    /// Whether the board is kept on disk (an editable library).
    pub kept: bool,
    pub can_edit: bool,
}

const STYLE: &str = r#"
.board main{max-width:none;padding:0 2vw}
.board h1{font-size:clamp(28px,3vw,64px);margin:.3em 0}
.board .facts{font-size:clamp(16px,1.3vw,28px)}
.board .live{display:grid;grid-template-columns:3fr 2fr;gap:2vw;align-items:start}
.board table.rank{width:100%;font-size:clamp(18px,1.8vw,40px);border-collapse:collapse;background:#fff}
.board table.rank th{background:#8b1a1a;color:#fff;text-align:left;padding:.3em .5em}
.board table.rank td{padding:.25em .5em;border-bottom:2px solid #ddd}
.board table.rank td.num{text-align:right;font-variant-numeric:tabular-nums;font-weight:bold}
.board table.rank tr.top td{background:#fff4d6}
.board #latest{font-size:clamp(16px,1.4vw,30px);list-style:none;padding:0;margin:0}
.board #latest li{padding:.3em .5em;border-bottom:2px solid #ddd;background:#fff}
.board #latest .pts{font-weight:bold}
.board #status{font-size:clamp(14px,1.1vw,24px);padding:.2em .6em;border-radius:.3em;display:inline-block}
.board #status.ok{background:#1d6b2a;color:#fff}
.board #status.down{background:#b00020;color:#fff}
.board #refused li{color:#b00020}
.board h2{font-size:clamp(20px,1.6vw,36px)}
.board table.rank td.name,.board table.rank td.grade{white-space:nowrap}
"#;

/// The page's script: follows the events, puts each board in place, says when the
/// connection drops (the browser reconnects by itself, and the first event after a
/// reconnection is the whole board, so nothing missed stays missing).
const SCRIPT: &str = r#"
(function(){
  var status=document.getElementById('status');
  var shown=Number(document.body.dataset.version||0);
  function say(text,cls){status.textContent=text;status.className=cls;}
  var es=new EventSource(document.body.dataset.events);
  es.onopen=function(){say('实时更新中','ok');};
  es.onerror=function(){say('连接中断，正在重新连接…','down');};
  es.addEventListener('board',function(e){
    var d=JSON.parse(e.data);
    if(d.version<shown){return;}
    shown=d.version;
    document.getElementById('rows').innerHTML=d.rows;
    document.getElementById('latest').innerHTML=d.latest;
    document.getElementById('counts').innerHTML=d.counts;
    document.getElementById('refused').innerHTML=d.refused;
    document.getElementById('board').hidden=false;
    say('实时更新中 · '+new Date().toLocaleTimeString('zh-CN',{timeZone:'Asia/Shanghai',hour12:false}),'ok');
  });
})();
"#;

fn score(x: Option<f64>) -> String {
    x.map(liangxin::number::format).unwrap_or_default()
}

fn rows(view: Option<&View>) -> Markup {
    html! {
        @for r in view.map(|v| v.rows.as_slice()).unwrap_or_default() {
            tr.top[r.rank.is_some_and(|k| k <= 3)] data-id=(r.id) {
                td.num.rank { @if let Some(k) = r.rank { (k) } @else { "—" } }
                td.name { (r.name) }
                td { (r.organization) }
                td.num.score { (score(r.score)) }
                td.grade { (r.grade.as_deref().unwrap_or("")) }
            }
        }
    }
}

fn latest(view: Option<&View>) -> Markup {
    html! {
        @for e in view.map(|v| v.latest.as_slice()).unwrap_or_default() {
            li {
                span.muted { (e.received) } " "
                strong { (e.name) } " · " (e.item) " "
                span.muted { (e.field) } " "
                span.pts { (e.points) }
                @if !e.recorded_by.is_empty() { " " span.muted { "记录人 " (e.recorded_by) } }
            }
        }
    }
}

fn counts(view: Option<&View>) -> Markup {
    html! {
        @if let Some(v) = view {
            (v.period) " · 党员 " (v.members) " 名 · 积分记录 " (v.entries) " 条"
        }
    }
}

fn refused(view: Option<&View>) -> Markup {
    html! {
        @if let Some(v) = view.filter(|v| !v.errors.is_empty()) {
            h2 { "未能计分（" (v.errors.len()) "）" }
            ul { @for e in &v.errors {
                li { "第 " (e.row) " 行" @if let Some(id) = &e.record { " " code { (id) } } "：" (e.message) }
            } }
        }
    }
}

/// One event: the board's fragments, rendered as the page renders them.
pub fn event(view: &View) -> String {
    json!({
        "version": view.version,
        "rows": rows(Some(view)).into_string(),
        "latest": latest(Some(view)).into_string(),
        "counts": counts(Some(view)).into_string(),
        "refused": refused(Some(view)).into_string(),
    })
    .to_string()
}

pub fn render(c: &Context<'_>) -> String {
    let events = format!("/packs/{}/board/events?period={}", c.pack, c.year);
    let query = format!("?period={}", c.year);
    let content = html! {
        style { (PreEscaped(STYLE)) }
        h1 { "积分排行榜 · " (c.name) }
        p.facts {
            span #counts { (counts(c.view)) } " "
            span #status.down { "未连接（页面不会自动更新）" }
        }
        @for n in c.notices { p.error { (n) } }
        @if !c.kept {
            p.muted { "只读标准库：排行榜只保存在内存中，服务重启后清空。用 liangxin serve --library 目录 启动可长期保存。" }
        }
        @if c.view.is_none() {
            p { "此排行榜尚无名册。" @if c.can_edit { "请上传名册（每名党员一行：党员编号、姓名、所在组织等，不含积分列）。" } @else { "请有录入权限的人员上传名册。" } }
        }
        div #board.live hidden[c.view.is_none()] {
            table.rank {
                thead { tr { th { "名次" } th { "姓名" } th { "所在组织" } th { "积分" } th { "等次" } } }
                tbody #rows { (rows(c.view)) }
            }
            section {
                h2 { "最新记录" }
                ul #latest { (latest(c.view)) }
            }
        }
        div #refused { (refused(c.view)) }
        @if c.can_edit {
            h2 { "录入" }
            form method="post" action={ "/packs/" (c.pack) "/board/roster" (query) } enctype="multipart/form-data" {
                input type="hidden" name="_csrf" value=(c.current.csrf);
                label { "名册（CSV 或 Excel）：" input type="file" name="file" required; }
                button type="submit" { "上传名册" }
            }
            @if c.view.is_some() {
                form method="post" action={ "/packs/" (c.pack) "/board/entries" (query) } enctype="multipart/form-data" {
                    input type="hidden" name="_csrf" value=(c.current.csrf);
                    label { "积分记录（列：党员编号、姓名、日期、积分项目、分值、次数、说明、记录人）：" input type="file" name="file" required; }
                    button type="submit" { "上传积分记录" }
                }
                p.muted { "程序录入：POST /api/packs/" (c.pack) "/entries" (query) "（见接口文档）" }
            }
        }
        script { (PreEscaped(SCRIPT)) }
    };
    let html = layout_for(Some(c.current), &format!("积分排行榜 {}", c.name), content);
    // The body carries what the script needs: the events' address and the board's version.
    let version = c.view.map_or(0, |v| v.version);
    html.replacen(
        "<body>",
        &format!(
            "<body class=\"board\" data-events=\"{}\" data-version=\"{version}\">",
            html! { (events) }.into_string()
        ),
        1,
    )
}
