//! The identity map at the starting point: a residual network at `W = 0` (and the plain network at `V = I`)
//! computes `f(x) = x` exactly, while a Xavier draw does not; with the parameter count per architecture.

use polars::prelude::DataFrame;

use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, table};
use super::{count, ensure_nonempty};
use crate::error::Result;
use super::analysis::{analysis, Analysis};
use crate::net::{Architecture, Init};

columns! {
    /// max_i |f(x_i) − x_i| at the natural start (residual: W = 0, plain: V = I): exactly 0.
    DEVIATION_AT_START = "max_abs_f_minus_x_at_start": F64;
    /// max_i |f(x_i) − x_i| at a Xavier draw (seed 0).
    DEVIATION_AT_XAVIER = "max_abs_f_minus_x_xavier": F64;
}


table! {
    /// The table of [`identity_at_zero`]: one row per network.
    pub SCHEMA = "identity_at_zero";
    fn identity_frame(IdentityRow) {
        shared::ARCHITECTURE => |r| r.architecture.label(),
        shared::DEPTH => |r| count(r.depth),
        shared::PARAMS => |r| count(r.params),
        DEVIATION_AT_START => |r| r.deviation_at_start,
        DEVIATION_AT_XAVIER => |r| r.deviation_at_xavier,
    }
}

/// Settings of [`identity_at_zero`]. `Default`: width 4, shortcut depths 1–3 and the plain network, depths 2 and
/// 16, the default teacher (notebook 01's table).
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityConfig {
    /// Width `D`.
    pub width: usize,
    /// The networks to compare.
    pub architectures: Vec<Architecture>,
    /// Depths `L`.
    pub depths: Vec<usize>,
    /// The data the deviation is measured on.
    pub data: DataSpec,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            width: 4,
            architectures: vec![
                Architecture::Residual { shortcut: 1 },
                Architecture::Residual { shortcut: 2 },
                Architecture::Residual { shortcut: 3 },
                Architecture::Plain,
            ],
            depths: vec![2, 16],
            data: DataSpec::default(),
        }
    }
}

impl Validate for IdentityConfig {
    /// At least one architecture and depth, and a valid network for each pair.
    fn validate(&self) -> Result<()> {
        ensure_nonempty("architectures", &self.architectures)?;
        ensure_nonempty("depths", &self.depths)?;
        for &architecture in &self.architectures {
            for &depth in &self.depths {
                self.spec(architecture, depth).validate()?;
            }
        }
        Ok(())
    }
}

impl IdentityConfig {
    fn spec(&self, architecture: Architecture, depth: usize) -> NetworkSpec {
        NetworkSpec {
            width: self.width,
            architecture,
            activation: ActivationKind::Linear,
            depth,
        }
    }
}

/// One network of [`identity_at_zero`].
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRow {
    /// The network family.
    pub architecture: Architecture,
    /// Depth `L`.
    pub depth: usize,
    /// The number of weights the built network holds (its flat parameter vector's length).
    pub params: usize,
    /// `max_i |f(x_i) − x_i|` at the natural start (residual: `W = 0`, plain: `V = I`).
    pub deviation_at_start: f64,
    /// `max_i |f(x_i) − x_i|` at a Xavier draw (seed 0).
    pub deviation_at_xavier: f64,
}

/// The result of [`identity_at_zero`]: the config and one [`IdentityRow`] per (architecture, depth), in config
/// order.
#[derive(Debug, Clone)]
pub struct IdentityAtZero {
    /// The config of the run.
    pub config: IdentityConfig,
    /// One entry per network.
    pub rows: Vec<IdentityRow>,
}

impl IdentityAtZero {
    /// The result as a table ([`SCHEMA`]), for display and CSV.
    pub fn to_frame(&self) -> Result<DataFrame> {
        identity_frame(&self.rows)
    }
}

/// For every architecture and depth: the built network's weight count (`P = n·L·D²` by THEORY.md) and the
/// largest `|f(x) − x|` over the data at the natural starting point (residual: `W = 0`; plain: `V = I`) — exactly
/// 0 — and at Xavier initialisation.
pub fn identity_at_zero(config: &IdentityConfig) -> Result<IdentityAtZero> {
    config.check_and_run()
}

analysis!(IdentityConfig => IdentityAtZero);

