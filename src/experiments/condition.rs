//! Experiment 2: the condition number of the Hessian versus depth — the paper's headline figure.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::network::{build_network, AnyDataset, DataSpec, NetworkSpec, SUPPORTED_SHORTCUTS};
use super::{col, count, ensure_nonempty, frame};
use crate::error::{ensure_positive_size, Error, Result};
use crate::hessian::spectrum::DEFAULT_RELATIVE_TOLERANCE;
use crate::hessian::{spectrum_of, theory, HessianOptions, SpectrumSummary};
use crate::net::{Architecture, Init};

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
        }
    }
}

impl ConditionVsDepthConfig {
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
        Ok(())
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

struct Row {
    task: Task,
    params: usize,
    summary: SpectrumSummary,
    gradient_norm: Option<f64>,
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
    width: usize,
    data: &AnyDataset,
    seed: u64,
    closed: &BTreeMap<(usize, usize), SpectrumSummary>,
) -> Result<Row> {
    let spec = NetworkSpec {
        width,
        architecture: task.architecture,
        activation: super::ActivationKind::Linear,
        depth: task.depth,
    };
    let rel = DEFAULT_RELATIVE_TOLERANCE;
    if task.numeric {
        let net = build_network(&spec, &task.point, seed)?;
        let h = net.numeric_hessian(data, &HessianOptions::default())?;
        let block = matches!(task.point, Init::Zero).then(|| spec.block_size());
        let spectrum = spectrum_of(h.matrix.as_ref(), block)?;
        let g = net.loss_and_gradient(data)?.1;
        Ok(Row {
            params: spec.num_params(),
            summary: spectrum.summary(rel),
            gradient_norm: Some(g.iter().map(|v| v * v).sum::<f64>().sqrt()),
            task: task.clone(),
        })
    } else {
        let key = (closed_form_shortcut(task.architecture), task.depth);
        let summary = *closed
            .get(&key)
            .ok_or_else(|| Error::Unsupported(format!("closed form {key:?} not computed")))?;
        Ok(Row {
            params: spec.num_params(),
            summary,
            gradient_norm: None,
            task: task.clone(),
        })
    }
}

/// Condition number (and the rest of the spectrum summary) of the Hessian versus depth.
///
/// What is computed, row by row (`point` column):
/// - `zero`: residual networks at `W = 0` — numeric (central differences of dfdx gradients, dense
///   eigenvalues) up to `numeric_max_params`, and THEORY.md's closed form (`method = "closed form"`).
/// - `identity`: the plain network at `V_l = I`; its closed form is the shortcut-1 Hessian at zero.
/// - `xavier`, `orthogonal`, …: the Hessian at that *random* initial point (not at zero; numeric only; one draw,
///   `seed`): where training from those initialisations starts.
///
/// Columns: `series` (str, e.g. `"residual n=2 @ zero"`), `architecture` (str), `shortcut` (u64?), `point` (str),
/// `depth` (u64), `params` (u64), `method` (`"numeric"`/`"closed form"`), `lambda_max`, `lambda_min`,
/// `min_abs_eigenvalue` (f64), `condition_number` (f64?, null when the Hessian is flat),
/// `effective_condition_number` (f64?, over |λ| > 1e-9·max|λ|), `negative_fraction` (f64), `flat` (bool),
/// `gradient_norm` (f64?, numeric rows only). Sorted by series, method, depth.
pub fn condition_vs_depth(config: &ConditionVsDepthConfig) -> Result<DataFrame> {
    config.validate()?;
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
        let mut closed_depths: Vec<usize> = config
            .depths
            .iter()
            .chain(&config.closed_form_depths)
            .copied()
            .collect();
        closed_depths.sort_unstable();
        closed_depths.dedup();
        for depth in closed_depths {
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
    // Closed forms once per (shortcut, depth): the plain network at the identity shares shortcut 1's.
    let mut keys: Vec<(usize, usize)> = tasks
        .iter()
        .filter(|t| !t.numeric)
        .map(|t| (closed_form_shortcut(t.architecture), t.depth))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let closed: BTreeMap<(usize, usize), SpectrumSummary> = keys
        .par_iter()
        .map(|&(n, depth)| {
            Ok((
                (n, depth),
                theory::spectrum_at_zero(n, depth, data.moments(), 1.0)?
                    .summary(DEFAULT_RELATIVE_TOLERANCE),
            ))
        })
        .collect::<Result<_>>()?;
    let rows = tasks
        .par_iter()
        .map(|t| run(t, config.width, &data, config.seed, &closed))
        .collect::<Result<Vec<Row>>>()?;

    let arch_name = |a: &Architecture| match a {
        Architecture::Residual { .. } => "residual",
        Architecture::Plain => "plain",
    };
    let shortcut = |a: &Architecture| match a {
        Architecture::Residual { shortcut } => Some(count(*shortcut)),
        Architecture::Plain => None,
    };
    let mut rows = rows;
    let series = |r: &Row| {
        format!(
            "{} @ {}",
            r.task.architecture.label(),
            point_label(&r.task.point)
        )
    };
    rows.sort_by_cached_key(|r| (series(r), r.task.numeric, r.task.depth));
    frame(vec![
        col("series", rows.iter().map(series).collect::<Vec<_>>()),
        col(
            "architecture",
            rows.iter()
                .map(|r| arch_name(&r.task.architecture))
                .collect::<Vec<_>>(),
        ),
        col(
            "shortcut",
            rows.iter()
                .map(|r| shortcut(&r.task.architecture))
                .collect::<Vec<_>>(),
        ),
        col(
            "point",
            rows.iter()
                .map(|r| point_label(&r.task.point))
                .collect::<Vec<_>>(),
        ),
        col(
            "depth",
            rows.iter().map(|r| count(r.task.depth)).collect::<Vec<_>>(),
        ),
        col(
            "params",
            rows.iter().map(|r| count(r.params)).collect::<Vec<_>>(),
        ),
        col(
            "method",
            rows.iter()
                .map(|r| {
                    if r.task.numeric {
                        "numeric"
                    } else {
                        "closed form"
                    }
                })
                .collect::<Vec<_>>(),
        ),
        col(
            "lambda_max",
            rows.iter()
                .map(|r| r.summary.lambda_max)
                .collect::<Vec<_>>(),
        ),
        col(
            "lambda_min",
            rows.iter()
                .map(|r| r.summary.lambda_min)
                .collect::<Vec<_>>(),
        ),
        col(
            "min_abs_eigenvalue",
            rows.iter().map(|r| r.summary.min_abs).collect::<Vec<_>>(),
        ),
        col(
            "condition_number",
            rows.iter()
                .map(|r| r.summary.condition_number)
                .collect::<Vec<_>>(),
        ),
        col(
            "effective_condition_number",
            rows.iter()
                .map(|r| r.summary.effective_condition_number)
                .collect::<Vec<_>>(),
        ),
        col(
            "negative_fraction",
            rows.iter()
                .map(|r| r.summary.negative_fraction)
                .collect::<Vec<_>>(),
        ),
        col(
            "flat",
            rows.iter().map(|r| r.summary.flat).collect::<Vec<_>>(),
        ),
        col(
            "gradient_norm",
            rows.iter().map(|r| r.gradient_norm).collect::<Vec<_>>(),
        ),
    ])
}
