//! What the user does with runs (`actions.rs`): Train brings the results into view, stored
//! runs are restored in order, weights downloaded or kept, runs removed (never the running
//! one) and forgotten by the worker, weights files evaluated into an honest record, a cell's
//! images paged through, and reports made.

use super::tests::*;
use super::*;
use crate::eval::ConfidenceHistogram;
use crate::model::{Architecture, Cnn, ModelSpec, burnpack_bytes, torch};
use crate::train::RunEnd;
use crate::web::form::{Field, tutorial};
use crate::web::protocol::WeightsFile;
use crate::web::protocol::{CellPage, Event, Request};
use crate::web::saved::Origin;

#[test]
fn stored_runs_come_first_oldest_first_in_numeric_order() {
    let mut s = Session::default();
    let kept = vec![
        Ok(stored("plain #10", 0.0)),
        Ok(stored("deeper", 2e12)),
        Err("from another version".to_string()),
        Ok(stored("plain #2", 0.0)),
        Ok(stored("plain", 1e12)),
    ];
    let commands = s.update(Input::Restored(Ok(kept)));
    assert_eq!(names(&s), ["plain #2", "plain #10", "plain", "deeper"]);
    assert_eq!(
        said(&commands, Line::RunsError).unwrap(),
        "A stored run could not be read, so it is not listed: from another version."
    );
    assert!(
        said(&commands, Line::RunsStatus)
            .unwrap()
            .starts_with("4 runs")
    );
    assert!(s.runs().iter().all(|r| !r.in_worker));
    // Numbering continues after the stored runs.
    let mut s = ready_with(s);
    train(&mut s, "plain");
    assert_eq!(s.running(), Some("plain #3"));
}

#[test]
fn weights_go_where_they_were_asked_for() {
    let mut s = ready();
    s.update(Input::KeepWeights(true));
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    let commands = end(&mut s, "plain", RunEnd::Completed);
    assert!(posted(&commands).contains(&&Request::SaveWeights {
        run: "plain".into()
    }));
    let commands = s.update(Input::Download {
        run: "plain".into(),
        what: Download::Weights,
    });
    assert_eq!(posted(&commands).len(), 1);
    let commands = s.update(Input::Worker {
        event: Event::Weights {
            run: "plain".into(),
            model: Architecture::Plain.into(),
        },
        bytes: Some(vec![1, 2, 3]),
    });
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::Download { file, bytes, .. } if file == "plain.bpk" && bytes.len() == 3
    )));
    assert!(commands.contains(&Command::StoreWeights {
        run: "plain".into(),
        bytes: vec![1, 2, 3],
    }));
    assert_eq!(s.runs()[0].saved.weights_bytes, Some(3));
    // A restored run's weights come from the browser's storage, not the worker.
    let mut s = Session::default();
    let mut kept = stored("plain", 1.0);
    kept.weights_bytes = Some(10);
    s.update(Input::Restored(Ok(vec![Ok(kept), Ok(stored("bare", 2.0))])));
    let commands = s.update(Input::Download {
        run: "plain".into(),
        what: Download::Weights,
    });
    assert!(matches!(&commands[..], [Command::DownloadStored { file, .. }] if file == "plain.bpk"));
    let commands = s.update(Input::Download {
        run: "bare".into(),
        what: Download::Weights,
    });
    assert!(said(&commands, Line::RunsError).is_some());
}

#[test]
fn weights_go_to_pytorch_as_safetensors_and_a_module() {
    let mut s = ready();
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    end(&mut s, "plain", RunEnd::Completed);
    let download = |s: &mut Session, what| {
        s.update(Input::Download {
            run: "plain".into(),
            what,
        })
    };
    let commands = download(&mut s, Download::ModelPy);
    assert!(matches!(
        &commands[..],
        [Command::Download { file, bytes, .. }]
            if file == "plain-model.py" && String::from_utf8_lossy(bytes).contains("class Net(")
    ));
    // The worker sends the .bpk; the page converts it.
    download(&mut s, Download::Safetensors);
    let spec = ModelSpec::from(Architecture::Plain);
    let model = Cnn::new(&spec, &burn::tensor::Device::flex());
    let bpk = burnpack_bytes(&model, &spec).unwrap();
    let weights = |bytes| Input::Worker {
        event: Event::Weights {
            run: "plain".into(),
            model: Architecture::Plain.into(),
        },
        bytes: Some(bytes),
    };
    let commands = s.update(weights(bpk));
    let expected = torch::safetensors_bytes(&model, &spec).unwrap();
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::Download { file, bytes, .. } if file == "plain.safetensors" && *bytes == expected
    )));
    // Damaged bytes are said, not offered.
    download(&mut s, Download::Safetensors);
    let commands = s.update(weights(vec![1, 2, 3]));
    assert!(
        said(&commands, Line::RunsError)
            .unwrap()
            .starts_with("plain.safetensors: "),
        "{commands:?}"
    );
    // A restored run's come from the browser's storage, converted there.
    let mut s = Session::default();
    let mut kept = stored("plain", 1.0);
    kept.weights_bytes = Some(10);
    s.update(Input::Restored(Ok(vec![Ok(kept)])));
    let commands = download(&mut s, Download::Safetensors);
    assert!(matches!(
        &commands[..],
        [Command::DownloadStored { file, format: WeightsFormat::Safetensors, .. }]
            if file == "plain.safetensors"
    ));
}

