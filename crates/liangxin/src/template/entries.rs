//! The templates of a pack with an item catalog, for points recorded through the year: the
//! roster's columns (one row per record, without the columns entries fill) and an entry ledger
//! (one row per entry), whose 积分项目 cells offer the catalog's items, with the catalog on a
//! sheet of its own so staff see what each item is worth. Two files, so each has one sheet
//! holding a ledger and is read without naming a sheet.

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Formula, Workbook,
    XlsxError,
};
use unicode_width::UnicodeWidthStr;

use super::{CHECKED_ROWS, notes_row, quote_csv, validation};
use crate::CompiledPolicy;
use crate::entries::{Catalog, Worth, entry_schema};
use crate::number::format as n;
use crate::schema::{FieldDef, FieldType};

/// The roster's columns: the template's fields without those the catalog fills, with the
/// organization (所在组织) for the leaderboard and `--group-by` when the schema has it.
pub(crate) fn roster_fields<'c>(
    compiled: &'c CompiledPolicy,
    catalog: &Catalog,
) -> Vec<&'c FieldDef> {
    let schema = &compiled.policy.schema;
    let mut fields: Vec<&FieldDef> = super::fields(compiled)
        .into_iter()
        .filter(|f| !catalog.fields.contains_key(&f.id))
        .collect();
    if let Some(org) = schema.field("org")
        && !fields.iter().any(|f| f.id == "org")
    {
        let at = fields.len().min(2);
        fields.insert(at, org);
    }
    fields
}

/// The entry ledger's header as CSV (with a byte-order mark, for Excel).
pub fn entries_csv(compiled: &CompiledPolicy) -> String {
    let schema = entry_schema(&compiled.policy.schema);
    let labels: Vec<String> = schema
        .fields
        .values()
        .map(|f| quote_csv(&f.label))
        .collect();
    format!("\u{feff}{}\r\n", labels.join(","))
}

/// The entry ledger as a workbook of three sheets: 积分记录 (its 积分项目 a list of the catalog's
/// items), 积分细则 (each item: its label, id, the field it adds to, its worth and caps) and
/// 填写说明 (every column). The roster is [`super::roster_xlsx`]. `None` when the pack has no
/// catalog.
///
/// # Errors
///
/// When the workbook cannot be written.
pub fn entries_xlsx(compiled: &CompiledPolicy) -> Result<Option<Vec<u8>>, XlsxError> {
    let policy = &compiled.policy;
    let Some(catalog) = &policy.catalog else {
        return Ok(None);
    };
    let header = Format::new()
        .set_bold()
        .set_background_color("DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let title = Format::new().set_bold().set_font_size(14);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let entry = entry_schema(&policy.schema);
    let mut book = Workbook::new();

    let sheet = book.add_worksheet();
    sheet.set_name("积分记录")?;
    sheet.write_string_with_format(0, 0, format!("{} 积分记录", policy.meta.name), &title)?;
    let items = catalog.items.len() as u32;
    for (i, field) in entry.fields.values().enumerate() {
        let column = i as u16;
        sheet.write_string_with_format(1, column, &field.label, &header)?;
        sheet.set_column_width(column, field.label.width().max(12) as f64 + 2.0)?;
        if field.ty == FieldType::Date {
            sheet.set_column_format(column, &date)?;
        }
        let check = if field.id == "item" {
            // The list comes from the 积分细则 sheet: typed into the rule it would be capped at
            // 255 characters.
            Some(
                DataValidation::new()
                    .allow_list_formula(Formula::new(format!("='积分细则'!$A$2:$A${}", items + 1)))
                    .set_error_message("请从积分细则中选择项目 (choose an item of the catalog)")?,
            )
        } else if field.id == "count" {
            Some(DataValidation::new().allow_whole_number(DataValidationRule::Between(1, 100_000)))
        } else {
            validation(field)?
        };
        if let Some(check) = check {
            sheet.add_data_validation(2, column, CHECKED_ROWS * 10, column, &check)?;
        }
    }
    sheet.set_freeze_panes(2, 0)?;

    let sheet = book.add_worksheet();
    sheet.set_name("积分细则")?;
    let columns = [
        ("积分项目", 26.0),
        ("项目代码", 22.0),
        ("计入", 14.0),
        ("分值 (每次)", 16.0),
        ("本项封顶", 10.0),
        ("依据", 60.0),
    ];
    for (column, (heading, width)) in columns.into_iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, heading, &header)?;
        sheet.set_column_width(column as u16, width)?;
    }
    for (i, item) in catalog.items.iter().enumerate() {
        let row = i as u32 + 1;
        let field = policy.schema.field(&item.field);
        let worth = match item.worth {
            Worth::Fixed(p) => n(p),
            Worth::Range { min, max } => format!("{} 至 {} (记录人评定)", n(min), n(max)),
            Worth::Veto => "一票否决 (记“是”)".to_owned(),
        };
        let why = match (&item.source, item.assumed) {
            (Some(source), false) => source.clone(),
            (Some(source), true) => format!("{source} (假设)"),
            (None, true) => "文章未给出，本标准假设".to_owned(),
            (None, false) => String::new(),
        };
        let cells = [
            item.label.clone(),
            item.id.clone(),
            field.map_or_else(|| item.field.clone(), |f| f.label.clone()),
            worth,
            item.cap.map(n).unwrap_or_default(),
            why,
        ];
        for (column, text) in cells.iter().enumerate() {
            sheet.write_string(row, column as u16, text)?;
        }
    }
    let mut row = items + 2;
    for (field, total) in &catalog.fields {
        let label = policy
            .schema
            .field(field)
            .map_or(field.as_str(), |f| f.label.as_str());
        let bounds = match (total.min, total.max) {
            (Some(lo), Some(hi)) => format!("每期合计 {} 至 {}", n(lo), n(hi)),
            (None, Some(hi)) => format!("每期合计最多 {}", n(hi)),
            (Some(lo), None) => format!("每期合计最少 {}", n(lo)),
            (None, None) => continue,
        };
        sheet.write_string(row, 2, label)?;
        sheet.write_string(row, 4, &bounds)?;
        row += 1;
    }
    sheet.set_freeze_panes(1, 0)?;

    let notes = book.add_worksheet();
    notes.set_name("填写说明")?;
    for (column, (heading, width)) in super::NOTES_COLUMNS.into_iter().enumerate() {
        notes.write_string_with_format(0, column as u16, heading, &header)?;
        notes.set_column_width(column as u16, width)?;
    }
    for (i, field) in entry.fields.values().enumerate() {
        for (column, text) in notes_row(field).iter().enumerate() {
            notes.write_string(i as u32 + 1, column as u16, text)?;
        }
    }
    notes.set_freeze_panes(1, 0)?;
    book.save_to_buffer().map(Some)
}
