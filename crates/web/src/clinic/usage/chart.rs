//! A bar chart as inline SVG, drawn on the server so that it needs no JavaScript: per week, a
//! place's places (a light bar) with the booked ones inside it (a dark bar), the week below and
//! the utilisation above. The chart is one image to assistive technology, named by its title
//! and described by its text alternative; the table beside it holds the same numbers.
//!
//! Every text comes in already translated; this module only measures, places and escapes.

use std::fmt::Write as _;

/// One week's bar.
pub struct Bar {
    /// Under the bar, e.g. the week's number.
    pub label: String,
    pub places: i64,
    pub booked: i64,
    /// Over the bar, e.g. «67 %».
    pub note: String,
}

/// What a chart says, in the visitor's language.
pub struct Chart<'a> {
    /// Unique on the page: the title's and description's ids are made from it.
    pub id: &'a str,
    pub title: &'a str,
    /// The text alternative: every number the bars show.
    pub description: &'a str,
    /// The legend's words for the two bars and the axis under them.
    pub places_label: &'a str,
    pub booked_label: &'a str,
    pub axis_label: &'a str,
    pub bars: &'a [Bar],
}

const BAR: i64 = 36;
const GAP: i64 = 16;
const LEFT: i64 = 40;
const TOP: i64 = 56;
const PLOT: i64 = 160;
const BOTTOM: i64 = 44;
const MIN_WIDTH: i64 = 320;

/// The chart's SVG markup, every text escaped.
pub fn render(chart: &Chart<'_>) -> String {
    let count = i64::try_from(chart.bars.len()).unwrap_or(i64::MAX / 64);
    let width = (LEFT + count * (BAR + GAP) + GAP).max(MIN_WIDTH);
    let height = TOP + PLOT + BOTTOM;
    // The scale's top: the largest number drawn, so that a week whose booked places outnumber
    // its published ones (slots unpublished after booking) still fits.
    let top = chart
        .bars
        .iter()
        .map(|bar| bar.places.max(bar.booked))
        .max()
        .unwrap_or(0)
        .max(1);
    let id = escape(chart.id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(chart.title),
        escape(chart.description),
    );
    // The legend, above the plot.
    let _ = write!(
        svg,
        "<rect class=\"places\" x=\"{LEFT}\" y=\"8\" width=\"14\" height=\"14\"/>\
         <text x=\"{}\" y=\"20\">{}</text>\
         <rect class=\"booked\" x=\"{}\" y=\"8\" width=\"14\" height=\"14\"/>\
         <text x=\"{}\" y=\"20\">{}</text>",
        LEFT + 20,
        escape(chart.places_label),
        LEFT + 140,
        LEFT + 160,
        escape(chart.booked_label),
    );
    // The scale: zero and the top, with a line at each.
    let base = TOP + PLOT;
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{width}\" y2=\"{base}\"/>\
         <line class=\"grid\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{width}\" y2=\"{TOP}\"/>\
         <text class=\"scale\" x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\
         <text class=\"scale\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{top}</text>",
        LEFT - 6,
        base + 4,
        LEFT - 6,
        TOP + 4,
    );
    for (n, bar) in (0_i64..).zip(chart.bars) {
        let x = LEFT + GAP + n * (BAR + GAP);
        let places = scaled(bar.places, top);
        let booked = scaled(bar.booked, top);
        let _ = write!(
            svg,
            "<rect class=\"places\" x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"{places}\"/>\
             <rect class=\"booked\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{booked}\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            base - places,
            x + 6,
            base - booked,
            BAR - 12,
            x + BAR / 2,
            base - places.max(booked) - 6,
            escape(&bar.note),
            x + BAR / 2,
            base + 18,
            escape(&bar.label),
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{LEFT}\" y=\"{}\">{}</text></svg>",
        height - 6,
        escape(chart.axis_label),
    );
    svg
}

