//! A document's main table as CSV, in one of two forms.
//!
//! For programs (the default; stdout, `--no-bom`): one header row of stable keys, then one row
//! per record, numbers unformatted, `true`/`false`, grade ids beside their labels, ids as they
//! are. For a spreadsheet (`--output FILE`, `--bom`): a UTF-8 byte-order mark (a Chinese Excel
//! shows UTF-8 without one as garbage), the columns' labels as the header, 是/否, no grade ids,
//! and every text a spreadsheet would turn into a number or a date (`00101`, an 18-digit
//! 身份证号, `2024-07-01`) written as the formula `="00101"`, which Excel, WPS and LibreOffice
//! show as that text.

use super::Options;
use super::doc::{Cell, Document};

pub fn render(doc: &Document, options: Options) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if let Some(t) = doc.records() {
        // Writing to a Vec cannot fail.
        let _ = if options.excel {
            writer.write_record(t.columns.iter().map(|c| c.label.as_str()))
        } else {
            writer.write_record(t.columns.iter().map(|c| c.key.as_str()))
        };
        for row in &t.rows {
            let _ = writer.write_record(row.iter().map(|cell| cell_text(cell, options.excel)));
        }
    }
    let mut text = String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default();
    if options.excel {
        text.insert(0, '\u{feff}');
    }
    text
}

/// A cell as CSV holds it: numbers unformatted; a text cell Excel would run as a formula (=, +,
/// @) written as text; for a spreadsheet, 是/否 and texts kept as text.
pub(crate) fn cell_text(cell: &Cell, excel: bool) -> String {
    match cell {
        Cell::Text(t) => text(t, excel),
        Cell::Flag(b) if excel => super::doc::yes_no(*b).to_owned(),
        other => other.raw(),
    }
}

/// A text cell as CSV holds it.
pub(crate) fn text(t: &str, excel: bool) -> String {
    if looks_like_formula(t) {
        format!("'{t}")
    } else if excel && spreadsheet_would_convert(t) {
        format!("=\"{}\"", t.replace('"', "\"\""))
    } else {
        t.to_owned()
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

/// Whether a spreadsheet opening the CSV would read this text as a number, a date, a time or a
/// percentage, and so change it: `00101` loses its zeros, an 18-digit 身份证号 its last three
/// digits (Excel keeps 15), `1-2` becomes a date. Digits with only the characters numbers and
/// dates are written with.
pub(crate) fn spreadsheet_would_convert(text: &str) -> bool {
    let t = text.trim();
    t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.,/:%eE ".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::{looks_like_formula, spreadsheet_would_convert, text};

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

    #[test]
    fn ids_a_spreadsheet_would_mangle_are_kept_as_text_for_excel_only() {
        for id in [
            "00101",
            "110101199003071234",
            "1-2",
            "2024/7/1",
            "3.50602E+17",
            "12:30",
        ] {
            assert!(spreadsheet_would_convert(id), "{id}");
            assert_eq!(text(id, true), format!("=\"{id}\""));
            assert_eq!(text(id, false), id, "plain CSV keeps raw ids");
        }
        for id in ["LW2022001", "GX0001", "张三", "11010119900307123X", ""] {
            assert!(!spreadsheet_would_convert(id), "{id}");
            assert_eq!(text(id, true), id);
        }
    }
}
