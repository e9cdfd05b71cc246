//! What the session does with each thing the user does, and with the stored runs.

use super::redraw::Change;
use super::run_bar::BarMsg;
use super::{
    Command, Download, Line, PendingFile, RunView, Session, WeightsUse, run, weights_file_name,
};
use crate::model::WeightsFormat;
use crate::model::torch::model_py;
use crate::web::form::{Field, FormValues};
use crate::web::format;
use crate::web::parallel::CpuWorkers;
use crate::web::protocol::{CellPage, Request, WeightsFile};
use crate::web::saved::SavedRun;

impl Session {
    fn names(&self) -> Vec<String> {
        self.runs.iter().map(|r| r.name().to_string()).collect()
    }

    pub(super) fn train(&mut self, form: &FormValues, now: f64, out: &mut Vec<Command>) {
        if !self.controls().train {
            let text = "Training cannot start now: wait until the data set is loaded and no \
                        run is in progress."
                .to_string();
            return out.push(Command::Say(Line::RunError, text));
        }
        out.push(Command::Hide(Line::RunError));
        let name = format::run_name(form.get(Field::Model), &self.names());
        let mut request = match form.to_request(name.clone()) {
            Ok(request) => request,
            Err(error) => return out.push(Command::Say(Line::RunError, error.to_string())),
        };
        // The worker is told a count: Auto is this machine's.
        request.workers = CpuWorkers::Count(request.workers.count(self.speed.machine()));
        self.runs.push(RunView::new(name.clone(), &request, now));
        self.running = Some(name.clone());
        self.starting = true;
        self.stopping = false;
        self.update_bar(BarMsg::Train, out);
        out.push(Command::Post(Request::Train(request)));
        out.push(Command::EpochProgress(0.0));
        out.push(Command::Say(Line::FirstStep, "–".into()));
        // A shared link's "filled in" is history once its settings train.
        out.push(Command::Say(Line::ShareNotice, String::new()));
        out.push(Command::RevealResults);
        self.changed(Change::RunAdded);
    }

    pub(super) fn load_weights(
        &mut self,
        file_name: String,
        form: &FormValues,
        now: f64,
        out: &mut Vec<Command>,
    ) {
        out.push(Command::Hide(Line::RunsError));
        let request = match form.to_request(String::new()) {
            Ok(request) => request,
            Err(error) => return out.push(Command::Say(Line::RunsError, error.to_string())),
        };
        let stem = [".bpk", ".safetensors"]
            .into_iter()
            .find_map(|extension| file_name.strip_suffix(extension))
            .unwrap_or(&file_name);
        let run = format::run_name(&format!("{stem} (loaded)"), &self.names());
        self.pending_file = Some(PendingFile {
            file_name: file_name.clone(),
            chosen_model: form.get(Field::Model).to_string(),
            picked: now,
        });
        out.push(Command::Say(
            Line::RunsStatus,
            format!("Evaluating {file_name}…"),
        ));
        out.push(Command::Post(Request::LoadWeights(WeightsFile {
            run,
            file_name,
            model: request.config.model.clone(),
            backend: request.backend,
            data: request.data,
            seed: request.config.seed,
        })));
    }

    pub(super) fn download(&mut self, name: &str, what: Download, out: &mut Vec<Command>) {
        let Some(view) = self.run(name) else {
            return;
        };
        let saved = &view.saved;
        let stem = saved.file_stem();
        let text = |suffix: &str, body: String, mime| Command::Download {
            file: format!("{stem}-{suffix}"),
            bytes: body.into_bytes(),
            mime,
            done: None,
        };
        let command = match what {
            Download::Report => Command::DownloadReport {
                runs: vec![name.to_string()],
                file: format!("{stem}-report.html"),
            },
            Download::HistoryCsv => text("history.csv", saved.history.to_csv(), "text/csv"),
            Download::HistoryJson => {
                text("history.json", saved.history.to_json(), "application/json")
            }
            Download::MetricsJson => text("metrics.json", saved.metrics_json(), "application/json"),
            Download::ConfigJson => text("config.json", saved.config_json(), "application/json"),
            Download::ModelPy => text("model.py", model_py(&saved.model), "text/x-python"),
            Download::Weights | Download::Safetensors if !view.has_weights() => {
                let text = format!("No weights of {name} are kept.");
                Command::Say(Line::RunsError, text)
            }
            Download::Weights | Download::Safetensors => {
                let format = match what {
                    Download::Safetensors => WeightsFormat::Safetensors,
                    _ => WeightsFormat::Burnpack,
                };
                let file = weights_file_name(&stem, format);
                if !view.in_worker {
                    return out.push(Command::DownloadStored {
                        run: name.to_string(),
                        file,
                        format,
                    });
                }
                self.pending_weights
                    .push((name.to_string(), WeightsUse::Download(format)));
                out.push(Command::Say(
                    Line::RunsStatus,
                    format!("Reading the weights of {name}…"),
                ));
                Command::Post(Request::SaveWeights {
                    run: name.to_string(),
                })
            }
        };
        out.push(command);
    }

