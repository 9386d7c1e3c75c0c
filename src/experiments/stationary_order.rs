//! The order of the stationary point at zero. The abstract calls the zero point of a network with shortcut depth
//! `n ≥ 3` an "extremely flat", *high-order* stationary point; the Hessian being zero (notebook 02) says only that
//! the order is at least 3. This analysis measures it.
//!
//! Along a seeded unit direction `V`, `φ(t) = ℓ(tV) − ℓ(0)` is expanded exactly by Taylor-mode (jet) arithmetic
//! through the forward pass ([`crate::hessian::taylor`]) up to degree `2n + 2`. Its first non-zero coefficient has
//! degree `n` (THEORY.md §4) and equals `−Σ_l tr(V_{l,n}⋯V_{l,1} M)`. Along the line, an odd order is a saddle
//! (φ changes sign with t), an even order a minimum or maximum by the sign of the coefficient. The analysis
//! checks the series against the dfdx network itself: it evaluates `φ(±t)` with the network's own loss at a
//! step `t` where the leading term dominates the series.
//!
//! Typed result ([`StationaryOrder`]: one [`StationaryOrderRow`] per activation, shortcut depth, depth and
//! direction); the DataFrame ([`StationaryOrder::to_frame`]) is for display and CSV only, and the claims and the
//! chart read the rows.

use polars::prelude::DataFrame;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rayon::prelude::*;

use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, DataSpec, NetworkSpec};
use super::schema::{columns, shared, table};
use super::{count, ensure_nonempty};
use crate::error::{Error, Result};
use crate::hessian::taylor::{leading_coefficient_closed_form, loss_along_line, LineShape};
use crate::net::{ActivationKind, Architecture, Init};

/// Settings of [`stationary_order`]. `Default`: width 4, the default teacher, shortcut depths 1–4, depths 1, 4
/// and 16, directions 0–2, linear and tanh.
#[derive(Debug, Clone, PartialEq)]
pub struct StationaryOrderConfig {
    /// Width `D`.
    pub width: usize,
    /// The data.
    pub data: DataSpec,
    /// Shortcut depths `n ≥ 1`.
    pub shortcuts: Vec<usize>,
    /// Numbers of units `L ≥ 1`.
    pub depths: Vec<usize>,
    /// Seeds of the directions `V` (a standard normal draw of length `P`, scaled to unit norm).
    pub directions: Vec<u64>,
    /// Activations: linear and/or tanh (ReLU has no expansion at its kink and is refused).
    pub activations: Vec<ActivationKind>,
}

impl Default for StationaryOrderConfig {
    fn default() -> Self {
        Self {
            width: 4,
            data: DataSpec::default(),
            shortcuts: vec![1, 2, 3, 4],
            depths: vec![1, 4, 16],
            directions: vec![0, 1, 2],
            activations: vec![ActivationKind::Linear, ActivationKind::Tanh],
        }
    }
}

impl StationaryOrderConfig {
    /// A smaller version (width 2, depths 1 and 4, two directions), same code path.
    pub fn quick() -> Self {
        Self {
            width: 2,
            depths: vec![1, 4],
            directions: vec![0, 1],
            ..Self::default()
        }
    }
}

