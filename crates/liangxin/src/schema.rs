//! The record schema: one field dictionary per subject (member, organization, dossier).
//!
//! Every pack of a subject reads its fields from the same dictionary, which is what makes two
//! districts' standards comparable on one ledger. The dictionaries live in `schema/*.yaml`;
//! copies are built into the binary so it works outside the repository, and a `schema/`
//! folder found above a pack overrides them (see [`crate::load`]).

use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Location};
use crate::value::Value;

/// What a policy assesses: one row of the ledger is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// A party member (党员): one ledger row per member.
    Member,
    /// A party organization (党组织): one ledger row per organization.
    Organization,
    /// A member-development dossier (发展党员档案): one applicant's dated steps.
    Dossier,
}

impl Subject {
    /// Every subject.
    pub const ALL: [Subject; 3] = [Subject::Member, Subject::Organization, Subject::Dossier];

    /// The subject's name as packs and schemas write it: `member`, `organization`, `dossier`.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Member => "member",
            Subject::Organization => "organization",
            Subject::Dossier => "dossier",
        }
    }

    /// The dictionary shipped with the binary.
    pub(crate) fn builtin_schema_text(self) -> &'static str {
        match self {
            Subject::Member => include_str!("../../../schema/member.yaml"),
            Subject::Organization => include_str!("../../../schema/organization.yaml"),
            Subject::Dossier => include_str!("../../../schema/dossier.yaml"),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The type of a field, which decides how a ledger cell is read.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    /// A whole number; a cell may hold float noise within one part in 10^9 of one.
    Int,
    /// A number.
    Decimal,
    /// Yes or no; cells may say `是`/`否`, `true`/`false`, `√`, `1`/`0` and the like.
    Bool,
    /// Any text.
    String,
    /// `YYYY-MM-DD`; ledgers may also write `YYYY/MM/DD` or `YYYY年M月D日`.
    Date,
    /// Allowed value ids with their Chinese labels; a cell may hold either.
    Enum(IndexMap<String, String>),
}

impl FieldType {
    /// The type names a field may have.
    pub(crate) const NAMES: [&'static str; 6] =
        ["int", "decimal", "bool", "string", "date", "enum"];

    /// The type called `name` (`enum` with its `values`), or why there is none.
    pub(crate) fn from_name(
        name: &str,
        values: Option<IndexMap<String, String>>,
    ) -> Result<FieldType, String> {
        Ok(match (name, values) {
            ("int", _) => FieldType::Int,
            ("decimal", _) => FieldType::Decimal,
            ("bool", _) => FieldType::Bool,
            ("string", _) => FieldType::String,
            ("date", _) => FieldType::Date,
            ("enum", Some(values)) if !values.is_empty() => FieldType::Enum(values),
            ("enum", _) => return Err("an enum field lists its `values`".into()),
            (other, _) => {
                return Err(format!(
                    "unknown type `{other}` (expected int, decimal, bool, string, date or enum)"
                ));
            }
        })
    }

    /// The type's name as schemas write it: `int`, `decimal`, `bool`, `string`, `date`, `enum`.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Decimal => "decimal",
            FieldType::Bool => "bool",
            FieldType::String => "string",
            FieldType::Date => "date",
            FieldType::Enum(_) => "enum",
        }
    }
}

/// One field of the dictionary.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// The field's id (snake_case), which expressions and JSON ledgers use.
    pub id: String,
    /// The column's Chinese header, e.g. 组织生活; a ledger's header may be the id or the label.
    pub label: String,
    /// How a cell of the field is read.
    pub ty: FieldType,
    /// What the field holds, in words.
    pub description: String,
    /// Used when the ledger leaves the field empty; a field without one is required.
    pub default: Option<Value>,
    /// The least value a number cell may hold; a cell below it is invalid (that record's error).
    pub min: Option<f64>,
    /// The greatest value a number cell may hold; a cell above it is invalid (that record's error).
    pub max: Option<f64>,
    /// A rate in percent (满意度 92.9): a cell may say `92.9`, `92.9%` or, in a column of
    /// fractions, `0.929` (see [`crate::ledger`]).
    pub percent: bool,
    /// Declared by the pack (`fields:` written out in full) for a column the shared schema
    /// lacks, rather than taken from `schema/<subject>.yaml`.
    pub own: bool,
    /// Where a pack's own field comes from (the article's words).
    pub source: Option<String>,
    /// The article does not name a pack's own field; the pack's authors chose it.
    pub assumed: bool,
}

