//! ReLU at the zero point: every pre-activation is 0 there, where ReLU has a kink, so "the Hessian at zero"
//! depends on the convention. Three conventions side by side with the linear network (THEORY.md,
//! "Nonlinear branches").

use polars::prelude::DataFrame;

use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, table};
use super::analysis::{analysis, Analysis};
use crate::error::Result;
use crate::hessian::{spectrum_of, theory, HessianMethod, HessianOptions, Spectrum};
use crate::net::{Architecture, Init};

columns! {
    /// How the Hessian at the kink is taken (autodiff, second differences of the loss, differences of gradients).
    CONVENTION = "convention": Str;
    /// max|H − Hᵀ| / max|H| of the raw matrix, before symmetrising (0 for the closed forms).
    ASYMMETRY = "asymmetry": F64;
    /// λ_max of this convention divided by the linear network's.
    LAMBDA_MAX_OVER_LINEAR = "lambda_max_over_linear": F64;
}

table! {
    /// The table of [`relu_conventions`]: one row per convention.
    pub SCHEMA = "relu_conventions";
    fn conventions_frame(ConventionRow) {
        CONVENTION => |r| r.convention.label(),
        shared::LAMBDA_MAX => |r| r.lambda_max,
        shared::CONDITION_NUMBER => |r| r.condition_number,
        ASYMMETRY => |r| r.asymmetry,
        LAMBDA_MAX_OVER_LINEAR => |r| r.lambda_max_over_linear,
    }
}

/// Settings of [`relu_conventions`]. `Default`: width 2, depth 2, the default teacher, default Hessian options
/// (their finite-difference step and dense-size limit; the method is set per convention).
#[derive(Debug, Clone, PartialEq)]
pub struct ReluConventionsConfig {
    /// Width `D`.
    pub width: usize,
    /// Number of shortcut-2 units `L`.
    pub depth: usize,
    /// The data.
    pub data: DataSpec,
    /// Finite-difference step and dense-size limit.
    pub hessian: HessianOptions,
}

impl Default for ReluConventionsConfig {
    fn default() -> Self {
        Self {
            width: 2,
            depth: 2,
            data: DataSpec::default(),
            hessian: HessianOptions::default(),
        }
    }
}

impl ReluConventionsConfig {
    fn spec(&self, activation: ActivationKind) -> NetworkSpec {
        NetworkSpec {
            width: self.width,
            architecture: Architecture::Residual { shortcut: 2 },
            activation,
            depth: self.depth,
        }
    }
}

impl Validate for ReluConventionsConfig {
    /// Valid Hessian options and a valid shortcut-2 network.
    fn validate(&self) -> Result<()> {
        self.hessian.validate()?;
        self.spec(ActivationKind::Relu).validate()
    }
}

/// How the Hessian at ReLU's kink is taken (THEORY.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReluConvention {
    /// The linear network's closed form: the reference, slope 1.
    LinearReference,
    /// The exact R-operator on autodiff's convention `relu'(0) = 0`, `relu'' = 0`: slope 0, the zero matrix.
    Autodiff,
    /// Central second differences of the loss: the kink seen from both sides, slope ½, `½·H_linear`.
    LossSecondDifferences,
    /// Central differences of dfdx gradients: one block sees the kink and the other does not (slope ¼, asymmetric).
    GradientDifferences,
}

impl ReluConvention {
    /// All four, in table order.
    pub const ALL: [ReluConvention; 4] = [
        ReluConvention::LinearReference,
        ReluConvention::Autodiff,
        ReluConvention::LossSecondDifferences,
        ReluConvention::GradientDifferences,
    ];
    /// The table label.
    pub fn label(&self) -> &'static str {
        match self {
            ReluConvention::LinearReference => "linear network (reference)",
            ReluConvention::Autodiff => "relu, exact (R-operator): relu'(0) = 0",
            ReluConvention::LossSecondDifferences => "relu, second differences of the loss",
            ReluConvention::GradientDifferences => "relu, differences of dfdx gradients",
        }
    }
    /// λ_max relative to the linear network's, by THEORY.md §6: 1, 0, ½, ¼.
    pub fn predicted_ratio(&self) -> f64 {
        match self {
            ReluConvention::LinearReference => 1.0,
            ReluConvention::Autodiff => 0.0,
            ReluConvention::LossSecondDifferences => 0.5,
            ReluConvention::GradientDifferences => 0.25,
        }
    }
}

/// One convention's Hessian at `W = 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConventionRow {
    /// How the Hessian was taken.
    pub convention: ReluConvention,
    /// Its largest eigenvalue.
    pub lambda_max: f64,
    /// max|λ| / min|λ| (`None` when the matrix is 0).
    pub condition_number: Option<f64>,
    /// max|H − Hᵀ| / max|H| of the raw matrix, before symmetrising (0 for the closed form).
    pub asymmetry: f64,
    /// `lambda_max` divided by the linear network's.
    pub lambda_max_over_linear: f64,
}

