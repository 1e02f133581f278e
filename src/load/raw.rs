//! The policy file format as it is written: serde types that mirror `policy.yaml` one to one.
//!
//! Every struct refuses unknown keys, so a typo such as `lable:` is an error with its location
//! rather than a silently ignored line. Values that later stages point at carry their source
//! location (`Spanned`). Rule kinds are one flat struct rather than a tagged enum because
//! serde-saphyr loses locations inside tagged enums; `validate` checks which keys each kind uses.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A number written in place, or the name of a param that holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NumOrName {
    Num(f64),
    Name(String),
}

/// A param's value as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Num(f64),
    Str(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub source: String,
    pub subject: Option<Spanned<String>>,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub extends: Option<Spanned<String>>,
    #[serde(default)]
    pub fields: Vec<Spanned<String>>,
    #[serde(default)]
    pub params: IndexMap<Spanned<String>, RawParam>,
    #[serde(default)]
    pub rules: Vec<RawRule>,
    #[serde(default)]
    pub categories: IndexMap<Spanned<String>, RawCategory>,
    #[serde(default)]
    pub bands: Option<RawBands>,
    #[serde(default)]
    pub grades: IndexMap<Spanned<String>, RawGrade>,
    #[serde(default)]
    pub ranking: Option<RawRanking>,
    #[serde(default)]
    pub budget: Option<RawBudget>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    pub value: Spanned<Literal>,
    #[serde(default)]
    pub label: String,
    /// Where the value comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this value; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub assumed: bool,
    /// The aspect of party building the rule assesses (an id from `schema/dimensions.yaml`).
    #[serde(default)]
    pub dimension: Option<Spanned<String>>,
    /// `base`: the starting score.
    #[serde(default)]
    pub value: Option<Spanned<NumOrName>>,
    /// `points`, `bonus`, `deduction`: the number a record earns.
    #[serde(default)]
    pub expr: Option<Spanned<String>>,
    /// `veto`, `money`: the condition.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    #[serde(default)]
    pub min: Option<Spanned<NumOrName>>,
    #[serde(default)]
    pub max: Option<Spanned<NumOrName>>,
    #[serde(default)]
    pub category: Option<Spanned<String>>,
    /// `veto`: the grade a vetoed record gets.
    #[serde(default)]
    pub grade: Option<Spanned<String>>,
    /// `checklist`: its criteria.
    #[serde(default)]
    pub criteria: Option<Vec<RawCriterion>>,
    /// `checklist`: how many criteria must hold (default: all of them).
    #[serde(default)]
    pub at_least: Option<Spanned<NumOrName>>,
    /// `money`: the amount paid when `when` holds.
    #[serde(default)]
    pub amount: Option<Spanned<NumOrName>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCriterion {
    pub id: Spanned<String>,
    #[serde(default)]
    pub label: String,
    pub expr: Spanned<String>,
    /// Defaults to its checklist's dimension.
    #[serde(default)]
    pub dimension: Option<Spanned<String>>,
    #[serde(default)]
    pub assumed: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub min: Option<Spanned<NumOrName>>,
    #[serde(default)]
    pub max: Option<Spanned<NumOrName>>,
    #[serde(default)]
    pub assumed: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBands {
    pub on: Spanned<String>,
    #[serde(default)]
    pub assumed: bool,
    pub grades: Vec<RawBand>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub grade: Spanned<String>,
    /// `>=`: the bound is included (以上).
    #[serde(default)]
    pub at_least: Option<Spanned<NumOrName>>,
    /// `>`: the bound is excluded.
    #[serde(default)]
    pub above: Option<Spanned<NumOrName>>,
    /// `<=`: the bound is included (以下).
    #[serde(default)]
    pub at_most: Option<Spanned<NumOrName>>,
    /// `<`: the bound is excluded.
    #[serde(default)]
    pub below: Option<Spanned<NumOrName>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub label: String,
    #[serde(default)]
    pub assumed: bool,
    #[serde(default)]
    pub pass: bool,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub money: Option<Spanned<NumOrName>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRanking {
    pub by: Spanned<String>,
    #[serde(default)]
    pub assumed: bool,
    #[serde(default)]
    pub exclude_vetoed: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    pub amount: Spanned<NumOrName>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub source: Option<String>,
}
