//! The policy file format as it is written: serde types that mirror `policy.yaml` one to one.
//!
//! Every struct refuses unknown keys, so a typo such as `lable:` is an error with its location
//! rather than a silently ignored line. Values that later stages point at carry their source
//! location (`Spanned`). Rule kinds are one flat struct rather than a tagged enum because
//! serde-saphyr loses locations inside tagged enums; `validate` checks which keys each kind uses.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A number written in place, or the name of a param that holds it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NumOrName {
    /// A number, e.g. `1000`.
    Num(f64),
    /// A param's id, e.g. `base_score`, whose value is used.
    Name(String),
}

/// A param's value as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// Text, e.g. a date (`2024-01-01`) or a choice's id.
    Str(String),
}

/// A policy pack's `policy.yaml`: one city's or district's assessment standard.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// The pack's id, e.g. `longwen-points`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The standard's Chinese name.
    pub name: String,
    /// The city or district, e.g. 福建省漳州市龙文区.
    #[serde(default)]
    pub region: String,
    /// The seed article the standard is taken from.
    #[serde(default)]
    pub source: String,
    /// What one record is: `member` (党员), `organization` (党组织) or `dossier` (发展党员档案).
    #[schemars(with = "Option<String>")]
    pub subject: Option<Spanned<String>>,
    /// The pack's version.
    #[serde(default)]
    pub version: String,
    /// The date the standard takes effect.
    #[serde(default)]
    pub effective: String,
    /// Where `effective` comes from: the article's words (a date it gives).
    #[serde(default)]
    pub effective_source: Option<String>,
    /// The article gives no date the standard takes effect; the pack's authors chose `effective`.
    #[serde(default)]
    pub effective_assumed: bool,
    /// A pack directory, relative to this one, whose fields, params, rules, bands and grades this pack inherits and overrides by id.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub extends: Option<Spanned<String>>,
    /// The ledger fields the rules read: ids from `schema/<subject>.yaml`, or a field of the
    /// pack's own written out in full (`{ id: visits, label: 走访次数, type: int, min: 0 }`) for a
    /// column the shared schema lacks.
    #[serde(default)]
    #[schemars(with = "Vec<RawFieldEntry>")]
    pub fields: Vec<Spanned<RawFieldEntry>>,
    /// Named values rules refer to, so changing a value never means editing an expression.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, RawParam>")]
    pub params: IndexMap<Spanned<String>, RawParam>,
    /// The rules, in order: base, points, bonus, deduction, veto, checklist, procedure, money.
    #[serde(default)]
    pub rules: Vec<RawRule>,
    /// Categories of points rules whose totals are capped.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, RawCategory>")]
    pub categories: IndexMap<Spanned<String>, RawCategory>,
    /// How a score or count maps to a grade; every bound says whether it includes its number.
    #[serde(default)]
    pub bands: Option<RawBands>,
    /// Each grade's Chinese label, whether it passes, its treatment and its money.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, RawGrade>")]
    pub grades: IndexMap<Spanned<String>, RawGrade>,
    /// The leaderboard (积分排行榜).
    #[serde(default)]
    pub ranking: Option<RawRanking>,
    /// The budget the run's money total is checked against.
    #[serde(default)]
    pub budget: Option<RawBudget>,
    /// Rules over groups of records (a grid, a district, a cohort), run after every record is
    /// evaluated: choose a lead per group and pair records with it, or compute a rate.
    #[serde(default)]
    pub group_rules: Vec<RawGroupRule>,
    /// The item catalog (积分细则): what one row of an entry ledger may record, so a year's
    /// entries can be summed into the fields the rules read (`eval --entries`).
    #[serde(default)]
    pub catalog: Option<RawCatalog>,
}

/// The item catalog (积分细则): the items points are recorded under through the year, each
/// filling one field the rules read; entries of a period are summed per record into those
/// fields, items and fields capped.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCatalog {
    /// The catalog's Chinese name, e.g. 党员积分细则.
    #[serde(default)]
    pub label: String,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article gives no items or values; the pack's authors chose them.
    #[serde(default)]
    pub assumed: bool,
    /// Caps on a field's total over one period, by field id: all the items that fill 组织生活
    /// together count at most `max` and at least `min`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, RawCatalogTotal>")]
    pub totals: IndexMap<Spanned<String>, RawCatalogTotal>,
    /// The items, each with an id and a Chinese label an entry may name it by.
    pub items: Vec<RawCatalogItem>,
}

