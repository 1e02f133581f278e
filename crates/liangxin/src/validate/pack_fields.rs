//! A pack's own fields: columns the shared schema (`schema/<subject>.yaml`) lacks, declared in
//! the pack's `fields:` with an id, a Chinese label, a type and optionally bounds, a default
//! and `percent`. Each sound declaration is added to the pack's schema, so ledgers, templates,
//! `--explain`, reports and checks use it like a field of the shared schema; one that clashes
//! with a shared field (its id or its label) or another declared field is an error.

use serde_saphyr::Spanned;

use super::is_identifier;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::raw::{Literal, RawPackField};
use crate::load::{At, Pack};
use crate::schema::{FieldDef, FieldType};
use crate::value::Value;

/// Adds the pack's sound field declarations to `pack.schema`; the problems of the others.
pub(super) fn merge(pack: &mut Pack) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut added: Vec<FieldDef> = Vec::new();
    for At { file, item } in &pack.own_fields {
        let mut error = |at: Location<'_>, code: &'static str, message: String, help: String| {
            let location = match at {
                Location::Str(s) => pack.loc(*file, s),
                Location::Num(s) => pack.loc(*file, s),
                Location::Literal(s) => pack.loc(*file, s),
            };
            let mut d = pack.attach(*file, Diagnostic::error(code, message, location));
            if !help.is_empty() {
                d.help = Some(help);
            }
            problems.push(d);
        };
        if let Some(def) = declaration(pack, item, &added, &mut error) {
            added.push(def);
        }
    }
    for def in added {
        pack.schema.fields.insert(def.id.clone(), def);
    }
    problems
}