/// A number's height on the plot, `top` being its full height; never negative.
fn scaled(value: i64, top: i64) -> i64 {
    if top <= 0 {
        return 0;
    }
    (value.clamp(0, top) * PLOT + top / 2) / top
}

/// Text for an SVG element or attribute: the five characters XML reserves are escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, places: i64, booked: i64) -> Bar {
        Bar {
            label: label.into(),
            places,
            booked,
            note: format!("{booked}/{places}"),
        }
    }

    fn chart(bars: &[Bar]) -> String {
        render(&Chart {
            id: "chart-1",
            title: "Bestilt og plasser: Vaksine – Influensa",
            description: "Uke 12: 2 av 4",
            places_label: "Plasser",
            booked_label: "Bestilt",
            axis_label: "Uke",
            bars,
        })
    }

    /// The `height` of each `<rect>` with this class, in order.
    fn heights(svg: &str, class: &str) -> Vec<i64> {
        svg.split(&format!("<rect class=\"{class}\""))
            .skip(1)
            .map(|rest| {
                let at = rest.find("height=\"").expect("height") + 8;
                let end = rest[at..].find('"').expect("end") + at;
                rest[at..end].parse().expect("number")
            })
            .collect()
    }

    #[test]
    fn an_image_named_by_its_title_and_described_by_its_text() {
        let svg = chart(&[bar("12", 4, 2)]);
        assert!(svg.starts_with(
            "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-1-title chart-1-desc\""
        ));
        assert!(svg.contains(
            "<title id=\"chart-1-title\">Bestilt og plasser: Vaksine – Influensa</title>"
        ));
        assert!(svg.contains("<desc id=\"chart-1-desc\">Uke 12: 2 av 4</desc>"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn bars_are_as_high_as_their_numbers_on_one_scale() {
        let svg = chart(&[bar("12", 4, 2), bar("13", 2, 2), bar("14", 0, 0)]);
        // The legend's two swatches come first; then one bar of each kind per week.
        assert_eq!(heights(&svg, "places"), [14, PLOT, PLOT / 2, 0]);
        assert_eq!(heights(&svg, "booked"), [14, PLOT / 2, PLOT / 2, 0]);
        assert!(svg.contains(">4</text>"), "the scale's top");
        for label in [">12</text>", ">13</text>", ">14</text>", ">2/4</text>"] {
            assert!(svg.contains(label), "{label}");
        }
    }

    #[test]
    fn more_booked_than_places_still_fits() {
        let svg = chart(&[bar("12", 2, 4)]);
        assert_eq!(heights(&svg, "places")[1..], [PLOT / 2]);
        assert_eq!(heights(&svg, "booked")[1..], [PLOT]);
    }

    #[test]
    fn no_weeks_and_no_places_draw_an_empty_plot() {
        let svg = chart(&[]);
        assert_eq!(heights(&svg, "places"), [14]);
        assert!(svg.contains("viewBox=\"0 0 320 260\""));
        let svg = chart(&[bar("1", 0, 0)]);
        assert_eq!(heights(&svg, "booked")[1..], [0]);
    }

    #[test]
    fn every_text_is_escaped() {
        let svg = render(&Chart {
            id: "c\"1",
            title: "<script>alert(1)</script>",
            description: "A & B's \"place\"",
            places_label: "<",
            booked_label: ">",
            axis_label: "&",
            bars: &[bar("<b>", 1, 1)],
        });
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("A &amp; B&#39;s &quot;place&quot;"));
        assert!(svg.contains("aria-labelledby=\"c&quot;1-title"));
    }

    #[test]
    fn many_weeks_widen_the_drawing() {
        let bars: Vec<Bar> = (1..=53).map(|n| bar(&n.to_string(), 1, 1)).collect();
        let svg = chart(&bars);
        let width = LEFT + 53 * (BAR + GAP) + GAP;
        assert!(svg.contains(&format!("viewBox=\"0 0 {width} 260\"")));
    }
}
