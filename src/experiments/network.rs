//! Networks and datasets chosen at run time, for experiments and notebooks.
//!
//! The core types are compile-time shaped (`ResNet<D, N, A>`); an experiment sweeps widths, shortcut depths and
//! activations given as *values*. [`build_network`] maps a [`NetworkSpec`] to one of the compiled shapes
//! (widths [`SUPPORTED_WIDTHS`] of the one registry [`super::widths`], shortcut depths 1–4 or plain) with its
//! activation as a run-time [`ActivationKind`] (`ResNet<D, N, ActivationKind>`), behind the object-safe
//! [`DynNetwork`]; [`DataSpec::load`] does the same for data. Everything numeric still runs in the
//! compile-time-shaped code; this layer only dispatches, so notebook cells call plain, non-generic functions.

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

use crate::data::{GenerateTeacher, digits::digits, idx::mnist, Dataset, Moments, Teacher};

use crate::error::{ensure_positive_size, Error, Result};
use crate::hessian::{
    hessian_at, HessianMatrix, HessianOperator, HessianOptions, SymmetricOperator,
};
pub use crate::net::ActivationKind;
use crate::net::{Architecture, FlatParams, Init, Network, PlainNet, ResNet};
use crate::train::{train, History, TrainConfig};

use super::widths::with_width;
pub use super::widths::{check_width, SUPPORTED_WIDTHS};

/// Shortcut depths `N` compiled into the library for run-time selection.
pub const SUPPORTED_SHORTCUTS: [usize; 4] = [1, 2, 3, 4];

/// A network described by values: width, architecture, activation, depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetworkSpec {
    /// Width `D` (one of [`SUPPORTED_WIDTHS`]).
    pub width: usize,
    /// Residual with shortcut depth 1–4, or plain.
    pub architecture: Architecture,
    /// Activation between branch layers.
    pub activation: ActivationKind,
    /// Number of units (or plain layers) `L ≥ 1`.
    pub depth: usize,
}

impl NetworkSpec {
    /// A linear residual network of shortcut depth `shortcut`.
    pub fn residual(width: usize, shortcut: usize, depth: usize) -> Self {
        Self {
            width,
            architecture: Architecture::Residual { shortcut },
            activation: ActivationKind::Linear,
            depth,
        }
    }
    /// A linear plain network.
    pub fn plain(width: usize, depth: usize) -> Self {
        Self {
            width,
            architecture: Architecture::Plain,
            activation: ActivationKind::Linear,
            depth,
        }
    }
    /// Parameters per block: `N·D²` (residual unit) or `D²` (plain layer).
    pub fn block_size(&self) -> usize {
        let per = match self.architecture {
            Architecture::Residual { shortcut } => shortcut,
            Architecture::Plain => 1,
        };
        per * self.width * self.width
    }
    /// Total parameters `P`.
    pub fn num_params(&self) -> usize {
        self.block_size() * self.depth
    }
    /// Checks that this shape is compiled in and the depth is positive; errors name the field.
    pub fn validate(&self) -> Result<()> {
        ensure_positive_size("depth", self.depth)?;
        check_width(self.width)?;
        if let Architecture::Residual { shortcut } = self.architecture {
            if !SUPPORTED_SHORTCUTS.contains(&shortcut) {
                return Err(Error::Unsupported(format!(
                    "shortcut depth {shortcut} (supported: {SUPPORTED_SHORTCUTS:?})"
                )));
            }
        }
        Ok(())
    }
}

/// A dataset whose width is known at run time; holds a `Dataset<D>` of one of the supported widths. The data
/// are immutable and shared: cloning is cheap.
#[derive(Debug, Clone)]
pub struct AnyDataset {
    width: usize,
    len: usize,
    name: String,
    moments: Moments,
    typed: Arc<dyn Any + Send + Sync>,
}

impl<const D: usize> From<Dataset<D>> for AnyDataset {
    fn from(data: Dataset<D>) -> Self {
        Self {
            width: D,
            len: data.len(),
            name: data.name().to_string(),
            moments: data.moments(),
            typed: Arc::new(data),
        }
    }
}

impl AnyDataset {
    /// The dataset with its compile-time width. Errors if `D` is not this dataset's width.
    pub fn typed<const D: usize>(&self) -> Result<&Dataset<D>> {
        self.typed
            .downcast_ref::<Dataset<D>>()
            .ok_or_else(|| Error::ShapeMismatch {
                what: format!("dataset `{}` width", self.name),
                expected: D,
                found: self.width,
            })
    }
    /// Width `D`.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Always `false` (datasets are never empty).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Name for tables.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The inputs and the targets as flat row-major arrays (`m·D` each), for code that works at run-time width.
    pub fn flat_samples(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        with_width!(self.width, D => self
            .typed::<D>()
            .map(|d| (d.inputs().to_vec(), d.targets().to_vec())))
    }
    /// `Σ_xx`, `Σ_xy`, `M`, `E‖y‖²`, `ℓ(0)` (computed once).
    pub fn moments(&self) -> &Moments {
        &self.moments
    }
}

