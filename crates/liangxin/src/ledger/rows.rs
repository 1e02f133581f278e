//! Rows of a ledger that are not records: the 合计 row under the table, the 备注 and the
//! signature lines at its foot. Graded as records they would be a member with an empty name and
//! every default, or a sum graded as a member; so they are recognised and skipped, and a note
//! counts them and names their rows.
//!
//! A summary row is known by its label (合计, 全区合计, 小计, 人均, 其中…) in its id cell or in
//! one of its first three filled cells, where staff write it: a 序号 column saying 合计 while
//! the id column holds the member count is still a 合计 row. A note or sign-off line is known by
//! its first filled cell, and only when the row has no id of its own.

/// What a row that is not a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotARecord {
    /// 合计, 小计, 总计, 平均: a sum or average of the rows above.
    Summary,
    /// 备注, 说明, 填表人, 审核人, 签字, 盖章, 填报日期, 以下空白: notes and sign-off lines.
    Remark,
    /// 示例, 样例, 填写示例, 模板: a filled-in example left under the header.
    Example,
}

impl NotARecord {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            NotARecord::Summary => "summary row(s) (合计/小计/总计/平均)",
            NotARecord::Remark => "note or signature row(s) (备注/填表人/审核人/签字)",
            NotARecord::Example => "example row(s) (示例/样例/模板)",
        }
    }
}

/// Words that open a summary row's label: `合计`, `合 计`, `本页小计`, `平均分`, `其中：党员`
/// (a breakdown under the 合计 row), `Total`.
const SUMMARY: [&str; 13] = [
    "合计",
    "小计",
    "总计",
    "总合计",
    "累计",
    "平均",
    "均值",
    "汇总",
    "本页合计",
    "本页小计",
    "其中",
    "total",
    "subtotal",
];

/// Words that make a line a sign-off wherever they stand in it: `支部书记（签字）：`.
const SIGN_OFF: [&str; 4] = ["签字", "签名", "盖章", "签章"];

