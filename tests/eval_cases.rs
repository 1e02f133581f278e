//! Each case in tests/eval/*.yaml names a pack and a ledger; the evaluation is snapshotted as
//! the summary (JSON), the group rules' results (JSON), one CSV line per outcome, then the
//! errors and notes. A changed rule shows
//! up as exactly the lines of the records it moves. A new case is a new file.

use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    policy: String,
    records: String,
}

#[test]
fn eval_cases() {
    insta::glob!("eval", "*.yaml", |path| {
        let case: Case = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let evaluation = crate::evaluate(&case.policy, &case.records);
        let mut snapshot = format!("policy: {}\nrecords: {}\n\n", case.policy, case.records);
        snapshot.push_str(&liangxin::report::to_json(&evaluation.summary));
        snapshot.push('\n');
        if !evaluation.group_rules.is_empty() {
            snapshot.push_str(&liangxin::report::to_json(&evaluation.group_rules));
            snapshot.push('\n');
        }
        let csv = String::from_utf8(
            liangxin::report::render_evaluation(
                &evaluation,
                liangxin::report::Format::Csv,
                Default::default(),
            )
            .unwrap(),
        )
        .unwrap();
        // The row-by-row writer `eval --format csv` uses gives the same bytes.
        let mut streamed = Vec::new();
        liangxin::report::write_evaluation_csv(&evaluation, Default::default(), &mut streamed)
            .unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), csv);
        // And `eval --format json` writes what the report's JSON value prints.
        let report = liangxin::report::EvalReport {
            evaluation: &evaluation,
            grouping: None,
            top: None,
            traces: None,
            summary_only: false,
        };
        let mut json = Vec::new();
        report.write_json(&mut json).unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            liangxin::report::to_json(&report.json())
        );
        snapshot.push_str(&csv);
        for e in &evaluation.errors {
            snapshot.push_str(&format!("error: {e}\n"));
        }
        for n in &evaluation.notes {
            snapshot.push_str(&format!("note: {n}\n"));
        }
        insta::assert_snapshot!(snapshot);
    });
}
