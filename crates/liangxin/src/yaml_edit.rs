//! In-place edits of a `policy.yaml`: change one scalar value at a path (`params.recommend_at.value`,
//! `grades.excellent.label`, `bands.grades[0].at_least`) and leave every other byte of the file
//! as it was, so comments, key order, flow or block style and blank lines survive an edit made
//! through a form.
//!
//! The file is parsed with the same YAML reader `load` uses, keeping each scalar's byte span;
//! an edit replaces exactly that span with the new value written in the same quoting style
//! where that is safe. Every edit is checked by parsing the result again and reading the value
//! back: an edit that would read otherwise (a multi-line block scalar, an empty value) is
//! refused rather than written wrong.

use std::fmt;
use std::str::FromStr;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// One step of a [`YamlPath`]: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// A key of a mapping.
    Key(String),
    /// A 0-based index into a sequence.
    Index(usize),
}

/// Where a scalar is in a YAML document, written `params.recommend_at.value` or
/// `rules[2].max` (keys separated by `.`, indices in brackets).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct YamlPath(pub Vec<PathStep>);

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Key(k) if i == 0 => write!(f, "{k}")?,
                PathStep::Key(k) => write!(f, ".{k}")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl FromStr for YamlPath {
    type Err = EditError;

    /// Reads `a.b[2].c`. Keys are the characters between separators; a key holding `.` or `[`
    /// cannot be written this way (pack keys are ids, which never do).
    fn from_str(s: &str) -> Result<YamlPath, EditError> {
        let bad = || EditError::BadPath(s.to_string());
        let mut steps = Vec::new();
        for part in s.split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if key.is_empty() && (steps.is_empty() || rest.is_empty()) {
                return Err(bad());
            }
            if !key.is_empty() {
                steps.push(PathStep::Key(key.to_string()));
            }
            while !rest.is_empty() {
                let end = rest.find(']').ok_or_else(bad)?;
                let n = rest[1..end].parse::<usize>().map_err(|_| bad())?;
                steps.push(PathStep::Index(n));
                rest = &rest[end + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(bad());
                }
            }
        }
        if steps.is_empty() {
            return Err(bad());
        }
        Ok(YamlPath(steps))
    }
}

/// How a scalar is written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Without quotes: `900`, `优秀`, `true`.
    Plain,
    /// In single quotes: `'x y'`.
    SingleQuoted,
    /// In double quotes: `"推荐"`.
    DoubleQuoted,
    /// A block scalar (`|` or `>`) or a plain scalar over several lines: not edited in place.
    MultiLine,
    /// No value at all (`key:` followed by nothing): not edited in place.
    Empty,
}

/// A scalar of the document: where it is, what it says and how it is written.
#[derive(Debug, Clone)]
pub struct Scalar {
    /// Its path.
    pub path: YamlPath,
    /// Its value as text (`900`, `优秀`, `true`), quotes removed.
    pub value: String,
    /// 1-based line of the file it starts on.
    pub line: u32,
    /// How it is written.
    pub style: ScalarStyle,
    byte_range: (usize, usize),
}

/// A new value for a scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum NewValue {
    /// A number; written without a fraction when it is whole (`880`, not `880.0`).
    Number(f64),
    /// Text; quoted when plain text would read as something else (a number, `true`, a key).
    Text(String),
    /// `true` or `false`.
    Bool(bool),
}

impl NewValue {
    /// The value as the document reads it back (what [`Scalar::value`] holds after the edit).
    fn reads_as(&self) -> String {
        match self {
            NewValue::Number(n) => number_text(*n),
            NewValue::Text(t) => t.clone(),
            NewValue::Bool(b) => b.to_string(),
        }
    }
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The text is not YAML the reader accepts.
    #[error("the file is not valid YAML: {0}")]
    Yaml(String),
    /// The path is malformed.
    #[error("`{0}` is not a path such as `params.a.value` or `rules[2].max`")]
    BadPath(String),
    /// Nothing is at the path, or a mapping or sequence is.
    #[error("`{0}` is not a value of this file")]
    NotAScalar(String),
    /// The value is written over several lines or is empty, so it cannot be replaced in place.
    #[error("`{0}` is written over several lines or left empty; edit it in the YAML view")]
    NotInPlace(String),
    /// A number that is not finite.
    #[error("`{0}` is not a finite number")]
    NotFinite(String),
    /// Text with a line break or a control character (values edited in place are one line).
    #[error("the new value of `{0}` holds a line break or a control character")]
    BadText(String),
    /// The edited file would not read the new value back (a safeguard: never written).
    #[error("the edit of `{0}` would not read back as `{1}`; edit it in the YAML view")]
    ReadBack(String, String),
}

