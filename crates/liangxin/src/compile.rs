//! Stage 3, compile: turn a [`Policy`] into a [`CompiledPolicy`] ready to evaluate records.
//!
//! Scripts are compiled once per run, never per record. Each expression takes the cheapest
//! path that computes it: a bare field or param name, or a number, is evaluated natively with
//! no script call; anything else is compiled to a Rhai AST with the params folded in as
//! constants. Compiling also probes each script expression once with placeholder values, which
//! catches type mistakes (a string compared with a number, a number where a yes/no is needed)
//! before any record is read.

use std::sync::Arc;

use indexmap::IndexMap;
use rhai::{AST, Dynamic, Engine, EvalAltResult, ParseError, ParseErrorType, Position, Scope};

use crate::diagnostic::{Diagnostic, Location, did_you_mean, has_errors};
use crate::evaluate::Name;
use crate::policy::{Expr, ParamValue, Policy, RuleKind};
use crate::sandbox::{self, Limits};
use crate::schema::FieldType;
use crate::value::Value;

/// What an expression must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    Number,
    Bool,
}

impl Expect {
    fn name(self) -> &'static str {
        match self {
            Expect::Number => "a number",
            Expect::Bool => "a yes/no value (true or false)",
        }
    }
}

/// An expression, compiled to the cheapest form that computes it.
#[derive(Debug, Clone)]
pub(crate) enum CompiledExpr {
    /// The value of a declared field (index into [`CompiledPolicy::slots`]).
    Field(usize),
    /// A number, a yes/no or a param's value, known before any record is read.
    Const(Value),
    /// A declarative expression (comparisons, and/or/not, + - *) evaluated in Rust.
    Native(crate::native::Native),
    /// A Rhai expression, with the pack's script functions attached.
    Script(Box<AST>),
}

/// A declared field the policy reads, and where it is in a record.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    /// Inline for short names, so pushing it into a scope per record does not allocate.
    pub name: rhai::Identifier,
    /// Index into the schema's fields (and so into a record's cells).
    pub field: usize,
    /// What the Rhai path sees when the field is left empty ([`crate::value::Empty`]).
    pub empty: Dynamic,
}

/// A policy ready to evaluate records. Immutable: evaluating never changes it.
pub struct CompiledPolicy {
    /// The validated policy it was compiled from: what an embedder reads to show the pack (its
    /// rules, params, grades, schema).
    pub policy: Policy,
    pub(crate) engine: Engine,
    /// The limits the engine was built with (a replay that locates a limit uses them too).
    pub(crate) limits: Limits,
    /// Which file defines each script function, for error messages.
    pub(crate) function_files: FunctionFiles,
    pub(crate) slots: Vec<Slot>,
    /// Per rule (same order as `policy.rules`), its expressions in order: points/bonus/
    /// deduction `[expr]`, veto `[when]`, checklist one per criterion, money `[when]` or `[]`.
    pub(crate) exprs: Vec<Vec<CompiledExpr>>,
    /// Params as scope constants, pushed before the fields of each record.
    pub(crate) constants: Vec<(String, Dynamic)>,
    /// Whether any expression needs Rhai (so a scope must be built per record).
    pub(crate) uses_scripts: bool,
    /// Where a record's `name` (姓名, 组织名称) is, for reports.
    pub(crate) name_field: Option<usize>,
    /// What group rules need of each record, computed with it: [`Outcome::group_values`].
    ///
    /// [`Outcome::group_values`]: crate::evaluate::Outcome
    pub(crate) group_reads: Vec<GroupRead>,
    /// Per group rule (same order as `policy.group_rules`), where its inputs are.
    pub(crate) groups: Vec<CompiledGroup>,
}

/// One value a group rule reads from each record.
#[derive(Debug, Clone)]
pub(crate) enum GroupRead {
    /// A declared field's value, by slot.
    Field(usize),
    /// Whether a selector's `when` holds, with the group rule's id for errors.
    When(CompiledExpr, Name),
}

/// Where a group rule's inputs are in [`CompiledPolicy::group_reads`].
#[derive(Debug, Clone)]
pub(crate) struct CompiledGroup {
    pub by: Option<usize>,
    /// Per selector (in [`crate::policy::GroupKind::selectors`] order), its `when`.
    pub when: Vec<Option<usize>>,
    /// Per selector, its `require`.
    pub require: Vec<Option<usize>>,
    /// Per `prefer` key that is a field, its read (metric and score come from the outcome).
    pub prefer: Vec<Option<usize>>,
}

/// Names outcomes refer to, made once per evaluator (each thread its own) instead of once per
/// record.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    /// Per rule: its id.
    pub rules: Vec<Name>,
    /// Per rule: its criteria's (or procedure steps') ids and `rule.criterion` keys (empty
    /// for other kinds).
    pub criteria: Vec<Vec<(Name, Name)>>,
    pub grades: IndexMap<String, GradeNames>,
}

