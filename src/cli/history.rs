//! `liangxin history`: the archive of published assessments read back: publications, a record
//! or an organization year over year, who moved up and down, follow-ups with deadlines, and the
//! public notice (公示) of a publication.

use std::path::PathBuf;

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use liangxin_archive::{Archive, ArchiveError, Publication, Stored, Year};

use super::{Exit, date, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub query: Query,
    /// The library whose archive is read (`DIR/.liangxin/archive.sqlite`).
    #[arg(long, global = true, default_value = ".")]
    pub library: PathBuf,
    /// A table in Chinese (default) or JSON for programs.
    #[arg(long, value_enum, global = true, default_value = "table")]
    pub format: Shown,
}

/// How results are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shown {
    /// A table, in Chinese.
    Table,
    /// JSON, for programs.
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum Query {
    /// Every publication (superseded ones marked), of one pack or all.
    List {
        /// Only this pack's.
        #[arg(long)]
        pack: Option<String>,
    },
    /// A record's score, grade and stars in every published period.
    Record {
        /// The record's id (党员编号, 组织编号).
        id: String,
        /// Only this pack's publications.
        #[arg(long)]
        pack: Option<String>,
    },
    /// Who moved up and who moved down between two published periods of a pack.
    Moves {
        /// The pack.
        #[arg(long)]
        pack: String,
        /// The earlier period.
        #[arg(long)]
        from: String,
        /// The later period.
        #[arg(long)]
        to: String,
    },
    /// An organization's grade and stars in every published period (星级动态管理).
    Org {
        /// The organization's id or name.
        organization: String,
    },
    /// Treatments with a deadline, per organization: due, and overdue as of a date (exits 1
    /// when any is overdue).
    Followups {
        /// The date to judge by (default: today in China or $LIANGXIN_TZ/$TZ).
        #[arg(long, value_parser = date::parse)]
        as_of: Option<String>,
    },
    /// The printable public notice (公示) of a publication, as HTML: name, organization and
    /// grade of each record, with the notice period.
    Notice {
        /// The pack.
        pack: String,
        /// The period.
        period: String,
        /// The notice's first day (default: as decided at publication).
        #[arg(long, value_parser = date::parse, requires = "to")]
        from: Option<String>,
        /// The notice's last day.
        #[arg(long, value_parser = date::parse, requires = "from")]
        to: Option<String>,
        /// Only records with this grade (id or label); repeat for several.
        #[arg(long)]
        grade: Vec<String>,
        /// Write to this file (written whole or not at all) instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Prints `value` as JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Exit {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            say!("{text}");
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(header.iter().copied());
    t
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(String::new, ToString::to_string)
}

fn score(s: &Stored) -> String {
    s.score.map_or_else(String::new, liangxin::number::format)
}

fn yes_no(v: bool) -> &'static str {
    if v { "是" } else { "否" }
}

