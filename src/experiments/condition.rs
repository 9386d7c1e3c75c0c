//! Experiment 2: the condition number of the Hessian versus depth — the paper's headline figure.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, AnyDataset, DataSpec, NetworkSpec, SUPPORTED_SHORTCUTS};
use super::schema::{columns, shared, table};
use super::{count, ensure_nonempty};
use crate::error::{ensure_positive_size, Error, Result};
use crate::hessian::spectrum::DEFAULT_RELATIVE_TOLERANCE;
use crate::hessian::{dense_spectrum_bytes, spectrum_of, theory, HessianOptions, SpectrumSummary};
use crate::net::{Architecture, Init};
use crate::numbers::fit::{log_log_slope, min_max};
use crate::progress::Progress;

/// Settings of [`condition_vs_depth`]. `Default`: width 4, depths 1, 2, 4, …, 128 (numeric up to 2048
/// parameters), closed forms also at 256 … 10⁵ for shortcut 2 (and up to 4096 parameters for shortcut 1),
/// shortcut depths 1, 2, 3, the plain network, and Xavier and orthogonal initial points (seed 0).
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionVsDepthConfig {
    /// Width `D`.
    pub width: usize,
    /// The data.
    pub data: DataSpec,
    /// Depths at which everything is computed.
    pub depths: Vec<usize>,
    /// Extra depths for the closed forms only (cheap: `O(D³)` for shortcut 2, flat for ≥ 3).
    pub closed_form_depths: Vec<usize>,
    /// Residual shortcut depths (each analysed at `W = 0`).
    pub shortcuts: Vec<usize>,
    /// Add the plain network at the identity point (`V_l = I`), where `f(x) = x` as for residual nets at 0.
    pub include_plain: bool,
    /// Random initial points at which to evaluate the (numeric) Hessian as well, for every architecture.
    pub random_inits: Vec<Init>,
    /// Seed of the random initial points.
    pub seed: u64,
    /// Numeric Hessians only up to this many parameters.
    pub numeric_max_params: usize,
    /// The dense shortcut-1 closed form only up to this many parameters.
    pub closed_form_max_params: usize,
    /// How the Hessian is computed (exact R-operator by default) and the dense-size limit; a sweep whose largest dense Hessian (with its
    /// eigenvalues) would exceed [`HessianOptions::max_dense_bytes`] is refused before anything runs.
    pub hessian: HessianOptions,
}

impl Default for ConditionVsDepthConfig {
    fn default() -> Self {
        Self {
            width: 4,
            data: DataSpec::default(),
            depths: vec![1, 2, 4, 8, 16, 32, 64, 128],
            closed_form_depths: vec![256, 1024, 10_000, 100_000],
            shortcuts: vec![1, 2, 3],
            include_plain: true,
            random_inits: vec![Init::XavierNormal, Init::Orthogonal],
            seed: 0,
            numeric_max_params: 2048,
            closed_form_max_params: 4096,
            hessian: HessianOptions::default(),
        }
    }
}

impl ConditionVsDepthConfig {
    /// Every depth the closed forms are computed at: `depths` and `closed_form_depths`, ascending, each once.
    pub fn all_depths(&self) -> Vec<usize> {
        let mut depths: Vec<usize> = self
            .depths
            .iter()
            .chain(&self.closed_form_depths)
            .copied()
            .collect();
        depths.sort_unstable();
        depths.dedup();
        depths
    }

    /// A smaller version (width 2, depths up to 8, one extra closed-form depth) with the same code path.
    pub fn quick() -> Self {
        Self {
            width: 2,
            depths: vec![1, 2, 4, 8],
            closed_form_depths: vec![64, 1000],
            closed_form_max_params: 512,
            ..Self::default()
        }
    }
}

impl Validate for ConditionVsDepthConfig {
    /// Depths ≥ 1, at least one shortcut depth or the plain network, supported shortcut depths, valid random
    /// initialisations and Hessian options.
    fn validate(&self) -> Result<()> {
        ensure_nonempty("depths", &self.depths)?;
        for &d in self.depths.iter().chain(&self.closed_form_depths) {
            ensure_positive_size("depth", d)?;
        }
        if self.shortcuts.is_empty() && !self.include_plain {
            return Err(Error::ZeroSize { field: "shortcuts" });
        }
        for &n in &self.shortcuts {
            if !SUPPORTED_SHORTCUTS.contains(&n) {
                return Err(Error::Unsupported(format!(
                    "shortcut depth {n} in `shortcuts`"
                )));
            }
        }
        for init in &self.random_inits {
            init.validate()?;
        }
        Ok(self.hessian.validate()?)
    }
}

