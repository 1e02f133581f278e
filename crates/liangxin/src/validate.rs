//! Stage 2, validate: turn a loaded [`Pack`] into a [`Policy`], checking everything that can
//! be checked without running an expression: field names against the schema, rule kinds and
//! their keys, param references, grades, categories, and that the bands cover every number
//! exactly once. All problems are collected; none stops the others from being found.

use crate::money::Money;
use std::collections::HashSet;

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Location, did_you_mean, has_errors, suggest};
use crate::load::raw::{Literal, NumOrName, RawGroupRule, RawParam, RawRule, RawSelector};
use crate::load::{At, Pack};
use crate::policy::*;

mod pack_fields;

/// The rule kinds of the format, as written.
pub(crate) const RULE_KINDS: [&str; 9] = [
    "base",
    "points",
    "bonus",
    "deduction",
    "veto",
    "checklist",
    "procedure",
    "money",
    "table",
];

/// A rule's `kind:` read once: every later step matches on this, never on the text, so a new
/// kind is a compile error wherever it is not yet handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KindName {
    Base,
    Points(Direction),
    Veto,
    Checklist,
    Procedure,
    Money,
    Table,
}

impl KindName {
    fn parse(text: &str) -> Option<KindName> {
        Some(match text {
            "base" => KindName::Base,
            "points" => KindName::Points(Direction::Points),
            "bonus" => KindName::Points(Direction::Bonus),
            "deduction" => KindName::Points(Direction::Deduction),
            "veto" => KindName::Veto,
            "checklist" => KindName::Checklist,
            "procedure" => KindName::Procedure,
            "money" => KindName::Money,
            "table" => KindName::Table,
            _ => return None,
        })
    }

    /// The keys a rule of this kind takes (besides id, kind, label, description, assumed,
    /// dimension): any other is a mistake, not decoration.
    fn keys(self) -> &'static [&'static str] {
        match self {
            KindName::Base => &["value"],
            KindName::Points(_) => &["expr", "min", "max", "category"],
            KindName::Veto => &["when", "grade"],
            KindName::Checklist => &["criteria", "at_least"],
            KindName::Procedure => &["steps"],
            KindName::Money => &["when", "amount"],
            KindName::Table => &["rows"],
        }
    }
}

/// What validation found: the policy (with every part that is sound), all diagnostics, and
/// whether its names (fields, params) are sound enough to compile its expressions. Compiling
/// even when other parts failed lets `check` report expression problems in the same pass;
/// skipping it when the names are broken avoids reporting one misspelt field twice.
#[derive(Debug)]
pub struct Validation {
    /// The validated policy, with every part that is sound (the broken parts left out).
    pub policy: Policy,
    /// Every error and warning found.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the policy's fields and params are sound enough to compile its expressions (see
    /// [`crate::compile::compile`]); when not, compiling would only repeat the same problems.
    pub compilable: bool,
}

/// Validates a pack, collecting every problem.
pub fn validate(pack: Pack) -> Validation {
    validate_at(pack, None)
}

/// Validates a pack with dated params read as of `as_of` (YYYY-MM-DD; without it, each dated
/// param's latest value).
pub fn validate_at(pack: Pack, as_of: Option<&str>) -> Validation {
    // The pack's own fields join its schema first, so everything after reads them like the
    // schema's fields.
    let mut pack = pack;
    let own_fields = pack_fields::merge(&mut pack);
    let mut v = Validator {
        pack: &pack,
        diagnostics: Vec::new(),
        used_params: HashSet::new(),
        as_of: as_of.map(str::to_owned),
        dated: false,
    };
    let fields_and_params = {
        let before = v.diagnostics.len();
        v.diagnostics.extend(own_fields);
        let fields = v.fields();
        let params = v.params();
        (fields, params, !has_errors(&v.diagnostics[before..]))
    };
    let mut policy = v.policy(fields_and_params.0, fields_and_params.1);
    // The assessment date is shown wherever it changes an answer: dated params, dates counted
    // back from it, and treatments due after it.
    if v.dated || policy.grades.values().any(|g| g.due.is_some()) {
        policy.meta.as_of = Some(v.as_of.clone().unwrap_or_else(|| "latest".to_owned()));
    }
    v.unused_params(&policy);
    Validation {
        policy,
        diagnostics: v.diagnostics,
        compilable: fields_and_params.2,
    }
}

/// The state of validating one pack: its diagnostics so far. Rule kinds' modules
/// ([`crate::rules`]) validate their own keys through it.
pub(crate) struct Validator<'a> {
    pub(crate) pack: &'a Pack,
    diagnostics: Vec<Diagnostic>,
    /// Params named in place of a number (bounds, caps, amounts).
    pub(crate) used_params: HashSet<String>,
    /// The date dated params are read at.
    as_of: Option<String>,
    /// Whether the pack has any dated param.
    dated: bool,
}

/// A rule being validated: where it is, as written, and what its keys may name.
pub(crate) struct RuleInput<'r> {
    pub file: usize,
    pub raw: &'r RawRule,
    pub params: &'r IndexMap<String, Param>,
    pub categories: &'r IndexMap<String, Category>,
    pub grades: &'r IndexMap<String, Grade>,
}

