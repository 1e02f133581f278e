//! Expressions as staff write them, rewritten to what Rhai compiles: a declared field's Chinese
//! label (`班子好 >= 18`) or a param's becomes its id, a choice written by its label
//! (`组建方式 == "单独组建"`) becomes the value's id, and the words `and`, `or` and `not`
//! become `&&`, `||` and `!`. Rhai identifiers are ASCII in our build, so this runs before
//! Rhai sees the text; a map from each character of the rewritten text back to the text as
//! written keeps every diagnostic pointing at what staff wrote.
//!
//! `not` reads as in English (and Python and SQL): it covers the comparison after it, up to the
//! next `and`/`or` (or `&&`, `||`, a comma, a bracket or brace closing or opening), so
//! `not org_life > 0` is `!(org_life > 0)`, never Rhai's `(!org_life) > 0`. `and` and `or` keep
//! the precedence `&&` and `||` have. Text in quotes and comments is left as it is.

use std::collections::HashMap;

use rhai::Position;

use crate::diagnostic::did_you_mean;
use crate::policy::Policy;
use crate::schema::FieldType;

/// The names an expression of one policy may use besides ids: labels of the declared fields
/// and of params, and the labels of the declared choice fields' values.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    /// Label -> the ids it names (more than one: it cannot be used).
    labels: HashMap<String, Vec<String>>,
    /// Labels of schema fields the pack does not declare -> the field id, for help.
    undeclared: HashMap<String, String>,
    /// Declared choice fields: id -> (value id, value label).
    choices: HashMap<String, Vec<(String, String)>>,
    /// Ids of declared fields and params, for did-you-mean.
    ids: Vec<String>,
}

impl Vocabulary {
    pub(crate) fn of(policy: &Policy) -> Vocabulary {
        let mut v = Vocabulary::default();
        let schema = &policy.schema;
        for id in &policy.fields {
            let Some(def) = schema.field(id) else {
                continue;
            };
            v.add(&def.label, id);
            v.ids.push(id.clone());
            if let FieldType::Enum(values) = &def.ty {
                let values = values
                    .iter()
                    .map(|(id, label)| (id.clone(), label.clone()))
                    .collect();
                v.choices.insert(id.clone(), values);
            }
        }
        for (name, param) in &policy.params {
            v.add(&param.label, name);
            v.ids.push(name.clone());
        }
        for def in schema.fields.values() {
            if !v.labels.contains_key(&def.label) {
                v.undeclared.insert(def.label.clone(), def.id.clone());
            }
        }
        v
    }

    fn add(&mut self, label: &str, id: &str) {
        // Only a label starting with a character no id can start with reads unambiguously.
        if label.chars().next().is_some_and(|c| !c.is_ascii()) {
            let ids = self.labels.entry(label.to_owned()).or_default();
            if !ids.iter().any(|i| i == id) {
                ids.push(id.to_owned());
            }
        }
    }

    /// Whether `name` is a declared field or a param.
    fn is_id(&self, name: &str) -> bool {
        self.ids.iter().any(|i| i == name)
    }
}

/// An expression rewritten for Rhai, with the way back to the text as written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rewritten {
    pub text: String,
    /// The text as written.
    written: Vec<char>,
    /// Per character of `text` (and one past its end): the character of the text as written
    /// it comes from.
    map: Vec<usize>,
}

impl Rewritten {
    /// The text unchanged.
    pub(crate) fn same(text: &str) -> Rewritten {
        let n = text.chars().count();
        Rewritten {
            text: text.to_owned(),
            written: text.chars().collect(),
            map: (0..=n).collect(),
        }
    }

    /// A Rhai position in the rewritten text, as a position in the text as written.
    pub(crate) fn written_position(&self, pos: Position) -> Position {
        let (Some(line), Some(column)) = (pos.line(), pos.position()) else {
            return pos;
        };
        // The rewritten character at (line, column), 1-based; past a line's end, its end.
        let mut index = 0;
        let (mut l, mut c) = (1, 1);
        for ch in self.text.chars() {
            if l == line && c == column {
                break;
            }
            if ch == '\n' {
                if l == line {
                    break;
                }
                l += 1;
                c = 1;
            } else {
                c += 1;
            }
            index += 1;
        }
        let written = self.map.get(index).copied().unwrap_or(self.written.len());
        position_of(&self.written, written)
    }
}