/// Where an experiment's data come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSpec {
    /// A generated teacher problem (see [`Teacher`]).
    Teacher(Teacher),
    /// THEORY.md's worked example (width 2 only).
    WorkedExample,
    /// The shipped UCI digits, PCA-whitened to the width (see [`crate::data::digits`]).
    Digits,
    /// A CSV file with `2·D` columns per row.
    Csv(PathBuf),
    /// MNIST IDX files (images, labels) that the user has; the first `max_samples` images.
    Mnist {
        /// Path of the images file (`*-images-idx3-ubyte`).
        images: PathBuf,
        /// Path of the labels file (`*-labels-idx1-ubyte`).
        labels: PathBuf,
        /// Use at most this many samples.
        max_samples: Option<usize>,
    },
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec::Teacher(Teacher::default())
    }
}

impl DataSpec {
    /// Loads or generates the data at the given width.
    pub fn load(&self, width: usize) -> Result<AnyDataset> {
        with_width!(width, D => self.load_typed::<D>())
    }

    fn load_typed<const D: usize>(&self) -> Result<AnyDataset> {
        let data: Dataset<D> = match self {
            DataSpec::Teacher(t) => t.generate::<D>()?.data,
            DataSpec::WorkedExample => {
                if D != 2 {
                    return Err(Error::ShapeMismatch {
                        what: "worked example width".into(),
                        expected: 2,
                        found: D,
                    });
                }
                let xs = [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]];
                let ys: Vec<Vec<f64>> = xs
                    .iter()
                    .map(|x| vec![2.0 * x[0] + x[1], 1.5 * x[1]])
                    .collect();
                let xs: Vec<Vec<f64>> = xs.iter().map(|x| x.to_vec()).collect();
                Dataset::from_rows("worked example", &xs, &ys)?
            }
            DataSpec::Digits => digits::<D>()?,
            DataSpec::Csv(path) => Dataset::<D>::from_csv(path)?,
            DataSpec::Mnist {
                images,
                labels,
                max_samples,
            } => mnist::<D>(images, labels, *max_samples)?,
        };
        Ok(AnyDataset::from(data))
    }
}

/// Environment variable naming a folder with the MNIST IDX files (`train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, uncompressed).
pub const MNIST_ENV: &str = "DEMYSTIFY_MNIST_DIR";

/// The MNIST data spec if `DEMYSTIFY_MNIST_DIR` points to a folder holding both training files, else `None`
/// (nothing is downloaded).
pub fn mnist_from_env(max_samples: Option<usize>) -> Option<DataSpec> {
    let dir = PathBuf::from(std::env::var_os(MNIST_ENV)?);
    let images = dir.join("train-images-idx3-ubyte");
    let labels = dir.join("train-labels-idx1-ubyte");
    (images.is_file() && labels.is_file()).then_some(DataSpec::Mnist {
        images,
        labels,
        max_samples,
    })
}

/// A network of any compiled shape, behind an object-safe interface (see the module docs).
pub trait DynNetwork: Send + Sync + std::fmt::Debug {
    /// Its shape.
    fn spec(&self) -> NetworkSpec;
    /// All weights in parameter order.
    fn params(&self) -> Vec<f64>;
    /// Overwrites all weights (length and finiteness checked).
    fn set_params(&mut self, p: &[f64]) -> Result<()>;
    /// Re-initialises all weights.
    fn initialize(&mut self, init: &Init, seed: u64) -> Result<()>;
    /// `ℓ = 1/(2m) Σ‖y − f(x)‖²`.
    fn loss(&self, data: &AnyDataset) -> Result<f64>;
    /// Loss and gradient (parameter order).
    fn loss_and_gradient(&self, data: &AnyDataset) -> Result<(f64, Vec<f64>)>;
    /// Trains in place (see [`train`]).
    fn train(&mut self, data: &AnyDataset, config: &TrainConfig) -> Result<History>;
    /// The numeric Hessian at the current weights (see [`hessian_at`]).
    fn hessian_at(&self, data: &AnyDataset, options: &HessianOptions) -> Result<HessianMatrix>;
    /// The Hessian-vector product at the current weights (exact by default, `options.method`).
    fn hessian_operator(
        &self,
        data: &AnyDataset,
        options: &HessianOptions,
    ) -> Result<Box<dyn SymmetricOperator + Send>>;
    /// The Hessian from second differences of the loss alone (see [`loss_hessian`]); for small networks.
    fn loss_hessian(&self, data: &AnyDataset, options: &HessianOptions) -> Result<HessianMatrix>;
    /// `max_i |f(x_i) − x_i|` over the inputs (0 exactly at the zero point of a residual network).
    fn max_abs_deviation_from_identity(&self, data: &AnyDataset) -> Result<f64>;
    /// A copy.
    fn boxed_clone(&self) -> Box<dyn DynNetwork>;
}

