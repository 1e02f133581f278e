//! The figures of ../shared/DOMAIN.md that the fixtures reproduce, asserted exactly.

use liangxin::Evaluation;

fn outcome(e: &Evaluation, score: f64, vetoed: bool) -> &liangxin::Outcome {
    e.outcomes
        .iter()
        .find(|o| o.score == Some(score) && o.vetoed == vetoed)
        .unwrap_or_else(|| panic!("no member with score {score} (vetoed: {vetoed})"))
}

/// Seed 000: base 1000; 900分以上 recommended, 500分以下 remedial, both bounds inclusive; a veto
/// blocks commendation whatever the score.
#[test]
fn longwen_bounds_are_inclusive_and_the_veto_wins() {
    let e = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    for (score, grade) in [
        (900.0, "recommended"),
        (899.0, "qualified"),
        (501.0, "qualified"),
        (500.0, "remedial"),
    ] {
        assert_eq!(
            outcome(&e, score, false).grade.as_deref(),
            Some(grade),
            "score {score}"
        );
    }
    assert_eq!(
        outcome(&e, 900.0, false).band.as_deref(),
        Some("score 900 >= 900 (inclusive)")
    );
    assert_eq!(
        outcome(&e, 500.0, false).band.as_deref(),
        Some("score 500 <= 500 (inclusive)")
    );
    let vetoed = e.outcomes.iter().find(|o| o.vetoed).unwrap();
    assert!(vetoed.score.unwrap() > 900.0);
    assert_eq!(vetoed.grade.as_deref(), Some("vetoed"));
    // Seed 000: two members below the basic score were interviewed (约谈).
    assert_eq!(e.summary.by_grade["remedial"], 2);
}

/// 积分排行榜: standard competition ranking, ties share a rank (1, 2, 2, 4).
#[test]
fn longwen_leaderboard_uses_competition_ranking() {
    let e = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    let mut ranked: Vec<(f64, usize)> = e
        .outcomes
        .iter()
        .filter_map(|o| Some((o.score?, o.rank?)))
        .collect();
    ranked.sort_by_key(|a| a.1);
    assert_eq!(ranked[0].1, 1);
    for pair in ranked.windows(2) {
        let ((s1, r1), (s2, r2)) = (pair[0], pair[1]);
        if s1 == s2 {
            assert_eq!(r1, r2, "a tie shares its rank");
        } else {
            let above = ranked.iter().filter(|(s, _)| *s > s2).count();
            assert_eq!(r2, above + 1, "the rank after a tie skips");
        }
    }
    assert!(
        ranked.windows(2).any(|p| p[0].0 == p[1].0),
        "the fixture has a tie"
    );
}

/// The Excel export (GBK, a title row, a remarks column) reads as the same ledger.
#[test]
fn longwen_gbk_export_gives_the_same_outcomes() {
    let utf8 = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    let gbk = crate::evaluate(
        "policies/longwen-points",
        "fixtures/longwen/members-excel-gbk.csv",
    );
    let key = |e: &liangxin::Evaluation| -> Vec<_> {
        e.outcomes
            .iter()
            .map(|o| {
                (
                    o.record.clone(),
                    o.name.clone(),
                    o.score,
                    o.grade.clone(),
                    o.rank,
                )
            })
            .collect()
    };
    assert_eq!(key(&utf8), key(&gbk));
    assert_eq!(gbk.outcomes.len(), 60);
    assert!(gbk.notes.iter().any(|n| n.contains("GBK")));
}

/// Seed 003: 85.6% of branches meet the 五化 standard (达标率), in both variants.
#[test]
fn zhuzhou_pass_rate_is_85_6_percent() {
    for (pack, ledger, total) in [
        (
            "policies/zhuzhou-wuhua-enterprise",
            "fixtures/zhuzhou/enterprise-branches.csv",
            250,
        ),
        (
            "policies/zhuzhou-wuhua-social",
            "fixtures/zhuzhou/social-branches.csv",
            125,
        ),
    ] {
        let e = crate::evaluate(pack, ledger);
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.summary.records, total);
        assert_eq!(e.summary.pass_rate, Some(0.856), "{pack}");
        assert_eq!(
            liangxin::number::percent(e.summary.pass_rate.unwrap()),
            "85.6%"
        );
    }
}

/// The social variant adds the 年检 criterion: branches failing only that pass the enterprise one.
#[test]
fn zhuzhou_variants_differ_only_where_the_social_one_adds() {
    let social = crate::evaluate(
        "policies/zhuzhou-wuhua-social",
        "fixtures/zhuzhou/social-branches.csv",
    );
    let enterprise = crate::evaluate(
        "policies/zhuzhou-wuhua-enterprise",
        "fixtures/zhuzhou/social-branches.csv",
    );
    let mut moved = 0;
    for (s, e) in social.outcomes.iter().zip(&enterprise.outcomes) {
        if s.grade != e.grade {
            moved += 1;
            assert_eq!(
                s.failed,
                [liangxin::evaluate::Name::from(
                    "rules_systematic.inspection"
                )],
                "{}",
                s.record
            );
            assert_eq!(e.grade.as_deref(), Some("met"));
        }
    }
    assert!(moved >= 3, "the fixture has branches failing only on 年检");
}

/// Seed 004: 2,000 yuan for each of 177 new organizations (354,000) and 100,000 yuan for each of
/// 53 candidates (5,300,000), within the 10,000,000 yuan annual budget.
#[test]
fn jinan_funding_reproduces_the_article() {
    let e = crate::evaluate(
        "policies/jinan-sanqiang-sanhao",
        "fixtures/jinan/organizations.csv",
    );
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let paid = |item: &str| e.summary.money_by_item.get(item).copied().unwrap_or(0.0);
    assert_eq!(
        e.outcomes
            .iter()
            .filter(|o| o.rules[1].passed == Some(true))
            .count(),
        177
    );
    assert_eq!(paid("startup_funds"), 354_000.0);
    assert_eq!(e.summary.by_grade["candidate"], 53);
    assert_eq!(paid("grade:candidate"), 5_300_000.0);
    assert_eq!(e.summary.money_total, 5_654_000.0);
    let budget = e.summary.budget.as_ref().unwrap();
    assert_eq!((budget.amount, budget.over), (10_000_000.0, false));
    assert!(e.summary.warnings.is_empty());
}

/// The seeds' figures survive into `compare` output: Jinan's totals and Zhuzhou's 85.6%.
#[test]
fn compare_output_keeps_the_seed_figures() {
    let run = |args: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_liangxin"))
            .args(args)
            .args(["--format", "json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let jinan = run(&[
        "compare",
        "-p",
        "jinan-sanqiang-sanhao",
        "-p",
        "fixtures/diff/jinan-five-of-six",
        "-r",
        "fixtures/jinan/organizations.csv",
    ]);
    let s = &jinan["summaries"]["jinan-sanqiang-sanhao"];
    assert_eq!(s["by_grade"]["candidate"], 53);
    assert_eq!(s["money_by_item"]["startup_funds"], 354_000.0);
    assert_eq!(s["money_by_item"]["grade:candidate"], 5_300_000.0);
    let zhuzhou = run(&[
        "compare",
        "-p",
        "zhuzhou-wuhua-enterprise",
        "-p",
        "zhuzhou-wuhua-social",
        "-r",
        "fixtures/zhuzhou/social-branches.csv",
    ]);
    assert_eq!(
        zhuzhou["summaries"]["zhuzhou-wuhua-social"]["pass_rate"],
        0.856
    );
}
