//! The fused training pass against its reference, dfdx's autodiff: the loss and the gradient agree to rounding
//! (≤ 1e-12 relative) for every architecture (shortcut 1, 2, 3; plain) and activation (linear, tanh, ReLU), at
//! sample counts that split into one or several chunks with remainders, also when one pass is reused across
//! sizes; training with either gradient path gives the same history to rounding (GD, SGD with momentum, Adam);
//! and the pass gives bit-identical numbers whatever the number of threads.
mod common;

use common::{in_pool, rel_vec_error as relative_error, unwhitened_teacher as data};
use demystify_resnet::net::{ReLU, Tanh};
use demystify_resnet::prelude::*;
use demystify_resnet::train::{FusedPass, GradientPath};
use proptest::prelude::*;

/// The fused pass's loss (forward only, and with the gradient) and gradient equal dfdx's.
fn check<const D: usize, Net: Network<D> + FlatParams<D>>(net: &Net, data: &Dataset<D>) {
    let (loss, gradient) = net.loss_and_gradient(data).unwrap();
    let mut pass = FusedPass::new(net);
    let forward_only = pass.loss(net, data).unwrap();
    let (fused_loss, fused_gradient) = pass.loss_and_gradient(net, data).unwrap();
    let what = format!("{} on {} samples", net.describe(), data.len());
    assert!(
        (fused_loss - loss).abs() <= 1e-13 * loss.abs(),
        "{what}: loss {fused_loss} vs dfdx {loss}"
    );
    assert_eq!(forward_only, fused_loss, "{what}: forward-only loss");
    let err = relative_error(fused_gradient, &gradient);
    assert!(
        err <= 1e-12,
        "{what}: gradient vs dfdx, relative error {err:e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Every architecture and activation, at random weights, depths and sample counts (1 to 300: one chunk,
    /// several chunks, a last chunk shorter than the others, fewer than four samples in a block).
    #[test]
    fn fused_pass_equals_dfdx_autodiff(seed in 0u64..10_000, depth in 1usize..5, samples in 1usize..300, std in 0.05f64..0.7) {
        let d3 = data::<3>(seed, samples);
        let d8 = data::<8>(seed, samples);
        let init = Init::SmallGaussian { std };
        check(&ResNet::<3, 1>::new(depth, &init, seed).unwrap(), &d3);
        check(&ResNet::<8, 2>::new(depth, &init, seed).unwrap(), &d8);
        check(&ResNet::<3, 3>::new(depth, &init, seed).unwrap(), &d3);
        check(&ResNet::<8, 1, Tanh>::new(depth, &init, seed).unwrap(), &d8);
        check(&ResNet::<3, 2, Tanh>::new(depth, &init, seed).unwrap(), &d3);
        check(&ResNet::<3, 3, Tanh>::new(depth, &init, seed).unwrap(), &d3);
        check(&ResNet::<8, 2, ReLU>::new(depth, &init, seed).unwrap(), &d8);
        check(&ResNet::<3, 3, ReLU>::new(depth, &init, seed).unwrap(), &d3);
        check(&PlainNet::<3>::new(depth + 1, &init, seed).unwrap(), &d3);
        check(&PlainNet::<8, Tanh>::new(depth + 1, &init, seed).unwrap(), &d8);
        check(&PlainNet::<3, ReLU>::new(depth, &init, seed).unwrap(), &d3);
    }
}

/// With every unit's first layer at zero and its second random, every pre-activation is 0, so the first layers'
/// gradient is `relu'(0)` times a non-zero matrix (the same weights in a linear network, slope 1, give it), and
/// the second layers' is zero (their input σ(0) = 0). dfdx uses relu'(0) = 0 and so must the fused pass. (At the
/// all-zero point the gradient is zero whatever relu'(0) is, so that point alone could not tell.)
#[test]
fn fused_pass_uses_autodiffs_relu_convention_at_the_kink() {
    let d = data::<4>(3, 50);
    let mut p = ResNet::<4, 2>::new(3, &Init::SmallGaussian { std: 0.5 }, 4)
        .unwrap()
        .params();
    for unit in p.chunks_exact_mut(2 * 16) {
        unit[..16].fill(0.0);
    }
    let mut linear = ResNet::<4, 2>::zeros(3).unwrap();
    linear.set_params(&p).unwrap();
    let (_, slope_one) = linear.loss_and_gradient(&d).unwrap();
    assert!(
        slope_one
            .chunks_exact(2 * 16)
            .all(|u| u[..16].iter().any(|g| *g != 0.0)),
        "with slope 1 at the kink the first layers' gradient is not zero"
    );
    let mut relu = ResNet::<4, 2, ReLU>::zeros(3).unwrap();
    relu.set_params(&p).unwrap();
    let (_, autodiff) = relu.loss_and_gradient(&d).unwrap();
    assert!(autodiff.iter().all(|g| *g == 0.0), "dfdx: relu'(0) = 0");
    check(&relu, &d);
}

/// One pass reused for data of different sizes (one chunk, a remainder block of 1 to 3 samples, exactly one and
/// just over one chunk of 32, several chunks with a shorter last one, and back): each call equals dfdx on its own
/// data, so nothing from a larger earlier call leaks into a smaller later one.
#[test]
fn a_reused_pass_equals_dfdx_at_every_size() {
    let net = ResNet::<8, 2, Tanh>::new(3, &Init::SmallGaussian { std: 0.3 }, 8).unwrap();
    let mut pass = FusedPass::new(&net);
    for samples in [300, 1, 2, 3, 7, 31, 32, 33, 256, 257, 300] {
        let d = data::<8>(samples as u64, samples);
        let (loss, gradient) = net.loss_and_gradient(&d).unwrap();
        let (fused_loss, fused_gradient) = pass.loss_and_gradient(&net, &d).unwrap();
        assert!(
            (fused_loss - loss).abs() <= 1e-13 * loss,
            "{samples} samples: loss"
        );
        assert!(
            relative_error(fused_gradient, &gradient) <= 1e-12,
            "{samples} samples: gradient"
        );
    }
}

/// Width 16 and 32 (the sizes of the training benchmark) at a size of several chunks.
#[test]
fn fused_pass_equals_dfdx_at_the_benchmark_widths() {
    let init = Init::SmallGaussian { std: 0.05 };
    check(
        &ResNet::<16, 2>::new(6, &init, 1).unwrap(),
        &data::<16>(1, 300),
    );
    check(
        &ResNet::<32, 2, Tanh>::new(3, &init, 2).unwrap(),
        &data::<32>(2, 260),
    );
}

/// Training with the fused gradient and with dfdx's autodiff gives the same losses and gradient norms to
/// rounding, for every optimiser (the update is dfdx's optimiser in both).
#[test]
fn training_paths_agree() {
    let d = data::<4>(7, 100);
    let optimisers = [
        Optimiser::GradientDescent,
        Optimiser::Sgd {
            batch_size: 30,
            momentum: 0.9,
        },
        Optimiser::Adam { batch_size: None },
        Optimiser::Adam {
            batch_size: Some(40),
        },
    ];
    for optimiser in optimisers {
        let run = |gradient| {
            let mut net =
                ResNet::<4, 2, Tanh>::new(5, &Init::SmallGaussian { std: 0.1 }, 3).unwrap();
            let config = TrainConfig {
                learning_rate: 0.05,
                steps: 60,
                optimiser,
                gradient,
                record_every: 10,
                ..Default::default()
            };
            (train(&mut net, &d, &config).unwrap(), net.params())
        };
        let (fused, fused_params) = run(GradientPath::Fused);
        let (dfdx, dfdx_params) = run(GradientPath::DfdxAutodiff);
        assert_eq!(fused.status, dfdx.status, "{optimiser:?}");
        assert!(
            relative_error(&fused.losses, &dfdx.losses) <= 1e-10,
            "{optimiser:?}: losses"
        );
        let norms = |h: &History| h.records.iter().map(|r| r.grad_norm).collect::<Vec<_>>();
        assert!(
            relative_error(&norms(&fused), &norms(&dfdx)) <= 1e-10,
            "{optimiser:?}: gradient norms"
        );
        assert!(
            relative_error(&fused_params, &dfdx_params) <= 1e-10,
            "{optimiser:?}: final weights"
        );
    }
}

/// The chunks depend on the sample count only and are summed in order: 1, 2, 3 and 8 threads give the same bits,
/// on a first call and on a second call of the same pass.
#[test]
fn fused_pass_is_identical_for_any_thread_count() {
    let d = data::<8>(5, 1000);
    let net = ResNet::<8, 2, Tanh>::new(4, &Init::SmallGaussian { std: 0.2 }, 9).unwrap();
    let run = |threads| {
        in_pool(threads, || {
            let mut pass = FusedPass::new(&net);
            let (loss, g) = pass.loss_and_gradient(&net, &d).unwrap();
            let first = (loss, g.to_vec());
            let (loss, g) = pass.loss_and_gradient(&net, &d).unwrap();
            assert_eq!(first, (loss, g.to_vec()), "{threads} threads: second call");
            first
        })
    };
    let one = run(1);
    for threads in [2, 3, 8] {
        assert_eq!(one, run(threads), "{threads} threads");
    }
}

/// A network of another shape than the pass was made for is an error, not a panic.
#[test]
fn fused_pass_rejects_a_network_of_another_depth() {
    let d = data::<3>(0, 10);
    let mut pass = FusedPass::new(&ResNet::<3, 2>::zeros(2).unwrap());
    assert!(pass
        .loss_and_gradient(&ResNet::<3, 2>::zeros(3).unwrap(), &d)
        .is_err());
}

/// … and so is a network of another architecture or activation with as many layers.
#[test]
fn fused_pass_rejects_a_network_of_another_architecture() {
    let d = data::<3>(0, 10);
    let mut pass = FusedPass::new(&ResNet::<3, 2>::zeros(2).unwrap());
    assert!(pass
        .loss(&PlainNet::<3>::new(4, &Init::Zero, 0).unwrap(), &d)
        .is_err());
    assert!(pass
        .loss(&ResNet::<3, 2, Tanh>::zeros(2).unwrap(), &d)
        .is_err());
}