#[derive(Debug, Clone)]
pub(crate) struct GradeNames {
    pub id: Name,
    pub label: Name,
    pub actions: Arc<[String]>,
    /// The key of the grade's money in the summary: `grade:<id>`.
    pub money_item: Name,
    /// The treatment's due date, when the grade has one and the assessment date is known.
    pub due: Option<Name>,
}

impl Names {
    pub(crate) fn of(policy: &Policy) -> Names {
        Names {
            rules: policy
                .rules
                .iter()
                .map(|r| Name::from(r.id.as_str()))
                .collect(),
            criteria: policy
                .rules
                .iter()
                .map(|r| match &r.kind {
                    RuleKind::Checklist(crate::rules::checklist::Checklist {
                        criteria, ..
                    }) => criteria
                        .iter()
                        .map(|c| {
                            (
                                Name::from(c.id.as_str()),
                                Name::from(crate::policy::criterion_key(&r.id, &c.id)),
                            )
                        })
                        .collect(),
                    // A procedure's steps are named like criteria: `procedure.step`.
                    RuleKind::Procedure(crate::rules::procedure::Procedure { steps }) => steps
                        .iter()
                        .map(|s| {
                            (
                                Name::from(s.field.as_str()),
                                Name::from(crate::policy::criterion_key(&r.id, &s.field)),
                            )
                        })
                        .collect(),
                    RuleKind::Base(_)
                    | RuleKind::Points(_)
                    | RuleKind::Veto(_)
                    | RuleKind::Money(_)
                    | RuleKind::Table(_) => Vec::new(),
                })
                .collect(),
            grades: policy
                .grades
                .iter()
                .map(|(id, g)| {
                    let names = GradeNames {
                        id: Name::from(id.as_str()),
                        label: Name::from(g.label.as_str()),
                        actions: Arc::from(g.actions.clone()),
                        money_item: Name::from(format!("grade:{id}")),
                        due: g
                            .due
                            .as_ref()
                            .and_then(|d| d.date.as_deref())
                            .map(Name::from),
                    };
                    (id.clone(), names)
                })
                .collect(),
        }
    }
}

impl std::fmt::Debug for CompiledPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledPolicy")
            .field("id", &self.policy.meta.id)
            .field("uses_scripts", &self.uses_scripts)
            .finish()
    }
}

impl CompiledPolicy {
    /// Per schema field, whether evaluating or reporting a record reads it: the declared
    /// fields, the id and the name.
    pub fn fields_read(&self) -> Vec<bool> {
        let schema = &self.policy.schema;
        let mut read = vec![false; schema.fields.len()];
        for slot in &self.slots {
            read[slot.field] = true;
        }
        for i in [schema.index_of(&schema.id_field), self.name_field]
            .into_iter()
            .flatten()
        {
            read[i] = true;
        }
        read
    }

    /// How many expressions take the native path and how many need Rhai.
    pub fn expression_paths(&self) -> (usize, usize) {
        let all = self
            .exprs
            .iter()
            .flatten()
            .chain(self.group_reads.iter().filter_map(|r| match r {
                GroupRead::When(e, _) => Some(e),
                GroupRead::Field(_) => None,
            }));
        let scripts = all
            .clone()
            .filter(|e| matches!(e, CompiledExpr::Script(_)))
            .count();
        (all.count() - scripts, scripts)
    }
}

/// Compiles a validated policy with the default limits.
///
/// # Errors
///
/// Every problem found in the policy's expressions and scripts (an expression that does not
/// parse or names something unknown, a script file that does more than define functions), as
/// diagnostics, warnings among them; without errors, the warnings come with the compiled policy.
pub fn compile(policy: Policy) -> Result<(CompiledPolicy, Vec<Diagnostic>), Vec<Diagnostic>> {
    compile_with(policy, Limits::default(), true)
}

