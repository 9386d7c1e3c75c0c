//! Training loops on any [`Network`]: full-batch gradient descent, minibatch SGD (optionally with momentum)
//! and Adam, all driven by dfdx's own optimisers (one optimiser state per dfdx block: residual unit or plain
//! layer), with seeded minibatch order, a per-step [`History`], and divergence detection. Each step's gradient
//! comes from the fused pass ([`fused`], the default) or from dfdx's autodiff ([`GradientPath`]).

pub mod fused;
mod gradient;
pub mod history;
pub mod lr_grid;

use dfdx::optim::{Adam, Optimizer, Sgd};
use dfdx::prelude::{AdamConfig, Cpu, Gradients, Momentum, SgdConfig};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::data::Dataset;
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
use crate::net::{FlatParams, Network};

pub use fused::FusedPass;
pub use gradient::GradientPath;
use gradient::StepGradient;
pub use history::{History, RunStatus, StepRecord};
pub use lr_grid::{best_learning_rate, best_rate, LrSearch, RateBracket, RateOutcome, RateSearch};

/// Which update rule to use. All use the learning rate of [`TrainConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimiser {
    /// Full-batch gradient descent `θ ← θ − η ∇ℓ(θ)` (dfdx `Sgd` without momentum).
    GradientDescent,
    /// Minibatch SGD with classic (heavy-ball) momentum `μ ∈ [0, 1)`; `μ = 0` is plain SGD. Minibatches are
    /// drawn without replacement from a reshuffled epoch, order fixed by the config's seed.
    Sgd {
        /// Samples per minibatch (clipped to the dataset size).
        batch_size: usize,
        /// Momentum `μ`.
        momentum: f64,
    },
    /// Adam (dfdx `Adam`, β = (0.9, 0.999), ε = 1e-8); `batch_size: None` is full batch.
    Adam {
        /// Samples per minibatch, or `None` for the full dataset.
        batch_size: Option<usize>,
    },
}

impl Optimiser {
    /// Short label for tables: `"gd"`, `"sgd(b=32,mu=0.9)"`, `"adam"`.
    pub fn label(&self) -> String {
        match self {
            Optimiser::GradientDescent => "gd".into(),
            Optimiser::Sgd {
                batch_size,
                momentum,
            } => format!("sgd(b={batch_size},mu={momentum})"),
            Optimiser::Adam { batch_size: None } => "adam".into(),
            Optimiser::Adam {
                batch_size: Some(b),
            } => format!("adam(b={b})"),
        }
    }
}

/// Settings of one training run. `Default`: GD, η = 0.1, 1000 steps, seed 0, divergence factor 1e3, no
/// target, every step recorded, the fused gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Learning rate η > 0.
    pub learning_rate: f64,
    /// Number of updates (≥ 1).
    pub steps: usize,
    /// The update rule.
    pub optimiser: Optimiser,
    /// Seed of the minibatch order (unused by full-batch methods).
    pub seed: u64,
    /// The run is declared diverged when the full-data loss is not finite or exceeds
    /// `divergence_factor × ℓ(θ_0)` (must be > 1).
    pub divergence_factor: f64,
    /// Stop as soon as the full-data loss is ≤ this value.
    pub target_loss: Option<f64>,
    /// Record every this many steps (≥ 1); the initial and the last state are always recorded.
    pub record_every: usize,
    /// Where each step's gradient comes from (the fused pass, or dfdx's autodiff as the reference).
    pub gradient: GradientPath,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            learning_rate: 0.1,
            steps: 1000,
            optimiser: Optimiser::GradientDescent,
            seed: 0,
            divergence_factor: 1e3,
            target_loss: None,
            record_every: 1,
            gradient: GradientPath::Fused,
        }
    }
}

impl TrainConfig {
    /// Checks every setting; errors name the field.
    pub fn validate(&self) -> Result<()> {
        ensure_positive("learning_rate", self.learning_rate)?;
        ensure_positive_size("steps", self.steps)?;
        ensure_positive_size("record_every", self.record_every)?;
        if !(self.divergence_factor.is_finite() && self.divergence_factor > 1.0) {
            return Err(Error::OutOfRange {
                field: "divergence_factor",
                value: self.divergence_factor,
                expected: "must be finite and > 1",
            });
        }
        if let Some(t) = self.target_loss {
            if !(t.is_finite() && t >= 0.0) {
                return Err(Error::OutOfRange {
                    field: "target_loss",
                    value: t,
                    expected: "must be finite and >= 0",
                });
            }
        }
        match self.optimiser {
            Optimiser::GradientDescent => Ok(()),
            Optimiser::Sgd {
                batch_size,
                momentum,
            } => {
                ensure_positive_size("batch_size", batch_size)?;
                if !(0.0..1.0).contains(&momentum) {
                    return Err(Error::OutOfRange {
                        field: "momentum",
                        value: momentum,
                        expected: "must be in [0, 1)",
                    });
                }
                Ok(())
            }
            Optimiser::Adam { batch_size } => {
                batch_size.map_or(Ok(()), |b| ensure_positive_size("batch_size", b))
            }
        }
    }
}

/// dfdx optimiser states, one per block of the network.
enum States<B> {
    Sgd(Vec<Sgd<B, f64, Cpu>>),
    Adam(Vec<Adam<B, f64, Cpu>>),
}

