//! Confusion matrices (and the difference of two) as heatmaps, with the layout that maps a
//! pointer back to a cell.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawError;
use super::labels::{AngledLabel, TextAnchor};
use super::palette::{blues, diverging, text_on};
use crate::eval::{ConfusionMatrix, Normalization};

/// Where the cells of a drawn heatmap are, to map a pointer back to a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapLayout {
    /// Top-left corner of the grid, in pixels of the drawing area.
    pub left: i32,
    pub top: i32,
    /// Side of one cell in pixels.
    pub cell: f64,
    pub classes: usize,
    /// The predicted-class labels, tilted 45° under the grid, for the caller to paint.
    pub angled_labels: Vec<AngledLabel>,
}

impl HeatmapLayout {
    /// The (true, predicted) cell under pixel `(x, y)`, if any.
    pub fn cell_at(&self, x: i32, y: i32) -> Option<(usize, usize)> {
        let column = (x - self.left) as f64 / self.cell;
        let row = (y - self.top) as f64 / self.cell;
        let inside = |v: f64| v >= 0.0 && v < self.classes as f64;
        (inside(column) && inside(row)).then_some((row as usize, column as usize))
    }

    /// Pixel centre of the (true, predicted) cell.
    pub fn cell_centre(&self, truth: usize, predicted: usize) -> (i32, i32) {
        let (x0, y0, x1, y1) = self.cell_bounds(truth, predicted);
        ((x0 + x1) / 2, (y0 + y1) / 2)
    }

    /// `(left, top, right, bottom)` pixel edges of a cell (right/bottom exclusive).
    pub fn cell_bounds(&self, truth: usize, predicted: usize) -> (i32, i32, i32, i32) {
        let edge = |origin: i32, i: usize| origin + (i as f64 * self.cell).round() as i32;
        (
            edge(self.left, predicted),
            edge(self.top, truth),
            edge(self.left, predicted + 1),
            edge(self.top, truth + 1),
        )
    }

    fn size(&self) -> i32 {
        (self.classes as f64 * self.cell).round() as i32
    }
}

/// The words of a hover tooltip: "true cat → predicted dog: 213, 21.3% of cats". In
/// precision mode the share is of the column, the images predicted as the class: "…: 213,
/// 19.8% of predicted dogs".
pub fn cell_tooltip(
    matrix: &ConfusionMatrix,
    names: &[String],
    truth: usize,
    predicted: usize,
    mode: Normalization,
) -> String {
    let count = matrix.counts[truth][predicted];
    // "of deer", "of trucks".
    let plural = |name: &String| {
        if name.ends_with('s') || name == "deer" {
            name.clone()
        } else {
            format!("{name}s")
        }
    };
    let (share, of) = match mode {
        Normalization::Precision => (
            matrix.value(truth, predicted, Normalization::Precision),
            format!("predicted {}", plural(&names[predicted])),
        ),
        Normalization::Counts | Normalization::Recall => (
            matrix.value(truth, predicted, Normalization::Recall),
            plural(&names[truth]),
        ),
    };
    format!(
        "true {} → predicted {}: {count}, {:.1}% of {of}",
        names[truth],
        names[predicted],
        share * 100.0
    )
}

/// The smallest text in a cell, in pixels (CSS pixels on the page).
const CELL_TEXT_MIN: f64 = 11.0;

/// Space around the grid for labels, the colour bar and the title.
const TITLE: i32 = 30;
const RIGHT: i32 = 78;
const AXIS_TITLE: i32 = 22;

/// Width of the row labels and height of the band under the grid (tilted labels and the
/// axis title), from the longest class name at ~7.5 px per character.
fn label_space(names: &[String]) -> (i32, i32) {
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(1) as f64;
    // Tilted labels need their length × sin 45° below the grid.
    (
        (longest * 7.5) as i32 + 8,
        (longest * 7.5 * 0.72) as i32 + 12 + AXIS_TITLE,
    )
}

fn layout(area_size: (u32, u32), names: &[String], classes: usize) -> HeatmapLayout {
    // Row labels are right-aligned against the grid; ~7.5 px per character at 13 px.
    let (row_labels, bottom) = label_space(names);
    let left = AXIS_TITLE + row_labels;
    let (w, h) = (area_size.0 as i32, area_size.1 as i32);
    let side = (w - left - RIGHT)
        .min(h - TITLE - bottom)
        .max(classes as i32);
    HeatmapLayout {
        left,
        top: TITLE,
        cell: side as f64 / classes.max(1) as f64,
        classes,
        angled_labels: vec![],
    }
}

