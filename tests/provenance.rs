//! README's promise that "every assumed value is marked `assumed: true` in the pack", made a
//! rule the bundled packs are held to: in each `policies/*/policy.yaml`, every param, category,
//! band set, grade, rule, checklist criterion, procedure interval (`not_before`, `not_after`),
//! group rule, ranking and the effective date says where it comes from (`source:`, for the date
//! `effective_source:`) or that the pack chose it (`assumed: true`, `effective_assumed: true`).
//! An item with neither would pass off a value nobody published as the city's rule. Inherited
//! items are checked in the file that writes them. `version` is the pack's own revision number,
//! not a claim about the standard, and is not checked.

use std::path::Path;

use liangxin::load::raw::RawPolicy;

fn said(source: &Option<String>, assumed: bool) -> bool {
    assumed || source.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// The items of one `policy.yaml` that give neither a source nor `assumed: true`.
fn unsourced(p: &RawPolicy) -> Vec<String> {
    let mut bad = Vec::new();
    if !p.effective.is_empty() && !said(&p.effective_source, p.effective_assumed) {
        bad.push(format!("effective {}", p.effective));
    }
    for (id, x) in &p.params {
        if !said(&x.source, x.assumed) {
            bad.push(format!("param {}", id.value));
        }
    }
    for (id, x) in &p.categories {
        if !said(&x.source, x.assumed) {
            bad.push(format!("category {}", id.value));
        }
    }
    if let Some(b) = &p.bands
        && !said(&b.source, b.assumed)
    {
        bad.push("bands".into());
    }
    for (id, x) in &p.grades {
        if !said(&x.source, x.assumed) {
            bad.push(format!("grade {}", id.value));
        }
    }
    for r in &p.rules {
        if !said(&r.source, r.assumed) {
            bad.push(format!("rule {}", r.id.value));
        }
        for c in r.criteria.iter().flatten() {
            if !said(&c.source, c.assumed) {
                bad.push(format!("criterion {}.{}", r.id.value, c.id.value));
            }
        }
        for s in r.steps.iter().flatten() {
            for (key, wait) in [("not_before", &s.not_before), ("not_after", &s.not_after)] {
                if let Some(w) = wait
                    && !said(&w.source, w.assumed)
                {
                    bad.push(format!("step {}.{key}", s.field.value));
                }
            }
        }
    }
    for g in &p.group_rules {
        if !said(&g.source, g.assumed) {
            bad.push(format!("group rule {}", g.id.value));
        }
    }
    if let Some(r) = &p.ranking
        && !r.assumed
    {
        bad.push("ranking".into());
    }
    bad
}

#[test]
fn every_bundled_value_has_a_source_or_is_assumed() {
    let mut packs = 0;
    let mut bad = Vec::new();
    for entry in std::fs::read_dir("policies").unwrap() {
        let file = entry.unwrap().path().join("policy.yaml");
        if !file.exists() {
            continue;
        }
        packs += 1;
        let text = std::fs::read_to_string(&file).unwrap();
        let raw: RawPolicy =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for item in unsourced(&raw) {
            bad.push(format!("{}: {item}", file.display()));
        }
    }
    assert!(packs >= 9, "only {packs} packs under policies/");
    assert!(
        bad.is_empty(),
        "neither `source:` nor `assumed: true`:\n{}",
        bad.join("\n")
    );
}

/// The check itself: an item with neither is caught, and either one is enough.
#[test]
fn the_provenance_check_catches_an_unmarked_value() {
    let parse = |yaml: &str| -> RawPolicy { serde_saphyr::from_str(yaml).unwrap() };
    let bare = parse(
        "id: p\nname: n\neffective: 2020-01-01\nparams:\n  x: { value: 1 }\n\
         grades:\n  ok: { label: 合格 }\n",
    );
    assert_eq!(
        unsourced(&bare),
        ["effective 2020-01-01", "param x", "grade ok"]
    );
    let marked = parse(
        "id: p\nname: n\neffective: 2020-01-01\neffective_assumed: true\n\
         params:\n  x: { value: 1, source: 文中原话 }\ngrades:\n  ok: { label: 合格, assumed: true }\n",
    );
    assert!(unsourced(&marked).is_empty());
    assert!(Path::new("policies").is_dir());
}
