//! Each case in tests/reports/*.yaml is a command line (`args`) and the formats to render it
//! in; the binary's output in each format is snapshotted. Adding a case means adding a file.

use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    args: Vec<String>,
    formats: Vec<String>,
    /// The exit code the command must end with (default 0).
    #[serde(default)]
    exit: i32,
}

#[test]
fn report_cases() {
    insta::glob!("reports", "*.yaml", |path| {
        let case: Case = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for format in &case.formats {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_liangxin"))
                .args(&case.args)
                .args(["--format", format])
                // Piped output is not fitted to any width, whatever the shell says.
                .env_remove("COLUMNS")
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(case.exit),
                "{} --format {format}: {stderr}",
                case.args.join(" ")
            );
            let name = format!("{}.{format}", path.file_stem().unwrap().to_string_lossy());
            insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
        }
    });
}
