//! Charts drawn on the server as SVG: the geometry is computed here and
//! `templates/chart.html` only writes the shapes, so a chart needs no
//! JavaScript, follows the page's colours (CSS classes, no inline style:
//! the CSP forbids it) and is always shown with its data table.
//!
//! Two kinds, both able to show a count and the part of it that was taken
//! (a light bar, a dark bar inside it): columns for months (time reads left
//! to right), horizontal bars for categories (long labels get a line of
//! their own above each bar, which stays readable on a phone). A withheld
//! count draws no bar and says "< 5" (or "masqué" in a larger group).

use domain::text::thousands;

/// A rectangle.
#[derive(Debug, Clone)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub class: &'static str,
}

/// A line of the grid.
#[derive(Debug, Clone)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

/// A piece of text.
#[derive(Debug, Clone)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub text: String,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    pub class: &'static str,
}

/// An entry of the legend (written in HTML under the chart).
#[derive(Debug, Clone)]
pub struct Legend {
    pub label: &'static str,
    pub class: &'static str,
}

/// A chart ready to be written.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Unique on the page: the ids of its title and description.
    pub id: &'static str,
    pub title: String,
    /// What it shows, said to screen readers with the title.
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub grid: Vec<Line>,
    pub bars: Vec<Bar>,
    pub texts: Vec<Text>,
    pub legend: Vec<Legend>,
}

/// One column or bar: a label, a count and, when the chart has two series,
/// the part of it (`None`: withheld, or no second series).
#[derive(Debug, Clone)]
pub struct Item {
    pub label: String,
    /// A second line under a column (the year under January).
    pub sublabel: Option<String>,
    pub total: Option<u64>,
    pub part: Option<u64>,
    /// A group of fewer than 5 requests: a withheld count says "< 5"; in
    /// a larger group it was hidden against a subtraction and says
    /// "masqué".
    pub small: bool,
}

const TOTAL: &str = "mlp-chart__bar mlp-chart__bar--total";
const PART: &str = "mlp-chart__bar mlp-chart__bar--part";
/// What a withheld count says, in a small group or a larger one.
fn withheld(item: &Item) -> &'static str {
    if item.small { "< 5" } else { "masqué" }
}

/// The legend of a chart of requests and requests taken.
pub fn requests_and_taken() -> Vec<Legend> {
    vec![
        Legend { label: "Demandes", class: "mlp-chart__key mlp-chart__key--total" },
        Legend { label: "dont prises en charge", class: "mlp-chart__key mlp-chart__key--part" },
    ]
}

