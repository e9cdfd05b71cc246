//! What the session does with each event from the worker.

use super::data::DataMsg;
use super::picture::PictureMsg;
use super::redraw::Change;
use super::run_bar::{BarMsg, Doing};
use super::speed::{SpeedMsg, device_name};
use super::{
    Command, GalleryShown, Line, RunView, Session, WeightsUse, weights_as, weights_file_name,
};
use crate::backend::BackendKind;
use crate::eval::{ConfidenceHistogram, RunMetrics};
use crate::model::{Architecture, ModelSpec, group_thousands};
use crate::train::{BatchProgress, RunEnd, TrainConfig};
use crate::web::format;
use crate::web::protocol::{Event, Request};

impl Session {
    /// Hands an event to the part it is about.
    pub(super) fn event(&mut self, event: Event, bytes: Option<Vec<u8>>, out: &mut Vec<Command>) {
        match event {
            Event::Ready | Event::Backend { .. } => self.worker_event(event, out),
            Event::DataProgress { .. }
            | Event::DataRetrying { .. }
            | Event::DataReady { .. }
            | Event::AugmentSamples { .. }
            | Event::DataFailed { .. }
            | Event::CacheCleared { .. }
            | Event::Notice { .. } => self.update_data(DataMsg::Event(Box::new(event)), out),
            Event::Stage { .. }
            | Event::SelfCheck { .. }
            | Event::RunStarted { .. }
            | Event::FirstStep { .. }
            | Event::Progress { .. }
            | Event::Validating { .. }
            | Event::Epoch { .. }
            | Event::RunEnded { .. } => self.run_event(event, out),
            Event::Gallery { .. }
            | Event::Weights { .. }
            | Event::Evaluated { .. }
            | Event::Forgotten { .. } => self.runs_event(event, bytes, out),
            Event::Classified { run, outcome } => {
                self.update_picture(PictureMsg::Classified { run, outcome }, None, out)
            }
            Event::SpeedMeasured {
                backend,
                sample,
                workers,
            } => {
                let place = (backend, workers);
                self.update_speed(SpeedMsg::Measured { place, sample }, out)
            }
            Event::SpeedFailed { message } => self.update_speed(SpeedMsg::Failed(message), out),
            Event::Refused { message } => self.refused(message, out),
            Event::Crashed { message } if self.worker.ready() => self.crashed(message, out),
            // Its WebAssembly never started (a module that did not download or compile):
            // another worker would fail the same way, so no retry.
            Event::Crashed { message } => {
                let text = format!("{message}. Reload the page to try again");
                out.push(Command::Say(Line::RunError, text));
            }
        }
    }

    /// What the worker says of the run under way.
    fn run_event(&mut self, event: Event, out: &mut Vec<Command>) {
        let say = |out: &mut Vec<Command>, line, text: String| out.push(Command::Say(line, text));
        match event {
            Event::Stage { stage } => self.running_does(|now| now.stage = Some(stage)),
            Event::SelfCheck { report, problem } => {
                say(
                    out,
                    Line::SelfCheck,
                    format::self_check_line(report, problem),
                );
            }
            Event::RunStarted {
                run,
                backend,
                note,
                config,
                train_images,
                val_images,
                batches_per_epoch,
            } => {
                self.starting = false;
                if let Some(view) = self.run_mut(&run) {
                    view.started(backend, config.shards, train_images, val_images);
                    if let Some(now) = &mut view.in_progress {
                        now.doing = Doing::Started {
                            batches_per_epoch,
                            note,
                        };
                    }
                }
                self.run_started(run, backend, &config, out);
            }
            Event::FirstStep { seconds, .. } => {
                say(out, Line::FirstStep, format!("{seconds:.1} s"))
            }
            Event::Progress {
                run,
                progress,
                memory_bytes,
            } => self.progress(run, progress, memory_bytes, out),
            Event::Validating { run, epoch } => {
                if let Some(now) = self.run_mut(&run).and_then(|v| v.in_progress.as_mut()) {
                    now.doing = Doing::Validating { epoch };
                }
            }
            Event::Epoch {
                run,
                record,
                metrics,
                confidence,
            } => {
                let epoch = record.epoch;
                let val_acc = record.val_acc;
                if let Some(view) = self.run_mut(&run) {
                    view.epoch(record, metrics, confidence);
                    if let Some(now) = &mut view.in_progress {
                        now.doing = Doing::EpochFinished { epoch, val_acc };
                    }
                    out.push(Command::Persist(run));
                }
                self.say_estimate(out);
                self.changed(Change::Epoch);
            }
            Event::RunEnded { run, ending } => self.run_ended(run, ending, out),
            _ => unreachable!("`event` hands only a run's events here"),
        }
    }