impl<B: dfdx::nn::TensorCollection<f64, Cpu>> States<B> {
    fn new(blocks: &[B], config: &TrainConfig) -> Self {
        let lr = config.learning_rate;
        // Plain (S)GD is dfdx's Sgd without momentum; momentum μ > 0 is its classic (heavy-ball) momentum.
        let sgd = |momentum: Option<Momentum>| {
            States::Sgd(
                blocks
                    .iter()
                    .map(|b| {
                        Sgd::new(
                            b,
                            SgdConfig {
                                lr,
                                momentum,
                                weight_decay: None,
                            },
                        )
                    })
                    .collect(),
            )
        };
        match config.optimiser {
            Optimiser::GradientDescent => sgd(None),
            Optimiser::Sgd { momentum, .. } => {
                sgd((momentum > 0.0).then_some(Momentum::Classic(momentum)))
            }
            Optimiser::Adam { .. } => States::Adam(
                blocks
                    .iter()
                    .map(|b| {
                        Adam::new(
                            b,
                            AdamConfig {
                                lr,
                                ..Default::default()
                            },
                        )
                    })
                    .collect(),
            ),
        }
    }

    fn update(&mut self, blocks: &mut [B], grads: &Gradients<f64, Cpu>) -> Result<()> {
        let err = |e: dfdx::optim::OptimizerUpdateError<dfdx::tensor::CpuError>| match e {
            dfdx::optim::OptimizerUpdateError::DeviceError(device) => Error::Device(device),
            unused => Error::Optimizer(unused.to_string()),
        };
        match self {
            States::Sgd(states) => {
                for (s, b) in states.iter_mut().zip(blocks) {
                    s.update(b, grads).map_err(err)?;
                }
            }
            States::Adam(states) => {
                for (s, b) in states.iter_mut().zip(blocks) {
                    s.update(b, grads).map_err(err)?;
                }
            }
        }
        Ok(())
    }
}

/// Seeded minibatch sampler: reshuffles the sample indices every epoch.
struct Batches {
    order: Vec<usize>,
    next: usize,
    size: Option<usize>,
    rng: StdRng,
}

impl Batches {
    fn new(samples: usize, size: Option<usize>, seed: u64) -> Self {
        let size = size.filter(|&b| b < samples);
        Self {
            order: (0..samples).collect(),
            next: samples,
            size,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Indices of the next minibatch, or `None` for full batch.
    fn next_batch(&mut self) -> Option<Vec<usize>> {
        let size = self.size?;
        if self.next + size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.next = 0;
        }
        let batch = self.order[self.next..self.next + size].to_vec();
        self.next += size;
        Some(batch)
    }
}

/// Frobenius norm of each block's weights, from the flat parameter vector.
fn block_norms(params: &[f64], params_per_block: usize) -> Vec<f64> {
    params
        .chunks(params_per_block)
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect()
}

/// Trains `net` in place on `data` and returns its [`History`].
///
/// Each step `t`: evaluate the full-data loss `ℓ(θ_t)`; stop with [`RunStatus::Diverged`] if it is not finite
/// or exceeds `divergence_factor · ℓ(θ_0)`; record it (every `record_every` steps); stop with
/// [`RunStatus::ReachedTarget`] if it is ≤ the target; otherwise update with the (minibatch) gradient.
/// Errors only for invalid settings or device failures — a diverging run is a status, not an error.
pub fn train<const D: usize, Net: Network<D>>(
    net: &mut Net,
    data: &Dataset<D>,
    config: &TrainConfig,
) -> Result<History> {
    config.validate()?;
    let batch_size = match config.optimiser {
        Optimiser::GradientDescent => None,
        Optimiser::Sgd { batch_size, .. } => Some(batch_size),
        Optimiser::Adam { batch_size } => batch_size,
    };
    let mut batches = Batches::new(data.len(), batch_size, config.seed);
    let mut states = States::new(net.blocks(), config);
    let mut gradient = StepGradient::new(net, config.gradient);
    let params_per_block = net.layers_per_block() * D * D;
    let mut records: Vec<StepRecord> = Vec::new();
    let mut losses: Vec<f64> = Vec::with_capacity(config.steps + 1);
    let mut initial_loss = None;
    for step in 0..=config.steps {
        let batch = batches
            .next_batch()
            .map(|idx| data.subset(&idx))
            .transpose()?;
        let full_loss = match &batch {
            None => gradient.loss_and_gradient(net, data)?,
            Some(_) => gradient.loss(net, data)?,
        };
        let threshold = initial_loss.map_or(f64::INFINITY, |l0: f64| {
            config.divergence_factor * l0.max(f64::MIN_POSITIVE)
        });
        if !full_loss.is_finite() || full_loss > threshold {
            let loss = full_loss.is_finite().then_some(full_loss);
            return Ok(History {
                records,
                losses,
                status: RunStatus::Diverged { step, loss },
            });
        }
        initial_loss.get_or_insert(full_loss);
        losses.push(full_loss);
        let last = step == config.steps;
        let reached = config.target_loss.is_some_and(|t| full_loss <= t);
        if let Some(subset) = &batch {
            gradient.loss_and_gradient(net, subset)?;
        }
        if step % config.record_every == 0 || last || reached {
            let grad_norm = gradient.norm(net);
            if !grad_norm.is_finite() {
                losses.pop();
                return Ok(History {
                    records,
                    losses,
                    status: RunStatus::Diverged {
                        step,
                        loss: Some(full_loss),
                    },
                });
            }
            records.push(StepRecord {
                step,
                loss: full_loss,
                grad_norm,
                block_norms: block_norms(&net.params(), params_per_block),
            });
        }
        if reached {
            return Ok(History {
                records,
                losses,
                status: RunStatus::ReachedTarget { step },
            });
        }
        if last {
            break;
        }
        let grads = gradient
            .gradients()
            .ok_or_else(|| Error::Optimizer("no gradient was computed for this step".into()))?;
        states.update(net.blocks_mut(), grads)?;
    }
    Ok(History {
        records,
        losses,
        status: RunStatus::Completed,
    })
}