/// One point of the sweep.
#[derive(Debug, Clone)]
struct Task {
    architecture: Architecture,
    point: Init,
    depth: usize,
    numeric: bool,
}

/// One row of [`condition_vs_depth`]: an architecture at a point and depth, its spectrum summary and how it was
/// obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionRow {
    /// Residual (with its shortcut depth) or plain.
    pub architecture: Architecture,
    /// Where the Hessian is evaluated: `Init::Zero` (residual), `Init::Identity` (plain, `V_l = I`) or a random
    /// initialisation's draw (seed [`ConditionVsDepthConfig::seed`]).
    pub point: Init,
    /// Number of units (or plain layers) `L`.
    pub depth: usize,
    /// Number of weights `P`.
    pub params: usize,
    /// The network's Hessian or the closed form.
    pub method: Method,
    /// The spectrum's numbers (κ is `None` when the Hessian is flat).
    pub summary: SpectrumSummary,
    /// `‖∇ℓ‖` at the point (numeric rows only).
    pub gradient_norm: Option<f64>,
}

impl ConditionRow {
    /// The `series` label, e.g. `"residual n=2 @ zero"` ([`series_label`]).
    pub fn series(&self) -> String {
        series_label(self.architecture, &self.point)
    }
    /// The shortcut depth (`None` for the plain network).
    pub fn shortcut(&self) -> Option<usize> {
        match self.architecture {
            Architecture::Residual { shortcut } => Some(shortcut),
            Architecture::Plain => None,
        }
    }
}

/// The result of [`condition_vs_depth`]: the config it ran and its rows, sorted by series, method and depth.
/// [`ConditionVsDepth::to_frame`] is the table for display and CSV; claims and charts read the rows.
#[derive(Debug, Clone)]
pub struct ConditionVsDepth {
    /// The config of the run.
    pub config: ConditionVsDepthConfig,
    /// One row per (architecture, point, depth, method).
    pub rows: Vec<ConditionRow>,
}

/// The `point` column: where the Hessian is evaluated.
fn point_label(point: &Init) -> String {
    match point {
        Init::Zero => "zero".into(),
        Init::Identity => "identity".into(),
        p => p.label(),
    }
}

/// The shortcut depth whose closed form at zero describes this architecture's natural point (plain at the
/// identity = shortcut 1 at zero).
fn closed_form_shortcut(architecture: Architecture) -> usize {
    match architecture {
        Architecture::Residual { shortcut } => shortcut,
        Architecture::Plain => 1,
    }
}

fn run(
    task: &Task,
    config: &ConditionVsDepthConfig,
    data: &AnyDataset,
    closed: &BTreeMap<(usize, usize), SpectrumSummary>,
) -> Result<ConditionRow> {
    let spec = NetworkSpec {
        width: config.width,
        architecture: task.architecture,
        activation: super::ActivationKind::Linear,
        depth: task.depth,
    };
    let rel = DEFAULT_RELATIVE_TOLERANCE;
    if task.numeric {
        let net = build_network(&spec, &task.point, config.seed)?;
        let h = net.hessian_at(data, &config.hessian)?;
        let block = matches!(task.point, Init::Zero).then(|| spec.block_size());
        let spectrum = spectrum_of(h.matrix.as_ref(), block)?;
        let g = net.loss_and_gradient(data)?.1;
        Ok(ConditionRow {
            architecture: task.architecture,
            point: task.point,
            depth: task.depth,
            params: spec.num_params(),
            method: Method::Numeric,
            summary: spectrum.summary(rel),
            gradient_norm: Some(g.iter().map(|v| v * v).sum::<f64>().sqrt()),
        })
    } else {
        let key = (closed_form_shortcut(task.architecture), task.depth);
        let summary = *closed
            .get(&key)
            .ok_or_else(|| Error::Unsupported(format!("closed form {key:?} not computed")))?;
        Ok(ConditionRow {
            architecture: task.architecture,
            point: task.point,
            depth: task.depth,
            params: spec.num_params(),
            method: Method::ClosedForm,
            summary,
            gradient_norm: None,
        })
    }
}

