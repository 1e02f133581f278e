//! Synthetic ledgers for trials and benchmarks: `liangxin gen`.
//!
//! A generated ledger has every column of the subject's schema, Chinese headers as staff write
//! them, and values that every bundled pack of the subject can read: invented Chinese names,
//! districts and organizations, and plausible distributions (most members near the base score,
//! a few vetoes; most organizations holding their meetings; dossiers at every stage of the
//! procedure, in order). It is deterministic: the same subject, size and seed give the same
//! bytes, on every machine. Rows are written as they are made, so a ledger of any size takes
//! constant memory.

use std::io::{self, Write};

use crate::schema::{FieldDef, FieldType, Schema, Subject};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// How many records.
    pub rows: u64,
    /// The seed: the same subject, `rows` and `seed` give the same bytes on every machine.
    pub seed: u64,
}

/// Writes a ledger of `spec.rows` records of `schema`'s subject as CSV (UTF-8, Chinese header).
///
/// # Errors
///
/// Whatever `out` fails with.
pub fn write_ledger(
    schema: &Schema,
    spec: Spec,
    out: &mut (impl Write + ?Sized),
) -> io::Result<()> {
    let labels: Vec<&str> = schema.fields.values().map(|f| f.label.as_str()).collect();
    writeln!(out, "{}", labels.join(","))?;
    let mut rng = Rng::new(spec.seed);
    let mut line = String::with_capacity(256);
    for n in 1..=spec.rows {
        line.clear();
        let mut row = Row::new(schema.subject, n, &mut rng);
        for (i, field) in schema.fields.values().enumerate() {
            if i > 0 {
                line.push(',');
            }
            row.cell(field, &mut line);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// SplitMix64: small, fast, and the same on every platform (no dependency for a test fixture).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1).max(1) as u64;
        lo + (self.next() % span) as i64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "蔡", "潘", "田", "董", "袁", "于", "余", "叶",
];
const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "志", "宏", "玉", "兰", "红", "梅",
    "欣", "宇", "佳", "鹏", "飞", "晓", "婷", "浩",
];
const DISTRICTS: [&str; 16] = [
    "龙文区",
    "芗城区",
    "荷塘区",
    "芦淞区",
    "石峰区",
    "天元区",
    "历下区",
    "市中区",
    "槐荫区",
    "天桥区",
    "甘井子区",
    "沙河口区",
    "兴义市",
    "兴仁市",
    "醴陵市",
    "章丘区",
];
const PLACES: [&str; 12] = [
    "华信", "恒通", "鑫源", "瑞丰", "德润", "博达", "宏远", "正泰", "嘉禾", "金海", "天成", "联创",
];
const TRADES: [&str; 12] = [
    "家具",
    "电子",
    "机械",
    "食品",
    "物流",
    "软件",
    "建材",
    "印刷",
    "商贸",
    "新能源",
    "化工",
    "医药",
];

/// One record being written: the values that must agree with each other across fields.
pub(crate) struct Row<'r> {
    subject: Subject,
    n: u64,
    rng: &'r mut Rng,
    /// An organization's members (other counts follow it).
    members: i64,
    /// A dossier's step dates, as days since 2000-01-01 (None: not taken).
    steps: [Option<i64>; STEPS.len()],
}

/// The dossier step fields, in procedure order (ganjingzi-development's "1+5" and "五考七审").
const STEPS: [&str; 25] = [
    "applied_on",
    "activist_recommended_on",
    "activist_notice_on",
    "activist_voted_on",
    "activist_on",
    "activist_exam_on",
    "activist_inspected_on",
    "recommended_on",
    "candidate_notice_on",
    "candidate_voted_on",
    "candidate_on",
    "committee_reviewed_on",
    "district_reviewed_on",
    "political_reviewed_on",
    "candidate_exam_on",
    "candidate_inspected_on",
    "branch_prereviewed_on",
    "committee_prereviewed_on",
    "notice_on",
    "voted_on",
    "reported_on",
    "approved_on",
    "probation_inspected_on",
    "full_on",
    "full_approved_on",
];

/// The least gap in days before each step: a vote seven days after its notice, 发展对象 a
/// year after 积极分子 (372 days), 转正 a year after the vote (385 days).
const GAPS: [i64; 25] = [
    0, 90, 5, 7, 0, 90, 200, 70, 5, 7, 0, 3, 3, 5, 5, 3, 3, 5, 5, 7, 5, 20, 300, 60, 20,
];