#[test]
fn the_running_run_cannot_be_removed_and_others_are_forgotten() {
    let mut s = ready();
    train(&mut s, "plain");
    end(&mut s, "plain", RunEnd::Completed);
    train(&mut s, "deeper");
    let commands = s.update(Input::Remove {
        run: "deeper".into(),
    });
    assert!(said(&commands, Line::RunsError).is_some());
    assert_eq!(names(&s), ["plain", "deeper"]);
    let commands = s.update(Input::Remove {
        run: "plain".into(),
    });
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Unstore { run, .. } if run == "plain"))
    );
    assert_eq!(names(&s), ["deeper"]);
    assert_eq!(s.history_run().map(RunView::name), Some("deeper"));
    // The running run still gets its epochs after the other one went.
    epoch(&mut s, "deeper", 1);
    assert_eq!(s.runs()[0].saved.history.len(), 1);
}

#[test]
fn loaded_weights_make_an_honest_record() {
    let mut s = ready();
    let mut form = tutorial();
    form.set(Field::Model, "deeper");
    train(&mut s, "plain");
    end(&mut s, "plain", RunEnd::Completed);
    let commands = s.update(Input::LoadWeights {
        file_name: "plain.bpk".into(),
        form,
        now: 2e12,
    });
    let [Request::LoadWeights(WeightsFile { run, model, .. })] = posted(&commands)[..] else {
        panic!("expected LoadWeights: {commands:?}");
    };
    assert_eq!(
        (run.as_str(), model.clone()),
        ("plain (loaded)", Architecture::Deeper.into())
    );
    let commands = worker(
        &mut s,
        Event::Evaluated {
            run: run.clone(),
            model: Architecture::Plain.into(),
            val_images: 10_000,
            metrics: metrics(),
            confidence: ConfidenceHistogram::new(&[0.9], &[1], &[1], 4),
        },
    );
    let text = said(&commands, Line::RunsStatus).unwrap();
    assert!(
        text.contains("not the `deeper` model chosen above"),
        "{text}"
    );
    let saved = &s.runs()[1].saved;
    assert_eq!(saved.config, None, "no training settings are made up");
    assert_eq!(saved.model, Architecture::Plain.into());
    assert!(saved.history.is_empty());
    assert!(matches!(&saved.origin, Origin::Loaded { file } if file == "plain.bpk"));
    // After a reload it comes back after the run trained before it.
    let kept: Vec<_> = s.runs().iter().rev().map(|r| Ok(r.saved.clone())).collect();
    let mut reloaded = Session::default();
    reloaded.update(Input::Restored(Ok(kept)));
    assert_eq!(names(&reloaded), ["plain", "plain (loaded)"]);
}

#[test]
fn the_worker_forgets_removed_runs_and_says_which_it_dropped() {
    let mut s = ready();
    for _ in 0..2 {
        train(&mut s, "plain");
        let name = s.running().unwrap().to_string();
        epoch(&mut s, &name, 1);
        end(&mut s, &name, RunEnd::Completed);
    }
    let commands = s.update(Input::Remove {
        run: "plain".into(),
    });
    assert!(posted(&commands).contains(&&Request::Forget {
        run: "plain".into()
    }));
    assert!(commands.contains(&Command::Unstore {
        run: "plain".into(),
        key: format!("{:013.0} plain", 1e12),
    }));
    // The worker keeps only its most recent models: it says which went.
    worker(
        &mut s,
        Event::Forgotten {
            runs: vec!["plain #2".into()],
        },
    );
    let run = s.run("plain #2").unwrap();
    assert!(!run.in_worker && !run.has_weights());
    let commands = s.update(Input::OpenGallery {
        run: "plain #2".into(),
        truth: 0,
        predicted: 0,
    });
    assert!(posted(&commands).is_empty());
    // A restored run was never in the worker: removing it asks the worker nothing.
    let mut s = Session::default();
    s.update(Input::Restored(Ok(vec![Ok(stored("old", 1.0))])));
    let commands = s.update(Input::Remove { run: "old".into() });
    assert!(posted(&commands).is_empty());
}