columns! {
    /// Curve label `<architecture> @ <point>`, e.g. `residual n=2 @ zero` (see [`series_label`]).
    SERIES = "series": Str;
    /// `residual` or `plain`.
    FAMILY = "family": Str;
    /// Where the Hessian is evaluated: `zero`, `identity` (plain, V = I) or a random init's label.
    POINT = "point": Str;
    /// `numeric` (the network's Hessian, exact R-operator by default) or `closed form` (see [`Method`]).
    METHOD = "method": Str;
    /// min|λ| over all eigenvalues.
    MIN_ABS_EIGENVALUE = "min_abs_eigenvalue": F64;
    /// Fraction of eigenvalues < 0.
    NEGATIVE_FRACTION = "negative_fraction": F64;
    /// `true` when every eigenvalue is 0 (the Hessian vanishes).
    FLAT = "flat": Bool;
    /// ‖∇ℓ‖ at the point (numeric rows only).
    GRADIENT_NORM = "gradient_norm": F64, nullable;
}

table! {
    /// The table of [`condition_vs_depth`], sorted by series, method, depth.
    pub SCHEMA = "condition_vs_depth";
    fn condition_frame(ConditionRow) {
        SERIES => ConditionRow::series,
        FAMILY => |r| match r.architecture {
            Architecture::Residual { .. } => "residual",
            Architecture::Plain => "plain",
        },
        shared::SHORTCUT => |r| r.shortcut().map(count),
        POINT => |r| point_label(&r.point),
        shared::DEPTH => |r| count(r.depth),
        shared::PARAMS => |r| count(r.params),
        METHOD => |r| r.method.label(),
        shared::LAMBDA_MAX => |r| r.summary.lambda_max,
        shared::LAMBDA_MIN => |r| r.summary.lambda_min,
        MIN_ABS_EIGENVALUE => |r| r.summary.min_abs,
        shared::CONDITION_NUMBER => |r| r.summary.condition_number,
        shared::EFFECTIVE_CONDITION_NUMBER => |r| r.summary.effective_condition_number,
        NEGATIVE_FRACTION => |r| r.summary.negative_fraction,
        FLAT => |r| r.summary.flat,
        GRADIENT_NORM => |r| r.gradient_norm,
    }
}

/// How a row's spectrum was obtained: the `method` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The Hessian of the network by [`HessianOptions::method`] (exact R-operator by default), dense eigenvalues.
    Numeric,
    /// The closed form at the zero point (THEORY.md).
    ClosedForm,
}

impl Method {
    /// `"numeric"` or `"closed form"`.
    pub fn label(&self) -> &'static str {
        match self {
            Method::Numeric => "numeric",
            Method::ClosedForm => "closed form",
        }
    }
}

/// The `series` value of an architecture evaluated at `point`, e.g. `"residual n=2 @ zero"`.
pub fn series_label(architecture: Architecture, point: &Init) -> String {
    format!("{} @ {}", architecture.label(), point_label(point))
}

/// The `series` value of a residual network of shortcut depth `shortcut` at the zero point.
pub fn residual_at_zero(shortcut: usize) -> String {
    series_label(Architecture::Residual { shortcut }, &Init::Zero)
}

/// Condition number (and the rest of the spectrum summary) of the Hessian versus depth.
///
/// What is computed, row by row (`point` column):
/// - `zero`: residual networks at `W = 0` — numeric (the network's Hessian, exact by default, dense
///   eigenvalues) up to `numeric_max_params`, and THEORY.md's closed form (`method = "closed form"`).
/// - `identity`: the plain network at `V_l = I`; its closed form is the shortcut-1 Hessian at zero.
/// - `xavier`, `orthogonal`, …: the Hessian at that *random* initial point (not at zero; numeric only; one draw,
///   `seed`): where training from those initialisations starts.
///
/// Columns: [`SCHEMA`] (one [`ColumnDef`](super::schema::ColumnDef) constant per column, documented there).
pub fn condition_vs_depth(config: &ConditionVsDepthConfig) -> Result<ConditionVsDepth> {
    config.check_and_run()
}

