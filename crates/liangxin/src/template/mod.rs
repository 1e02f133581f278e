//! Empty ledgers (台账模板) with exactly the columns a pack reads, so staff know what to fill in.
//!
//! The columns are the record's id, its name and every field the pack's rules and group rules
//! read, in the schema's order, headed by their Chinese labels (which is what the ledger reader
//! matches). As a workbook, each column also checks what is typed into it (Excel's data
//! validation): a list for yes/no and enum fields, whole numbers or decimals within the
//! schema's bounds, dates; and a 填写说明 sheet explains every column.

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook,
    XlsxError,
};
use unicode_width::UnicodeWidthStr;

mod entries;

use entries::roster_fields;
pub use entries::{entries_csv, entries_xlsx};

use crate::CompiledPolicy;
use crate::schema::{FieldDef, FieldType};
use crate::value::Value;

/// Rows below the header that check what is typed in (a district's ledger rarely has more).
const CHECKED_ROWS: u32 = 5_000;

/// The schema fields of the template, in order.
pub(crate) fn fields(compiled: &CompiledPolicy) -> Vec<&FieldDef> {
    let read = compiled.fields_read();
    compiled
        .policy
        .schema
        .fields
        .values()
        .zip(read)
        .filter(|(_, read)| *read)
        .map(|(field, _)| field)
        .collect()
}

/// The template as CSV: the header row of Chinese labels, with a byte-order mark so Excel shows
/// the Chinese.
pub fn csv(compiled: &CompiledPolicy) -> String {
    header_csv(&fields(compiled))
}

/// The roster a pack with an item catalog reads beside an entry ledger, as CSV: the template's
/// columns without those the entries fill, with 所在组织. `None` without a catalog.
pub fn roster_csv(compiled: &CompiledPolicy) -> Option<String> {
    let catalog = compiled.policy.catalog.as_ref()?;
    Some(header_csv(&roster_fields(compiled, catalog)))
}

/// The roster (see [`roster_csv`]) as a workbook, like [`xlsx`]. `None` without a catalog.
///
/// # Errors
///
/// When the workbook cannot be written.
pub fn roster_xlsx(compiled: &CompiledPolicy) -> Result<Option<Vec<u8>>, XlsxError> {
    let Some(catalog) = compiled.policy.catalog.as_ref() else {
        return Ok(None);
    };
    workbook(compiled, &roster_fields(compiled, catalog), "名册").map(Some)
}

fn header_csv(fields: &[&FieldDef]) -> String {
    let labels: Vec<String> = fields.iter().map(|f| quote_csv(&f.label)).collect();
    format!("\u{feff}{}\r\n", labels.join(","))
}