/// Words that open a note or sign-off line: `备注：…`, `填表人：张三`, `单位（盖章）`.
const REMARK: [&str; 27] = [
    "以下空白",
    "以下无内容",
    "本页以下空白",
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

/// Words that end a summary label wherever they follow: `全区合计`, `华森家具党支部小计`, `共计`,
/// `统计`, `总和`, `加总`, and their traditional forms.
const SUMMARY_ENDS: [&str; 11] = [
    "合计", "小计", "总计", "共计", "累计", "汇总", "统计", "加总", "合計", "小計", "總計",
];

/// Whole labels of a row of statistics over the column: the highest, the lowest, how many.
const STATISTICS: [&str; 16] = [
    "计",
    "最高",
    "最高分",
    "最高值",
    "最低",
    "最低分",
    "最低值",
    "最大值",
    "最小值",
    "人数",
    "参评人数",
    "参加人数",
    "全区",
    "中位数",
    "总和",
    "总数",
];

/// Words that label an example row, alone or before a colon or bracket: `示例`, `（示例）`,
/// `填写示例：`, `例`. (`模板厂党支部` is an organization, not an example.)
const EXAMPLE: [&str; 7] = ["示例", "样例", "范例", "举例", "例", "模板", "填写示例"];

/// A label with spaces, trailing colons and a bracketed unit taken off: `合 计（人）：` is `合计`.
fn core(label: &str) -> String {
    let squeezed: String = label.chars().filter(|c| !c.is_whitespace()).collect();
    let mut core = squeezed.trim_end_matches(['：', ':']).to_owned();
    if core.ends_with(['）', ')'])
        && let Some(open) = core.rfind(['（', '('])
    {
        core.truncate(open);
    }
    core
}

/// Whether a cell is the label of a summary row: 合计, 小计, 总计, 平均, 人均, 其中 and the like.
fn summary_label(cell: &str) -> bool {
    let cell = cell.trim();
    if cell.is_ascii() {
        // Most cells of a record (ids, numbers) stop here.
        return [
            "total",
            "subtotal",
            "grand total",
            "average",
            "sum",
            "max",
            "min",
            "count",
        ]
        .iter()
        .any(|w| cell.trim_end_matches(':').eq_ignore_ascii_case(w));
    }
    if !cell.contains([
        '计', '計', '均', '汇', '其', '总', '和', '最', '数', '全', '值',
    ]) {
        return false;
    }
    let core = core(cell);
    let opens = |word: &str| {
        core.strip_prefix(word).is_some_and(|rest| {
            // `合计`, `平均分`, `其中：女党员`; not `合计划生育` style words running on.
            rest.is_empty() || rest.starts_with(['：', ':', '分', '值', '数', '-', '—'])
        })
    };
    // `全区合计`, `华森家具党支部小计`: words before the summary word name a place or a body;
    // a name that only ends like one (林小计) does not.
    let ends = |word: &str| {
        core.strip_suffix(word).is_some_and(|before| {
            before.is_empty() || SUMMARY_OF.iter().any(|m| before.contains(m))
        })
    };
    SUMMARY.iter().any(|w| opens(w))
        || SUMMARY_ENDS.iter().any(|w| ends(w))
        || STATISTICS.contains(&core.as_str())
        || core.starts_with("人均")
        || core.starts_with("以上")
}

/// What the words before a summary word name: `全区`, `一支部`, `华森家具党支部`, `本页`.
const SUMMARY_OF: [&str; 24] = [
    "全", "本", "各", "区", "县", "市", "镇", "乡", "村", "街道", "社区", "支部", "党委", "总支",
    "公司", "企业", "组织", "组", "党员", "单位", "行业", "网格", "年", "页",
];

/// Whether a cell is exactly a summary word (`合计`, `小 计`, `平均`): with an id beside it (the
/// member count, `共60人`), the row is still a total. A name is never exactly one.
fn exact_summary_word(cell: &str) -> bool {
    let cell = cell.trim();
    if cell.is_ascii() || !cell.contains(['计', '計', '均', '总', '和', '最', '数']) {
        return false;
    }
    let core = core(cell);
    SUMMARY.contains(&core.as_str()) || STATISTICS.contains(&core.as_str())
}

/// Whether an id is a head count rather than an id: `60人`, `共60人`, `合计12名`.
fn count_label(id: &str) -> bool {
    // Every unit word is Chinese: an ASCII id (most ids) cannot end in one, and is not copied.
    if id.is_ascii() {
        return false;
    }
    let core = core(id);
    let core = ["共", "合计", "总计", "计"]
        .iter()
        .find_map(|p| core.strip_prefix(p))
        .unwrap_or(&core);
    ["人", "名", "个", "家", "户", "项"]
        .iter()
        .find_map(|u| core.strip_suffix(u))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a cell is the label of an example row: 示例, 样例, 模板, `test`.
fn example_label(cell: &str) -> bool {
    let cell = cell.trim();
    if cell.is_ascii() {
        return ["test", "example", "sample"]
            .iter()
            .any(|w| cell.eq_ignore_ascii_case(w))
            || has_xxx(cell);
    }
    let squeezed: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let bare = squeezed.trim_start_matches(['（', '(', '【', '[']);
    EXAMPLE.iter().any(|w| {
        bare.strip_prefix(w).is_some_and(|rest| {
            rest.is_empty() || rest.starts_with(['：', ':', '）', ')', '】', ']'])
        })
    })
}

/// Whether a cell of a row with an id shows the row is a template's example: `张三（示例）`,
/// `XX公司党支部`, an id with `XXX` in it. Real names and organizations never hold these.
fn example_mark(cell: &str) -> bool {
    let cell = cell.trim();
    if cell.is_ascii() {
        return has_xxx(cell);
    }
    // All three words end in 例: a name without it (nearly all) is not searched three times.
    (cell.contains('例') && ["示例", "样例", "范例"].iter().any(|w| cell.contains(w)))
        || ["XX", "xx", "××"].iter().any(|p| {
            cell.strip_prefix(p)
                .and_then(|rest| rest.chars().next())
                .is_some_and(|c| !c.is_ascii())
        })
}

/// Whether `cell` holds `XXX` or `xxx`, a placeholder of templates; one pass over the bytes,
/// since this runs on cells of every record.
fn has_xxx(cell: &str) -> bool {
    cell.as_bytes()
        .windows(3)
        .any(|w| w == b"XXX" || w == b"xxx")
}

/// Whether a cell opens a note or sign-off line.
fn remark_label(cell: &str) -> bool {
    let cell = cell.trim();
    if cell.is_ascii() {
        return false;
    }
    let squeezed: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    REMARK.iter().any(|w| squeezed.starts_with(w)) || SIGN_OFF.iter().any(|w| squeezed.contains(w))
}

/// Whether the row is not a record, given its cells, its id cell and the positions of the
/// columns left of the id that fill no field (a 序号 column).
///
/// A row with an id is looked at only there: its id and its 序号 cell may say 合计 (with the
/// member count in the id column) or 示例, but a name (王总和) never makes a member a total. A
/// row without an id is known by its first three filled cells.
pub(crate) fn not_a_record<'r>(
    cells: impl Iterator<Item = &'r str> + Clone,
    id: Option<&str>,
    label_columns: &[usize],
) -> Option<NotARecord> {
    let id = id.map(str::trim).unwrap_or("");
    if !id.is_empty() {
        // Every record passes here: its cells are walked once, and only when a ledger has
        // label columns (序号) are they looked at.
        let labels = || {
            cells
                .clone()
                .enumerate()
                .filter(|(i, _)| label_columns.contains(i))
                .map(|(_, c)| c)
        };
        let has_labels = !label_columns.is_empty();
        let mut first_three = [""; 3];
        for (slot, cell) in first_three
            .iter_mut()
            .zip(cells.clone().filter(|c| !c.trim().is_empty()))
        {
            *slot = cell;
        }
        // Unfilled places are "", which neither test takes for a label or a mark.
        if summary_label(id)
            || count_label(id)
            || (has_labels && labels().any(summary_label))
            || first_three.iter().any(|c| exact_summary_word(c))
        {
            return Some(NotARecord::Summary);
        }
        if example_label(id)
            || (has_labels && labels().any(example_label))
            || first_three.iter().any(|c| example_mark(c))
        {
            return Some(NotARecord::Example);
        }
        return remark_label(id).then_some(NotARecord::Remark);
    }
    let mut filled = cells.filter(|c| !c.trim().is_empty());
    let first = filled.next()?;
    let rest: Vec<&str> = filled.take(2).collect();
    if summary_label(first) || rest.iter().any(|c| summary_label(c)) {
        return Some(NotARecord::Summary);
    }
    if example_label(first) || rest.iter().any(|c| example_label(c)) {
        return Some(NotARecord::Example);
    }
    remark_label(first).then_some(NotARecord::Remark)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row's kind, its id at `id` and the columns left of it filling no field.
    fn kind(cells: &[&str], id: usize) -> Option<NotARecord> {
        let left: Vec<usize> = (0..id).collect();
        not_a_record(cells.iter().copied(), cells.get(id).copied(), &left)
    }

    #[test]
    fn summary_and_remark_rows_are_recognised() {
        assert_eq!(kind(&["合计", "", "30"], 0), Some(NotARecord::Summary));
        assert_eq!(kind(&["合 计", "", "30"], 0), Some(NotARecord::Summary));
        assert_eq!(
            kind(&["", "", "平均分", "9.5"], 1),
            Some(NotARecord::Summary)
        );
        assert_eq!(kind(&["总计：", "", "30"], 1), Some(NotARecord::Summary));
        assert_eq!(kind(&["Total", "", "30"], 1), Some(NotARecord::Summary));
        assert_eq!(
            kind(&["备注：组织生活按次计", ""], 0),
            Some(NotARecord::Remark)
        );
        assert_eq!(
            kind(&["", "填表人：张三", "", "审核人：李四"], 0),
            Some(NotARecord::Remark)
        );
        assert_eq!(kind(&["单位（盖章）", ""], 1), Some(NotARecord::Remark));
        assert_eq!(
            kind(&["支部书记（签字）：", "", "单位（盖章）："], 0),
            Some(NotARecord::Remark)
        );
        assert_eq!(
            kind(&["其中：女党员", "", "12"], 0),
            Some(NotARecord::Summary)
        );
        assert_eq!(kind(&["全区合计", "", "12"], 1), Some(NotARecord::Summary));
        assert_eq!(
            kind(&["", "华森家具党支部小计", "12"], 0),
            Some(NotARecord::Summary)
        );
        assert_eq!(kind(&["人均", "", "-3.5"], 1), Some(NotARecord::Summary));
        assert_eq!(kind(&["共计：", "", "12"], 1), Some(NotARecord::Summary));
        for label in [
            "统计",
            "最高分",
            "最低分",
            "参评人数",
            "总数",
            "计",
            "全区",
            "加总",
            "总和",
            "Sum",
            "合計",
            "小計",
            "以上合计",
        ] {
            assert_eq!(
                kind(&[label, "", "12"], 0),
                Some(NotARecord::Summary),
                "{label}"
            );
        }
        for label in [
            "示例",
            "样例",
            "填写示例",
            "例",
            "例：",
            "（示例）",
            "范例",
            "模板",
            "test",
        ] {
            assert_eq!(
                kind(&[label, "张三", "12"], 0),
                Some(NotARecord::Example),
                "{label}"
            );
        }
        assert_eq!(kind(&["以下空白", "", ""], 0), Some(NotARecord::Remark));
        // A total whose id column holds the head count, its label beside it.
        assert_eq!(
            kind(&["共60人", "合计", "", "-1234"], 0),
            Some(NotARecord::Summary)
        );
        assert_eq!(
            kind(&["9人", "", "小计", "-127"], 0),
            Some(NotARecord::Summary)
        );
        // Template examples that carry an id.
        assert_eq!(
            kind(&["LW2022XXX", "张三", "XX公司党支部"], 0),
            Some(NotARecord::Example)
        );
        assert_eq!(
            kind(&["LW0000001", "示例", "一支部"], 0),
            Some(NotARecord::Example)
        );
        assert_eq!(
            kind(&["LW0000000", "张三（样例）", "一支部"], 0),
            Some(NotARecord::Example)
        );
        // An example row with a made-up id, said in its 序号 column.
        assert_eq!(
            kind(&["示例", "LW20XX001", "张三"], 1),
            Some(NotARecord::Example)
        );
        // 合计 in a 序号 column while the id column holds the member count, or a slash.
        assert_eq!(
            kind(&["合计", "12", "", "-30"], 1),
            Some(NotARecord::Summary)
        );
        assert_eq!(
            kind(&["合 计", "/", "", "-30"], 1),
            Some(NotARecord::Summary)
        );
    }

    #[test]
    fn a_row_with_an_id_is_a_record() {
        // A word in a later cell (a 备注 column) does not make a member a summary.
        assert_eq!(kind(&["1", "LW001", "张三", "一支部", "合计"], 1), None);
        // Names, organizations and ids that only look like labels are records.
        assert_eq!(kind(&["1", "LW001", "王总和", "一支部"], 1), None);
        assert_eq!(kind(&["1", "LW002", "Max", "一支部"], 1), None);
        assert_eq!(kind(&["1", "WXX002", "王晓霞"], 1), None);
        assert_eq!(kind(&["1", "350203********1234", "张三"], 1), None);
        assert_eq!(kind(&["1", "LW003", "模板厂党支部"], 1), None);
        assert_eq!(kind(&["林小计", "一支部"], 0), None);
        assert_eq!(kind(&["1", "LW004", "江总和", "计春华"], 1), None);
        assert_eq!(kind(&["LW001", "备注"], 0), None);
        // No id and no label saying what it is: a record without an id (an error), not skipped.
        assert_eq!(kind(&["3", "", "张三", "5"], 1), None);
        // A name that only starts like a summary word is not one.
        assert_eq!(kind(&["合计划", ""], 0), None);
    }
}