/// The bounds of one field's total over a period.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCatalogTotal {
    /// The least the field's total may be in one period.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub min: Option<Spanned<f64>>,
    /// The most the field's total may be in one period.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub max: Option<Spanned<f64>>,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article gives no such cap; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// One item of the catalog: fixed `points` per occurrence, a range (`min`, `max`) the recorder
/// chooses within, or `veto: true` (the entry sets a yes/no field).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCatalogItem {
    /// The item's id, e.g. `meeting_attended`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The item's Chinese name, e.g. 按时参加组织生活; entries may name the item by it.
    #[schemars(with = "String")]
    pub label: Spanned<String>,
    /// The field (an id of `fields:`) whose total the item's points add to.
    #[schemars(with = "String")]
    pub field: Spanned<String>,
    /// Points per occurrence (negative for a deduction within the field).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub points: Option<Spanned<f64>>,
    /// The least points one occurrence may be given (a range item).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub min: Option<Spanned<f64>>,
    /// The most points one occurrence may be given (a range item).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub max: Option<Spanned<f64>>,
    /// The most the item may count in one period, in points (a deduction: at most this many
    /// points deducted).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub cap: Option<Spanned<f64>>,
    /// An entry of this item sets its field (a yes/no field) to 是: a one-vote veto.
    #[serde(default)]
    pub veto: bool,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this item; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// One entry of `fields:`: the id of a field of the schema, or a field the pack declares.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawFieldEntry {
    /// A field of `schema/<subject>.yaml` (or one an extended pack declares).
    Id(String),
    /// A field of the pack's own, for a column the shared schema lacks.
    Declared(Box<RawPackField>),
}

impl<'de> Deserialize<'de> for RawFieldEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = RawFieldEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field id, or a field declared with `id`, `label` and `type`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawFieldEntry, E> {
                Ok(RawFieldEntry::Id(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawFieldEntry, A::Error> {
                // The map's own access, so the declaration's values keep their locations.
                RawPackField::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|f| RawFieldEntry::Declared(Box::new(f)))
            }
        }
        deserializer.deserialize_any(Entry)
    }
}

/// A field the pack declares for a column `schema/<subject>.yaml` lacks; it is then read,
/// checked and reported like a field of the schema.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPackField {
    /// The field's id (snake_case), which expressions use; a ledger's header may be the id or
    /// the label.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The column's Chinese header, e.g. 走访次数.
    #[schemars(with = "String")]
    pub label: Spanned<String>,
    /// `int`, `decimal`, `bool`, `string`, `date` or `enum` (with `values`).
    #[schemars(with = "String")]
    pub r#type: Spanned<String>,
    /// `enum`: each allowed value's id and its Chinese label.
    #[serde(default)]
    pub values: Option<IndexMap<String, String>>,
    /// What the column holds, in words (shown by `liangxin template` and the pack's page).
    #[serde(default)]
    pub description: String,
    /// Used when a cell is left empty; without it the field is required.
    #[serde(default)]
    #[schemars(with = "Option<Literal>")]
    pub default: Option<Spanned<Literal>>,
    /// The least value a cell may hold.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub min: Option<Spanned<f64>>,
    /// The greatest value a cell may hold.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub max: Option<Spanned<f64>>,
    /// A rate on the 0–100 scale: `92.9`, `92.9%` and, in a column of fractions, `0.929`.
    #[serde(default)]
    pub percent: bool,
    /// Where the field comes from: the article's words.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not name this column; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// A rule over all records of a group.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroupRule {
    /// The group rule's id (snake_case, unique among the group rules).
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// `lead`: choose one record per group and pair others with it; `rate`: the share of
    /// records that match, per group or over all; `quota`: at most `at_most` of the selected
    /// records per group keep their grade, the others get `demote_to`.
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// The Chinese name reports show for the rule.
    #[serde(default)]
    pub label: String,
    /// What the rule is for, in words.
    #[serde(default)]
    pub description: Option<String>,
    /// Where the rule comes from: the article's words.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this rule; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
    /// The field whose value makes the groups (declared under `fields:`). A `rate` without it
    /// is over all records.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub by: Option<Spanned<String>>,
    /// `lead`: which records may lead a group, and which of them is preferred.
    #[serde(default)]
    pub lead: Option<RawSelector>,
    /// `lead`: which records are paired with their group's lead.
    #[serde(default)]
    pub pair: Option<RawSelector>,
    /// `rate`: which records count.
    #[serde(default)]
    pub count: Option<RawSelector>,
    /// `rate`: which records the rate is out of (default: all of the group).
    #[serde(default)]
    pub of: Option<RawSelector>,
    /// `rate`: the lowest acceptable rate, as a fraction (0.856 for 85.6%); a group below it
    /// is a finding.
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub at_least: Option<Spanned<NumOrName>>,
    /// `quota`: which records compete for the places (usually a grade), and `prefer`, how
    /// they are ranked (most important first, higher first).
    #[serde(default)]
    pub select: Option<RawSelector>,
    /// `quota`: how many of them keep their grade, per group (or over all, without `by`).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub at_most: Option<Spanned<NumOrName>>,
    /// `quota`: the grade the others get instead.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub demote_to: Option<Spanned<String>>,
}

