//! Quota group rules: "at most N 示范 per 街道, ranked by score then by 组织生活, the rest are
//! 达标". Applied to the outcomes once every record is evaluated and before anything reads
//! grades (ranks, the other group rules, the summary), so a demotion changes grade, money,
//! pass rate and every report. A tie at the last place that the declared tie-break cannot
//! break is never settled silently: the tied records are not graded (each becomes a record
//! error saying what to decide) and the rule's result names them.

use std::cmp::Ordering;

use super::group_rules::{GroupResult, GroupRuleResult, member, preferred, selects};
use super::{Name, Outcome, QuotaPlace};
use crate::compile::{CompiledGroup, CompiledPolicy, Names};
use crate::ledger::RecordError;
use crate::policy::{GroupKind, GroupRule, Prefer};

impl CompiledPolicy {
    /// Applies every quota, in order, to the outcomes: demotes the records beyond each quota
    /// and moves records tied at its cut to `errors`. Returns, per group rule, the quota's
    /// result (`None` for other kinds).
    pub(crate) fn apply_quotas(
        &self,
        outcomes: &mut Vec<Outcome>,
        errors: &mut Vec<RecordError>,
    ) -> Vec<Option<GroupRuleResult>> {
        let names = Names::of(&self.policy);
        self.policy
            .group_rules
            .iter()
            .zip(&self.groups)
            .map(|(rule, compiled)| match &rule.kind {
                GroupKind::Quota {
                    select,
                    prefer,
                    at_most,
                    demote_to,
                } => Some(self.quota(
                    rule,
                    compiled,
                    Quota {
                        select,
                        prefer,
                        at_most: *at_most,
                        demote_to,
                    },
                    &names,
                    outcomes,
                    errors,
                )),
                GroupKind::Lead { .. } | GroupKind::Rate { .. } => None,
            })
            .collect()
    }

    fn quota(
        &self,
        rule: &GroupRule,
        compiled: &CompiledGroup,
        quota: Quota,
        names: &Names,
        outcomes: &mut Vec<Outcome>,
        errors: &mut Vec<RecordError>,
    ) -> GroupRuleResult {
        let select = quota.select;
        let (groups, unplaced) = self.grouping(rule, compiled, outcomes);
        // A vetoed record keeps its veto's grade "whatever its score": it never competes.
        let competes = |o: &Outcome| !o.vetoed && selects(select, compiled, 0, o);
        let order = |a: &Outcome, b: &Outcome| preferred(quota.prefer, &compiled.prefer, a, b);
        let demoted_label = self
            .policy
            .grades
            .get(quota.demote_to)
            .map_or(quota.demote_to, |g| g.label.as_str());
        let mut refused = Vec::new();
        let mut results = Vec::new();
        let mut findings = Vec::new();
        for (key, members) in groups {
            let group = key.label();
            let mut result = GroupResult::new(group.clone(), members.len());
            let mut candidates: Vec<usize> = members
                .into_iter()
                .filter(|&i| competes(&outcomes[i]))
                .collect();
            // Best first; records the keys cannot tell apart in id order, for a stable list.
            candidates.sort_by(|&a, &b| {
                order(&outcomes[b], &outcomes[a])
                    .then_with(|| outcomes[a].record.cmp(&outcomes[b].record))
            });
            let n = candidates.len();
            result.candidates = Some(n);
            // The places the quota can fill for certain: records tied with the last place and
            // the first record beyond it share a rank the tie-break cannot order.
            let tied_from = (n > quota.at_most
                && order(
                    &outcomes[candidates[quota.at_most - 1]],
                    &outcomes[candidates[quota.at_most]],
                ) == Ordering::Equal)
                .then(|| {
                    let cut = &outcomes[candidates[quota.at_most - 1]];
                    candidates
                        .iter()
                        .position(|&i| order(&outcomes[i], cut) == Ordering::Equal)
                        .unwrap_or(0)
                });
            // Competition rank over the sorted list: a record equal to the one before it shares
            // its rank (1, 2, 2, 4), in one pass however many records compete.
            let mut rank = 0;
            for (place, &i) in candidates.iter().enumerate() {
                if place == 0
                    || order(&outcomes[candidates[place - 1]], &outcomes[i]) != Ordering::Equal
                {
                    rank = place + 1;
                }
                let ranked = format!(
                    "ranked {} of {n} qualifying in {group}; quota {}",
                    ordinal(rank),
                    quota.at_most
                );
                let tied = tied_from.is_some_and(|from| {
                    place >= from
                        && order(&outcomes[i], &outcomes[candidates[from]]) == Ordering::Equal
                });
                if tied {
                    result.tied.push(member(&outcomes[i]));
                    refused.push(i);
                } else if place < quota.at_most {
                    outcomes[i].quotas.push(QuotaPlace {
                        rule: rule.id.as_str().into(),
                        demoted: false,
                        text: format!("{ranked}; kept"),
                    });
                    result.kept.push(member(&outcomes[i]));
                } else {
                    let note = QuotaPlace {
                        rule: rule.id.as_str().into(),
                        demoted: true,
                        text: format!("{ranked}; demoted to {demoted_label}"),
                    };
                    self.demote(&mut outcomes[i], quota.demote_to, names, note);
                    result.demoted.push(member(&outcomes[i]));
                }
            }
            if !result.tied.is_empty() {
                let places = quota.at_most - result.kept.len();
                let tied: Vec<&str> = result.tied.iter().map(|m| m.record.as_str()).collect();
                let finding = format!(
                    "{group}: {} records tie for the last {places} place{} of {} ({}); {}; they are not graded until someone decides",
                    tied.len(),
                    if places == 1 { "" } else { "s" },
                    quota.at_most,
                    tied.join(", "),
                    self.tie_break(quota.prefer)
                );
                for &i in candidates.iter().filter(|i| refused.contains(i)) {
                    let o = &outcomes[i];
                    let others: Vec<&str> =
                        tied.iter().copied().filter(|r| *r != o.record).collect();
                    errors.push(RecordError {
                        file: None,
                        row: o.row,
                        record: Some(o.record.clone()),
                        field: None,
                        rule: Some(rule.id.clone()),
                        message: format!(
                            "{} ({}): tied with {} for the last {places} place{} of {} in {group}, and {}; decide which keeps its grade (add a field that ranks them to `prefer`, or correct the ledger) and run again",
                            rule.label,
                            rule.id,
                            others.join(", "),
                            if places == 1 { "" } else { "s" },
                            quota.at_most,
                            self.tie_break(quota.prefer)
                        ),
                    });
                }
                result.finding = Some(finding);
            }
            findings.extend(result.finding.clone());
            results.push(result);
        }
        findings.extend(self.unplaced(rule, unplaced.len()));
        // A record competing for a place without the field that says where it competes cannot
        // keep its grade nor be demoted by guess: it is refused until the field is filled.
        let by = rule.by.as_deref().and_then(|b| self.policy.schema.field(b));
        for &i in unplaced.iter().filter(|&&i| competes(&outcomes[i])) {
            let o = &outcomes[i];
            let (label, id) = by.map_or(("", ""), |f| (f.label.as_str(), f.id.as_str()));
            errors.push(RecordError {
                file: None,
                row: o.row,
                record: Some(o.record.clone()),
                field: Some(id.to_owned()),
                rule: Some(rule.id.clone()),
                message: format!(
                    "{} ({}): {label} ({id}) is empty, so the record's place in the quota cannot be decided; fill it in and run again",
                    rule.label, rule.id
                ),
            });
            refused.push(i);
        }
        if !refused.is_empty() {
            refused.sort_unstable();
            for i in refused.into_iter().rev() {
                outcomes.remove(i);
            }
            errors.sort_by_key(|e| e.row);
        }
        self.rule_result(rule, results, findings)
    }

