//! The identity map at the starting point: a residual network at `W = 0` (and the plain network at `V = I`)
//! computes `f(x) = x` exactly, while a Xavier draw does not; with the parameter count per architecture.

use polars::prelude::DataFrame;

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