/// A spanned value of a declaration, whatever its type.
enum Location<'a> {
    Str(&'a Spanned<String>),
    Num(&'a Spanned<f64>),
    Literal(&'a Spanned<Literal>),
}

/// The field one declaration makes, or `None` after reporting what is wrong with it.
fn declaration(
    pack: &Pack,
    raw: &RawPackField,
    earlier: &[FieldDef],
    error: &mut dyn FnMut(Location<'_>, &'static str, String, String),
) -> Option<FieldDef> {
    let schema = &pack.schema;
    let id = raw.id.value.trim();
    let label = raw.label.value.trim();
    let mut sound = true;
    if !is_identifier(id) {
        let message =
            format!("the field id `{id}` must be a snake_case identifier (letters, digits, _)");
        error(
            Location::Str(&raw.id),
            "own-field",
            message,
            "expressions name a field by its id; the Chinese goes in `label`".into(),
        );
        sound = false;
    } else if let Some(shared) = schema.field(id) {
        let message = format!(
            "the pack declares `{id}`, a field the {} schema already has ({}: {})",
            schema.subject, schema.origin, shared.label
        );
        let help = format!("list the schema's field by its id (`- {id}`) instead of declaring it");
        error(Location::Str(&raw.id), "field-clash", message, help);
        sound = false;
    } else if earlier.iter().any(|f| f.id == id) {
        let message = format!("the field `{id}` is declared twice");
        error(
            Location::Str(&raw.id),
            "duplicate-id",
            message,
            String::new(),
        );
        sound = false;
    }
    if label.is_empty() {
        let message = format!("the field `{id}` has an empty `label`");
        error(
            Location::Str(&raw.label),
            "own-field",
            message,
            "the label is the ledger column's Chinese header, e.g. 走访次数".into(),
        );
        sound = false;
    } else if let Some(shared) = schema
        .fields
        .values()
        .find(|f| f.label == label || f.id == label)
    {
        let message = format!(
            "the label {label} of `{id}` is the label of the {} schema's field `{}`; a ledger column {label} could not say which field it fills",
            schema.subject, shared.id
        );
        let help = format!(
            "read the schema's field (`- {}`), or give `{id}` a label of its own",
            shared.id
        );
        error(Location::Str(&raw.label), "field-clash", message, help);
        sound = false;
    } else if let Some(other) = earlier.iter().find(|f| f.label == label) {
        let message = format!(
            "the label {label} of `{id}` is also the label of `{}`",
            other.id
        );
        error(
            Location::Str(&raw.label),
            "field-clash",
            message,
            "each column needs a label of its own".into(),
        );
        sound = false;
    }
    let type_name = raw.r#type.value.trim();
    let ty = match FieldType::from_name(type_name, raw.values.clone()) {
        Ok(ty) => ty,
        Err(why) => {
            let close = match type_name {
                "integer" | "number" | "count" => Some("int"),
                "float" | "double" | "real" => Some("decimal"),
                "boolean" | "yes/no" => Some("bool"),
                "text" | "str" => Some("string"),
                other => did_you_mean(other, FieldType::NAMES),
            };
            let help = match close {
                Some(name) if name != type_name => format!("did you mean `{name}`?"),
                _ => "a type is int, decimal, bool, string, date or enum (with `values`)".into(),
            };
            error(
                Location::Str(&raw.r#type),
                "own-field",
                format!("field `{id}`: {why}"),
                help,
            );
            return None;
        }
    };
    let numeric = matches!(ty, FieldType::Int | FieldType::Decimal);
    if raw.values.is_some() && !matches!(ty, FieldType::Enum(_)) {
        let message = format!(
            "field `{id}` is a {} but lists `values`, which are for an enum",
            ty.name()
        );
        error(
            Location::Str(&raw.r#type),
            "own-field",
            message,
            "write `type: enum`, or leave `values` out".into(),
        );
        sound = false;
    }
    for bound in [&raw.min, &raw.max].into_iter().flatten() {
        if !numeric {
            let message = format!(
                "field `{id}` is a {}, but `min` and `max` are for numbers",
                ty.name()
            );
            error(Location::Num(bound), "own-field", message, String::new());
            sound = false;
        }
    }
    if let (Some(min), Some(max)) = (&raw.min, &raw.max)
        && min.value > max.value
    {
        let message = format!(
            "field `{id}` has `min: {}` above `max: {}`",
            min.value, max.value
        );
        error(Location::Num(min), "own-field", message, String::new());
        sound = false;
    }
    if raw.percent && !numeric {
        let message = format!(
            "field `{id}` is a {} but `percent: true` is for numbers",
            ty.name()
        );
        error(
            Location::Str(&raw.r#type),
            "own-field",
            message,
            String::new(),
        );
        sound = false;
    }
    let mut def = FieldDef {
        id: id.to_owned(),
        label: label.to_owned(),
        ty,
        description: raw.description.clone(),
        default: None,
        min: raw.min.as_ref().map(|m| m.value),
        max: raw.max.as_ref().map(|m| m.value),
        percent: raw.percent,
        own: true,
        source: raw.source.clone(),
        assumed: raw.assumed,
    };
    if let Some(default) = &raw.default {
        let json = match &default.value {
            Literal::Bool(b) => serde_json::Value::Bool(*b),
            // A whole number as one (`3`, not `3.0`), so messages quote it as written.
            Literal::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                serde_json::Value::from(*n as i64)
            }
            Literal::Num(n) => serde_json::Number::from_f64(*n)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Literal::Str(s) => serde_json::Value::String(s.clone()),
        };
        match def.parse_json(&json) {
            // `default: ""`: not filled in (a step not yet taken), for text, dates and choices.
            Ok(None)
                if matches!(
                    def.ty,
                    FieldType::String | FieldType::Date | FieldType::Enum(_)
                ) =>
            {
                def.default = Some(Value::Str(String::new()));
            }
            Ok(Some(value)) => def.default = Some(value),
            Ok(None) => {
                let message = format!(
                    "field `{id}` is a {}; an empty default is for text, dates and choices",
                    def.ty.name()
                );
                error(
                    Location::Literal(default),
                    "own-field",
                    message,
                    "give a number, or leave `default` out to make the column required".into(),
                );
                sound = false;
            }
            Err(why) => {
                error(
                    Location::Literal(default),
                    "own-field",
                    format!("the default of field `{id}`: {why}"),
                    String::new(),
                );
                sound = false;
            }
        }
    }
    sound.then_some(def)
}
