//! Typed field values of a record.

use std::fmt;

use serde::Serialize;

/// One field value, typed by the schema. Enum values hold the value id (not the label) and dates
/// are normalized to `YYYY-MM-DD`, so both compare as strings in expressions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// An `int` field's value.
    Int(i64),
    /// A `decimal` field's value.
    Decimal(f64),
    /// A `bool` field's value.
    Bool(bool),
    /// Text: a `string` field's value, a date as `YYYY-MM-DD`, or a choice's value id (not its
    /// label); an empty date, text or choice is `""`.
    Str(String),
}

impl Value {
    /// The value as a number, for ints and decimals.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Decimal(d) => Some(*d),
            _ => None,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Decimal(_) => "decimal",
            Value::Bool(_) => "bool",
            Value::Str(_) => "string",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{}", crate::number::format(*d)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "{s}"),
        }
    }
}

/// A field left empty (a date, text or choice whose cell was not filled: its default is
/// `""`), as the Rhai path sees it. Rhai would order `""` before every date, so an empty
/// 书记任职日期 would pass `since <= date`; as its own type, it equals `""` and only `""` (so
/// `x == ""` and `x != ""` still ask whether it was filled), and ordering it (`<`, `<=`, `>`,
/// `>=`) is an error naming the field. The native path does the same (the `native` module).
#[derive(Debug, Clone)]
pub struct Empty {
    /// The field, as `label (id)`.
    pub field: std::sync::Arc<str>,
}

impl Empty {
    /// Whether a field's value means "not filled": text (a date, a choice) that is empty. A
    /// cell of blanks is empty too (cells are trimmed when read), so no filled cell is `""`.
    pub fn is(value: &Value) -> bool {
        matches!(value, Value::Str(s) if s.is_empty())
    }
}

/// Why an ordering comparison with an empty field cannot be answered; the same words on both
/// paths.
pub(crate) fn empty_comparison(field: &str) -> String {
    format!(
        "{field} is empty; an empty value cannot be compared (test it with `== \"\"` first if it may be left empty)"
    )
}

/// Teaches a Rhai engine the [`Empty`] value: `==` and `!=` with text and with another empty
/// value, `<`, `<=`, `>`, `>=` with anything an error, and `is_empty`, `len`, `to_string` and
/// `+` as for `""`. Registered functions run before Rhai's built-in operators for a custom type,
/// which would answer `false` for any comparison of two different types.
pub(crate) fn register_empty(engine: &mut rhai::Engine) {
    use rhai::{Dynamic, EvalAltResult, ImmutableString};
    type Ordered = Result<bool, Box<EvalAltResult>>;
    // The empty value itself is the error's value: `script_error_what` words it as the
    // native path does.
    fn refuse(field: &Empty) -> Ordered {
        Err(Box::new(EvalAltResult::ErrorRuntime(
            Dynamic::from(field.clone()),
            rhai::Position::NONE,
        )))
    }
    engine.register_type_with_name::<Empty>("empty");
    engine
        .register_fn("==", |_: Empty, _: Empty| true)
        .register_fn("!=", |_: Empty, _: Empty| false)
        .register_fn("==", |_: Empty, s: ImmutableString| s.is_empty())
        .register_fn("==", |s: ImmutableString, _: Empty| s.is_empty())
        .register_fn("!=", |_: Empty, s: ImmutableString| !s.is_empty())
        .register_fn("!=", |s: ImmutableString, _: Empty| !s.is_empty())
        .register_fn("is_empty", |_: &mut Empty| true)
        .register_fn("len", |_: &mut Empty| 0_i64)
        .register_fn("to_string", |_: &mut Empty| ImmutableString::new())
        .register_fn("+", |s: ImmutableString, _: Empty| s)
        .register_fn("+", |_: Empty, s: ImmutableString| s);
    for op in ["<", "<=", ">", ">="] {
        engine
            .register_fn(op, |a: Empty, _: Empty| refuse(&a))
            .register_fn(op, |a: Empty, _: Dynamic| refuse(&a))
            .register_fn(op, |_: Dynamic, b: Empty| refuse(&b));
    }
}
