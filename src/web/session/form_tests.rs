//! The training form in the session: a bad field disables Train and names itself, and the
//! form says which validation set its run gets.

use super::tests::*;
use super::*;
use crate::web::form::{Field, tutorial};

#[test]
fn a_bad_field_disables_train_names_itself_and_a_good_form_frees_it() {
    let mut s = ready();
    assert!(s.controls().train);
    assert_eq!(s.train_reason(), None);
    let mut form = tutorial();
    form.set(Field::LearningRate, "-1");
    s.update(form_is(form.clone()));
    assert!(!s.controls().train);
    assert_eq!(s.invalid_field(), Some(Field::LearningRate));
    assert_eq!(
        s.train_reason().as_deref(),
        Some("Fix the learning rate: must be a positive number first.")
    );
    form.set(Field::LearningRate, "0.5");
    s.update(form_is(form));
    assert!(s.controls().train);
    assert_eq!(s.invalid_field(), None);
}

#[test]
fn the_form_shows_the_validation_set_its_run_gets() {
    let mut s = ready();
    let mut form = tutorial();
    form.set(Field::Subset, "1000");
    let out = s.update(form_is(form.clone()));
    assert_eq!(
        said(&out, Line::ValidationSize),
        Some("Validates on 200 of the 10,000 test images.")
    );
    form.set(Field::Validation, "0.2");
    let out = s.update(form_is(form));
    assert_eq!(
        said(&out, Line::ValidationSize),
        Some("Validates on 200 held-out training images.")
    );
}
