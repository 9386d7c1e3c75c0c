//! Experiment 1: the spectrum of the Hessian at the zero point, per shortcut depth, numeric next to closed form.

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::claims::{Claim, Verdict};
use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, table};
use super::{count, ensure_nonempty};
use crate::data::Moments;
use crate::error::{ensure_positive, Result};
use crate::hessian::{dense_spectrum_bytes, spectrum_of, theory, HessianOptions, Spectrum};
use crate::net::{Architecture, Init};

/// Settings of [`spectrum_at_zero`]. `Default`: width 4, shortcut depths 1–4, depth 3, linear, the default
/// teacher, clusters merged within 1e-6·max|λ|.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumAtZeroConfig {
    /// Width `D`.
    pub width: usize,
    /// Shortcut depths to analyse (1–4).
    pub shortcuts: Vec<usize>,
    /// Number of units `L`.
    pub depth: usize,
    /// Activation inside the branches.
    pub activation: ActivationKind,
    /// The data.
    pub data: DataSpec,
    /// Eigenvalues within `cluster_tol · max|λ|` are reported as one value with a multiplicity.
    pub cluster_tol: f64,
    /// How the numeric Hessians are computed (exact R-operator by default) and their dense-size limit.
    pub hessian: HessianOptions,
}

impl Default for SpectrumAtZeroConfig {
    fn default() -> Self {
        Self {
            width: 4,
            shortcuts: vec![1, 2, 3, 4],
            depth: 3,
            activation: ActivationKind::Linear,
            data: DataSpec::default(),
            cluster_tol: 1e-6,
            hessian: HessianOptions::default(),
        }
    }
}

impl SpectrumAtZeroConfig {
    /// A smaller version for tests (width 2, depth 2).
    pub fn quick() -> Self {
        Self {
            width: 2,
            depth: 2,
            ..Self::default()
        }
    }
}

columns! {
    /// Activation inside the branches: `linear`, `tanh` or `relu`.
    ACTIVATION = "activation": Str;
    /// k-th smallest distinct eigenvalue of the numeric Hessian at W = 0 (null past the last one).
    EIGENVALUE_NUMERIC = "eigenvalue_numeric": F64, nullable;
    /// Its multiplicity (eigenvalues within cluster_tol·max|λ| merged).
    MULTIPLICITY_NUMERIC = "multiplicity_numeric": U64, nullable;
    /// k-th smallest distinct eigenvalue of the closed form at W = 0 (null past the last one).
    EIGENVALUE_THEORY = "eigenvalue_theory": F64, nullable;
    /// Its multiplicity.
    MULTIPLICITY_THEORY = "multiplicity_theory": U64, nullable;
    /// ‖∇ℓ(0)‖ from dfdx.
    GRADIENT_NORM_NUMERIC = "gradient_norm_numeric": F64;
    /// ‖∇ℓ(0)‖ from the closed form (‖M‖_F·√L for n = 1, else 0).
    GRADIENT_NORM_THEORY = "gradient_norm_theory": F64;
    /// σ'(0) used by the closed form (autodiff convention; for ReLU the numeric column differs).
    THEORY_SLOPE = "theory_slope": F64;
}

table! {
    /// The table of [`spectrum_at_zero`]: row k of a shortcut depth holds the k-th smallest distinct eigenvalue of
    /// each method.
    pub SCHEMA = "spectrum_at_zero";
    fn spectrum_frame(SpectrumRow) {
        shared::SHORTCUT => |r| count(r.spectra.shortcut),
        shared::DEPTH => |r| count(r.depth),
        shared::PARAMS => |r| count(r.spectra.params),
        ACTIVATION => |r| r.activation.name(),
        EIGENVALUE_NUMERIC => |r| r.spectra.numeric.get(r.k).map(|c| c.0),
        MULTIPLICITY_NUMERIC => |r| r.spectra.numeric.get(r.k).map(|c| count(c.1)),
        EIGENVALUE_THEORY => |r| r.spectra.closed.get(r.k).map(|c| c.0),
        MULTIPLICITY_THEORY => |r| r.spectra.closed.get(r.k).map(|c| count(c.1)),
        GRADIENT_NORM_NUMERIC => |r| r.spectra.gradient_norm_numeric,
        GRADIENT_NORM_THEORY => |r| r.spectra.gradient_norm_theory,
        THEORY_SLOPE => |r| r.theory_slope,
    }
}

