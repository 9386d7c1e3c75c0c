//! The one registry of widths `D` compiled in for run-time selection.
//!
//! The networks are shaped at compile time (`ResNet<D, N, A>`), so every width that a [`super::NetworkSpec`] or
//! [`super::DataSpec`] may name at run time is a separate set of monomorphised networks (4 shortcut depths and
//! the plain net = 5 per width; the activation is a run-time [`crate::net::ActivationKind`]) that every cold
//! build, and so every fresh notebook kernel, compiles. By default the registry holds the widths the notebooks
//! use, 2, 4 and 8; the cargo feature `width-16` adds `D = 16`. Code that is generic over `D` (e.g.
//! `ResNet::<16, 2>` or `digits::<16>()`) works at any width without the registry.
//!
//! [`with_width!`] is the only place that turns a run-time width into a compile-time one.

use crate::error::{Error, Result};

/// Widths `D` compiled in for run-time selection (see the module docs).
#[cfg(not(feature = "width-16"))]
pub const SUPPORTED_WIDTHS: &[usize] = &[2, 4, 8];
/// Widths `D` compiled in for run-time selection (see the module docs).
#[cfg(feature = "width-16")]
pub const SUPPORTED_WIDTHS: &[usize] = &[2, 4, 8, 16];

/// Checks that `width` is one of [`SUPPORTED_WIDTHS`].
pub fn check_width(width: usize) -> Result<()> {
    if SUPPORTED_WIDTHS.contains(&width) {
        Ok(())
    } else {
        Err(unsupported_width(width))
    }
}

/// The error for a width outside the registry.
pub(crate) fn unsupported_width(width: usize) -> Error {
    Error::Unsupported(format!(
        "width {width} (compiled widths: {SUPPORTED_WIDTHS:?}; width 16 needs the cargo feature `width-16`)"
    ))
}

/// Evaluates `$body` with the constant `$d` bound to the run-time `$width`, for each width of the registry;
/// any other width evaluates to `Err(Error::Unsupported)`. `$body` must be a
/// `Result`.
macro_rules! with_width {
    ($width:expr, $d:ident => $body:expr) => {
        match $width {
            2 => {
                const $d: usize = 2;
                $body
            }
            4 => {
                const $d: usize = 4;
                $body
            }
            8 => {
                const $d: usize = 8;
                $body
            }
            #[cfg(feature = "width-16")]
            16 => {
                const $d: usize = 16;
                $body
            }
            other => Err($crate::experiments::widths::unsupported_width(other)),
        }
    };
}
pub(crate) use with_width;
