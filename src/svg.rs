//! Grouped bar charts as standalone SVG, for `peerlift report … --svg`: a figure an office can
//! paste into its report or open in a browser. No scripts, no external fonts or styles.

/// One series of bars (one bar per category).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub values: Vec<f64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A "nice" axis step for a range: 1, 2 or 5 times a power of ten.
fn nice_step(span: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// Width of `s` in 12 px sans-serif, erring wide (Cyrillic capitals run wider than Latin),
/// so nothing is cut.
fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 7.6
}

/// Longest row label shown whole; a longer one ends in "…" (the whole text is its tooltip).
const MAX_LABEL_CHARS: usize = 64;

fn shown_label(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_LABEL_CHARS - 1).collect();
    out.push('…');
    out
}

/// A grouped bar chart laid out to be read at a glance: one row per category with its name
/// written out in full at the left (never rotated, never cut), one horizontal bar per series
/// with its value at the end (so a bar of 3 next to one of 120 still reads), the legend
/// under the title. Values may be negative (progress can go down): the zero line is drawn.
/// The chart grows downwards with the categories, not sideways.
pub fn bar_chart(title: &str, x_label: &str, categories: &[String], series: &[Series]) -> String {
    let n_series = series.len().max(1) as f64;
    let bar_h = 13.0;
    let row_h = bar_h * n_series + 12.0;
    let label_w = categories
        .iter()
        .map(|c| text_width(&shown_label(c)))
        .fold(60.0f64, f64::max)
        + 24.0;
    let plot_w = 480.0;
    let value_w = 56.0;
    let legend_rows = series.len().div_ceil(3).max(1) as f64;
    let top = 44.0 + 20.0 * legend_rows;
    let plot_h = row_h * categories.len().max(1) as f64;
    let bottom = 46.0;
    let width = (label_w + plot_w + value_w + 20.0).max(text_width(title) * 1.4 + 40.0);
    let height = top + plot_h + bottom;
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let step = nice_step(hi - lo);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    let left = label_w;
    let x = |v: f64| left + (v - lo) / (hi - lo) * plot_w;
    let mut out = String::new();
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        w = num(width),
        h = num(height)
    ));
    out.push_str(&format!(
        "<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        escape(title)
    ));
    out.push_str(&format!(
        "<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">{}</text>\n",
        escape(title)
    ));
    // Legend, under the title: every key in view before the bars.
    for (si, s) in series.iter().enumerate() {
        let lx = 16.0 + 200.0 * (si % 3) as f64;
        let ly = 52.0 + 20.0 * (si / 3) as f64;
        out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
            num(lx),
            num(ly - 10.0),
            s.colour,
            num(lx + 16.0),
            num(ly),
            escape(&s.name)
        ));
    }
    // Grid and the value axis along the bottom.
    let mut t = lo;
    while t <= hi + step / 2.0 {
        out.push_str(&format!(
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#e4e4e4\"/>\n<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#444\">{}</text>\n",
            num(top),
            num(top + plot_h),
            num(top + plot_h + 16.0),
            num(t),
            x = num(x(t)),
        ));
        t += step;
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#444\">{}</text>\n",
        num(left + plot_w / 2.0),
        num(top + plot_h + 36.0),
        escape(x_label)
    ));
    // Rows: the category's name, then its bars with their values.
    let zero = x(0.0f64.max(lo));
    for (ci, c) in categories.iter().enumerate() {
        let ry = top + row_h * ci as f64 + 6.0;
        if ci % 2 == 1 {
            out.push_str(&format!(
                "<rect width=\"{}\" height=\"{}\" y=\"{}\" fill=\"#f6f6f6\"/>\n",
                num(width),
                num(row_h),
                num(ry - 6.0)
            ));
        }
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>\n",
            num(left - 8.0),
            num(ry + row_h / 2.0 - 2.0),
            escape(c),
            escape(&shown_label(c))
        ));
        for (si, s) in series.iter().enumerate() {
            let v = s.values.get(ci).copied().unwrap_or(0.0);
            let v = if v.is_finite() { v } else { 0.0 };
            let (x0, x1) = (zero, x(v));
            let (bx, bw) = if x1 < x0 {
                (x1, x0 - x1)
            } else {
                (x0, x1 - x0)
            };
            let by = ry + bar_h * si as f64;
            out.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {} = {}</title></rect>\n",
                num(bx),
                num(by),
                num(bw.max(0.5)),
                num(bar_h - 2.0),
                s.colour,
                escape(c),
                escape(&s.name),
                num(v)
            ));
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#333\">{}</text>\n",
                num(bx + bw + 4.0),
                num(by + bar_h - 4.0),
                num(v)
            ));
        }
    }
    if categories.is_empty() {
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\">{}</text>\n",
            num(left + plot_w / 2.0),
            num(top + plot_h / 2.0 + 4.0),
            escape(&crate::i18n::t("chart-empty"))
        ));
    }
    out.push_str(&format!(
        "<line x1=\"{z}\" x2=\"{z}\" y1=\"{}\" y2=\"{}\" stroke=\"black\"/>\n",
        num(top),
        num(top + plot_h),
        z = num(zero),
    ));
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_one_bar_per_value_and_escapes_text() {
        let svg = bar_chart(
            "Coverage <by subject>",
            "teachers",
            &["russian".into(), "mathematics".into()],
            &[
                Series {
                    name: "A/B demands".into(),
                    colour: "#999",
                    values: vec![10.0, 4.0],
                },
                Series {
                    name: "with a mentor".into(),
                    colour: "#2a7",
                    values: vec![7.0, -1.0],
                },
            ],
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect x=").count(),
            4 + 2,
            "4 bars and 2 legend keys"
        );
        assert!(svg.contains("Coverage &lt;by subject&gt;"));
        assert!(svg.contains("mathematics: with a mentor = -1"));
    }

    /// Nothing a person reads is rotated or cut: labels are written horizontally, the chart is
    /// wide enough for the longest (a longer than 64 characters ends in "…" with the whole
    /// text as its tooltip), every bar carries its value, an empty chart says so.
    #[test]
    fn labels_fit_and_values_show() {
        let long = "MBOU Shlisselburgskaya SOSh No1 (advanced study of subjects)".to_string();
        let svg = bar_chart(
            "Sessions",
            "sessions",
            &[long.clone(), "x".repeat(100)],
            &[Series {
                name: "held".into(),
                colour: "#2a7",
                values: vec![3.0, 120.0],
            }],
        );
        assert!(!svg.contains("rotate("), "a rotated label");
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap();
        assert!(width > text_width(&long) + 480.0, "{width}");
        assert!(svg.contains(&format!(">{long}</text>")));
        assert!(svg.contains(&format!("{}…", "x".repeat(63))));
        assert!(svg.contains(">3</text>") && svg.contains(">120</text>"));
        let empty = bar_chart("Progress", "levels", &[], &[]);
        assert!(empty.contains("nothing to show yet"));
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(10.0), 2.0);
        assert_eq!(nice_step(3.0), 1.0);
        assert_eq!(nice_step(0.9), 0.2);
        assert_eq!(nice_step(0.0), 1.0);
    }
}