/// A parsed YAML document that can be edited in place.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    text: String,
    scalars: Vec<Scalar>,
    maps: Vec<MapAt>,
}

/// Where a non-empty mapping is, so a key can be added to it in its own style.
#[derive(Debug, Clone)]
struct MapAt {
    path: YamlPath,
    /// Written `{ a: 1, b: 2 }` rather than one key per line.
    flow: bool,
    /// The byte column of its keys (block style).
    indent: usize,
    /// The byte just past the last scalar in it.
    end: usize,
}

impl YamlDocument {
    /// Parses `text`, recording every scalar's path and span.
    ///
    /// # Errors
    /// [`EditError::Yaml`] when the text is not YAML.
    pub fn parse(text: &str) -> Result<YamlDocument, EditError> {
        let root: Spanned<Node> =
            serde_saphyr::from_str(text).map_err(|e| EditError::Yaml(e.to_string()))?;
        let mut found = Found::default();
        collect(text, &root, &mut YamlPath::default(), &mut found);
        Ok(YamlDocument {
            text: text.to_string(),
            scalars: found.scalars,
            maps: found.maps,
        })
    }

    /// The document's text, with every edit made so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every scalar, in the order of the file.
    pub fn scalars(&self) -> &[Scalar] {
        &self.scalars
    }

    /// The scalar at `path`, if there is one.
    pub fn get(&self, path: &YamlPath) -> Option<&Scalar> {
        self.scalars.iter().find(|s| &s.path == path)
    }

    /// Replaces the scalar at `path` with `value`, changing nothing else in the text.
    ///
    /// # Errors
    /// When nothing or no single-line scalar is at `path`, when the value cannot be written on
    /// one line, or when the result would not read the value back.
    pub fn set(&mut self, path: &YamlPath, value: &NewValue) -> Result<(), EditError> {
        let name = path.to_string();
        let scalar = self
            .get(path)
            .ok_or_else(|| EditError::NotAScalar(name.clone()))?;
        if matches!(scalar.style, ScalarStyle::MultiLine | ScalarStyle::Empty) {
            return Err(EditError::NotInPlace(name));
        }
        let written = written(value, scalar.style, name)?;
        let (start, end) = scalar.byte_range;
        self.splice(start, end, &written, path, value)
    }

    /// Sets the value at `path`, adding the key to its mapping when it is not written yet (in
    /// the mapping's style: `, key: value` in a `{ }` mapping, a new line at the keys' indent
    /// otherwise). Used for keys with a default, such as a criterion's `enabled`.
    ///
    /// # Errors
    /// As [`YamlDocument::set`]; also when the parent is not a non-empty mapping of the file.
    pub fn set_or_add(&mut self, path: &YamlPath, value: &NewValue) -> Result<(), EditError> {
        if self.get(path).is_some() {
            return self.set(path, value);
        }
        let name = path.to_string();
        let (Some(PathStep::Key(key)), Some(parent)) =
            (path.0.last(), path.0.get(..path.0.len().saturating_sub(1)))
        else {
            return Err(EditError::NotAScalar(name));
        };
        let map = self
            .maps
            .iter()
            .find(|m| m.path.0 == parent)
            .ok_or_else(|| EditError::NotAScalar(name.clone()))?;
        if !plain_is_safe(key) {
            return Err(EditError::NotAScalar(name));
        }
        let written = written(value, ScalarStyle::Plain, name)?;
        let (at, added) = if map.flow {
            (map.end, format!(", {key}: {written}"))
        } else {
            let line_end = self.text[map.end..]
                .find('\n')
                .map_or(self.text.len(), |i| map.end + i);
            (
                line_end,
                format!("\n{}{key}: {written}", " ".repeat(map.indent)),
            )
        };
        self.splice(at, at, &added, path, value)
    }