/// Compiles a validated policy.
///
/// With `native` false every expression that is not a bare name or literal stays a Rhai script
/// (the tests use this to check that both paths agree).
///
/// # Errors
///
/// As [`compile`].
pub fn compile_with(
    policy: Policy,
    limits: Limits,
    native: bool,
) -> Result<(CompiledPolicy, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut engine = sandbox::engine(limits);
    crate::value::register_empty(&mut engine);
    let mut diagnostics = Vec::new();

    let (functions, function_files) = compile_scripts(&engine, &policy, &mut diagnostics);
    // With a broken script, calls to its functions would fail the probe for the wrong reason.
    let probe = !has_errors(&diagnostics);

    let slots: Vec<Slot> = policy
        .fields
        .iter()
        .filter_map(|name| {
            let field = policy.schema.index_of(name)?;
            let def = &policy.schema.fields[field];
            let empty = crate::value::Empty {
                field: format!("{} ({})", def.label, def.id).into(),
            };
            Some(Slot {
                name: name.as_str().into(),
                field,
                empty: Dynamic::from(empty),
            })
        })
        .collect();
    let constants: Vec<(String, Dynamic)> = policy
        .params
        .iter()
        .map(|(name, p)| {
            let value = match &p.value {
                // Whole params are Rhai integers, so `count >= min_members` compares int to int.
                ParamValue::Num(n) => crate::number::whole(*n)
                    .map_or_else(|| Dynamic::from_float(*n), Dynamic::from_int),
                ParamValue::Bool(b) => Dynamic::from_bool(*b),
                ParamValue::Str(s) => Dynamic::from(s.clone()),
            };
            (name.clone(), value)
        })
        .collect();

    // A scope with every name an expression may use: params as constants, fields holding a
    // placeholder of their type (for strict-variable checking and the type probe).
    let mut scope = Scope::new();
    for (name, value) in &constants {
        scope.push_constant_dynamic(name.clone(), value.clone());
    }
    for slot in &slots {
        scope.push_dynamic(
            slot.name.clone(),
            placeholder(&policy.schema.fields[slot.field].ty),
        );
    }

    let mut compiler = Compiler {
        vocabulary: crate::labels::Vocabulary::of(&policy),
        written: crate::labels::Rewritten::default(),
        engine: &engine,
        policy: &policy,
        slots: &slots,
        functions: &functions,
        function_files: &function_files,
        limits,
        probe,
        native,
        scope,
        diagnostics: &mut diagnostics,
    };
    let mut exprs = Vec::new();
    for rule in &policy.rules {
        let id = rule.id.as_str();
        let c = &mut compiler;
        let compiled = match &rule.kind {
            RuleKind::Base(_) => vec![],
            RuleKind::Points(k) => k.compile(c, id),
            RuleKind::Veto(k) => k.compile(c, id),
            RuleKind::Checklist(k) => k.compile(c, id),
            RuleKind::Procedure(k) => k.compile(c),
            RuleKind::Money(k) => k.compile(c, id),
            RuleKind::Table(k) => k.compile(c),
        };
        exprs.push(compiled);
    }
    let mut group_reads = Vec::new();
    let mut groups = Vec::new();
    for rule in &policy.group_rules {
        let mut field = |name: &str| {
            let slot = slots.iter().position(|s| s.name == name)?;
            group_reads.push(GroupRead::Field(slot));
            Some(group_reads.len() - 1)
        };
        let by = rule.by.as_deref().and_then(&mut field);
        let prefer = match &rule.kind {
            crate::policy::GroupKind::Lead { prefer, .. }
            | crate::policy::GroupKind::Quota { prefer, .. } => prefer
                .iter()
                .map(|p| match p {
                    crate::policy::Prefer::Field(name) => field(name),
                    _ => None,
                })
                .collect(),
            crate::policy::GroupKind::Rate { .. } => Vec::new(),
        };
        let (mut when, mut require) = (Vec::new(), Vec::new());
        for selector in rule.kind.selectors() {
            let mut read = |expr: &crate::policy::Expr| {
                let compiled = compiler.expr(expr, Expect::Bool, &rule.id);
                group_reads.push(GroupRead::When(compiled, Name::from(rule.id.as_str())));
                group_reads.len() - 1
            };
            when.push(selector.when.as_ref().map(&mut read));
            require.push(selector.require.as_ref().map(&mut read));
        }
        groups.push(CompiledGroup {
            by,
            when,
            require,
            prefer,
        });
    }
    if has_errors(&diagnostics) {
        return Err(diagnostics);
    }
    let uses_scripts = exprs
        .iter()
        .flatten()
        .chain(group_reads.iter().filter_map(|r| match r {
            GroupRead::When(e, _) => Some(e),
            GroupRead::Field(_) => None,
        }))
        .any(|e| matches!(e, CompiledExpr::Script(_)));
    let name_field = policy.schema.index_of("name");
    let compiled = CompiledPolicy {
        policy,
        engine,
        limits,
        function_files,
        slots,
        exprs,
        constants,
        uses_scripts,
        name_field,
        group_reads,
        groups,
    };
    diagnostics.extend(default_warnings(&compiled));
    Ok((compiled, diagnostics))
}