/// The 1-based line and column of a character of `text`.
fn position_of(text: &[char], index: usize) -> Position {
    let (mut line, mut column) = (1, 1);
    for &ch in text.iter().take(index) {
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Position::new(line, column)
}

/// A name in an expression that is not one: where it is in the text as written (line and
/// column, 1-based), how many characters, and what to say.
#[derive(Debug, Clone)]
pub(crate) struct Unknown {
    pub position: Position,
    pub len: usize,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Space,
    /// Text in quotes, or a comment: left as it is.
    Quoted,
    Name,
    Word(&'static str),
    Punct,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Characters of the text as written: `start..end`.
    start: usize,
    end: usize,
    out: String,
}

fn name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Rewrites an expression for Rhai, or says which names in it are not names.
pub(crate) fn rewrite(text: &str, vocabulary: &Vocabulary) -> Result<Rewritten, Vec<Unknown>> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut tokens: Vec<Token> = Vec::new();
    let mut unknown = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let start = i;
        let at = |j: usize| chars.get(j).copied();
        let (kind, out) = if c.is_whitespace() {
            while at(i).is_some_and(char::is_whitespace) {
                i += 1;
            }
            (Kind::Space, None)
        } else if matches!(c, '"' | '\'' | '`') {
            // Text in quotes: to the closing quote (a backslash escapes the next character,
            // except in backquotes), or the end.
            i += 1;
            while let Some(d) = at(i) {
                i += 1;
                if d == c {
                    break;
                }
                if d == '\\' && c != '`' {
                    i += 1;
                }
            }
            (Kind::Quoted, None)
        } else if c == '/' && at(i + 1) == Some('/') {
            while at(i).is_some_and(|d| d != '\n') {
                i += 1;
            }
            (Kind::Quoted, None)
        } else if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < n && !(chars[i - 1] == '*' && chars[i] == '/' && i > start + 2) {
                i += 1;
            }
            i = (i + 1).min(n);
            (Kind::Quoted, None)
        } else if name_char(c) && c.is_ascii() {
            while at(i).is_some_and(name_char) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word.is_ascii() {
                match word.as_str() {
                    "and" if !vocabulary.is_id("and") => (Kind::Word("&&"), Some("&&".into())),
                    "or" if !vocabulary.is_id("or") => (Kind::Word("||"), Some("||".into())),
                    "not" if !vocabulary.is_id("not") => (Kind::Word("!"), Some("!".into())),
                    _ => (Kind::Name, None),
                }
            } else {
                unknown.push(not_a_name(&chars, start, i, &word, vocabulary));
                (Kind::Name, None)
            }
        } else if !c.is_ascii() && name_char(c) {
            // The longest label written here, if nothing that could belong to a name follows.
            let rest = &text[chars[..start].iter().map(|c| c.len_utf8()).sum::<usize>()..];
            let found = vocabulary
                .labels
                .iter()
                .filter(|(label, _)| rest.starts_with(label.as_str()))
                .map(|(label, ids)| (label.chars().count(), label, ids))
                .filter(|(len, _, _)| !at(start + len).is_some_and(name_char))
                .max_by_key(|(len, _, _)| *len);
            match found {
                Some((len, _, ids)) if ids.len() == 1 => {
                    i += len;
                    (Kind::Name, Some(ids[0].clone()))
                }
                Some((len, label, ids)) => {
                    i += len;
                    unknown.push(Unknown {
                        position: position_of(&chars, start),
                        len,
                        code: "unknown-name",
                        message: format!(
                            "`{label}` is the label of {}",
                            ids.iter()
                                .map(|i| format!("`{i}`"))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        ),
                        help: Some("write the id of the one you mean".into()),
                    });
                    (Kind::Name, None)
                }
                None => {
                    while at(i).is_some_and(name_char) {
                        i += 1;
                    }
                    let word: String = chars[start..i].iter().collect();
                    unknown.push(not_a_name(&chars, start, i, &word, vocabulary));
                    (Kind::Name, None)
                }
            }
        } else if !c.is_ascii() {
            i += 1;
            unknown.push(Unknown {
                position: position_of(&chars, start),
                len: 1,
                code: "syntax",
                message: format!("`{c}` is a full-width (全角) character"),
                help: Some(
                    "write operators, brackets and quotes in half-width (半角) characters: `>=`, `+`, `(`, `\"`"
                        .into(),
                ),
            });
            (Kind::Punct, None)
        } else {
            // `&&` and `||` as one token, so `not` knows where it ends.
            i += if matches!((c, at(i + 1)), ('&', Some('&')) | ('|', Some('|'))) {
                2
            } else {
                1
            };
            (Kind::Punct, None)
        };
        let out = out.unwrap_or_else(|| chars[start..i].iter().collect());
        tokens.push(Token {
            kind,
            start,
            end: i,
            out,
        });
    }
    choices(&mut tokens, &chars, vocabulary, &mut unknown);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let tokens = scope_not(tokens);

    let mut rewritten = Rewritten {
        written: chars,
        ..Rewritten::default()
    };
    for t in &tokens {
        let unchanged = t.out.chars().count() == t.end - t.start;
        for (k, _) in t.out.chars().enumerate() {
            let from = if unchanged {
                t.start + k
            } else {
                (t.start + k).min(t.end.saturating_sub(1).max(t.start))
            };
            rewritten.map.push(from);
        }
        rewritten.text.push_str(&t.out);
    }
    rewritten.map.push(n);
    Ok(rewritten)
}

