//! The item catalog (积分细则) as validated: items with their worth and caps, and the caps on
//! each field's total. Checked against the pack's fields, so every entry an item accepts adds
//! to a field a rule reads, in that field's type.

use indexmap::IndexMap;
use serde::Serialize;
use serde_saphyr::Spanned;

use crate::load::At;
use crate::load::raw::{RawCatalog, RawCatalogItem};
use crate::schema::FieldType;
use crate::validate::Validator;

/// The items points are recorded under through the year, and the caps on their sums.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// The catalog's Chinese name, e.g. 党员积分细则.
    pub label: String,
    /// Where it comes from: the article's words, or a reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The article gives no items or values; the pack's authors chose them.
    pub assumed: bool,
    /// The items, in the pack's order.
    pub items: Vec<Item>,
    /// The fields entries fill, in the order items first name them, with the bounds of their
    /// total over a period.
    pub fields: IndexMap<String, Total>,
}

/// One item of the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// The item's id.
    pub id: String,
    /// The item's Chinese name; an entry may name the item by it.
    pub label: String,
    /// The field whose total the item adds to.
    pub field: String,
    /// What one occurrence is worth.
    pub worth: Worth,
    /// The most the item counts in one period, in points (of the item's sign).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
    /// Where it comes from: the article's words, or a reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The article does not give this item; the pack's authors chose it.
    pub assumed: bool,
}

/// What one occurrence of an item is worth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Worth {
    /// These points each time; an entry may leave 分值 empty.
    Fixed(f64),
    /// The recorder chooses within the range, both ends included; an entry gives 分值.
    Range {
        /// The least one occurrence may be given.
        min: f64,
        /// The most one occurrence may be given.
        max: f64,
    },
    /// The entry sets its yes/no field to 是 (a one-vote veto); it carries no points.
    Veto,
}

/// The bounds of one field's total over a period.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Total {
    /// The least the total may be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The most the total may be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The article gives no such cap; the pack's authors chose it.
    pub assumed: bool,
}

impl Catalog {
    /// The item an entry names: by id, or by its Chinese label (spaces and width ignored).
    pub fn item(&self, named: &str) -> Option<&Item> {
        self.position(named).map(|i| &self.items[i])
    }

    /// The index in [`Catalog::items`] of the item an entry names (see [`Catalog::item`]).
    pub fn position(&self, named: &str) -> Option<usize> {
        let named = named.trim();
        // Most entries name an item exactly as the catalog does: that is found without
        // folding (the fold was a third of the time of summing a large ledger).
        self.items
            .iter()
            .position(|i| i.id == named)
            .or_else(|| self.items.iter().position(|i| i.label == named))
            .or_else(|| self.items.iter().position(|i| same_label(&i.label, named)))
    }
}

/// Labels compared as staff type them: full-width letters and digits, spaces and the two kinds
/// of brackets do not make two labels different.
fn same_label(a: &str, b: &str) -> bool {
    // Compared as they are folded, without making the folded strings.
    fold(a).eq(fold(b))
}

fn fold(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| !c.is_whitespace()).map(|c| match c {
        '（' => '(',
        '）' => ')',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    })
}

