//! Every shape problem of a policy file at once. serde stops at the first unknown key or
//! wrong-typed value; when it does, the file is read again as a plain tree of YAML values
//! with their locations and walked against the JSON Schema schemars generates from the raw
//! types (the same one editors use, so the walk never drifts from what serde accepts), and
//! each unknown key (with a did-you-mean among the keys allowed there), wrong-typed value and
//! missing key becomes a diagnostic.
//!
//! The walk is lenient where serde-saphyr is (text accepts any scalar, yes/no is a bool), so it
//! reports only what serde would refuse; serde's own error is kept when the walk says nothing
//! at its place.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use serde_saphyr::Spanned;

use super::location;
use crate::diagnostic::{Diagnostic, did_you_mean};

/// A YAML value with the location of every value and key inside it.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Spanned<Node>>),
    /// Keys are read as text, as serde reads a struct's keys (`on:` is the key `on`, not
    /// YAML 1.1's `true`).
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v as f64))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Number(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Text(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Text(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Text(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

impl Node {
    /// What the value is, in the words of a message.
    fn describe(&self) -> String {
        match self {
            Node::Null => "empty".into(),
            Node::Bool(b) => format!("`{b}`"),
            Node::Number(n) => format!("the number {n}"),
            Node::Text(t) => format!("the text `{}`", shorten(t)),
            Node::List(_) => "a list".into(),
            Node::Map(_) => "a mapping (keys and values)".into(),
        }
    }

    fn as_text(&self) -> Option<String> {
        match self {
            Node::Text(t) => Some(t.clone()),
            Node::Number(n) => Some(n.to_string()),
            Node::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.value == key)
                .map(|(_, v)| &v.value),
            _ => None,
        }
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(30) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The shape problems of a policy file serde refused with `first`, in file order; `first`
/// itself when the walk finds nothing at its place (a YAML syntax error, a duplicate key).
pub fn problems(text: &str, file: &str, first: Diagnostic) -> Vec<Diagnostic> {
    let Ok(tree) = serde_saphyr::from_str::<Spanned<Node>>(text) else {
        return vec![first];
    };
    let schema = schemars::schema_for!(super::raw::RawPolicy);
    let root = schema.as_value();
    let mut walk = Walk {
        root,
        file,
        text,
        found: Vec::new(),
    };
    walk.value(&tree, root, &Place::top());
    let mut found = walk.found;
    let covered = found.iter().any(|d| {
        (d.location.line, d.location.column) == (first.location.line, first.location.column)
            || missing_key(&first.message).is_some_and(|key| {
                d.code == "missing-key" && d.message.starts_with(&format!("`{key}`"))
            })
    });
    if !covered {
        found.push(first);
    }
    found.sort_by_key(|d| (d.location.line, d.location.column));
    found
}

/// The key of serde's "missing field `x`".
fn missing_key(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Where a value is, for messages: the item it belongs to, the key it is under and its
/// position in a list.
#[derive(Clone)]
struct Place {
    /// `rule \`org_life\``, `the policy`.
    owner: String,
    key: Option<String>,
    /// Its position (from 1) in the list under `key`.
    item: Option<usize>,
}

impl Place {
    fn top() -> Place {
        Place {
            owner: "the policy".into(),
            key: None,
            item: None,
        }
    }

    fn describe(&self) -> String {
        match (&self.key, self.item) {
            (Some(key), Some(n)) => format!("item {n} of `{key}` in {}", self.owner),
            (Some(key), None) => format!("`{key}` of {}", self.owner),
            (None, _) => self.owner.clone(),
        }
    }
}

/// How an item of a raw type is named in messages.
enum Naming {
    /// By one of its keys: a rule by its `id`.
    Key(&'static str, &'static str),
    /// By the key it is under in a map of such items: a param by its name.
    MapKey(&'static str),
    /// By where it sits: `bands` of the policy, `lead` of group rule `x`.
    Place,
}

fn naming(def: &str) -> Naming {
    match def {
        "RawRule" => Naming::Key("rule", "id"),
        "RawCriterion" => Naming::Key("criterion", "id"),
        "RawDated" => Naming::Key("dated value", "from"),
        "RawBand" => Naming::Key("band", "grade"),
        "RawGroupRule" => Naming::Key("group rule", "id"),
        "RawStep" => Naming::Key("step", "field"),
        "RawPackField" => Naming::Key("field", "id"),
        "RawParam" => Naming::MapKey("param"),
        "RawCategory" => Naming::MapKey("category"),
        "RawGrade" => Naming::MapKey("grade"),
        _ => Naming::Place,
    }
}

struct Walk<'a> {
    root: &'a Json,
    file: &'a str,
    text: &'a str,
    found: Vec<Diagnostic>,
}

impl<'a> Walk<'a> {
    /// `schema` with its `$ref` followed, and the name of the definition it refers to.
    fn resolve(&self, schema: &'a Json) -> (&'a Json, Option<&'a str>) {
        let mut schema = schema;
        let mut name = None;
        for _ in 0..8 {
            let Some(target) = schema.get("$ref").and_then(Json::as_str) else {
                break;
            };
            let def = target.rsplit('/').next().unwrap_or(target);
            match self.root.get("$defs").and_then(|d| d.get(def)) {
                Some(next) => {
                    schema = next;
                    name = Some(def);
                }
                None => break,
            }
        }
        (schema, name)
    }

    /// The plain schemas `schema` stands for, `anyOf`s flattened, each with the name of the
    /// nearest definition it comes from.
    fn alternatives(
        &self,
        schema: &'a Json,
        def: Option<&'a str>,
        out: &mut Vec<(&'a Json, Option<&'a str>)>,
        depth: usize,
    ) {
        match schema.get("anyOf") {
            Some(Json::Array(any)) if depth < 8 => {
                for alternative in any {
                    let (resolved, name) = self.resolve(alternative);
                    self.alternatives(resolved, name.or(def), out, depth + 1);
                }
            }
            _ => out.push((schema, def)),
        }
    }

    fn push(
        &mut self,
        code: &'static str,
        message: String,
        at: &serde_saphyr::Location,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, message, location(self.file, at)).with_source(self.text);
        self.found.push(d);
        let last = self.found.len() - 1;
        &mut self.found[last]
    }

    /// Checks `node` against `schema`.
    fn value(&mut self, node: &Spanned<Node>, schema: &'a Json, place: &Place) {
        let (schema, def) = self.resolve(schema);
        let mut alternatives = Vec::new();
        self.alternatives(schema, def, &mut alternatives, 0);
        // The alternative whose type takes this kind of value.
        let chosen = alternatives
            .iter()
            .find(|(s, _)| accepts(s, &node.value))
            .copied();
        let Some((schema, def)) = chosen else {
            let expected = expectation(&alternatives);
            let message = format!(
                "{} must be {expected}, not {}",
                place.describe(),
                node.value.describe()
            );
            self.push("wrong-type", message, &node.referenced);
            return;
        };
        match &node.value {
            Node::Map(entries) => self.mapping(node, entries, schema, def, place),
            Node::List(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        let item_place = Place {
                            item: Some(i + 1),
                            ..place.clone()
                        };
                        self.value(item, item_schema, &item_place);
                    }
                }
            }
            _ => {}
        }
    }

    fn mapping(
        &mut self,
        node: &Spanned<Node>,
        entries: &[(Spanned<String>, Spanned<Node>)],
        schema: &'a Json,
        def: Option<&str>,
        place: &Place,
    ) {
        // The item's own name: `rule \`org_life\``, else where it sits.
        let owner = match def.map(naming) {
            Some(Naming::Key(noun, key)) => match node.value.get(key).and_then(Node::as_text) {
                Some(id) => format!("{noun} `{}`", shorten(&id)),
                None => format!("the {noun} that is {}", place.describe()),
            },
            Some(Naming::MapKey(noun)) => match &place.key {
                Some(key) => format!("{noun} `{}`", shorten(key)),
                None => place.describe(),
            },
            Some(Naming::Place) | None => place.describe(),
        };
        let properties = schema.get("properties").and_then(Json::as_object);
        let extra = schema.get("additionalProperties");
        for (key, value) in entries {
            let name = key.value.clone();
            let child = Place {
                owner: owner.clone(),
                key: Some(name.clone()),
                item: None,
            };
            if let Some(property) = properties.and_then(|p| p.get(&name)) {
                self.value(value, property, &child);
                continue;
            }
            match extra {
                Some(Json::Bool(false)) => {
                    let allowed: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let message = format!("unknown key `{}` in {owner}", shorten(&name));
                    let help = match did_you_mean(&name, allowed.iter().copied()) {
                        Some(s) => {
                            format!("did you mean `{s}`? {owner} takes: {}", allowed.join(", "))
                        }
                        None => format!("{owner} takes: {}", allowed.join(", ")),
                    };
                    self.push("unknown-key", message, &key.referenced).help = Some(help);
                }
                Some(schema @ Json::Object(_)) => {
                    // A map of named items (params, grades): the key names the item.
                    let child = Place {
                        owner: place.describe(),
                        key: Some(name),
                        item: None,
                    };
                    self.value(value, schema, &child);
                }
                _ => {}
            }
        }
        if let Some(Json::Array(required)) = schema.get("required") {
            for key in required.iter().filter_map(Json::as_str) {
                if node.value.get(key).is_none() {
                    let message = format!("`{key}` is missing from {owner}");
                    self.push("missing-key", message, &node.referenced).help = Some(format!(
                        "add `{key}:`; docs/policy-format.md says what it holds"
                    ));
                }
            }
        }
    }
}

/// The JSON Schema types of `schema`.
fn types(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        // No type: anything (a `Literal` resolved through `anyOf` never lands here).
        _ => vec![],
    }
}

/// Whether a value of this kind is what `schema` takes, as leniently as serde-saphyr reads.
fn accepts(schema: &Json, node: &Node) -> bool {
    let types = types(schema);
    if types.is_empty() {
        return true;
    }
    types.iter().any(|t| match (*t, node) {
        ("null", Node::Null) => true,
        ("object", Node::Map(_)) => true,
        ("array", Node::List(_)) => true,
        ("string", Node::Text(_) | Node::Number(_) | Node::Bool(_) | Node::Null) => true,
        ("number", Node::Number(_)) => true,
        ("number", Node::Text(t)) => t.trim().parse::<f64>().is_ok(),
        ("integer", Node::Number(n)) => {
            n.fract() == 0.0
                && schema
                    .get("minimum")
                    .and_then(Json::as_f64)
                    .is_none_or(|min| *n >= min)
        }
        ("boolean", Node::Bool(_)) => true,
        ("boolean", Node::Text(t)) => {
            matches!(
                t.trim().to_ascii_lowercase().as_str(),
                "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off"
            )
        }
        _ => false,
    })
}

/// What the alternatives take, in words: "a number or the name of a param".
fn expectation(alternatives: &[(&Json, Option<&str>)]) -> String {
    let mut words: Vec<String> = Vec::new();
    let names: Vec<&str> = alternatives.iter().filter_map(|(_, n)| *n).collect();
    if names.contains(&"NumOrName") {
        return "a number or the name of a param".into();
    }
    if names.contains(&"Literal") {
        return "a number, text or true/false".into();
    }
    for (schema, _) in alternatives {
        for t in types(schema) {
            let word = match t {
                "object" => "a mapping (keys and values)".to_owned(),
                "array" => "a list".to_owned(),
                "string" => "text".to_owned(),
                "number" => "a number".to_owned(),
                "integer" => match schema.get("minimum").and_then(Json::as_f64) {
                    Some(min) => format!("a whole number, {min} or more"),
                    None => "a whole number".to_owned(),
                },
                "boolean" => "true or false".to_owned(),
                _ => continue,
            };
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    match words.len() {
        0 => "something else".into(),
        _ => words.join(" or "),
    }
}