impl FieldDef {
    /// Reads one ledger cell. An empty cell gives `Ok(None)`.
    ///
    /// # Errors
    ///
    /// Why the cell cannot be read as the field's type or is out of its bounds, in words.
    pub fn parse_cell(&self, cell: &str) -> Result<Option<Value>, String> {
        let text = cell.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let value = match &self.ty {
            FieldType::Int => {
                let number = crate::number::normalize(text);
                Value::Int(parse_int(&number).ok_or_else(|| {
                    let digits = number.strip_prefix(['-', '+']).unwrap_or(&number);
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                        format!(
                            "`{}` is too large to be counted exactly (at most 9,007,199,254,740,992)",
                            quote(text)
                        )
                    } else {
                        format!("`{}` is not a whole number", quote(text))
                    }
                })?)
            }
            FieldType::Decimal => {
                let number = crate::number::normalize(text);
                let number = number.strip_suffix('%').unwrap_or(&number).trim();
                // Binary noise from Excel (29.999999999999996 for 30) is tidied away, so a
                // bound such as the maximum 100 sees the number Excel shows.
                Value::Decimal(crate::number::tidy(
                    number
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(|| format!("`{}` is not a number", quote(text)))?,
                ))
            }
            FieldType::Bool => Value::Bool(parse_bool(text).ok_or_else(|| {
                format!(
                    "`{}` is not a yes/no value (use 是/否, true/false or 1/0)",
                    quote(text)
                )
            })?),
            FieldType::String => Value::Str(text.to_owned()),
            FieldType::Date => Value::Str(
                parse_date(text)
                    .ok_or_else(|| format!("`{}` is not a date (use YYYY-MM-DD)", quote(text)))?,
            ),
            FieldType::Enum(values) => {
                let id = values
                    .iter()
                    .find(|(id, label)| id.as_str() == text || label.as_str() == text)
                    .map(|(id, _)| id.clone());
                Value::Str(id.ok_or_else(|| {
                    let allowed: Vec<String> = values
                        .iter()
                        .map(|(id, label)| format!("{id} ({label})"))
                        .collect();
                    format!("`{}` is not one of {}", quote(text), allowed.join(", "))
                })?)
            }
        };
        self.check_range(&value)?;
        Ok(Some(value))
    }

    /// Reads one JSON or YAML value. `null` gives `Ok(None)`.
    ///
    /// # Errors
    ///
    /// Why the value cannot be read as the field's type or is out of its bounds, in words.
    pub fn parse_json(&self, value: &serde_json::Value) -> Result<Option<Value>, String> {
        use serde_json::Value as J;
        let typed = match (value, &self.ty) {
            (J::Null, _) => return Ok(None),
            (J::String(s), _) => return self.parse_cell(s),
            (J::Bool(b), FieldType::Bool) => Value::Bool(*b),
            (J::Number(n), FieldType::Int) => Value::Int(
                n.as_i64()
                    .or_else(|| n.as_f64().and_then(crate::number::nearly_whole))
                    .ok_or_else(|| format!("`{n}` is not a whole number"))
                    .and_then(|i| {
                        (i.unsigned_abs() <= MAX_EXACT_INT.unsigned_abs())
                            .then_some(i)
                            .ok_or_else(|| {
                                format!("`{n}` is too large to be counted exactly (at most 9,007,199,254,740,992)")
                            })
                    })?,
            ),
            (J::Number(n), FieldType::Decimal) => Value::Decimal(crate::number::tidy(
                n.as_f64().ok_or_else(|| format!("`{n}` is not a number"))?,
            )),
            (J::Number(n), FieldType::Bool) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
                Value::Bool(n.as_i64() == Some(1))
            }
            (J::Number(n), FieldType::String) => Value::Str(n.to_string()),
            (other, ty) => return Err(format!("`{other}` is not a {}", ty.name())),
        };
        self.check_range(&typed)?;
        Ok(Some(typed))
    }

    fn check_range(&self, value: &Value) -> Result<(), String> {
        if let Some(n) = value.as_f64() {
            if let Some(min) = self.min.filter(|min| n < *min) {
                return Err(format!("{n} is below the minimum {min}"));
            }
            if let Some(max) = self.max.filter(|max| n > *max) {
                return Err(format!("{n} is above the maximum {max}"));
            }
        }
        Ok(())
    }
}

