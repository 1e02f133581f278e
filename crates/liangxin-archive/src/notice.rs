//! The public notice (公示) of a publication: a printable page with the notice period, listing
//! only what a public notice shows: each record's name, its organization (for members) and its
//! grade. Scores, ids, money, vetoes and treatments stay in the archive: a notice tells the
//! public the result, not the ledger.

use maud::{DOCTYPE, html};
use serde::Serialize;

use crate::publish::check_notice;
use crate::{Archive, ArchiveError, Publication};

/// One line of a notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The record's name (its id when the ledger had no name).
    pub name: String,
    /// Its organization (members only; empty for organizations, whose name is the line).
    pub organization: String,
    /// Its grade's label.
    pub grade: String,
}

/// A publication's notice: the lines, best grade first, and the notice period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// The publication.
    pub publication: Publication,
    /// The notice's first day.
    pub from: String,
    /// Its last day.
    pub to: String,
    /// The lines, by grade (highest first) then ledger order.
    pub lines: Vec<Line>,
}

impl Archive {
    /// The notice of the current publication of `pack` for `period`: the notice period given
    /// here, else the one decided at publication; only the grades in `only` (ids or labels)
    /// when it is not empty (a notice of 优先推荐 only, say).
    ///
    /// # Errors
    /// [`ArchiveError::NotPublished`], [`ArchiveError::Refused`] when no notice period is known
    /// or it is not two dates in order, or a grade in `only` the publication does not have.
    pub fn notice(
        &self,
        pack: &str,
        period: &str,
        dates: Option<(&str, &str)>,
        only: &[String],
    ) -> Result<Notice, ArchiveError> {
        let publication = self.current(pack, period)?;
        let (from, to) = match (dates, &publication.notice_from, &publication.notice_to) {
            (Some((f, t)), _, _) => (f.to_owned(), t.to_owned()),
            (None, Some(f), Some(t)) => (f.clone(), t.clone()),
            _ => {
                return Err(ArchiveError::Refused(
                    "no notice period: it was not given at publication; give its first and last day / 发布时未定公示期，请填写公示起止日期"
                        .into(),
                ));
            }
        };
        check_notice(&from, &to)?;
        let grades = self.grades(publication.id)?;
        for g in only {
            if !grades.iter().any(|x| &x.grade == g || &x.label == g) {
                return Err(ArchiveError::Refused(format!(
                    "the publication has no grade `{g}`; its grades: {} / 没有这个等次",
                    grades
                        .iter()
                        .map(|g| g.label.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                )));
            }
        }
        let wanted = |grade: &Option<String>, label: &Option<String>| {
            only.is_empty()
                || only
                    .iter()
                    .any(|g| Some(g) == grade.as_ref() || Some(g) == label.as_ref())
        };
        let mut outcomes = self.outcomes(publication.id)?;
        outcomes.retain(|o| wanted(&o.grade, &o.grade_label));
        // Highest level first; grades without a level after them; then the ledger's order.
        outcomes.sort_by_key(|o| (std::cmp::Reverse(o.level.unwrap_or(i64::MIN)), o.row));
        let members = publication.subject != "organization";
        let lines = outcomes
            .into_iter()
            .map(|o| Line {
                name: o.name.filter(|n| !n.is_empty()).unwrap_or(o.record),
                organization: if members {
                    o.organization.unwrap_or_default()
                } else {
                    String::new()
                },
                grade: o.grade_label.unwrap_or_default(),
            })
            .collect();
        Ok(Notice {
            publication,
            from,
            to,
            lines,
        })
    }
}

/// `2023-12-31` as 2023年12月31日.
pub fn chinese_date(date: &str) -> String {
    let mut parts = date.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => format!(
            "{y}年{}月{}日",
            m.trim_start_matches('0'),
            d.trim_start_matches('0')
        ),
        _ => date.to_owned(),
    }
}

/// The printable notice: one self-contained page (its style inline, nothing fetched), laid out
/// for A4 paper when printed.
pub fn html(notice: &Notice) -> String {
    let p = &notice.publication;
    // A column of organizations only when the ledger had one (a template ledger may not).
    let members =
        p.subject != "organization" && notice.lines.iter().any(|l| !l.organization.is_empty());
    let period = if p.period.len() == 4 {
        format!("{}年度", p.period)
    } else {
        p.period.clone()
    };
    let title = format!("{}{}测评结果公示", p.pack_name, period);
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (STYLE) }
            }
            body {
                h1 { (title) }
                p.lead {
                    "根据《" (p.pack_name) "》，现将" (period) "测评结果予以公示。公示期为 "
                    strong #notice-period { (chinese_date(&notice.from)) "至" (chinese_date(&notice.to)) }
                    "。公示期间如有异议，请向发布单位反映。"
                }
                table #notice {
                    thead { tr {
                        th { "序号" }
                        th { @if members { "姓名" } @else { "组织名称" } }
                        @if members { th { "所在组织" } }
                        th { "等次" }
                    } }
                    tbody { @for (i, l) in notice.lines.iter().enumerate() {
                        tr {
                            td.num { (i + 1) }
                            td { (l.name) }
                            @if members { td { (l.organization) } }
                            td { (l.grade) }
                        }
                    } }
                }
                p.footer {
                    "共 " (notice.lines.len()) " 项 · 测评日期 " (chinese_date(&p.as_of))
                    " · 发布日期 " (chinese_date(p.published_at.get(..10).unwrap_or(&p.published_at)))
                }
            }
        }
    }
    .into_string()
}

const STYLE: &str = "
body { font-family: 'Noto Serif CJK SC', 'Songti SC', SimSun, serif; max-width: 48em; margin: 2em auto; color: #000; }
h1 { text-align: center; font-size: 1.6em; letter-spacing: .1em; }
p.lead { text-indent: 2em; line-height: 1.8; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: .3em .6em; }
th { background: #eee; }
td.num { text-align: center; width: 3em; }
p.footer { text-align: right; margin-top: 1.5em; }
@page { size: A4; margin: 2cm; }
@media print { body { margin: 0; max-width: none; } th { background: none; } thead { display: table-header-group; } tr { break-inside: avoid; } }
";
