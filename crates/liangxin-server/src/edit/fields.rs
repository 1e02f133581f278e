//! The form's fields: every value of a `policy.yaml` a form may change, found by its path.

use liangxin::yaml_edit::{PathStep, ScalarStyle, YamlDocument, YamlPath};

/// What a form field holds, which decides its input and how its text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Number,
    Bool,
    Date,
    Text,
}

/// One editable value of the pack.
#[derive(Debug, Clone)]
pub(super) struct Field {
    pub(super) path: YamlPath,
    pub(super) label: String,
    pub(super) source: Option<String>,
    pub(super) assumed: bool,
    pub(super) kind: Kind,
    pub(super) value: String,
    pub(super) line: u32,
}

/// Fields under one heading.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) title: &'static str,
    pub(super) fields: Vec<Field>,
}

fn key(step: &PathStep) -> Option<&str> {
    match step {
        PathStep::Key(k) => Some(k),
        PathStep::Index(_) => None,
    }
}

/// A field's Chinese label from the built-in schema of the pack's subject (its id when the pack
/// declares it, or names no subject the core knows).
fn field_label(doc: &YamlDocument, field: &str) -> String {
    let subject = match text_at(doc, "subject").as_deref() {
        Some("member") => liangxin::Subject::Member,
        Some("organization") => liangxin::Subject::Organization,
        Some("dossier") => liangxin::Subject::Dossier,
        _ => return field.to_owned(),
    };
    liangxin::Schema::builtin(subject)
        .field(field)
        .map_or_else(|| field.to_owned(), |f| f.label.clone())
}

pub(super) fn text_at(doc: &YamlDocument, path: &str) -> Option<String> {
    let path: YamlPath = path.parse().ok()?;
    doc.get(&path).map(|s| s.value.clone())
}

/// What a bound, cap or amount key means, in Chinese.
fn key_zh(k: &str) -> &'static str {
    match k {
        "value" => "分值",
        "min" => "下限",
        "max" => "上限",
        "at_least" => "不低于（以上）",
        "above" => "高于",
        "at_most" => "不高于（以下）",
        "below" => "低于",
        "amount" => "金额（元）",
        "money" => "奖补金额（元）",
        "label" => "名称",
        "points" => "每次分值",
        "cap" => "本项封顶（每期）",
        "pass" => "是否合格",
        _ => "值",
    }
}