/// Conditions the schema's defaults alone decide: a criterion, veto, money or group condition
/// that reads only fields with defaults and holds when all of them are left empty (an empty
/// cell would count as met, as `default-passes`); and conditions that cannot be answered for a
/// record leaving a field empty, because they order it without testing it first
/// (`empty-compared`: every such record would be refused).
fn default_warnings(compiled: &CompiledPolicy) -> Vec<Diagnostic> {
    let policy = &compiled.policy;
    let schema = &policy.schema;
    let defs: Vec<&crate::schema::FieldDef> = compiled
        .slots
        .iter()
        .map(|s| &schema.fields[s.field])
        .collect();
    // A record leaving every cell empty: the defaults, and a value of its type for a field
    // without one (a condition reading such a field is not decided by defaults alone).
    let values: Vec<Value> = defs
        .iter()
        .map(|d| {
            d.default
                .clone()
                .unwrap_or_else(|| placeholder_value(&d.ty))
        })
        .collect();

    /// A condition: what it is, what holding means for it and for an empty cell, its
    /// expression, compiled.
    struct Condition<'a> {
        what: String,
        verb: &'static str,
        consequence: &'static str,
        expr: &'a Expr,
        compiled: &'a CompiledExpr,
    }
    let mut conditions: Vec<Condition> = Vec::new();
    for (rule, exprs) in policy.rules.iter().zip(&compiled.exprs) {
        match &rule.kind {
            RuleKind::Checklist(crate::rules::checklist::Checklist { criteria, .. }) => {
                for (c, e) in criteria.iter().zip(exprs) {
                    conditions.push(Condition {
                        what: format!("criterion `{}` of `{}`", c.id, rule.id),
                        verb: "passes",
                        consequence: "an empty cell would count as met",
                        expr: &c.expr,
                        compiled: e,
                    });
                }
            }
            RuleKind::Veto(crate::rules::veto::Veto { when, .. }) => {
                conditions.extend(exprs.first().map(|e| Condition {
                    what: format!("veto `{}`", rule.id),
                    verb: "fires",
                    consequence: "an empty cell would veto the record",
                    expr: when,
                    compiled: e,
                }))
            }
            RuleKind::Money(crate::rules::money::Pay {
                when: Some(when), ..
            }) => conditions.extend(exprs.first().map(|e| Condition {
                what: format!("money rule `{}`", rule.id),
                verb: "pays",
                consequence: "an empty cell would be paid for",
                expr: when,
                compiled: e,
            })),
            // No condition of their own: a base, points (a number, not a condition), money
            // paid always, procedures (dates), tables (their cells are checked by validate).
            RuleKind::Base(_)
            | RuleKind::Points(_)
            | RuleKind::Money(crate::rules::money::Pay { when: None, .. })
            | RuleKind::Procedure(_)
            | RuleKind::Table(_) => {}
        }
    }
    for (rule, group) in policy.group_rules.iter().zip(&compiled.groups) {
        for (selector, read) in rule.kind.selectors().into_iter().zip(&group.when) {
            if let (Some(when), Some(GroupRead::When(e, _))) = (
                &selector.when,
                read.and_then(|i| compiled.group_reads.get(i)),
            ) {
                conditions.push(Condition {
                    what: format!("a condition of group rule `{}`", rule.id),
                    verb: "holds",
                    consequence: "an empty cell would select the record",
                    expr: when,
                    compiled: e,
                });
            }
        }
    }

    let mut evaluator = compiled.evaluator();
    let mut warnings = Vec::new();
    for Condition {
        what,
        verb,
        consequence,
        expr,
        compiled: compiled_expr,
    } in conditions
    {
        let mut read: Vec<usize> = Vec::new();
        for name in crate::labels::names(&expr.text, policy) {
            if let Some(slot) = compiled.slots.iter().position(|s| s.name == name)
                && !read.contains(&slot)
            {
                read.push(slot);
            }
        }
        let mut loc = expr.loc.clone();
        loc.len = expr.text.chars().count() as u32;
        let warning = match evaluator.probe(compiled_expr, &values) {
            // Fields left empty (`default: ""`) are tested on purpose (`x == ""`); the warning
            // is for defaults that stand in for a value (是, 0, a choice).
            Ok(Value::Bool(true))
                if !read.is_empty() && read.iter().all(|&s| defs[s].default.is_some()) =>
            {
                let standing_in: Vec<usize> = read
                    .iter()
                    .copied()
                    .filter(|&s| !crate::value::Empty::is(&values[s]))
                    .collect();
                if standing_in.is_empty() {
                    continue;
                }
                let fields: Vec<String> = standing_in
                    .iter()
                    .map(|&s| format!("{} ({})", defs[s].label, defs[s].id))
                    .collect();
                let shown: Vec<String> = standing_in
                    .iter()
                    .map(|&s| shown_default(defs[s], &values[s]))
                    .collect();
                let (fields, defaults) = if fields.len() == 1 {
                    (
                        format!("{} is", fields[0]),
                        format!("its default is {}", shown[0]),
                    )
                } else {
                    (
                        format!("{} are", fields.join(" and ")),
                        format!("their defaults are {}", shown.join(" and ")),
                    )
                };
                Diagnostic::warning(
                    "default-passes",
                    format!("{what} {verb} when {fields} left empty: {defaults}; {consequence}"),
                    loc,
                )
                .with_help(
                    "if an empty cell must not count, test the field explicitly, or give it no default in the schema (an empty cell is then the record's error)",
                )
            }
            Err(message) => {
                // The field left empty that the condition orders, if that is why it failed.
                let Some(def) = read.iter().map(|&s| defs[s]).find(|d| {
                    let field = format!("{} ({})", d.label, d.id);
                    message.starts_with(&crate::value::empty_comparison(&field))
                }) else {
                    continue;
                };
                Diagnostic::warning(
                    "empty-compared",
                    format!(
                        "{what} orders {} ({}) without testing whether it was filled: every record that leaves it empty would be refused",
                        def.label, def.id
                    ),
                    loc,
                )
                .with_help(format!(
                    "say what an empty value means: `{id} != \"\" && …` leaves such records out, `{id} == \"\" || …` lets them in",
                    id = def.id
                ))
            }
            _ => continue,
        };
        warnings.push(match policy.files.get(expr.file) {
            Some(f) => warning.with_line_of(f),
            None => warning,
        });
    }
    warnings
}

