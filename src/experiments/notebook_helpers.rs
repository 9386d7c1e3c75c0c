//! Small analyses used by the notebooks that do not fit the six main experiments: the identity at zero per
//! architecture, the three ReLU conventions at the zero point, and MNIST from a user-supplied folder.

use std::path::PathBuf;

use polars::prelude::DataFrame;

use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::{col, count, ensure_nonempty, frame};
use crate::error::Result;
use crate::hessian::{spectrum_of, theory, HessianOptions};
use crate::net::{Architecture, Init};

/// For every architecture and depth: parameter count `P = n·L·D²` and the largest `|f(x) − x|` over the data at
/// the natural starting point (residual: `W = 0`; plain: `V = I`) — exactly 0 — and at Xavier initialisation.
///
/// Columns: `architecture` (str), `depth` (u64), `params` (u64), `max_abs_f_minus_x_at_start` (f64),
/// `max_abs_f_minus_x_xavier` (f64).
pub fn identity_at_zero(
    width: usize,
    architectures: &[Architecture],
    depths: &[usize],
    data: &DataSpec,
) -> Result<DataFrame> {
    ensure_nonempty("architectures", architectures)?;
    ensure_nonempty("depths", depths)?;
    let data = data.load(width)?;
    let mut rows = Vec::new();
    for &architecture in architectures {
        for &depth in depths {
            let spec = NetworkSpec {
                width,
                architecture,
                activation: ActivationKind::Linear,
                depth,
            };
            let start = if architecture == Architecture::Plain {
                Init::Identity
            } else {
                Init::Zero
            };
            let deviation = |init: &Init| -> Result<f64> {
                build_network(&spec, init, 0)?.max_abs_deviation_from_identity(&data)
            };
            rows.push((
                architecture.label(),
                depth,
                spec.num_params(),
                deviation(&start)?,
                deviation(&Init::XavierNormal)?,
            ));
        }
    }
    frame(vec![
        col(
            "architecture",
            rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        ),
        col("depth", rows.iter().map(|r| count(r.1)).collect::<Vec<_>>()),
        col(
            "params",
            rows.iter().map(|r| count(r.2)).collect::<Vec<_>>(),
        ),
        col(
            "max_abs_f_minus_x_at_start",
            rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        ),
        col(
            "max_abs_f_minus_x_xavier",
            rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        ),
    ])
}

/// The Hessian at `W = 0` of a shortcut-2 ReLU network under three conventions, next to the linear network's:
/// 1. autodiff (dfdx's relu'(0) = 0): THEORY.md's closed form with slope 0 — the zero matrix;
/// 2. central second differences of the loss ([`loss_hessian`]): slope ½, i.e. `½·H_linear`;
/// 3. central differences of dfdx gradients: one block sees the kink, the other does not (asymmetry 1).
///
/// Columns: `convention` (str), `lambda_max` (f64), `condition_number` (f64?), `asymmetry` (f64: of the raw
/// matrix, before symmetrising), `lambda_max_over_linear` (f64).
pub fn relu_conventions(width: usize, depth: usize, data: &DataSpec) -> Result<DataFrame> {
    let data = data.load(width)?;
    let spec = |activation| NetworkSpec {
        width,
        architecture: Architecture::Residual { shortcut: 2 },
        activation,
        depth,
    };
    let linear = theory::spectrum_at_zero(2, depth, data.moments(), 1.0)?;
    let relu = build_network(&spec(ActivationKind::Relu), &Init::Zero, 0)?;
    let autodiff = theory::spectrum_at_zero(
        2,
        depth,
        data.moments(),
        ActivationKind::Relu.autodiff_slope_at_zero(),
    )?;
    let central = relu.loss_hessian(&data)?;
    let central_spec = spectrum_of(central.matrix.as_ref(), None)?;
    let mixed = relu.numeric_hessian(&data, &HessianOptions::default())?;
    let mixed_spec = spectrum_of(mixed.matrix.as_ref(), None)?;
    let rows = [
        (
            "linear network (reference)",
            linear.lambda_max(),
            linear.condition_number(),
            0.0,
        ),
        (
            "relu, autodiff: relu'(0) = 0",
            autodiff.lambda_max(),
            autodiff.condition_number(),
            0.0,
        ),
        (
            "relu, second differences of the loss",
            central_spec.lambda_max(),
            central_spec.condition_number(),
            central.asymmetry,
        ),
        (
            "relu, differences of dfdx gradients",
            mixed_spec.lambda_max(),
            mixed_spec.condition_number(),
            mixed.asymmetry,
        ),
    ];
    frame(vec![
        col("convention", rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        col("lambda_max", rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        col(
            "condition_number",
            rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        ),
        col("asymmetry", rows.iter().map(|r| r.3).collect::<Vec<_>>()),
        col(
            "lambda_max_over_linear",
            rows.iter()
                .map(|r| r.1 / linear.lambda_max())
                .collect::<Vec<_>>(),
        ),
    ])
}

/// Environment variable naming a folder with the MNIST IDX files (`train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, uncompressed).
pub const MNIST_ENV: &str = "DEMYSTIFY_MNIST_DIR";

/// The MNIST data spec if `DEMYSTIFY_MNIST_DIR` points to a folder holding both training files, else `None`
/// (nothing is downloaded).
pub fn mnist_from_env(max_samples: Option<usize>) -> Option<DataSpec> {
    let dir = PathBuf::from(std::env::var_os(MNIST_ENV)?);
    let images = dir.join("train-images-idx3-ubyte");
    let labels = dir.join("train-labels-idx1-ubyte");
    (images.is_file() && labels.is_file()).then_some(DataSpec::Mnist {
        images,
        labels,
        max_samples,
    })
}