impl Validate for StationaryOrderConfig {
    /// Non-empty lists, shortcut depths and depths ≥ 1, no ReLU.
    fn validate(&self) -> Result<()> {
        ensure_nonempty("shortcuts", &self.shortcuts)?;
        ensure_nonempty("depths", &self.depths)?;
        ensure_nonempty("directions", &self.directions)?;
        ensure_nonempty("activations", &self.activations)?;
        if self.shortcuts.contains(&0) {
            return Err(Error::ZeroSize { field: "shortcuts" });
        }
        if self.depths.contains(&0) {
            return Err(Error::ZeroSize { field: "depths" });
        }
        if self.activations.contains(&ActivationKind::Relu) {
            return Err(Error::Unsupported(
                "stationary_order: ReLU has no Taylor expansion at its kink; use linear or tanh"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// What `φ(t) = ℓ(tV) − ℓ(0)` does along the line through zero, from its first non-zero coefficient `c_k t^k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlongLine {
    /// `k = 1`: the gradient is not zero, zero is not a stationary point.
    Sloped,
    /// `k` even, `c_k > 0`: a minimum along this line.
    Minimum,
    /// `k` even, `c_k < 0`: a maximum along this line.
    Maximum,
    /// `k ≥ 3` odd: φ changes sign with `t`, a saddle.
    Saddle,
    /// No non-zero coefficient up to the computed degree.
    Flat,
}

impl AlongLine {
    /// From the first non-zero order and its coefficient.
    pub fn of(order: Option<usize>, coefficient: f64) -> Self {
        match order {
            None => AlongLine::Flat,
            Some(1) => AlongLine::Sloped,
            Some(k) if k % 2 == 1 => AlongLine::Saddle,
            Some(_) if coefficient > 0.0 => AlongLine::Minimum,
            Some(_) => AlongLine::Maximum,
        }
    }
    /// `"sloped"`, `"minimum"`, `"maximum"`, `"saddle"`, `"flat"`.
    pub fn label(&self) -> &'static str {
        match self {
            AlongLine::Sloped => "sloped",
            AlongLine::Minimum => "minimum",
            AlongLine::Maximum => "maximum",
            AlongLine::Saddle => "saddle",
            AlongLine::Flat => "flat",
        }
    }
}

/// One (activation, shortcut depth, depth, direction) of [`stationary_order`].
#[derive(Debug, Clone, PartialEq)]
pub struct StationaryOrderRow {
    /// σ.
    pub activation: ActivationKind,
    /// Shortcut depth `n`.
    pub shortcut: usize,
    /// Number of units `L`.
    pub depth: usize,
    /// Seed of the direction `V`.
    pub direction: u64,
    /// `c_0, …, c_{2n+2}` of `ℓ(tV)` (`c_0 = ℓ(0)`), exact up to rounding.
    pub coefficients: Vec<f64>,
    /// The degree of the first non-zero `c_k`, `k ≥ 1` (`None`: none up to `2n + 2`).
    pub leading_degree: Option<usize>,
    /// `−Σ_l tr(V_{l,n}⋯V_{l,1} M)`, the closed form of `c_n`.
    pub closed_form: f64,
    /// What φ does along the line, from the first non-zero coefficient.
    pub along_line: AlongLine,
    /// The step of the check against the network: `t = ¼·min_{k>order} |c_order / c_k|^{1/(k−order)}`, at most 1,
    /// where the leading term dominates the computed series.
    pub probe_step: f64,
    /// `φ(+t)` and `φ(−t)` from the dfdx network's own loss.
    pub phi_plus: f64,
    /// See [`StationaryOrderRow::phi_plus`].
    pub phi_minus: f64,
}

impl StationaryOrderRow {
    /// The first non-zero coefficient (0 when there is none).
    pub fn leading_coefficient(&self) -> f64 {
        self.leading_degree.map_or(0.0, |k| self.coefficients[k])
    }
    /// `|c_n / closed form − 1|` (absolute when the closed form is 0).
    pub fn relative_error(&self) -> f64 {
        let c = self
            .coefficients
            .get(self.shortcut)
            .copied()
            .unwrap_or(f64::NAN);
        (c - self.closed_form).abs() / self.closed_form.abs().max(f64::MIN_POSITIVE)
    }
    /// `φ(t) = Σ_{k≥1} c_k t^k` from the computed coefficients.
    pub fn series(&self, t: f64) -> f64 {
        self.coefficients
            .iter()
            .enumerate()
            .skip(1)
            .rev()
            .fold(0.0, |acc, (_, c)| acc * t + c)
            * t
    }
}

/// The result of [`stationary_order`]: the config it ran and one row per case.
#[derive(Debug, Clone)]
pub struct StationaryOrder {
    /// The checked config of the run.
    pub config: StationaryOrderConfig,
    /// One row per (activation, shortcut depth, depth, direction), in that order.
    pub rows: Vec<StationaryOrderRow>,
}

columns! {
    /// σ between the layers of a unit.
    ACTIVATION = "activation": Str;
    /// Seed of the direction V.
    DIRECTION = "direction": U64;
    /// Degree of the first non-zero Taylor coefficient of φ(t) = ℓ(tV) − ℓ(0) (null: none up to 2n + 2); degree k = a stationary point of order k − 1.
    LEADING_DEGREE = "leading_degree": U64, nullable;
    /// The first non-zero coefficient c_k.
    LEADING_COEFFICIENT = "leading_coefficient": F64;
    /// −Σ_l tr(V_{l,n}⋯V_{l,1} M), the closed form of c_n.
    CLOSED_FORM = "closed_form": F64;
    /// |c_n / closed form − 1|.
    RELATIVE_ERROR = "relative_error": F64;
    /// What φ does along the line: sloped (order 1), minimum, maximum, saddle (odd order ≥ 3), flat.
    ALONG_LINE = "along_line": Str;
    /// The step t of the check against the network.
    PROBE_STEP = "probe_step": F64;
    /// φ(+t) from the dfdx network's loss.
    PHI_PLUS = "phi_plus": F64;
    /// φ(−t) from the dfdx network's loss.
    PHI_MINUS = "phi_minus": F64;
}

table! {
    /// The table of [`StationaryOrder::to_frame`]: one row per (activation, shortcut, depth, direction).
    pub SCHEMA = "stationary_order";
    fn order_frame(StationaryOrderRow) {
        ACTIVATION => |r| r.activation.name(),
        shared::SHORTCUT => |r| Some(count(r.shortcut)),
        shared::DEPTH => |r| count(r.depth),
        DIRECTION => |r| r.direction,
        LEADING_DEGREE => |r| r.leading_degree.map(count),
        LEADING_COEFFICIENT => StationaryOrderRow::leading_coefficient,
        CLOSED_FORM => |r| r.closed_form,
        RELATIVE_ERROR => StationaryOrderRow::relative_error,
        ALONG_LINE => |r| r.along_line.label(),
        PROBE_STEP => |r| r.probe_step,
        PHI_PLUS => |r| r.phi_plus,
        PHI_MINUS => |r| r.phi_minus,
    }
}

impl StationaryOrder {
    /// The rows as a table ([`SCHEMA`]), for display and CSV.
    pub fn to_frame(&self) -> Result<DataFrame> {
        order_frame(&self.rows)
    }
}

/// The unit direction of `seed` for `p` weights: a standard normal draw scaled to norm 1.
pub fn direction(seed: u64, p: usize) -> Vec<f64> {
    let v = crate::random::gaussian(p, 1.0, &mut StdRng::seed_from_u64(seed));
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

/// The coefficients `c_0, …, c_{2n+2}` of `ℓ(tV)` for a network of `shape` along `v`, on `m` samples given row by
/// row: the expansion behind every row of [`stationary_order`] and behind exercise 5.3's checker.
pub fn expansion(shape: LineShape, v: &[f64], inputs: &[f64], targets: &[f64]) -> Result<Vec<f64>> {
    loss_along_line(shape, v, inputs, targets, 2 * shape.shortcut + 2)
}

/// The degree `k ≥ 1` of the first non-zero coefficient of `φ(t) = ℓ(tV) − ℓ(0)` (`None`: all computed ones are 0).
pub fn leading_degree(coefficients: &[f64]) -> Option<usize> {
    (1..coefficients.len()).find(|&k| coefficients[k] != 0.0)
}

/// `¼·min_{k>order} |c_order / c_k|^{1/(k−order)}`, at most 1: where the leading term outweighs each later one.
fn probe_step(coefficients: &[f64], order: usize) -> f64 {
    let lead = coefficients[order].abs();
    coefficients
        .iter()
        .enumerate()
        .skip(order + 1)
        .filter(|(_, c)| **c != 0.0)
        .map(|(k, c)| (lead / c.abs()).powf(1.0 / (k - order) as f64))
        .fold(4.0f64, f64::min)
        * 0.25
}

/// Expands `φ(t) = ℓ(tV) − ℓ(0)` at zero for every (activation, shortcut depth, depth, direction) of the config
/// (in parallel; the result does not depend on the thread count), compares `c_n` with its closed form and checks
/// the series against the dfdx network at `±t`.
///
/// Errors: an invalid config, data that cannot be loaded, a network that cannot be built.
pub fn stationary_order(config: &StationaryOrderConfig) -> Result<StationaryOrder> {
    config.check_and_run()
}

analysis!(StationaryOrderConfig => StationaryOrder);

/// [`stationary_order`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<StationaryOrderConfig>) -> Result<StationaryOrder> {
    let data = config.data.load(config.width)?;
    let (inputs, targets) = data.flat_samples()?;
    let mut cases = Vec::new();
    for &activation in &config.activations {
        for &shortcut in &config.shortcuts {
            for &depth in &config.depths {
                for &seed in &config.directions {
                    cases.push((activation, shortcut, depth, seed));
                }
            }
        }
    }
    let rows = cases
        .par_iter()
        .map(|&(activation, shortcut, depth, seed)| {
            let shape = LineShape {
                width: config.width,
                shortcut,
                depth,
                activation,
            };
            let v = direction(seed, shape.num_params());
            let coefficients = expansion(shape, &v, &inputs, &targets)?;
            let leading_degree = leading_degree(&coefficients);
            let closed_form = leading_coefficient_closed_form(shape, &v, &data.moments().m)?;
            let probe = leading_degree.map_or(1.0, |k| probe_step(&coefficients, k));
            let mut net = build_network(
                &NetworkSpec {
                    width: config.width,
                    architecture: Architecture::Residual { shortcut },
                    activation,
                    depth,
                },
                &Init::Zero,
                0,
            )?;
            let at_zero = net.loss(&data)?;
            let mut phi = |t: f64| -> Result<f64> {
                net.set_params(&v.iter().map(|x| t * x).collect::<Vec<_>>())?;
                Ok(net.loss(&data)? - at_zero)
            };
            let (phi_plus, phi_minus) = (phi(probe)?, phi(-probe)?);
            let leading = leading_degree.map_or(0.0, |k| coefficients[k]);
            Ok(StationaryOrderRow {
                activation,
                shortcut,
                depth,
                direction: seed,
                along_line: AlongLine::of(leading_degree, leading),
                coefficients,
                leading_degree,
                closed_form,
                probe_step: probe,
                phi_plus,
                phi_minus,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(StationaryOrder {
        config: config.inner().clone(),
        rows,
    })
}

/// The claims of notebook 05's stationary-order section:
/// - `order_equals_shortcut_depth`: the first non-zero Taylor coefficient of φ has degree `n` in every row;
/// - `coefficient_matches_closed_form`: `c_n` equals `−Σ_l tr(V_{l,n}⋯V_{l,1} M)` to 1e-12 relative;
/// - `odd_order_is_saddle`: where the order is odd and ≥ 3, the network's own `φ(t)` and `φ(−t)` have opposite
///   signs (a saddle); where it is even, both have the sign of `c_n`;
/// - `tanh_matches_linear_below_n_plus_2`: tanh's coefficients equal the linear network's below degree `n + 2`
///   (σ'(0) = 1, σ''(0) = 0), to 1e-12 relative.
pub fn claims(result: &StationaryOrder) -> Result<Vec<Claim>> {
    let rows = &result.rows;
    let mut out = Vec::new();

    let claim = "Along a random direction, the first non-zero Taylor coefficient of φ(t) = ℓ(tV) − ℓ(0) has degree n, the \
                 shortcut depth: for n ≥ 2 zero is a stationary point of order n − 1 (gradient, Hessian, … up to the \
                 (n − 1)-th derivative vanish).";
    let criterion = "leading_degree = n in every row";
    let matching = rows
        .iter()
        .filter(|r| r.leading_degree == Some(r.shortcut))
        .count();
    let mut seen: Vec<String> = Vec::new();
    for n in result.config.shortcuts.iter() {
        let mut orders: Vec<String> = rows
            .iter()
            .filter(|r| r.shortcut == *n)
            .map(|r| r.leading_degree.map_or("none".into(), |k| k.to_string()))
            .collect();
        orders.sort();
        orders.dedup();
        seen.push(format!("n = {n}: {}", orders.join(", ")));
    }
    out.push(Claim {
        id: "order_equals_shortcut_depth",
        claim: claim.into(),
        evidence: format!(
            "{matching} of {} rows; orders found: {}",
            rows.len(),
            seen.join("; ")
        ),
        criterion: criterion.into(),
        verdict: Verdict::from_bool(!rows.is_empty() && matching == rows.len()),
    });

    let claim = "The leading coefficient is −Σ_l tr(V_{l,n}⋯V_{l,1} M): only M = E[x(y − x)ᵀ] and the direction enter.";
    let criterion = "|c_n / closed form − 1| ≤ 1e-12 in every row";
    let worst = rows
        .iter()
        .map(StationaryOrderRow::relative_error)
        .fold(0.0, f64::max);
    out.push(Claim {
        id: "coefficient_matches_closed_form",
        claim: claim.into(),
        evidence: format!(
            "largest relative difference {worst:.1e} over {} rows",
            rows.len()
        ),
        criterion: criterion.into(),
        verdict: Verdict::from_bool(!rows.is_empty() && worst <= 1e-12),
    });

    let claim = "An odd leading degree n ≥ 3 is a saddle along the line: the network's loss goes down on one side of \
                 zero and up on the other; an even degree keeps the sign of its coefficient on both sides (a minimum or \
                 maximum along that line only: other directions flip the sign, so zero is a saddle in weight space).";
    let criterion = "odd order ≥ 3: φ(t)·φ(−t) < 0; even order: φ(±t) both have the sign of c_n (dfdx loss at the probe step)";
    let judged: Vec<&StationaryOrderRow> = rows
        .iter()
        .filter(|r| r.leading_degree.is_some_and(|k| k >= 2))
        .collect();
    let agree = |r: &&StationaryOrderRow| match r.leading_degree {
        Some(k) if k % 2 == 1 => r.phi_plus * r.phi_minus < 0.0,
        Some(_) => {
            let s = r.leading_coefficient().signum();
            r.phi_plus.signum() == s && r.phi_minus.signum() == s
        }
        None => false,
    };
    let odd = judged
        .iter()
        .filter(|r| r.leading_degree.is_some_and(|k| k % 2 == 1))
        .count();
    if odd == 0 {
        out.push(Claim::not_applicable(
            "odd_order_is_saddle",
            claim,
            criterion,
            "no row with an odd order ≥ 3 (add shortcut depth 3)",
        ));
    } else {
        let ok = judged.iter().filter(|r| agree(r)).count();
        let example = judged
            .iter()
            .find(|r| r.leading_degree.is_some_and(|k| k % 2 == 1))
            .map(|r| {
                format!(
                    "; e.g. n = {}, L = {}: φ(±{}) = {} / {}",
                    r.shortcut,
                    r.depth,
                    num(r.probe_step),
                    num(r.phi_plus),
                    num(r.phi_minus)
                )
            })
            .unwrap_or_default();
        out.push(Claim {
            id: "odd_order_is_saddle",
            claim: claim.into(),
            evidence: format!(
                "{ok} of {} rows with order ≥ 2 ({odd} odd){example}",
                judged.len()
            ),
            criterion: criterion.into(),
            verdict: Verdict::from_bool(ok == judged.len()),
        });
    }

    let claim = "With tanh the expansion agrees with the linear network's below degree n + 2 (σ'(0) = 1 gives the same \
                 leading term, σ''(0) = 0 delays the first difference to the cubic term of tanh); for n = 1 there is no \
                 activation inside a unit and the two agree at every degree.";
    let criterion =
        "|c_k(tanh) − c_k(linear)| ≤ 1e-12·max|c(linear)| for every k < n + 2, every matching row";
    let pairs: Vec<(&StationaryOrderRow, &StationaryOrderRow)> = rows
        .iter()
        .filter(|r| r.activation == ActivationKind::Tanh)
        .filter_map(|t| {
            rows.iter()
                .find(|l| {
                    l.activation == ActivationKind::Linear
                        && (l.shortcut, l.depth, l.direction) == (t.shortcut, t.depth, t.direction)
                })
                .map(|l| (t, l))
        })
        .collect();
    if pairs.is_empty() {
        out.push(Claim::not_applicable(
            "tanh_matches_linear_below_n_plus_2",
            claim,
            criterion,
            "no case with both linear and tanh",
        ));
    } else {
        let mut agree_below = 0;
        let with_activation = pairs.iter().filter(|(t, _)| t.shortcut >= 2).count();
        let mut first_difference: Vec<String> = Vec::new();
        for (t, l) in &pairs {
            let scale = l.coefficients.iter().fold(0.0f64, |a, c| a.max(c.abs()));
            let differs = |k: usize| (t.coefficients[k] - l.coefficients[k]).abs() > 1e-12 * scale;
            if !(0..(t.shortcut + 2).min(t.coefficients.len())).any(differs) {
                agree_below += 1;
            }
            let first = (0..t.coefficients.len()).find(|&k| differs(k));
            let text = format!(
                "n = {}: {}",
                t.shortcut,
                first.map_or("none".into(), |k| format!("degree {k}"))
            );
            if !first_difference.contains(&text) {
                first_difference.push(text);
            }
        }
        out.push(Claim {
            id: "tanh_matches_linear_below_n_plus_2",
            claim: claim.into(),
            evidence: format!(
                "{agree_below} of {} pairs agree below n + 2 ({with_activation} with n ≥ 2, where tanh acts inside a unit); \
                 first differing degree: {}",
                pairs.len(),
                first_difference.join("; ")
            ),
            criterion: criterion.into(),
            verdict: Verdict::from_bool(agree_below == pairs.len()),
        });
    }
    Ok(out)
}