/// One row of the [`SCHEMA`] table: the `k`-th distinct eigenvalue of one shortcut depth's spectra.
struct SpectrumRow<'a> {
    spectra: &'a ShortcutSpectrum,
    k: usize,
    depth: usize,
    activation: ActivationKind,
    theory_slope: f64,
}


/// For every shortcut depth `n`: the Hessian of the network's loss at `W = 0`, computed by `config.hessian`'s method
/// (exact R-operator by default, finite differences of dfdx gradients on request), and THEORY.md's closed form, each reduced to distinct eigenvalues with multiplicities, side by
/// side (row `k` holds the `k`-th smallest distinct value of each), plus the gradient norm at zero.
///
/// Columns: [`SCHEMA`].
/// The spectra of one shortcut depth at `W = 0`: distinct eigenvalues (ascending) with their multiplicities, of
/// the network's Hessian and of the closed form, and the gradient norm both ways.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcutSpectrum {
    /// Shortcut depth `n`.
    pub shortcut: usize,
    /// Number of weights `P = n·L·D²`.
    pub params: usize,
    /// The network's Hessian (by `config.hessian`'s method): `(λ, multiplicity)`, ascending.
    pub numeric: Vec<(f64, usize)>,
    /// THEORY.md's closed form: `(λ, multiplicity)`, ascending.
    pub closed: Vec<(f64, usize)>,
    /// `‖∇ℓ(0)‖` from dfdx.
    pub gradient_norm_numeric: f64,
    /// `‖∇ℓ(0)‖` from the closed form (`‖M‖_F·√L` for `n = 1`, else 0).
    pub gradient_norm_theory: f64,
}

/// The result of [`spectrum_at_zero`]: the config, σ'(0) used by the closed forms, and one
/// [`ShortcutSpectrum`] per shortcut depth in config order.
#[derive(Debug, Clone)]
pub struct SpectrumAtZero {
    /// The config of the run.
    pub config: SpectrumAtZeroConfig,
    /// σ'(0) used by the closed form (autodiff convention).
    pub theory_slope: f64,
    /// One entry per shortcut depth.
    pub shortcuts: Vec<ShortcutSpectrum>,
}

impl SpectrumAtZero {
    /// The spectra of shortcut depth `n` (`None` when the run has none).
    pub fn of_shortcut(&self, n: usize) -> Option<&ShortcutSpectrum> {
        self.shortcuts.iter().find(|s| s.shortcut == n)
    }
}

pub fn spectrum_at_zero(config: &SpectrumAtZeroConfig) -> Result<SpectrumAtZero> {
    config.check_and_run()
}

impl Validate for SpectrumAtZeroConfig {
    /// At least one shortcut depth, a positive clustering tolerance, valid Hessian options.
    fn validate(&self) -> Result<()> {
        ensure_nonempty("shortcuts", &self.shortcuts)?;
        ensure_positive("cluster_tol", self.cluster_tol)?;
        Ok(self.hessian.validate()?)
    }
}

analysis!(SpectrumAtZeroConfig => SpectrumAtZero);