    /// The ticked runs in one report, in the table's order.
    pub(super) fn report_ticked(&mut self, out: &mut Vec<Command>) {
        let runs: Vec<String> = self
            .runs
            .iter()
            .filter(|r| r.in_report)
            .map(|r| r.name().to_string())
            .collect();
        out.push(match runs.len() {
            0 => Command::Say(
                Line::RunsError,
                "Tick the runs to compare in the report first (the first column).".into(),
            ),
            _ => Command::DownloadReport {
                runs,
                file: "cifar-lab-report.html".into(),
            },
        });
    }

    pub(super) fn remove(&mut self, name: &str, out: &mut Vec<Command>) {
        if self.running.as_deref() == Some(name) {
            let text = format!("{name} is training: stop it before removing it.");
            return out.push(Command::Say(Line::RunsError, text));
        }
        let Some(index) = self.runs.iter().position(|r| r.name() == name) else {
            return;
        };
        let removed = self.runs.remove(index);
        if removed.in_worker {
            out.push(Command::Post(Request::Forget { run: name.into() }));
        }
        let key = removed.saved.key();
        if self.gallery.as_ref().is_some_and(|g| g.cell.run == name) {
            self.gallery = None;
        }
        self.pending_weights.retain(|(run, _)| run != name);
        out.push(Command::Unstore {
            run: name.to_string(),
            key,
        });
        self.changed(Change::RunsListed);
    }

    pub(super) fn open_gallery(
        &mut self,
        run: String,
        truth: usize,
        predicted: usize,
        page: usize,
        out: &mut Vec<Command>,
    ) {
        let Some(view) = self.run(&run) else {
            return;
        };
        let (Some(t), Some(p)) = (
            self.data.classes().get(truth),
            self.data.classes().get(predicted),
        ) else {
            return;
        };
        let text = if self.running.as_deref() == Some(run.as_str()) {
            // The worker is busy training that very model between its batches.
            let text = format!(
                "{run} is training: its images of true {t} → predicted {p} can be seen once it \
                 ends or is stopped."
            );
            return out.push(Command::Say(Line::GalleryCaption, text));
        } else if !view.in_worker {
            format!(
                "The images of {run} are not available: its model is not in this session's \
                 worker (after a reload or a crash). Load its weights below to see them."
            )
        } else {
            format!("Loading the images of {run}: true {t} → predicted {p}…")
        };
        out.push(Command::Say(Line::GalleryCaption, text));
        if view.in_worker {
            out.push(Command::Post(Request::Gallery(CellPage {
                run,
                truth,
                predicted,
                page,
            })));
        }
    }

    /// Merges the runs of earlier visits in front of this session's, oldest first.
    pub(super) fn restore(
        &mut self,
        stored: Result<Vec<Result<SavedRun, String>>, String>,
        out: &mut Vec<Command>,
    ) {
        self.restored = true;
        let stored = match stored {
            Ok(stored) => stored,
            Err(error) => {
                let text = format!("Runs will not survive a reload: {error}");
                return out.push(Command::Say(Line::RunsError, text));
            }
        };
        let mut unreadable = Vec::new();
        let mut earlier: Vec<RunView> = Vec::new();
        for run in stored {
            match run {
                Ok(saved) if self.run(&saved.name).is_none() => {
                    earlier.push(RunView::restored(saved));
                }
                Ok(_) => {}
                Err(reason) => unreadable.push(reason),
            }
        }
        earlier.sort_by(|a, b| run::stored_order(&a.saved, &b.saved));
        let count = earlier.len();
        self.runs.splice(0..0, earlier);
        // Left in storage as they are (nothing is deleted): a later version may read them.
        if let Some(first) = unreadable.first() {
            let text = match unreadable.len() {
                1 => format!("A stored run could not be read, so it is not listed: {first}."),
                n => {
                    format!("{n} stored runs could not be read, so they are not listed: {first}; …")
                }
            };
            out.push(Command::Say(Line::RunsError, text));
        }
        if count > 0 {
            let text = format!(
                "{} from earlier visits listed.",
                format::count(count, "run")
            );
            out.push(Command::Say(Line::RunsStatus, text));
        }
        // The bar tells how the newest run ended (run_bar.rs), and shows how far it got.
        if self.running.is_none()
            && let Some(newest) = self.runs.last()
        {
            out.push(Command::EpochProgress(newest.finished_share()));
        }
        self.changed(Change::RunsListed);
        self.changed(Change::Storage);
    }
}
