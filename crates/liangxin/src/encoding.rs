//! The text encodings ledgers arrive in, and telling them apart.
//!
//! Chinese Excel saves "CSV" in GBK (GB18030 is its superset and what is decoded), "CSV UTF-8"
//! with a byte-order mark, and "Unicode text" in UTF-16LE with a mark and tabs between cells.
//! `Auto` reads all of these without being told; `--encoding` names one when a file is
//! ambiguous. A file that is none of them is an error that says where it stops being text.

use std::borrow::Cow;

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

/// How a ledger's bytes are turned into text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Encoding {
    /// A byte-order mark decides; without one, UTF-8 if the file is valid UTF-8, else GBK.
    #[default]
    Auto,
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GBK, read as GB18030 (a superset: the four-byte characters too).
    Gbk,
    /// UTF-16, little-endian (what Excel's "Unicode text" writes).
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Encoding, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" => Ok(Encoding::Gbk),
            "utf-16" | "utf-16le" | "utf16le" | "unicode" => Ok(Encoding::Utf16Le),
            "utf-16be" | "utf16be" => Ok(Encoding::Utf16Be),
            other => Err(format!(
                "unknown encoding `{other}` (use auto, utf-8, gbk, gb18030, utf-16le or utf-16be)"
            )),
        }
    }
}

impl Encoding {
    /// The encoding a byte-order mark at the start of `bytes` announces, and the mark's length.
    pub(crate) fn from_bom(bytes: &[u8]) -> Option<(Encoding, usize)> {
        match bytes {
            [0xEF, 0xBB, 0xBF, ..] => Some((Encoding::Utf8, 3)),
            [0xFF, 0xFE, ..] => Some((Encoding::Utf16Le, 2)),
            [0xFE, 0xFF, ..] => Some((Encoding::Utf16Be, 2)),
            _ => None,
        }
    }

    /// UTF-16 without a mark: ASCII text (digits, commas, tabs) has a zero in every other byte.
    fn sniff_utf16(bytes: &[u8]) -> Option<Encoding> {
        let head = &bytes[..bytes.len().min(512) & !1];
        if head.len() < 4 {
            return None;
        }
        let zeros = |parity: usize| {
            head.iter()
                .skip(parity)
                .step_by(2)
                .filter(|&&b| b == 0)
                .count()
        };
        let (even, odd) = (zeros(0), zeros(1));
        let half = head.len() / 2;
        // Mostly ASCII: most high bytes are zero; a Chinese character like 一 (U+4E00) puts a
        // zero in the other half too, so the halves are compared rather than one required empty.
        if odd * 10 >= half * 3 && even * 4 < odd {
            Some(Encoding::Utf16Le)
        } else if even * 10 >= half * 3 && odd * 4 < even {
            Some(Encoding::Utf16Be)
        } else {
            None
        }
    }

    /// The encoding's name in notes and messages, e.g. `GBK (GB18030)`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Utf8 => "UTF-8",
            Encoding::Gbk => "GBK (GB18030)",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }
}

/// A whole file's text, and how it was decoded when that is worth a note.
#[derive(Debug)]
pub(crate) struct Decoded<'b> {
    pub text: Cow<'b, str>,
    pub note: Option<String>,
}

/// Decodes a whole file. The error is a message that names where the text breaks.
pub(crate) fn decode(bytes: &[u8], encoding: Encoding) -> Result<Decoded<'_>, String> {
    let (encoding, bytes, mark) = match Encoding::from_bom(bytes) {
        // A mark wins over `Auto`, and is dropped when it agrees with the named encoding.
        Some((marked, len)) if encoding == Encoding::Auto || encoding == marked => {
            (marked, &bytes[len..], len)
        }
        _ => (encoding, bytes, 0),
    };
    // Offsets in messages count the mark too: they are the file's.
    let position = |bytes: &[u8], at: usize| position_after(bytes, at, mark);
    if let Some(what) = not_text(bytes) {
        return Err(what);
    }
    let encoding = match encoding {
        Encoding::Auto => Encoding::sniff_utf16(bytes).unwrap_or(Encoding::Auto),
        other => other,
    };
    let note = |e: Encoding| Some(format!("decoded as {}", e.name()));
    match encoding {
        Encoding::Auto => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Decoded {
                text: Cow::Borrowed(text),
                note: None,
            }),
            Err(utf8) => match strict(GB18030, bytes) {
                Ok(text) => Ok(Decoded {
                    text: Cow::Owned(text),
                    note: note(Encoding::Gbk),
                }),
                Err(gbk) => Err(format!(
                    "the file is neither UTF-8 nor GBK text: not UTF-8 from {}, not GBK from {}; \
                     save it from Excel as \"CSV UTF-8\", or name its encoding with --encoding",
                    position(bytes, utf8.valid_up_to()),
                    position(bytes, gbk)
                )),
            },
        },
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(|text| Decoded {
                text: Cow::Borrowed(text),
                note: None,
            })
            .map_err(|e| {
                let hint = if mark > 0 {
                    " although it starts with a UTF-8 mark (two files joined, or a mark before GBK text?); if it was saved as GBK, name it with --encoding gbk"
                } else {
                    ""
                };
                format!(
                    "the file is not UTF-8 text from {}{hint}",
                    position(bytes, e.valid_up_to())
                )
            }),
        Encoding::Gbk | Encoding::Utf16Le | Encoding::Utf16Be => {
            let coding = match encoding {
                Encoding::Gbk => GB18030,
                Encoding::Utf16Le => UTF_16LE,
                _ => UTF_16BE,
            };
            strict(coding, bytes)
                .map(|text| Decoded {
                    text: Cow::Owned(text),
                    note: note(encoding),
                })
                .map_err(|at| {
                    format!(
                        "the file is not {} text from {}",
                        encoding.name(),
                        position(bytes, at)
                    )
                })
        }
    }
}

