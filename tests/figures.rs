//! The figures of ../shared/DOMAIN.md that the fixtures reproduce, asserted exactly.

use liangxin::Evaluation;
use liangxin::money::Money;

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
    let paid = |item: &str| {
        e.summary
            .money_by_item
            .get(item)
            .copied()
            .unwrap_or_default()
    };
    assert_eq!(
        e.outcomes
            .iter()
            .filter(|o| o.rules[1].passed == Some(true))
            .count(),
        177
    );
    assert_eq!(paid("startup_funds"), Money::from_fen(35_400_000));
    assert_eq!(e.summary.by_grade["candidate"], 53);
    assert_eq!(paid("grade:candidate"), Money::from_fen(530_000_000));
    assert_eq!(e.summary.money_total, Money::from_fen(565_400_000));
    let budget = e.summary.budget.as_ref().unwrap();
    assert_eq!(
        (budget.amount, budget.over),
        (Money::from_fen(1_000_000_000), false)
    );
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

/// Seed 000, 星级创建: two stars or fewer get 集中整顿、重点帮扶, three stars 规范管理、精心培育,
/// four or more 树立典型、巩固提高 (两星级及以下 and 四星级以上 include the number).
#[test]
fn longwen_star_tiers_get_the_articles_treatments() {
    let e = crate::evaluate(
        "policies/longwen-stars",
        "fixtures/longwen/organizations.csv",
    );
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    for o in &e.outcomes {
        let expected: &[&str] = match o.grade.as_deref().unwrap() {
            "one_star" | "two_star" => &["集中整顿", "重点帮扶"],
            "three_star" => &["规范管理", "精心培育"],
            "four_star" | "five_star" => &["树立典型", "巩固提高"],
            other => panic!("unexpected grade {other}"),
        };
        assert_eq!(&*o.actions, expected, "{}", o.record);
    }
    let counts: Vec<usize> = e.summary.by_grade.values().copied().collect();
    assert_eq!(counts, [8, 10, 20, 7, 3]);
}

/// Seed 000, 网格联建 "1+N": six industry grids, each with one lead of four or five stars, and
/// every weak organization (two stars or fewer) or enterprise without members paired with it.
#[test]
fn longwen_grids_each_have_one_four_or_five_star_lead() {
    let e = crate::evaluate(
        "policies/longwen-grid",
        "fixtures/longwen/organizations.csv",
    );
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let plan = &e.group_rules[0];
    let grids: Vec<&str> = plan.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(
        grids,
        [
            "家具日化",
            "电子行业",
            "机械制造",
            "食品饮料",
            "新兴行业",
            "印刷包装"
        ]
    );
    assert!(plan.findings.is_empty(), "{:?}", plan.findings);
    let outcome = |id: &str| e.outcomes.iter().find(|o| o.record == id).unwrap();
    let mut paired = 0;
    for g in &plan.groups {
        let lead = g
            .lead
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no lead", g.group));
        let stars = outcome(&lead.record).grade.as_deref().unwrap();
        assert!(
            matches!(stars, "four_star" | "five_star"),
            "{}: {stars}",
            g.group
        );
        paired += g.paired.len();
        for p in &g.paired {
            assert!(
                matches!(
                    outcome(&p.record).grade.as_deref(),
                    Some("one_star" | "two_star")
                ) || p.record == "LWO2022038"
            );
        }
    }
    let leads: Vec<&str> = plan
        .groups
        .iter()
        .map(|g| g.lead.as_ref().unwrap().record.as_str())
        .collect();
    // 电子行业: of two four-star organizations the larger (25 members) leads; 机械制造: of two
    // five-star ones with 18 members each, the higher 书记绩效 score.
    assert_eq!(
        leads,
        [
            "LWO2022001",
            "LWO2022010",
            "LWO2022017",
            "LWO2022025",
            "LWO2022033",
            "LWO2022041"
        ]
    );
    assert_eq!(paired, 19);
    // An enterprise without members is paired whatever its stars.
    let no_members = plan.groups[4]
        .paired
        .iter()
        .find(|p| p.record == "LWO2022038")
        .unwrap();
    assert_eq!(no_members.grade.as_deref(), Some("three_star"));
    assert_eq!(no_members.grade_label.as_deref(), Some("三星级"));
}

