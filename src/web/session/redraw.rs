//! Which panels to redraw, derived from what an update changed. Handlers say what changed
//! ([`Session::changed`]); this table says what each panel draws from, so a new panel is a
//! row here (and its drawing in `page/`), not a redraw added to every handler.

use super::{Panel, Session};

/// Something about the runs that a panel may draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// A run was added to train: a name in the pickers, a row, an empty history.
    RunAdded,
    /// Runs came or went: restored, evaluated from a file, removed, or refused at the start.
    RunsListed,
    /// A batch trained: the curves' live point.
    Progress,
    /// An epoch ended: its record, and the metrics and confidence after it.
    Epoch,
    RunEnded,
    /// Runs' models left the worker (forgotten, or the worker replaced).
    ModelsGone,
    /// A run's weights were kept in the browser.
    WeightsKept,
    /// The browser's storage filled (the data set cached, runs restored).
    Storage,
}

use Change::*;

/// Each panel, in the order they are redrawn (the pickers first: the matrix and the
/// difference draw the runs they pick), and the changes that redraw it.
const REDRAWS: [(Panel, &[Change]); 7] = [
    (Panel::Pickers, &[RunAdded, RunsListed]),
    (
        Panel::RunsTable,
        &[
            RunAdded,
            RunsListed,
            Epoch,
            RunEnded,
            ModelsGone,
            WeightsKept,
        ],
    ),
    (Panel::History, &[RunAdded, RunsListed, Epoch, RunEnded]),
    // A new run's matrix stays the last run's until its first epoch.
    (Panel::Matrix, &[RunsListed, Epoch]),
    (Panel::Difference, &[RunsListed, Epoch]),
    (
        Panel::Curves,
        &[RunsListed, Progress, Epoch, RunEnded, ModelsGone],
    ),
    (Panel::StorageUse, &[Storage]),
];

/// The panels `changes` redraw, each once, in [`REDRAWS`]' order.
pub(super) fn panels(changes: &[Change]) -> Vec<Panel> {
    REDRAWS
        .iter()
        .filter(|(_, on)| on.iter().any(|c| changes.contains(c)))
        .map(|(panel, _)| *panel)
        .collect()
}

impl Session {
    /// Notes that `change` happened in this update; the panels it touches are redrawn at its
    /// end.
    pub(super) fn changed(&mut self, change: Change) {
        if !self.changes.contains(&change) {
            self.changes.push(change);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_panel_has_a_row_and_each_is_drawn_once() {
        let all = [
            RunAdded,
            RunsListed,
            Progress,
            Epoch,
            RunEnded,
            ModelsGone,
            WeightsKept,
            Storage,
        ];
        let panels = panels(&all);
        assert_eq!(panels.len(), REDRAWS.len());
        for (i, (panel, _)) in REDRAWS.iter().enumerate() {
            assert_eq!(panels.iter().filter(|p| *p == panel).count(), 1);
            assert!(REDRAWS[..i].iter().all(|(p, _)| p != panel));
        }
    }

    /// A batch moves only the curves; the pickers (which keep the user's choice) only
    /// change with the list of runs.
    #[test]
    fn a_batch_redraws_the_curves_and_only_new_runs_reset_the_pickers() {
        assert_eq!(panels(&[Progress]), [Panel::Curves]);
        for change in [Epoch, RunEnded, ModelsGone, WeightsKept, Storage, Progress] {
            assert!(!panels(&[change]).contains(&Panel::Pickers), "{change:?}");
        }
        assert_eq!(
            panels(&[RunAdded]),
            [Panel::Pickers, Panel::RunsTable, Panel::History]
        );
    }
}