#[derive(Debug, Clone)]
struct Typed<const D: usize, Net> {
    net: Net,
    spec: NetworkSpec,
}

impl<const D: usize, Net: Network<D> + 'static> DynNetwork for Typed<D, Net> {
    fn spec(&self) -> NetworkSpec {
        self.spec
    }
    fn params(&self) -> Vec<f64> {
        self.net.params()
    }
    fn set_params(&mut self, p: &[f64]) -> Result<()> {
        self.net.set_params(p)
    }
    fn initialize(&mut self, init: &Init, seed: u64) -> Result<()> {
        init.apply::<D, _>(&mut self.net, seed)
    }
    fn loss(&self, data: &AnyDataset) -> Result<f64> {
        self.net.loss(data.typed::<D>()?)
    }
    fn loss_and_gradient(&self, data: &AnyDataset) -> Result<(f64, Vec<f64>)> {
        self.net.loss_and_gradient(data.typed::<D>()?)
    }
    fn train(&mut self, data: &AnyDataset, config: &TrainConfig) -> Result<History> {
        train(&mut self.net, data.typed::<D>()?, config)
    }
    fn hessian_at(&self, data: &AnyDataset, options: &HessianOptions) -> Result<HessianMatrix> {
        hessian_at(&self.net, data.typed::<D>()?, options)
    }
    fn hessian_operator(
        &self,
        data: &AnyDataset,
        options: &HessianOptions,
    ) -> Result<Box<dyn SymmetricOperator + Send>> {
        Ok(Box::new(HessianOperator::new(
            &self.net,
            data.typed::<D>()?,
            options,
        )?))
    }
    fn loss_hessian(&self, data: &AnyDataset, options: &HessianOptions) -> Result<HessianMatrix> {
        crate::hessian::loss_hessian(&self.net, data.typed::<D>()?, options)
    }
    fn max_abs_deviation_from_identity(&self, data: &AnyDataset) -> Result<f64> {
        let data = data.typed::<D>()?;
        let out = self
            .net
            .forward(data.input_batch(self.net.device()))?
            .as_vec();
        Ok(out
            .iter()
            .zip(data.inputs())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max))
    }
    fn boxed_clone(&self) -> Box<dyn DynNetwork> {
        Box::new(self.clone())
    }
}

fn boxed<const D: usize, Net: Network<D> + 'static>(
    net: Net,
    spec: &NetworkSpec,
) -> Box<dyn DynNetwork> {
    Box::new(Typed::<D, Net> { net, spec: *spec })
}

/// The network of `spec` at width `D`: one compiled network per architecture, with the activation as a run-time
/// value (`ActivationKind`), so the registry compiles 5 networks per width rather than 15.
fn build_typed<const D: usize>(
    spec: &NetworkSpec,
    init: &Init,
    seed: u64,
) -> Result<Box<dyn DynNetwork>> {
    match spec.architecture {
        Architecture::Plain => Ok(boxed::<D, _>(
            PlainNet::<D, ActivationKind>::with_activation(
                spec.activation,
                spec.depth,
                init,
                seed,
            )?,
            spec,
        )),
        Architecture::Residual { shortcut: 1 } => build_residual::<D, 1>(spec, init, seed),
        Architecture::Residual { shortcut: 2 } => build_residual::<D, 2>(spec, init, seed),
        Architecture::Residual { shortcut: 3 } => build_residual::<D, 3>(spec, init, seed),
        Architecture::Residual { shortcut: 4 } => build_residual::<D, 4>(spec, init, seed),
        Architecture::Residual { shortcut } => {
            Err(Error::Unsupported(format!("shortcut depth {shortcut}")))
        }
    }
}

/// `ResNet<D, N, ActivationKind>` for `spec`.
fn build_residual<const D: usize, const N: usize>(
    spec: &NetworkSpec,
    init: &Init,
    seed: u64,
) -> Result<Box<dyn DynNetwork>> {
    let net =
        ResNet::<D, N, ActivationKind>::with_activation(spec.activation, spec.depth, init, seed)?;
    Ok(boxed::<D, _>(net, spec))
}

/// Builds the network `spec` initialised by `init` with `seed`. Errors: unsupported width or shortcut depth,
/// depth 0, invalid init.
pub fn build_network(spec: &NetworkSpec, init: &Init, seed: u64) -> Result<Box<dyn DynNetwork>> {
    spec.validate()?;
    with_width!(spec.width, D => build_typed::<D>(spec, init, seed))
}