/// Which records a group rule takes: those whose grade is one of `grades`, or for which `when`
/// holds (with neither, every record).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSelector {
    /// Records whose grade is one of these grade ids.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub grades: Vec<Spanned<String>>,
    /// An expression over the record's fields and the params, like a rule's.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<Spanned<String>>,
    /// A condition every selected record must also meet, whatever `grades` or `when` took it
    /// (a lead must be 四/五星 **and** have members and a secretary).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub require: Option<Spanned<String>>,
    /// `lead` and `quota`: what makes one candidate better than another, most important first;
    /// each is `metric` (what the bands measure, e.g. stars), `score`, or a numeric field,
    /// higher first. A lead's remaining ties go to the record id first in text order; a
    /// quota's tie at its last place is a finding and the tied records are not graded.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub prefer: Vec<Spanned<String>>,
}

/// A named value rules refer to: a number, a yes/no or a text (a date), fixed, dated or counted
/// back from the assessment date.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    /// The param's value (or `values`, for one that changes over time).
    #[serde(default)]
    #[schemars(with = "Option<Literal>")]
    pub value: Option<Spanned<Literal>>,
    /// Values with the date each takes effect, earliest first; `--as-of` picks the one in force.
    #[serde(default)]
    pub values: Option<Vec<RawDated>>,
    /// A date this long before the assessment date (`--as-of`), e.g. `{ years: 1 }`: a
    /// secretary in office for a year is `secretary_since <= <this param>`.
    #[serde(default)]
    #[schemars(with = "Option<RawBeforeAsOf>")]
    pub before_as_of: Option<Spanned<RawBeforeAsOf>>,
    /// The param's Chinese name; expressions may use it in place of the id.
    #[serde(default)]
    pub label: String,
    /// Where the value comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this value; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// How long before the assessment date a param's date is: years and months on the calendar,
/// then days.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBeforeAsOf {
    /// Whole years, counted on the calendar.
    #[serde(default)]
    pub years: u32,
    /// Whole months, counted on the calendar after the years.
    #[serde(default)]
    pub months: u32,
    /// Days, counted after the years and months.
    #[serde(default)]
    pub days: u32,
}

/// One value of a param that changes over time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDated {
    /// The date the value takes effect (YYYY-MM-DD).
    #[schemars(with = "String")]
    pub from: Spanned<String>,
    /// The value in force from `from` until the next entry's date.
    pub value: Literal,
    /// Where this value comes from.
    #[serde(default)]
    pub source: Option<String>,
}

