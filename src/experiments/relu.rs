//! ReLU at the zero point: every pre-activation is 0 there, where ReLU has a kink, so "the Hessian at zero"
//! depends on the convention. Three conventions side by side with the linear network (THEORY.md,
//! "Nonlinear branches").

use polars::prelude::DataFrame;

use super::claims::{num, Claim, Verdict};
use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use crate::error::Result;
use crate::hessian::{spectrum_of, theory, HessianMethod, HessianOptions};
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
/// 1. autodiff's convention relu'(0) = 0, relu'' = 0: the exact engine ([`HessianMethod::Exact`], the R-operator
///    on dfdx's convention) — the zero matrix, THEORY.md's closed form with slope 0;
/// 2. central second differences of the loss ([`loss_hessian`]): slope ½, i.e. `½·H_linear`;
/// 3. central differences of dfdx gradients ([`HessianMethod::FiniteDifference`], whatever `options.method`
///    says): one block sees the kink, the other does not (asymmetry 1).
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
    let exact = relu.hessian_at(
        &data,
        &HessianOptions {
            method: HessianMethod::Exact,
            ..*options
        },
    )?;
    let autodiff = spectrum_of(exact.matrix.as_ref(), None)?;
    let central = relu.loss_hessian(&data, options)?;
    let central_spec = spectrum_of(central.matrix.as_ref(), None)?;
    let mixed = relu.hessian_at(
        &data,
        &HessianOptions {
            method: HessianMethod::FiniteDifference,
            ..*options
        },
    )?;
    let mixed_spec = spectrum_of(mixed.matrix.as_ref(), None)?;
    let rows = [
        (
            "linear network (reference)",
            linear.lambda_max(),
            linear.condition_number(),
            0.0,
        ),
        (
            "relu, exact (R-operator): relu'(0) = 0",
            autodiff.lambda_max(),
            autodiff.condition_number(),
            exact.asymmetry,
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

/// The claims of notebook 06 on the ReLU conventions, checked on a frame of [`relu_conventions`] (rows in its
/// order: linear reference, autodiff, second differences of the loss, differences of dfdx gradients):
///
/// - `relu_slopes`: λ_max relative to the linear network is 0 (autodiff), ½ (second differences of the loss)
///   and ¼ (differences of gradients), each within 1e-4 (THEORY.md §6);
/// - `relu_gradient_differences_asymmetric`: the raw matrix from differences of dfdx gradients has one block and
///   not its transpose (asymmetry ≥ 0.99), while second differences of the loss are symmetric by construction.
pub fn claims(frame: &DataFrame) -> Result<Vec<Claim>> {
    let ratio = LAMBDA_MAX_OVER_LINEAR.f64s(frame)?;
    let asymmetry = ASYMMETRY.f64s(frame)?;
    if frame.height() != 4 {
        return Ok(vec![Claim::not_applicable(
            "relu_slopes",
            "ReLU at W = 0: three conventions, three Hessians.",
            "four rows in the order of relu_conventions",
            "the frame is not a relu_conventions table",
        )]);
    }
    let expected = [1.0, 0.0, 0.5, 0.25];
    let worst = ratio
        .iter()
        .zip(expected)
        .map(|(r, e)| r.map_or(f64::INFINITY, |r| (r - e).abs()))
        .fold(0.0, f64::max);
    let shown: Vec<String> = ratio.iter().map(|r| r.map_or("null".into(), num)).collect();
    let mixed = asymmetry[3].unwrap_or(0.0);
    Ok(vec![
        Claim {
            id: "relu_slopes",
            claim: "At W = 0 a ReLU network's Hessian is 0, ½ or ¼ times the linear one, depending on how the \
                    kink is differentiated."
                .into(),
            evidence: format!(
                "λ_max / λ_max(linear) = {} (linear, autodiff, second differences, gradient differences)",
                shown.join(", ")
            ),
            criterion: "within 1e-4 of 1, 0, ½, ¼".into(),
            verdict: Verdict::from_bool(worst <= 1e-4),
        },
        Claim {
            id: "relu_gradient_differences_asymmetric",
            claim: "Differences of dfdx gradients at the kink give a one-sided, asymmetric matrix.".into(),
            evidence: format!("asymmetry of the raw matrix {}", num(mixed)),
            criterion: "asymmetry ≥ 0.99".into(),
            verdict: Verdict::from_bool(mixed >= 0.99),
        },
    ])
}
