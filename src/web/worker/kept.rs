//! The models the worker keeps after their runs (at most [`Shelf`](crate::web::shelf::Shelf)'s
//! capacity), and the requests they answer: a confusion cell's images, a picture's classes,
//! and forgetting one.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;

use super::{Outbox, Worker};
use crate::data::{Cifar10, IMAGE_BYTES, ImageSet, NUM_CLASSES, Picked};
use crate::eval::{ConfidenceHistogram, Evaluation, predict};
use crate::model::{Cnn, ModelSpec};
use crate::web::protocol::{CellPage, Event, GALLERY_PAGE, GalleryImage};

/// A model the worker keeps after its run, for the gallery, the weights download and the
/// user's own pictures. Its validation images are positions in the data set, not a copy of
/// them (30 MB a run).
pub struct KeptModel {
    pub model: Cnn,
    /// Where the model lives (WebGPU or the CPU).
    pub device: Device,
    /// Its metrics came from the six test-time views (fast94's last epoch): so do its
    /// answers about a picture.
    pub tta: bool,
    pub spec: ModelSpec,
    pub data: Rc<Cifar10>,
    pub validation: Picked,
    pub evaluation: Evaluation,
}

impl KeptModel {
    fn validation_set(&self) -> &ImageSet {
        self.validation.source(&self.data.train, &self.data.test)
    }

    pub fn label(&self, i: usize) -> u8 {
        self.validation_set().labels[self.validation.indices()[i]]
    }

    pub fn image(&self, i: usize) -> &[u8] {
        self.validation_set().image(self.validation.indices()[i])
    }

    pub fn confidence(&self) -> ConfidenceHistogram {
        let labels: Vec<u8> = (0..self.validation.len()).map(|i| self.label(i)).collect();
        confidence_of(&self.evaluation, &labels)
    }
}

/// Every class's probability for a picture's CIFAR-10 `pixels`, from the model of `run`.
async fn classify(
    trained: Option<&KeptModel>,
    run: &str,
    pixels: &[u8],
) -> Result<Vec<f32>, String> {
    let trained =
        trained.ok_or_else(|| format!("the model of `{run}` is not in this session any more"))?;
    if pixels.len() != IMAGE_BYTES {
        let got = pixels.len();
        return Err(format!("a picture of {got} bytes instead of {IMAGE_BYTES}"));
    }
    predict(&trained.model, pixels, &trained.device, trained.tta)
        .await
        .map_err(|e| format!("the model of `{run}` could not run: {e}"))
}

/// Bins of the confidence histogram.
pub const CONFIDENCE_BINS: usize = 20;

pub fn confidence_of(evaluation: &Evaluation, labels: &[u8]) -> ConfidenceHistogram {
    ConfidenceHistogram::new(
        &evaluation.confidence,
        &evaluation.predictions,
        labels,
        CONFIDENCE_BINS,
    )
}

/// Keeps `run`'s model; the least recently used one beyond the shelf's capacity is dropped,
/// and the page told which.
pub(super) fn keep(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, run: String, model: KeptModel) {
    let dropped = worker.borrow_mut().models.put(run, Rc::new(model));
    if !dropped.is_empty() {
        outbox.post(&Event::Forgotten { runs: dropped });
    }
}

/// `Request::Gallery`: a page of the images in one cell of a kept run's confusion matrix.
pub(super) fn answer_gallery(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, cell: CellPage) {
    let run = &cell.run;
    let trained = worker.borrow_mut().models.get(run).cloned();
    let Some(trained) = trained else {
        let message = format!(
            "the images of `{run}` are not in this session any more: train it again, or load \
             its weights"
        );
        return outbox.post(&Event::Refused { message });
    };
    let (total, images) = gallery(&trained, cell.truth, cell.predicted, cell.page);
    outbox.post(&Event::Gallery {
        cell,
        total,
        images,
    });
}

/// `Request::Classify`: a picture's classes by a kept run's model.
pub(super) async fn answer_classify(
    worker: &Rc<RefCell<Worker>>,
    outbox: &Outbox,
    run: String,
    pixels: Vec<u8>,
) {
    let trained = worker.borrow_mut().models.get(&run).cloned();
    let outcome = classify(trained.as_deref(), &run, &pixels).await;
    outbox.post(&Event::Classified { run, outcome });
}

/// The validation images of one confusion cell, a page at a time.
fn gallery(
    trained: &KeptModel,
    truth: usize,
    predicted: usize,
    page: usize,
) -> (usize, Vec<GalleryImage>) {
    let cell: Vec<usize> = (0..trained.validation.len())
        .filter(|&i| {
            trained.label(i) as usize == truth
                && trained.evaluation.predictions[i] as usize == predicted
        })
        .collect();
    let size = GALLERY_PAGE;
    let images = cell
        .iter()
        .skip(page * size)
        .take(size)
        .map(|&index| GalleryImage {
            index,
            pixels: trained.image(index).to_vec(),
            probabilities: trained.evaluation.probabilities
                [index * NUM_CLASSES..(index + 1) * NUM_CLASSES]
                .to_vec(),
        })
        .collect();
    (cell.len(), images)
}