/// A value of the field's type, for a field without a default.
fn placeholder_value(ty: &FieldType) -> Value {
    match ty {
        FieldType::Int => Value::Int(0),
        FieldType::Decimal => Value::Decimal(0.0),
        FieldType::Bool => Value::Bool(false),
        FieldType::String => Value::Str("-".to_owned()),
        FieldType::Date => Value::Str("2000-01-01".to_owned()),
        FieldType::Enum(values) => Value::Str(values.keys().next().cloned().unwrap_or_default()),
    }
}

/// A default as staff would type it: 是/否, a choice with its label, a number.
fn shown_default(def: &crate::schema::FieldDef, value: &Value) -> String {
    match (value, &def.ty) {
        (Value::Bool(true), _) => "是".to_owned(),
        (Value::Bool(false), _) => "否".to_owned(),
        (Value::Str(id), FieldType::Enum(values)) => match values.get(id) {
            Some(label) => format!("{label} ({id})"),
            None => id.clone(),
        },
        (other, _) => other.to_string(),
    }
}

/// A value of the field's type, for compile-time probing.
fn placeholder(ty: &FieldType) -> Dynamic {
    match ty {
        FieldType::Int => Dynamic::from_int(0),
        FieldType::Decimal => Dynamic::from_float(0.0),
        FieldType::Bool => Dynamic::from_bool(false),
        FieldType::String => Dynamic::from(String::new()),
        FieldType::Date => Dynamic::from("2000-01-01".to_owned()),
        FieldType::Enum(values) => Dynamic::from(values.keys().next().cloned().unwrap_or_default()),
    }
}

/// Compiles the pack's scripts into one AST of functions, and says which file defines each
/// function (Rhai's own record of it names the last file merged). Scripts may only define
/// functions: a top-level statement would run on every evaluation.
fn compile_scripts(
    engine: &Engine,
    policy: &Policy,
    diagnostics: &mut Vec<Diagnostic>,
) -> (AST, FunctionFiles) {
    let mut functions = AST::empty();
    let mut files = FunctionFiles::new();
    for script in &policy.scripts {
        let file = &policy.files[script.file];
        match engine.compile(&file.text) {
            Ok(mut ast) => {
                if let Some(statement) = ast.statements().first() {
                    let pos = statement.position();
                    let loc = Location {
                        file: file.path.clone(),
                        line: pos.line().unwrap_or(0) as u32,
                        column: pos.position().unwrap_or(1) as u32,
                        len: 1,
                    };
                    diagnostics.push(
                        Diagnostic::error("script", "a script may only define functions (`fn name(args) { ... }`); this is a top-level statement", loc)
                            .with_source(&file.text)
                            .with_help("move the statement into a function and call it from a rule's expression"),
                    );
                }
                ast.set_source(file.path.clone());
                for f in ast.iter_functions() {
                    files.insert(f.name.to_owned(), file.path.clone());
                }
                functions = functions.merge(&ast.clone_functions_only());
            }
            Err(e) => {
                let loc = Location {
                    file: file.path.clone(),
                    line: e.1.line().unwrap_or(0) as u32,
                    column: e.1.position().unwrap_or(1) as u32,
                    len: 1,
                };
                diagnostics.push(
                    Diagnostic::error("script-syntax", parse_message(&e.0), loc)
                        .with_source(&file.text),
                );
            }
        }
    }
    (functions, files)
}

