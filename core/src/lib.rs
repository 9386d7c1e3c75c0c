//! The part of demystify-resnet that a browser can run: the closed forms of the Hessian at the zero point
//! ([`theory`]), spectra and their summaries ([`spectrum`]), dense-size guards ([`options`]), data moments from
//! plain arrays ([`moments`]), the seeded teacher problem ([`teacher`]) and how numbers are shown and fitted
//! ([`format`], [`fit`]), and the exercises' checking logic ([`exercises`]: verdicts, truths, judges and hints).
//!
//! It depends on faer (without rayon) and rand only, so it builds for `wasm32-unknown-unknown`. The main crate,
//! `demystify_resnet`, re-exports every item at its usual path (`hessian::theory`, `hessian::Spectrum`,
//! `data::Moments`, `data::Teacher`, `numbers::format`): one source of truth for the notebooks and the pages.

pub mod eigen;
pub mod error;
pub mod exercises;
pub mod fit;
pub mod format;
pub mod moments;
pub mod options;
pub mod random;
pub mod spectrum;
pub mod teacher;
pub mod theory;

pub use error::{Error, Result};
pub use moments::Moments;
pub use options::{HessianMethod, HessianOptions};
pub use spectrum::{Spectrum, SpectrumSummary};
pub use teacher::{Teacher, TeacherSamples};
