//! An uploaded ledger read exactly as the CLI reads a file: it is written to a private
//! temporary folder under its own (cleaned) file name, read by `Ledger::read_with`, and the
//! folder removed. Messages name the file as uploaded, never the temporary folder.

use axum::http::StatusCode;

use crate::errors::Failure;

/// The longest file name kept, in bytes (file systems allow 255), extension included.
const MAX_NAME_BYTES: usize = 120;

/// The uploaded file's name as one safe path component: its last component, with anything
/// but letters, digits, `.`, `-`, `_`, spaces and brackets replaced, and never starting with
/// a dot.
pub fn clean_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name: String = last
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        name.insert_str(0, "ledger");
    }
    // Too long for a file system: the stem is cut on a character boundary and the extension
    // kept, since it says how the ledger is read.
    if name.len() > MAX_NAME_BYTES {
        let (stem, ext) = match name.rfind('.') {
            Some(i) if name.len() - i <= 8 => (&name[..i], &name[i..]),
            _ => (name.as_str(), ""),
        };
        let mut cut = MAX_NAME_BYTES.saturating_sub(ext.len());
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        name = format!("{}{ext}", &stem[..cut]);
    }
    name
}

/// Reads the bytes of an uploaded ledger named `file_name`; a ledger that cannot be read is a
/// 422 whose message is the library's located error.
pub fn read_ledger(
    bytes: &[u8],
    file_name: &str,
    schema: &liangxin::Schema,
) -> Result<liangxin::Ledger, Failure> {
    let name = clean_name(file_name);
    let internal = |e: std::io::Error| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "io",
            format!("无法保存上传的台账 / cannot store the upload: {e}"),
        )
    };
    // A new folder with a random name that only this user can read (tempfile: 0700, refused if
    // it exists), removed when the request ends.
    let dir = tempfile::Builder::new()
        .prefix("liangxin-server-")
        .tempdir()
        .map_err(internal)?;
    let path = dir.path().join(&name);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, bytes))
        .map_err(internal)?;
    let prefix = format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR);
    match liangxin::Ledger::read_with(&path, schema, &liangxin::ledger::ReadOptions::default()) {
        Ok(mut ledger) => {
            ledger.path = name;
            Ok(ledger)
        }
        Err(e) => Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ledger",
            e.to_string().replace(&prefix, ""),
        )),
    }
}

/// The session's current ledger read again for `policy`: the uploaded ledger, with its entry
/// ledger summed into it by the pack's catalog when one was uploaded (each version of a pack
/// sums with its own catalog, so a preview shows what a changed 细则 moves). The
/// aggregator is returned too, for explanations.
pub fn read_current(
    current: &crate::session::CurrentLedger,
    policy: &liangxin::Policy,
) -> Result<(liangxin::Ledger, Option<liangxin::entries::Aggregator>), Failure> {
    let mut ledger = read_ledger(&current.bytes, &current.name, &policy.schema)?;
    let Some(entries) = &current.entries else {
        return Ok((ledger, None));
    };
    let aggregator = sum_entries(&mut ledger, entries, policy)?;
    Ok((ledger, Some(aggregator)))
}

/// Sums an uploaded entry ledger into `roster` with the catalog of `policy`.
pub fn sum_entries(
    roster: &mut liangxin::Ledger,
    entries: &crate::session::UploadedEntries,
    policy: &liangxin::Policy,
) -> Result<liangxin::entries::Aggregator, Failure> {
    let Some(catalog) = &policy.catalog else {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "entries",
            format!(
                "标准「{}」没有积分细则，不能汇总积分记录 / the pack {} has no item catalog, so it cannot sum entries",
                policy.meta.name, policy.meta.id
            ),
        ));
    };
    let mut aggregator =
        liangxin::entries::Aggregator::new(catalog, entries.period.clone(), roster, &policy.schema);
    let read = read_ledger(&entries.bytes, &entries.name, aggregator.entry_schema())?;
    aggregator
        .add_ledger(&read)
        .map_err(|e| Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "entries", e.to_string()))?;
    roster
        .notes
        .extend(read.notes.iter().map(|n| format!("{}: {n}", read.path)));
    aggregator
        .apply(roster, &policy.schema)
        .map_err(|e| Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "entries", e.to_string()))?;
    Ok(aggregator)
}

/// Reads a JSON array of records (objects keyed by field id or Chinese header), as a `.json`
/// ledger is read.
pub fn read_records(body: &[u8], schema: &liangxin::Schema) -> Result<liangxin::Ledger, Failure> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "ledger",
            format!("请求内容不是 UTF-8 / the body is not UTF-8: {e}"),
        )
    })?;
    liangxin::Ledger::from_json_str(text, "request", schema)
        .map_err(|e| Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "ledger", e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_name_keeps_its_extension_and_fits_a_file_system() {
        let long = format!("{}.xlsx", "党".repeat(100));
        let name = super::clean_name(&long);
        assert!(name.len() <= 120, "{}", name.len());
        assert!(name.ends_with(".xlsx"), "{name}");
        assert_eq!(super::clean_name("../../etc/passwd"), "passwd");
        assert_eq!(super::clean_name(".hidden"), "ledger.hidden");
    }
}