    /// The tie-break in words: `score and org_life do not separate them`.
    fn tie_break(&self, prefer: &[Prefer]) -> String {
        if prefer.is_empty() {
            return "the quota has no `prefer` to rank them".to_owned();
        }
        let keys: Vec<String> = prefer
            .iter()
            .map(|p| match p {
                Prefer::Metric => "metric".to_owned(),
                Prefer::Score => "score".to_owned(),
                Prefer::Field(f) => match self.policy.schema.field(f) {
                    Some(def) => format!("{} ({f})", def.label),
                    None => f.clone(),
                },
            })
            .collect();
        format!("the tie-break ({}) does not separate them", keys.join(", "))
    }

    /// Gives the outcome the grade `to` instead of its own: label, pass, treatment and the
    /// grade's money change with it.
    fn demote(&self, o: &mut Outcome, to: &str, names: &Names, note: QuotaPlace) {
        if let Some(old) = o.grade.as_deref().and_then(|g| names.grades.get(g)) {
            let item = &old.money_item;
            for (_, amount) in o.money_items.iter().filter(|(k, _)| k == item) {
                o.money = o.money - *amount;
            }
            o.money_items.retain(|(k, _)| k != item);
        }
        if let (Some(grade), Some(n)) = (self.policy.grades.get(to), names.grades.get(to)) {
            o.grade = Some(n.id.clone());
            o.grade_label = Some(n.label.clone());
            o.passed = Some(grade.pass);
            o.actions = n.actions.clone();
            o.due = n.due.clone();
            if !grade.money.is_zero() {
                o.money += grade.money;
                o.money_items.push((n.money_item.clone(), grade.money));
            }
        }
        o.band = Some(match o.band.take() {
            Some(band) => Name::from(format!("{band}; {}", note.text)),
            None => Name::from(note.text.as_str()),
        });
        o.quotas.push(note);
    }
}

/// A quota's settings, borrowed from its rule.
struct Quota<'a> {
    select: &'a crate::policy::Selector,
    prefer: &'a [Prefer],
    at_most: usize,
    demote_to: &'a str,
}

/// 1st, 2nd, 3rd, 4th, 11th, 21st.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ordinals_read_as_english() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101]
            .map(super::ordinal)
            .into();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"
            ]
        );
    }
}
