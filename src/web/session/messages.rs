//! What goes into the session and what comes out of it.

use crate::model::WeightsFormat;
use crate::web::form::{Field, FormValues, ModelPreview};
use crate::web::protocol::{Event, GalleryImage, Request};
use crate::web::saved::SavedRun;

/// A line of text on the page that the session writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The WebGPU adapter, or why there is none.
    Adapter,
    SelfCheck,
    /// A training step's work on WebGPU, counted when Measure speed timed it.
    GpuWork,
    DataStatus,
    DataProgress,
    /// Shown while it has text; hidden by [`Command::Hide`].
    DataError,
    RunStatus,
    /// Shown while it has text; hidden by [`Command::Hide`].
    RunError,
    /// Keras' progress line, or what happens before the first batch.
    Progress,
    FirstStep,
    Rate,
    BatchTime,
    Memory,
    Backend,
    Device,
    RunsStatus,
    /// Shown while it has text; hidden by [`Command::Hide`].
    RunsError,
    GalleryCaption,
    AugmentCaption,
    /// How long the form's run would take on this device.
    Estimate,
    /// The validation set the form's settings give, beside its Validation field.
    ValidationSize,
    /// Under the share button: a link filled in, or made.
    ShareNotice,
    /// What happens to the user's own picture, and which run named it.
    PictureCaption,
}

/// A part of the page drawn from the session's runs (`redraw.rs` says when).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    RunsTable,
    History,
    /// The run pickers of the matrix and the difference.
    Pickers,
    Matrix,
    Difference,
    /// The accuracy and loss curves (at the next animation frame).
    Curves,
    StorageUse,
}

/// What the session asks of the browser.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A request for the worker (the page attaches the file of a LoadArchive or LoadWeights).
    Post(Request),
    Say(Line, String),
    Hide(Line),
    /// Load the data from the folder typed in the form (made absolute against the page).
    LoadTypedData,
    /// Fractions in 0..=1.
    DataProgress(f64),
    EpochProgress(f64),
    Redraw(Panel),
    /// Keep the run's record in IndexedDB.
    Persist(String),
    /// Keep the run's record and its weights in IndexedDB, together.
    StoreWeights {
        run: String,
        bytes: Vec<u8>,
    },
    /// Remove a run (gone from the session) and its weights from IndexedDB, by its key.
    Unstore {
        run: String,
        key: String,
    },
    /// Offer a file download; `done` is said (in the runs panel) once it started.
    Download {
        file: String,
        bytes: Vec<u8>,
        mime: &'static str,
        done: Option<String>,
    },
    /// Write the report of these runs (the page measures its charts' text) and offer it as
    /// `file`.
    DownloadReport {
        runs: Vec<String>,
        file: String,
    },
    /// Offer the weights kept in IndexedDB for a run restored from there, as a `.bpk` or
    /// converted to safetensors.
    DownloadStored {
        run: String,
        file: String,
        format: WeightsFormat,
    },
    ShowGallery(Vec<GalleryImage>),
    /// The augmentation strip: one image as successive epochs show it.
    ShowAugmentSamples(Vec<Vec<u8>>),
    /// The worker is gone: start a new one (it announces itself with `Event::Ready`).
    RestartWorker,
    /// Replace the worker with one running the GPU module (`module.rs`).
    StartGpuModule,
    /// A run started: bring its progress, curves and matrix into view.
    RevealResults,
    /// The user's picture as the model sees it (CIFAR-10 bytes).
    ShowPicture(Vec<u8>),
    /// A model's likeliest classes for the picture, most probable first; empty clears them.
    ShowPrediction(Vec<Prediction>),
    /// Set these fields of the training form (filled in by its rules, or a shared link).
    FillForm(Vec<(Field, String)>),
    /// The form's model: its summary, or what is wrong with its layers.
    ShowModel(ModelPreview),
}

/// One of a model's likeliest classes for the user's picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub class: String,
    pub probability: f32,
}

