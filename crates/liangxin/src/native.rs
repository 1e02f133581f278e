//! The native path for declarative expressions: comparisons, `&&`, `||`, `!`, `+`, `-`, `*` over
//! fields, params and literals (numbers, yes/no, text), and `if c { a } else { b }` over those,
//! run as Rust, with no script call per record.
//!
//! An expression is first compiled (and type-probed) by Rhai as usual; its AST is then lowered
//! here when every node is one of those shapes and every operand's type is known from the
//! schema, so the native result is exactly Rhai's. Anything else (function calls, strings
//! compared with numbers, `if`, division) stays a Rhai script. `tests` check both paths agree
//! on every bundled pack and fixture.

use std::sync::Arc;

use rhai::{AST, Expr, Stmt};

use crate::value::{Empty, Value};

/// A lowered expression.
#[derive(Debug, Clone)]
pub enum Native {
    /// A declared field, by slot.
    Field(usize),
    /// A declared text field (text, a date, a choice), by slot, with its `label (id)`: it may
    /// be left empty, which only `==` and `!=` can answer (as [`Empty`] on the Rhai path).
    Text(usize, Arc<str>),
    Const(Value),
    Compare(Compare, Box<Native>, Box<Native>),
    Arith(Arith, Box<Native>, Box<Native>),
    And(Vec<Native>),
    Or(Vec<Native>),
    Not(Box<Native>),
    /// `if cond { a } else { b }`.
    If(Box<Native>, Box<Native>, Box<Native>),
}

/// A comparison operator: what a decision table's number cell (`>= 60, < 75`) applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Compare {
    /// The operator as written: `>=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Compare::Ge => ">=",
            Compare::Gt => ">",
            Compare::Le => "<=",
            Compare::Lt => "<",
            Compare::Eq => "==",
            Compare::Ne => "!=",
        }
    }

    /// Whether `x` compares so with `bound`.
    pub fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Compare::Ge => x >= bound,
            Compare::Gt => x > bound,
            Compare::Le => x <= bound,
            Compare::Lt => x < bound,
            Compare::Eq => x == bound,
            Compare::Ne => x != bound,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
}

/// The static type of a lowered expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Int,
    Decimal,
    Bool,
    Str,
}

impl Ty {
    fn numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Decimal)
    }

    /// The kind in words staff read.
    pub fn noun(self) -> &'static str {
        match self {
            Ty::Int | Ty::Decimal => "a number",
            Ty::Bool => "a yes/no value",
            Ty::Str => "text",
        }
    }
}

/// What lowering needs to know about names: a declared field's slot and type, or a param's
/// value.
pub trait Names {
    fn field(&self, name: &str) -> Option<(usize, Ty)>;
    /// A field's `label (id)`, by slot, for messages.
    fn field_label(&self, slot: usize) -> String;
    fn param(&self, name: &str) -> Option<Value>;
}

/// Lowers a compiled expression, or None when it needs Rhai.
pub fn lower(ast: &AST, names: &dyn Names) -> Option<(Native, Ty)> {
    if ast.has_functions() {
        return None;
    }
    lower_block(ast.statements(), names)
}

/// A block of one statement: an expression, an operator call, or an `if` with an `else`.
fn lower_block(statements: &[Stmt], names: &dyn Names) -> Option<(Native, Ty)> {
    match statements {
        [Stmt::Expr(e)] => lower_expr(e, names),
        // An operator at the top is its own statement kind.
        [Stmt::FnCall(call, _)] => lower_call(call, names),
        [Stmt::If(flow, _)] => lower_if(flow, names),
        _ => None,
    }
}