/// A run of characters that is not a label (nor an id).
fn not_a_name(
    chars: &[char],
    start: usize,
    end: usize,
    word: &str,
    vocabulary: &Vocabulary,
) -> Unknown {
    let help = if let Some(id) = vocabulary.undeclared.get(word) {
        Some(format!(
            "`{word}` is the label of field `{id}`: add `{id}` to the pack's `fields:`"
        ))
    } else {
        let known = vocabulary
            .labels
            .iter()
            .filter(|(_, ids)| ids.len() == 1)
            .map(|(label, _)| label.as_str())
            .chain(vocabulary.ids.iter().map(String::as_str));
        did_you_mean(word, known).map(|s| match vocabulary.labels.get(s) {
            Some(ids) => format!("did you mean `{s}` ({})?", ids[0]),
            None => format!("did you mean `{s}`?"),
        })
    };
    Unknown {
        position: position_of(chars, start),
        len: end - start,
        code: "unknown-name",
        message: format!("`{word}` is not the label or the id of a declared field or a param"),
        help,
    }
}

/// A choice field compared (`==`, `!=`) with text: a value's label becomes its id, and text
/// that is neither is an error (the comparison could never hold).
fn choices(
    tokens: &mut [Token],
    chars: &[char],
    vocabulary: &Vocabulary,
    unknown: &mut Vec<Unknown>,
) {
    // The tokens that are not spaces, `==` and `!=` (two tokens each) joined.
    let mut significant: Vec<(usize, String)> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if t.kind == Kind::Space {
            continue;
        }
        if let Some((last, text)) = significant.last_mut()
            && t.kind == Kind::Punct
            && t.out == "="
            && matches!(text.as_str(), "=" | "!")
            && tokens[*last].end == t.start
        {
            text.push('=');
            continue;
        }
        significant.push((k, t.out.clone()));
    }
    for w in significant.windows(3) {
        let [(a, _), (_, op), (b, _)] = [&w[0], &w[1], &w[2]];
        if !matches!(op.as_str(), "==" | "!=") {
            continue;
        }
        let (field, quoted) = match (&tokens[*a].kind, &tokens[*b].kind) {
            (Kind::Name, Kind::Quoted) => (*a, *b),
            (Kind::Quoted, Kind::Name) => (*b, *a),
            _ => continue,
        };
        let Some(values) = vocabulary.choices.get(&tokens[field].out) else {
            continue;
        };
        let q = &tokens[quoted];
        let written: String = chars[q.start..q.end].iter().collect();
        let Some(inner) = written
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .filter(|s| !s.contains('\\'))
        else {
            continue;
        };
        if inner.is_empty() || values.iter().any(|(id, _)| id == inner) {
            continue;
        }
        if let Some((id, _)) = values.iter().find(|(_, label)| label == inner) {
            tokens[quoted].out = format!("\"{id}\"");
            continue;
        }
        let listed: Vec<String> = values
            .iter()
            .map(|(id, label)| format!("`{id}` ({label})"))
            .collect();
        unknown.push(Unknown {
            position: position_of(chars, q.start),
            len: q.end - q.start,
            code: "unknown-value",
            message: format!(
                "`{inner}` is not a value of `{}`, so this comparison never holds",
                tokens[field].out
            ),
            help: Some(format!("its values are {}", listed.join(", "))),
        });
    }
}