/// A grid without a four- or five-star organization is a finding in the plan, not an error.
#[test]
fn a_grid_without_a_qualified_lead_is_a_finding() {
    let e = crate::evaluate(
        "policies/longwen-grid",
        "fixtures/longwen/organizations-weak-grid.csv",
    );
    assert!(e.errors.is_empty());
    let plan = &e.group_rules[0];
    let printing = plan.groups.iter().find(|g| g.group == "印刷包装").unwrap();
    assert_eq!(printing.lead, None);
    assert_eq!(printing.candidates, Some(0));
    assert_eq!(printing.paired.len(), 4);
    assert_eq!(
        plan.findings,
        [
            "印刷包装: no record qualifies to lead (四星级 or 五星级, and member_count > 0 && has_secretary; 8 records); 4 to pair are left without one"
        ]
    );
}

/// Seed 001: 单独建立党支部28家, 挂靠建立联合党支部30家.
#[test]
fn xingyi_has_28_standalone_and_30_joint_branches() {
    let e = crate::evaluate(
        "policies/xingyi-liuge-qianghua",
        "fixtures/xingyi/organizations.csv",
    );
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let count = |id: &str| {
        let rule = e.group_rules.iter().find(|r| r.id == id).unwrap();
        (rule.groups[0].count, rule.groups[0].of)
    };
    assert_eq!(count("standalone_branches"), (Some(28), Some(58)));
    assert_eq!(count("joint_branches"), (Some(30), Some(58)));

    // A 组建方式 left empty is not known: counted as neither, never as 单独组建.
    let p = crate::pack("policies/xingyi-liuge-qianghua");
    let text = std::fs::read_to_string("fixtures/xingyi/organizations.csv").unwrap();
    let blanked = text.replacen(",单独组建,", ",,", 1);
    assert_ne!(blanked, text);
    let ledger =
        liangxin::Ledger::from_csv_bytes(blanked.as_bytes(), "t.csv", &p.policy.policy.schema)
            .unwrap();
    let e = p.policy.evaluate_ledger(&ledger);
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let count = |id: &str| {
        let rule = e.group_rules.iter().find(|r| r.id == id).unwrap();
        rule.groups[0].count
    };
    assert_eq!(count("standalone_branches"), Some(27));
    assert_eq!(count("joint_branches"), Some(30));
}

/// Seed 002: of the 2016 new members, 35周岁以下 62.7%, 大专以上 83%, 生产一线 79%.
#[test]
fn ganjingzi_2016_cohort_ratios() {
    let e = crate::evaluate(
        "policies/ganjingzi-development",
        "fixtures/ganjingzi/dossiers.csv",
    );
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let rate = |id: &str| {
        let rule = e.group_rules.iter().find(|r| r.id == id).unwrap();
        rule.groups[0].rate.unwrap()
    };
    assert_eq!(liangxin::number::percent(rate("young")), "62.7%");
    assert_eq!(rate("college"), 0.83);
    assert_eq!(rate("front_line"), 0.79);
    // The cohort is the 300 dossiers approved in 2016, not the 360 of the ledger.
    let young = &e.group_rules[0].groups[0];
    assert_eq!((young.count, young.of), (Some(188), Some(300)));
}

