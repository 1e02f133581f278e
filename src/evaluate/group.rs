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
    pub field: String,
    pub label: String,
    pub groups: Vec<Group>,
}

/// The schema field a `--group-by` argument names (its id or label), or why there is none.
pub fn group_field(schema: &Schema, name: &str) -> Result<usize, String> {
    schema.field_for_header(name).ok_or_else(|| {
        let mut message = format!(
            "cannot group by `{name}`: it is not a field of the {} schema",
            schema.subject
        );
        if let Some(s) = did_you_mean(name, schema.fields.keys().map(String::as_str)) {
            message.push_str(&format!(" (did you mean `{s}`?)"));
        }
        message
    })
}

impl CompiledPolicy {
    /// Splits an evaluation of `ledger` by the value of `field` (its index in the schema).
    /// Groups are sorted by their key; records with no value form the group `(未填)`.
    pub fn group(&self, evaluation: &Evaluation, ledger: &Ledger, field: usize) -> Grouping {
        let policy = &self.policy;
        let def = &policy.schema.fields[field];
        let key_of: HashMap<&str, String> = ledger
            .records
            .iter()
            .map(|r| {
                let key = match r.cells.get(field) {
                    Some(Cell::Value(Value::Str(s))) => match &def.ty {
                        FieldType::Enum(values) => {
                            values.get(s).cloned().unwrap_or_else(|| s.clone())
                        }
                        _ => s.clone(),
                    },
                    Some(Cell::Value(v)) => v.to_string(),
                    _ => NO_VALUE.to_owned(),
                };
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
        let mut errors: HashMap<&str, usize> = HashMap::new();
        for e in &evaluation.errors {
            let key = e
                .record
                .as_deref()
                .and_then(|id| key_of.get(id))
                .map_or(NO_VALUE, String::as_str);
            *errors.entry(key).or_default() += 1;
        }
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
        Grouping {
            field: def.id.clone(),
            label: def.label.clone(),
            groups,
        }
    }
}
