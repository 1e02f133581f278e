//! Synthetic rosters and entry ledgers for trials and benchmarks: `liangxin gen --entries`.
//!
//! A province keeps millions of members and tens of millions of entries a year; these files are
//! that shape. The roster has the schema's columns except those the catalog fills; the entry
//! ledger has about `per_member` entries per member over [`YEAR`], items of the pack's
//! catalog, and every entry counts: within the item's range, no row twice, members' names as
//! the roster's. The ledger is written month by month, each month member by member, as a
//! ledger kept through the year is; every member's values come from a generator seeded by the
//! seed, the member and the month, so nothing is held and the same arguments give the same
//! bytes on every machine.

use std::io::{self, Write};

use super::catalog::{Catalog, Item, Worth};
use super::read::entry_schema;
use crate::generate::{Rng, Row, person_name};
use crate::number::format as n;
use crate::schema::{FieldType, Schema};

/// The year the entries fall in: the generated member ledgers' 年度 (`--period 2024`).
pub const YEAR: u32 = 2024;

/// The most entries a member may be given in a year: a month's entries then still fit on
/// distinct days and items of a small catalog.
pub const MAX_PER_MEMBER: u32 = 1_000;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct EntrySpec {
    /// Members in the roster.
    pub members: u64,
    /// Entries per member in the year.
    pub per_member: u32,
    /// The same arguments and seed give the same bytes.
    pub seed: u64,
}

/// Whoever records entries, in turn.
const RECORDERS: [&str; 4] = ["陈书记", "林委员", "黄组织员", "王组织委员"];
/// Notes: most entries have none; none holds a comma or quote (the CSV stays unquoted).
const NOTES: [&str; 4] = ["支部会议记录", "活动签到表", "季度评议", "群众来信核实"];

/// A generator for member `n` (and `salt`: the month, or 0 for the roster's values).
fn member_rng(seed: u64, n: u64, salt: u64) -> Rng {
    let mut rng = Rng::new(
        seed ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ salt.wrapping_mul(0xA076_1D64_78BD_642F),
    );
    // One draw mixes the seed's bits before any value is taken.
    rng.next();
    rng
}

/// Member `n`'s id, as `liangxin gen --subject member` writes it.
fn member_id(n: u64, line: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(line, "DY{n:09}");
}

/// Member `n`'s name, the same in the roster and in every entry.
fn member_name(seed: u64, n: u64, line: &mut String) {
    person_name(&mut member_rng(seed, n, 0), line);
}

/// Writes the roster: one row per member with the schema's columns except those `catalog`
/// fills (they are summed from the entries).
///
/// # Errors
///
/// Whatever `out` fails with.
pub fn write_roster(
    schema: &Schema,
    catalog: &Catalog,
    spec: EntrySpec,
    out: &mut (impl Write + ?Sized),
) -> io::Result<()> {
    let fields: Vec<_> = (schema.fields.values())
        .filter(|f| !catalog.fields.contains_key(&f.id))
        .collect();
    let labels: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
    writeln!(out, "{}", labels.join(","))?;
    let mut line = String::with_capacity(256);
    for n in 1..=spec.members {
        line.clear();
        // The roster's own values (organization, district) from a generator apart from the
        // name's, so the name can be made again for each entry.
        let mut rng = member_rng(spec.seed, n, 13);
        let mut row = Row::new(schema.subject, n, &mut rng);
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            match field.id.as_str() {
                id if id == schema.id_field => member_id(n, &mut line),
                "name" => member_name(spec.seed, n, &mut line),
                "year" => line.push_str(&YEAR.to_string()),
                _ => row.cell(field, &mut line),
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// An item entries may use, with what one occurrence may be given.
struct Usable<'c> {
    item: &'c Item,
    /// For a range: the least and most points, in steps of `step`.
    low: i64,
    high: i64,
    /// 1 for whole points, 10 for tenths.
    step: i64,
}

/// The items whose entries cannot take a total outside its field's bounds (a negative item on
/// a field that is never negative, unless the catalog bounds the total), veto items apart.
fn usable<'c>(schema: &Schema, catalog: &'c Catalog) -> Vec<Usable<'c>> {
    let mut out = Vec::new();
    for item in &catalog.items {
        let Some(def) = schema.field(&item.field) else {
            continue;
        };
        let (lowest, highest) = match item.worth {
            Worth::Fixed(p) => (p, p),
            Worth::Range { min, max } => (min, max),
            Worth::Veto => continue,
        };
        let total = catalog.fields.get(&item.field);
        let floor_kept = def.min.is_none_or(|m| {
            lowest >= m.max(0.0) || total.and_then(|t| t.min).is_some_and(|t| t >= m)
        });
        let ceiling_kept = def.max.is_none_or(|m| {
            highest <= m.min(0.0) || total.and_then(|t| t.max).is_some_and(|t| t <= m)
        });
        if !floor_kept || !ceiling_kept || def.ty == FieldType::Bool {
            continue;
        }
        let whole = matches!(def.ty, FieldType::Int);
        let step = if whole { 1 } else { 10 };
        let (low, high) = (
            (lowest * step as f64).ceil() as i64,
            (highest * step as f64).floor() as i64,
        );
        if low <= high {
            out.push(Usable {
                item,
                low,
                high,
                step,
            });
        }
    }
    out
}