/// Counts, recall or precision per cell; colour grows with the value (white → dark blue).
pub fn draw_confusion<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    matrix: &ConfusionMatrix,
    names: &[String],
    mode: Normalization,
    title: &str,
) -> Result<HeatmapLayout, DrawError<DB::ErrorType>> {
    let n = matrix.classes();
    let max = match mode {
        Normalization::Counts => matrix.counts.iter().flatten().copied().max().unwrap_or(0) as f64,
        Normalization::Recall | Normalization::Precision => 1.0,
    };
    let cells: Vec<Vec<(RGBColor, String)>> = (0..n)
        .map(|t| {
            (0..n)
                .map(|p| {
                    let v = matrix.value(t, p, mode);
                    let text = match mode {
                        Normalization::Counts => format!("{}", matrix.counts[t][p]),
                        _ => format!("{:.0}%", v * 100.0),
                    };
                    (blues(if max > 0.0 { v / max } else { 0.0 }), text)
                })
                .collect()
        })
        .collect();
    // The bar spans 0..max, labelled as the cells are: whole counts, or percentages.
    let tick = |v: f64| match mode {
        Normalization::Counts => format!("{v:.0}"),
        _ => format!("{:.0}%", v * 100.0),
    };
    let scale = ColourBar {
        top: tick(max),
        middle: tick(max / 2.0),
        bottom: tick(0.0),
        colour: |t| blues(1.0 - t),
    };
    draw_grid(area, names, &cells, title, &scale)
}

/// Run B − run A per cell, coloured by what it means: purple where B is better (more right
/// answers on the diagonal, fewer confusions off it), orange where B is worse.
pub fn draw_difference<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: &ConfusionMatrix,
    b: &ConfusionMatrix,
    names: &[String],
    title: &str,
) -> Result<HeatmapLayout, DrawError<DB::ErrorType>> {
    let diff = a.difference(b);
    let n = diff.len();
    let largest = diff
        .iter()
        .flatten()
        .map(|d| d.abs())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let cells: Vec<Vec<(RGBColor, String)>> = (0..n)
        .map(|t| {
            (0..n)
                .map(|p| {
                    let d = diff[t][p];
                    let better = if t == p { d } else { -d } as f64;
                    let text = match d {
                        0 => "0".to_string(),
                        d if d > 0 => format!("+{d}"),
                        d => format!("−{}", -d),
                    };
                    (diverging(better / largest), text)
                })
                .collect()
        })
        .collect();
    let scale = ColourBar {
        top: "better".into(),
        middle: "same".into(),
        bottom: "worse".into(),
        colour: |t| diverging(1.0 - 2.0 * t),
    };
    draw_grid(area, names, &cells, title, &scale)
}

struct ColourBar {
    top: String,
    middle: String,
    bottom: String,
    /// Colour at `t` from the bar's top (0) to its bottom (1).
    colour: fn(f64) -> RGBColor,
}

