//! ReLU at the zero point: every pre-activation is 0 there, where ReLU has a kink, so "the Hessian at zero"
//! depends on the convention. Three conventions side by side with the linear network (THEORY.md,
//! "Nonlinear branches").

use polars::prelude::DataFrame;

use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use crate::error::Result;
use crate::hessian::{spectrum_of, theory, HessianOptions};
use crate::net::{Architecture, Init};

columns! {
    /// How the Hessian at the kink is taken (autodiff, second differences of the loss, differences of gradients).
    CONVENTION = "convention": Str;
    /// max|H − Hᵀ| / max|H| of the raw matrix, before symmetrising (0 for the closed forms).
    ASYMMETRY = "asymmetry": F64;
    /// λ_max of this convention divided by the linear network's.
    LAMBDA_MAX_OVER_LINEAR = "lambda_max_over_linear": F64;
}

/// The table of [`relu_conventions`].
pub const SCHEMA: Schema = Schema {
    name: "relu_conventions",
    columns: &[
        CONVENTION,
        shared::LAMBDA_MAX,
        shared::CONDITION_NUMBER,
        ASYMMETRY,
        LAMBDA_MAX_OVER_LINEAR,
    ],
};

/// The Hessian at `W = 0` of a shortcut-2 ReLU network under three conventions, next to the linear network's:
/// 1. autodiff (dfdx's relu'(0) = 0): THEORY.md's closed form with slope 0 — the zero matrix;
/// 2. central second differences of the loss ([`loss_hessian`]): slope ½, i.e. `½·H_linear`;
/// 3. central differences of dfdx gradients: one block sees the kink, the other does not (asymmetry 1).
///
/// Columns: [`SCHEMA`].
///
/// `options`: the finite-difference step and the dense-size limit ([`HessianOptions::default`] is the usual
/// choice).
pub fn relu_conventions(
    width: usize,
    depth: usize,
    data: &DataSpec,
    options: &HessianOptions,
) -> Result<DataFrame> {
    options.validate()?;
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
    let central = relu.loss_hessian(&data, options)?;
    let central_spec = spectrum_of(central.matrix.as_ref(), None)?;
    let mixed = relu.numeric_hessian(&data, options)?;
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
    SCHEMA.frame(vec![
        CONVENTION.values(rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        shared::LAMBDA_MAX.values(rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        shared::CONDITION_NUMBER.values(rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        ASYMMETRY.values(rows.iter().map(|r| r.3).collect::<Vec<_>>()),
        LAMBDA_MAX_OVER_LINEAR.values(
            rows.iter()
                .map(|r| r.1 / linear.lambda_max())
                .collect::<Vec<_>>(),
        ),
    ])
}