/// Days in each month of [`YEAR`] (a leap year).
const MONTH_DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Writes the entry ledger (header 党员编号,姓名,日期,积分项目,分值,次数,说明,记录人).
///
/// # Errors
///
/// Whatever `out` fails with; [`io::ErrorKind::InvalidInput`] when the catalog has no item an
/// entry could use, or `per_member` is above [`MAX_PER_MEMBER`].
pub fn write_entries(
    schema: &Schema,
    catalog: &Catalog,
    spec: EntrySpec,
    out: &mut (impl Write + ?Sized),
) -> io::Result<()> {
    let items = usable(schema, catalog);
    let veto = catalog.items.iter().find(|i| i.worth == Worth::Veto);
    if items.is_empty() || spec.per_member > MAX_PER_MEMBER {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            if items.is_empty() {
                "the catalog has no item whose entries keep its field within bounds".to_owned()
            } else {
                format!("at most {MAX_PER_MEMBER} entries per member")
            },
        ));
    }
    let header = entry_schema(schema);
    let labels: Vec<&str> = header.fields.values().map(|f| f.label.as_str()).collect();
    writeln!(out, "{}", labels.join(","))?;
    let per_member = u64::from(spec.per_member);
    let mut line = String::with_capacity(1 << 16);
    let mut name = String::new();
    // One member's entries in one month: (day, item), distinct, in day order.
    let mut month_entries: Vec<(u32, usize)> = Vec::new();
    for month in 1..=12u64 {
        for n in 1..=spec.members {
            // Exactly `per_member` a year: the year's remainder falls in different months
            // for different members.
            let days = MONTH_DAYS[month as usize - 1];
            let extra = u64::from((month + n) % 12 < per_member % 12);
            // A tiny catalog has fewer distinct (day, item) pairs in a month than that.
            let count = (per_member / 12 + extra).min(u64::from(days) * items.len() as u64);
            let mut rng = member_rng(spec.seed, n, month);
            // About one member in a hundred is vetoed, once, in a month of their own.
            let vetoed = veto.is_some() && {
                let mut v = member_rng(spec.seed, n, 14);
                v.chance(0.01) && v.range(1, 12) as u64 == month
            };
            if count == 0 && !vetoed {
                continue;
            }
            month_entries.clear();
            while (month_entries.len() as u64) < count {
                let day = rng.range(1, i64::from(days)) as u32;
                let item = rng.range(0, items.len() as i64 - 1) as usize;
                if !month_entries.contains(&(day, item)) {
                    month_entries.push((day, item));
                }
            }
            month_entries.sort_unstable();
            name.clear();
            member_name(spec.seed, n, &mut name);
            for &(day, item) in &month_entries {
                let usable = &items[item];
                let (points, count) = worth(&mut rng, usable);
                let by_id = rng.chance(0.1);
                entry_line(
                    &mut line,
                    n,
                    &name,
                    (month, day),
                    if by_id {
                        &usable.item.id
                    } else {
                        &usable.item.label
                    },
                    &points,
                    count,
                    &mut rng,
                );
            }
            if let Some(veto) = veto.filter(|_| vetoed) {
                let day = rng.range(1, i64::from(days)) as u32;
                entry_line(
                    &mut line,
                    n,
                    &name,
                    (month, day),
                    &veto.label,
                    "",
                    1,
                    &mut rng,
                );
            }
            if line.len() > (1 << 16) - 512 {
                out.write_all(line.as_bytes())?;
                line.clear();
            }
        }
    }
    out.write_all(line.as_bytes())?;
    out.flush()
}

/// 分值 and 次数 of one entry: a range item's points (count 1); a fixed item's points
/// written out now and then, and a count above 1 now and then.
fn worth(rng: &mut Rng, usable: &Usable) -> (String, u32) {
    match usable.item.worth {
        Worth::Fixed(p) => {
            let count = if rng.chance(0.2) {
                rng.range(2, 3) as u32
            } else {
                1
            };
            let written = if rng.chance(0.3) { n(p) } else { String::new() };
            (written, count)
        }
        _ => {
            let units = rng.range(usable.low, usable.high);
            (n(units as f64 / usable.step as f64), 1)
        }
    }
}