fn quote_csv(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The template as an .xlsx workbook: a title row, the header, checked cells, and a sheet that
/// explains each column.
///
/// # Errors
///
/// When the workbook cannot be written.
pub fn xlsx(compiled: &CompiledPolicy) -> Result<Vec<u8>, XlsxError> {
    workbook(compiled, &fields(compiled), "台账")
}

/// A workbook whose first sheet, `name`, has a column per field, checked.
fn workbook(
    compiled: &CompiledPolicy,
    fields: &[&FieldDef],
    name: &str,
) -> Result<Vec<u8>, XlsxError> {
    let policy = &compiled.policy;
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color("DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("yyyy-mm-dd");

    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    sheet.write_string_with_format(0, 0, format!("{} {name}", policy.meta.name), &title)?;
    let last_column = fields.len().saturating_sub(1) as u16;
    if last_column > 0 {
        sheet.merge_range(
            0,
            0,
            0,
            last_column,
            &format!("{} {name}", policy.meta.name),
            &title,
        )?;
    }
    for (i, field) in fields.iter().enumerate() {
        let column = i as u16;
        sheet.write_string_with_format(1, column, &field.label, &header)?;
        let width = field.label.width().max(10) as f64 + 2.0;
        sheet.set_column_width(column, width)?;
        if field.ty == FieldType::Date {
            sheet.set_column_format(column, &date)?;
        }
        if let Some(check) = validation(field)? {
            sheet.add_data_validation(2, column, CHECKED_ROWS, column, &check)?;
        }
    }
    sheet.set_freeze_panes(2, 0)?;

    let notes = book.add_worksheet();
    notes.set_name("填写说明")?;
    for (column, (heading, width)) in NOTES_COLUMNS.into_iter().enumerate() {
        notes.write_string_with_format(0, column as u16, heading, &header)?;
        notes.set_column_width(column as u16, width)?;
    }
    for (i, field) in fields.iter().enumerate() {
        for (column, text) in notes_row(field).iter().enumerate() {
            notes.write_string(i as u32 + 1, column as u16, text)?;
        }
    }
    notes.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// The headings of the 填写说明 sheet, with their widths: staff read Chinese.
const NOTES_COLUMNS: [(&str, f64); 6] = [
    ("列名", 16.0),
    ("字段代码", 18.0),
    ("类型", 10.0),
    ("可填写", 30.0),
    ("留空时", 16.0),
    ("说明", 60.0),
];

/// A column's row on the 填写说明 sheet: its label, its field id (what `--group-by` and
/// error messages name), its type, what it accepts, what an empty cell means, its description;
/// all in Chinese (yes and no as 是/否, a choice by its label).
pub(crate) fn notes_row(field: &FieldDef) -> [String; 6] {
    let empty = match (&field.default, &field.ty) {
        (None, _) => "必填".to_owned(),
        (Some(Value::Bool(b)), _) => format!("按“{}”计", if *b { "是" } else { "否" }),
        (Some(Value::Str(s)), _) if s.is_empty() => "视为未填".to_owned(),
        (Some(Value::Str(s)), FieldType::Enum(values)) => {
            format!("按“{}”计", values.get(s).unwrap_or(s))
        }
        (Some(value), _) => format!("按 {value} 计"),
    };
    [
        field.label.clone(),
        field.id.clone(),
        type_name(&field.ty).to_owned(),
        allowed(field),
        empty,
        field.description.clone(),
    ]
}

/// A field type as staff call it.
fn type_name(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Int => "整数",
        FieldType::Decimal => "数字",
        FieldType::Bool => "是/否",
        FieldType::String => "文字",
        FieldType::Date => "日期",
        FieldType::Enum(_) => "选项",
    }
}

/// What a column accepts, in words.
fn allowed(field: &FieldDef) -> String {
    let range = match (field.min, field.max) {
        (Some(lo), Some(hi)) => format!(" {}–{}", lo, hi),
        (Some(lo), None) => format!(" ≥ {lo}"),
        (None, Some(hi)) => format!(" ≤ {hi}"),
        (None, None) => String::new(),
    };
    match &field.ty {
        FieldType::Int => format!("整数{range}"),
        FieldType::Decimal => format!("数字{range}"),
        FieldType::Bool => "是 / 否".to_owned(),
        FieldType::Date => "日期，如 2024-07-01".to_owned(),
        FieldType::String => "文字".to_owned(),
        FieldType::Enum(values) => values.values().cloned().collect::<Vec<_>>().join(" / "),
    }
}

/// The check Excel applies to a column's cells, with the column's description as the prompt.
fn validation(field: &FieldDef) -> Result<Option<DataValidation>, XlsxError> {
    let lo = field.min.unwrap_or(-1e9);
    let hi = field.max.unwrap_or(1e9);
    let check = match &field.ty {
        FieldType::Bool => DataValidation::new().allow_list_strings(&["是", "否"])?,
        FieldType::Enum(values) => {
            let labels: Vec<&str> = values.values().map(String::as_str).collect();
            // Excel keeps a list typed into the rule under 256 characters.
            if labels.iter().map(|l| l.len() + 1).sum::<usize>() > 250 {
                return Ok(None);
            }
            DataValidation::new().allow_list_strings(&labels)?
        }
        FieldType::Int => DataValidation::new()
            .allow_whole_number(DataValidationRule::Between(lo as i32, hi.min(2e9) as i32)),
        FieldType::Decimal => {
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(lo, hi))
        }
        FieldType::Date => {
            let first = ExcelDateTime::from_ymd(1950, 1, 1)?;
            let last = ExcelDateTime::from_ymd(2100, 12, 31)?;
            DataValidation::new().allow_date(DataValidationRule::Between(first, last))
        }
        FieldType::String => return Ok(None),
    };
    let prompt: String = field.description.chars().take(250).collect();
    let title: String = field.label.chars().take(30).collect();
    Ok(Some(
        check
            .set_input_title(title)?
            .set_input_message(prompt)?
            .set_error_message(
                format!("{}: {}", field.label, allowed(field))
                    .chars()
                    .take(250)
                    .collect::<String>(),
            )?,
    ))
}
