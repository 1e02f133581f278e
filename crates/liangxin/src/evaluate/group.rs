//! Summaries per group of records: per district, per organization, per any schema field.

use std::collections::HashMap;

use serde::Serialize;

use super::summary::competition_ranks;
use super::{Evaluation, Summary};
use crate::compile::CompiledPolicy;
use crate::diagnostic::did_you_mean;
use crate::ledger::{Cell, Ledger};
use crate::schema::{FieldType, Schema};
use crate::value::Value;

/// The label of a record without a value in the grouping field.
pub const NO_VALUE: &str = "(未填)";

/// One group's records and summary.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The field's value shared by the group (an enum's Chinese label).
    pub key: String,
    /// Counts and totals over the group's outcomes (no budget check: a group is not held to the
    /// whole budget).
    pub summary: Summary,
    /// Indices into [`Evaluation::outcomes`].
    #[serde(skip)]
    pub members: Vec<usize>,
    /// Each member's competition rank within the group, when the policy ranks.
    #[serde(skip)]
    pub ranks: Vec<Option<usize>>,
}

/// An evaluation split by the value of one field.
#[derive(Debug, Clone, Serialize)]
pub struct Grouping {
    /// The grouping field's id.
    pub field: String,
    /// The grouping field's Chinese label.
    pub label: String,
    /// The groups, numbers by value, text by text, records without a value last.
    pub groups: Vec<Group>,
}

/// The schema field a `--group-by` argument names (its id or label), or why there is none:
/// not a field, or a column the ledger does not have (every record would be `(未填)`).
///
/// # Errors
///
/// Why there is no such field, in words: `name` is no field's id or label (with a did-you-mean),
/// or the ledger has records but no column for it.
pub fn group_field(schema: &Schema, ledger: &Ledger, name: &str) -> Result<usize, String> {
    let field = schema.field_for_header(name).ok_or_else(|| {
        let mut message = format!(
            "cannot group by `{name}`: it is not a field of the {} schema",
            schema.subject
        );
        if let Some(s) = did_you_mean(name, schema.fields.keys().map(String::as_str)) {
            message.push_str(&format!(" (did you mean `{s}`?)"));
        }
        message
    })?;
    if !ledger.records.is_empty() && !ledger.has_column(field) {
        let def = &schema.fields[field];
        return Err(format!(
            "cannot group by `{name}`: the ledger has no column {} ({})",
            def.label, def.id
        ));
    }
    Ok(field)
}

impl CompiledPolicy {
    /// Splits an evaluation of `ledger` by the value of `field` (its index in the schema).
    /// Groups are sorted by their value (numbers as numbers); records with no value form the
    /// group `(未填)`, last.
    pub fn group(&self, evaluation: &Evaluation, ledger: &Ledger, field: usize) -> Grouping {
        let policy = &self.policy;
        let def = &policy.schema.fields[field];
        // Each record's group: the value as people read it (an enum's label, 是/否), and how
        // groups sort (numbers by value, text by text, no value last).
        let mut order: HashMap<String, (u8, f64, String)> = HashMap::new();
        let key_of: HashMap<&str, String> = ledger
            .records
            .iter()
            .map(|r| {
                let (key, sort) = match r.cells.get(field) {
                    Some(Cell::Value(Value::Str(s))) => {
                        let label = match &def.ty {
                            FieldType::Enum(values) => {
                                values.get(s).cloned().unwrap_or_else(|| s.clone())
                            }
                            _ => s.clone(),
                        };
                        (label.clone(), (1, 0.0, label))
                    }
                    Some(Cell::Value(Value::Bool(b))) => (
                        if *b { "是" } else { "否" }.to_owned(),
                        (0, f64::from(u8::from(!*b)), String::new()),
                    ),
                    Some(Cell::Value(v)) => {
                        (v.to_string(), (0, v.as_f64().unwrap_or(0.0), String::new()))
                    }
                    _ => (NO_VALUE.to_owned(), (2, 0.0, String::new())),
                };
                order.entry(key.clone()).or_insert(sort);
                (r.id.as_str(), key)
            })
            .collect();
        let mut members: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        for (i, o) in evaluation.outcomes.iter().enumerate() {
            let key = key_of
                .get(o.record.as_str())
                .cloned()
                .unwrap_or_else(|| NO_VALUE.to_owned());
            members.entry(key).or_default().push(i);
        }
        // Records with errors per group (a record with three errors counts once).
        let mut error_rows: HashMap<&str, Vec<usize>> = HashMap::new();
        for e in &evaluation.errors {
            let key = e
                .record
                .as_deref()
                .and_then(|id| key_of.get(id))
                .map_or(NO_VALUE, String::as_str);
            error_rows.entry(key).or_default().push(e.row);
        }
        let errors: HashMap<&str, usize> = error_rows
            .into_iter()
            .map(|(k, mut rows)| {
                rows.sort_unstable();
                rows.dedup();
                (k, rows.len())
            })
            .collect();
        for key in errors.keys() {
            members.entry((*key).to_owned()).or_default();
        }
        let exclude_vetoed = policy.ranking.as_ref().map(|r| r.exclude_vetoed);
        let groups = members
            .into_iter()
            .map(|(key, members)| {
                let outcomes = members.iter().map(|&i| &evaluation.outcomes[i]);
                let ranks = match exclude_vetoed {
                    Some(exclude) => competition_ranks(outcomes.clone(), exclude),
                    None => vec![None; members.len()],
                };
                let summary = Summary::of(
                    policy,
                    outcomes,
                    errors.get(key.as_str()).copied().unwrap_or(0),
                    None,
                );
                Group {
                    key,
                    summary,
                    members,
                    ranks,
                }
            })
            .collect();
        let mut groups: Vec<Group> = groups;
        groups.sort_by(|a, b| {
            let (x, y) = (order.get(&a.key), order.get(&b.key));
            match (x, y) {
                (Some(x), Some(y)) => x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(x.2.cmp(&y.2)),
                _ => a.key.cmp(&b.key),
            }
        });
        Grouping {
            field: def.id.clone(),
            label: def.label.clone(),
            groups,
        }
    }
}
