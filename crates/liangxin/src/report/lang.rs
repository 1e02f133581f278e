//! `--lang`: report labels in Chinese, in English, or both (the default).
//!
//! Headings, column labels and fact names are written bilingually, Chinese and English side by
//! side (`得分 score`, `records 记录`); a language keeps its half. A label is only cut when it
//! is exactly one Chinese run and one English run, so a heading that names a standard
//! (`等次分布 grades: 龙文区党员积分定等`) or a label with no translation stays whole. What the packs
//! write (grade labels, treatments, criteria) is Chinese as the cities write it and is never
//! changed; CSV headers and JSON keys are stable keys and are not labels.

use super::doc::{Block, Document};

/// Which labels a report shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    /// Chinese and English side by side.
    #[default]
    Both,
    /// 中文.
    Zh,
    /// English.
    En,
}

/// The document with its labels in `lang`.
pub fn localize(mut doc: Document, lang: Lang) -> Document {
    if lang == Lang::Both {
        return doc;
    }
    let pick = |label: &mut String| *label = pick(label, lang);
    for section in &mut doc.sections {
        pick(&mut section.heading);
        for block in &mut section.blocks {
            match block {
                Block::Facts(facts) => facts.iter_mut().for_each(|(name, _)| pick(name)),
                Block::Table(table) | Block::Records(table) => {
                    table.columns.iter_mut().for_each(|c| pick(&mut c.label));
                }
                Block::Bars(bars) => pick(&mut bars.title),
                Block::Lines(_) | Block::Pre(_) => {}
            }
        }
    }
    doc
}

/// One language's half of a bilingual label, or the label as it is.
pub(crate) fn pick(label: &str, lang: Lang) -> String {
    if lang == Lang::Both {
        return label.to_owned();
    }
    let words: Vec<&str> = label.split(' ').filter(|w| !w.is_empty()).collect();
    let chinese = |w: &&str| w.chars().any(|c| c as u32 >= 0x2E80);
    // The label's runs of Chinese and of other words, in order.
    let mut runs: Vec<(bool, Vec<&str>)> = Vec::new();
    for w in &words {
        let is_chinese = chinese(w);
        match runs.last_mut() {
            Some((kind, run)) if *kind == is_chinese => run.push(w),
            _ => runs.push((is_chinese, vec![w])),
        }
    }
    if runs.len() != 2 {
        return label.to_owned();
    }
    let want_chinese = lang == Lang::Zh;
    runs.iter()
        .find(|(is_chinese, _)| *is_chinese == want_chinese)
        .map_or_else(|| label.to_owned(), |(_, run)| run.join(" "))
}

#[cfg(test)]
mod tests {
    use super::{Lang, pick};

    #[test]
    fn a_bilingual_label_keeps_one_half() {
        assert_eq!(pick("得分 score", Lang::Zh), "得分");
        assert_eq!(pick("得分 score", Lang::En), "score");
        assert_eq!(pick("records 记录", Lang::Zh), "记录");
        assert_eq!(pick("字段/规则 field/rule", Lang::En), "field/rule");
        assert_eq!(pick("pass rate 达标率", Lang::En), "pass rate");
    }

    #[test]
    fn other_labels_stay_whole() {
        for label in [
            "等次分布 grades: 龙文区党员积分定等",
            "原金额",
            "record",
            "",
        ] {
            assert_eq!(pick(label, Lang::En), label);
            assert_eq!(pick(label, Lang::Zh), label);
        }
    }
}
