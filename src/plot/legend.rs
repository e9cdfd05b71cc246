//! A legend laid out in rows above a chart's plot, outside it: with many runs, plotters' own
//! legend box covers the curves it explains.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawError;

const FONT_SIZE: u32 = 13;
const ROW_HEIGHT: u32 = 18;
/// Between the last row and the plot.
const AIR_BELOW: u32 = 6;
const SWATCH_WIDTH: i32 = 21;
/// Between a swatch and its text, and between entries.
const SWATCH_GAP: i32 = 6;
const ENTRY_GAP: i32 = 18;
const KEY_COLOUR: RGBColor = RGBColor(100, 100, 100);

/// How an entry's sample is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    Solid(RGBColor),
    Dashed(RGBAColor),
    Ring(RGBColor),
    /// Text alone.
    None,
}

#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub swatch: Swatch,
    pub label: String,
}

impl Entry {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        Self {
            swatch,
            label: label.into(),
        }
    }
}

/// The line styles explained once, in grey, ahead of one entry per run.
pub(super) fn style_key() -> [Entry; 3] {
    [
        Entry::new(Swatch::Solid(KEY_COLOUR), "validation"),
        Entry::new(Swatch::Dashed(KEY_COLOUR.mix(0.6)), "training"),
        Entry::new(Swatch::Ring(KEY_COLOUR), "best"),
    ]
}

/// Entries placed left to right from `left`, wrapping before `right`.
#[derive(Debug)]
pub(super) struct Legend {
    placed: Vec<Placed>,
}

#[derive(Debug)]
struct Placed {
    entry: Entry,
    x: i32,
    row: u32,
    width: i32,
}

