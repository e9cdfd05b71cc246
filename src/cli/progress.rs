//! A Keras-like console view of training: a bar per epoch with samples done, elapsed/ETA,
//! µs per sample and the running loss and accuracy, then one summary line per epoch.

use cifar_lab::history::{EPOCH_COLUMNS, EpochColumn};
use cifar_lab::train::{Observer, TrainEvent};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct ConsoleProgress {
    bar: Option<ProgressBar>,
}

impl ConsoleProgress {
    pub fn new() -> Self {
        Self { bar: None }
    }

    fn bar(&mut self, epoch: usize, epochs: usize, total: usize) -> &ProgressBar {
        self.bar.get_or_insert_with(|| {
            println!("Epoch {epoch}/{epochs}");
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{pos:>6}/{len} [{bar:30}] {elapsed} (ETA {eta}) {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        })
    }
}

impl Observer for ConsoleProgress {
    fn on_event(&mut self, event: TrainEvent<'_>) {
        match event {
            TrainEvent::Started {
                train_samples,
                val_samples,
                ..
            } => println!("Train on {train_samples} samples, validate on {val_samples} samples"),
            TrainEvent::BatchDone(p) => {
                let bar = self.bar(p.epoch, p.epochs, p.samples_total);
                bar.set_position(p.samples_done as u64);
                bar.set_message(format!(
                    "{:.0}us/sample - {:.0} img/s - loss: {:.4} - acc: {:.4}",
                    p.us_per_sample(),
                    p.images_per_second(),
                    p.loss,
                    p.acc
                ));
            }
            TrainEvent::ValidationStarted { .. } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{} - validating…", bar.message()));
                }
            }
            TrainEvent::EvaluationDone { .. } => {}
            TrainEvent::EpochDone(e) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                // Keras' line, its metrics in the order of every epoch table.
                let metrics: Vec<String> = EPOCH_COLUMNS
                    .iter()
                    .filter(|c| !matches!(c, EpochColumn::Epoch | EpochColumn::Seconds))
                    .map(|c| format!("{}: {:.4}", c.name(), c.value(e)))
                    .collect();
                println!(
                    "epoch {} - {:.0}s - {:.0}us/sample - {}",
                    e.epoch,
                    e.seconds,
                    e.us_per_sample,
                    metrics.join(" - ")
                );
            }
        }
    }
}