/// `not` as `!(…)` over the comparison after it: closed before the next `and`, `or`, `&&`,
/// `||`, `,`, `;` or `{` at its depth, a bracket closing it, or the end.
fn scope_not(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut open: Vec<usize> = Vec::new(); // the depth of each `not` still open
    let mut depth = 0usize;
    fn close(out: &mut Vec<Token>, open: &mut Vec<usize>, depth: usize) {
        while open.last().is_some_and(|&d| d >= depth) {
            open.pop();
            // Right after the last token that is not a space.
            let at = out
                .iter()
                .rposition(|t| t.kind != Kind::Space)
                .map_or(0, |p| p + 1);
            let end = out.get(at.saturating_sub(1)).map_or(0, |t| t.end);
            out.insert(
                at,
                Token {
                    kind: Kind::Punct,
                    start: end.saturating_sub(1),
                    end,
                    out: ")".into(),
                },
            );
        }
    }
    for mut t in tokens {
        match (&t.kind, t.out.as_str()) {
            (Kind::Word("!"), _) => {
                t.out = "!(".into();
                out.push(t);
                open.push(depth);
                continue;
            }
            (Kind::Word(_), _) | (Kind::Punct, "&&" | "||" | "," | ";") => {
                close(&mut out, &mut open, depth);
            }
            (Kind::Punct, "{") => {
                close(&mut out, &mut open, depth);
                depth += 1;
            }
            (Kind::Punct, "(" | "[") => depth += 1,
            (Kind::Punct, ")" | "]" | "}") => {
                close(&mut out, &mut open, depth);
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        out.push(t);
    }
    close(&mut out, &mut open, 0);
    out
}

/// The ids an expression reads, its labels resolved (the names of the text as written when it
/// cannot be rewritten).
pub(crate) fn names(text: &str, policy: &Policy) -> Vec<String> {
    let rewritten =
        rewrite(text, &Vocabulary::of(policy)).map_or_else(|_| text.to_owned(), |r| r.text);
    crate::validate::identifiers(&rewritten)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        let mut v = Vocabulary::default();
        for (label, id) in [
            ("组织生活", "org_life"),
            ("创先争优", "excellence"),
            ("班子好", "leadership_good"),
            ("组建方式", "formation"),
            ("组织生活会", "org_life_meetings"),
            ("优秀线", "excellent_at"),
            ("重名", "a"),
            ("重名", "b"),
        ] {
            v.add(label, id);
            v.ids.push(id.to_owned());
        }
        v.choices.insert(
            "formation".into(),
            vec![
                ("standalone".into(), "单独组建".into()),
                ("joint".into(), "联合组建".into()),
            ],
        );
        v.undeclared
            .insert("党员人数".into(), "member_count".into());
        v
    }

    fn rw(text: &str) -> String {
        rewrite(text, &vocabulary())
            .map(|r| r.text)
            .unwrap_or_else(|e| {
                e.iter()
                    .map(|u| {
                        format!(
                            "{}:{} {}",
                            u.position.position().unwrap_or(0),
                            u.len,
                            u.message
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    #[test]
    fn labels_become_ids_longest_first() {
        assert_eq!(rw("班子好 >= 18"), "leadership_good >= 18");
        assert_eq!(rw("组织生活+创先争优"), "org_life+excellence");
        assert_eq!(rw("组织生活会 > 2"), "org_life_meetings > 2");
        assert_eq!(rw("组织生活 >= 优秀线"), "org_life >= excellent_at");
        assert_eq!(rw("\"组织生活\" == x"), "\"组织生活\" == x");
        assert_eq!(rw("org_life // 组织生活"), "org_life // 组织生活");
    }

    #[test]
    fn what_is_not_a_label_is_an_error_with_its_column() {
        assert_eq!(
            rw("组织生活 + 创先争先"),
            "8:4 `创先争先` is not the label or the id of a declared field or a param"
        );
        assert_eq!(
            rw("组织生活2 > 1"),
            "1:5 `组织生活2` is not the label or the id of a declared field or a param"
        );
        assert_eq!(rw("重名 > 1"), "1:2 `重名` is the label of `a` and `b`");
        assert_eq!(
            rw("组织生活 ＞ 1"),
            "6:1 `＞` is a full-width (全角) character"
        );
        let e = rewrite("党员人数 > 1", &vocabulary()).unwrap_err();
        assert!(e[0].help.as_deref().unwrap_or("").contains("member_count"));
        let e = rewrite("创先争先 > 1", &vocabulary()).unwrap_err();
        assert_eq!(
            e[0].help.as_deref(),
            Some("did you mean `创先争优` (excellence)?")
        );
    }

    #[test]
    fn choices_may_be_written_by_their_labels() {
        assert_eq!(
            rw("组建方式 == \"单独组建\""),
            "formation == \"standalone\""
        );
        assert_eq!(rw("\"联合组建\" != formation"), "\"joint\" != formation");
        assert_eq!(
            rw("formation == \"standalone\""),
            "formation == \"standalone\""
        );
        assert_eq!(
            rw("formation == \"单独\""),
            "14:4 `单独` is not a value of `formation`, so this comparison never holds"
        );
    }

    #[test]
    fn words_are_operators_and_not_covers_its_comparison() {
        assert_eq!(rw("a and b or c"), "a && b || c");
        assert_eq!(rw("veto and not org_life > 0"), "veto && !( org_life > 0)");
        assert_eq!(rw("not a > 1 and b"), "!( a > 1) && b");
        assert_eq!(rw("not not a"), "!( !( a))");
        assert_eq!(rw("(not a) || b"), "(!( a)) || b");
        assert_eq!(rw("f(not a, b)"), "f(!( a), b)");
        assert_eq!(
            rw("if not a > 1 { 5 } else { 0 }"),
            "if !( a > 1) { 5 } else { 0 }"
        );
        assert_eq!(rw("android or nothing"), "android || nothing");
        assert_eq!(rw("x == \"a and b\""), "x == \"a and b\"");
    }

    #[test]
    fn positions_map_back_to_the_text_as_written() {
        let r = rewrite("班子好 and 组织生活 > x", &vocabulary()).unwrap();
        assert_eq!(r.text, "leadership_good && org_life > x");
        let at = |col| r.written_position(Position::new(1, col)).position();
        assert_eq!(at(1), Some(1));
        assert_eq!(at(17), Some(5)); // `&&` is `and`
        assert_eq!(at(20), Some(9)); // org_life is 组织生活
        assert_eq!(at(31), Some(16)); // x
        let r = rewrite("a and\n  班子好 > y", &vocabulary()).unwrap();
        let p = r.written_position(Position::new(2, 21));
        assert_eq!((p.line(), p.position()), (Some(2), Some(9)));
    }
}
