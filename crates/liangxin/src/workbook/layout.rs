//! What an .xlsx sheet hides that calamine does not report: hidden rows (`<row hidden="1">`) and
//! hidden columns (`<col min max hidden="1">`), read from the sheet's XML in the zip.
//! The sheet's part is found the way Excel finds it: `_rels/.rels` names the workbook part, whose
//! `<sheet name r:id>` points through `xl/_rels/workbook.xml.rels` to `xl/worksheets/sheetN.xml`.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// The rows and columns of one sheet that Excel does not show (sheet rows and columns from 0).
#[derive(Debug, Default)]
pub(super) struct Layout {
    pub hidden_rows: BTreeSet<usize>,
    /// Inclusive ranges of hidden columns.
    pub hidden_columns: Vec<(usize, usize)>,
}

impl Layout {
    pub fn column_hidden(&self, column: usize) -> bool {
        self.hidden_columns
            .iter()
            .any(|&(first, last)| (first..=last).contains(&column))
    }
}

/// The hidden rows and columns of sheet `sheet` of the .xlsx at `path`; an error says what of the
/// file could not be read.
pub(super) fn read(path: &Path, sheet: &str) -> Result<Layout, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| e.to_string())?;
    let workbook = office_document(&mut zip).unwrap_or_else(|| "xl/workbook.xml".to_owned());
    let mut rid = None;
    each_element(&mut zip, &workbook, |e| {
        if e.local_name().as_ref() == "sheet" && attribute(e, "name").as_deref() == Some(sheet) {
            rid = e.attributes().flatten().find_map(|a| {
                (a.key.local_name().as_ref() == "id" && a.key.prefix().is_some())
                    .then(|| {
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned())
                    })
                    .flatten()
            });
        }
        true
    })?;
    let rid = rid.ok_or_else(|| format!("{workbook} has no sheet `{sheet}`"))?;
    let (dir, file) = workbook.rsplit_once('/').unwrap_or(("", workbook.as_str()));
    let rels_path = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let targets = relationships(&mut zip, &rels_path)?;
    let target = targets
        .get(&rid)
        .ok_or_else(|| format!("{rels_path} has no relationship `{rid}`"))?;
    let part = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None if dir.is_empty() => target.clone(),
        None => format!("{dir}/{target}"),
    };
    let mut layout = Layout::default();
    let mut next_row = 0usize;
    each_element(&mut zip, &part, |e| {
        match e.local_name().as_ref() {
            "col" if is_true(attribute(e, "hidden")) => {
                let number = |key: &str| {
                    attribute(e, key)
                        .and_then(|v| v.parse::<usize>().ok())
                        .filter(|&n| n >= 1)
                };
                if let (Some(min), Some(max)) = (number("min"), number("max")) {
                    layout.hidden_columns.push((min - 1, max.max(min) - 1));
                }
            }
            "row" => {
                let row = attribute(e, "r")
                    .and_then(|v| v.parse::<usize>().ok())
                    .filter(|&r| r >= 1)
                    .map_or(next_row, |r| r - 1);
                if is_true(attribute(e, "hidden")) {
                    layout.hidden_rows.insert(row);
                }
                next_row = row + 1;
            }
            _ => {}
        }
        true
    })?;
    Ok(layout)
}

/// The workbook part named by the package relationships (`xl/workbook.xml` in files Excel writes).
fn office_document<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Option<String> {
    let targets = relationships_by_type(zip, "_rels/.rels").ok()?;
    targets
        .into_iter()
        .find(|(ty, _)| ty.ends_with("/officeDocument"))
        .map(|(_, target)| target.trim_start_matches('/').to_owned())
}

/// A relationships part: each `Id` with its `Target`.
fn relationships<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    part: &str,
) -> Result<HashMap<String, String>, String> {
    let mut targets = HashMap::new();
    each_element(zip, part, |e| {
        if e.local_name().as_ref() == "Relationship"
            && let (Some(id), Some(target)) = (attribute(e, "Id"), attribute(e, "Target"))
        {
            targets.insert(id, target);
        }
        true
    })?;
    Ok(targets)
}

/// A relationships part: each `Type` with its `Target`.
fn relationships_by_type<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    part: &str,
) -> Result<Vec<(String, String)>, String> {
    let mut targets = Vec::new();
    each_element(zip, part, |e| {
        if e.local_name().as_ref() == "Relationship"
            && let (Some(ty), Some(target)) = (attribute(e, "Type"), attribute(e, "Target"))
        {
            targets.push((ty, target));
        }
        true
    })?;
    Ok(targets)
}

/// Calls `visit` with every start or empty element of the part `name`, streamed; `visit` returns
/// false to stop.
fn each_element<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    mut visit: impl FnMut(&BytesStart) -> bool,
) -> Result<(), String> {
    let part = zip
        .by_name(name)
        .map_err(|e| format!("cannot open {name}: {e}"))?;
    let mut reader = Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if !visit(&e) {
                    return Ok(());
                }
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(format!(
                    "{name} is not well-formed XML at byte {}: {e}",
                    reader.buffer_position()
                ));
            }
        }
    }
}

/// The value of the attribute `key` (matched without its namespace prefix), unescaped.
fn attribute(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key && a.key.prefix().is_none())
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// An XML boolean: `1` or `true`.
fn is_true(value: Option<String>) -> bool {
    matches!(value.as_deref(), Some("1" | "true"))
}