impl Validator<'_> {
    /// A rule lacks a key its kind needs.
    pub(crate) fn missing(&mut self, r: &RuleInput<'_>, key: &str) {
        let message = format!(
            "a `{}` rule needs `{key}` (rule `{}`)",
            r.raw.kind.value, r.raw.id.value
        );
        self.error(r.file, &r.raw.kind, "missing-key", message);
    }

    /// An expression as written, with where it was written.
    pub(crate) fn expr(&self, file: usize, s: &Spanned<String>) -> Expr {
        Expr {
            text: s.value.clone(),
            loc: self.pack.loc(file, s),
            file,
        }
    }

    pub(crate) fn error<T>(
        &mut self,
        file: usize,
        at: &Spanned<T>,
        code: &'static str,
        message: String,
    ) -> &mut Diagnostic {
        let d = self.pack.attach(
            file,
            Diagnostic::error(code, message, self.pack.loc(file, at)),
        );
        self.diagnostics.push(d);
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    /// An error about a file as a whole (a section with nothing in it to point at).
    pub(crate) fn error_in_file(&mut self, file: usize, code: &'static str, message: String) {
        let path = self.pack.files.get(file).map_or("", |f| f.path.as_str());
        let d = Diagnostic::error(code, message, Location::file_only(path));
        self.diagnostics.push(d);
    }

    pub(crate) fn warning<T>(
        &mut self,
        file: usize,
        at: &Spanned<T>,
        code: &'static str,
        message: String,
    ) {
        let d = self.pack.attach(
            file,
            Diagnostic::warning(code, message, self.pack.loc(file, at)),
        );
        self.diagnostics.push(d);
    }

    fn policy(&mut self, fields: Vec<String>, params: IndexMap<String, Param>) -> Policy {
        let pack = self.pack;
        let head = &pack.head;
        let meta = Meta {
            id: head.id.value.clone(),
            name: head.name.clone(),
            region: head.region.clone(),
            source: head.source.clone(),
            subject: pack.subject(),
            version: head.version.clone(),
            effective: head.effective.clone(),
            extends: pack.extends.clone(),
            as_of: None,
        };
        if meta.id.trim().is_empty() {
            self.error(0, &head.id, "metadata", "the policy `id` is empty".into());
        }
        let categories = self.categories(&params);
        let grades = self.grades(&params);
        let rules = self.rules(&params, &categories, &grades);
        let bands = self.bands(&params, &rules, &grades);
        self.untagged(&rules);
        self.unreachable(&rules, bands.as_ref());
        self.out_of_reach(&rules, bands.as_ref());
        self.unused_grades(&grades, bands.as_ref());
        let ranking = pack.ranking.as_ref().map(|At { file, item }| {
            if item.by.value != "score" {
                self.error(
                    *file,
                    &item.by,
                    "ranking",
                    format!("cannot rank by `{}`; ranking is `by: score`", item.by.value),
                );
            } else if !scores(&rules) {
                self.error(
                    *file,
                    &item.by,
                    "ranking",
                    "the policy ranks by score but has no base or points rules".into(),
                );
            }
            Ranking {
                exclude_vetoed: item.exclude_vetoed,
                assumed: item.assumed,
            }
        });
        let group_rules = self.group_rules(&params, &rules, bands.as_ref(), &grades);
        let catalog = self.catalog(&fields);
        let budget = pack.budget.as_ref().map(|At { file, item }| Budget {
            amount: self
                .money(*file, &item.amount, &params)
                .unwrap_or(Money::ZERO),
            label: item.label.clone(),
            source: item.source.clone(),
        });
        Policy {
            meta,
            schema: pack.schema.clone(),
            dimensions: pack.dimensions.clone(),
            fields,
            params,
            categories,
            rules,
            bands,
            grades,
            ranking,
            budget,
            group_rules,
            catalog,
            scripts: pack
                .scripts
                .iter()
                .map(|s| Script { file: s.file })
                .collect(),
            files: pack.files.clone(),
        }
    }

    fn fields(&mut self) -> Vec<String> {
        let schema = &self.pack.schema;
        let mut fields = Vec::new();
        for At { file, item } in &self.pack.fields {
            if schema.field(&item.value).is_some() {
                fields.push(item.value.clone());
                continue;
            }
            if (self.pack.own_fields.iter()).any(|f| f.item.id.value == item.value) {
                // A declaration of the pack's own whose problems are already reported.
                continue;
            }
            // Nothing says which type is wanted here: by name and by label.
            let help = match schema.closest(&item.value, |_| true) {
                Some(f) => format!("did you mean `{}` ({})?", f.id, f.label),
                None => format!(
                    "a column the {} schema lacks is declared in `fields:` with its id, label and type: `- {{ id: visits, label: 走访次数, type: int, min: 0 }}`",
                    schema.subject
                ),
            };
            let message = format!(
                "`{}` is not a field of the {} schema ({})",
                item.value, schema.subject, schema.origin
            );
            self.error(*file, item, "unknown-field", message).help = Some(help);
        }
        fields
    }

    fn params(&mut self) -> IndexMap<String, Param> {
        let mut params = IndexMap::new();
        for (
            name,
            At {
                file,
                item: (key, raw),
            },
        ) in &self.pack.params
        {
            if !is_identifier(name) {
                self.error(
                    *file,
                    key,
                    "param",
                    format!(
                        "param name `{name}` must be a snake_case identifier (letters, digits, _)"
                    ),
                );
            }
            if self.pack.schema.field(name).is_some() {
                self.error(
                    *file,
                    key,
                    "param",
                    format!("param `{name}` has the name of a record field; rename it"),
                );
            }
            // Expressions read these words as `&&`, `||` and `!`.
            if matches!(name.as_str(), "and" | "or" | "not") {
                self.error(
                    *file,
                    key,
                    "param",
                    format!(
                        "param name `{name}` is a word expressions read as an operator; rename it"
                    ),
                );
            }
            let before_as_of = raw
                .before_as_of
                .as_ref()
                .map(|b| crate::calendar::Interval {
                    years: b.value.years,
                    months: b.value.months,
                    days: b.value.days,
                });
            let found = match (&raw.before_as_of, before_as_of) {
                // On a mistake the param is kept (with no date), so the rules that use it are
                // not reported as well.
                (Some(at), Some(interval)) if raw.value.is_none() && raw.values.is_none() => {
                    let date = self.relative_date(*file, at, name, interval);
                    Some((ParamValue::Str(date.unwrap_or_default()), Vec::new()))
                }
                (Some(at), _) => {
                    self.error(
                        *file,
                        at,
                        "param",
                        format!("param `{name}` needs one of `value`, `values` or `before_as_of`, not several"),
                    );
                    None
                }
                _ => self.param_value(*file, key, raw),
            };
            let Some((value, history)) = found else {
                continue;
            };
            params.insert(
                name.clone(),
                Param {
                    value,
                    history,
                    before_as_of,
                    label: raw.label.clone(),
                    source: raw.source.clone(),
                    assumed: raw.assumed,
                },
            );
        }
        params
    }

    /// The date `interval` before the as-of date (`before_as_of`): the latest day from which
    /// the interval has passed by the as-of date, as [`crate::calendar`] counts it.
    fn relative_date<T>(
        &mut self,
        file: usize,
        at: &Spanned<T>,
        name: &str,
        interval: crate::calendar::Interval,
    ) -> Option<String> {
        use crate::calendar::Date;
        if interval.years > 100 || interval.months > 1200 || interval.days > 36_500 {
            let message = format!(
                "param `{name}` is {} before the as-of date: at most 100 years (1200 months, 36500 days)",
                interval.describe()
            );
            self.error(file, at, "param", message);
            return None;
        }
        self.dated = true;
        let Some(as_of) = self.as_of.clone() else {
            let message = format!(
                "param `{name}` is a date {} before the assessment date, and no as-of date was given",
                interval.describe()
            );
            self.error(file, at, "as-of-needed", message).help = Some(
                "pass the assessment date: `--as-of YYYY-MM-DD` on the command line, `prepare_at` in the library".into(),
            );
            return None;
        };
        match Date::parse(&as_of) {
            Some(day) if day.to_string() == as_of => Some(day.latest_start(interval).to_string()),
            _ => {
                let message = format!("the as-of date `{as_of}` is not a date (use YYYY-MM-DD)");
                self.error(file, at, "as-of-needed", message);
                None
            }
        }
    }

    /// A param's value in force on the as-of date, and its dated history (if it has one).
    fn param_value(
        &mut self,
        file: usize,
        key: &Spanned<String>,
        raw: &RawParam,
    ) -> Option<(ParamValue, Vec<(String, ParamValue)>)> {
        let literal = |l: &Literal| match l {
            Literal::Num(n) => ParamValue::Num(*n),
            Literal::Bool(b) => ParamValue::Bool(*b),
            Literal::Str(s) => ParamValue::Str(s.clone()),
        };
        let name = &key.value;
        match (&raw.value, &raw.values) {
            (Some(v), None) => Some((literal(&v.value), Vec::new())),
            (None, Some(values)) if !values.is_empty() => {
                let mut history: Vec<(String, ParamValue)> = Vec::new();
                for v in values {
                    let Some(date) = crate::schema::parse_date(&v.from.value) else {
                        self.error(
                            file,
                            &v.from,
                            "param",
                            format!("`{}` is not a date (use YYYY-MM-DD)", v.from.value),
                        );
                        // On a mistake the param keeps its first value, so the rules that use it are
                        // not reported as well.
                        return Some((literal(&values[0].value), Vec::new()));
                    };
                    if history.last().is_some_and(|(last, _)| *last >= date) {
                        self.error(file, &v.from, "param", format!("the values of param `{name}` must be in date order, each later than the one before"));
                        return Some((literal(&values[0].value), Vec::new()));
                    }
                    history.push((date, literal(&v.value)));
                }
                self.dated = true;
                // Without an as-of date, the latest value.
                let in_force = match &self.as_of {
                    Some(day) => history.iter().rev().find(|(from, _)| from <= day),
                    None => history.last(),
                };
                match in_force {
                    Some((_, value)) => Some((value.clone(), history.clone())),
                    None => {
                        let (first, value) = history[0].clone();
                        let as_of = self.as_of.clone().unwrap_or_default();
                        self.error(file, key, "param", format!("param `{name}` has no value in force on {as_of}: its first value takes effect on {first}"));
                        // Kept with its first value, so the rules that use it are not reported too.
                        Some((value, history))
                    }
                }
            }
            _ => {
                self.error(
                    file,
                    key,
                    "param",
                    format!(
                        "param `{name}` needs one of `value`, a non-empty `values` list or `before_as_of`"
                    ),
                );
                None
            }
        }
    }

    /// A number written in place or named by a numeric param.
    pub(crate) fn number(
        &mut self,
        file: usize,
        at: &Spanned<NumOrName>,
        params: &IndexMap<String, Param>,
    ) -> Option<f64> {
        match &at.value {
            NumOrName::Num(n) => Some(*n),
            NumOrName::Name(name) => match params.get(name).map(|p| &p.value) {
                Some(ParamValue::Num(n)) => {
                    self.used_params.insert(name.clone());
                    Some(*n)
                }
                Some(value) => {
                    // Used, if wrongly: no `unused-param` warning on top of this error.
                    self.used_params.insert(name.clone());
                    let shown = match value {
                        ParamValue::Str(s) => format!("`{s}`"),
                        other => format!("{other:?}"),
                    };
                    self.error(
                        file,
                        at,
                        "param-type",
                        format!("param `{name}` is {shown}, not a number"),
                    )
                    .help =
                        Some("write the param's value as a plain number, e.g. `value: 900`".into());
                    None
                }
                None => {
                    let help = suggest(
                        name,
                        params.keys().map(String::as_str),
                        "declare it under `params:`",
                    );
                    let message =
                        format!("`{name}` is neither a number nor a param of this policy");
                    self.error(file, at, "unknown-param", message).help = Some(help);
                    None
                }
            },
        }
    }

    /// A number or param that is an amount of money, in whole fen.
    pub(crate) fn money(
        &mut self,
        file: usize,
        at: &Spanned<NumOrName>,
        params: &IndexMap<String, Param>,
    ) -> Option<Money> {
        let yuan = self.number(file, at, params)?;
        match Money::from_yuan(yuan) {
            Ok(m) => Some(m),
            Err(e) => {
                self.error(file, at, "money-amount", format!("amount {e}"))
                    .help =
                    Some("write amounts in yuan with at most two decimals, e.g. `12.50`".into());
                None
            }
        }
    }

    /// A `min`/`max` pair of caps, resolved, with `max` below `min` reported.
    pub(crate) fn caps(
        &mut self,
        file: usize,
        min: Option<&Spanned<NumOrName>>,
        max: Option<&Spanned<NumOrName>>,
        params: &IndexMap<String, Param>,
    ) -> (Option<f64>, Option<f64>) {
        let lo = min.and_then(|m| self.number(file, m, params));
        let hi = max.and_then(|m| self.number(file, m, params));
        if let (Some(lo), Some(hi), Some(at)) = (lo, hi, max)
            && lo > hi
        {
            self.error(file, at, "cap", format!("`max` {hi} is below `min` {lo}"));
        }
        (lo, hi)
    }

    fn categories(&mut self, params: &IndexMap<String, Param>) -> IndexMap<String, Category> {
        let mut out = IndexMap::new();
        for (
            name,
            At {
                file,
                item: (_, raw),
            },
        ) in &self.pack.categories
        {
            let (min, max) = self.caps(*file, raw.min.as_ref(), raw.max.as_ref(), params);
            out.insert(
                name.clone(),
                Category {
                    label: raw.label.clone(),
                    min,
                    max,
                    assumed: raw.assumed,
                },
            );
        }
        out
    }

    fn grades(&mut self, params: &IndexMap<String, Param>) -> IndexMap<String, Grade> {
        let mut out = IndexMap::new();
        for (
            name,
            At {
                file,
                item: (_, raw),
            },
        ) in &self.pack.grades
        {
            let money = raw
                .money
                .as_ref()
                .and_then(|m| self.money(*file, m, params))
                .unwrap_or(Money::ZERO);
            let due = raw.due.as_ref().and_then(|d| {
                let within = crate::calendar::Interval {
                    years: d.years,
                    months: d.months,
                    days: d.days,
                };
                if within == crate::calendar::Interval::default()
                    || d.years > 100
                    || d.months > 1200
                    || d.days > 36_500
                {
                    let message = format!(
                        "grade `{name}`: `due` is a time from the assessment date, from 1 day to 100 years: `years`, `months` or `days`"
                    );
                    self.error(*file, &self.pack.grades[name].item.0, "grade", message);
                    return None;
                }
                // The assessment date is the caller's (`--as-of`); without one the date is
                // left out rather than guessed.
                let date = self
                    .as_of
                    .as_deref()
                    .and_then(crate::calendar::Date::parse)
                    .map(|day| day.plus(within).to_string());
                Some(Due {
                    within_text: within.describe(),
                    within,
                    date,
                    source: d.source.clone(),
                    assumed: d.assumed,
                })
            });
            out.insert(
                name.clone(),
                Grade {
                    label: raw.label.clone(),
                    assumed: raw.assumed,
                    pass: raw.pass,
                    actions: raw.actions.clone(),
                    money,
                    due,
                },
            );
        }
        out
    }

    fn rules(
        &mut self,
        params: &IndexMap<String, Param>,
        categories: &IndexMap<String, Category>,
        grades: &IndexMap<String, Grade>,
    ) -> Vec<Rule> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut rules = Vec::new();
        for At { file, item: raw } in &self.pack.rules {
            self.rule_id(*file, &raw.id, &mut seen, "rule");
            if let Some(kind) = self.rule_kind(*file, raw, params, categories, grades) {
                rules.push(Rule {
                    id: raw.id.value.clone(),
                    label: raw.label.clone(),
                    assumed: raw.assumed,
                    dimension: self.dimension(*file, raw.dimension.as_ref()),
                    kind,
                    loc: self.pack.loc(*file, &raw.id),
                });
            }
        }
        crate::rules::table::Table::resolve(self, &mut rules, params, grades);
        rules
    }

    fn rule_kind(
        &mut self,
        file: usize,
        raw: &RawRule,
        params: &IndexMap<String, Param>,
        categories: &IndexMap<String, Category>,
        grades: &IndexMap<String, Grade>,
    ) -> Option<RuleKind> {
        let kind = raw.kind.value.as_str();
        let Some(name) = KindName::parse(kind) else {
            let suggestion = did_you_mean(kind, RULE_KINDS);
            let d = self.error(
                file,
                &raw.kind,
                "unknown-kind",
                format!("unknown rule kind `{kind}`"),
            );
            d.help = Some(match suggestion {
                Some(s) => format!(
                    "did you mean `{s}`? the kinds are: {}",
                    RULE_KINDS.join(", ")
                ),
                None => format!("the kinds are: {}", RULE_KINDS.join(", ")),
            });
            return None;
        };
        let allowed = name.keys();
        let present: [(&str, Option<Location>); 12] = [
            ("value", raw.value.as_ref().map(|s| self.pack.loc(file, s))),
            ("expr", raw.expr.as_ref().map(|s| self.pack.loc(file, s))),
            ("when", raw.when.as_ref().map(|s| self.pack.loc(file, s))),
            ("min", raw.min.as_ref().map(|s| self.pack.loc(file, s))),
            ("max", raw.max.as_ref().map(|s| self.pack.loc(file, s))),
            (
                "category",
                raw.category.as_ref().map(|s| self.pack.loc(file, s)),
            ),
            ("grade", raw.grade.as_ref().map(|s| self.pack.loc(file, s))),
            (
                "criteria",
                raw.criteria
                    .as_ref()
                    .map(|_| self.pack.loc(file, &raw.kind)),
            ),
            (
                "at_least",
                raw.at_least.as_ref().map(|s| self.pack.loc(file, s)),
            ),
            (
                "amount",
                raw.amount.as_ref().map(|s| self.pack.loc(file, s)),
            ),
            (
                "steps",
                raw.steps.as_ref().map(|_| self.pack.loc(file, &raw.kind)),
            ),
            (
                "rows",
                raw.rows.as_ref().map(|_| self.pack.loc(file, &raw.kind)),
            ),
        ];
        let mut misplaced = false;
        for (key, loc) in present {
            if let Some(loc) = loc.filter(|_| !allowed.contains(&key)) {
                misplaced = true;
                let d = Diagnostic::error(
                    "misplaced-key",
                    format!(
                        "`{key}` does not apply to a `{kind}` rule (rule `{}`)",
                        raw.id.value
                    ),
                    loc,
                )
                .with_help(format!("a `{kind}` rule takes: {}", allowed.join(", ")));
                self.diagnostics.push(self.pack.attach(file, d));
            }
        }
        if misplaced {
            return None;
        }
        let input = RuleInput {
            file,
            raw,
            params,
            categories,
            grades,
        };
        let r = &input;
        use crate::rules::{base, checklist, money, points, procedure, table, veto};
        match name {
            KindName::Base => base::Base::validate(self, r).map(RuleKind::Base),
            KindName::Points(direction) => {
                points::Points::validate(self, r, direction).map(RuleKind::Points)
            }
            KindName::Veto => veto::Veto::validate(self, r).map(RuleKind::Veto),
            KindName::Checklist => checklist::Checklist::validate(self, r).map(RuleKind::Checklist),
            KindName::Procedure => procedure::Procedure::validate(self, r).map(RuleKind::Procedure),
            KindName::Money => money::Pay::validate(self, r).map(RuleKind::Money),
            // Its inputs may be any rule of the pack: resolved once every rule is read
            // (`Table::resolve`).
            KindName::Table => table::Table::placeholder(self, r).map(RuleKind::Table),
        }
    }

    fn group_rules(
        &mut self,
        params: &IndexMap<String, Param>,
        rules: &[Rule],
        bands: Option<&Bands>,
        grades: &IndexMap<String, Grade>,
    ) -> Vec<GroupRule> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for At { file, item: raw } in &self.pack.group_rules {
            let file = *file;
            self.rule_id(file, &raw.id, &mut seen, "group rule");
            // `by` is checked even when the kind's keys are not sound: every problem at once.
            let kind = self.group_kind(file, raw, params, rules, bands, grades);
            let by = raw.by.as_ref().and_then(|by| {
                self.declared(file, by, "group by")
                    .then(|| by.value.clone())
            });
            if let Some(kind) = kind {
                out.push(GroupRule {
                    id: raw.id.value.clone(),
                    label: raw.label.clone(),
                    source: raw.source.clone(),
                    assumed: raw.assumed,
                    by,
                    kind,
                    loc: self.pack.loc(file, &raw.id),
                });
            }
        }
        out
    }

    fn group_kind(
        &mut self,
        file: usize,
        raw: &RawGroupRule,
        params: &IndexMap<String, Param>,
        rules: &[Rule],
        bands: Option<&Bands>,
        grades: &IndexMap<String, Grade>,
    ) -> Option<GroupKind> {
        const KINDS: [&str; 3] = ["lead", "rate", "quota"];
        let kind = raw.kind.value.as_str();
        let id = &raw.id.value;
        let present = [
            ("lead", raw.lead.is_some()),
            ("pair", raw.pair.is_some()),
            ("count", raw.count.is_some()),
            ("of", raw.of.is_some()),
            ("at_least", raw.at_least.is_some()),
            ("select", raw.select.is_some()),
            ("at_most", raw.at_most.is_some()),
            ("demote_to", raw.demote_to.is_some()),
        ];
        let (allowed, required): (&[&str], &[&str]) = match kind {
            "lead" => (&["lead", "pair"], &["lead"]),
            "rate" => (&["count", "of", "at_least"], &["count"]),
            "quota" => (
                &["select", "at_most", "demote_to"],
                &["select", "at_most", "demote_to"],
            ),
            _ => {
                let help = suggest(kind, KINDS, "a group rule is `lead`, `rate` or `quota`");
                let message = format!("unknown group rule kind `{kind}`");
                self.error(file, &raw.kind, "unknown-kind", message).help = Some(help);
                return None;
            }
        };
        let mut sound = true;
        for (key, _) in present.iter().filter(|(k, p)| *p && !allowed.contains(k)) {
            let message = format!("`{key}` does not apply to a `{kind}` group rule (`{id}`)");
            self.error(file, &raw.kind, "misplaced-key", message).help = Some(format!(
                "a `{kind}` group rule takes: by, {}",
                allowed.join(", ")
            ));
            sound = false;
        }
        for required in required {
            if !present.iter().any(|(k, p)| k == required && *p) {
                let message = format!("a `{kind}` group rule needs `{required}` (`{id}`)");
                self.error(file, &raw.kind, "missing-key", message);
                sound = false;
            }
        }
        if kind == "lead" && raw.by.is_none() {
            let message =
                format!("a `lead` group rule needs `by`, the field that makes the groups (`{id}`)");
            self.error(file, &raw.kind, "missing-key", message);
            sound = false;
        }
        let selector = |this: &mut Self, s: &Option<RawSelector>, prefers: bool| {
            s.as_ref()
                .map(|s| this.selector(file, s, prefers, rules, bands, grades))
        };
        let kind = match kind {
            "quota" => {
                // A quota's records are those of its grades; a `when` beside them would bring
                // records of other grades (a failing one "demoted" upward). `require` narrows.
                if let Some(w) = raw.select.as_ref().and_then(|s| s.when.as_ref()) {
                    let message = format!(
                        "quota `{id}` selects by `grades` only: `when` would let records of other grades compete"
                    );
                    self.error(file, w, "group-rule", message).help =
                        Some("to narrow the selected grades, use `require:`".into());
                    sound = false;
                }
                let select = selector(self, &raw.select, true);
                let at_most = raw.at_most.as_ref().and_then(|a| {
                    let n = self.number(file, a, params)?;
                    if n.fract() != 0.0 || !(1.0..=1e9).contains(&n) {
                        let message = format!(
                            "`at_most` is how many records keep their grade: a whole number from 1, not {}",
                            crate::number::format(n)
                        );
                        self.error(file, a, "group-rule", message);
                        return None;
                    }
                    Some(n as usize)
                });
                let demote_to = raw
                    .demote_to
                    .as_ref()
                    .and_then(|g| self.grade_id(file, g, grades));
                let (select, prefer) = select?;
                if let (Some(g), Some(id)) = (&raw.demote_to, &demote_to)
                    && select.grades.contains(id)
                {
                    let message = format!(
                        "`demote_to: {}` is one of the grades the quota selects: a demoted record would compete again",
                        g.value
                    );
                    self.error(file, g, "group-rule", message);
                    return None;
                }
                if select.grades.is_empty() {
                    let message = format!(
                        "quota `{id}` must select by `grades`: it keeps some records' grade and demotes the others"
                    );
                    self.error(file, &raw.kind, "group-rule", message);
                    return None;
                }
                if prefer.is_empty() {
                    let message = format!(
                        "quota `{id}` has no `prefer`: in a group with more candidates than places, all of them tie and none is graded"
                    );
                    self.warning(file, &raw.kind, "quota-unranked", message);
                }
                GroupKind::Quota {
                    select,
                    prefer,
                    at_most: at_most?,
                    demote_to: demote_to?,
                }
            }
            "lead" => {
                let lead = selector(self, &raw.lead, true);
                let pair = selector(self, &raw.pair, false);
                let (lead, prefer) = lead?;
                GroupKind::Lead {
                    lead,
                    prefer,
                    pair: pair.map(|(s, _)| s),
                }
            }
            _ => {
                let count = selector(self, &raw.count, false);
                let of = selector(self, &raw.of, false);
                let at_least = raw.at_least.as_ref().and_then(|a| {
                    let n = self.number(file, a, params)?;
                    if !(0.0..=1.0).contains(&n) {
                        let message = format!(
                            "`at_least` is a rate from 0 to 1 (0.856 for 85.6%), not {}",
                            crate::number::format(n)
                        );
                        self.error(file, a, "group-rule", message);
                        return None;
                    }
                    Some(n)
                });
                GroupKind::Rate {
                    count: count?.0,
                    of: of.map(|(s, _)| s),
                    at_least,
                }
            }
        };
        sound.then_some(kind)
    }

    /// A selector's grades must exist and its `prefer` keys be measurable.
    fn selector(
        &mut self,
        file: usize,
        raw: &RawSelector,
        prefers: bool,
        rules: &[Rule],
        bands: Option<&Bands>,
        grades: &IndexMap<String, Grade>,
    ) -> (Selector, Vec<Prefer>) {
        let selected: Vec<String> = raw
            .grades
            .iter()
            .filter_map(|g| self.grade_id(file, g, grades))
            .collect();
        let mut prefer = Vec::new();
        for p in &raw.prefer {
            if !prefers {
                let message = "`prefer` applies only to a `lead` or `quota` selector".to_owned();
                self.error(file, p, "misplaced-key", message);
                continue;
            }
            match p.value.as_str() {
                "metric" if bands.is_some() => prefer.push(Prefer::Metric),
                "metric" => {
                    let message = "`prefer: metric` needs `bands` (it is what they measure)";
                    self.error(file, p, "group-rule", message.into());
                }
                "score" if scores(rules) => prefer.push(Prefer::Score),
                "score" => {
                    let message = "`prefer: score` needs a base or points rule";
                    self.error(file, p, "group-rule", message.into());
                }
                name => {
                    let numeric = self.pack.schema.field(name).is_some_and(|f| {
                        matches!(
                            f.ty,
                            crate::schema::FieldType::Int | crate::schema::FieldType::Decimal
                        )
                    });
                    if self.declared(file, p, "prefer") {
                        if numeric {
                            prefer.push(Prefer::Field(name.to_owned()));
                        } else {
                            let message = format!("cannot prefer by `{name}`: it is not a number");
                            self.error(file, p, "group-rule", message);
                        }
                    }
                }
            }
        }
        let selector = Selector {
            grades: selected,
            when: raw.when.as_ref().map(|w| Expr {
                text: w.value.clone(),
                loc: self.pack.loc(file, w),
                file,
            }),
            require: raw.require.as_ref().map(|w| Expr {
                text: w.value.clone(),
                loc: self.pack.loc(file, w),
                file,
            }),
        };
        (selector, prefer)
    }

    /// Whether `grade` is declared; an error with a did-you-mean when it is not.
    /// A grade named by its id or by its Chinese label (示范, as staff say it), as its id; an
    /// unknown one is an error with a did-you-mean.
    pub(crate) fn grade_id(
        &mut self,
        file: usize,
        grade: &Spanned<String>,
        grades: &IndexMap<String, Grade>,
    ) -> Option<String> {
        if !grades.contains_key(&grade.value)
            && let Some((id, _)) = grades.iter().find(|(_, g)| g.label == grade.value)
        {
            return Some(id.clone());
        }
        self.known_grade(file, grade, grades)
            .then(|| grade.value.clone())
    }

    pub(crate) fn known_grade(
        &mut self,
        file: usize,
        grade: &Spanned<String>,
        grades: &IndexMap<String, Grade>,
    ) -> bool {
        if grades.contains_key(&grade.value) {
            return true;
        }
        let help = suggest(
            &grade.value,
            grades.keys().map(String::as_str),
            "declare it under `grades:`",
        );
        let message = format!("unknown grade `{}`", grade.value);
        self.error(file, grade, "unknown-grade", message).help = Some(help);
        false
    }

    /// A rule's or group rule's id: used once, and snake_case.
    fn rule_id<'p>(
        &mut self,
        file: usize,
        id: &'p Spanned<String>,
        seen: &mut HashSet<&'p str>,
        what: &str,
    ) {
        if !seen.insert(&id.value) {
            let message = format!("{what} id `{}` is used twice", id.value);
            self.error(file, id, "duplicate-id", message);
        }
        if !is_identifier(&id.value) {
            let message = format!("{what} id `{}` must be a snake_case identifier", id.value);
            self.error(file, id, "rule-id", message);
        }
    }

    /// Whether `name` is a field the pack declares; an error saying so when it is not.
    pub(crate) fn declared(&mut self, file: usize, name: &Spanned<String>, what: &str) -> bool {
        if self.pack.fields.iter().any(|f| f.item.value == name.value) {
            return true;
        }
        let schema = &self.pack.schema;
        let (message, help) = if schema.field(&name.value).is_some() {
            (
                format!(
                    "{what} `{}` is not a declared field of the pack",
                    name.value
                ),
                format!("add `{}` to the pack's `fields:`", name.value),
            )
        } else {
            // The fields the pack reads come first.
            let declared = |f: &crate::schema::FieldDef| {
                (self.pack.fields.iter()).any(|d| d.item.value == f.id)
            };
            (
                format!(
                    "{what} `{}` is not a field of the {} schema",
                    name.value, schema.subject
                ),
                match schema.closest(&name.value, declared) {
                    Some(f) => format!("did you mean `{}` ({})?", f.id, f.label),
                    None => "use a field of the schema".to_owned(),
                },
            )
        };
        self.error(file, name, "unknown-field", message).help = Some(help);
        false
    }

    fn bands(
        &mut self,
        params: &IndexMap<String, Param>,
        rules: &[Rule],
        grades: &IndexMap<String, Grade>,
    ) -> Option<Bands> {
        let At { file, item: raw } = self.pack.bands.as_ref()?;
        let file = *file;
        let on = match raw.on.value.as_str() {
            "score" => {
                if !scores(rules) {
                    self.error(
                        file,
                        &raw.on,
                        "bands",
                        "bands are `on: score` but the policy has no base or points rules".into(),
                    );
                }
                Metric::Score
            }
            "checklists" => {
                if !rules
                    .iter()
                    .any(|r| matches!(r.kind, RuleKind::Checklist(_)))
                {
                    self.error(
                        file,
                        &raw.on,
                        "bands",
                        "bands are `on: checklists` but the policy has no checklist rules".into(),
                    );
                }
                Metric::ChecklistsPassed
            }
            other => match rules.iter().position(|r| r.id == other) {
                Some(i)
                    if matches!(
                        rules[i].kind,
                        RuleKind::Checklist(_) | RuleKind::Points(_) | RuleKind::Procedure(_)
                    ) =>
                {
                    Metric::Rule(i)
                }
                _ => {
                    self.error(file, &raw.on, "bands", format!("bands cannot be `on: {other}`"))
                        .help = Some("use `score`, `checklists` (how many checklists passed) or the id of a checklist, points or procedure rule".into());
                    Metric::Score
                }
            },
        };
        let mut bands = Vec::new();
        let errors_before = self.diagnostics.iter().filter(|d| d.is_error()).count();
        for b in &raw.grades {
            self.known_grade(file, &b.grade, grades);
            let bound = |this: &mut Self,
                         incl: &Option<Spanned<NumOrName>>,
                         excl: &Option<Spanned<NumOrName>>,
                         names: (&str, &str)| match (incl, excl) {
                (Some(a), Some(_)) => {
                    this.error(
                        file,
                        a,
                        "bands",
                        format!("a band has either `{}` or `{}`, not both", names.0, names.1),
                    );
                    None
                }
                (Some(a), None) => this.number(file, a, params).map(|value| Bound {
                    value,
                    inclusive: true,
                }),
                (None, Some(a)) => this.number(file, a, params).map(|value| Bound {
                    value,
                    inclusive: false,
                }),
                (None, None) => None,
            };
            let lower = bound(self, &b.at_least, &b.above, ("at_least", "above"));
            let upper = bound(self, &b.at_most, &b.below, ("at_most", "below"));
            bands.push(Band {
                grade: b.grade.value.clone(),
                lower,
                upper,
                loc: self.pack.loc(file, &b.grade),
            });
        }
        if bands.is_empty() {
            self.error(
                file,
                &raw.on,
                "bands",
                "`bands` lists no grades, so no record would get one".into(),
            );
        }
        // Coverage is only meaningful when every bound resolved.
        let bounds_ok = self.diagnostics.iter().filter(|d| d.is_error()).count() == errors_before;
        for problem in coverage_problems(&bands).into_iter().filter(|_| bounds_ok) {
            let d = Diagnostic::error("bands", problem.message, problem.loc).with_help(
                "bands must cover every value exactly once: where one band stops `below: X` the next starts `at_least: X` (or `at_most: X` then `above: X`)",
            );
            self.diagnostics.push(self.pack.attach(file, d));
        }
        Some(Bands {
            on,
            assumed: raw.assumed,
            bands,
        })
    }

    /// Warns about scoring rules whose points can change nothing: the bands measure something
    /// else and nothing ranks by score.
    /// Warns about a band on a checklist's count (or on how many checklists passed) that asks
    /// for more than there are: with criteria switched off, say, `at_least: 6` of 5.
    fn out_of_reach(&mut self, rules: &[Rule], bands: Option<&Bands>) {
        let Some(bands) = bands else { return };
        let (most, what) = match bands.on {
            Metric::Rule(i) => match rules.get(i).map(|r| &r.kind) {
                Some(RuleKind::Checklist(c)) => (
                    c.criteria.len(),
                    format!(
                        "checklist `{}` has {} criterion or criteria switched on",
                        rules[i].id,
                        c.criteria.len()
                    ),
                ),
                _ => return,
            },
            Metric::ChecklistsPassed => (
                rules
                    .iter()
                    .filter(|r| matches!(r.kind, RuleKind::Checklist(_)))
                    .count(),
                "the pack has no more checklists than that".to_string(),
            ),
            _ => return,
        };
        for band in &bands.bands {
            let Some(lower) = band.lower else { continue };
            let beyond =
                lower.value > most as f64 || (!lower.inclusive && lower.value >= most as f64);
            if beyond {
                let d = Diagnostic::warning(
                    "band-out-of-reach",
                    format!(
                        "grade `{}` needs more than {most}, but {what}, so no record reaches it",
                        band.grade
                    ),
                    band.loc.clone(),
                )
                .with_help("lower the band's bound, or switch the criteria back on");
                self.diagnostics.push(d);
            }
        }
    }

    fn unreachable(&mut self, rules: &[Rule], bands: Option<&Bands>) {
        let Some(bands) = bands else { return };
        // A lead chosen by score is another use of the score.
        let prefers_score = self.pack.group_rules.iter().any(|r| {
            r.item
                .lead
                .as_ref()
                .is_some_and(|l| l.prefer.iter().any(|p| p.value == "score"))
        });
        if bands.on == Metric::Score || self.pack.ranking.is_some() || prefers_score {
            return;
        }
        for (i, rule) in rules.iter().enumerate() {
            if !matches!(rule.kind, RuleKind::Base(_) | RuleKind::Points(_))
                || bands.on == Metric::Rule(i)
            {
                continue;
            }
            if let Some(At { file, item }) =
                self.pack.rules.iter().find(|r| r.item.id.value == rule.id)
            {
                let message = format!(
                    "rule `{}` gives points, but the bands do not use the score and nothing ranks by it, so it changes no outcome",
                    rule.id
                );
                let d = self.pack.attach(
                    *file,
                    Diagnostic::warning("unreachable", message, self.pack.loc(*file, &item.id))
                        .with_help("put the bands `on: score`, or remove the rule"),
                );
                self.diagnostics.push(d);
            }
        }
    }

    /// A dimension tag, checked against the list.
    pub(crate) fn dimension(
        &mut self,
        file: usize,
        tag: Option<&Spanned<String>>,
    ) -> Option<String> {
        let tag = tag?;
        let known = &self.pack.dimensions.dimensions;
        if known.contains_key(&tag.value) {
            return Some(tag.value.clone());
        }
        let ids: Vec<&str> = known.keys().map(String::as_str).collect();
        let help = suggest(
            &tag.value,
            ids.iter().copied(),
            &format!("the dimensions are: {}", ids.join(", ")),
        );
        self.error(
            file,
            tag,
            "unknown-dimension",
            format!("unknown dimension `{}`", tag.value),
        )
        .help = Some(help);
        None
    }

    /// In a pack that tags anything with a dimension, warns about criteria and scoring rules
    /// left untagged: a side-by-side comparison would silently miss them.
    fn untagged(&mut self, rules: &[Rule]) {
        let tagged = |r: &Rule| match &r.kind {
            RuleKind::Checklist(crate::rules::checklist::Checklist { criteria, .. }) => {
                criteria.iter().any(|c| c.dimension.is_some())
            }
            _ => r.dimension.is_some(),
        };
        if !rules.iter().any(tagged) {
            return;
        }
        let by_id: std::collections::HashMap<&str, &Rule> =
            rules.iter().map(|r| (r.id.as_str(), r)).collect();
        for At { file, item: raw } in &self.pack.rules {
            let Some(rule) = by_id.get(raw.id.value.as_str()) else {
                continue;
            };
            let untagged: Vec<&str> = match &rule.kind {
                RuleKind::Checklist(crate::rules::checklist::Checklist { criteria, .. }) => {
                    criteria
                        .iter()
                        .filter(|c| c.dimension.is_none())
                        .map(|c| c.id.as_str())
                        .collect()
                }
                RuleKind::Points(_) | RuleKind::Veto(_) if rule.dimension.is_none() => {
                    vec![rule.id.as_str()]
                }
                _ => vec![],
            };
            if !untagged.is_empty() {
                let message = format!(
                    "rule `{}` has no `dimension` for: {}",
                    rule.id,
                    untagged.join(", ")
                );
                self.warning(*file, &raw.id, "untagged", message);
            }
        }
    }

    /// Warns about params that no bound, cap, amount, expression or script mentions.
    fn unused_params(&mut self, policy: &Policy) {
        let mut used = std::mem::take(&mut self.used_params);
        for rule in &policy.rules {
            let exprs: Vec<&Expr> = match &rule.kind {
                RuleKind::Points(crate::rules::points::Points { expr, .. }) => vec![expr],
                RuleKind::Veto(crate::rules::veto::Veto { when, .. }) => vec![when],
                RuleKind::Checklist(crate::rules::checklist::Checklist { criteria, .. }) => {
                    criteria.iter().map(|c| &c.expr).collect()
                }
                RuleKind::Money(crate::rules::money::Pay { when, .. }) => when.iter().collect(),
                RuleKind::Base(_) | RuleKind::Procedure(_) | RuleKind::Table(_) => vec![],
            };
            // Names as written, or by their labels.
            used.extend(
                exprs
                    .iter()
                    .flat_map(|e| crate::labels::names(&e.text, policy)),
            );
        }
        for rule in &policy.group_rules {
            for selector in rule.kind.selectors() {
                for expr in selector.exprs() {
                    used.extend(crate::labels::names(&expr.text, policy));
                }
            }
        }
        for script in &policy.scripts {
            used.extend(identifiers(&policy.files[script.file].text).map(str::to_owned));
        }
        for (
            name,
            At {
                file,
                item: (key, _),
            },
        ) in &self.pack.params
        {
            if !used.contains(name) {
                self.warning(
                    *file,
                    key,
                    "unused-param",
                    format!("param `{name}` is not used by any rule"),
                );
            }
        }
    }

    fn unused_grades(&mut self, grades: &IndexMap<String, Grade>, bands: Option<&Bands>) {
        for (
            name,
            At {
                file,
                item: (key, _),
            },
        ) in &self.pack.grades
        {
            // Raw rules, so a veto rule with a mistake of its own does not also make its grade
            // unused; a grade may be named by its id or its label.
            let names = |g: &str| g == name || grades.get(name).is_some_and(|d| d.label == g);
            let used = bands.is_some_and(|b| b.bands.iter().any(|band| &band.grade == name))
                || self
                    .pack
                    .rules
                    .iter()
                    .any(|r| r.item.grade.as_ref().is_some_and(|g| names(&g.value)))
                || self
                    .pack
                    .rules
                    .iter()
                    .flat_map(|r| r.item.rows.iter().flatten())
                    .any(|row| {
                        row.iter().any(|(k, v)| {
                            k.value == "grade" && matches!(&v.value, Literal::Str(g) if names(g))
                        })
                    })
                || self
                    .pack
                    .group_rules
                    .iter()
                    .any(|r| r.item.demote_to.as_ref().is_some_and(|g| names(&g.value)));
            if !used && grades.contains_key(name) {
                self.warning(
                    *file,
                    key,
                    "unused-grade",
                    format!("grade `{name}` is given by no band, table row, veto or quota"),
                );
            }
        }
    }
}

