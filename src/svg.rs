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

/// A grouped bar chart: categories along x, one bar per series in each group; values may be
/// negative (progress can go down), the zero line is drawn.
pub fn bar_chart(title: &str, y_label: &str, categories: &[String], series: &[Series]) -> String {
    let (left, right, top, bottom) = (70.0, 20.0, 50.0, 110.0);
    let group_w = (24.0 * series.len().max(1) as f64 + 24.0).max(48.0);
    let plot_w = group_w * categories.len().max(1) as f64;
    let plot_h = 300.0;
    let width = left + plot_w + right;
    let height = top + plot_h + bottom + 24.0 * series.len() as f64 / 3.0_f64.max(1.0);
    let values = series.iter().flat_map(|s| s.values.iter().copied());
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let step = nice_step(hi - lo);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    let y = |v: f64| top + plot_h - (v - lo) / (hi - lo) * plot_h;
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
        "<text x=\"{}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{}</text>\n",
        num(left),
        escape(title)
    ));
    // Grid and y axis.
    let mut t = lo;
    while t <= hi + step / 2.0 {
        out.push_str(&format!(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            num(left),
            num(left + plot_w),
            num(left - 6.0),
            num(y(t) + 4.0),
            num(t),
            y = num(y(t)),
        ));
        t += step;
    }
    out.push_str(&format!(
        "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
        num(top + plot_h / 2.0),
        escape(y_label)
    ));
    // Bars.
    for (ci, c) in categories.iter().enumerate() {
        let gx = left + group_w * ci as f64 + 12.0;
        for (si, s) in series.iter().enumerate() {
            let v = s.values.get(ci).copied().unwrap_or(0.0);
            let v = if v.is_finite() { v } else { 0.0 };
            let (y0, y1) = (y(0.0_f64.max(lo)), y(v));
            let (ry, rh) = if y1 < y0 {
                (y1, y0 - y1)
            } else {
                (y0, y1 - y0)
            };
            out.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"{}\" fill=\"{}\"><title>{}: {} = {}</title></rect>\n",
                num(gx + 24.0 * si as f64),
                num(ry),
                num(rh.max(0.5)),
                s.colour,
                escape(c),
                escape(&s.name),
                num(v)
            ));
        }
        let cx = gx + 12.0 * series.len() as f64;
        out.push_str(&format!(
            "<text transform=\"translate({} {}) rotate(40)\">{}</text>\n",
            num(cx),
            num(top + plot_h + 14.0),
            escape(c)
        ));
    }
    // Zero line and axes.
    out.push_str(&format!(
        "<line x1=\"{l}\" x2=\"{r}\" y1=\"{z}\" y2=\"{z}\" stroke=\"black\"/>\n<line x1=\"{l}\" x2=\"{l}\" y1=\"{t}\" y2=\"{b}\" stroke=\"black\"/>\n",
        l = num(left),
        r = num(left + plot_w),
        z = num(y(0.0_f64.max(lo))),
        t = num(top),
        b = num(top + plot_h),
    ));
    // Legend.
    for (si, s) in series.iter().enumerate() {
        let lx = left + 180.0 * (si % 3) as f64;
        let ly = top + plot_h + bottom - 8.0 + 20.0 * (si / 3) as f64;
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

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(10.0), 2.0);
        assert_eq!(nice_step(3.0), 1.0);
        assert_eq!(nice_step(0.9), 0.2);
        assert_eq!(nice_step(0.0), 1.0);
    }
}