    /// The run started on `backend`: its speed is measured from here, and its device named.
    fn run_started(
        &mut self,
        run: String,
        backend: BackendKind,
        config: &TrainConfig,
        out: &mut Vec<Command>,
    ) {
        let workers = config.shards.max(1);
        let started = SpeedMsg::RunStarted {
            run,
            place: (backend, workers),
            model: config.model.clone(),
        };
        self.update_speed(started, out);
        let device = match (backend, self.worker.webgpu()) {
            (BackendKind::Wgpu, Some(info)) => info.label(),
            (BackendKind::Wgpu, None) => "unnamed adapter".into(),
            (BackendKind::Flex, _) => format::cpu_workers_label(workers),
        };
        out.push(Command::Say(Line::Backend, device_name(backend).into()));
        out.push(Command::Say(Line::Device, device));
    }

    /// A few more batches done.
    fn progress(
        &mut self,
        run: String,
        progress: BatchProgress,
        memory_bytes: Option<u64>,
        out: &mut Vec<Command>,
    ) {
        let say = |out: &mut Vec<Command>, line, text: String| out.push(Command::Say(line, text));
        if let Some(bytes) = memory_bytes {
            say(out, Line::Memory, format::megabytes(bytes));
        }
        let done = progress.samples_done as f64 / progress.samples_total.max(1) as f64;
        out.push(Command::EpochProgress(done));
        let images_per_second = progress.images_per_second();
        say(out, Line::Rate, format!("{images_per_second:.1}"));
        let rate = SpeedMsg::RunRate {
            run: run.clone(),
            images_per_second,
        };
        self.update_speed(rate, out);
        if progress.batch > 0 {
            let ms = progress.elapsed * 1000.0 / progress.batch as f64;
            say(out, Line::BatchTime, format!("{ms:.0} ms"));
        }
        if let Some(view) = self.run_mut(&run) {
            view.progress(&progress);
            if let Some(now) = &mut view.in_progress {
                now.last = Some(progress);
            }
        }
        self.changed(Change::Progress);
    }

    /// What the worker says of the runs table: a cell's images, weights, an evaluated file,
    /// models it let go.
    fn runs_event(&mut self, event: Event, bytes: Option<Vec<u8>>, out: &mut Vec<Command>) {
        match event {
            Event::Gallery {
                cell,
                total,
                images,
            } => {
                self.gallery = Some(GalleryShown { cell, total });
                out.push(Command::ShowGallery(images));
            }
            Event::Weights { run, .. } => self.weights_arrived(run, bytes.unwrap_or_default(), out),
            Event::Evaluated {
                run,
                model,
                val_images,
                metrics,
                confidence,
            } => self.evaluated(run, model, val_images, (metrics, confidence), out),
            Event::Forgotten { runs } => {
                for view in self
                    .runs
                    .iter_mut()
                    .filter(|r| runs.iter().any(|n| n == r.name()))
                {
                    view.in_worker = false;
                }
                self.changed(Change::ModelsGone);
            }
            _ => unreachable!("`event` hands only the runs table's events here"),
        }
    }

    /// A weights file evaluated: a run of its own, said in words.
    fn evaluated(
        &mut self,
        run: String,
        model: ModelSpec,
        val_images: usize,
        (metrics, confidence): (RunMetrics, ConfidenceHistogram),
        out: &mut Vec<Command>,
    ) {
        let pending = self.pending_file.take();
        let file = pending
            .as_ref()
            .map_or("a weights file", |p| p.file_name.as_str());
        let chosen = pending.as_ref().map_or("", |p| p.chosen_model.as_str());
        // `dropout` has the same weights as `plain`, so they fit both.
        let fits = chosen == model.name()
            || (chosen == "dropout" && model.as_preset() == Some(Architecture::Plain));
        let other = if fits || chosen.is_empty() {
            String::new()
        } else {
            format!(" (not the `{chosen}` model chosen above: they fit `{model}`)")
        };
        let text = format!(
            "{file}: `{model}` weights{other}, validation accuracy {:.4} on {} images.",
            metrics.accuracy,
            group_thousands(val_images)
        );
        out.push(Command::Say(Line::RunsStatus, text));
        let picked = pending.as_ref().map_or(0.0, |p| p.picked);
        let view = RunView::loaded(run.clone(), file, picked, model);
        let view = view.with_metrics(metrics, confidence);
        self.runs.push(view);
        self.changed(Change::RunsListed);
        out.push(Command::Persist(run.clone()));
        // The matrix shows the new run: it names the picture, if one waits.
        self.update_picture(PictureMsg::Ask, Some(&run), out);
    }