/// One rule. `kind` says which of the other keys it takes (`base`: `value`; `points`, `bonus`,
/// `deduction`: `expr`, `min`, `max`, `category`; `veto`: `when`, `grade`; `checklist`:
/// `criteria`, `at_least`; `procedure`: `steps`; `money`: `when`, `amount`; `table`: `rows`); any
/// other key is an error.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// The rule's id (snake_case, unique in the pack); outcomes and other rules name it by this.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// `base`, `points`, `bonus`, `deduction`, `veto`, `checklist`, `procedure`, `money` or `table`.
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// The Chinese name reports show for the rule.
    #[serde(default)]
    pub label: String,
    /// What the rule is for, in words.
    #[serde(default)]
    pub description: Option<String>,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this rule; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
    /// The aspect of party building the rule assesses (an id from `schema/dimensions.yaml`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub dimension: Option<Spanned<String>>,
    /// `base`: the starting score.
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub value: Option<Spanned<NumOrName>>,
    /// `points`, `bonus`, `deduction`: the number a record earns.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub expr: Option<Spanned<String>>,
    /// `veto`, `money`: the condition.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<Spanned<String>>,
    /// `points`, `bonus`, `deduction`: the least the rule may add (its points are raised to it).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub min: Option<Spanned<NumOrName>>,
    /// `points`, `bonus`, `deduction`: the most the rule may add (its points are cut to it).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub max: Option<Spanned<NumOrName>>,
    /// `points`, `bonus`, `deduction`: the category (under `categories:`) whose total this rule's
    /// points go into; the category's own `min` and `max` then cap that total.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub category: Option<Spanned<String>>,
    /// `veto`: the grade a vetoed record gets.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub grade: Option<Spanned<String>>,
    /// `checklist`: its criteria.
    #[serde(default)]
    pub criteria: Option<Vec<RawCriterion>>,
    /// `checklist`: how many criteria must hold (default: all of them).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub at_least: Option<Spanned<NumOrName>>,
    /// `money`: the amount paid when `when` holds.
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub amount: Option<Spanned<NumOrName>>,
    /// `procedure`: the dated steps of a dossier, in the order they must happen.
    #[serde(default)]
    pub steps: Option<Vec<RawStep>>,
    /// `table`: the rows of a decision table, first hit. Each row maps inputs (`score`, a
    /// rule's id, a declared field, or their Chinese labels) to a condition (`>= 90`,
    /// `90分以上`, `>= 60, < 75`, `是`, `否`, a choice, `-` for any) and gives a `grade`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<IndexMap<String, Literal>>>")]
    pub rows: Option<Vec<IndexMap<Spanned<String>, Spanned<Literal>>>>,
}

/// One step of a `procedure` rule: a date field of the record.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// The date field that records the step (declared under `fields:`).
    #[schemars(with = "String")]
    pub field: Spanned<String>,
    /// Defaults to the field's label.
    #[serde(default)]
    pub label: Option<String>,
    /// The step must be present. A step that is not required is still missing when a later
    /// step is present (the procedure skipped it).
    #[serde(default)]
    pub required: bool,
    /// The step may not happen before an earlier step plus an interval.
    #[serde(default)]
    pub not_before: Option<RawWait>,
    /// The step may not happen after an earlier step plus an interval (a deadline: 公示 within
    /// 5 days of the branch's decision).
    #[serde(default)]
    pub not_after: Option<RawWait>,
}

