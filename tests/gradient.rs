//! The loss and its dfdx gradient: THEORY.md's worked example at zero, and backpropagation against central
//! finite differences of the loss at random points for every architecture and activation.
mod common;

use demystify_resnet::prelude::*;
use proptest::prelude::*;

#[test]
fn worked_example_loss_and_gradient_at_zero() {
    let data = common::worked_example();
    // ℓ(0) = 1/(2m) Σ‖(A − I)x‖² = 1.125.
    let (loss, grad) = ResNet::<2, 1>::zeros(2)
        .unwrap()
        .loss_and_gradient(&data)
        .unwrap();
    assert!((loss - 1.125).abs() < 1e-15);
    // Shortcut 1: ∂ℓ/∂W_l = −Mᵀ = −(A − I) for every unit, row-major [−1, −1, 0, −0.5].
    assert_eq!(grad, vec![-1.0, -1.0, 0.0, -0.5, -1.0, -1.0, 0.0, -0.5]);
    // Shortcut 2 and 3: the zero point is stationary, the gradient is exactly zero.
    for g in [
        ResNet::<2, 2>::zeros(4)
            .unwrap()
            .loss_and_gradient(&data)
            .unwrap()
            .1,
        ResNet::<2, 3>::zeros(4)
            .unwrap()
            .loss_and_gradient(&data)
            .unwrap()
            .1,
        ResNet::<2, 2, Tanh>::zeros(4)
            .unwrap()
            .loss_and_gradient(&data)
            .unwrap()
            .1,
    ] {
        assert!(g.iter().all(|&v| v == 0.0));
    }
}

fn assert_matches_finite_differences<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
) {
    let (_, g) = net.loss_and_gradient(data).unwrap();
    let fd = common::fd_gradient(net, data, 1e-5);
    let scale = g.iter().map(|v| v.abs()).fold(1.0, f64::max);
    let err = common::max_abs_diff(&g, &fd);
    assert!(
        err < 1e-7 * scale,
        "{}: max |backprop − fd| = {err:e}",
        net.describe()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// dfdx backpropagation = central differences of the loss (h = 1e-5, error O(h²)), at random points.
    #[test]
    fn gradient_matches_finite_differences(seed in 0u64..10_000, depth in 1usize..4) {
        let data = common::teacher::<3>(12, seed);
        let init = Init::SmallGaussian { std: 0.5 };
        assert_matches_finite_differences(&ResNet::<3, 1>::new(depth, &init, seed).unwrap(), &data);
        assert_matches_finite_differences(&ResNet::<3, 2>::new(depth, &init, seed).unwrap(), &data);
        assert_matches_finite_differences(&ResNet::<3, 3, Tanh>::new(depth, &init, seed).unwrap(), &data);
        assert_matches_finite_differences(&ResNet::<3, 2, Tanh>::new(depth, &init, seed).unwrap(), &data);
        assert_matches_finite_differences(&PlainNet::<3, Tanh>::new(depth, &Init::XavierNormal, seed).unwrap(), &data);
    }
}

/// Loss is ½‖y − f(x)‖² averaged over samples: duplicating every sample leaves it unchanged.
#[test]
fn loss_is_a_mean_over_samples() {
    let data = common::teacher::<4>(10, 3);
    let doubled = data
        .subset(&(0..20).map(|i| i % 10).collect::<Vec<_>>())
        .unwrap();
    let net = ResNet::<4, 2>::new(3, &Init::XavierNormal, 1).unwrap();
    let (a, b) = (net.loss(&data).unwrap(), net.loss(&doubled).unwrap());
    assert!((a - b).abs() < 1e-14 * a.max(1.0));
}