/// Every value of the pack a form may change, under headings: the pack's name and dates,
/// params, rules' points, caps and bounds, criteria's names, categories' caps, band bounds,
/// grades' labels, money and treatments, the budget and group rules' counts, and the item
/// catalog's worths and caps (积分细则). Values written
/// as a param's name, expressions and multi-line text are left to the YAML view.
pub(super) fn fields(doc: &YamlDocument) -> Vec<Group> {
    let mut groups: Vec<Group> = [
        "基本信息",
        "参数",
        "规则",
        "分类上限",
        "分数段",
        "等次",
        "预算与名额",
        "积分细则",
    ]
    .into_iter()
    .map(|title| Group {
        title,
        fields: Vec::new(),
    })
    .collect();
    for scalar in doc.scalars() {
        if matches!(scalar.style, ScalarStyle::MultiLine | ScalarStyle::Empty) {
            continue;
        }
        let p = &scalar.path.0;
        let keys: Vec<Option<&str>> = p.iter().map(key).collect();
        let plain_number =
            scalar.style == ScalarStyle::Plain && scalar.value.parse::<f64>().is_ok();
        let idx = |i: usize| match p.get(i) {
            Some(PathStep::Index(n)) => *n,
            _ => 0,
        };
        let meta = |prefix: &str| {
            (
                text_at(doc, &format!("{prefix}.source")),
                text_at(doc, &format!("{prefix}.assumed")).as_deref() == Some("true"),
            )
        };
        let (group, label, prefix) = match keys.as_slice() {
            [Some(k @ ("name" | "version" | "effective"))] => (
                0,
                match *k {
                    "name" => "标准名称".to_string(),
                    "version" => "版本".to_string(),
                    _ => "生效日期".to_string(),
                },
                String::new(),
            ),
            [Some("params"), Some(name), Some("value")] => (
                1,
                text_at(doc, &format!("params.{name}.label")).unwrap_or_else(|| name.to_string()),
                format!("params.{name}"),
            ),
            [
                Some("params"),
                Some(name),
                Some("values"),
                None,
                Some("value"),
            ] => {
                let at = format!("params.{name}.values[{}]", idx(3));
                (
                    1,
                    format!(
                        "{}（自 {} 起）",
                        text_at(doc, &format!("params.{name}.label"))
                            .unwrap_or_else(|| name.to_string()),
                        text_at(doc, &format!("{at}.from")).unwrap_or_default()
                    ),
                    at,
                )
            }
            [
                Some("rules"),
                None,
                Some(k @ ("value" | "min" | "max" | "at_least" | "amount")),
            ] if plain_number => {
                let at = format!("rules[{}]", idx(1));
                (
                    2,
                    format!(
                        "{} · {}",
                        text_at(doc, &format!("{at}.label")).unwrap_or_default(),
                        key_zh(k)
                    ),
                    at,
                )
            }
            [Some("rules"), None, Some("label")] => {
                let at = format!("rules[{}]", idx(1));
                (
                    2,
                    format!(
                        "规则名称（{}）",
                        text_at(doc, &format!("{at}.id")).unwrap_or_default()
                    ),
                    at,
                )
            }
            [Some("rules"), None, Some("criteria"), None, Some("label")] => {
                let at = format!("rules[{}].criteria[{}]", idx(1), idx(3));
                (
                    2,
                    format!(
                        "{} · 条目名称（{}）",
                        text_at(doc, &format!("rules[{}].label", idx(1))).unwrap_or_default(),
                        text_at(doc, &format!("{at}.id")).unwrap_or_default()
                    ),
                    at,
                )
            }
            [Some("rules"), None, Some("criteria"), None, Some("enabled")] => continue,
            [Some("rules"), None, Some("criteria"), None, Some("id")] => {
                // 启用: a criterion on or off. Most criteria do not write `enabled` (it is on by
                // default), so the field stands for the key whether written or not.
                let at = format!("rules[{}].criteria[{}]", idx(1), idx(3));
                let (source, assumed) = meta(&at);
                let path: YamlPath = match format!("{at}.enabled").parse() {
                    Ok(p) => p,
                    Err(_) => continue,
                };
                let value = doc
                    .get(&path)
                    .map_or("true".to_string(), |s| s.value.clone());
                groups[2].fields.push(Field {
                    path,
                    label: format!(
                        "{} · {} · 启用",
                        text_at(doc, &format!("rules[{}].label", idx(1))).unwrap_or_default(),
                        text_at(doc, &format!("{at}.label"))
                            .unwrap_or_else(|| scalar.value.clone())
                    ),
                    source,
                    assumed,
                    kind: Kind::Bool,
                    value,
                    line: scalar.line,
                });
                continue;
            }
            [Some("categories"), Some(c), Some(k @ ("min" | "max"))] if plain_number => (
                3,
                format!(
                    "{} · {}",
                    text_at(doc, &format!("categories.{c}.label")).unwrap_or_else(|| c.to_string()),
                    key_zh(k)
                ),
                format!("categories.{c}"),
            ),
            [
                Some("bands"),
                Some("grades"),
                None,
                Some(k @ ("at_least" | "above" | "at_most" | "below")),
            ] if plain_number => {
                let grade =
                    text_at(doc, &format!("bands.grades[{}].grade", idx(2))).unwrap_or_default();
                let shown = text_at(doc, &format!("grades.{grade}.label")).unwrap_or(grade);
                (4, format!("{shown} · {}", key_zh(k)), "bands".to_string())
            }
            [
                Some("grades"),
                Some(g),
                Some(k @ ("label" | "money" | "pass")),
            ] if *k != "money" || plain_number => (
                5,
                format!(
                    "{} · {}",
                    text_at(doc, &format!("grades.{g}.label")).unwrap_or_else(|| g.to_string()),
                    key_zh(k)
                ),
                format!("grades.{g}"),
            ),
            [Some("grades"), Some(g), Some("actions"), None] => (
                5,
                format!(
                    "{} · 处理措施 {}",
                    text_at(doc, &format!("grades.{g}.label")).unwrap_or_else(|| g.to_string()),
                    idx(3) + 1
                ),
                format!("grades.{g}"),
            ),
            [Some("budget"), Some("amount")] if plain_number => {
                (6, "预算总额（元）".to_string(), "budget".to_string())
            }
            [
                Some("group_rules"),
                None,
                Some(k @ ("at_least" | "at_most")),
            ] if plain_number => {
                let at = format!("group_rules[{}]", idx(1));
                (
                    6,
                    format!(
                        "{} · {}",
                        text_at(doc, &format!("{at}.label")).unwrap_or_default(),
                        key_zh(k)
                    ),
                    at,
                )
            }
            [
                Some("catalog"),
                Some("items"),
                None,
                Some(k @ ("points" | "min" | "max" | "cap")),
            ] if plain_number => {
                let at = format!("catalog.items[{}]", idx(2));
                (
                    7,
                    format!(
                        "{} · {}",
                        text_at(doc, &format!("{at}.label")).unwrap_or_default(),
                        key_zh(k)
                    ),
                    at,
                )
            }
            [Some("catalog"), Some("items"), None, Some("label")] => {
                let at = format!("catalog.items[{}]", idx(2));
                (
                    7,
                    format!(
                        "项目名称（{}）",
                        text_at(doc, &format!("{at}.id")).unwrap_or_default()
                    ),
                    at,
                )
            }
            [
                Some("catalog"),
                Some("totals"),
                Some(f),
                Some(k @ ("min" | "max")),
            ] if plain_number => (
                7,
                format!("{} · 每期合计{}", field_label(doc, f), key_zh(k)),
                format!("catalog.totals.{f}"),
            ),
            _ => continue,
        };
        let (source, assumed) = if prefix.is_empty() {
            (None, false)
        } else {
            meta(&prefix)
        };
        let kind = if plain_number {
            Kind::Number
        } else if scalar.style == ScalarStyle::Plain
            && matches!(scalar.value.as_str(), "true" | "false")
        {
            Kind::Bool
        } else if matches!(p.last(), Some(PathStep::Key(k)) if k == "effective" || k == "from") {
            // Dates by what the key is, never by what a value looks like: a label that reads
            // 2024-01-01 stays text.
            Kind::Date
        } else {
            Kind::Text
        };
        groups[group].fields.push(Field {
            path: scalar.path.clone(),
            label,
            source,
            assumed,
            kind,
            value: scalar.value.clone(),
            line: scalar.line,
        });
    }
    groups.retain(|g| !g.fields.is_empty());
    groups
}