/// GBK (as GB18030) text, or the offset of the first byte that is not.
pub(crate) fn decode_gbk(bytes: &[u8]) -> Result<String, usize> {
    strict(GB18030, bytes)
}

/// Decodes without replacement characters; the error is the offset of the first bad byte.
fn strict(coding: &'static encoding_rs::Encoding, bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = coding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(text),
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            Err(read.saturating_sub(usize::from(bad) + usize::from(after)))
        }
        // The capacity above is the decoder's own worst case, so this is not reached; if it
        // were, the text so far is still no reason to accept the rest unread.
        encoding_rs::DecoderResult::OutputFull => Err(read),
    }
}

/// Files that are not text at all, named for what they are so the message can say what to do.
fn not_text(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(
            "this is an Excel (.xlsx) or other zip file, not CSV text: save the sheet as CSV"
                .into(),
        );
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Some(
            "this is an old Excel (.xls) workbook, not CSV text: save the sheet as CSV".into(),
        );
    }
    None
}

/// [`position`] in text that followed a byte-order mark of `mark` bytes.
fn position_after(bytes: &[u8], offset: usize, mark: usize) -> String {
    let at = position(bytes, offset);
    match at.strip_prefix("byte ") {
        Some(rest) => {
            let (number, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            let number = number.parse::<usize>().map_or(0, |n| n + mark);
            format!("byte {number} {rest}")
        }
        None => at,
    }
}

/// Where byte `offset` is, for messages: `byte 1,234 (line 5)`.
pub(crate) fn position(bytes: &[u8], offset: usize) -> String {
    let offset = offset.min(bytes.len());
    let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    let shown = bytes
        .get(offset)
        .map(|b| format!(", 0x{b:02X}"))
        .unwrap_or_default();
    format!("byte {offset} (line {line}{shown})")
}

/// The cell separator: a tab when the start of the file has more tabs than commas (Excel's
/// "Unicode text" and tab-separated exports), a semicolon when it has more semicolons than
/// commas (Excel where the decimal mark is a comma), else a comma.
pub(crate) fn delimiter(head: &[u8]) -> u8 {
    let head = &head[..head.len().min(64 << 10)];
    let count = |c: u8| head.iter().filter(|&&b| b == c).count();
    let (tabs, commas, semicolons) = (count(b'\t'), count(b','), count(b';'));
    if tabs > commas && tabs >= semicolons {
        b'\t'
    } else if semicolons > commas {
        // Excel in locales whose decimal mark is a comma separates cells with semicolons.
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn cells_are_separated_by_what_the_file_uses() {
        assert_eq!(delimiter("a,b,c\n1,2,3\n".as_bytes()), b',');
        assert_eq!(delimiter("a\tb\tc\n1\t2\t3\n".as_bytes()), b'\t');
        assert_eq!(
            delimiter("党员编号;姓名;组织生活\nLW1;甲;-10\n".as_bytes()),
            b';'
        );
        assert_eq!(delimiter("a,b,c\n1,\"x;y\",3\n".as_bytes()), b',');
    }

    #[test]
    fn boms_and_unmarked_utf16_are_recognised() {
        // 一 (U+4E00) puts a zero byte in the other half too.
        let text = "党员编号\t姓名\t一票否决\nM1\t张三\t否\n";
        for bytes in [utf16le(text, true), utf16le(text, false)] {
            let d = decode(&bytes, Encoding::Auto).unwrap();
            assert_eq!(d.text, text);
            assert_eq!(d.note.as_deref(), Some("decoded as UTF-16LE"));
        }
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be, Encoding::Auto).unwrap().text, text);
        let bom8 = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom8, Encoding::Auto).unwrap().text, text);
    }

    #[test]
    fn gbk_and_its_four_byte_characters_decode() {
        let text = "姓名,备注\n张三,€𠀀\n";
        let (bytes, _, _) = GB18030.encode(text);
        let d = decode(&bytes, Encoding::Auto).unwrap();
        assert_eq!(d.text, text);
        assert_eq!(d.note.as_deref(), Some("decoded as GBK (GB18030)"));
        assert_eq!(decode(&bytes, Encoding::Gbk).unwrap().text, text);
    }

    #[test]
    fn what_is_not_text_is_located() {
        let bytes = b"id,name\nM1,ok\nM2,\xFF\xFF\xFF\n";
        let e = decode(bytes, Encoding::Auto).unwrap_err();
        assert!(e.contains("not UTF-8 from byte 17 (line 3, 0xFF)"), "{e}");
        let e = decode(bytes, Encoding::Utf8).unwrap_err();
        assert!(e.contains("byte 17 (line 3"), "{e}");
        // Offsets are the file's, the byte-order mark counted.
        let marked = [b"\xEF\xBB\xBF".as_slice(), bytes].concat();
        let e = decode(&marked, Encoding::Utf8).unwrap_err();
        assert!(e.contains("byte 20 (line 3"), "{e}");
        let e = decode(b"PK\x03\x04rest", Encoding::Auto).unwrap_err();
        assert!(e.contains(".xlsx"), "{e}");
    }

    #[test]
    fn names_parse_in_the_forms_people_write() {
        assert_eq!("GBK".parse(), Ok(Encoding::Gbk));
        assert_eq!("utf8".parse(), Ok(Encoding::Utf8));
        assert_eq!("UTF-16".parse(), Ok(Encoding::Utf16Le));
        assert!("latin1".parse::<Encoding>().is_err());
    }

    #[test]
    fn tabs_separate_cells_when_they_outnumber_commas() {
        assert_eq!(delimiter(b"a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(delimiter(b"a,b,c\n1,\"x\ty\",3\n"), b',');
    }
}
