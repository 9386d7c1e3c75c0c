//! The identity map at the starting point: a residual network at `W = 0` (and the plain network at `V = I`)
//! computes `f(x) = x` exactly, while a Xavier draw does not; with the parameter count per architecture.

use polars::prelude::DataFrame;

use super::claims::{num, Claim, Verdict};
use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use super::{count, ensure_nonempty};
use crate::error::Result;
use crate::net::{Architecture, Init};

columns! {
    /// max_i |f(x_i) − x_i| at the natural start (residual: W = 0, plain: V = I): exactly 0.
    DEVIATION_AT_START = "max_abs_f_minus_x_at_start": F64;
    /// max_i |f(x_i) − x_i| at a Xavier draw (seed 0).
    DEVIATION_AT_XAVIER = "max_abs_f_minus_x_xavier": F64;
}

/// The table of [`identity_at_zero`].
pub const SCHEMA: Schema = Schema {
    name: "identity_at_zero",
    columns: &[
        shared::ARCHITECTURE,
        shared::DEPTH,
        shared::PARAMS,
        DEVIATION_AT_START,
        DEVIATION_AT_XAVIER,
    ],
};

/// For every architecture and depth: parameter count `P = n·L·D²` and the largest `|f(x) − x|` over the data at
/// the natural starting point (residual: `W = 0`; plain: `V = I`) — exactly 0 — and at Xavier initialisation.
///
/// Columns: [`SCHEMA`].
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
    SCHEMA.frame(vec![
        shared::ARCHITECTURE.values(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>()),
        shared::DEPTH.values(rows.iter().map(|r| count(r.1)).collect::<Vec<_>>()),
        shared::PARAMS.values(rows.iter().map(|r| count(r.2)).collect::<Vec<_>>()),
        DEVIATION_AT_START.values(rows.iter().map(|r| r.3).collect::<Vec<_>>()),
        DEVIATION_AT_XAVIER.values(rows.iter().map(|r| r.4).collect::<Vec<_>>()),
    ])
}

/// The claims of notebook 01, checked on a frame of [`identity_at_zero`] for width `width`:
///
/// - `params_formula`: `P = n·L·D²` (plain: `L·D²`) in every row;
/// - `identity_at_start`: `f(x) = x` exactly at the natural start (deviation 0 in every row);
/// - `xavier_moves_away_with_depth`: at a Xavier draw a *residual* network's deviation from the identity is
///   larger at the deepest depth than at the shallowest (each unit multiplies by `I + branch`, so deviations
///   compound). The plain network is left out: a Xavier layer preserves `E‖Vx‖²`, so its product has no such
///   trend.
pub fn claims(frame: &DataFrame, width: usize) -> Result<Vec<Claim>> {
    let arch = shared::ARCHITECTURE.strs(frame)?;
    let depth = shared::DEPTH.f64s(frame)?;
    let params = shared::PARAMS.f64s(frame)?;
    let start = DEVIATION_AT_START.f64s(frame)?;
    let xavier = DEVIATION_AT_XAVIER.f64s(frame)?;
    let layers_per_unit = |label: &str| {
        label
            .strip_prefix("residual n=")
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(1.0)
    };
    let d2 = (width * width) as f64;
    let formula_ok = (0..frame.height())
        .filter(|&i| {
            let n = arch[i].as_deref().map_or(f64::NAN, layers_per_unit);
            params[i] == depth[i].map(|l| n * l * d2)
        })
        .count();
    let exact = start.iter().filter(|v| **v == Some(0.0)).count();
    let mut labels: Vec<String> = arch
        .iter()
        .flatten()
        .filter(|l| l.starts_with("residual"))
        .cloned()
        .collect();
    labels.dedup();
    let mut growing = 0;
    let mut listing = Vec::new();
    for label in &labels {
        let mut pts: Vec<(f64, f64)> = (0..frame.height())
            .filter(|&i| arch[i].as_deref() == Some(label.as_str()))
            .filter_map(|i| Some((depth[i]?, xavier[i]?)))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let (Some(first), Some(last)) = (pts.first(), pts.last()) {
            if pts.len() >= 2 && last.1 > first.1 {
                growing += 1;
            }
            listing.push(format!("{label}: {} → {}", num(first.1), num(last.1)));
        }
    }
    let plain_listing = {
        let plain = crate::net::Architecture::Plain.label();
        let mut pts: Vec<(f64, f64)> = (0..frame.height())
            .filter(|&i| arch[i].as_deref() == Some(plain.as_str()))
            .filter_map(|i| Some((depth[i]?, xavier[i]?)))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        match (pts.first(), pts.last()) {
            (Some(first), Some(last)) if pts.len() >= 2 => {
                format!("; not judged: {plain}: {} → {}", num(first.1), num(last.1))
            }
            _ => String::new(),
        }
    };
    Ok(vec![
        Claim {
            id: "params_formula",
            claim:
                "A network of L units with shortcut depth n and width D has P = n·L·D² parameters."
                    .into(),
            evidence: format!("{formula_ok} of {} rows match", frame.height()),
            criterion: "every row".into(),
            verdict: Verdict::from_bool(formula_ok == frame.height() && frame.height() > 0),
        },
        Claim {
            id: "identity_at_start",
            claim: "At the zero point (plain: V = I) the network computes the identity exactly."
                .into(),
            evidence: format!("max|f(x) − x| = 0 in {exact} of {} rows", frame.height()),
            criterion: "exactly 0 in every row".into(),
            verdict: Verdict::from_bool(exact == frame.height() && frame.height() > 0),
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
            verdict: Verdict::from_bool(!labels.is_empty() && growing == labels.len()),
        },
    ])
}