/// A gap or overlap in a set of bands.
#[derive(Debug, PartialEq)]
pub(crate) struct CoverageProblem {
    pub message: String,
    pub loc: Location,
}

/// Checks that the bands cover the whole number line exactly once.
pub(crate) fn coverage_problems(bands: &[Band]) -> Vec<CoverageProblem> {
    use std::cmp::Ordering;
    let n = crate::number::format;
    let mut problems = Vec::new();
    if bands.is_empty() {
        return problems;
    }
    for b in bands {
        if let (Some(lo), Some(hi)) = (b.lower, b.upper)
            && (lo.value > hi.value || (lo.value == hi.value && !(lo.inclusive && hi.inclusive)))
        {
            problems.push(CoverageProblem {
                message: format!("band `{}` is empty: no value is above its lower bound and below its upper bound", b.grade),
                loc: b.loc.clone(),
            });
        }
    }
    // Order by lower bound (unbounded first; at the same value, inclusive first).
    let mut sorted: Vec<&Band> = bands.iter().collect();
    sorted.sort_by(|a, b| match (a.lower, b.lower) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x
            .value
            .total_cmp(&y.value)
            .then(y.inclusive.cmp(&x.inclusive)),
    });
    if let Some(first) = sorted.first()
        && let Some(lo) = first.lower
    {
        problems.push(CoverageProblem {
            message: format!(
                "no band covers values {} {}",
                if lo.inclusive { "below" } else { "at or below" },
                n(lo.value)
            ),
            loc: first.loc.clone(),
        });
    }
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (Some(hi), Some(lo)) = (a.upper, b.lower) else {
            // `a` runs to +infinity, so `b` overlaps it; or `b` starts at -infinity like `a`.
            problems.push(CoverageProblem {
                message: format!("bands `{}` and `{}` overlap", a.grade, b.grade),
                loc: b.loc.clone(),
            });
            continue;
        };
        let message = match hi.value.total_cmp(&lo.value) {
            Ordering::Less => Some(format!(
                "gap between bands `{}` and `{}`: no band covers values between {} and {}",
                a.grade,
                b.grade,
                n(hi.value),
                n(lo.value)
            )),
            Ordering::Greater => Some(format!(
                "bands `{}` and `{}` overlap between {} and {}",
                a.grade,
                b.grade,
                n(lo.value),
                n(hi.value)
            )),
            Ordering::Equal => match (hi.inclusive, lo.inclusive) {
                (true, true) => Some(format!(
                    "bands `{}` and `{}` both include {}",
                    a.grade,
                    b.grade,
                    n(hi.value)
                )),
                (false, false) => Some(format!(
                    "gap between bands `{}` and `{}`: no band includes {}",
                    a.grade,
                    b.grade,
                    n(hi.value)
                )),
                _ => None,
            },
        };
        if let Some(message) = message {
            problems.push(CoverageProblem {
                message,
                loc: b.loc.clone(),
            });
        }
    }
    if let Some(last) = sorted.last()
        && let Some(hi) = last.upper
    {
        problems.push(CoverageProblem {
            message: format!(
                "no band covers values {} {}",
                if hi.inclusive { "above" } else { "at or above" },
                n(hi.value)
            ),
            loc: last.loc.clone(),
        });
    }
    problems
}