/// A Rhai signature with the type names policy staff know.
fn rhai_types(signature: &str) -> String {
    signature
        .replace("&str | ImmutableString | String", "string")
        .replace("i64", "int")
        .replace("f64", "decimal")
}

/// Script function name -> the file that defines it.
pub(crate) type FunctionFiles = std::collections::HashMap<String, String>;

fn parse_message(e: &ParseErrorType) -> String {
    crate::diagnostic::lowercase_first(&e.to_string())
}

/// Compiles the expressions of a policy; each rule kind's module asks it for its own.
pub(crate) struct Compiler<'a> {
    /// Labels and words staff may write in place of ids and operators.
    vocabulary: crate::labels::Vocabulary,
    /// The expression being compiled as Rhai sees it, with the way back to the text as written.
    written: crate::labels::Rewritten,
    engine: &'a Engine,
    policy: &'a Policy,
    slots: &'a [Slot],
    functions: &'a AST,
    function_files: &'a FunctionFiles,
    limits: Limits,
    /// Whether to run each script expression once on placeholder values.
    probe: bool,
    /// Whether to lower declarative expressions to the native path.
    native: bool,
    scope: Scope<'static>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Compiler<'_> {
    /// The slot of a declared field, by id.
    pub(crate) fn slot(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|slot| slot.name == name)
    }

    pub(crate) fn expr(&mut self, expr: &Expr, expect: Expect, rule: &str) -> CompiledExpr {
        // Labels, choices by their labels and `and`/`or`/`not` words, rewritten for Rhai.
        self.written = match crate::labels::rewrite(&expr.text, &self.vocabulary) {
            Ok(written) => written,
            Err(unknown) => {
                self.written = crate::labels::Rewritten::same(&expr.text);
                for u in unknown {
                    let mut loc = self.position(expr, u.position);
                    loc.len = u.len as u32;
                    let mut d = Diagnostic::error(u.code, u.message, loc);
                    if let Some(help) = u.help {
                        d = d.with_help(help);
                    }
                    self.push(expr, d);
                }
                return CompiledExpr::Const(Value::Bool(false));
            }
        };
        let rewritten = self.written.text.clone();
        let text = rewritten.trim();
        // The native path: a bare name or a literal needs no script.
        if let Some(i) = self.slots.iter().position(|s| s.name == text) {
            let ty = &self.policy.schema.fields[self.slots[i].field].ty;
            let fits = match expect {
                Expect::Number => matches!(ty, FieldType::Int | FieldType::Decimal),
                Expect::Bool => matches!(ty, FieldType::Bool),
            };
            if !fits {
                self.type_error(
                    expr,
                    format!(
                        "rule `{rule}` needs {}, but field `{text}` is {}",
                        expect.name(),
                        ty.name()
                    ),
                );
            }
            return CompiledExpr::Field(i);
        }
        if let Some(param) = self.policy.params.get(text) {
            let value = match (&param.value, expect) {
                (ParamValue::Num(n), Expect::Number) => Some(Value::Decimal(*n)),
                (ParamValue::Bool(b), Expect::Bool) => Some(Value::Bool(*b)),
                _ => None,
            };
            return match value {
                Some(v) => CompiledExpr::Const(v),
                None => {
                    self.type_error(
                        expr,
                        format!(
                            "rule `{rule}` needs {}, but param `{text}` is not",
                            expect.name()
                        ),
                    );
                    CompiledExpr::Const(Value::Bool(false))
                }
            };
        }
        match (expect, text) {
            (Expect::Bool, "true") => return CompiledExpr::Const(Value::Bool(true)),
            (Expect::Bool, "false") => return CompiledExpr::Const(Value::Bool(false)),
            (Expect::Number, _) if text.parse::<f64>().is_ok_and(f64::is_finite) => {
                return CompiledExpr::Const(Value::Decimal(text.parse().unwrap_or(0.0)));
            }
            _ => {}
        }

        let own = match self
            .engine
            .compile_expression_with_scope(&self.scope, &rewritten)
        {
            Ok(ast) => ast,
            Err(e) => {
                self.syntax_error(expr, &e);
                return CompiledExpr::Const(Value::Bool(false));
            }
        };
        let ast = own.merge(self.functions);
        if self.probe {
            self.probe(expr, &ast, expect, rule);
        }
        if let Some((pos, a, b)) = crate::native::mismatched_comparison(&own, self) {
            let message = format!(
                "this compares {} with {}: Rhai treats them as unrelated, so the comparison is always false (always true with `!=`)",
                a.noun(),
                b.noun()
            );
            let d = Diagnostic::error("type", message, self.position(expr, pos)).with_help(
                "compare a field with a value of its own type (text in quotes, numbers without)",
            );
            self.push(expr, d);
        }
        if self.native
            && let Some((native, ty)) = crate::native::lower(&own, self)
        {
            let fits = match expect {
                Expect::Number => matches!(ty, crate::native::Ty::Int | crate::native::Ty::Decimal),
                Expect::Bool => ty == crate::native::Ty::Bool,
            };
            if fits {
                return CompiledExpr::Native(native);
            }
        }
        CompiledExpr::Script(Box::new(ast))
    }

    /// Runs the expression once on placeholder values to catch type mistakes early.
    fn probe(&mut self, expr: &Expr, ast: &AST, expect: Expect, rule: &str) {
        let mut scope = self.scope.clone();
        match self.engine.eval_ast_with_scope::<Dynamic>(&mut scope, ast) {
            Ok(value) => {
                let fits = match expect {
                    Expect::Number => value.is_int() || value.is_float(),
                    Expect::Bool => value.is_bool(),
                };
                if !fits {
                    self.type_error(
                        expr,
                        format!(
                            "rule `{rule}` needs {}, but this expression gives {}",
                            expect.name(),
                            value.type_name()
                        ),
                    );
                }
            }
            // A loop or recursion without end on placeholder values (0, empty text, false) will
            // likely fail many records: worth a warning, with the script line.
            Err(e) if e.is_system_exception() => {
                let place = crate::evaluate::locate::limit_location(
                    self.limits,
                    ast,
                    &self.scope,
                    self.function_files,
                )
                .unwrap_or_default();
                let message = format!(
                    "rule `{rule}`: on placeholder values (0, empty text, no) {}{place}; records like them will fail the same way",
                    crate::evaluate::script_error_what(&e)
                );
                let mut loc = expr.loc.clone();
                loc.len = expr.text.chars().count() as u32;
                let d = Diagnostic::warning("script-limit", message, loc);
                self.push(expr, d);
            }
            // A function a script function calls does not exist: that is the script's line.
            Err(e)
                if matches!(&*e, EvalAltResult::ErrorInFunctionCall(..))
                    && matches!(innermost(&e), EvalAltResult::ErrorFunctionNotFound(..)) =>
            {
                let (
                    EvalAltResult::ErrorInFunctionCall(function, ..),
                    EvalAltResult::ErrorFunctionNotFound(signature, pos),
                ) = (&*e, innermost(&e))
                else {
                    return;
                };
                let file = self
                    .function_files
                    .get(function)
                    .cloned()
                    .unwrap_or_default();
                let loc = Location {
                    file: file.clone(),
                    line: pos.line().unwrap_or(0) as u32,
                    column: pos.position().unwrap_or(1) as u32,
                    len: 1,
                };
                let message = format!(
                    "function `{function}` calls `{}`, which no script defines (or not for these types)",
                    rhai_types(signature)
                );
                let mut d = Diagnostic::error("unknown-function", message, loc);
                if let Some(f) = self.policy.files.iter().find(|f| f.path == file) {
                    d = d.with_source(&f.text);
                }
                self.diagnostics.push(d);
            }
            Err(e) => {
                let found = match innermost(&e) {
                    EvalAltResult::ErrorFunctionNotFound(signature, pos) => Some((
                        format!(
                            "no function or operator matches `{}` (check the types of the fields and params it uses)",
                            rhai_types(signature)
                        ),
                        *pos,
                    )),
                    // `if base_score { .. }`, `base_score && veto`: a number used as a yes/no.
                    EvalAltResult::ErrorMismatchDataType(expected, actual, pos) => Some((
                        format!(
                            "{} is used where {} is needed",
                            noun(actual),
                            noun(expected)
                        ),
                        *pos,
                    )),
                    _ => None,
                };
                if let Some((message, pos)) = found {
                    let d = Diagnostic::error("type", message, self.position(expr, pos));
                    self.push(expr, d);
                }
                // Other failures (say, a division by a placeholder zero) depend on the record:
                // they are reported when a record triggers them.
            }
        }
    }

    fn syntax_error(&mut self, expr: &Expr, e: &ParseError) {
        let (code, message, help) = match e.0.as_ref() {
            ParseErrorType::VariableUndefined(name) => {
                let schema = &self.policy.schema;
                let help = if schema.field(name).is_some() {
                    Some(format!(
                        "`{name}` is a field of the {} schema: add it to the pack's `fields:`",
                        schema.subject
                    ))
                } else {
                    let known = self
                        .slots
                        .iter()
                        .map(|s| s.name.as_str())
                        .chain(self.policy.params.keys().map(String::as_str))
                        .chain(schema.fields.keys().map(String::as_str));
                    did_you_mean(name, known).map(|s| format!("did you mean `{s}`?"))
                };
                (
                    "unknown-name",
                    format!("`{name}` is not a declared field or a param"),
                    help,
                )
            }
            other => ("syntax", parse_message(other), None),
        };
        // Staff write conditions as they say them: `a and b`, `a or not b`.
        let help = help.or_else(|| word_operators(&expr.text));
        let mut loc = self.position(expr, e.1);
        if let ParseErrorType::VariableUndefined(name) = e.0.as_ref() {
            loc.len = name.chars().count() as u32;
        }
        let mut d = Diagnostic::error(code, message, loc);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.push(expr, d);
    }

    fn type_error(&mut self, expr: &Expr, message: String) {
        let mut loc = expr.loc.clone();
        loc.len = expr.text.chars().count() as u32;
        let d = Diagnostic::error("type", message, loc);
        self.push(expr, d);
    }

    fn push(&mut self, expr: &Expr, d: Diagnostic) {
        let d = match self.policy.files.get(expr.file) {
            Some(f) => d.with_line_of(f),
            None => d,
        };
        self.diagnostics.push(d);
    }

    /// Where a Rhai position inside the expression is in the policy file.
    fn position(&self, expr: &Expr, pos: Position) -> Location {
        let pos = self.written.written_position(pos);
        expression_location(expr, &self.policy.files[expr.file].text, pos)
    }
}

