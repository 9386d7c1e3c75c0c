//! The lowest layer's number helpers: how a float is shown ([`format`]) and the fits that claims and checkers
//! compute from measured numbers ([`fit`]).

pub mod fit;
pub mod format;