/// The result of [`relu_conventions`]: the config and one [`ConventionRow`] per [`ReluConvention::ALL`].
#[derive(Debug, Clone)]
pub struct ReluConventions {
    /// The config of the run.
    pub config: ReluConventionsConfig,
    /// One entry per convention, in [`ReluConvention::ALL`] order.
    pub rows: Vec<ConventionRow>,
}

impl ReluConventions {
    /// The row of `convention`.
    pub fn of(&self, convention: ReluConvention) -> Option<&ConventionRow> {
        self.rows.iter().find(|r| r.convention == convention)
    }
    /// The result as a table ([`SCHEMA`]), for display and CSV.
    pub fn to_frame(&self) -> Result<DataFrame> {
        conventions_frame(&self.rows)
    }
}

/// The Hessian at `W = 0` of a shortcut-2 ReLU network under three conventions, next to the linear network's
/// ([`ReluConvention`]):
/// 1. autodiff's convention relu'(0) = 0, relu'' = 0: the exact engine ([`HessianMethod::Exact`], the R-operator
///    on dfdx's convention) — the zero matrix, THEORY.md's closed form with slope 0;
/// 2. central second differences of the loss (`DynNetwork::loss_hessian`): slope ½, i.e. `½·H_linear`;
/// 3. central differences of dfdx gradients ([`HessianMethod::FiniteDifference`], whatever `config.hessian.method`
///    says): one block sees the kink, the other does not (asymmetry 1).
pub fn relu_conventions(config: &ReluConventionsConfig) -> Result<ReluConventions> {
    config.check_and_run()
}

analysis!(ReluConventionsConfig => ReluConventions);

/// [`relu_conventions`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<ReluConventionsConfig>) -> Result<ReluConventions> {
    let options = &config.hessian;
    let data = config.data.load(config.width)?;
    let linear = theory::closed_form_spectrum(2, config.depth, data.moments(), 1.0)?;
    let relu = build_network(&config.spec(ActivationKind::Relu), &Init::Zero, 0)?;
    let exact = relu.hessian_at(
        &data,
        &HessianOptions {
            method: HessianMethod::Exact,
            ..*options
        },
    )?;
    let central = relu.loss_hessian(&data, options)?;
    let mixed = relu.hessian_at(
        &data,
        &HessianOptions {
            method: HessianMethod::FiniteDifference,
            ..*options
        },
    )?;
    let row = |convention, spectrum: &Spectrum, asymmetry| ConventionRow {
        convention,
        lambda_max: spectrum.lambda_max(),
        condition_number: spectrum.condition_number(),
        asymmetry,
        lambda_max_over_linear: spectrum.lambda_max() / linear.lambda_max(),
    };
    Ok(ReluConventions {
        config: config.inner().clone(),
        rows: vec![
            row(ReluConvention::LinearReference, &linear, 0.0),
            row(
                ReluConvention::Autodiff,
                &spectrum_of(exact.matrix.as_ref(), None)?,
                exact.asymmetry,
            ),
            row(
                ReluConvention::LossSecondDifferences,
                &spectrum_of(central.matrix.as_ref(), None)?,
                central.asymmetry,
            ),
            row(
                ReluConvention::GradientDifferences,
                &spectrum_of(mixed.matrix.as_ref(), None)?,
                mixed.asymmetry,
            ),
        ],
    })
}

/// The claims of notebook 06 on the ReLU conventions, checked on the result of [`relu_conventions`]:
///
/// - `relu_slopes`: λ_max relative to the linear network is 0 (autodiff), ½ (second differences of the loss)
///   and ¼ (differences of gradients), each within 1e-4 ([`ReluConvention::predicted_ratio`], THEORY.md §6);
/// - `relu_gradient_differences_asymmetric`: the raw matrix from differences of dfdx gradients has one block and
///   not its transpose (asymmetry ≥ 0.99), while second differences of the loss are symmetric by construction.
pub fn claims(result: &ReluConventions) -> Result<Vec<Claim>> {
    let ratio = |c: ReluConvention| result.of(c).map(|r| r.lambda_max_over_linear);
    let worst = ReluConvention::ALL
        .iter()
        .map(|c| ratio(*c).map_or(f64::INFINITY, |r| (r - c.predicted_ratio()).abs()))
        .fold(0.0, f64::max);
    let shown: Vec<String> = ReluConvention::ALL
        .iter()
        .map(|c| ratio(*c).map_or("missing".into(), num))
        .collect();
    let mixed = result
        .of(ReluConvention::GradientDifferences)
        .map(|r| r.asymmetry);
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
            evidence: match mixed {
                Some(m) => format!("asymmetry of the raw matrix {}", num(m)),
                None => "no gradient-differences row".into(),
            },
            criterion: "asymmetry ≥ 0.99".into(),
            verdict: Verdict::from_bool(mixed.is_some_and(|m| m >= 0.99)),
        },
    ])
}
