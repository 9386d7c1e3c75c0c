//! The residual unit `h ↦ h + W_N σ(W_{N−1} σ(… σ(W_1 h)))` with width `D` and shortcut depth `N` fixed at
//! compile time (THEORY.md, "Model"). Bias-free, built from dfdx's `UnbiasedLinear<D, D>`.

use dfdx::nn::modules::UnbiasedLinear;
use dfdx::nn::{BuildOnDevice, Module, ModuleVisitor, TensorCollection};
use dfdx::prelude::{
    Cpu, Device, Dtype, Merge, Shape, Storage, Tape, Tensor, TryAdd, WithEmptyTape,
};
use num_traits::Float;
use rand_distr::uniform::SampleUniform;

use super::activation::{Activation, Identity};

/// Builder types in dfdx's style: `dev.build_module::<builder::ResidualUnit<D, N>, f64>()` builds a
/// [`ResidualUnit`], and `dfdx::nn::builders::Repeated<builder::ResidualUnit<D, N>, L>` is the fully
/// type-level network (depth fixed at compile time; used in notebook 01 only).
pub mod builder {
    use super::Activation;
    use super::Identity;

    /// Zero-sized description of a residual unit of width `D`, shortcut depth `N`, activation `A`.
    #[derive(Debug, Default, Clone, Copy)]
    pub struct ResidualUnit<const D: usize, const N: usize, A: Activation = Identity>(
        std::marker::PhantomData<A>,
    );
}

/// One residual unit: `h + W_N σ(… σ(W_1 h))`, i.e. an identity shortcut that skips `N` weight layers.
///
/// - `D`: width (input = output dimension), `N ≥ 1`: shortcut depth ("shortcut 2" of the paper is `N = 2`),
///   `A`: the activation between the layers of the branch (none after the last layer, none on the shortcut).
/// - `layers[k]` holds `W_{k+1}` as dfdx stores it: `weight` is `D×D` with `weight[i][j]` = (W)ᵢⱼ, so that a
///   row-vector batch `x` maps to `x Wᵀ`, the same as `W h` for a column `h`.
/// - At `W = 0` the unit is exactly the identity.
///
/// It is a dfdx module: it implements `Module` for any tensor that `UnbiasedLinear` and `A` accept (batches
/// `(usize, Const<D>)`, single vectors `Rank1<D>`), `TensorCollection` (so dfdx optimisers, `alloc_grads`,
/// `num_trainable_params` and `build_module` work on it).
#[derive(Debug, Clone)]
pub struct ResidualUnit<
    const D: usize,
    const N: usize,
    A: Activation = Identity,
    E: Dtype = f64,
    Dev: Storage<E> = Cpu,
> {
    /// `layers[k]` is the `(k+1)`-th weight layer of the branch, `W_{k+1}`.
    pub layers: [UnbiasedLinear<D, D, E, Dev>; N],
    /// The activation between branch layers. dfdx's rebuilding visitors (`build_module`, `to_device`) cannot
    /// carry a non-tensor value and give a rebuilt unit `A::default()`; set it after, as [`super::ResNet`] does.
    pub activation: A,
}

impl<const D: usize, const N: usize, A: Activation, E: Dtype, Dev: Storage<E>>
    ResidualUnit<D, N, A, E, Dev>
{
    /// Compile-time check that the shape makes sense; referenced by every constructor so that
    /// `ResidualUnit<0, _>` or `ResidualUnit<_, 0>` fails to compile instead of misbehaving.
    pub const SHAPE_OK: () = assert!(D >= 1 && N >= 1, "a residual unit needs D >= 1 and N >= 1");

    /// Number of trainable weights, `N·D²`.
    pub const NUM_PARAMS: usize = N * D * D;
}

impl<const D: usize, const N: usize, A: Activation, E, Dev> TensorCollection<E, Dev>
    for ResidualUnit<D, N, A, E, Dev>
where
    E: Dtype + Float + SampleUniform,
    Dev: Device<E>,
{
    type To<E2: Dtype, D2: Device<E2>> = ResidualUnit<D, N, A, E2, D2>;

    fn iter_tensors<V: ModuleVisitor<Self, E, Dev>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        #[allow(clippy::let_unit_value)]
        let _ = Self::SHAPE_OK;
        let names: Vec<String> = (1..=N).map(|k| format!("W{k}")).collect();
        visitor.visit_fields(
            names
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    Self::module(name, move |s| &s.layers[k], move |s| &mut s.layers[k])
                })
                .collect::<Vec<_>>(),
            |layers: Vec<_>| ResidualUnit {
                layers: match layers.try_into() {
                    Ok(array) => array,
                    // visit_fields hands back exactly one built layer per field given above.
                    Err(_) => {
                        unreachable!("dfdx returned a different number of layers than visited")
                    }
                },
                activation: A::default(),
            },
        )
    }
}

impl<const D: usize, const N: usize, A: Activation, E, Dev> BuildOnDevice<Dev, E>
    for builder::ResidualUnit<D, N, A>
where
    E: Dtype + Float + SampleUniform,
    Dev: Device<E>,
{
    type Built = ResidualUnit<D, N, A, E, Dev>;
}

impl<const D: usize, const N: usize, A, E, Dev, S, T> Module<Tensor<S, E, Dev, T>>
    for ResidualUnit<D, N, A, E, Dev>
where
    A: Activation,
    E: Dtype,
    Dev: Device<E>,
    S: Shape,
    T: Tape<E, Dev> + Merge<T>,
    UnbiasedLinear<D, D, E, Dev>:
        Module<Tensor<S, E, Dev, T>, Output = Tensor<S, E, Dev, T>, Error = Dev::Err>,
{
    type Output = Tensor<S, E, Dev, T>;
    type Error = Dev::Err;

    /// `x + W_N σ(… σ(W_1 x))`: the branch runs on a tape-less copy of `x` and the tapes merge in the add,
    /// exactly as dfdx's own `Residual` does.
    fn try_forward(&self, x: Tensor<S, E, Dev, T>) -> Result<Self::Output, Dev::Err> {
        let mut branch = self.layers[0].try_forward(x.with_empty_tape())?;
        for layer in &self.layers[1..] {
            branch = layer.try_forward(self.activation.kind().apply(branch)?)?;
        }
        branch.try_add(x)
    }
}
