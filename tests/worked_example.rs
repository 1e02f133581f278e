//! The guide's worked example, "双强六好" (docs/writing-policies.md), on its ledger
//! (fixtures/worked-example/shuangqiang-liuhao.csv): the right answers are computed here from
//! the standard's words, without the engine, and the engine must agree record by record.

use liangxin::{Ledger, MemoryLoader, prepare_at};

/// The standard, as the guide states it, computed by hand for one ledger row.
struct Org {
    id: String,
    street: String,
    score: f64,
    assemblies: f64,
    party_strong: bool,
    growth_strong: bool,
    vetoed: bool,
}

fn yes(cell: &str) -> bool {
    cell == "是"
}

fn read(row: &std::collections::HashMap<&str, &str>) -> Org {
    let n = |k: &str| row[k].parse::<f64>().unwrap();
    let b = |k: &str| yes(row[k]);
    let pts = |cond: bool, p: f64| if cond { p } else { 0.0 };
    // 六好, each capped: 班子好 20, 队伍好 20, 制度好 15, 活动好 15, 阵地好 15, 作用好 15.
    let leadership = (pts(b("配备书记"), 12.0) + pts(b("书记参加培训"), 8.0)).min(20.0);
    let members = (n("当年发展党员数") * 6.0 + n("入党积极分子人数") * 2.0).min(20.0);
    let rules = (pts(b("工作制度健全"), 10.0) + pts(b("按期换届"), 5.0)).min(15.0);
    let activities = (n("党员大会次数") * 2.0 + n("党课次数") * 3.0).min(15.0);
    let venue = (pts(b("有活动场所"), 10.0) + pts(b("有工作经费"), 5.0)).min(15.0);
    let role = (n("服务活动次数") * 2.0 + pts(b("参与重大决策"), 5.0)).min(15.0);
    Org {
        id: row["组织编号"].to_owned(),
        street: row["所在区县"].to_owned(),
        score: leadership + members + rules + activities + venue + role,
        assemblies: n("党员大会次数"),
        party_strong: n("党员人数") >= 3.0 && b("召开组织生活会"),
        growth_strong: b("年检合格") && n("满意度") >= 80.0,
        vetoed: !b("年检合格"),
    }
}

/// The grade before the quota: a veto first, then the first row of the table that matches.
fn grade(o: &Org) -> &'static str {
    if o.vetoed {
        "buhege"
    } else if o.score >= 90.0 && o.party_strong && o.growth_strong {
        "shifan"
    } else if o.score >= 75.0 {
        "dabiao"
    } else if o.score >= 60.0 {
        "jiben"
    } else {
        "buhege"
    }
}

#[test]
fn the_guide_worked_example_pays_for_two_shifan_per_street() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("docs/writing-policies.md")).unwrap();
    let policy = guide
        .split("```yaml policy")
        .skip(1)
        .map(|b| b.split("\n```").next().unwrap())
        .map(|b| b.split_once('\n').map_or(b, |(_, body)| body))
        .find(|b| b.contains("id: shuangqiang-liuhao"))
        .expect("the guide has the 双强六好 example");
    let csv = std::fs::read_to_string(root.join("fixtures/worked-example/shuangqiang-liuhao.csv"))
        .unwrap();

    // By hand.
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let orgs: Vec<Org> = lines
        .map(|l| read(&header.iter().copied().zip(l.split(',')).collect()))
        .collect();
    let mut expected: Vec<(String, &str)> = orgs.iter().map(|o| (o.id.clone(), grade(o))).collect();
    let before_quota = expected.iter().filter(|(_, g)| *g == "shifan").count();
    // At most 2 示范 per street: by score, then by more 党员大会 (组织生活); the rest 达标.
    let mut streets: Vec<&str> = orgs.iter().map(|o| o.street.as_str()).collect();
    streets.dedup();
    for street in streets {
        let mut shifan: Vec<usize> = (0..orgs.len())
            .filter(|&i| orgs[i].street == street && expected[i].1 == "shifan")
            .collect();
        shifan.sort_by(|&a, &b| {
            (orgs[b].score, orgs[b].assemblies)
                .partial_cmp(&(orgs[a].score, orgs[a].assemblies))
                .unwrap()
        });
        for &i in shifan.iter().skip(2) {
            expected[i].1 = "dabiao";
        }
    }
    let shifan = expected.iter().filter(|(_, g)| *g == "shifan").count();
    // The point of the example: without the quota the pack would pay 120,000 yuan.
    assert_eq!((before_quota, shifan), (6, 5));

    // By the engine.
    let loader = MemoryLoader::new().with("p/policy.yaml", policy.to_owned());
    let p = prepare_at(&loader, "p".as_ref(), Some("2026-12-01")).unwrap();
    let ledger = Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &p.policy.policy.schema).unwrap();
    let e = p.policy.evaluate_ledger(&ledger);
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let got: Vec<(String, &str)> = e
        .outcomes
        .iter()
        .map(|o| (o.record.clone(), o.grade.as_deref().unwrap()))
        .collect();
    assert_eq!(got, expected);
    for (o, by_hand) in e.outcomes.iter().zip(&orgs) {
        assert_eq!(o.score, Some(by_hand.score), "{}", o.record);
    }
    assert_eq!(e.summary.money_total.yuan(), 100_000.0);
    // The demoted record says why, and a 不达标 is due three months after the assessment.
    let d3 = e.outcomes.iter().find(|o| o.record == "D3").unwrap();
    assert_eq!(
        d3.quotas[0].text,
        "ranked 3rd of 3 qualifying in 东城街道; quota 2; demoted to 达标"
    );
    let n3 = e.outcomes.iter().find(|o| o.record == "N3").unwrap();
    assert_eq!(n3.due.as_deref(), Some("2027-03-01"));
}