fn r(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A round top for the axis and its step (1, 2 or 5 × 10ⁿ), about four
/// steps for `max`.
pub fn scale(max: u64) -> (u64, u64) {
    if max == 0 {
        return (5, 1);
    }
    let raw = max as f64 / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = match raw / magnitude {
        n if n <= 1.0 => 1.0,
        n if n <= 2.0 => 2.0,
        n if n <= 5.0 => 5.0,
        _ => 10.0,
    };
    let step = ((nice * magnitude).round() as u64).max(1);
    (max.div_ceil(step) * step, step)
}

/// Columns, one per item, in order (months).
pub fn columns(id: &'static str, title: String, desc: String, items: &[Item], legend: Vec<Legend>) -> Chart {
    let (width, height) = (720.0, 300.0);
    let (left, right, top, bottom) = (56.0, 8.0, 16.0, 44.0);
    let (plot_w, plot_h) = (width - left - right, height - top - bottom);
    let max = items.iter().filter_map(|i| i.total).max().unwrap_or(0);
    let (top_value, step) = scale(max);
    let y_of = |v: u64| top + plot_h - v as f64 / top_value as f64 * plot_h;
    let mut chart = Chart {
        id,
        title,
        desc,
        width: width as u32,
        height: height as u32,
        grid: Vec::new(),
        bars: Vec::new(),
        texts: Vec::new(),
        legend,
    };
    for v in (0..=top_value).step_by(step as usize) {
        let y = r(y_of(v));
        chart.grid.push(Line { x1: left, y1: y, x2: width - right, y2: y });
        chart.texts.push(Text {
            x: left - 6.0,
            y: r(y + 4.0),
            text: thousands(v as i64),
            anchor: "end",
            class: "mlp-chart__axis",
        });
    }
    let n = items.len().max(1);
    let group = plot_w / n as f64;
    let bar_w = (group * 0.6).min(40.0);
    // One label in `every` when the months are many.
    let every = n.div_ceil(12);
    for (i, item) in items.iter().enumerate() {
        let center = left + group * (i as f64 + 0.5);
        let x = r(center - bar_w / 2.0);
        match item.total {
            Some(total) => {
                chart.bars.push(Bar {
                    x,
                    y: r(y_of(total)),
                    w: r(bar_w),
                    h: r(plot_h - (y_of(total) - top)),
                    class: TOTAL,
                });
                if let Some(part) = item.part {
                    chart.bars.push(Bar {
                        x,
                        y: r(y_of(part)),
                        w: r(bar_w),
                        h: r(plot_h - (y_of(part) - top)),
                        class: PART,
                    });
                }
            }
            None => chart.texts.push(Text {
                x: r(center),
                y: r(top + plot_h - 4.0),
                text: withheld(item).into(),
                anchor: "middle",
                class: "mlp-chart__note",
            }),
        }
        if i % every == 0 {
            chart.texts.push(Text {
                x: r(center),
                y: r(top + plot_h + 16.0),
                text: item.label.clone(),
                anchor: "middle",
                class: "mlp-chart__axis",
            });
            if let Some(sub) = &item.sublabel {
                chart.texts.push(Text {
                    x: r(center),
                    y: r(top + plot_h + 32.0),
                    text: sub.clone(),
                    anchor: "middle",
                    class: "mlp-chart__axis",
                });
            }
        }
    }
    chart
}

/// Horizontal bars, one per item, each under its label.
pub fn bars(id: &'static str, title: String, desc: String, items: &[Item], legend: Vec<Legend>) -> Chart {
    let width = 720.0;
    let (left, right, top, row, axis) = (8.0, 64.0, 8.0, 44.0, 28.0);
    let plot_w = width - left - right;
    let height = top + row * items.len() as f64 + axis;
    let max = items.iter().filter_map(|i| i.total).max().unwrap_or(0);
    let (top_value, step) = scale(max);
    let w_of = |v: u64| v as f64 / top_value as f64 * plot_w;
    let mut chart = Chart {
        id,
        title,
        desc,
        width: width as u32,
        height: height as u32,
        grid: Vec::new(),
        bars: Vec::new(),
        texts: Vec::new(),
        legend,
    };
    let bottom = top + row * items.len() as f64;
    for v in (0..=top_value).step_by(step as usize) {
        let x = r(left + w_of(v));
        chart.grid.push(Line { x1: x, y1: top, x2: x, y2: bottom });
        let anchor = if v == 0 { "start" } else { "middle" };
        chart.texts.push(Text { x, y: r(bottom + 18.0), text: thousands(v as i64), anchor, class: "mlp-chart__axis" });
    }
    for (i, item) in items.iter().enumerate() {
        let y = top + row * i as f64;
        chart.texts.push(Text {
            x: left,
            y: r(y + 15.0),
            text: item.label.clone(),
            anchor: "start",
            class: "mlp-chart__label",
        });
        let bar_y = r(y + 22.0);
        let (value, end) = match item.total {
            Some(total) => {
                chart.bars.push(Bar { x: left, y: bar_y, w: r(w_of(total)), h: 16.0, class: TOTAL });
                if let Some(part) = item.part {
                    chart.bars.push(Bar { x: left, y: bar_y, w: r(w_of(part)), h: 16.0, class: PART });
                }
                (thousands(total as i64), left + w_of(total))
            }
            None => (withheld(item).to_string(), left),
        };
        chart.texts.push(Text {
            x: r(end + 6.0),
            y: r(bar_y + 13.0),
            text: value,
            anchor: "start",
            class: "mlp-chart__value",
        });
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(label: &str, total: Option<u64>, part: Option<u64>) -> Item {
        Item { label: label.into(), sublabel: None, total, part, small: total.is_none() }
    }

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(scale(0), (5, 1));
        assert_eq!(scale(3), (3, 1));
        assert_eq!(scale(7), (8, 2));
        assert_eq!(scale(120), (150, 50));
        assert_eq!(scale(1234), (1500, 500));
        assert_eq!(scale(100_000), (100_000, 50_000));
    }

    #[test]
    fn columns_fill_the_plot_and_withheld_values_say_so() {
        let c = columns(
            "c",
            "t".into(),
            "d".into(),
            &[item("janv.", Some(100), Some(50)), item("févr.", None, None)],
            requests_and_taken(),
        );
        assert_eq!(c.bars.len(), 2);
        let (total, part) = (&c.bars[0], &c.bars[1]);
        assert_eq!(total.y + total.h, part.y + part.h, "both bars stand on the axis");
        assert!((part.h * 2.0 - total.h).abs() < 0.2, "{} {}", part.h, total.h);
        assert!(c.texts.iter().any(|t| t.text == "< 5"));
        assert!(total.y >= 16.0 && total.y + total.h <= 300.0 - 44.0 + 0.1);
    }

    #[test]
    fn bars_grow_with_their_items() {
        let items: Vec<Item> = (0..30).map(|i| item(&format!("Académie {i}"), Some(i * 10), Some(i * 5))).collect();
        let c = bars("b", "t".into(), "d".into(), &items, requests_and_taken());
        assert_eq!(c.height, (8.0 + 44.0 * 30.0 + 28.0) as u32);
        let widest = c.bars.iter().map(|b| b.x + b.w).fold(0.0, f64::max);
        assert!(widest <= 720.0 - 64.0 + 0.1, "{widest}");
        assert!(c.texts.iter().any(|t| t.text == "290"));
    }
}