pub fn run(args: Args) -> Exit {
    let archive = match Archive::open_existing(&args.library) {
        Ok(a) => a,
        Err(e) => return failed(&e),
    };
    let json = args.format == Shown::Json;
    let result = match args.query {
        Query::List { pack } => archive.publications(pack.as_deref()).map(|list| {
            if json {
                return print_json(&list);
            }
            say!("{}", publications(&list));
            Exit::Ok
        }),
        Query::Record { id, pack } => archive.record_history(&id, pack.as_deref()).map(|years| {
            if json {
                return print_json(&years);
            }
            if years.is_empty() {
                eprintln!("no published outcome of record {id} / 已发布的结果中没有记录 {id}");
                return Exit::Findings;
            }
            say!("{}", years_table(&years));
            Exit::Ok
        }),
        Query::Org { organization } => archive.organization_history(&organization).map(|years| {
            if json {
                return print_json(&years);
            }
            if years.is_empty() {
                eprintln!(
                    "no published outcome of organization {organization} (organization packs only) / 已发布的党组织测评结果中没有 {organization}"
                );
                return Exit::Findings;
            }
            say!("{}", years_table(&years));
            Exit::Ok
        }),
        Query::Moves { pack, from, to } => archive.moves(&pack, &from, &to).map(|m| {
            if json {
                return print_json(&m);
            }
            say!(
                "{} {} → {}: 上升 up {}, 下降 down {}, 不变 unchanged {}, 仅 {} 有 only earlier {}, 新增 only later {}",
                m.from.pack_name,
                m.from.period,
                m.to.period,
                m.up.len(),
                m.down.len(),
                m.unchanged,
                m.from.period,
                m.left.len(),
                m.joined.len()
            );
            for (title, list) in [("上升 moved up", &m.up), ("下降 moved down", &m.down)] {
                say!("\n{title}");
                let mut t = table(&["编号", "姓名/名称", "所在组织", &format!("{} 等次", m.from.period), &format!("{} 等次", m.to.period), "得分变化"]);
                for mv in list {
                    t.add_row([
                        mv.record.clone(),
                        opt(&mv.name),
                        opt(&mv.organization),
                        opt(&mv.before.grade_label),
                        opt(&mv.after.grade_label),
                        format!("{} → {}", score(&mv.before), score(&mv.after)),
                    ]);
                }
                say!("{t}");
            }
            Exit::Ok
        }),
        Query::Followups { as_of } => {
            let day = as_of.unwrap_or_else(date::today);
            archive.follow_ups(&day).map(|list| {
                let overdue = list.iter().any(|f| f.overdue);
                let exit = if overdue { Exit::Findings } else { Exit::Ok };
                if json {
                    return print_json(&list).max_with(exit);
                }
                if list.is_empty() {
                    say!("没有带期限的处理事项（等次未设 due 期限）/ no treatment with a deadline in the current publications");
                    return Exit::Ok;
                }
                let mut t = table(&["所在组织", "编号", "姓名/名称", "标准", "期别", "等次", "处理", "期限", "状态"]);
                for f in &list {
                    let o = &f.outcome;
                    t.add_row([
                        opt(&o.organization),
                        o.record.clone(),
                        opt(&o.name),
                        f.pack.clone(),
                        f.period.clone(),
                        opt(&o.grade_label),
                        o.actions.join("、"),
                        opt(&o.due),
                        if f.overdue { "已逾期".into() } else { "待办".into() },
                    ]);
                }
                say!("截至 as of {day}\n{t}");
                exit
            })
        }
        Query::Notice { pack, period, from, to, grade, output } => {
            let dates = from.as_deref().zip(to.as_deref());
            archive.notice(&pack, &period, dates, &grade).map(|notice| {
                let written = if json {
                    serde_json::to_string_pretty(&notice)
                        .map_err(std::io::Error::other)
                        .and_then(|t| output::write(output.as_deref(), &t))
                } else {
                    output::write(output.as_deref(), &liangxin_archive::notice::html(&notice))
                };
                match written {
                    Ok(()) => Exit::Ok,
                    Err(e) => {
                        eprintln!("error: cannot write the notice: {e}");
                        Exit::Usage
                    }
                }
            })
        }
    };
    result.unwrap_or_else(|e| failed(&e))
}

impl Exit {
    /// The worse of two exit codes.
    fn max_with(self, other: Exit) -> Exit {
        if (other as u8) > (self as u8) {
            other
        } else {
            self
        }
    }
}

/// An archive error: a query whose answer is "not there" is a finding (1), the rest usage or I/O (2).
fn failed(e: &ArchiveError) -> Exit {
    eprintln!("error: {e}");
    match e {
        ArchiveError::NotPublished { .. } | ArchiveError::NoPublication(_) => Exit::Findings,
        _ => Exit::Usage,
    }
}

fn publications(list: &[Publication]) -> Table {
    let mut t = table(&[
        "号",
        "标准",
        "期别",
        "测评日期",
        "记录数",
        "发布人",
        "发布时间",
        "标准版本",
        "状态",
    ]);
    for p in list {
        let status = match (p.superseded_by, &p.reason) {
            (Some(by), _) => format!("已被第 {by} 号取代"),
            (None, Some(reason)) => format!("现行（取代第 {} 号：{reason}）", opt(&p.supersedes)),
            (None, None) => "现行".into(),
        };
        t.add_row([
            p.id.to_string(),
            format!("{} ({})", p.pack_name, p.pack),
            p.period.clone(),
            p.as_of.clone(),
            p.records.to_string(),
            p.published_by.clone(),
            p.published_at.clone(),
            p.revision.as_deref().map_or("-".into(), |r| {
                format!(
                    "{}{}",
                    &r[..r.len().min(8)],
                    if p.revision_dirty { "+" } else { "" }
                )
            }),
            status,
        ]);
    }
    t
}

fn years_table(years: &[Year]) -> Table {
    let mut t = table(&[
        "标准",
        "期别",
        "编号",
        "姓名/名称",
        "所在组织",
        "得分",
        "等次",
        "星级",
        "达标",
        "排名",
        "期限",
    ]);
    for y in years {
        let o = &y.outcome;
        t.add_row([
            y.publication.pack.clone(),
            y.publication.period.clone(),
            o.record.clone(),
            opt(&o.name),
            opt(&o.organization),
            score(o),
            opt(&o.grade_label),
            o.stars
                .map_or_else(String::new, |s| "★".repeat(s.clamp(0, 10) as usize)),
            o.passed.map_or("", yes_no).to_owned(),
            opt(&o.rank),
            opt(&o.due),
        ]);
    }
    t
}