/// [`spectrum_at_zero`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<SpectrumAtZeroConfig>) -> Result<SpectrumAtZero> {
    let specs: Vec<NetworkSpec> = config
        .shortcuts
        .iter()
        .map(|&n| NetworkSpec {
            width: config.width,
            architecture: Architecture::Residual { shortcut: n },
            activation: config.activation,
            depth: config.depth,
        })
        .collect();
    for s in &specs {
        s.validate()?;
        let p = s.num_params();
        config.hessian.ensure_dense_fits(
            "numeric Hessian and its spectrum",
            p,
            dense_spectrum_bytes(p),
        )?;
    }
    let data = config.data.load(config.width)?;
    let slope = config.activation.autodiff_slope_at_zero();
    let per_shortcut = specs
        .par_iter()
        .map(|spec| -> Result<_> {
            let net = build_network(spec, &Init::Zero, 0)?;
            let h = net.hessian_at(&data, &config.hessian)?;
            let numeric = spectrum_of(h.matrix.as_ref(), Some(spec.block_size()))?
                .clustered(config.cluster_tol);
            let n = spec.block_size() / (spec.width * spec.width);
            let closed: Spectrum = theory::closed_form_spectrum_with(
                n,
                spec.depth,
                data.moments(),
                slope,
                &config.hessian,
            )?;
            let grad = net.loss_and_gradient(&data)?.1;
            let grad_theory = theory::gradient_at_zero(n, spec.depth, data.moments())?;
            let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
            Ok(ShortcutSpectrum {
                shortcut: n,
                params: spec.num_params(),
                numeric,
                closed: closed.clustered(config.cluster_tol),
                gradient_norm_numeric: norm(&grad),
                gradient_norm_theory: norm(&grad_theory),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SpectrumAtZero {
        config: config.inner().clone(),
        theory_slope: slope,
        shortcuts: per_shortcut,
    })
}

impl SpectrumAtZero {
    /// The result as a table ([`SCHEMA`]): row `k` of a shortcut depth holds the `k`-th smallest distinct
    /// eigenvalue of each method. For display and CSV.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let rows: Vec<SpectrumRow> = self
            .shortcuts
            .iter()
            .flat_map(|spectra| {
                (0..spectra.numeric.len().max(spectra.closed.len())).map(move |k| SpectrumRow {
                    spectra,
                    k,
                    depth: self.config.depth,
                    activation: self.config.activation,
                    theory_slope: self.theory_slope,
                })
            })
            .collect();
        spectrum_frame(&rows)
    }
}

/// The claims of notebook 02 (and of notebook 06 for tanh), checked on the result of [`spectrum_at_zero`]:
///
/// - `numeric_matches_theory`: the numeric Hessian at `W = 0` has the closed form's distinct eigenvalues
///   (within 1e-6·max|λ|, or 1e-8 when the spectrum is 0) with the same multiplicities;
/// - `n2_pm_sigma`: for shortcut 2 the eigenvalues come in pairs `±σ`, each of multiplicity `D·L`;
/// - `gradients_at_zero`: the gradient at zero vanishes for shortcut ≥ 2 (norm ≤ 1e-9) and equals the closed
///   form `−Mᵀ` per unit for shortcut 1 (relative 1e-6);
/// - `n3_flat`: for shortcut ≥ 3 the whole spectrum is 0 (one distinct value, |λ| ≤ 1e-9, multiplicity `P`).
pub fn claims(result: &SpectrumAtZero) -> Result<Vec<Claim>> {
    let width = result.config.width;
    let depth = result.config.depth;
    let mut out = Vec::new();

    // Numeric = theory, per shortcut depth.
    let mut worst = 0.0f64;
    let mut mismatched = 0;
    for s in &result.shortcuts {
        let scale = s.closed.iter().fold(0.0f64, |a, v| a.max(v.0.abs()));
        for k in 0..s.numeric.len().max(s.closed.len()) {
            match (s.numeric.get(k), s.closed.get(k)) {
                (Some(a), Some(b)) => {
                    let err = (a.0 - b.0).abs();
                    worst = worst.max(if scale > 0.0 { err / scale } else { err });
                    if a.1 != b.1 {
                        mismatched += 1;
                    }
                }
                _ => mismatched += 1,
            }
        }
    }
    out.push(Claim {
        id: "numeric_matches_theory",
        claim: "The network's Hessian at W = 0 has the closed form's eigenvalues, with the same multiplicities.".into(),
        evidence: format!(
            "{} shortcut depths; largest eigenvalue difference {worst:.1e} (relative to max|λ|); {mismatched} \
             distinct values whose multiplicity or presence differs",
            result.shortcuts.len()
        ),
        criterion: "difference ≤ 1e-6 (absolute 1e-8 when the spectrum is 0) and no multiplicity mismatch".into(),
        verdict: Verdict::from_bool(!result.shortcuts.is_empty() && worst <= 1e-6 && mismatched == 0),
    });

    // Shortcut 2: ±σ pairs of multiplicity D·L.
    let claim = "For shortcut 2 the eigenvalues at W = 0 come in pairs ±σ_i(M), each D·L times.";
    let criterion = "every numeric eigenvalue λ has a partner −λ (within 1e-6·max|λ|) of the same multiplicity D·L";
    match result.of_shortcut(2) {
        None => out.push(Claim::not_applicable(
            "n2_pm_sigma",
            claim,
            criterion,
            "no shortcut-2 rows",
        )),
        Some(two) => {
            let values = &two.numeric;
            let scale = values.iter().fold(0.0f64, |a, v| a.max(v.0.abs()));
            let dl = width * depth;
            let paired = values
                .iter()
                .filter(|(v, m)| {
                    *m == dl
                        && values
                            .iter()
                            .any(|(w, mw)| (v + w).abs() <= 1e-6 * scale && mw == m)
                })
                .count();
            out.push(Claim {
                id: "n2_pm_sigma",
                claim: claim.into(),
                evidence: format!(
                    "{paired} of {} distinct eigenvalues paired with their negative at multiplicity D·L = {dl}",
                    values.len()
                ),
                criterion: criterion.into(),
                verdict: Verdict::from_bool(!values.is_empty() && paired == values.len()),
            });
        }
    }

    // Gradients at zero.
    let mut zero_norm = 0.0f64;
    let mut one_err = 0.0f64;
    for s in &result.shortcuts {
        if s.shortcut >= 2 {
            zero_norm = zero_norm.max(s.gradient_norm_numeric);
        } else if s.gradient_norm_theory > 0.0 {
            one_err = one_err.max((s.gradient_norm_numeric / s.gradient_norm_theory - 1.0).abs());
        }
    }
    out.push(Claim {
        id: "gradients_at_zero",
        claim: "At W = 0 the gradient vanishes for shortcut 2 or more, and equals −Mᵀ per unit for shortcut 1.".into(),
        evidence: format!(
            "largest gradient norm for n ≥ 2: {zero_norm:.1e}; largest relative difference to the closed form for \
             n = 1: {one_err:.1e}"
        ),
        criterion: "norm ≤ 1e-9 for n ≥ 2; relative difference ≤ 1e-6 for n = 1".into(),
        verdict: Verdict::from_bool(zero_norm <= 1e-9 && one_err <= 1e-6),
    });

    // Shortcut ≥ 3: flat.
    let deep: Vec<&ShortcutSpectrum> = result
        .shortcuts
        .iter()
        .filter(|s| s.shortcut >= 3)
        .collect();
    let claim = "For shortcut 3 or more the whole spectrum at W = 0 is 0: no curvature at all.";
    let criterion =
        "one distinct numeric eigenvalue per shortcut depth, |λ| ≤ 1e-9, with multiplicity P";
    if deep.is_empty() {
        out.push(Claim::not_applicable(
            "n3_flat",
            claim,
            criterion,
            "no rows with shortcut ≥ 3",
        ));
    } else {
        let flat = deep
            .iter()
            .filter(|s| {
                s.numeric.len() == 1 && s.numeric[0].0.abs() <= 1e-9 && s.numeric[0].1 == s.params
            })
            .count();
        out.push(Claim {
            id: "n3_flat",
            claim: claim.into(),
            evidence: format!(
                "{flat} of {} shortcut depths are a single 0 of multiplicity P",
                deep.len()
            ),
            criterion: criterion.into(),
            verdict: Verdict::from_bool(flat == deep.len()),
        });
    }
    Ok(out)
}

columns! {
    /// Index k of the singular value (1 = largest).
    K = "k": U64;
    /// σ_k(M), the k-th largest singular value of M = Σ_xy − Σ_xx.
    SIGMA_M = "sigma_m": F64;
    /// The k-th largest positive eigenvalue of the one-unit block [[0, Bᵀ], [B, 0]] (null when missing).
    BLOCK_PLUS = "block_eigenvalue_plus": F64, nullable;
    /// Its multiplicity.
    MULTIPLICITY_PLUS = "multiplicity_plus": U64, nullable;
    /// The k-th most negative eigenvalue of the block (null when missing).
    BLOCK_MINUS = "block_eigenvalue_minus": F64, nullable;
    /// Its multiplicity.
    MULTIPLICITY_MINUS = "multiplicity_minus": U64, nullable;
}

table! {
    /// The table of [`shortcut_two_block`].
    pub BLOCK_SCHEMA = "shortcut_two_block";
    fn block_frame(BlockRow) {
        K => |r| count(r.k),
        SIGMA_M => |r| r.sigma,
        BLOCK_PLUS => |r| r.plus.map(|c| c.0),
        MULTIPLICITY_PLUS => |r| r.plus.map(|c| count(c.1)),
        BLOCK_MINUS => |r| r.minus.map(|c| c.0),
        MULTIPLICITY_MINUS => |r| r.minus.map(|c| count(c.1)),
    }
}

/// One row of [`shortcut_two_block`]: `σ_k(M)` beside the `k`-th largest positive and `k`-th most negative
/// eigenvalue of the block, each `(λ, multiplicity)` (`None` when the block has fewer).
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRow {
    /// `k`, from 1.
    pub k: usize,
    /// `σ_k(M)`.
    pub sigma: f64,
    /// The `k`-th largest positive eigenvalue and its multiplicity.
    pub plus: Option<(f64, usize)>,
    /// The `k`-th most negative eigenvalue and its multiplicity.
    pub minus: Option<(f64, usize)>,
}

/// The result of [`shortcut_two_block`]: the width `D` of `M` and one [`BlockRow`] per singular value.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcutTwoBlock {
    /// Width `D` (the theory's multiplicity of each `±σ_k`).
    pub width: usize,
    /// One entry per `σ_k(M)`, largest first.
    pub rows: Vec<BlockRow>,
}