/// How to write `and`, `or` and `not`, when an expression that failed to parse uses them as
/// words in capitals (in lower case they are operators).
fn word_operators(text: &str) -> Option<String> {
    let uses_words = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| {
            w.chars().any(|c| c.is_ascii_uppercase())
                && matches!(w.to_ascii_lowercase().as_str(), "and" | "or" | "not")
        });
    uses_words.then(|| {
        "write `and`, `or` and `not` in lower case, or as `&&`, `||` and `!`: `has_venue and (member_count >= 3 or not newly_established)`"
            .to_owned()
    })
}

impl crate::native::Names for Compiler<'_> {
    fn field(&self, name: &str) -> Option<(usize, crate::native::Ty)> {
        use crate::native::Ty;
        let slot = self.slots.iter().position(|s| s.name == name)?;
        let ty = match self.policy.schema.fields[self.slots[slot].field].ty {
            FieldType::Int => Ty::Int,
            FieldType::Decimal => Ty::Decimal,
            FieldType::Bool => Ty::Bool,
            FieldType::String | FieldType::Date | FieldType::Enum(_) => Ty::Str,
        };
        Some((slot, ty))
    }

    fn field_label(&self, slot: usize) -> String {
        let def = &self.policy.schema.fields[self.slots[slot].field];
        format!("{} ({})", def.label, def.id)
    }

    fn param(&self, name: &str) -> Option<Value> {
        // As the scope holds it: whole numbers are ints.
        Some(match &self.policy.params.get(name)?.value {
            ParamValue::Num(n) => crate::number::whole(*n).map_or(Value::Decimal(*n), Value::Int),
            ParamValue::Bool(b) => Value::Bool(*b),
            ParamValue::Str(s) => Value::Str(s.clone()),
        })
    }
}