analysis!(ConditionVsDepthConfig => ConditionVsDepth);

/// [`condition_vs_depth`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<ConditionVsDepthConfig>) -> Result<ConditionVsDepth> {
    let data = config.data.load(config.width)?;
    let d2 = config.width * config.width;
    let mut archs: Vec<(Architecture, Init)> = config
        .shortcuts
        .iter()
        .map(|&n| (Architecture::Residual { shortcut: n }, Init::Zero))
        .collect();
    if config.include_plain {
        archs.push((Architecture::Plain, Init::Identity));
    }
    let mut tasks = Vec::new();
    for &(architecture, natural) in &archs {
        let per_block = match architecture {
            Architecture::Residual { shortcut } => shortcut * d2,
            Architecture::Plain => d2,
        };
        for &depth in &config.depths {
            if per_block * depth <= config.numeric_max_params {
                tasks.push(Task {
                    architecture,
                    point: natural,
                    depth,
                    numeric: true,
                });
                for init in &config.random_inits {
                    tasks.push(Task {
                        architecture,
                        point: *init,
                        depth,
                        numeric: true,
                    });
                }
            }
        }
        for depth in config.all_depths() {
            let dense = matches!(
                architecture,
                Architecture::Plain | Architecture::Residual { shortcut: 1 }
            );
            if !dense || per_block * depth <= config.closed_form_max_params {
                tasks.push(Task {
                    architecture,
                    point: natural,
                    depth,
                    numeric: false,
                });
            }
        }
    }
    // The dense-size guard, for the largest dense computation of the sweep, before anything runs.
    let dense_params = |numeric: bool| {
        tasks
            .iter()
            .filter(|t| {
                t.numeric == numeric && (numeric || closed_form_shortcut(t.architecture) == 1)
            })
            .map(|t| t.depth * closed_form_shortcut(t.architecture).max(1) * d2)
            .max()
    };
    if let Some(p) = dense_params(true) {
        config.hessian.ensure_dense_fits(
            "numeric Hessian and its spectrum",
            p,
            dense_spectrum_bytes(p),
        )?;
    }
    if let Some(p) = dense_params(false) {
        config.hessian.ensure_dense_fits(
            "closed-form shortcut-1 Hessian and its spectrum",
            p,
            dense_spectrum_bytes(p),
        )?;
    }
    // Closed forms once per (shortcut, depth): the plain network at the identity shares shortcut 1's.
    let mut keys: Vec<(usize, usize)> = tasks
        .iter()
        .filter(|t| !t.numeric)
        .map(|t| (closed_form_shortcut(t.architecture), t.depth))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let progress = Progress::new("condition vs depth, closed-form spectra", keys.len());
    let closed: BTreeMap<(usize, usize), SpectrumSummary> = keys
        .par_iter()
        .map(|&(n, depth)| {
            let summary =
                theory::closed_form_spectrum_with(n, depth, data.moments(), 1.0, &config.hessian)?
                    .summary(DEFAULT_RELATIVE_TOLERANCE);
            progress.tick();
            Ok(((n, depth), summary))
        })
        .collect::<Result<_>>()?;
    progress.finish();
    let progress = Progress::new("condition vs depth, Hessians", tasks.len());
    let rows = tasks
        .par_iter()
        .map(|t| {
            let r = run(t, config, &data, &closed);
            progress.tick();
            r
        })
        .collect::<Result<Vec<ConditionRow>>>()?;
    progress.finish();
    let mut rows = rows;
    rows.sort_by_cached_key(|r| (r.series(), r.method == Method::Numeric, r.depth));
    Ok(ConditionVsDepth {
        config: config.inner().clone(),
        rows,
    })
}

impl ConditionVsDepth {
    /// The rows as a table ([`SCHEMA`]), for display and CSV.
    pub fn to_frame(&self) -> Result<DataFrame> {
        condition_frame(&self.rows)
    }

    /// The table ([`SCHEMA`]) of the rows of shortcut depth `shortcut` at `W = 0`, of `method` when given: what
    /// notebook 03 shows per shortcut depth.
    pub fn shortcut_at_zero(&self, shortcut: usize, method: Option<Method>) -> Result<DataFrame> {
        self.frame_where(|r| {
            r.architecture == (Architecture::Residual { shortcut })
                && r.point == Init::Zero
                && method.is_none_or(|m| r.method == m)
        })
    }