/// A file of a run that the runs table offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    /// What `cifar-lab report` writes of it: one self-contained HTML page.
    Report,
    HistoryCsv,
    HistoryJson,
    MetricsJson,
    ConfigJson,
    Weights,
    /// The weights in PyTorch's names and layouts, and the module that loads them.
    Safetensors,
    ModelPy,
}

impl Download {
    pub const ALL: [Download; 8] = [
        Self::Report,
        Self::HistoryCsv,
        Self::HistoryJson,
        Self::MetricsJson,
        Self::ConfigJson,
        Self::Weights,
        Self::Safetensors,
        Self::ModelPy,
    ];

    /// The name in the runs table's `data-action` attributes.
    pub fn action(self) -> &'static str {
        match self {
            Self::Report => "report.html",
            Self::HistoryCsv => "history.csv",
            Self::HistoryJson => "history.json",
            Self::MetricsJson => "metrics.json",
            Self::ConfigJson => "config.json",
            Self::Weights => "weights",
            Self::Safetensors => "model.safetensors",
            Self::ModelPy => "model.py",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Weights => "weights .bpk",
            // As wide as the widest other button, so the column does not grow.
            Self::Safetensors => "safetensors",
            other => other.action(),
        }
    }

    /// Offered only for a run whose weights are kept.
    pub fn needs_weights(self) -> bool {
        matches!(self, Self::Weights | Self::Safetensors | Self::ModelPy)
    }

    pub fn parse(action: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.action() == action)
    }
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The worker said something; `bytes` came beside it (a run's weights).
    Worker {
        event: Event,
        bytes: Option<Vec<u8>>,
    },
    /// The worker failed outside Rust: a trap (out of memory), or a module worker that
    /// would not start.
    WorkerError(String),
    /// A message from the worker that could not be read (a bug: worker and page are one
    /// build).
    BadMessage(String),
    /// The runs IndexedDB holds from earlier visits (each parsed or why not), or why the
    /// store could not be read.
    Restored(Result<Vec<Result<SavedRun, String>>, String>),
    LoadUrl {
        base: String,
    },
    LoadArchive {
        name: String,
    },
    ClearCache,
    /// Train pressed; `now` in milliseconds since 1970 (orders runs across visits).
    Train {
        form: FormValues,
        now: f64,
    },
    Stop,
    /// Measure speed pressed: time the form's model on the device its run would use.
    MeasureSpeed(FormValues),
    /// A weights file picked, to evaluate on the validation set the form describes.
    LoadWeights {
        file_name: String,
        form: FormValues,
        now: f64,
    },
    Download {
        run: String,
        what: Download,
    },
    Remove {
        run: String,
    },
    /// A run ticked (or not) for the report of the ticked runs.
    TickForReport {
        run: String,
        ticked: bool,
    },
    /// Download report pressed: the ticked runs compared in one report.
    ReportTicked,
    OpenGallery {
        run: String,
        truth: usize,
        predicted: usize,
    },
    TurnGalleryPage(isize),
    KeepWeights(bool),
    /// The page opened with this form and this address hash (a shared link, or empty).
    FormOpened {
        form: FormValues,
        hash: String,
    },
    /// The user changed a field of the training form; `form` is what it shows now.
    FormEdited {
        field: Field,
        form: FormValues,
    },
    /// A picture of the user's own was dropped or picked: its CIFAR-10 version, for the run
    /// the matrix shows (if any).
    Picture {
        name: String,
        run: Option<String>,
        pixels: Vec<u8>,
    },
    /// The browser could not decode the file as a picture.
    PictureUnreadable {
        name: String,
        reason: String,
    },
    /// Another run was chosen for the matrix: it names the picture too.
    MatrixRunChosen(Option<String>),
    /// The page was opened with `?data=` on another origin: load from there only when the
    /// user presses Load, so a link cannot make the page fetch from a server it names.
    ForeignData {
        origin: String,
    },
}

/// Which controls may be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controls {
    pub train: bool,
    pub stop: bool,
    /// Loading the data set: from the URL, or from an archive.
    pub load: bool,
    /// Timing the form's model on this device (Measure speed).
    pub measure: bool,
}