/// Maps a position inside an expression to the policy file: same line for a one-line
/// expression (after an opening quote, if any), later lines for a block scalar.
pub(crate) fn expression_location(expr: &Expr, file_text: &str, pos: Position) -> Location {
    let mut loc = expr.loc.clone();
    loc.len = 1;
    let (Some(line), Some(column)) = (pos.line(), pos.position()) else {
        loc.len = expr.text.chars().count() as u32;
        return loc;
    };
    let start = file_text
        .lines()
        .nth(loc.line.saturating_sub(1) as usize)
        .and_then(|l| l.chars().nth(loc.column.saturating_sub(1) as usize));
    match start {
        Some('"' | '\'') if line == 1 => loc.column += column as u32,
        Some('|' | '>') => {
            loc.line += line as u32;
            loc.column = column as u32;
        }
        _ if line == 1 => loc.column += column as u32 - 1,
        _ => {
            loc.line += line as u32 - 1;
            loc.column = column as u32;
        }
    }
    loc
}

/// A Rhai type name in words staff read.
fn noun(rhai_type: &str) -> String {
    match rhai_type {
        "i64" | "int" => "a whole number".into(),
        "f64" | "float" | "decimal" => "a decimal number".into(),
        "bool" => "a yes/no value".into(),
        "string" | "&str" | "ImmutableString" | "String" => "a string".into(),
        other => format!("a {other}"),
    }
}

/// The error a script function call failed with, unwrapped.
pub(crate) fn innermost(e: &EvalAltResult) -> &EvalAltResult {
    match e {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => innermost(inner),
        other => other,
    }
}
