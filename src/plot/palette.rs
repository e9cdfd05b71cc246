//! The charts' colours: a colour-blind-safe palette for runs, the heatmaps' scales.

use plotters::style::RGBColor;

/// A colour as plain bytes (for serialisation and for the web layer's CSS).
pub type Rgb = (u8, u8, u8);

/// Okabe & Ito's colour-blind-safe palette, in an order that keeps neighbours far apart
/// (yellow left out: it vanishes on white).
const RUN_COLOURS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// The colour of the `index`-th run on a chart.
pub fn run_colour(index: usize) -> RGBColor {
    RUN_COLOURS[index % RUN_COLOURS.len()]
}

/// `t` in [0, 1] on a white → dark blue scale (matplotlib's "Blues", as the tutorial uses).
pub fn blues(t: f64) -> RGBColor {
    const STOPS: [(f64, Rgb); 5] = [
        (0.0, (247, 251, 255)),
        (0.25, (198, 219, 239)),
        (0.5, (107, 174, 214)),
        (0.75, (33, 113, 181)),
        (1.0, (8, 48, 107)),
    ];
    interpolate(&STOPS, t)
}

/// `t` in [−1, 1] on a diverging orange ← white → blue scale (colour-blind safe): negative is
/// worse, positive is better.
pub fn diverging(t: f64) -> RGBColor {
    const STOPS: [(f64, Rgb); 5] = [
        (-1.0, (179, 88, 6)),
        (-0.5, (241, 163, 64)),
        (0.0, (247, 247, 247)),
        (0.5, (153, 142, 195)),
        (1.0, (84, 39, 136)),
    ];
    interpolate(&STOPS, t)
}

fn interpolate(stops: &[(f64, Rgb)], t: f64) -> RGBColor {
    let t = if t.is_finite() { t } else { 0.0 };
    let t = t.clamp(stops[0].0, stops[stops.len() - 1].0);
    let i = stops
        .windows(2)
        .position(|w| t <= w[1].0)
        .unwrap_or(stops.len() - 2);
    let ((t0, a), (t1, b)) = (stops[i], stops[i + 1]);
    let f = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `background` (WCAG relative luminance).
pub fn text_on(background: RGBColor) -> RGBColor {
    let channel = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let RGBColor(r, g, b) = background;
    let luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    // The luminance where black and white text have equal contrast.
    if luminance > 0.179 {
        RGBColor(0, 0, 0)
    } else {
        RGBColor(255, 255, 255)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_hit_their_ends_and_clamp() {
        assert_eq!(blues(0.0), RGBColor(247, 251, 255));
        assert_eq!(blues(1.0), RGBColor(8, 48, 107));
        assert_eq!(blues(7.0), blues(1.0));
        assert_eq!(blues(f64::NAN), blues(0.0));
        assert_eq!(diverging(0.0), RGBColor(247, 247, 247));
        assert_eq!(diverging(-1.0), RGBColor(179, 88, 6));
    }

    #[test]
    fn text_contrasts_with_cells() {
        assert_eq!(text_on(blues(0.0)), RGBColor(0, 0, 0));
        assert_eq!(text_on(blues(1.0)), RGBColor(255, 255, 255));
    }
}