    /// Replaces the bytes `start..end` with `written` and keeps the result only if it reads
    /// `value` at `path` and every other value as before.
    fn splice(
        &mut self,
        start: usize,
        end: usize,
        written: &str,
        path: &YamlPath,
        value: &NewValue,
    ) -> Result<(), EditError> {
        let mut text = String::with_capacity(self.text.len() + written.len());
        text.push_str(&self.text[..start]);
        text.push_str(written);
        text.push_str(&self.text[end..]);
        let expected = value.reads_as();
        let refused = || EditError::ReadBack(path.to_string(), expected.clone());
        let edited = YamlDocument::parse(&text).map_err(|_| refused())?;
        fn others<'a>(
            doc: &'a YamlDocument,
            path: &'a YamlPath,
        ) -> impl Iterator<Item = (&'a YamlPath, &'a String)> {
            doc.scalars
                .iter()
                .filter(move |s| &s.path != path)
                .map(|s| (&s.path, &s.value))
        }
        let unchanged = edited.scalars.len()
            == self.scalars.len() + usize::from(self.get(path).is_none())
            && others(&edited, path).eq(others(self, path));
        match edited.get(path) {
            Some(s) if s.value == expected && unchanged => {
                *self = edited;
                Ok(())
            }
            _ => Err(refused()),
        }
    }
}

/// A new value as it is written in a scalar of `style` (`name` is its path, for errors).
fn written(value: &NewValue, style: ScalarStyle, name: String) -> Result<String, EditError> {
    match value {
        NewValue::Number(n) if !n.is_finite() => Err(EditError::NotFinite(name)),
        NewValue::Number(n) => Ok(number_text(*n)),
        NewValue::Bool(b) => Ok(b.to_string()),
        NewValue::Text(t) if t.chars().any(char::is_control) => Err(EditError::BadText(name)),
        NewValue::Text(t) => Ok(quote(t, style)),
    }
}

