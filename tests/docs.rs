//! The examples in docs/writing-policies.md are run, so the guide never rots: each
//! ```` ```yaml policy ```` block must load, the ```` ```yaml cases ```` block after it must pass,
//! and each ```` ```yaml policy-error ```` block must fail with exactly the diagnostics of the
//! ```` ```text error ```` block after it. `yaml policy as-of=YYYY-MM-DD` reads the policy (and
//! runs its cases) as of that date, as `--as-of` does.

use liangxin::{LoadError, MemoryLoader, prepare, prepare_at};

/// The fenced blocks of a Markdown text: (info string, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

#[test]
fn the_guide_examples_do_what_the_guide_says() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/writing-policies.md"),
    )
    .unwrap();
    let blocks = blocks(&text);
    let mut policy: Option<String> = None;
    let mut as_of: Option<String> = None;
    let mut failing: Option<String> = None;
    let (mut policies, mut cases, mut errors) = (0, 0, 0);
    for (info, body) in &blocks {
        let (info, day) = match info.split_once(" as-of=") {
            Some((info, day)) => (info, Some(day.to_owned())),
            None => (info.as_str(), None),
        };
        match info {
            "yaml policy" => {
                let loader = MemoryLoader::new().with("policy.yaml", body.clone());
                if let Err(e) = prepare_at(&loader, "policy.yaml".as_ref(), day.as_deref()) {
                    panic!("a guide example does not load: {e:?}\n{body}");
                }
                policy = Some(body.clone());
                as_of = day;
                policies += 1;
            }
            "yaml cases" => {
                let p = policy
                    .as_ref()
                    .expect("a cases block follows a policy block");
                let loader = MemoryLoader::new()
                    .with("policy.yaml", p.clone())
                    .with("tests/guide.yaml", body.clone());
                let prepared =
                    prepare_at(&loader, "policy.yaml".as_ref(), as_of.as_deref()).unwrap();
                let run = liangxin::testing::run_cases(&loader, &prepared.policy, "".as_ref());
                assert!(run.errors.is_empty(), "{:?}", run.errors);
                let failures: Vec<String> = run.failures.iter().map(|f| f.to_string()).collect();
                assert!(
                    failures.is_empty(),
                    "guide cases fail:\n{}",
                    failures.join("\n")
                );
                assert!(run.passed > 0);
                cases += run.passed;
            }
            "yaml policy-error" => failing = Some(body.clone()),
            "text error" => {
                let p = failing
                    .take()
                    .expect("an error block follows a policy-error block");
                let loader = MemoryLoader::new().with("policy.yaml", p);
                let Err(LoadError::Invalid(diagnostics)) = prepare(&loader, "policy.yaml".as_ref())
                else {
                    panic!("a guide example meant to fail loads");
                };
                let rendered: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
                assert_eq!(rendered.join("\n\n").trim_end(), body.trim_end());
                errors += 1;
            }
            _ => {}
        }
    }
    assert_eq!(
        (policies, errors),
        (10, 4),
        "the guide's examples were all found"
    );
    assert!(cases >= 10, "{cases}");
}

/// docs/reliability.md names a test for every input class: each named test function and
/// fixture exists, so the table cannot point at something renamed or removed.
#[test]
fn the_reliability_table_names_tests_that_exist() {
    let doc = std::fs::read_to_string("docs/reliability.md").unwrap();
    // Every Rust file under src/, crates/ and tests/, however deep a module sits.
    let mut sources = String::new();
    let mut dirs = vec![
        std::path::PathBuf::from("src"),
        "crates".into(),
        "tests".into(),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut named = 0;
    for quoted in doc.split('`').skip(1).step_by(2) {
        if let Some((_, function)) = quoted.rsplit_once("::")
            && quoted
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == ':')
        {
            assert!(
                sources.contains(&format!("fn {function}("))
                    || sources.contains(&format!("mod {function}")),
                "docs/reliability.md names `{quoted}`, which is not a test"
            );
            named += 1;
        }
        if quoted.starts_with("fixtures/") {
            assert!(
                std::path::Path::new(quoted).exists(),
                "docs/reliability.md names {quoted}, which does not exist"
            );
        }
    }
    assert!(named > 30, "{named} tests named");
}