fn draw_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    names: &[String],
    cells: &[Vec<(RGBColor, String)>],
    title: &str,
    scale: &ColourBar,
) -> Result<HeatmapLayout, DrawError<DB::ErrorType>> {
    let n = cells.len();
    area.fill(&WHITE)?;
    let mut layout = layout(area.dim_in_pixel(), names, n);
    let size = layout.size();
    let (left, top) = (layout.left, layout.top);
    let dark = RGBColor(40, 40, 40);

    let title_style = ("sans-serif", 16)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        title.to_string(),
        (left + size / 2, top / 2),
        title_style,
    ))?;

    let font_size = (layout.cell * 0.32).clamp(CELL_TEXT_MIN, 13.0);
    for (t, row) in cells.iter().enumerate() {
        for (p, (colour, text)) in row.iter().enumerate() {
            let (x0, y0, x1, y1) = layout.cell_bounds(t, p);
            area.draw(&Rectangle::new([(x0, y0), (x1, y1)], colour.filled()))?;
            let ink = text_on(*colour);
            let style = ("sans-serif", font_size)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            // A value that would overflow its cell is left to the tooltip: smaller text would
            // be unreadable, and overlapping text is worse than none.
            let (text_w, _) = area.estimate_text_size(text, &style)?;
            if text_w as i32 > x1 - x0 - 4 || (y1 - y0) < font_size.ceil() as i32 + 6 {
                continue;
            }
            area.draw(&Text::new(
                text.clone(),
                ((x0 + x1) / 2, (y0 + y1) / 2),
                style,
            ))?;
        }
    }
    // The diagonal (right answers) framed, so it reads apart from the confusions.
    for i in 0..n {
        let (x0, y0, x1, y1) = layout.cell_bounds(i, i);
        area.draw(&Rectangle::new(
            [(x0 + 1, y0 + 1), (x1 - 1, y1 - 1)],
            dark.stroke_width(2),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(left, top), (left + size, top + size)],
        dark.stroke_width(1),
    ))?;

    let label_style = ("sans-serif", 13).into_font().color(&BLACK);
    for (i, name) in names.iter().enumerate().take(n) {
        let (_, cy) = layout.cell_centre(i, 0);
        let style = label_style.clone().pos(Pos::new(HPos::Right, VPos::Center));
        area.draw(&Text::new(name.clone(), (left - 6, cy), style))?;
        let (cx, _) = layout.cell_centre(0, i);
        layout.angled_labels.push(AngledLabel {
            text: name.clone(),
            x: cx + 4,
            y: top + size + 8,
            degrees: 45.0,
            font_size: 13.0,
            anchor: TextAnchor::End,
        });
    }
    let axis = ("sans-serif", 14).into_font().color(&BLACK);
    // Just under the tilted labels, however much room the area leaves below.
    let (_, below_labels) = label_space(names);
    area.draw(&Text::new(
        "predicted class",
        (left + size / 2, top + size + below_labels),
        axis.clone().pos(Pos::new(HPos::Center, VPos::Bottom)),
    ))?;
    area.draw(&Text::new(
        "true class",
        (4, top + size / 2),
        axis.transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;

    // Colour bar beside the grid, with its scale.
    let bar_left = left + size + 16;
    let bands = 40;
    for i in 0..bands {
        let y0 = top + size * i / bands;
        let y1 = top + size * (i + 1) / bands;
        let colour = (scale.colour)((i as f64 + 0.5) / bands as f64);
        area.draw(&Rectangle::new(
            [(bar_left, y0), (bar_left + 14, y1)],
            colour.filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(bar_left, top), (bar_left + 14, top + size)],
        dark.stroke_width(1),
    ))?;
    let tick = ("sans-serif", 12)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (text, y) in [
        (&scale.top, top),
        (&scale.middle, top + size / 2),
        (&scale.bottom, top + size),
    ] {
        area.draw(&Text::new(text.clone(), (bar_left + 19, y), tick.clone()))?;
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ClassNames;

    #[test]
    fn pixel_to_cell_round_trips_every_centre() {
        let names = ClassNames::default().0;
        let layout = layout((600, 520), &names, 10);
        for t in 0..10 {
            for p in 0..10 {
                let (x, y) = layout.cell_centre(t, p);
                assert_eq!(layout.cell_at(x, y), Some((t, p)));
            }
        }
        assert_eq!(layout.cell_at(layout.left - 1, layout.top + 5), None);
        assert_eq!(
            layout.cell_at(layout.left + 5, layout.top + layout.size() + 1),
            None
        );
    }

    #[test]
    fn tooltip_words() {
        let names = ClassNames::default().0;
        let mut m = ConfusionMatrix::new(10);
        m.counts[3][5] = 213;
        m.counts[3][3] = 787;
        m.counts[5][5] = 787;
        assert_eq!(
            cell_tooltip(&m, &names, 3, 5, Normalization::Counts),
            "true cat → predicted dog: 213, 21.3% of cats"
        );
        assert_eq!(
            cell_tooltip(&m, &names, 3, 5, Normalization::Precision),
            "true cat → predicted dog: 213, 21.3% of predicted dogs"
        );
        m.counts[4][4] = 1;
        let recall = cell_tooltip(&m, &names, 4, 4, Normalization::Recall);
        assert!(recall.ends_with("100.0% of deer"), "{recall}");
    }
}