/// `if cond { a } else { b }` with both branches of one kind (numbers count as one kind: each
/// branch gives its own value, as in Rhai). Without `else` the value would be `()`: not lowered.
fn lower_if(flow: &rhai::FlowControl, names: &dyn Names) -> Option<(Native, Ty)> {
    let (cond, Ty::Bool) = lower_expr(&flow.expr, names)? else {
        return None;
    };
    let (then, a) = lower_block(flow.body.statements(), names)?;
    let (otherwise, b) = lower_block(flow.branch.statements(), names)?;
    let ty = match (a, b) {
        (a, b) if a == b => a,
        (a, b) if a.numeric() && b.numeric() => Ty::Decimal,
        _ => return None,
    };
    Some((
        Native::If(Box::new(cond), Box::new(then), Box::new(otherwise)),
        ty,
    ))
}

/// A comparison of two different kinds of value (text with a number, yes/no with text): Rhai
/// answers `false` to those without complaint, so `grid > 3` would silently never hold. Gives
/// the operator's position and both kinds.
pub fn mismatched_comparison(ast: &AST, names: &dyn Names) -> Option<(rhai::Position, Ty, Ty)> {
    ast.statements().iter().find_map(|s| match s {
        Stmt::Expr(e) => mismatch_in(e, names),
        Stmt::FnCall(call, pos) => mismatch_in_call(call, *pos, names),
        _ => None,
    })
}

fn mismatch_in(e: &Expr, names: &dyn Names) -> Option<(rhai::Position, Ty, Ty)> {
    match e {
        Expr::And(operands, _) | Expr::Or(operands, _) => {
            operands.iter().find_map(|o| mismatch_in(o, names))
        }
        Expr::FnCall(call, pos) => mismatch_in_call(call, *pos, names),
        _ => None,
    }
}

fn mismatch_in_call(
    call: &rhai::FnCallExpr,
    pos: rhai::Position,
    names: &dyn Names,
) -> Option<(rhai::Position, Ty, Ty)> {
    if let Some(found) = call.args.iter().find_map(|a| mismatch_in(a, names)) {
        return Some(found);
    }
    if call.op_token.is_none() || compare_op(call.name.as_str()).is_none() || call.args.len() != 2 {
        return None;
    }
    let (_, a) = lower_expr(&call.args[0], names)?;
    let (_, b) = lower_expr(&call.args[1], names)?;
    let compatible = (a.numeric() && b.numeric()) || a == b;
    (!compatible).then_some((pos, a, b))
}

fn ty_of(v: &Value) -> Ty {
    match v {
        Value::Int(_) => Ty::Int,
        Value::Decimal(_) => Ty::Decimal,
        Value::Bool(_) => Ty::Bool,
        Value::Str(_) => Ty::Str,
    }
}

fn lower_expr(e: &Expr, names: &dyn Names) -> Option<(Native, Ty)> {
    match e {
        Expr::IntegerConstant(i, _) => Some((Native::Const(Value::Int(*i)), Ty::Int)),
        Expr::FloatConstant(f, _) => Some((Native::Const(Value::Decimal(**f)), Ty::Decimal)),
        Expr::BoolConstant(b, _) => Some((Native::Const(Value::Bool(*b)), Ty::Bool)),
        Expr::StringConstant(s, _) => Some((Native::Const(Value::Str(s.to_string())), Ty::Str)),
        // A param the optimizer folded in.
        Expr::DynamicConstant(d, _) => {
            let value = if let Ok(i) = d.as_int() {
                Value::Int(i)
            } else if let Ok(f) = d.as_float() {
                Value::Decimal(f)
            } else if let Ok(b) = d.as_bool() {
                Value::Bool(b)
            } else {
                return None;
            };
            let ty = ty_of(&value);
            Some((Native::Const(value), ty))
        }
        Expr::Variable(v, _, _) => {
            let name = v.1.as_str();
            if let Some((slot, ty)) = names.field(name) {
                if ty == Ty::Str {
                    let label = Arc::from(names.field_label(slot));
                    return Some((Native::Text(slot, label), ty));
                }
                return Some((Native::Field(slot), ty));
            }
            names.param(name).map(|value| {
                let ty = ty_of(&value);
                (Native::Const(value), ty)
            })
        }
        Expr::And(operands, _) | Expr::Or(operands, _) => {
            let lowered: Option<Vec<Native>> = operands
                .iter()
                .map(|o| match lower_expr(o, names)? {
                    (n, Ty::Bool) => Some(n),
                    _ => None,
                })
                .collect();
            let lowered = lowered?;
            Some((
                if matches!(e, Expr::And(..)) {
                    Native::And(lowered)
                } else {
                    Native::Or(lowered)
                },
                Ty::Bool,
            ))
        }
        Expr::FnCall(call, _) => lower_call(call, names),
        // A block used as a value, e.g. an `if` inside a larger expression.
        Expr::Stmt(block) => lower_block(block.statements(), names),
        _ => None,
    }
}