    /// The table ([`SCHEMA`]) of the rows at random initial points (Xavier, orthogonal, …: every point other than
    /// the zero point and the plain network's identity), where claim `random_points_indefinite` looks.
    pub fn at_random_points(&self) -> Result<DataFrame> {
        self.frame_where(|r| !matches!(r.point, Init::Zero | Init::Identity))
    }

    /// The table of the rows for which `keep` holds.
    fn frame_where(&self, keep: impl Fn(&ConditionRow) -> bool) -> Result<DataFrame> {
        let rows: Vec<ConditionRow> = self.rows.iter().filter(|r| keep(r)).cloned().collect();
        condition_frame(&rows)
    }
}

/// Indices of the rows of `architecture` at `point` and, when given, of `method`.
fn rows_of(
    rows: &[ConditionRow],
    architecture: Architecture,
    point: Init,
    method: Option<Method>,
) -> Vec<usize> {
    (0..rows.len())
        .filter(|&i| rows[i].architecture == architecture && rows[i].point == point)
        .filter(|&i| method.is_none_or(|m| rows[i].method == m))
        .collect()
}

/// A claim on the negative fraction of `rows`: holds when every row has one and `accept(min, max)`.
fn negative_fraction_claim(
    (id, claim, criterion): (&'static str, &str, &str),
    rows: &[usize],
    negative: &[Option<f64>],
    accept: impl Fn(f64, f64) -> bool,
) -> Claim {
    if rows.is_empty() {
        return Claim::not_applicable(id, claim, criterion, "no rows for this claim");
    }
    let fractions: Vec<f64> = rows.iter().filter_map(|&i| negative[i]).collect();
    let (lo, hi) = min_max(&fractions);
    Claim {
        id,
        claim: claim.into(),
        evidence: format!(
            "negative fraction between {} and {} over {} rows",
            num(lo),
            num(hi),
            rows.len()
        ),
        criterion: criterion.into(),
        verdict: Verdict::from_bool(fractions.len() == rows.len() && accept(lo, hi)),
    }
}

/// The claims of notebook 03, checked on the rows of [`condition_vs_depth`] (ids in brackets):
///
/// - `n2_depth_invariant`: for shortcut 2 at `W = 0`, κ is the same at every depth (relative spread ≤ 1e-9);
/// - `n2_half_negative`: for shortcut 2 at `W = 0`, exactly half of the eigenvalues are negative;
/// - `n1_grows`: for shortcut 1 at `W = 0`, κ grows with depth (fitted log–log slope ≥ 0.5), with the fraction
///   of depth steps at which it increases stated (it need not be monotone);
/// - `plain_equals_n1`: the plain network at the identity has shortcut 1's κ (numeric, relative ≤ 1e-6);
/// - `n3_flat`: for shortcut ≥ 3 at `W = 0` the Hessian vanishes (every row flat, no κ);
/// - `numeric_matches_closed_form`: where both exist, numeric κ = closed-form κ (relative ≤ 1e-6);
/// - `random_points_indefinite`: at random initial points (Xavier, orthogonal, …) of networks with two or more
///   weight layers the Hessian has negative eigenvalues (one layer is linear in its weights: convex).
///
/// A claim whose rows the run does not have is `NotApplicable`.
pub fn claims(result: &ConditionVsDepth) -> Result<Vec<Claim>> {
    let rows = &result.rows;
    let depth: Vec<Option<f64>> = rows.iter().map(|r| Some(r.depth as f64)).collect();
    let kappa: Vec<Option<f64>> = rows.iter().map(|r| r.summary.condition_number).collect();
    let effective: Vec<Option<f64>> = rows
        .iter()
        .map(|r| r.summary.effective_condition_number)
        .collect();
    let negative: Vec<Option<f64>> = rows
        .iter()
        .map(|r| Some(r.summary.negative_fraction))
        .collect();
    let residual = |shortcut| Architecture::Residual { shortcut };
    let depth_range = |rows: &[usize]| {
        let ls: Vec<f64> = rows.iter().filter_map(|&i| depth[i]).collect();
        let (lo, hi) = min_max(&ls);
        format!("L = {lo}…{hi}")
    };
    let mut out = Vec::new();

    // Shortcut 2: depth invariance and half negative.
    let two = rows_of(rows, residual(2), Init::Zero, None);
    let two_kappa: Vec<f64> = two.iter().filter_map(|&i| kappa[i]).collect();
    let claim =
        "For shortcut 2, the condition number of the Hessian at W = 0 is the same at every depth.";
    let criterion =
        "relative spread (max κ − min κ)/min κ ≤ 1e-9 over all rows, numeric and closed form";
    if two_kappa.is_empty() {
        out.push(Claim::not_applicable(
            "n2_depth_invariant",
            claim,
            criterion,
            "no shortcut-2 rows",
        ));
    } else {
        let (lo, hi) = min_max(&two_kappa);
        let spread = (hi - lo) / lo;
        out.push(Claim {
            id: "n2_depth_invariant",
            claim: claim.into(),
            evidence: format!(
                "κ = {} in all {} rows ({}); relative spread {spread:.1e}",
                num(lo),
                two.len(),
                depth_range(&two)
            ),
            criterion: criterion.into(),
            verdict: Verdict::from_bool(two_kappa.len() == two.len() && spread <= 1e-9),
        });
    }
    out.push(negative_fraction_claim(
        (
            "n2_half_negative",
            "For shortcut 2, exactly half of the eigenvalues of the Hessian at W = 0 are negative (a strict saddle).",
            "negative fraction = 0.5 in every shortcut-2 row",
        ),
        &two,
        &negative,
        |lo, hi| lo == 0.5 && hi == 0.5,
    ));

    // Shortcut 1: growth with depth (closed form where available, else numeric).
    let claim = "For shortcut 1, the condition number at W = 0 grows with depth.";
    let criterion = "least-squares slope of ln κ against ln L ≥ 0.5";
    let mut one = rows_of(rows, residual(1), Init::Zero, Some(Method::ClosedForm));
    if one.is_empty() {
        one = rows_of(rows, residual(1), Init::Zero, Some(Method::Numeric));
    }
    let mut pts: Vec<(f64, f64)> = one
        .iter()
        .filter_map(|&i| Some((depth[i]?, kappa[i]?)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    match log_log_slope(&pts) {
        None => out.push(Claim::not_applicable(
            "n1_grows",
            claim,
            criterion,
            "fewer than two shortcut-1 depths",
        )),
        Some(slope) => {
            let steps = pts.len() - 1;
            let rises = pts.windows(2).filter(|w| w[1].1 > w[0].1).count();
            let (first, last) = (pts[0], pts[pts.len() - 1]);
            out.push(Claim {
                id: "n1_grows",
                claim: claim.into(),
                evidence: format!(
                    "log–log slope {} over L = {}…{} ({} depths); κ = {} at L = {}, {} at L = {}; κ rose in {rises} of \
                     {steps} steps from one depth to the next ({})",
                    num(slope),
                    first.0,
                    last.0,
                    pts.len(),
                    num(first.1),
                    first.0,
                    num(last.1),
                    last.0,
                    if rises == steps { "monotone here" } else { "not monotone" }
                ),
                criterion: criterion.into(),
                verdict: Verdict::from_bool(slope >= 0.5),
            });
        }
    }

    // Plain at the identity = shortcut 1 at zero (numeric rows at equal depths).
    let claim =
        "The plain network at the identity has the same Hessian spectrum as shortcut 1 at W = 0.";
    let criterion = "|κ_plain / κ_n=1 − 1| ≤ 1e-6 at every depth computed numerically for both";
    let plain = rows_of(
        rows,
        Architecture::Plain,
        Init::Identity,
        Some(Method::Numeric),
    );
    let one_numeric = rows_of(rows, residual(1), Init::Zero, Some(Method::Numeric));
    let pairs: Vec<(f64, f64)> = plain
        .iter()
        .filter_map(|&i| {
            let j = one_numeric.iter().find(|&&j| depth[j] == depth[i])?;
            Some((kappa[i]?, kappa[*j]?))
        })
        .collect();
    if pairs.is_empty() {
        out.push(Claim::not_applicable(
            "plain_equals_n1",
            claim,
            criterion,
            "no matching plain and shortcut-1 rows",
        ));
    } else {
        let worst = pairs
            .iter()
            .map(|(a, b)| (a / b - 1.0).abs())
            .fold(0.0, f64::max);
        out.push(Claim {
            id: "plain_equals_n1",
            claim: claim.into(),
            evidence: format!(
                "largest relative difference {worst:.1e} over {} depths",
                pairs.len()
            ),
            criterion: criterion.into(),
            verdict: Verdict::from_bool(worst <= 1e-6),
        });
    }

    // Shortcut ≥ 3: flat.
    let claim = "For shortcut 3 or more, the Hessian at W = 0 is exactly zero: no curvature, no condition number.";
    let criterion = "every row of shortcut ≥ 3 at W = 0 is flat and has no κ";
    let deep: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].shortcut().is_some_and(|n| n >= 3) && rows[i].point == Init::Zero)
        .collect();
    if deep.is_empty() {
        out.push(Claim::not_applicable(
            "n3_flat",
            claim,
            criterion,
            "no rows with shortcut ≥ 3",
        ));
    } else {
        let flat_rows = deep
            .iter()
            .filter(|&&i| rows[i].summary.flat && kappa[i].is_none())
            .count();
        out.push(Claim {
            id: "n3_flat",
            claim: claim.into(),
            evidence: format!(
                "{flat_rows} of {} rows flat ({})",
                deep.len(),
                depth_range(&deep)
            ),
            criterion: criterion.into(),
            verdict: Verdict::from_bool(flat_rows == deep.len()),
        });
    }

    // Numeric vs closed form.
    let claim = "The Hessian computed from the network (exact R-operator) reproduces the closed forms at W = 0.";
    let criterion = "|κ_numeric / κ_closed − 1| ≤ 1e-6 (or both flat) wherever both were computed";
    let mut compared = 0;
    let mut per_series: Vec<(String, usize)> = Vec::new();
    let mut worst = 0.0f64;
    let mut mismatched_flat = 0;
    for i in (0..rows.len()).filter(|&i| rows[i].method == Method::Numeric) {
        let twin = (0..rows.len()).find(|&j| {
            rows[j].method == Method::ClosedForm
                && (rows[j].architecture, rows[j].point, rows[j].depth)
                    == (rows[i].architecture, rows[i].point, rows[i].depth)
        });
        if let Some(j) = twin {
            compared += 1;
            let series = rows[i].series();
            match per_series.iter_mut().find(|(s, _)| *s == series) {
                Some((_, n)) => *n += 1,
                None => per_series.push((series, 1)),
            }
            match (effective[i], effective[j]) {
                (Some(a), Some(b)) => worst = worst.max((a / b - 1.0).abs()),
                (None, None) => {}
                _ => mismatched_flat += 1,
            }
        }
    }
    if compared == 0 {
        out.push(Claim::not_applicable(
            "numeric_matches_closed_form",
            claim,
            criterion,
            "no depth with both numeric and closed-form rows",
        ));
    } else {
        out.push(Claim {
            id: "numeric_matches_closed_form",
            claim: claim.into(),
            evidence: format!(
                "{compared} (series, depth) pairs ({}); largest relative difference of κ {worst:.1e}; \
                 {mismatched_flat} flat/non-flat mismatches",
                per_series
                    .iter()
                    .map(|(s, n)| format!("{s}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            criterion: criterion.into(),
            verdict: Verdict::from_bool(worst <= 1e-6 && mismatched_flat == 0),
        });
    }

    // Random initial points: a network with one weight layer (n·L = 1) is linear in its weights, so its loss is
    // convex there; with two or more layers the product structure makes it indefinite.
    let layers = |i: usize| rows[i].shortcut().unwrap_or(1) * rows[i].depth;
    let random: Vec<usize> = (0..rows.len())
        .filter(|&i| !matches!(rows[i].point, Init::Zero | Init::Identity) && layers(i) >= 2)
        .collect();
    out.push(negative_fraction_claim(
        (
            "random_points_indefinite",
            "At random initial points (Xavier, orthogonal) of networks with two or more weight layers, the Hessian \
             is indefinite: it has negative eigenvalues.",
            "negative fraction > 0 in every random-point row with n·L ≥ 2",
        ),
        &random,
        &negative,
        |lo, _| lo > 0.0,
    ));
    Ok(out)
}