/// Every identifier in an expression's text (field, param and function names alike).
pub(crate) fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        })
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(grade: &str, lower: Option<(f64, bool)>, upper: Option<(f64, bool)>) -> Band {
        Band {
            grade: grade.into(),
            lower: lower.map(|(value, inclusive)| Bound { value, inclusive }),
            upper: upper.map(|(value, inclusive)| Bound { value, inclusive }),
            loc: Location::default(),
        }
    }

    fn messages(bands: &[Band]) -> Vec<String> {
        coverage_problems(bands)
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn longwen_bands_cover_the_line() {
        let bands = [
            band("recommended", Some((900.0, true)), None),
            band("qualified", Some((500.0, false)), Some((900.0, false))),
            band("remedial", None, Some((500.0, true))),
        ];
        assert!(messages(&bands).is_empty(), "{:?}", messages(&bands));
    }

    #[test]
    fn both_inclusive_at_the_same_value_overlap() {
        let bands = [
            band("a", None, Some((500.0, true))),
            band("b", Some((500.0, true)), None),
        ];
        assert_eq!(messages(&bands), ["bands `a` and `b` both include 500"]);
    }

    #[test]
    fn both_exclusive_at_the_same_value_leave_a_gap() {
        let bands = [
            band("a", None, Some((500.0, false))),
            band("b", Some((500.0, false)), None),
        ];
        assert_eq!(
            messages(&bands),
            ["gap between bands `a` and `b`: no band includes 500"]
        );
    }

    #[test]
    fn gaps_overlaps_and_open_ends_are_found() {
        let gapped = [
            band("a", None, Some((500.0, true))),
            band("b", Some((501.0, true)), None),
        ];
        assert_eq!(
            messages(&gapped),
            ["gap between bands `a` and `b`: no band covers values between 500 and 501"]
        );
        let overlapping = [
            band("a", None, Some((600.0, true))),
            band("b", Some((500.0, true)), None),
        ];
        assert_eq!(
            messages(&overlapping),
            ["bands `a` and `b` overlap between 500 and 600"]
        );
        let open = [band("a", Some((0.0, true)), Some((10.0, false)))];
        assert_eq!(
            messages(&open),
            [
                "no band covers values below 0",
                "no band covers values at or above 10"
            ]
        );
    }

    #[test]
    fn identifiers_are_snake_case() {
        assert!(is_identifier("org_life"));
        assert!(is_identifier("min_2"));
        assert!(!is_identifier("OrgLife"));
        assert!(!is_identifier("2x"));
        assert!(!is_identifier("组织生活"));
    }
}
