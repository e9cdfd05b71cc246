//! The data set: a download stopped, another site's data waiting for a click, and the
//! augmentation strip following the form.

use super::tests::*;
use super::*;
use crate::data::Augment;
use crate::web::form::{Field, tutorial};
use crate::web::protocol::{Event, Request};

#[test]
fn stop_cancels_a_download() {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    s.update(Input::LoadUrl { base: "d/".into() });
    assert!(s.controls().stop && !s.controls().load);
    let commands = s.update(Input::Stop);
    assert_eq!(posted(&commands), [&Request::Stop]);
    assert_eq!(
        said(&commands, Line::DataStatus),
        Some("Stopping the download…")
    );
    assert!(!s.controls().stop);
    let message = "loading stopped: press Load to start again".to_string();
    let commands = worker(
        &mut s,
        Event::DataFailed {
            message: message.clone(),
        },
    );
    assert_eq!(said(&commands, Line::DataError), Some(message.as_str()));
    let idle = Controls {
        train: false,
        stop: false,
        load: true,
        measure: false,
    };
    assert_eq!(s.controls(), idle);
    assert!(posted(&s.update(Input::Stop)).is_empty(), "nothing to stop");
}

/// A busy server's answer is tried again, and the page says so (the loading goes on).
#[test]
fn a_busy_server_is_waited_for_in_words() {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    s.update(Input::LoadUrl { base: "d/".into() });
    let retrying = |status| Event::DataRetrying {
        file: "data_batch_3.bin".into(),
        status,
        seconds: 4.0,
    };
    let commands = worker(&mut s, retrying(Some(503)));
    assert_eq!(
        said(&commands, Line::DataProgress),
        Some("data_batch_3.bin: the server is busy (HTTP 503), retrying in 4 s…")
    );
    let commands = worker(&mut s, retrying(None));
    assert_eq!(
        said(&commands, Line::DataProgress),
        Some("data_batch_3.bin: no answer from the server, retrying in 4 s…")
    );
    assert!(s.controls().stop, "still loading");
}

#[test]
fn data_from_another_origin_waits_for_a_click() {
    let mut s = Session::default();
    let commands = s.update(Input::ForeignData {
        origin: "https://elsewhere.example".into(),
    });
    assert!(
        said(&commands, Line::DataStatus)
            .unwrap()
            .contains("https://elsewhere.example")
    );
    let commands = worker(&mut s, Event::Ready);
    assert!(
        !commands.contains(&Command::LoadTypedData),
        "nothing is fetched on open"
    );
    assert!(s.controls().load);
    let commands = s.update(Input::LoadUrl {
        base: "https://elsewhere.example/data/".into(),
    });
    assert_eq!(
        posted(&commands),
        [&Request::LoadUrl {
            base: "https://elsewhere.example/data/".into()
        }]
    );
}

/// The augmentation strip follows the form: asked for once the data is there, again when
/// the augmentation or the seed changes, never with settings the form would refuse.
#[test]
fn the_augmentation_strip_follows_the_form() {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    let changed = |augment: &str, seed: &str| {
        let mut form = tutorial();
        form.set(Field::Augment, augment);
        form.set(Field::Seed, seed);
        Input::FormEdited {
            field: Field::Augment,
            form,
        }
    };
    let flips_and_shifts = Augment {
        flip: true,
        translate: 2,
    };
    let commands = s.update(changed("flip-shift-2", "42"));
    assert!(posted(&commands).is_empty(), "no data yet: {commands:?}");
    let commands = worker(&mut s, data_ready());
    let asked = Request::AugmentSamples {
        augment: flips_and_shifts,
        seed: 42,
    };
    assert_eq!(posted(&commands), [&asked]);
    let commands = s.update(changed("none", "7"));
    let off = Request::AugmentSamples {
        augment: Augment::default(),
        seed: 7,
    };
    assert_eq!(posted(&commands), [&off]);
    for (augment, seed) in [("rotate", "7"), ("none", "-1")] {
        let commands = s.update(changed(augment, seed));
        assert!(posted(&commands).is_empty(), "{augment} {seed}");
    }

    let images = vec![vec![0u8; 3072]; 8];
    let samples = Event::AugmentSamples {
        index: 7,
        class: 7,
        images: images.clone(),
    };
    let commands = worker(&mut s, samples.clone());
    assert!(commands.contains(&Command::ShowAugmentSamples(images)));
    assert_eq!(
        said(&commands, Line::AugmentCaption),
        Some("Training image #7 (a horse), without augmentation: every epoch sees it the same.")
    );
    s.update(changed("flip-shift-2", "42"));
    let commands = worker(&mut s, samples);
    assert_eq!(
        said(&commands, Line::AugmentCaption),
        Some("Training image #7 (a horse), as 8 epochs see it, flipped and shifted by up to 2 px.")
    );
}
