//! Plain-text tables for the CLI: left-aligned columns sized to their widest cell.

#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn column(name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    let id: String = format!("col-{}", name.to_lowercase())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let shown = crate::i18n::t(&id);
    if shown == id {
        name.to_string()
    } else {
        shown
    }
}

impl Table {
    /// A table with these column headers, each shown in the language in use when the
    /// catalogue has it (`col-` and the header, spaces as dashes: `time zone` →
    /// `col-time-zone`); a header without a message is shown as given.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| column(s)).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The same table as CSV (RFC 4180 quoting), header first.
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        for r in std::iter::once(&self.header).chain(&self.rows) {
            // Writing to memory cannot fail.
            let _ = w.write_record(r);
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The same table as HTML (the web console): a header row of column headers, every cell
    /// escaped. Rows stay in their order; `class` styles it.
    pub fn to_html(&self, class: &str) -> String {
        let esc = peerlift_api::app::documents::esc;
        let mut out = format!(
            "<div class=\"scroll\"><table class=\"{}\">\n<thead><tr>",
            esc(class)
        );
        for h in &self.header {
            out.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in &self.rows {
            out.push_str("<tr>");
            for c in r {
                out.push_str(&format!("<td>{}</td>", esc(c)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
        out
    }

    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut width = vec![0usize; cols];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut l = String::new();
            for (i, w) in width.iter().enumerate() {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                l.push_str(c);
                if i + 1 < cols {
                    l.push_str(&" ".repeat(w - c.chars().count() + 2));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&self.header);
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule);
        for r in &self.rows {
            line(r);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut t = Table::new(&["id", "note"]);
        t.row(vec!["t1".into(), "a, \"b\"".into()]);
        assert_eq!(t.to_csv(), "id,note\nt1,\"a, \"\"b\"\"\"\n");
    }

    #[test]
    fn columns_align_on_unicode_width() {
        let mut t = Table::new(&["id", "name"]);
        t.row(vec!["t1".into(), "Иванова".into()]);
        t.row(vec!["teacher-22".into(), "A".into()]);
        assert_eq!(
            t.render(),
            "id          name\n----------  -------\nt1          Иванова\nteacher-22  A\n"
        );
    }
}
