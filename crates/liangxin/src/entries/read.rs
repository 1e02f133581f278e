//! Entry ledgers read with the ledger reader itself (encodings, title rows, 合计 rows, hidden
//! workbook rows, Chinese or id headers): the entry schema is a dictionary like the subjects',
//! whose id column is the roster's and whose ids repeat.

use indexmap::IndexMap;

use crate::ledger::{Cell, Record};
use crate::schema::{FieldDef, FieldType, Schema};
use crate::value::Value;

/// The columns of an entry ledger, by field id (the headers are their Chinese labels).
pub(crate) mod column {
    /// The record's name (姓名), checked against the roster's when given.
    pub const NAME: &str = "name";
    /// The day of the entry (日期).
    pub const DATE: &str = "date";
    /// The item, by id or label (积分项目).
    pub const ITEM: &str = "item";
    /// Points per occurrence (分值).
    pub const POINTS: &str = "points";
    /// How many times (次数).
    pub const COUNT: &str = "count";
    /// The recorder's note (说明).
    pub const NOTE: &str = "note";
    /// Who recorded it (记录人).
    pub const RECORDED_BY: &str = "recorded_by";
}

/// The dictionary of an entry ledger for records of `roster`: the roster's id column (党员编号),
/// then 姓名, 日期, 积分项目, 分值, 次数, 说明, 记录人. Ids repeat: one row per entry.
pub fn entry_schema(roster: &Schema) -> Schema {
    let id = roster.fields.get(&roster.id_field);
    let field = |id: &str, label: &str, ty: FieldType, default: Option<Value>, what: &str| {
        let def = FieldDef {
            id: id.to_owned(),
            label: label.to_owned(),
            ty,
            description: what.to_owned(),
            default,
            min: None,
            max: None,
            percent: false,
            own: false,
            source: None,
            assumed: false,
        };
        (id.to_owned(), def)
    };
    let empty = || Some(Value::Str(String::new()));
    let mut fields: IndexMap<String, FieldDef> = IndexMap::new();
    let (id_field, id_label) = id.map_or(("id", "编号"), |f| (f.id.as_str(), f.label.as_str()));
    fields.extend([
        field(
            id_field,
            id_label,
            FieldType::String,
            None,
            "记录属于谁，与名册一致",
        ),
        field(
            column::NAME,
            roster.field("name").map_or("姓名", |f| f.label.as_str()),
            FieldType::String,
            empty(),
            "可不填；填写时须与名册一致",
        ),
        field(
            column::DATE,
            "日期",
            FieldType::Date,
            None,
            "发生日期，须在考评期内",
        ),
        field(
            column::ITEM,
            "积分项目",
            FieldType::String,
            None,
            "积分细则中的项目，填名称或代码",
        ),
        field(
            column::POINTS,
            "分值",
            FieldType::Decimal,
            None,
            "每次的分值：分值范围项目必填，固定分值项目可不填",
        ),
    ]);
    let mut count = field(
        column::COUNT,
        "次数",
        FieldType::Int,
        Some(Value::Int(1)),
        "次数，分值乘以次数",
    );
    // A count in the thousands is a typo for a date or points, not a year's occurrences.
    count.1.min = Some(1.0);
    count.1.max = Some(1000.0);
    fields.insert(count.0, count.1);
    fields.extend([
        field(column::NOTE, "说明", FieldType::String, empty(), "事由"),
        field(
            column::RECORDED_BY,
            "记录人",
            FieldType::String,
            empty(),
            "记录人",
        ),
    ]);
    Schema {
        subject: roster.subject,
        label: format!("{}积分记录", roster.label),
        id_field: id_field.to_owned(),
        fields,
        origin: "<entry ledger>".to_owned(),
        repeated_ids: true,
    }
}

/// One entry as read from a record of an entry ledger: cells that could not be read are
/// `Err` with why.
pub(crate) struct EntryCells<'r> {
    pub name: Option<&'r str>,
    pub date: Result<&'r str, String>,
    pub item: Result<&'r str, String>,
    pub points: Result<Option<f64>, String>,
    pub count: Result<i64, String>,
    pub note: &'r str,
}

impl<'r> EntryCells<'r> {
    pub(crate) fn of(record: &'r Record, schema: &Schema) -> Self {
        let cell = |id: &str| schema.index_of(id).and_then(|i| record.cells.get(i));
        let label = |id: &str| schema.field(id).map_or(id, |f| f.label.as_str()).to_owned();
        let text = |id: &str| -> Result<&'r str, String> {
            match cell(id) {
                Some(Cell::Value(Value::Str(s))) if !s.trim().is_empty() => Ok(s.as_str()),
                Some(Cell::Invalid(why)) => Err(format!("{}: {why}", label(id))),
                _ => Err(format!("{} is empty", label(id))),
            }
        };
        let optional = |id: &str| match cell(id) {
            Some(Cell::Value(Value::Str(s))) if !s.trim().is_empty() => Some(s.as_str()),
            _ => None,
        };
        let points = match cell(column::POINTS) {
            Some(Cell::Value(v)) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| format!("{} is not a number", label(column::POINTS))),
            Some(Cell::Invalid(why)) => Err(format!("{}: {why}", label(column::POINTS))),
            _ => Ok(None),
        };
        let count = match cell(column::COUNT) {
            Some(Cell::Value(Value::Int(n))) => Ok(*n),
            Some(Cell::Invalid(why)) => Err(format!("{}: {why}", label(column::COUNT))),
            _ => Ok(1),
        };
        EntryCells {
            name: optional(column::NAME),
            date: text(column::DATE),
            item: text(column::ITEM),
            points,
            count,
            note: optional(column::NOTE).unwrap_or(""),
        }
    }
}
