//! Record ids as staff type them, made comparable: the same organization must be the same id
//! whether its number was typed in full-width letters, pasted with a zero-width space from a web
//! page, or padded with spaces; and an id Excel turned into a number (`3.50602E+17`) has lost
//! digits that nothing can bring back, so it is refused rather than matched.

use unicode_normalization::UnicodeNormalization;

/// Characters that show as nothing (zero-width spaces and joiners, the byte-order mark, the word
/// joiner, soft hyphens): pasted from web pages and WeChat, invisible in Excel, yet they make two
/// equal-looking ids differ.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

/// Whether `text` holds a character [`without_invisibles`] would remove.
pub(crate) fn has_invisibles(text: &str) -> bool {
    text.chars().any(is_invisible)
}

/// `text` without invisible characters, trimmed (non-breaking and ideographic spaces included).
pub(crate) fn without_invisibles(text: &str) -> String {
    text.chars()
        .filter(|c| !is_invisible(*c))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A cell's text without what spreadsheets and web pages add around a value: invisible
/// characters, Excel's text marks (a leading `'`, and `="00101"`, which exports and liangxin's
/// own CSV for Excel write so that Excel keeps the zeros).
pub(crate) fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let trimmed = text.trim();
    let unwrapped = if let Some(rest) = trimmed.strip_prefix('\'') {
        Cow::Borrowed(rest)
    } else if let Some(inner) = trimmed
        .strip_prefix("=\"")
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Cow::Owned(inner.replace("\"\"", "\""))
    } else {
        Cow::Borrowed(text)
    };
    if unwrapped.is_ascii() || !has_invisibles(&unwrapped) {
        return unwrapped;
    }
    Cow::Owned(without_invisibles(&unwrapped))
}

/// An id as it is matched and shown: NFKC (full-width `ＬＷ００１` is `LW001`), invisible
/// characters removed, surrounding spaces (non-breaking ones too) trimmed. Leading zeros are
/// kept: `00101` is text, not the number 101.
pub fn normalize_id(text: &str) -> std::borrow::Cow<'_, str> {
    // Most ids are plain ASCII with nothing around them: no copy.
    if text.is_ascii() && text.trim() == text {
        return std::borrow::Cow::Borrowed(text);
    }
    let cleaned = without_invisibles(text);
    if cleaned.is_ascii() {
        return std::borrow::Cow::Owned(cleaned);
    }
    std::borrow::Cow::Owned(cleaned.nfkc().collect::<String>().trim().to_owned())
}

/// Why an id cannot be trusted, if it cannot: Excel shows a long number (an 18-digit 身份证号,
/// a 15-digit code) typed into a General cell as `3.50602E+17` and keeps only 15 digits.
pub fn mangled_id(id: &str) -> Option<String> {
    let (mantissa, exponent) = id.split_once(['E', 'e'])?;
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let digits = mantissa.replace('.', "");
    let scientific = !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|b| *b == b'.').count() <= 1
        && !digits.is_empty()
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit());
    scientific.then(|| {
        format!(
            "the id `{id}` is a number Excel wrote in scientific form and it has lost digits; format the column as text (or type ' before the number) and enter the ids again"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_typed_differently_are_the_same_id() {
        assert_eq!(normalize_id("ＬＷ００１"), "LW001");
        assert_eq!(normalize_id(" LW001\u{00A0}"), "LW001");
        assert_eq!(normalize_id("LW\u{200B}001"), "LW001");
        assert_eq!(normalize_id("\u{FEFF}LW001\u{3000}"), "LW001");
        assert_eq!(normalize_id("00101"), "00101");
        assert_eq!(normalize_id("龙文001"), "龙文001");
    }

    #[test]
    fn excel_text_marks_are_not_part_of_a_value() {
        assert_eq!(cell_text("'LW2022001"), "LW2022001");
        assert_eq!(cell_text("'-13"), "-13");
        assert_eq!(cell_text("=\"00101\""), "00101");
        assert_eq!(cell_text("=\"a\"\"b\""), "a\"b");
        assert_eq!(cell_text("张\u{200B}三"), "张三");
        assert_eq!(cell_text("=SUM(A1:A3)"), "=SUM(A1:A3)");
        assert!(matches!(cell_text("LW001"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn ids_excel_turned_into_numbers_are_recognised() {
        assert!(mangled_id("3.50602E+17").is_some());
        assert!(mangled_id("3.50602e17").is_some());
        assert!(mangled_id("1E+15").is_some());
        assert!(mangled_id("LWE2023").is_none());
        assert!(mangled_id("E001").is_none());
        assert!(mangled_id("2023E").is_none());
        assert!(mangled_id("00101").is_none());
    }
}
