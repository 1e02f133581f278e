//! Rows of a ledger that are not records: the 合计 row under the table, the 备注 and the
//! signature lines at its foot. Graded as records they would be a member with an empty name and
//! every default; so they are recognised and skipped, and a note counts them.
//!
//! Only a row without an id of its own can be one of these: its id cell is empty or holds the
//! same words (a 合计 row in the id column). A row with an id is always a record.

/// What a row that is not a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotARecord {
    /// 合计, 小计, 总计, 平均: a sum or average of the rows above.
    Summary,
    /// 备注, 说明, 填表人, 审核人, 签字, 盖章, 填报日期: notes and sign-off lines.
    Remark,
}

impl NotARecord {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            NotARecord::Summary => "summary row(s) (合计/小计/总计/平均)",
            NotARecord::Remark => "note or signature row(s) (备注/填表人/审核人/签字)",
        }
    }
}

/// Words that open a summary row's label: `合计`, `合 计`, `本页小计`, `平均分`, `其中：党员`
/// (a breakdown under the 合计 row), `Total`.
const SUMMARY: [&str; 13] = [
    "合计", "小计", "总计", "总合计", "累计", "平均", "均值", "汇总", "本页合计", "本页小计", "其中",
    "total", "subtotal",
];

/// Words that make a line a sign-off wherever they stand in it: `支部书记（签字）：`.
const SIGN_OFF: [&str; 4] = ["签字", "签名", "盖章", "签章"];

/// Words that open a note or sign-off line: `备注：…`, `填表人：张三`, `单位（盖章）`.
const REMARK: [&str; 24] = [
    "备注",
    "注：",
    "注:",
    "说明",
    "填表说明",
    "填表人",
    "填报人",
    "制表人",
    "统计人",
    "审核人",
    "审核：",
    "审批人",
    "负责人",
    "经办人",
    "联系人",
    "联系电话",
    "签字",
    "签名",
    "盖章",
    "单位（盖章）",
    "单位(盖章)",
    "填报日期",
    "填表日期",
    "制表日期",
];

/// What the label of a row (its first non-empty cell, or its id cell) says it is, if it is not
/// a record.
fn kind_of(label: &str) -> Option<NotARecord> {
    // `合 计` and `合　计` are spaced out to fill a wide cell.
    let squeezed: String = label.chars().filter(|c| !c.is_whitespace()).collect();
    let lower = squeezed.to_lowercase();
    let opens = |word: &str| {
        lower.strip_prefix(word).is_some_and(|rest| {
            // `合计`, `合计：`, `合计（人）`, `平均分`; not `合计划生育` style words running on.
            rest.is_empty()
                || rest.starts_with(['：', ':', '（', '(', '分', '值', '数', '-', '—'])
        })
    };
    if SUMMARY.iter().any(|w| opens(w)) {
        return Some(NotARecord::Summary);
    }
    if REMARK.iter().any(|w| squeezed.starts_with(w))
        || SIGN_OFF.iter().any(|w| squeezed.contains(w))
    {
        return Some(NotARecord::Remark);
    }
    None
}

/// Whether the row is not a record, given its cells and its id cell.
pub(crate) fn not_a_record<'r>(
    mut cells: impl Iterator<Item = &'r str>,
    id: Option<&str>,
) -> Option<NotARecord> {
    let id = id.map(str::trim).unwrap_or("");
    if !id.is_empty() {
        // A row with an id is a record, unless the id cell holds the label itself.
        return kind_of(id);
    }
    let first = cells.find(|c| !c.trim().is_empty())?;
    kind_of(first.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(cells: &[&str], id: usize) -> Option<NotARecord> {
        not_a_record(cells.iter().copied(), cells.get(id).copied())
    }

    #[test]
    fn summary_and_remark_rows_are_recognised() {
        assert_eq!(kind(&["合计", "", "30"], 0), Some(NotARecord::Summary));
        assert_eq!(kind(&["合 计", "", "30"], 0), Some(NotARecord::Summary));
        assert_eq!(kind(&["", "", "平均分", "9.5"], 1), Some(NotARecord::Summary));
        assert_eq!(kind(&["总计：", "", "30"], 1), Some(NotARecord::Summary));
        assert_eq!(kind(&["Total", "", "30"], 1), Some(NotARecord::Summary));
        assert_eq!(kind(&["备注：组织生活按次计", ""], 0), Some(NotARecord::Remark));
        assert_eq!(kind(&["", "填表人：张三", "", "审核人：李四"], 0), Some(NotARecord::Remark));
        assert_eq!(kind(&["单位（盖章）", ""], 1), Some(NotARecord::Remark));
        assert_eq!(kind(&["支部书记（签字）：", "", "单位（盖章）："], 0), Some(NotARecord::Remark));
        assert_eq!(kind(&["其中：女党员", "", "12"], 0), Some(NotARecord::Summary));
    }

    #[test]
    fn a_row_with_an_id_is_a_record() {
        assert_eq!(kind(&["1", "LW001", "合计"], 1), None);
        assert_eq!(kind(&["LW001", "备注"], 0), None);
        // No id and no label saying what it is: a record without an id (an error), not skipped.
        assert_eq!(kind(&["3", "", "张三", "5"], 1), None);
        // A name that only starts like a summary word is not one.
        assert_eq!(kind(&["合计划", ""], 0), None);
    }
}
