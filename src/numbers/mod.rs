//! The lowest layer's number helpers: how a float is shown ([`format`]) and the fits that claims and checkers
//! compute from measured numbers ([`fit`]); both live in `demystify_core`, which the report pages also run.

pub use demystify_core::{fit, format};