/// Appends one entry's row.
#[allow(clippy::too_many_arguments)]
fn entry_line(
    line: &mut String,
    n: u64,
    name: &str,
    (month, day): (u64, u32),
    item: &str,
    points: &str,
    count: u32,
    rng: &mut Rng,
) {
    use std::fmt::Write as _;
    member_id(n, line);
    let _ = write!(line, ",{name},{YEAR}-{month:02}-{day:02},{item},{points},");
    if count > 1 {
        let _ = write!(line, "{count}");
    }
    line.push(',');
    if rng.chance(0.1) {
        line.push_str(rng.pick(&NOTES));
    }
    line.push(',');
    line.push_str(rng.pick(&RECORDERS));
    line.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entries::{Aggregator, Period};
    use crate::ledger::Ledger;

    fn longwen() -> crate::Prepared {
        let pack = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/longwen-points");
        crate::prepare(&crate::FsLoader, std::path::Path::new(pack)).unwrap()
    }

    fn generate(prepared: &crate::Prepared, spec: EntrySpec) -> (Vec<u8>, Vec<u8>) {
        let policy = &prepared.policy.policy;
        let catalog = policy.catalog.as_ref().unwrap();
        let (mut roster, mut entries) = (Vec::new(), Vec::new());
        write_roster(&policy.schema, catalog, spec, &mut roster).unwrap();
        write_entries(&policy.schema, catalog, spec, &mut entries).unwrap();
        (roster, entries)
    }

    #[test]
    fn the_same_arguments_give_the_same_bytes_and_another_seed_others() {
        let prepared = longwen();
        let spec = EntrySpec {
            members: 300,
            per_member: 20,
            seed: 7,
        };
        let (roster, entries) = generate(&prepared, spec);
        assert_eq!((roster.clone(), entries.clone()), generate(&prepared, spec));
        let other = generate(&prepared, EntrySpec { seed: 8, ..spec });
        assert_ne!(entries, other.1);
        let text = String::from_utf8(entries).unwrap();
        assert!(text.starts_with("党员编号,姓名,日期,积分项目,分值,次数,说明,记录人\n"));
        // Exactly `per_member` a member, plus one veto entry for about one in a hundred.
        let rows = text.lines().count() - 1;
        assert!((6000..6000 + 30).contains(&rows), "{rows}");
        assert!(
            String::from_utf8(roster)
                .unwrap()
                .starts_with("党员编号,姓名,所在组织,所在区县,年度\n")
        );
    }

    #[test]
    fn every_generated_entry_counts_and_every_member_is_graded() {
        let prepared = longwen();
        let policy = &prepared.policy.policy;
        let spec = EntrySpec {
            members: 400,
            per_member: 30,
            seed: 1,
        };
        let (roster, entries) = generate(&prepared, spec);
        let mut roster = Ledger::from_csv_bytes(&roster, "roster.csv", &policy.schema).unwrap();
        let catalog = policy.catalog.as_ref().unwrap();
        let period = Period::year(&YEAR.to_string()).unwrap();
        let mut aggregator = Aggregator::new(catalog, period, &roster, &policy.schema);
        let entries =
            Ledger::from_csv_bytes(&entries, "entries.csv", aggregator.entry_schema()).unwrap();
        assert!(entries.errors.is_empty(), "{:?}", &entries.errors[..1]);
        aggregator.add_ledger(&entries).unwrap();
        assert_eq!(aggregator.entries(), entries.records.len());
        aggregator.apply(&mut roster, &policy.schema).unwrap();
        assert!(roster.errors.is_empty(), "{:?}", &roster.errors[..1]);
        assert_eq!(roster.records.len(), 400);
        let evaluation = prepared.policy.evaluate_ledger(&roster);
        assert!(evaluation.errors.is_empty());
        // The shapes a real ledger has: 次数 above 1, items by id, 分值 written for a fixed
        // item, a veto, and a cap applied.
        let text = |i: usize| {
            entries.records.iter().filter(move |r| !matches!(&r.cells[i], crate::ledger::Cell::Value(crate::value::Value::Str(s)) if s.is_empty()))
        };
        let count = entries.records.iter().filter(|r| matches!(r.cells[5], crate::ledger::Cell::Value(crate::value::Value::Int(n)) if n > 1)).count();
        assert!(count > 100, "{count}");
        let by_id = entries.records.iter().filter(|r| matches!(&r.cells[3], crate::ledger::Cell::Value(crate::value::Value::Str(s)) if s.is_ascii())).count();
        assert!(by_id > 100, "{by_id}");
        assert!(text(6).count() > 100);
        assert!(evaluation.summary.vetoed > 0);
        let capped = roster
            .records
            .iter()
            .filter_map(|r| aggregator.totals(&r.id))
            .filter(|t| t.notes.iter().any(|n| n.contains("封顶")))
            .count();
        assert!(capped > 10, "{capped}");
    }
}
