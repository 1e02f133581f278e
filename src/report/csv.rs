//! A document's main table as CSV: one header row of stable keys, then one row per record,
//! numbers unformatted so Excel reads them as numbers.

use super::doc::Document;

pub fn render(doc: &Document, bom: bool) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if let Some(t) = doc.records() {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(t.columns.iter().map(|c| c.key.as_str()));
        for row in &t.rows {
            let _ = writer.write_record(row.iter().map(cell_text));
        }
    }
    let mut text = String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default();
    if bom {
        text.insert(0, '\u{feff}');
    }
    text
}

/// A cell as CSV holds it: numbers unformatted; a text cell Excel would run as a formula (=, +,
/// @) written as text.
pub(crate) fn cell_text(cell: &super::doc::Cell) -> String {
    match cell {
        super::doc::Cell::Text(t) if looks_like_formula(t) => format!("'{t}"),
        other => other.raw(),
    }
}

/// Whether Excel would run this text as a formula (=, +, @, a tab or carriage return first, or
/// a minus not starting a number: `-2+3`, `-cmd|' /C calc'!A0`).
pub(crate) fn looks_like_formula(text: &str) -> bool {
    match text.strip_prefix('-') {
        Some(rest) => !rest.is_empty() && rest.parse::<f64>().is_err(),
        None => text.starts_with(['=', '+', '@', '\t', '\r']),
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_formula;

    #[test]
    fn text_excel_would_run_is_caught_and_negative_numbers_are_not() {
        for formula in [
            "=1+2",
            "+1",
            "@SUM(A1)",
            "-cmd|' /C calc'!A0",
            "-2+3",
            "\tx",
        ] {
            assert!(looks_like_formula(formula), "{formula}");
        }
        for plain in ["-5", "-12.5", "-", "张三", "2-3"] {
            assert!(!looks_like_formula(plain), "{plain}");
        }
    }
}