/// An interval after an earlier step: the least (`not_before`) or the most (`not_after`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWait {
    /// The earlier step's field.
    #[schemars(with = "String")]
    pub after: Spanned<String>,
    /// Whole years, counted on the calendar.
    #[serde(default)]
    pub years: u32,
    /// Whole months, counted on the calendar after the years.
    #[serde(default)]
    pub months: u32,
    /// Days, counted after the years and months.
    #[serde(default)]
    pub days: u32,
    /// Where the interval comes from (the party's rules, the article).
    #[serde(default)]
    pub source: Option<String>,
    /// The source does not give this interval; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// One criterion of a `checklist` rule: a condition that holds or not.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCriterion {
    /// The criterion's id (snake_case, unique in its checklist); outcomes name a failed criterion
    /// `checklist.criterion`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The Chinese name reports show for the criterion.
    #[serde(default)]
    pub label: String,
    /// The condition: an expression that is true or false.
    #[schemars(with = "String")]
    pub expr: Spanned<String>,
    /// `false` switches the criterion off: it is not asked or counted, and `at_least` (by
    /// default all) counts the criteria switched on. A district that drops an item for a year
    /// turns it off here instead of deleting it, so it can be turned on again.
    #[serde(default = "switched_on")]
    pub enabled: bool,
    /// Defaults to its checklist's dimension.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub dimension: Option<Spanned<String>>,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this criterion; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// A category of points rules whose total is capped after every rule has run.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    /// The category's Chinese name, e.g. 日常工作积分.
    #[serde(default)]
    pub label: String,
    /// The least the category's total may be (a number or a param's id).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub min: Option<Spanned<NumOrName>>,
    /// The most the category's total may be (a number or a param's id).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub max: Option<Spanned<NumOrName>>,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this category; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// How a measure maps to a grade: ranges that together cover every number exactly once.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBands {
    /// What the bands measure: `score`, `checklists` (how many checklist rules passed), or the id
    /// of a checklist (its count of criteria met), a points rule (its points) or a procedure (its
    /// count of problems).
    #[schemars(with = "String")]
    pub on: Spanned<String>,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give these bands; the pack's authors chose them.
    #[serde(default)]
    pub assumed: bool,
    /// The ranges, each giving a grade.
    pub grades: Vec<RawBand>,
}

/// One range of the measure and the grade it gives; a bound left out is unbounded.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    /// The grade's id (under `grades:`).
    #[schemars(with = "String")]
    pub grade: Spanned<String>,
    /// `>=`: the bound is included (以上).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub at_least: Option<Spanned<NumOrName>>,
    /// `>`: the bound is excluded.
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub above: Option<Spanned<NumOrName>>,
    /// `<=`: the bound is included (以下).
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub at_most: Option<Spanned<NumOrName>>,
    /// `<`: the bound is excluded.
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub below: Option<Spanned<NumOrName>>,
}

/// A grade: how a record is rated and what follows from it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    /// The grade's Chinese name, as the city writes it, e.g. 优先推荐.
    pub label: String,
    /// Where it comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
    /// The article does not give this grade; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
    /// Whether a record with this grade counts towards the pass rate (达标率).
    #[serde(default)]
    pub pass: bool,
    /// The treatment records with this grade get, in the city's words.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Yuan paid to each record with this grade (a number or a param's id), at most two decimals.
    #[serde(default)]
    #[schemars(with = "Option<NumOrName>")]
    pub money: Option<Spanned<NumOrName>>,
    /// The treatment's deadline, counted from the assessment date (`--as-of`): 限期整改
    /// within 3 months is `due: { months: 3 }`. Reports list each record's due date.
    #[serde(default)]
    pub due: Option<RawDue>,
}

/// How long a grade's treatment may take, from the assessment date.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDue {
    /// Whole years, counted on the calendar.
    #[serde(default)]
    pub years: u32,
    /// Whole months, counted on the calendar after the years.
    #[serde(default)]
    pub months: u32,
    /// Days, counted after the years and months.
    #[serde(default)]
    pub days: u32,
    /// Where the deadline comes from (the article's words).
    #[serde(default)]
    pub source: Option<String>,
    /// The article gives no deadline; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
}

/// The leaderboard (积分排行榜): competition ranks by score (1, 2, 2, 4).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRanking {
    /// What records are ranked by: only `score`.
    #[schemars(with = "String")]
    pub by: Spanned<String>,
    /// The article does not describe a leaderboard; the pack's authors chose it.
    #[serde(default)]
    pub assumed: bool,
    /// Vetoed records get no rank.
    #[serde(default)]
    pub exclude_vetoed: bool,
}

/// The budget the run's money total is checked against; over budget is a warning, not an error.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    /// The amount in yuan (a number or a param's id), at most two decimals.
    #[schemars(with = "NumOrName")]
    pub amount: Spanned<NumOrName>,
    /// The budget's Chinese name, e.g. 市级财政年度"两新"组织党建工作经费.
    #[serde(default)]
    pub label: String,
    /// Where the amount comes from: the article's words, or a reason.
    #[serde(default)]
    pub source: Option<String>,
}

/// A criterion is switched on unless it says `enabled: false`.
fn switched_on() -> bool {
    true
}