#[test]
fn the_gallery_pages_through_one_cell() {
    let mut s = ready();
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    // The worker keeps a run's model once it ends (see words_tests for one that trains).
    end(&mut s, "plain", RunEnd::Completed);
    let commands = s.update(Input::OpenGallery {
        run: "plain".into(),
        truth: 3,
        predicted: 5,
    });
    let cell = CellPage {
        run: "plain".into(),
        truth: 3,
        predicted: 5,
        page: 0,
    };
    assert_eq!(posted(&commands), [&Request::Gallery(cell.clone())]);
    assert!(
        said(&commands, Line::GalleryCaption)
            .unwrap()
            .contains("true cat → predicted dog")
    );
    let commands = worker(
        &mut s,
        Event::Gallery {
            cell: cell.clone(),
            total: 50,
            images: Vec::new(),
        },
    );
    assert_eq!(commands, [Command::ShowGallery(Vec::new())]);
    let next = s.update(Input::TurnGalleryPage(1));
    let page_one = CellPage { page: 1, ..cell };
    assert_eq!(posted(&next), [&Request::Gallery(page_one)]);
    let back = s.update(Input::TurnGalleryPage(-1));
    assert!(matches!(
        posted(&back)[..],
        [Request::Gallery(CellPage { page: 0, .. })]
    ));
    // Removing the run closes its gallery: turning pages asks for nothing.
    end(&mut s, "plain", RunEnd::Completed);
    s.update(Input::Remove {
        run: "plain".into(),
    });
    assert!(s.gallery().is_none());
    assert!(posted(&s.update(Input::TurnGalleryPage(1))).is_empty());
}

#[test]
fn a_report_is_of_one_run_or_of_the_ticked_ones_in_order() {
    let mut s = Session::default();
    let kept = vec![Ok(stored("plain", 1e12)), Ok(stored("deeper", 2e12))];
    s.update(Input::Restored(Ok(kept)));
    let commands = s.update(Input::Download {
        run: "deeper".into(),
        what: Download::Report,
    });
    assert!(commands.contains(&Command::DownloadReport {
        runs: vec!["deeper".into()],
        file: "deeper-report.html".into(),
    }));
    // None ticked: the page says how to choose.
    let commands = s.update(Input::ReportTicked);
    assert!(
        said(&commands, Line::RunsError)
            .unwrap()
            .starts_with("Tick the runs")
    );
    for run in ["deeper", "plain"] {
        s.update(Input::TickForReport {
            run: run.into(),
            ticked: true,
        });
    }
    let commands = s.update(Input::ReportTicked);
    assert!(commands.contains(&Command::DownloadReport {
        runs: vec!["plain".into(), "deeper".into()],
        file: "cifar-lab-report.html".into(),
    }));
    s.update(Input::TickForReport {
        run: "plain".into(),
        ticked: false,
    });
    assert!(
        s.update(Input::ReportTicked)
            .contains(&Command::DownloadReport {
                runs: vec!["deeper".into()],
                file: "cifar-lab-report.html".into(),
            })
    );
}

#[test]
fn train_brings_the_results_into_view_and_ends_a_shared_links_notice() {
    let mut s = ready();
    let out = train(&mut s, "plain");
    assert!(out.contains(&Command::RevealResults));
    assert_eq!(said(&out, Line::ShareNotice), Some(""));
    assert_eq!(said(&out, Line::Progress), Some("plain: starting…"));
}

#[test]
fn a_running_runs_cell_says_when_its_images_come() {
    let mut s = ready();
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    let out = s.update(Input::OpenGallery {
        run: "plain".into(),
        truth: 3,
        predicted: 5,
    });
    assert!(
        super::tests::posted(&out).is_empty(),
        "no request the worker cannot serve"
    );
    assert_eq!(
        said(&out, Line::GalleryCaption),
        Some(
            "plain is training: its images of true cat → predicted dog can be seen once it \
             ends or is stopped."
        )
    );
}
