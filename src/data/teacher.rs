//! The linear teacher problem ([`demystify_core::teacher`]): `x ~ N(0, I)`, `y = A x (+ noise)` with
//! `A = I + s·G/√D`. The core crate draws the samples as arrays; here they become a [`Dataset`] of width `D`.

use faer::Mat;

use super::Dataset;
use crate::error::Result;

pub use demystify_core::teacher::{whiten_rows, Teacher, TeacherSamples};

/// A generated teacher problem: the data and the teacher matrix `A` (row-major `D×D` as a faer matrix).
#[derive(Debug, Clone)]
pub struct TeacherData<const D: usize> {
    /// The samples `(x_i, y_i)`.
    pub data: Dataset<D>,
    /// The teacher matrix `A`.
    pub teacher: Mat<f64>,
}

/// Draws a [`Teacher`] problem as a dataset of compile-time width `D` (in the prelude, so
/// `Teacher::default().generate::<4>()` reads as a method).
pub trait GenerateTeacher {
    /// The samples of [`Teacher::samples`] for width `D`, as a [`Dataset`].
    fn generate<const D: usize>(&self) -> Result<TeacherData<D>>;
}

impl GenerateTeacher for Teacher {
    fn generate<const D: usize>(&self) -> Result<TeacherData<D>> {
        let s = self.samples(D)?;
        Ok(TeacherData {
            data: Dataset::from_flat(s.name, s.inputs, s.targets)?,
            teacher: s.teacher,
        })
    }
}
