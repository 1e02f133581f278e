//! Documents as one self-contained HTML page: inline CSS, SVG bar charts, and a main table
//! that sorts by a click on its header and filters as you type. Nothing is loaded from the
//! network. When its script has run, the page marks `<body data-ready="1">`; a script error is
//! written into `#errors`, so a headless browser can tell a page that works from one that
//! does not. A link may carry a filter and a sort in its fragment (`#filter=天元区&sort=score:desc`).

use super::doc::{Bars, Block, Document, Table};

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; border-bottom: 2px solid #b22; padding-bottom: .3em; }
h2 { font-size: 1.2em; margin-top: 1.6em; color: #b22; }
table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; white-space: pre-line; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.records th { cursor: pointer; user-select: none; }
table.records th.asc::after { content: " ▲"; } table.records th.desc::after { content: " ▼"; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: bold; } dd { margin: 0; }
input.filter { padding: .3em; width: 20em; margin: .4em 0; }
figure { margin: .6em 0; } figcaption { font-weight: bold; margin-bottom: .3em; }
#errors { color: #b00; font-weight: bold; }
"#;

const SCRIPT: &str = r#"
window.addEventListener('error', function (e) { document.getElementById('errors').textContent += 'script error: ' + e.message + '\n'; });
(function () {
  document.querySelectorAll('table.records').forEach(function (table) {
    var body = table.tBodies[0];
    var filter = document.querySelector('input.filter[data-for="' + table.id + '"]');
    var count = document.querySelector('.shown[data-for="' + table.id + '"]');
    function shown() { if (count) { count.textContent = Array.prototype.filter.call(body.rows, function (r) { return r.style.display !== 'none'; }).length; } }
    table.tHead.rows[0].querySelectorAll('th').forEach(function (th, col) {
      th.addEventListener('click', function () {
        var desc = th.classList.contains('asc');
        table.tHead.rows[0].querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
        th.classList.add(desc ? 'desc' : 'asc');
        var numeric = th.dataset.kind !== 'text';
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.value, y = b.cells[col].dataset.value;
          var c = numeric ? (parseFloat(x || '-Infinity') - parseFloat(y || '-Infinity')) : x.localeCompare(y, 'zh');
          return desc ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    if (filter) {
      filter.addEventListener('input', function () {
        var q = filter.value.trim().toLowerCase();
        Array.prototype.forEach.call(body.rows, function (r) { r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none'; });
        shown();
      });
    }
    shown();
  });
  // A link may carry a filter and a sort: #filter=天元区&sort=score:desc
  var params = new URLSearchParams(location.hash.slice(1));
  var table = document.querySelector('table.records');
  if (table && params.get('sort')) {
    var parts = params.get('sort').split(':');
    var th = Array.prototype.find.call(table.tHead.rows[0].cells, function (c) { return c.dataset.key === parts[0]; });
    if (th) { th.click(); if (parts[1] === 'desc') { th.click(); } }
  }
  var filter = document.querySelector('input.filter');
  if (filter && params.get('filter')) {
    filter.value = params.get('filter');
    filter.dispatchEvent(new Event('input'));
  }
  document.body.dataset.ready = '1';
})();
"#;

pub fn render(doc: &Document) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&doc.title)
    ));
    out.push_str(&format!(
        "<h1>{}</h1>\n<pre id=\"errors\"></pre>\n",
        escape(&doc.title)
    ));
    let mut tables = 0;
    for section in &doc.sections {
        out.push_str("<section>\n");
        if !section.heading.is_empty() {
            out.push_str(&format!("<h2>{}</h2>\n", escape(&section.heading)));
        }
        for block in &section.blocks {
            match block {
                Block::Facts(facts) => {
                    out.push_str("<dl>\n");
                    for (k, v) in facts {
                        out.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", escape(k), escape(v)));
                    }
                    out.push_str("</dl>\n");
                }
                Block::Table(t) => out.push_str(&table(t, None)),
                Block::Records(t) => {
                    tables += 1;
                    let id = format!("records-{tables}");
                    out.push_str(&format!(
                        "<p><input class=\"filter\" data-for=\"{id}\" type=\"search\" placeholder=\"筛选 filter\"> <span class=\"shown\" data-for=\"{id}\">{}</span> / {} rows</p>\n",
                        t.rows.len(),
                        t.rows.len()
                    ));
                    out.push_str(&table(t, Some(&id)));
                }
                Block::Bars(b) => out.push_str(&bars(b)),
                Block::Pre(lines) => {
                    out.push_str(&format!("<pre>{}</pre>\n", escape(&lines.join("\n"))))
                }
                Block::Lines(lines) => {
                    out.push_str("<ul>\n");
                    for line in lines {
                        out.push_str(&format!("<li>{}</li>\n", escape(line)));
                    }
                    out.push_str("</ul>\n");
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}

fn table(t: &Table, records_id: Option<&str>) -> String {
    let mut out = match records_id {
        Some(id) => format!("<table class=\"records\" id=\"{id}\">\n<thead><tr>"),
        None => "<table>\n<thead><tr>".to_owned(),
    };
    for c in &t.columns {
        let kind = if c.kind.is_text() { "text" } else { "number" };
        out.push_str(&format!(
            "<th data-key=\"{}\" data-kind=\"{kind}\">{}</th>",
            escape(&c.key),
            escape(&c.label)
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (cell, c) in row.iter().zip(&t.columns) {
            let class = if c.kind.is_text() {
                ""
            } else {
                " class=\"num\""
            };
            out.push_str(&format!(
                "<td{class} data-value=\"{}\">{}</td>",
                escape(&cell.raw()),
                escape(&cell.display(c.kind))
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A horizontal SVG bar chart.
fn bars(b: &Bars) -> String {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 170.0;
    const BAR: f64 = 360.0;
    let total: f64 = b.bars.iter().map(|(_, v)| v).sum();
    let max = b.bars.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let height = ROW * b.bars.len() as f64 + 4.0;
    let mut out = format!(
        "<figure><figcaption>{}</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\">\n",
        escape(&b.title),
        LABEL + BAR + 140.0
    );
    for (i, (label, value)) in b.bars.iter().enumerate() {
        let y = i as f64 * ROW + 2.0;
        let w = if max > 0.0 { value / max * BAR } else { 0.0 };
        let share = if total > 0.0 {
            crate::number::percent(value / total)
        } else {
            "-".into()
        };
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text><rect x=\"{LABEL}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"#c33\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{} ({share})</text>\n",
            LABEL - 6.0,
            y + 14.0,
            escape(label),
            ROW - 6.0,
            LABEL + w + 5.0,
            y + 14.0,
            crate::number::format(*value)
        ));
    }
    out.push_str("</svg></figure>\n");
    out
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