/// A number as a YAML scalar: whole numbers without a fraction.
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Text as a scalar in the style it had, or double-quoted when plain would read otherwise.
fn quote(text: &str, style: ScalarStyle) -> String {
    match style {
        ScalarStyle::Plain if plain_is_safe(text) => text.to_string(),
        ScalarStyle::SingleQuoted => format!("'{}'", text.replace('\'', "''")),
        _ => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

/// Whether `text` written without quotes reads back as the same string: not a number, bool or
/// null, no leading indicator, no `: ` or ` #`, no surrounding spaces.
fn plain_is_safe(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    !text.is_empty()
        && text.trim() == text
        && text.parse::<f64>().is_err()
        && !matches!(
            lower.as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | ".inf" | ".nan"
        )
        && !text.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`',
        ])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && !text.contains([',', '[', ']', '{', '}'])
}

/// A YAML node with the spans of its children.
#[derive(Debug)]
enum Node {
    Scalar(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

#[derive(Default)]
struct Found {
    scalars: Vec<Scalar>,
    maps: Vec<MapAt>,
}

fn collect(text: &str, node: &Spanned<Node>, path: &mut YamlPath, out: &mut Found) {
    match &node.value {
        Node::Scalar(value) => {
            let span = node.referenced.span();
            let (Some(start), Some(len)) = (span.byte_offset(), span.byte_len()) else {
                return;
            };
            let (start, end) = (start as usize, (start + len) as usize);
            let Some(source) = text.get(start..end) else {
                return;
            };
            let style = if source.is_empty() {
                ScalarStyle::Empty
            } else if source.contains('\n') {
                ScalarStyle::MultiLine
            } else if source.starts_with('\'') {
                ScalarStyle::SingleQuoted
            } else if source.starts_with('"') {
                ScalarStyle::DoubleQuoted
            } else if source.starts_with(['|', '>'])
                || text[..start].trim_end().ends_with(['|', '>'])
            {
                ScalarStyle::MultiLine
            } else {
                ScalarStyle::Plain
            };
            out.scalars.push(Scalar {
                path: path.clone(),
                value: value.clone(),
                line: node.referenced.line() as u32,
                style,
                byte_range: (start, end),
            });
        }
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.0.push(PathStep::Index(i));
                collect(text, item, path, out);
                path.0.pop();
            }
        }
        Node::Map(entries) => {
            let first = out.scalars.len();
            let key_start = entries
                .first()
                .and_then(|(k, _)| k.referenced.span().byte_offset())
                .map(|o| o as usize);
            for (key, value) in entries {
                path.0.push(PathStep::Key(key.value.clone()));
                collect(text, value, path, out);
                path.0.pop();
            }
            let key_end = entries
                .last()
                .and_then(|(k, _)| {
                    let span = k.referenced.span();
                    Some((span.byte_offset()? + span.byte_len()?) as usize)
                })
                .unwrap_or(0);
            let end = out.scalars[first..]
                .iter()
                .map(|s| s.byte_range.1)
                .chain([key_end])
                .max()
                .unwrap_or(0);
            if let Some(start) = key_start.filter(|&s| s <= text.len()) {
                let before = text[..start].trim_end_matches([' ', '\t']);
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                out.maps.push(MapAt {
                    path: path.clone(),
                    flow: before.ends_with(['{', ',']),
                    indent: start - line_start,
                    end,
                });
            }
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(number_text(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(String::new()))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(String::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = "# 龙文区 (comment kept)\nid: demo\nparams:\n  recommend_at: { value: 900, label: \"推荐线\" }   # trailing\n  note:\n    value: 'x y'\n    text: >-\n      folded\n      text\n    empty:\ngrades:\n  good: { label: 优秀, money: 2000.5 }\nlist: [1, 2]\n";

    fn path(s: &str) -> YamlPath {
        s.parse().unwrap()
    }

    #[test]
    fn paths_read_and_print_back() {
        for s in ["params.a.value", "rules[2].max", "a[0][1].b", "x"] {
            assert_eq!(path(s).to_string(), s);
        }
        for bad in ["", ".a", "a[", "a[x]", "a[1]b", "a..b"] {
            assert!(bad.parse::<YamlPath>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_number_edit_changes_only_its_bytes() {
        let mut doc = YamlDocument::parse(PACK).unwrap();
        doc.set(&path("params.recommend_at.value"), &NewValue::Number(880.0))
            .unwrap();
        assert_eq!(doc.text(), PACK.replace("value: 900", "value: 880"));
        assert_eq!(
            doc.get(&path("params.recommend_at.value")).unwrap().value,
            "880"
        );
    }

    #[test]
    fn text_keeps_its_quoting_and_is_quoted_when_plain_would_misread() {
        let mut doc = YamlDocument::parse(PACK).unwrap();
        doc.set(
            &path("params.recommend_at.label"),
            &NewValue::Text("新线".into()),
        )
        .unwrap();
        doc.set(&path("params.note.value"), &NewValue::Text("it's".into()))
            .unwrap();
        doc.set(&path("grades.good.label"), &NewValue::Text("true".into()))
            .unwrap();
        let text = doc.text();
        assert!(text.contains("label: \"新线\""), "{text}");
        assert!(text.contains("value: 'it''s'"), "{text}");
        assert!(
            text.contains("{ label: \"true\", money: 2000.5 }"),
            "{text}"
        );
        assert!(text.starts_with("# 龙文区 (comment kept)\n"));
        assert!(text.contains("   # trailing\n"));
        doc.set(&path("grades.good.label"), &NewValue::Text("良好".into()))
            .unwrap();
        assert!(doc.text().contains("{ label: \"良好\""), "{}", doc.text());
    }

    #[test]
    fn plain_text_that_would_misread_in_a_flow_mapping_is_quoted() {
        let mut doc = YamlDocument::parse(PACK).unwrap();
        doc.set(&path("grades.good.label"), &NewValue::Text("a, b".into()))
            .unwrap();
        assert_eq!(doc.get(&path("grades.good.label")).unwrap().value, "a, b");
        assert_eq!(doc.get(&path("grades.good.money")).unwrap().value, "2000.5");
    }

    #[test]
    fn block_and_empty_values_and_non_scalars_are_refused() {
        let mut doc = YamlDocument::parse(PACK).unwrap();
        let t = NewValue::Text("x".into());
        assert!(matches!(
            doc.set(&path("params.note.text"), &t),
            Err(EditError::NotInPlace(_))
        ));
        assert!(matches!(
            doc.set(&path("params.note.empty"), &t),
            Err(EditError::NotInPlace(_))
        ));
        assert!(matches!(
            doc.set(&path("params.note"), &t),
            Err(EditError::NotAScalar(_))
        ));
        assert!(matches!(
            doc.set(&path("list[0]"), &NewValue::Number(f64::NAN)),
            Err(EditError::NotFinite(_))
        ));
        assert!(matches!(
            doc.set(&path("grades.good.label"), &NewValue::Text("a\nb".into())),
            Err(EditError::BadText(_))
        ));
        assert_eq!(doc.text(), PACK);
    }

    #[test]
    fn a_missing_key_is_added_in_its_mapping_s_style() {
        let text = "rules:\n  - id: c\n    criteria:\n      - { id: a, expr: x }\n      - id: b\n        expr: y   # why\n      # the last one\nnext: 1\n";
        let mut doc = YamlDocument::parse(text).unwrap();
        doc.set_or_add(
            &path("rules[0].criteria[0].enabled"),
            &NewValue::Bool(false),
        )
        .unwrap();
        doc.set_or_add(
            &path("rules[0].criteria[1].enabled"),
            &NewValue::Bool(false),
        )
        .unwrap();
        assert_eq!(
            doc.text(),
            "rules:\n  - id: c\n    criteria:\n      - { id: a, expr: x, enabled: false }\n      - id: b\n        expr: y   # why\n        enabled: false\n      # the last one\nnext: 1\n"
        );
        // Once written, the key is set in place.
        doc.set_or_add(&path("rules[0].criteria[1].enabled"), &NewValue::Bool(true))
            .unwrap();
        assert!(doc.text().contains("        enabled: true\n"));
        assert!(
            doc.set_or_add(&path("nothing.here"), &NewValue::Bool(true))
                .is_err()
        );
    }

    #[test]
    fn sequence_items_are_addressed_by_index() {
        let mut doc = YamlDocument::parse(PACK).unwrap();
        doc.set(&path("list[1]"), &NewValue::Number(2.25)).unwrap();
        assert!(doc.text().contains("list: [1, 2.25]"));
    }

    /// Every value of every bundled pack written back as itself leaves the file byte for byte
    /// as it was: the edit touches nothing but the value, whatever the pack's layout.
    #[test]
    fn every_bundled_value_rewritten_as_itself_changes_nothing() {
        let policies = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let mut checked = 0;
        for entry in std::fs::read_dir(policies).unwrap() {
            let file = entry.unwrap().path().join("policy.yaml");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let mut doc = YamlDocument::parse(&text).unwrap();
            // Every third value of each pack, so the test stays quick (each edit parses the file
            // again); all kinds of values occur many times over.
            for scalar in doc.scalars().to_vec().into_iter().step_by(3) {
                let source = &text[scalar.byte_range.0..scalar.byte_range.1];
                let value = match scalar.style {
                    ScalarStyle::MultiLine | ScalarStyle::Empty => continue,
                    ScalarStyle::Plain if source.parse::<f64>().is_ok() => {
                        if number_text(source.parse().unwrap()) != source {
                            continue;
                        }
                        NewValue::Number(source.parse().unwrap())
                    }
                    ScalarStyle::Plain if source == "true" || source == "false" => {
                        NewValue::Bool(source == "true")
                    }
                    ScalarStyle::Plain if !plain_is_safe(&scalar.value) => continue,
                    _ => NewValue::Text(scalar.value.clone()),
                };
                doc.set(&scalar.path, &value)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                checked += 1;
            }
            assert_eq!(doc.text(), text, "{}", file.display());
        }
        assert!(checked > 300, "{checked}");
    }
}