impl Legend {
    /// Each group of entries starts a row of its own. Rows that would make the legend taller
    /// than `max_height` are left out and counted in a last entry, "+N more".
    pub fn layout<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        groups: Vec<Vec<Entry>>,
        left: i32,
        right: i32,
        max_height: u32,
    ) -> Result<Self, DrawError<DB::ErrorType>> {
        let font = ("sans-serif", FONT_SIZE).into_text_style(area);
        let width_of = |entry: &Entry| -> Result<i32, DrawError<DB::ErrorType>> {
            let (text, _) = area.estimate_text_size(&entry.label, &font)?;
            Ok(match entry.swatch {
                Swatch::None => text as i32,
                _ => SWATCH_WIDTH + SWATCH_GAP + text as i32,
            })
        };
        let mut placed: Vec<Placed> = Vec::new();
        let mut row = 0;
        for group in groups.into_iter().filter(|g| !g.is_empty()) {
            if let Some(last) = placed.last() {
                row = last.row + 1;
            }
            let mut x = left;
            for entry in group {
                let width = width_of(&entry)?;
                if x > left && x + width > right {
                    x = left;
                    row += 1;
                }
                placed.push(Placed {
                    entry,
                    x,
                    row,
                    width,
                });
                x += width + ENTRY_GAP;
            }
        }
        let max_rows = (max_height.saturating_sub(AIR_BELOW) / ROW_HEIGHT).max(1);
        if placed.last().is_some_and(|p| p.row >= max_rows) {
            let total = placed.len();
            placed.retain(|p| p.row < max_rows);
            // Make room on the last row for the count of what is left out.
            loop {
                let more = Entry::new(Swatch::None, format!("+{} more", total - placed.len()));
                let width = width_of(&more)?;
                let x = match placed.last() {
                    Some(p) if p.row == max_rows - 1 => p.x + p.width + ENTRY_GAP,
                    _ => left,
                };
                if x + width <= right || x == left {
                    placed.push(Placed {
                        entry: more,
                        x,
                        row: max_rows - 1,
                        width,
                    });
                    break;
                }
                placed.pop();
            }
        }
        Ok(Self { placed })
    }

    fn rows(&self) -> u32 {
        self.placed.last().map_or(0, |p| p.row + 1)
    }

    /// The band the legend needs, with a little air below it.
    pub fn height(&self) -> u32 {
        match self.rows() {
            0 => 0,
            rows => rows * ROW_HEIGHT + AIR_BELOW,
        }
    }

    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError<DB::ErrorType>> {
        for Placed { entry, x, row, .. } in &self.placed {
            let y = (row * ROW_HEIGHT + ROW_HEIGHT / 2) as i32;
            let text_x = match entry.swatch {
                Swatch::None => *x,
                swatch => {
                    draw_swatch(area, swatch, *x, y)?;
                    x + SWATCH_WIDTH + SWATCH_GAP
                }
            };
            let style = ("sans-serif", FONT_SIZE)
                .into_font()
                .color(&RGBColor(40, 40, 40))
                .pos(Pos::new(HPos::Left, VPos::Center));
            area.draw(&Text::new(entry.label.as_str(), (text_x, y), style))?;
        }
        Ok(())
    }
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    y: i32,
) -> Result<(), DrawError<DB::ErrorType>> {
    let end = x + SWATCH_WIDTH;
    match swatch {
        Swatch::Solid(colour) => {
            area.draw(&PathElement::new(
                vec![(x, y), (end, y)],
                colour.stroke_width(3),
            ))?;
            area.draw(&Circle::new((x + SWATCH_WIDTH / 2, y), 4, colour.filled()))
        }
        Swatch::Dashed(colour) => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 8, y)],
                colour.stroke_width(3),
            ))?;
            area.draw(&PathElement::new(
                vec![(x + 13, y), (end, y)],
                colour.stroke_width(3),
            ))
        }
        Swatch::Ring(colour) => area.draw(&Circle::new(
            (x + SWATCH_WIDTH / 2, y),
            7,
            colour.stroke_width(2),
        )),
        Swatch::None => Ok(()),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::plot::render::svg;

    fn entries(n: usize) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry::new(Swatch::Solid(RGBColor(0, 0, 0)), format!("run number {i}")))
            .collect()
    }

    /// Lays out `groups` in a 600-px-wide SVG, between x = 60 and 540, at most `max_height` tall.
    fn layout(groups: Vec<Vec<Entry>>, max_height: u32) -> Legend {
        let mut legend = None;
        svg(600, 200, |area| {
            legend = Some(Legend::layout(area, groups, 60, 540, max_height)?);
            Ok::<_, DrawError<_>>(vec![])
        })
        .unwrap();
        legend.unwrap()
    }

    /// Every row starts at the left edge, keeps its entries apart and in order, and ends before
    /// the right edge.
    fn assert_rows_fit(legend: &Legend) {
        for (i, p) in legend.placed.iter().enumerate() {
            assert!(p.x + p.width <= 540, "entry {i} ends at {}", p.x + p.width);
            match i.checked_sub(1).map(|q| &legend.placed[q]) {
                Some(q) if q.row == p.row => assert!(p.x >= q.x + q.width + ENTRY_GAP),
                _ => assert_eq!(p.x, 60, "entry {i} opens row {}", p.row),
            }
        }
    }

    #[test]
    fn entries_wrap_into_rows_within_the_width() {
        let none = layout(vec![entries(0)], 400);
        assert_eq!((none.rows(), none.height()), (0, 0));
        let one = layout(vec![entries(1)], 400);
        assert_eq!((one.rows(), one.height()), (1, ROW_HEIGHT + AIR_BELOW));
        // "run number 0" at 13 px is some 80 px wide: a handful of entries to a row.
        assert!(one.placed[0].width > SWATCH_WIDTH + SWATCH_GAP + 50);
        let many = layout(vec![entries(12)], 400);
        assert!(many.rows() > 2, "{} rows", many.rows());
        assert_eq!(many.placed.len(), 12);
        assert_rows_fit(&many);
        // The key has its row; the run's entry opens the next (the empty group takes none).
        let grouped = layout(vec![style_key().to_vec(), vec![], entries(1)], 400);
        let rows: Vec<u32> = grouped.placed.iter().map(|p| p.row).collect();
        assert_eq!(rows, [0, 0, 0, 1]);
        assert_rows_fit(&grouped);
    }

    #[test]
    fn a_legend_taller_than_allowed_counts_what_it_leaves_out() {
        let capped = layout(
            vec![style_key().to_vec(), entries(40)],
            3 * ROW_HEIGHT + AIR_BELOW,
        );
        assert_eq!(capped.rows(), 3);
        assert_eq!(capped.height(), 3 * ROW_HEIGHT + AIR_BELOW);
        assert_rows_fit(&capped);
        let (more, shown) = capped.placed.split_last().unwrap();
        let left_out = 3 + 40 - shown.len();
        assert_eq!(more.entry.label, format!("+{left_out} more"));
        assert!(matches!(more.entry.swatch, Swatch::None));
        assert_eq!(more.row, 2);
        // The shown runs are the first ones, in order.
        let names: Vec<&str> = shown[3..].iter().map(|p| p.entry.label.as_str()).collect();
        let first: Vec<String> = (0..names.len())
            .map(|i| format!("run number {i}"))
            .collect();
        assert_eq!(names, first);
        // A legend that fits keeps every entry.
        let fits = layout(vec![entries(12)], 400);
        assert!(fits.placed.iter().all(|p| !p.entry.label.contains("more")));
    }
}