impl ShortcutTwoBlock {
    /// The result as a table ([`BLOCK_SCHEMA`]), for display and CSV.
    pub fn to_frame(&self) -> Result<DataFrame> {
        block_frame(&self.rows)
    }
}

/// THEORY.md §2 step by step: the closed-form Hessian block of one shortcut-2 unit at `W = 0`,
/// `[[0, Bᵀ], [B, 0]]` with `B[(i,j),(j,k)] = −M[k,i]`, is diagonalised densely and its eigenvalues (clustered
/// within 1e-9·max|λ|) are set beside the singular values of `M`: row `k` holds `σ_k(M)`, the `k`-th largest
/// positive and the `k`-th most negative block eigenvalue, with multiplicities (theory: `±σ_k`, each `D` times).
pub fn shortcut_two_block(moments: &Moments) -> Result<ShortcutTwoBlock> {
    let block = theory::hessian_at_zero(2, 1, moments, 1.0)?;
    let spectrum =
        Spectrum::from_eigenvalues(crate::hessian::symmetric_eigenvalues(block.as_ref())?);
    let clusters = spectrum.clustered(1e-9);
    let sigma = theory::singular_values(&moments.m)?;
    let positive: Vec<(f64, usize)> = clusters
        .iter()
        .rev()
        .filter(|c| c.0 > 0.0)
        .copied()
        .collect();
    let negative: Vec<(f64, usize)> = clusters.iter().filter(|c| c.0 < 0.0).copied().collect();
    Ok(ShortcutTwoBlock {
        width: moments.m.nrows(),
        rows: sigma
            .iter()
            .enumerate()
            .map(|(k, &s)| BlockRow {
                k: k + 1,
                sigma: s,
                plus: positive.get(k).copied(),
                minus: negative.get(k).copied(),
            })
            .collect(),
    })
}