/// [`identity_at_zero`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<IdentityConfig>) -> Result<IdentityAtZero> {
    let data = config.data.load(config.width)?;
    let mut rows = Vec::new();
    for &architecture in &config.architectures {
        for &depth in &config.depths {
            let spec = config.spec(architecture, depth);
            let start = if architecture == Architecture::Plain {
                Init::Identity
            } else {
                Init::Zero
            };
            let at_start = build_network(&spec, &start, 0)?;
            rows.push(IdentityRow {
                architecture,
                depth,
                params: at_start.params().len(),
                deviation_at_start: at_start.max_abs_deviation_from_identity(&data)?,
                deviation_at_xavier: build_network(&spec, &Init::XavierNormal, 0)?
                    .max_abs_deviation_from_identity(&data)?,
            });
        }
    }
    Ok(IdentityAtZero {
        config: config.inner().clone(),
        rows,
    })
}

/// The claims of notebook 01, checked on the result of [`identity_at_zero`]:
///
/// - `params_formula`: the built network holds `P = n·L·D²` weights (plain: `L·D²`) in every row;
/// - `identity_at_start`: `f(x) = x` exactly at the natural start (deviation 0 in every row);
/// - `xavier_moves_away_with_depth`: at a Xavier draw a *residual* network's deviation from the identity is
///   larger at the deepest depth than at the shallowest (each unit multiplies by `I + branch`, so deviations
///   compound). The plain network is left out: a Xavier layer preserves `E‖Vx‖²`, so its product has no such
///   trend.
pub fn claims(result: &IdentityAtZero) -> Result<Vec<Claim>> {
    let rows = &result.rows;
    let d2 = result.config.width * result.config.width;
    let layers_per_unit = |a: Architecture| match a {
        Architecture::Residual { shortcut } => shortcut,
        Architecture::Plain => 1,
    };
    let formula_ok = rows
        .iter()
        .filter(|r| r.params == layers_per_unit(r.architecture) * r.depth * d2)
        .count();
    let exact = rows.iter().filter(|r| r.deviation_at_start == 0.0).count();
    // (shallowest, deepest) Xavier deviation of one architecture, when it has two depths or more.
    let ends = |a: Architecture| {
        let mut pts: Vec<(usize, f64)> = rows
            .iter()
            .filter(|r| r.architecture == a)
            .map(|r| (r.depth, r.deviation_at_xavier))
            .collect();
        pts.sort_by_key(|p| p.0);
        match (pts.first(), pts.last()) {
            (Some(first), Some(last)) if pts.len() >= 2 => Some((first.1, last.1)),
            _ => None,
        }
    };
    let residual: Vec<Architecture> = result
        .config
        .architectures
        .iter()
        .copied()
        .filter(|a| matches!(a, Architecture::Residual { .. }))
        .collect();
    let mut growing = 0;
    let mut listing = Vec::new();
    for &a in &residual {
        if let Some((first, last)) = ends(a) {
            if last > first {
                growing += 1;
            }
            listing.push(format!("{}: {} → {}", a.label(), num(first), num(last)));
        }
    }
    let plain_listing = match ends(Architecture::Plain) {
        Some((first, last)) => format!(
            "; not judged: {}: {} → {}",
            Architecture::Plain.label(),
            num(first),
            num(last)
        ),
        None => String::new(),
    };
    let total = rows.len();
    Ok(vec![
        Claim {
            id: "params_formula",
            claim:
                "A network of L units with shortcut depth n and width D has P = n·L·D² parameters."
                    .into(),
            evidence: format!("{formula_ok} of {total} rows match"),
            criterion: "every row".into(),
            verdict: Verdict::from_bool(formula_ok == total && total > 0),
        },
        Claim {
            id: "identity_at_start",
            claim: "At the zero point (plain: V = I) the network computes the identity exactly."
                .into(),
            evidence: format!("max|f(x) − x| = 0 in {exact} of {total} rows"),
            criterion: "exactly 0 in every row".into(),
            verdict: Verdict::from_bool(exact == total && total > 0),
        },
        Claim {
            id: "xavier_moves_away_with_depth",
            claim: "A Xavier draw of a residual network is further from the identity map when the network is deeper."
                .into(),
            evidence: format!(
                "max|f(x) − x| at Xavier, shallowest → deepest: {}{}",
                listing.join("; "),
                plain_listing
            ),
            criterion: "larger at the deepest depth than at the shallowest, for every residual architecture; the plain \
                        network is listed, not judged (a Xavier layer preserves E‖Vx‖², so its product has no such trend)"
                .into(),
            verdict: Verdict::from_bool(
                !residual.is_empty() && listing.len() == residual.len() && growing == residual.len(),
            ),
        },
    ])
}