/// The procedure finds each kind of problem once, and 积分管理制 vetoes a short activist.
#[test]
fn ganjingzi_procedure_problems_are_found_and_named() {
    let e = crate::evaluate(
        "policies/ganjingzi-development",
        "fixtures/ganjingzi/dossiers.csv",
    );
    let rectify: Vec<(&str, Vec<&str>)> = e
        .outcomes
        .iter()
        .filter(|o| o.grade.as_deref() == Some("rectify"))
        .map(|o| {
            let problems = o.rules[0]
                .problems
                .iter()
                .map(|p| p.split(':').next().unwrap());
            (o.record.as_str(), problems.collect())
        })
        .collect();
    assert_eq!(
        rectify,
        [
            ("GJZ0008", vec!["too early"]),
            ("GJZ0301", vec!["missing 公示 (公示制) (notice_on)"]),
            ("GJZ0302", vec!["missing 递交入党申请书 (applied_on)"]),
            ("GJZ0303", vec!["out of order"]),
            ("GJZ0304", vec!["too early"]),
            ("GJZ0305", vec!["too early"]),
            ("GJZ0306", vec![]),
        ]
    );
    assert!(
        e.outcomes
            .iter()
            .find(|o| o.record == "GJZ0306")
            .unwrap()
            .vetoed
    );
}

/// A 龙头党组织 has party members and a secretary: the five-star lead of 家具日化 left without
/// a secretary, or without members, gives its grid to the next qualified organization.
#[test]
fn a_lead_without_members_or_a_secretary_never_leads() {
    let p = crate::pack("policies/longwen-grid");
    let schema = &p.policy.policy.schema;
    let text = std::fs::read_to_string("fixtures/longwen/organizations.csv").unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let column = |label: &str| header.iter().position(|h| *h == label).unwrap();
    let lead_of_first_grid = |ledger: &str| {
        let ledger = liangxin::Ledger::from_csv_bytes(ledger.as_bytes(), "t.csv", schema).unwrap();
        let e = p.policy.evaluate_ledger(&ledger);
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        e.group_rules[0].groups[0]
            .lead
            .as_ref()
            .map(|l| l.record.clone())
    };
    assert_eq!(lead_of_first_grid(&text).as_deref(), Some("LWO2022001"));
    for (label, value) in [("配备书记", "否"), ("党员人数", "0")] {
        let changed: Vec<String> = text
            .lines()
            .map(|line| {
                if !line.starts_with("LWO2022001,") {
                    return line.to_owned();
                }
                let mut cells: Vec<&str> = line.split(',').collect();
                cells[column(label)] = value;
                cells.join(",")
            })
            .collect();
        let lead = lead_of_first_grid(&changed.join("\n"));
        assert_ne!(lead.as_deref(), Some("LWO2022001"), "{label} = {value}");
    }
}

/// Seed 004: the city funds 53 创建对象 it chose, not every organization meeting the six
/// criteria. Two more eligible organizations (ranked last by satisfaction) are demoted to
/// 符合条件未列入, and the money stays 5,300,000 yuan within the budget.
#[test]
fn jinan_funds_only_the_citys_53_candidates() {
    // The fixture plus two organizations eligible on every criterion (80% satisfaction with a
    // commendation, 6 service activities): below every fixture candidate on the quota's
    // ranking (satisfaction, commendations, service activities).
    let e = crate::evaluate(
        "policies/jinan-sanqiang-sanhao",
        "fixtures/jinan/over-quota.csv",
    );
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let grade = |id: &str| {
        e.outcomes
            .iter()
            .find(|o| o.record == id)
            .and_then(|o| o.grade.as_deref().map(str::to_owned))
    };
    assert_eq!(grade("JN29990001").as_deref(), Some("eligible"));
    assert_eq!(grade("JN29990002").as_deref(), Some("eligible"));
    assert_eq!(e.summary.by_grade["candidate"], 53);
    assert_eq!(e.summary.by_grade["eligible"], 2);
    assert_eq!(
        e.summary.money_by_item["grade:candidate"],
        Money::from_fen(530_000_000)
    );
    let quota = &e.group_rules[0];
    assert_eq!((quota.kind, quota.at_most), ("quota", Some(53)));
    assert_eq!(quota.groups[0].candidates, Some(55));
}
