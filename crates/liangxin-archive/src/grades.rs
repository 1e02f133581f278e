//! What makes one grade better than another across years, and the stars a grade names.
//!
//! A pack's grades are listed in whatever order its authors chose (longwen-points lists the
//! best first, longwen-stars the worst first), so the list says nothing about which grade is
//! higher. The bands do: they climb with what they measure (the score, the checklists met), so
//! a grade's *level* is the place of its band counted from the lowest, and a veto's grade is
//! below every band. A grade no band gives (a decision table's) has no level; moving between
//! such grades is then told by pass and fail only.

use liangxin::policy::Policy;

/// A grade as published: its label, whether it passes, its level and its stars.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GradeInfo {
    /// The grade's id.
    pub grade: String,
    /// Its Chinese label.
    pub label: String,
    /// Whether it passes.
    pub pass: bool,
    /// Its level: 1 for the lowest band, higher for higher bands, 0 for a veto's grade; `None`
    /// when no band gives it.
    pub level: Option<i64>,
    /// The stars its label names (三星级 → 3), if any.
    pub stars: Option<i64>,
}

/// Every grade of `policy` with its level and stars, in the policy's order.
pub fn grades(policy: &Policy, veto_grades: &[String]) -> Vec<GradeInfo> {
    let mut bands: Vec<(f64, &str)> = policy
        .bands
        .iter()
        .flat_map(|b| &b.bands)
        .map(|b| {
            (
                b.lower.map_or(f64::NEG_INFINITY, |l| l.value),
                b.grade.as_str(),
            )
        })
        .collect();
    bands.sort_by(|a, b| a.0.total_cmp(&b.0));
    policy
        .grades
        .iter()
        .map(|(id, g)| {
            let banded = bands
                .iter()
                .enumerate()
                .filter(|(_, (_, grade))| *grade == id.as_str())
                .map(|(i, _)| i as i64 + 1)
                .max();
            let level = if veto_grades.iter().any(|v| v == id) && banded.is_none() {
                Some(0)
            } else {
                banded
            };
            GradeInfo {
                grade: id.clone(),
                label: g.label.clone(),
                pass: g.pass,
                level,
                stars: stars(&g.label),
            }
        })
        .collect()
}

/// The stars a grade's label names, as the city writes them: 三星级, 五星, 4星级. A label with
/// no number right before 星 has none (星级创建 is not a star count).
pub fn stars(label: &str) -> Option<i64> {
    let chars: Vec<char> = label.chars().collect();
    let at = chars.iter().position(|&c| c == '星')?;
    let before = &chars[..at];
    let digits: String = before
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if !digits.is_empty() {
        return digits.parse().ok();
    }
    let numeral = |c: char| "零一二三四五六七八九十".chars().position(|n| n == c);
    match before.last().copied().and_then(numeral) {
        // 十 alone is ten; nobody rates past five, but 十星 is not one star.
        Some(n) => Some(n as i64),
        None => before.last().filter(|&&c| c == '两').map(|_| 2),
    }
}

#[cfg(test)]
mod tests {
    use super::stars;

    #[test]
    fn stars_are_read_from_the_label_as_written() {
        assert_eq!(stars("一星级"), Some(1));
        assert_eq!(stars("五星级党组织"), Some(5));
        assert_eq!(stars("两星"), Some(2));
        assert_eq!(stars("4星级"), Some(4));
        assert_eq!(stars("12星"), Some(12));
        assert_eq!(stars("星级创建"), None);
        assert_eq!(stars("优先推荐"), None);
        assert_eq!(stars("合格"), None);
    }
}
