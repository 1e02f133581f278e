//! Properties over random records: every bundled pack gives the same outcomes whether its
//! expressions run natively or in Rhai, and evaluation never panics, whatever the cells hold
//! (extreme numbers, empty cells, text where a number belongs).

use std::sync::LazyLock;

use liangxin::schema::{FieldType, Schema};
use liangxin::{Ledger, Subject};
use proptest::prelude::*;

/// One cell's text for a field: usually a valid value of its type, sometimes an edge (empty,
/// extreme, malformed).
fn cell(field: &liangxin::schema::FieldDef) -> BoxedStrategy<String> {
    let valid: BoxedStrategy<String> = match &field.ty {
        // Small counts hit the packs' minimums (3 members, 4 lectures, 12 meetings) exactly.
        FieldType::Int => prop_oneof![
            40 => (-200i64..200).prop_map(|n| n.to_string()),
            40 => (0i64..15).prop_map(|n| n.to_string()),
            1 => Just(i64::MAX.to_string()),
            1 => Just(i64::MIN.to_string()),
        ]
        .boxed(),
        FieldType::Decimal => (0u32..1000)
            .prop_map(|t| format!("{}.{}", t / 10, t % 10))
            .boxed(),
        FieldType::Bool => prop_oneof![Just("是".to_owned()), Just("否".to_owned())].boxed(),
        FieldType::Enum(values) => {
            let labels: Vec<String> = values.values().cloned().collect();
            proptest::sample::select(labels).boxed()
        }
        FieldType::Date => (2010u32..2020, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}"))
            .boxed(),
        FieldType::String => "[a-z\u{4e00}-\u{4e20}]{0,6}".boxed(),
    };
    // Rare enough that most records (of up to 48 cells) are still valid and get compared.
    prop_oneof![
        400 => valid,
        2 => Just(String::new()),
        1 => Just("不详".to_owned()),
    ]
    .boxed()
}

/// A CSV ledger of 1 to 12 random records of the subject, with every schema column.
fn ledger(subject: Subject) -> impl Strategy<Value = String> {
    let schema = Schema::builtin(subject);
    let header: Vec<String> = schema.fields.values().map(|f| f.label.clone()).collect();
    let row: Vec<BoxedStrategy<String>> = schema
        .fields
        .values()
        .map(|f| {
            if f.id == "id" {
                Just(String::new()).boxed()
            } else {
                cell(f)
            }
        })
        .collect();
    proptest::collection::vec(row, 1..12).prop_map(move |rows| {
        let mut csv = header.join(",");
        csv.push('\n');
        for (i, mut row) in rows.into_iter().enumerate() {
            row[0] = format!("R{i}");
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        csv
    })
}

/// The bundled packs of a subject, each compiled both ways.
fn both_ways(subject: Subject) -> Packs {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut packs = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let compiled = [true, false].map(|native| {
            let pack = liangxin::load::load_pack(&liangxin::FsLoader, &path).unwrap();
            let v = liangxin::validate::validate(pack);
            let limits = liangxin::sandbox::Limits::default();
            liangxin::compile::compile_with(v.policy, limits, native)
                .unwrap()
                .0
        });
        if compiled[0].policy.meta.subject == subject {
            packs.push((path.display().to_string(), compiled));
        }
    }
    packs
}

fn agree(subject: Subject, csv: &str, packs: &Packs) {
    let schema = Schema::builtin(subject);
    let ledger = Ledger::from_csv_bytes(csv.as_bytes(), "random.csv", &schema).unwrap();
    for (name, [native, rhai]) in packs {
        let (a, b) = (
            native.evaluate_ledger_with(&ledger, 1),
            rhai.evaluate_ledger_with(&ledger, 1),
        );
        assert_eq!(a.outcomes, b.outcomes, "{name} on\n{csv}");
        assert_eq!(a.group_rules, b.group_rules, "{name} on\n{csv}");
        let failed = |e: &liangxin::Evaluation| -> Vec<(usize, Option<String>)> {
            e.errors.iter().map(|e| (e.row, e.rule.clone())).collect()
        };
        assert_eq!(failed(&a), failed(&b), "{name} on\n{csv}");
    }
}

type Packs = Vec<(String, [liangxin::CompiledPolicy; 2])>;

// Compiled once per subject, not once per case.
static MEMBER: LazyLock<Packs> = LazyLock::new(|| both_ways(Subject::Member));
static ORGANIZATION: LazyLock<Packs> = LazyLock::new(|| both_ways(Subject::Organization));
static DOSSIER: LazyLock<Packs> = LazyLock::new(|| both_ways(Subject::Dossier));

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn member_packs_agree_both_ways(csv in ledger(Subject::Member)) {
        agree(Subject::Member, &csv, &MEMBER);
    }

    #[test]
    fn organization_packs_agree_both_ways(csv in ledger(Subject::Organization)) {
        agree(Subject::Organization, &csv, &ORGANIZATION);
    }

    #[test]
    fn dossier_packs_agree_both_ways(csv in ledger(Subject::Dossier)) {
        agree(Subject::Dossier, &csv, &DOSSIER);
    }
}