/// Claim `block_is_pm_sigma` on the result of [`shortcut_two_block`]: every `σ_k(M)` appears as a positive and a
/// negative eigenvalue of the block (difference ≤ 1e-9·σ_max), each with multiplicity `D`.
pub fn block_claims(result: &ShortcutTwoBlock) -> Result<Vec<Claim>> {
    let width = result.width;
    let rows = &result.rows;
    let scale = rows.iter().fold(0.0f64, |a, r| a.max(r.sigma));
    let mut worst = 0.0f64;
    let mut matched = 0;
    for r in rows {
        if let (Some((p, mp)), Some((m, mm))) = (r.plus, r.minus) {
            worst = worst.max((p - r.sigma).abs()).max((m + r.sigma).abs());
            if mp == width && mm == width {
                matched += 1;
            }
        }
    }
    Ok(vec![Claim {
        id: "block_is_pm_sigma",
        claim: "The eigenvalues of one shortcut-2 block [[0, Bᵀ], [B, 0]] built from M are ±σ_k(M), each D times."
            .into(),
        evidence: format!(
            "{matched} of {} singular values matched with multiplicity D = {width} on both signs; largest \
             difference {:.1e} (σ_max = {:.4})",
            rows.len(),
            worst,
            scale
        ),
        criterion: "every σ_k matched on both signs with multiplicity D, difference ≤ 1e-9·σ_max".into(),
        verdict: Verdict::from_bool(matched == rows.len() && !rows.is_empty() && worst <= 1e-9 * scale),
    }])
}
