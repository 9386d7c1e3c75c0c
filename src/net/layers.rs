//! Where each weight layer sits in the network: the segment structure that the hand-written passes (the exact
//! Hessian's R-operator, the fused training pass) share. A segment is a residual unit (its `N` layers, then the
//! identity shortcut adds the unit's input) or, for the plain network, the whole stack (no shortcut).

use super::Architecture;

/// Where a weight layer sits in its segment (a residual unit, or the whole plain network).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayerRole {
    /// The segment's first layer: its input is the segment input `h_in`.
    pub first: bool,
    /// The segment's last layer: no activation after it; a residual unit adds `h_in`.
    pub last: bool,
}

/// The role of each of `layers` weight layers, and whether segments end with an identity shortcut: residual
/// units of shortcut depth `N` are segments of `N` layers; the plain network is one segment.
pub(crate) fn layer_roles(architecture: Architecture, layers: usize) -> (Vec<LayerRole>, bool) {
    let (per_segment, shortcut) = match architecture {
        Architecture::Residual { shortcut } => (shortcut.max(1), true),
        Architecture::Plain => (layers.max(1), false),
    };
    let roles = (0..layers)
        .map(|t| LayerRole {
            first: t % per_segment == 0,
            last: t % per_segment == per_segment - 1,
        })
        .collect();
    (roles, shortcut)
}