/// An operator call: comparisons, `!`, `+`, `-`, `*`. Calls of named functions stay in Rhai.
fn lower_call(call: &rhai::FnCallExpr, names: &dyn Names) -> Option<(Native, Ty)> {
    if call.op_token.is_none() || !call.namespace.is_empty() {
        return None;
    }

    let args: Option<Vec<(Native, Ty)>> = call.args.iter().map(|a| lower_expr(a, names)).collect();
    let mut args = args?;
    match (call.name.as_str(), args.len()) {
        ("!", 1) => match args.pop()? {
            (n, Ty::Bool) => Some((Native::Not(Box::new(n)), Ty::Bool)),
            _ => None,
        },
        (op, 2) => {
            let (b, tb) = args.pop()?;
            let (a, ta) = args.pop()?;
            if let Some(cmp) = compare_op(op) {
                // Numbers with numbers; text with text (Rhai orders strings as Rust does, so
                // `YYYY-MM-DD` dates order by date); yes/no only for (in)equality.
                let fits = (ta.numeric() && tb.numeric())
                    || (ta == Ty::Str && tb == Ty::Str)
                    || (ta == tb && matches!(cmp, Compare::Eq | Compare::Ne));
                return fits.then(|| (Native::Compare(cmp, Box::new(a), Box::new(b)), Ty::Bool));
            }
            let arith = match op {
                "+" => Arith::Add,
                "-" => Arith::Sub,
                "*" => Arith::Mul,
                _ => return None,
            };
            if !(ta.numeric() && tb.numeric()) {
                return None;
            }
            let ty = if ta == Ty::Int && tb == Ty::Int {
                Ty::Int
            } else {
                Ty::Decimal
            };
            Some((Native::Arith(arith, Box::new(a), Box::new(b)), ty))
        }
        _ => None,
    }
}

fn compare_op(op: &str) -> Option<Compare> {
    Some(match op {
        ">=" => Compare::Ge,
        ">" => Compare::Gt,
        "<=" => Compare::Le,
        "<" => Compare::Lt,
        "==" => Compare::Eq,
        "!=" => Compare::Ne,
        _ => return None,
    })
}

/// A value on its way through an expression: a text field left empty stays marked as such,
/// through `if`, up to the comparison that reads it.
enum Operand {
    Value(Value),
    /// A field left empty, with its `label (id)`.
    Empty(Arc<str>),
}

impl Operand {
    /// Whether this is empty: a field left empty, or the text `""`.
    fn blank(&self) -> bool {
        match self {
            Operand::Empty(_) => true,
            Operand::Value(v) => Empty::is(v),
        }
    }
}

/// A comparison with a field left empty on one side (at least): equal only to another empty
/// value or `""`, and never ordered (an error naming the field; the left one first), as the
/// Rhai path's [`crate::value::register_empty`] answers.
fn compare_empty(op: Compare, a: &Operand, b: &Operand) -> Result<bool, String> {
    match op {
        Compare::Eq => Ok(a.blank() && b.blank()),
        Compare::Ne => Ok(!(a.blank() && b.blank())),
        _ => match (a, b) {
            (Operand::Empty(field), _) | (_, Operand::Empty(field)) => {
                Err(crate::value::empty_comparison(field))
            }
            _ => Err("an empty value cannot be compared".to_owned()),
        },
    }
}