impl<'r> Row<'r> {
    pub(crate) fn new(subject: Subject, n: u64, rng: &'r mut Rng) -> Row<'r> {
        let members = if rng.chance(0.05) {
            0
        } else {
            rng.range(1, 60)
        };
        let mut steps = [None; STEPS.len()];
        if subject == Subject::Dossier {
            // Gaps between steps that respect the procedure's minimum intervals.
            let taken = rng.range(1, STEPS.len() as i64) as usize;
            let mut day = rng.range(5000, 8000);
            for (i, gap) in GAPS.iter().enumerate().take(taken) {
                day += gap + rng.range(0, 30);
                steps[i] = Some(day);
            }
        }
        Row {
            subject,
            n,
            rng,
            members,
            steps,
        }
    }

    /// Appends this record's value of `field` to `line`.
    pub(crate) fn cell(&mut self, field: &FieldDef, line: &mut String) {
        use std::fmt::Write as _;
        let rng = &mut *self.rng;
        let id = field.id.as_str();
        // Writing into a String cannot fail.
        let _ = match (id, &field.ty) {
            ("id", _) => {
                let prefix = match self.subject {
                    Subject::Member => "DY",
                    Subject::Organization => "ZZ",
                    Subject::Dossier => "FZ",
                };
                write!(line, "{prefix}{:09}", self.n)
            }
            ("name", _) if self.subject == Subject::Organization => {
                write!(line, "{}", org_name(rng))
            }
            ("name", _) => {
                person_name(rng, line);
                Ok(())
            }
            ("org", _) => write!(line, "{}", org_name(rng)),
            ("district", _) => write!(line, "{}", rng.pick(&DISTRICTS)),
            ("year", _) => write!(line, "2024"),
            // Longwen's daily-work categories: most members lose a little, some gain, and a
            // few lose heavily (so every band of the Longwen standard has members).
            ("org_life" | "excellence" | "serve_workers" | "law_abiding" | "feedback", _) => {
                let points = if rng.chance(0.02) {
                    rng.range(-160, -90)
                } else {
                    rng.range(-55, 5)
                };
                write!(line, "{points}")
            }
            ("innovation", _) => write!(line, "{}", occasional(rng, 0.3, 30)),
            ("mistakes", _) => write!(line, "{}", occasional(rng, 0.15, 20)),
            ("veto", _) => write!(line, "{}", yes_no(rng.chance(0.01))),
            ("member_count", _) => write!(line, "{}", self.members),
            ("new_members" | "activists", _) => {
                write!(line, "{}", rng.range(0, (self.members / 5).max(0)))
            }
            ("has_secretary", _) => {
                write!(line, "{}", yes_no(self.members >= 3 || rng.chance(0.2)))
            }
            ("committee_meetings", _) => write!(line, "{}", rng.range(11, 15)),
            ("branch_assemblies" | "party_lectures", _) => write!(line, "{}", rng.range(3, 8)),
            ("service_activities", _) => write!(line, "{}", rng.range(3, 12)),
            ("honors" | "secretary_lectures" | "model_posts", _) => {
                write!(line, "{}", occasional(rng, 0.4, 3))
            }
            ("age", _) => write!(line, "{}", rng.range(20, 55)),
            ("activist_points", _) => write!(line, "{}", rng.range(72, 100)),
            (step, FieldType::Date) => match STEPS.iter().position(|s| *s == step) {
                Some(i) => match self.steps[i] {
                    Some(day) => write!(line, "{}", date(day)),
                    None => Ok(()),
                },
                None => write!(line, "{}", date(rng.range(5000, 9000))),
            },
            (_, FieldType::Bool) => write!(line, "{}", yes_no(rng.chance(0.95))),
            (_, FieldType::Int) => {
                let lo = field.min.unwrap_or(0.0) as i64;
                let hi = field.max.map_or(lo + 10, |m| m as i64);
                write!(line, "{}", rng.range(lo, hi))
            }
            // Percentages and ratings, one decimal, mostly high.
            (_, FieldType::Decimal) => {
                let tenths = rng.range(750, 999);
                write!(line, "{}.{}", tenths / 10, tenths % 10)
            }
            (_, FieldType::Enum(values)) => {
                let labels: Vec<&str> = values.values().map(String::as_str).collect();
                write!(line, "{}", rng.pick(&labels))
            }
            (_, FieldType::String) => Ok(()),
        };
    }
}

/// An invented Chinese name (surname and one or two given characters), appended to `line`.
pub(crate) fn person_name(rng: &mut Rng, line: &mut String) {
    let (s, a, b) = (rng.pick(&SURNAMES), rng.pick(&GIVEN), rng.pick(&GIVEN));
    line.push_str(s);
    line.push_str(a);
    if !rng.chance(0.3) {
        line.push_str(b);
    }
}

/// 0 most of the time; with probability `p`, 1 to `max`.
fn occasional(rng: &mut Rng, p: f64, max: i64) -> i64 {
    if rng.chance(p) { rng.range(1, max) } else { 0 }
}

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

fn org_name(rng: &mut Rng) -> String {
    format!(
        "{}{}{}有限公司党支部",
        rng.pick(&DISTRICTS).trim_end_matches(['区', '市']),
        rng.pick(&PLACES),
        rng.pick(&TRADES)
    )
}

/// Days since 2000-01-01 as `YYYY-MM-DD`.
fn date(days: i64) -> String {
    let start = crate::calendar::Date::parse("2000-01-01");
    start.map_or_else(String::new, |d| {
        d.plus(crate::calendar::Interval {
            days: days.max(0) as u32,
            ..Default::default()
        })
        .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(subject: Subject, rows: u64, seed: u64) -> String {
        let mut out = Vec::new();
        let schema = Schema::builtin(subject);
        write_ledger(&schema, Spec { rows, seed }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_ledger_and_another_seed_another() {
        let a = generate(Subject::Member, 200, 7);
        assert_eq!(a, generate(Subject::Member, 200, 7));
        assert_ne!(a, generate(Subject::Member, 200, 8));
        assert_eq!(a.lines().count(), 201);
        assert!(a.starts_with("党员编号,姓名,所在组织,所在区县,年度,组织生活"));
    }

    #[test]
    fn every_subject_reads_back_without_a_row_error() {
        for subject in Subject::ALL {
            let schema = Schema::builtin(subject);
            let text = generate(subject, 500, 1);
            let ledger =
                crate::ledger::Ledger::from_csv_bytes(text.as_bytes(), "gen.csv", &schema).unwrap();
            assert_eq!(ledger.records.len(), 500, "{subject}");
            assert!(ledger.errors.is_empty(), "{subject}: {:?}", ledger.errors);
        }
    }
}