    /// The worker would not do what was asked: a timing, a download, a weights file or a run.
    fn refused(&mut self, message: String, out: &mut Vec<Command>) {
        if self.speed.timing() {
            return self.update_speed(SpeedMsg::Failed(message), out);
        }
        self.update_data(DataMsg::LoadLost, out);
        if self.pending_file.take().is_some() {
            return out.push(Command::Say(Line::RunsError, message));
        }
        // A refused Train: the run never started, so it is not kept.
        if self.starting
            && let Some(name) = self.running.take()
        {
            self.starting = false;
            self.runs.retain(|r| r.name() != name);
            self.update_bar(BarMsg::Refused(format!("{name} did not start.")), out);
            self.changed(Change::RunsListed);
        }
        out.push(Command::Say(Line::RunError, message));
    }

    fn run_ended(&mut self, run: String, ending: RunEnd<String>, out: &mut Vec<Command>) {
        // The run bar says how it ended (run_bar.rs); a failure's message goes under it.
        if let RunEnd::Failed { error: message } = &ending {
            let hint = if self.on_gpu(&run) { GPU_LOST } else { "" };
            out.push(Command::Say(Line::RunError, format!("{message}{hint}")));
        }
        if self.running.as_deref() == Some(run.as_str()) {
            self.running = None;
            self.starting = false;
            self.stopping = false;
        }
        let Some(view) = self.run_mut(&run) else {
            return;
        };
        view.end(ending);
        out.push(Command::EpochProgress(view.finished_share()));
        let has_metrics = view.saved.metrics.is_some();
        out.push(Command::Persist(run.clone()));
        if self.keep_weights && has_metrics {
            self.pending_weights.push((run.clone(), WeightsUse::Keep));
            out.push(Command::Post(Request::SaveWeights { run: run.clone() }));
        }
        self.changed(Change::RunEnded);
        if has_metrics {
            // The picture that waited for this run's model.
            self.update_picture(PictureMsg::Ask, Some(&run), out);
        }
    }

    /// The worker sent a run's weights: offer them as a download and/or keep them.
    fn weights_arrived(&mut self, run: String, bytes: Vec<u8>, out: &mut Vec<Command>) {
        let uses: Vec<WeightsUse> = self
            .pending_weights
            .iter()
            .filter(|(name, _)| *name == run)
            .map(|(_, u)| *u)
            .collect();
        self.pending_weights.retain(|(name, _)| *name != run);
        let Some(view) = self.run_mut(&run) else {
            return;
        };
        let stem = view.saved.file_stem();
        if uses.contains(&WeightsUse::Keep) {
            view.saved.weights_bytes = Some(bytes.len());
        }
        for use_ in &uses {
            let WeightsUse::Download(format) = *use_ else {
                continue;
            };
            let file = weights_file_name(&stem, format);
            out.push(match weights_as(format, &file, bytes.clone()) {
                Ok(bytes) => Command::Download {
                    done: Some(format!(
                        "Downloaded the weights of {run} as {file} ({:.1} MB).",
                        bytes.len() as f64 / 1e6
                    )),
                    file,
                    bytes,
                    mime: "application/octet-stream",
                },
                Err(error) => Command::Say(Line::RunsError, error),
            });
        }
        if uses.contains(&WeightsUse::Keep) {
            out.push(Command::StoreWeights { run, bytes });
            self.changed(Change::WeightsKept);
        }
    }
}

/// After a run on WebGPU fails: a lost GPU (a driver reset, another page exhausting it)
/// looks like any other device error from here.
pub(super) const GPU_LOST: &str = " If the GPU was lost or ran out of memory, choose Backend: CPU under \
                        Compute and press Train: the CPU trains the same model.";
