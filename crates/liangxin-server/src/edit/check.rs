//! An edit applied and checked: the form's values written in place, the pack prepared with
//! the edited text, and each problem placed at its field.

use std::path::Path as FsPath;

use axum::http::StatusCode;
use liangxin::yaml_edit::{NewValue, YamlDocument};

use super::fields::{Field, Kind, fields};
use crate::errors::Failure;
use crate::library::Confined;

/// A problem with one field's new value, or with the pack as edited.
#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Problem {
    /// The field's path, when the problem is at a field.
    pub(super) field: Option<String>,
    pub(super) severity: &'static str,
    pub(super) message: String,
}

/// The edited text: the form's values applied in place to `text` (or, from the YAML view, the
/// text as given); problems with values that cannot be written.
pub(super) fn apply(
    text: &str,
    form: &[(String, String)],
) -> Result<(String, Vec<Problem>), Failure> {
    if let Some((_, yaml)) = form.iter().find(|(k, _)| k == "_yaml") {
        return Ok((yaml.replace("\r\n", "\n"), Vec::new()));
    }
    let mut doc = YamlDocument::parse(text).map_err(|e| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "yaml",
            format!("标准文件无法读取 / {e}"),
        )
    })?;
    let editable: Vec<Field> = fields(&doc).into_iter().flat_map(|g| g.fields).collect();
    let mut problems = Vec::new();
    for (name, given) in form {
        let Some(field) = editable.iter().find(|f| f.path.to_string() == *name) else {
            continue;
        };
        let given = given.trim();
        let value = match field.kind {
            Kind::Number => match read_number(given) {
                Some(n) if field.value.parse::<f64>().ok() == Some(n) => continue,
                Some(n) => NewValue::Number(n),
                None => {
                    problems.push(Problem {
                        field: Some(name.clone()),
                        severity: "error",
                        message: format!("「{given}」不是数字 / not a number"),
                    });
                    continue;
                }
            },
            Kind::Bool => {
                // Only a yes or a no: anything else is refused, never read as 否.
                let b = match given {
                    "true" | "是" => true,
                    "false" | "否" => false,
                    _ => {
                        problems.push(Problem {
                            field: Some(name.clone()),
                            severity: "error",
                            message: format!("「{given}」应为 是 或 否 / not yes or no"),
                        });
                        continue;
                    }
                };
                if b.to_string() == field.value {
                    continue;
                }
                NewValue::Bool(b)
            }
            Kind::Date | Kind::Text if given == field.value => continue,
            Kind::Date if given.len() != 10 || given.parse::<jiff::civil::Date>().is_err() => {
                problems.push(Problem {
                    field: Some(name.clone()),
                    severity: "error",
                    message: format!("「{given}」不是日期（YYYY-MM-DD）/ not a date"),
                });
                continue;
            }
            Kind::Date | Kind::Text => NewValue::Text(given.to_string()),
        };
        if let Err(e) = doc.set_or_add(&field.path, &value) {
            problems.push(Problem {
                field: Some(name.clone()),
                severity: "error",
                message: e.to_string(),
            });
        }
    }
    Ok((doc.text().to_string(), problems))
}

/// A number as staff type it: digits with an optional sign and decimal point, full-width
/// digits and thousands separators in their places (`1,000`, `１０００`). Anything else (`1,5`,
/// `1e3`, more digits than a number holds exactly) is refused rather than read as something
/// the person did not mean.
pub(super) fn read_number(given: &str) -> Option<f64> {
    let text = liangxin::number::normalize(given).trim().replace('，', ",");
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(&text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let grouped = whole.contains(',');
    let groups: Vec<&str> = whole.split(',').collect();
    let whole_ok = if grouped {
        (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
    } else {
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit())
    };
    let fraction_ok = fraction.bytes().all(|b| b.is_ascii_digit());
    let digits = whole.bytes().filter(u8::is_ascii_digit).count() + fraction.len();
    if !whole_ok || !fraction_ok || digits > 15 {
        return None;
    }
    text.replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

/// The pack's loader with its `policy.yaml` replaced by the edited text; every other file
/// (scripts, test cases, packs it extends) read from the library, and nothing outside it.
fn overlay(dir: &FsPath, text: String) -> Confined {
    Confined::new(
        dir.parent().unwrap_or(dir),
        Some((dir.join("policy.yaml"), text)),
    )
}

/// The edited pack prepared as of `as_of`, and every problem: values that could not be
/// written, then the pack's diagnostics, each at its field when it points at a field's line.
pub(super) fn check_text(
    dir: &FsPath,
    text: String,
    problems: Vec<Problem>,
    as_of: &str,
) -> (Option<liangxin::Prepared>, Vec<Problem>, Confined) {
    let loader = overlay(dir, text);
    let lines: Vec<(u32, String)> = YamlDocument::parse(loader.overlay_text().unwrap_or_default())
        .map(|doc| {
            fields(&doc)
                .into_iter()
                .flat_map(|g| g.fields)
                .map(|f| (f.line, f.path.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut problems = problems;
    let at_field = |d: &liangxin::Diagnostic| -> Option<String> {
        if !d.location.file.ends_with("policy.yaml") {
            return None;
        }
        lines
            .iter()
            .find(|(line, _)| *line == d.location.line)
            .map(|(_, path)| path.clone())
    };
    let prepared = match liangxin::prepare_at(&loader, dir, Some(as_of)) {
        Ok(p) => {
            for d in &p.warnings {
                problems.push(Problem {
                    field: at_field(d),
                    severity: "warning",
                    message: diagnostic_text(d),
                });
            }
            Some(p)
        }
        Err(liangxin::LoadError::Invalid(diagnostics)) => {
            for d in &diagnostics {
                problems.push(Problem {
                    field: at_field(d),
                    severity: match d.severity {
                        liangxin::Severity::Error => "error",
                        liangxin::Severity::Warning => "warning",
                    },
                    message: diagnostic_text(d),
                });
            }
            None
        }
        Err(e) => {
            problems.push(Problem {
                field: None,
                severity: "error",
                message: e.to_string(),
            });
            None
        }
    };
    if !problems.iter().all(|p| p.severity != "error") {
        return (None, problems, loader);
    }
    (prepared, problems, loader)
}

pub(super) fn diagnostic_text(d: &liangxin::Diagnostic) -> String {
    let place = match d.location.file.rsplit_once('/') {
        Some((_, file)) if d.location.line > 0 => {
            format!("{file}:{}:{}", d.location.line, d.location.column)
        }
        _ => d.location.to_string(),
    };
    match &d.help {
        Some(help) => format!("{place} {}（{help}）", d.message),
        None => format!("{place} {}", d.message),
    }
}