/// A cell's text for an error message: at most 30 characters.
fn quote(text: &str) -> String {
    match text.char_indices().nth(30) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The largest whole number a cell may hold: scores are summed as binary floating point, which
/// counts every whole number up to 2^53 exactly and silently rounds beyond it.
const MAX_EXACT_INT: i64 = 1 << 53;

fn parse_int(text: &str) -> Option<i64> {
    text.parse::<i64>()
        .ok()
        .or_else(|| {
            // Excel writes whole numbers as `12.0` in some exports, and a sum it shows as -30
            // may be stored as -30.000000000000004: read within `number::WHOLE_TOLERANCE`.
            text.parse::<f64>()
                .ok()
                .and_then(crate::number::nearly_whole)
        })
        .filter(|n| n.unsigned_abs() <= MAX_EXACT_INT.unsigned_abs())
}

fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 7] = ["true", "1", "是", "yes", "y", "有", "√"];
    const FALSE: [&str; 7] = ["false", "0", "否", "no", "n", "无", "×"];
    // Compared without allocating: this runs for every yes/no cell of a ledger.
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// A date as `YYYY-MM-DD`, from that form or `YYYY/MM/DD` or `YYYY年M月D日`.
pub fn parse_date(text: &str) -> Option<String> {
    // Excel's date-and-time form (`2024-07-01 00:00:00`): the date is what counts.
    let text = match text.split_once([' ', 'T']) {
        Some((date, time)) if time.trim().chars().all(|c| c.is_ascii_digit() || c == ':') => date,
        _ => text,
    };
    // Eight digits in a row (`20240701`), as some systems export dates.
    let compact;
    let text = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        compact = format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]);
        compact.as_str()
    } else {
        text
    };
    let normalized: String = text
        .replace(['年', '月', '/', '.'], "-")
        .trim_end_matches('日')
        .to_owned();
    let mut parts = normalized.split('-').map(|p| p.trim().parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || !(1900..=2200).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    (1..=crate::calendar::days_in_month(y as i32, m))
        .contains(&d)
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// A field dictionary for one subject.
#[derive(Debug, Clone)]
pub struct Schema {
    /// What a record of this dictionary is.
    pub subject: Subject,
    /// The subject's Chinese name, e.g. 党员.
    pub label: String,
    /// The field that identifies a record (党员编号, 组织编号).
    pub id_field: String,
    /// Every field by id, in the dictionary's order: a record's cells follow this order (see
    /// [`Schema::index_of`]).
    pub fields: IndexMap<String, FieldDef>,
    /// Where the dictionary was read from, for messages.
    pub origin: String,
    /// Many rows may share an id: an entry ledger (one row per entry, many per member). Off,
    /// an id on two rows is an error and neither row is read.
    pub repeated_ids: bool,
}

impl Schema {
    /// The dictionary built into the binary.
    pub fn builtin(subject: Subject) -> Schema {
        match Schema::parse(
            subject.builtin_schema_text(),
            &format!("<built-in schema/{subject}.yaml>"),
        ) {
            Ok(schema) => schema,
            // The built-in dictionaries are tested; reaching this is a build defect.
            Err(diagnostics) => unreachable!("built-in schema is invalid: {diagnostics:?}"),
        }
    }

    /// Parses a dictionary from its YAML text.
    ///
    /// # Errors
    ///
    /// Every problem found: YAML errors, unknown field types, an enum without `values`, a default
    /// that does not fit its field, an `id_field` that is no field.
    pub fn parse(text: &str, origin: &str) -> Result<Schema, Vec<Diagnostic>> {
        let raw: RawSchema = serde_saphyr::from_str(text)
            .map_err(|e| vec![crate::load::yaml_error(&e, origin, text)])?;
        let mut diagnostics = Vec::new();
        let mut fields = IndexMap::new();
        for (id, f) in raw.fields {
            let ty = match (f.r#type.as_str(), f.values) {
                ("int", _) => FieldType::Int,
                ("decimal", _) => FieldType::Decimal,
                ("bool", _) => FieldType::Bool,
                ("string", _) => FieldType::String,
                ("date", _) => FieldType::Date,
                ("enum", Some(values)) if !values.is_empty() => FieldType::Enum(values),
                ("enum", _) => {
                    diagnostics.push(Diagnostic::error(
                        "schema",
                        format!("enum field `{id}` lists no `values`"),
                        Location::file_only(origin),
                    ));
                    continue;
                }
                (other, _) => {
                    diagnostics.push(Diagnostic::error(
                        "schema",
                        format!("field `{id}` has unknown type `{other}` (expected int, decimal, bool, string, date or enum)"),
                        Location::file_only(origin),
                    ));
                    continue;
                }
            };
            let mut def = FieldDef {
                id: id.clone(),
                label: f.label,
                ty,
                description: f.description,
                default: None,
                min: f.min,
                max: f.max,
                percent: f.percent,
                own: false,
                source: None,
                assumed: false,
            };
            if def.percent && !matches!(def.ty, FieldType::Decimal | FieldType::Int) {
                diagnostics.push(Diagnostic::error(
                    "schema",
                    format!(
                        "field `{id}` is a {} but `percent: true` is for numbers",
                        def.ty.name()
                    ),
                    Location::file_only(origin),
                ));
            }
            if let Some(default) = f.default {
                match def.parse_json(&default) {
                    Ok(value) => {
                        def.default = value.or_else(|| {
                            // `default: ""`: not filled in (a dossier step not yet taken, no grid).
                            matches!(
                                def.ty,
                                FieldType::String | FieldType::Date | FieldType::Enum(_)
                            )
                            .then(|| Value::Str(String::new()))
                        })
                    }
                    Err(e) => diagnostics.push(Diagnostic::error(
                        "schema",
                        format!("default of field `{id}`: {e}"),
                        Location::file_only(origin),
                    )),
                }
            }
            fields.insert(id, def);
        }
        if !fields.contains_key(&raw.id_field) {
            diagnostics.push(Diagnostic::error(
                "schema",
                format!("id_field `{}` is not a field", raw.id_field),
                Location::file_only(origin),
            ));
        }
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        Ok(Schema {
            subject: raw.subject,
            label: raw.label,
            id_field: raw.id_field,
            fields,
            origin: origin.to_owned(),
            repeated_ids: false,
        })
    }

    /// The field with id `id` (labels are not looked up).
    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.fields.get(id)
    }

    /// The position of field `id` in [`Schema::fields`], which is also its cell's index in a
    /// [`crate::Record`]'s cells.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.fields.get_index_of(id)
    }

    /// The field `name` most likely means, for a did-you-mean: the field whose label it is
    /// (a Chinese label typed where an id goes), else the closest by id or by label. Among close
    /// fields, those `preferred` (of the type the place needs, declared by the pack) win.
    pub(crate) fn closest(
        &self,
        name: &str,
        preferred: impl Fn(&FieldDef) -> bool,
    ) -> Option<&FieldDef> {
        let name = name.trim();
        if let Some(exact) = self
            .fields
            .values()
            .find(|f| f.label == name || f.id.eq_ignore_ascii_case(name))
        {
            return Some(exact);
        }
        let score = |f: &FieldDef| {
            strsim::jaro_winkler(name, &f.id).max(strsim::jaro_winkler(name, &f.label))
        };
        let close = || {
            self.fields
                .values()
                .map(|f| (score(f), f))
                .filter(|(s, _)| *s > 0.8)
        };
        close()
            .filter(|(_, f)| preferred(f))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .or_else(|| close().max_by(|a, b| a.0.total_cmp(&b.0)))
            .map(|(_, f)| f)
    }

    /// The field a ledger header names, by id or by Chinese label.
    pub(crate) fn field_for_header(&self, header: &str) -> Option<usize> {
        let header = header.trim();
        self.fields
            .values()
            .position(|f| f.id == header || f.label == header)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    subject: Subject,
    label: String,
    id_field: String,
    fields: IndexMap<String, RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    label: String,
    r#type: String,
    #[serde(default)]
    values: Option<IndexMap<String, String>>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    default: Option<serde_json::Value>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    percent: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schemas_parse() {
        for subject in Subject::ALL {
            let schema = Schema::builtin(subject);
            assert_eq!(schema.subject, subject);
            assert!(schema.fields.contains_key(&schema.id_field));
        }
    }

    #[test]
    fn headers_match_id_or_label() {
        let schema = Schema::builtin(Subject::Member);
        assert_eq!(
            schema.field_for_header("org_life"),
            schema.field_for_header("组织生活")
        );
        assert!(schema.field_for_header("组织生活").is_some());
        assert_eq!(schema.field_for_header("备注"), None);
    }

    #[test]
    fn the_closest_field_by_id_or_label_preferring_the_wanted_kind() {
        let schema = Schema::builtin(Subject::Member);
        let id = |f: Option<&FieldDef>| f.map(|f| f.id.clone());
        assert_eq!(
            id(schema.closest("组织生活", |_| true)).as_deref(),
            Some("org_life")
        );
        assert_eq!(
            id(schema.closest("组织生话", |_| true)).as_deref(),
            Some("org_life")
        );
        assert_eq!(
            id(schema.closest("org_lif", |_| true)).as_deref(),
            Some("org_life")
        );
        assert_eq!(schema.closest("完全无关", |_| true).map(|f| &f.id), None);
        // Among close names, the kind the place needs wins over the closest by spelling.
        let org = Schema::builtin(Subject::Organization);
        let any = id(org.closest("has_secretari", |_| true));
        assert_eq!(any.as_deref(), Some("has_secretary"));
        let numbers = |f: &FieldDef| matches!(f.ty, FieldType::Int | FieldType::Decimal);
        let wanted = org.closest("member_cont", numbers).map(|f| f.ty.name());
        assert!(matches!(wanted, Some("int" | "decimal")), "{wanted:?}");
    }

    #[test]
    fn bool_cells_accept_chinese_and_digits() {
        let schema = Schema::builtin(Subject::Member);
        let veto = schema.field("veto").unwrap();
        for (cell, expected) in [
            ("是", true),
            ("否", false),
            ("1", true),
            ("0", false),
            ("TRUE", true),
            ("false", false),
        ] {
            assert_eq!(
                veto.parse_cell(cell),
                Ok(Some(Value::Bool(expected))),
                "{cell}"
            );
        }
        assert!(veto.parse_cell("maybe").is_err());
        assert_eq!(veto.parse_cell("  "), Ok(None));
    }

    #[test]
    fn ints_enums_dates_and_ranges() {
        let org = Schema::builtin(Subject::Organization);
        let members = org.field("member_count").unwrap();
        assert_eq!(members.parse_cell("12.0"), Ok(Some(Value::Int(12))));
        assert!(
            members
                .parse_cell("-1")
                .unwrap_err()
                .contains("below the minimum")
        );
        assert!(members.parse_cell("twelve").is_err());
        let kind = org.field("org_type").unwrap();
        assert_eq!(
            kind.parse_cell("社会组织"),
            Ok(Some(Value::Str("social".into())))
        );
        assert_eq!(
            kind.parse_cell("enterprise"),
            Ok(Some(Value::Str("enterprise".into())))
        );
        assert!(kind.parse_cell("国企").is_err());
        assert_eq!(parse_date("2024年3月5日").as_deref(), Some("2024-03-05"));
        assert_eq!(parse_date("2024/02/29").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("2023-02-29"), None);
    }

    #[test]
    fn dates_in_the_forms_staff_and_exports_write() {
        for text in [
            "2024-07-01",
            "2024/7/1",
            "2024年7月1日",
            "2024.7.1",
            "2024-07-01 00:00:00",
            "20240701",
        ] {
            assert_eq!(parse_date(text).as_deref(), Some("2024-07-01"), "{text}");
        }
        assert_eq!(parse_date("20241301"), None);
        assert_eq!(parse_date("2024-07-01 上午"), None);
    }

    #[test]
    fn whole_numbers_beyond_exact_counting_are_refused() {
        assert_eq!(parse_int("9007199254740992"), Some(1 << 53));
        assert_eq!(parse_int("9007199254740993"), None);
        assert_eq!(parse_int("9223372036854775807"), None);
        assert_eq!(parse_int("-12.0"), Some(-12));
        let field = |ty| FieldDef {
            id: "n".into(),
            label: "数".into(),
            ty,
            description: String::new(),
            default: None,
            min: None,
            max: None,
            percent: false,
            own: false,
            source: None,
            assumed: false,
        };
        let int = field(FieldType::Int);
        assert_eq!(int.parse_cell("-"), Err("`-` is not a whole number".into()));
        assert!(
            int.parse_cell("99999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
    }
}
