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

/// Text made of what breaks CSV readers: quotes, separators, line ends, BOMs, Chinese, digits,
/// signs, full-width forms, and the header labels themselves.
fn hostile_csv(subject: Subject) -> impl Strategy<Value = Vec<u8>> {
    let schema = Schema::builtin(subject);
    let mut pieces: Vec<String> = schema.fields.values().map(|f| f.label.clone()).collect();
    pieces.extend(
        [
            ",",
            ",",
            "\"",
            "\"\"",
            "\n",
            "\r\n",
            "\r",
            "\t",
            "\u{feff}",
            "是",
            "否",
            "-",
            "1,000",
            "１２３",
            "－",
            "9223372036854775807",
            "1e400",
            "2024/7/1",
            "2024年7月1日",
            "NaN",
            "",
            "王\"五",
            "=1+2",
        ]
        .map(str::to_owned),
    );
    let piece = proptest::sample::select(pieces);
    let bytes = proptest::collection::vec(any::<u8>(), 0..8);
    proptest::collection::vec(
        prop_oneof![20 => piece.prop_map(String::into_bytes), 1 => bytes],
        0..200,
    )
    .prop_map(|parts| parts.concat())
}

/// A bundled policy.yaml with random damage: a range cut out, a line repeated, a token
/// inserted, bytes flipped.
fn damaged_policy() -> impl Strategy<Value = (String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut texts: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                std::fs::read_to_string(path.join("policy.yaml")).unwrap(),
            )
        })
        .collect();
    texts.sort();
    let tokens = proptest::sample::select(vec![
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "!!str ",
        "\n  ",
        "\n",
        "---\n",
        "\"",
        "#",
        "1e999",
        "-1",
        "null",
        "~",
        "?",
        "|",
        "\t",
        "\u{0}",
        "expr: ",
        "kind: veto",
        "extends: /etc",
    ]);
    (
        proptest::sample::select(texts),
        proptest::collection::vec(
            (any::<prop::sample::Index>(), 0u8..4, tokens, 0usize..200),
            1..6,
        ),
    )
        .prop_map(|((name, text), edits)| {
            let mut bytes = text.into_bytes();
            for (at, kind, token, len) in edits {
                let i = at.index(bytes.len().max(1)).min(bytes.len());
                match kind {
                    0 => {
                        let end = (i + len).min(bytes.len());
                        bytes.drain(i..end);
                    }
                    1 => {
                        let end = (i + len).min(bytes.len());
                        let copy = bytes[i..end].to_vec();
                        bytes.splice(i..i, copy);
                    }
                    2 => {
                        bytes.splice(i..i, token.bytes());
                    }
                    _ => {
                        if let Some(b) = bytes.get_mut(i) {
                            *b ^= 0x20;
                        }
                    }
                }
            }
            (name, String::from_utf8_lossy(&bytes).into_owned())
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever bytes a ledger holds, reading it whole or streamed and evaluating it under every
    /// bundled pack of its subject returns results or errors, never a panic.
    #[test]
    fn hostile_ledgers_never_panic(csv in hostile_csv(Subject::Member), org in hostile_csv(Subject::Organization)) {
        for (subject, bytes, packs) in [(Subject::Member, &csv, &*MEMBER), (Subject::Organization, &org, &*ORGANIZATION)] {
            let schema = Schema::builtin(subject);
            if let Ok(ledger) = Ledger::from_csv_bytes(bytes, "hostile.csv", &schema) {
                for (_, [native, _]) in packs {
                    let _ = native.evaluate_ledger_with(&ledger, 2);
                }
            }
            for (_, [native, _]) in packs {
                let options = liangxin::stream::StreamOptions { block_bytes: 16, threads: 1, ..Default::default() };
                let _ = liangxin::stream::evaluate_csv(native, bytes.as_slice(), "hostile.csv", options);
            }
        }
    }

    /// Whatever a policy file holds, `check` (load, validate, compile) returns the pack or its
    /// diagnostics, never a panic.
    #[test]
    fn damaged_policies_never_panic((name, text) in damaged_policy()) {
        let loader = liangxin::MemoryLoader::new()
            .with(format!("policies/{name}/policy.yaml"), text)
            .with("policies/longwen-stars/policy.yaml", include_str!("../policies/longwen-stars/policy.yaml"))
            .with("policies/zhuzhou-wuhua-enterprise/policy.yaml", include_str!("../policies/zhuzhou-wuhua-enterprise/policy.yaml"))
            .with("policies/jinan-sanqiang-sanhao/scripts/reputation.rhai", include_str!("../policies/jinan-sanqiang-sanhao/scripts/reputation.rhai"));
        if let Err(liangxin::LoadError::Invalid(diagnostics)) = liangxin::prepare(&loader, format!("policies/{name}").as_ref()) {
            for d in diagnostics {
                let _ = d.to_string();
            }
        }
    }
}
