//! The browser app's entry point; trunk builds it (see index.html).

include!("entry/main.in.rs");