impl Validator<'_> {
    /// The pack's catalog checked against its fields: every item fills a field the pack reads,
    /// of a type its worth fits; ids and labels are unique; ranges and caps make sense.
    pub(crate) fn catalog(&mut self, fields: &[String]) -> Option<Catalog> {
        let At { file, item: raw } = self.pack.catalog.as_ref()?;
        let file = *file;
        let RawCatalog {
            label,
            source,
            assumed,
            totals,
            items,
        } = raw;
        if items.is_empty() {
            let message = "the catalog lists no `items`".to_owned();
            self.error_in_file(file, "catalog", message);
        }
        let mut out = Vec::with_capacity(items.len());
        let mut filled: IndexMap<String, Total> = IndexMap::new();
        for item in items {
            // A field an item names is filled even when the item has another fault, so its
            // cap in `totals` is not reported as well.
            if fields.contains(&item.field.value) {
                filled.entry(item.field.value.clone()).or_default();
            }
            if let Some(checked) = self.catalog_item(file, item, fields, &out) {
                out.push(checked);
            }
        }
        for (field, total) in totals {
            let (min, max) = (
                total.min.as_ref().map(|m| m.value),
                total.max.as_ref().map(|m| m.value),
            );
            let Some(entry) = filled.get_mut(&field.value) else {
                let message = format!(
                    "`totals` caps `{}`, which no item of the catalog fills",
                    field.value
                );
                self.error(file, field, "catalog", message);
                continue;
            };
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                let message = format!("`{}`: `max` {hi} is below `min` {lo}", field.value);
                self.error(file, field, "catalog", message);
            }
            let whole = matches!(
                self.pack.schema.field(&field.value).map(|d| &d.ty),
                Some(FieldType::Int)
            );
            for bound in [&total.min, &total.max].into_iter().flatten() {
                if !bound.value.is_finite() {
                    self.error(file, bound, "catalog", "a cap is a number".into());
                } else if whole && bound.value.fract() != 0.0 {
                    let message = format!(
                        "`{}` holds whole points: its cap {} is not a whole number",
                        field.value, bound.value
                    );
                    self.error(file, bound, "catalog", message);
                }
            }
            *entry = Total {
                min,
                max,
                assumed: total.assumed,
            };
        }
        Some(Catalog {
            label: label.clone(),
            source: source.clone(),
            assumed: *assumed,
            items: out,
            fields: filled,
        })
    }

    fn catalog_item(
        &mut self,
        file: usize,
        raw: &RawCatalogItem,
        fields: &[String],
        before: &[Item],
    ) -> Option<Item> {
        let id = &raw.id.value;
        let mut ok = true;
        if id.trim().is_empty() {
            self.error(file, &raw.id, "catalog", "an item's `id` is empty".into());
            ok = false;
        }
        if raw.label.value.trim().is_empty() {
            let message = format!("item `{id}` has no `label` (its Chinese name)");
            self.error(file, &raw.label, "catalog", message);
            ok = false;
        }
        if let Some(other) = before.iter().find(|i| {
            i.id == *id
                || same_label(&i.label, &raw.label.value)
                || same_label(&i.label, id)
                || i.id == raw.label.value.trim()
        }) {
            // An entry names its item by id or label: two items answering to one name would
            // leave it to chance which one counts.
            let message = format!(
                "item `{id}` ({}) has the id or label of item `{}` ({}); an entry naming it could mean either",
                raw.label.value, other.id, other.label
            );
            self.error(file, &raw.id, "catalog", message);
            ok = false;
        }
        let schema = &self.pack.schema;
        let field = &raw.field.value;
        let ty = match schema.field(field) {
            Some(def) if fields.contains(field) => Some(def.ty.clone()),
            Some(def) => {
                let message = format!(
                    "item `{id}` fills `{field}` ({}), which the pack does not read: add it to `fields:`",
                    def.label
                );
                self.error(file, &raw.field, "catalog", message);
                None
            }
            None => {
                let message = format!("item `{id}`: `{field}` is not a field of the pack");
                self.error(file, &raw.field, "catalog", message);
                None
            }
        };
        let worth = self.worth(file, raw)?;
        if let Some(ty) = &ty {
            let fits = match (worth, ty) {
                (Worth::Veto, FieldType::Bool) => true,
                (Worth::Veto, _) | (_, FieldType::Bool) => false,
                (_, FieldType::Decimal) => true,
                (Worth::Fixed(p), FieldType::Int) => p.fract() == 0.0,
                (Worth::Range { min, max }, FieldType::Int) => {
                    min.fract() == 0.0 && max.fract() == 0.0
                }
                (_, _) => false,
            };
            if !fits {
                let message = match worth {
                    Worth::Veto => format!(
                        "veto item `{id}` fills `{field}`, which holds {} values; a veto sets a yes/no (bool) field",
                        ty.name()
                    ),
                    _ if matches!(ty, FieldType::Bool) => format!(
                        "item `{id}` gives points to `{field}`, a yes/no field; a yes/no field is filled by `veto: true`"
                    ),
                    _ => format!(
                        "item `{id}` gives fractions of a point to `{field}`, which holds whole points ({})",
                        ty.name()
                    ),
                };
                self.error(file, &raw.field, "catalog", message);
                ok = false;
            }
        }
        if let Some(cap) = &raw.cap {
            if matches!(ty, Some(FieldType::Int)) && cap.value.fract() != 0.0 {
                let message = format!(
                    "item `{id}`: `cap` {} is not a whole number, and `{field}` holds whole points",
                    cap.value
                );
                self.error(file, cap, "catalog", message);
                ok = false;
            }
            if matches!(worth, Worth::Veto) {
                let message = format!("veto item `{id}` carries no points to cap");
                self.error(file, cap, "catalog", message);
                ok = false;
            } else if !(cap.value.is_finite() && cap.value > 0.0) {
                let message = format!(
                    "item `{id}`: `cap` is the most the item counts in a period, a number above 0"
                );
                self.error(file, cap, "catalog", message);
                ok = false;
            }
        }
        (ok && ty.is_some()).then(|| Item {
            id: id.clone(),
            label: raw.label.value.trim().to_owned(),
            field: field.clone(),
            worth,
            cap: raw.cap.as_ref().map(|c| c.value.abs()),
            source: raw.source.clone(),
            assumed: raw.assumed,
        })
    }

    /// An item's worth: exactly one of `points`, a range (`min` and `max`) or `veto: true`.
    fn worth(&mut self, file: usize, raw: &RawCatalogItem) -> Option<Worth> {
        let id = &raw.id.value;
        let finite = |s: &Spanned<f64>| s.value.is_finite();
        match (&raw.points, &raw.min, &raw.max, raw.veto) {
            (Some(p), None, None, false) if finite(p) && p.value != 0.0 => {
                Some(Worth::Fixed(p.value))
            }
            (Some(p), None, None, false) => {
                let message = format!("item `{id}`: `points` is a number other than 0");
                self.error(file, p, "catalog", message);
                None
            }
            (None, Some(lo), Some(hi), false) if finite(lo) && finite(hi) => {
                if lo.value >= hi.value {
                    let message = format!(
                        "item `{id}`: the range's `max` {} is not above its `min` {}",
                        hi.value, lo.value
                    );
                    self.error(file, hi, "catalog", message);
                    return None;
                }
                Some(Worth::Range {
                    min: lo.value,
                    max: hi.value,
                })
            }
            (None, None, None, true) => Some(Worth::Veto),
            _ => {
                let message = format!(
                    "item `{id}` gives its worth as exactly one of: `points` (per occurrence), `min` and `max` (a range the recorder chooses within), or `veto: true`"
                );
                self.error(file, &raw.id, "catalog", message);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_found_by_id_by_label_and_by_its_label_as_staff_type_it() {
        let item = |id: &str, label: &str| Item {
            id: id.to_owned(),
            label: label.to_owned(),
            field: "org_life".to_owned(),
            worth: Worth::Fixed(2.0),
            cap: None,
            source: None,
            assumed: false,
        };
        let catalog = Catalog {
            label: "细则".to_owned(),
            source: None,
            assumed: false,
            items: vec![
                item("a1", "按时参加组织生活(支部)"),
                item("b2", "参加志愿服务"),
            ],
            fields: IndexMap::new(),
        };
        assert_eq!(catalog.position("b2"), Some(1));
        assert_eq!(catalog.position(" 参加志愿服务 "), Some(1));
        // Full-width brackets and letters, spaces inside: the same label.
        assert_eq!(catalog.position("按时参加 组织生活（支部）"), Some(0));
        assert_eq!(catalog.position("ａ1"), None);
        assert_eq!(catalog.position("参加志愿"), None);
    }
}