impl Native {
    /// Evaluates against the values of the declared fields (in slot order).
    pub fn eval(&self, values: &[Value]) -> Result<Value, String> {
        Ok(match self.operand(values)? {
            Operand::Value(v) => v,
            Operand::Empty(_) => Value::Str(String::new()),
        })
    }

    /// Evaluates, keeping a field left empty marked as such.
    fn operand(&self, values: &[Value]) -> Result<Operand, String> {
        match self {
            Native::Text(i, field) if Empty::is(&values[*i]) => Ok(Operand::Empty(field.clone())),
            Native::If(cond, then, otherwise) => {
                if truth(&cond.eval(values)?) {
                    then.operand(values)
                } else {
                    otherwise.operand(values)
                }
            }
            _ => self.value(values).map(Operand::Value),
        }
    }

    fn value(&self, values: &[Value]) -> Result<Value, String> {
        Ok(match self {
            Native::Field(i) | Native::Text(i, _) => values[*i].clone(),
            Native::Const(v) => v.clone(),
            Native::Not(n) => Value::Bool(!truth(&n.eval(values)?)),
            Native::If(cond, then, otherwise) => {
                if truth(&cond.eval(values)?) {
                    then.eval(values)?
                } else {
                    otherwise.eval(values)?
                }
            }
            Native::And(ns) => {
                for n in ns {
                    if !truth(&n.eval(values)?) {
                        return Ok(Value::Bool(false));
                    }
                }
                Value::Bool(true)
            }
            Native::Or(ns) => {
                for n in ns {
                    if truth(&n.eval(values)?) {
                        return Ok(Value::Bool(true));
                    }
                }
                Value::Bool(false)
            }
            Native::Compare(op, a, b) => {
                let (a, b) = match (a.operand(values)?, b.operand(values)?) {
                    (Operand::Value(a), Operand::Value(b)) => (a, b),
                    (a, b) => return compare_empty(*op, &a, &b).map(Value::Bool),
                };
                let ordering = match (&a, &b) {
                    (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
                    (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
                    (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
                    _ => a
                        .as_f64()
                        .zip(b.as_f64())
                        .and_then(|(x, y)| x.partial_cmp(&y)),
                };
                use std::cmp::Ordering::*;
                Value::Bool(match (op, ordering) {
                    (Compare::Ge, Some(o)) => o != Less,
                    (Compare::Gt, Some(o)) => o == Greater,
                    (Compare::Le, Some(o)) => o != Greater,
                    (Compare::Lt, Some(o)) => o == Less,
                    (Compare::Eq, Some(o)) => o == Equal,
                    (Compare::Ne, Some(o)) => o != Equal,
                    // NaN compares false, except for `!=`.
                    (Compare::Ne, None) => true,
                    (_, None) => false,
                })
            }
            Native::Arith(op, a, b) => match (a.eval(values)?, b.eval(values)?) {
                (Value::Int(x), Value::Int(y)) => {
                    let r = match op {
                        Arith::Add => x.checked_add(y),
                        Arith::Sub => x.checked_sub(y),
                        Arith::Mul => x.checked_mul(y),
                    };
                    Value::Int(r.ok_or_else(|| "arithmetic overflow".to_owned())?)
                }
                (a, b) => {
                    let (x, y) = (
                        a.as_f64().unwrap_or(f64::NAN),
                        b.as_f64().unwrap_or(f64::NAN),
                    );
                    Value::Decimal(match op {
                        Arith::Add => x + y,
                        Arith::Sub => x - y,
                        Arith::Mul => x * y,
                    })
                }
            },
        })
    }
}

fn truth(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}
