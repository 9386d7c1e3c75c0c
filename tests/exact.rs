//! The exact Hessian engine (R-operator, forward over reverse) against its independent cross-checks: dfdx's
//! loss and gradient, the finite-difference Hessian of dfdx gradients at random points (≤ 1e-8 relative, the
//! differences' own floor), the closed forms at zero (≤ 1e-12 relative), symmetry, linearity of `v ↦ H v`,
//! batched products against dense columns, and the ReLU-at-kink convention (relu'(0) = 0).
mod common;

use common::{in_pool, rel_matrix_error, rel_vec_error, unwhitened_teacher as data};
use demystify_resnet::faer::Mat;
use demystify_resnet::hessian::*;
use demystify_resnet::net::{ReLU, Tanh};
use demystify_resnet::prelude::*;
use proptest::prelude::*;

fn fd() -> HessianOptions {
    HessianOptions {
        method: HessianMethod::FiniteDifference,
        ..Default::default()
    }
}

/// Loss, gradient vs dfdx; dense exact Hessian vs finite differences; symmetry; returns the exact matrix.
fn check_against_dfdx<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    fd_tol: f64,
) -> Mat<f64> {
    let uncompressed = HessianOptions {
        moment_compression: false,
        ..Default::default()
    };
    let engine = ExactHessian::new(net, data, &uncompressed).unwrap();
    let (loss, gradient) = net.loss_and_gradient(data).unwrap();
    assert!(
        (engine.loss() - loss).abs() <= 1e-13 * loss.abs().max(1e-300),
        "{} vs {loss}",
        engine.loss()
    );
    assert!(
        rel_vec_error(engine.gradient(), &gradient) <= 1e-12,
        "gradient vs dfdx"
    );
    let exact = hessian_at(net, data, &HessianOptions::default()).unwrap();
    assert!(exact.asymmetry <= 1e-13, "asymmetry {}", exact.asymmetry);
    let reference = finite_difference_hessian(net, data, &fd()).unwrap();
    let err = rel_matrix_error(&exact.matrix, &reference.matrix);
    assert!(
        err <= fd_tol,
        "{}: exact vs finite differences {err:e}",
        net.describe()
    );
    exact.matrix
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// At random points of every architecture and activation, the exact Hessian equals the finite-difference
    /// one to the differences' accuracy, and the loss and gradient equal dfdx's.
    #[test]
    fn exact_matches_finite_differences_at_random_points(seed in 0u64..10_000, depth in 1usize..4, std in 0.05f64..0.6) {
        let d = data::<3>(seed, 7);
        let init = Init::SmallGaussian { std };
        check_against_dfdx(&ResNet::<3, 1>::new(depth, &init, seed).unwrap(), &d, 1e-8);
        check_against_dfdx(&ResNet::<3, 2>::new(depth, &init, seed).unwrap(), &d, 1e-8);
        check_against_dfdx(&ResNet::<3, 3, Tanh>::new(depth, &init, seed).unwrap(), &d, 1e-8);
        check_against_dfdx(&ResNet::<3, 2, Tanh>::new(depth, &init, seed).unwrap(), &d, 1e-8);
        check_against_dfdx(&PlainNet::<3, Tanh>::new(depth + 1, &init, seed).unwrap(), &d, 1e-8);
        check_against_dfdx(&PlainNet::<3>::new(depth + 1, &init, seed).unwrap(), &d, 1e-8);
    }

    /// ReLU away from the kink (random weights and data: no pre-activation is exactly 0).
    #[test]
    fn exact_matches_finite_differences_for_relu(seed in 0u64..10_000, depth in 1usize..4) {
        let d = data::<3>(seed, 6);
        let init = Init::SmallGaussian { std: 0.4 };
        check_against_dfdx(&ResNet::<3, 2, ReLU>::new(depth, &init, seed).unwrap(), &d, 1e-7);
    }

    /// At the zero point, the exact Hessian equals the closed form to rounding, for shortcut 1, 2, 3.
    #[test]
    fn exact_equals_closed_form_at_zero(seed in 0u64..10_000, depth in 1usize..5) {
        let d = data::<4>(seed, 40);
        let opts = HessianOptions::default();
        for (n, exact) in [
            (1, hessian_at(&ResNet::<4, 1>::zeros(depth).unwrap(), &d, &opts).unwrap()),
            (2, hessian_at(&ResNet::<4, 2>::zeros(depth).unwrap(), &d, &opts).unwrap()),
            (3, hessian_at(&ResNet::<4, 3>::zeros(depth).unwrap(), &d, &opts).unwrap()),
        ] {
            let closed = theory::hessian_at_zero(n, depth, &d.moments(), 1.0).unwrap();
            let scale = closed.as_ref().norm_max().max(1.0);
            let err = max_abs_difference(exact.matrix.as_ref(), closed.as_ref()).unwrap() / scale;
            prop_assert!(err <= 1e-12, "n={n} L={depth}: {err:e}");
        }
    }

    /// Batched products equal the dense matrix's columns and are linear in v; moment compression does not
    /// change them (linear network).
    #[test]
    fn products_are_columns_of_the_dense_matrix(seed in 0u64..10_000, depth in 1usize..4) {
        let d = data::<3>(seed, 20);
        let net = ResNet::<3, 2>::new(depth, &Init::SmallGaussian { std: 0.3 }, seed).unwrap();
        let p = net.num_params();
        let engine = ExactHessian::new(&net, &d, &HessianOptions::default()).unwrap();
        let h = engine.dense(&HessianOptions::default()).unwrap().matrix;
        let v: Vec<Vec<f64>> = (0..3).map(|k| (0..p).map(|i| ((i * 7 + k * 13 + seed as usize) % 11) as f64 - 5.0).collect()).collect();
        let refs: Vec<&[f64]> = v.iter().map(|x| x.as_slice()).collect();
        let hv = engine.products(&refs).unwrap();
        for (k, col) in hv.iter().enumerate() {
            let dense: Vec<f64> = (0..p).map(|i| (0..p).map(|j| h[(i, j)] * v[k][j]).sum()).collect();
            prop_assert!(rel_vec_error(col, &dense) <= 1e-12);
        }
        let sum: Vec<f64> = v[0].iter().zip(&v[1]).map(|(a, b)| 2.0 * a - b).collect();
        let hsum = engine.products(&[&sum]).unwrap();
        let combo: Vec<f64> = hv[0].iter().zip(&hv[1]).map(|(a, b)| 2.0 * a - b).collect();
        prop_assert!(rel_vec_error(&hsum[0], &combo) <= 1e-12);
        let plain = ExactHessian::new(&net, &d, &HessianOptions { moment_compression: false, ..Default::default() }).unwrap();
        prop_assert!(plain.samples_used() == 20 && engine.samples_used() <= 6);
        let full = plain.products(&refs).unwrap();
        for (a, b) in hv.iter().zip(&full) {
            prop_assert!(rel_vec_error(a, b) <= 1e-10);
        }
    }
}

/// ReLU at the zero point: every pre-activation is 0, relu'(0) = 0 (dfdx's convention), so the exact Hessian is
/// the zero matrix — the closed form with slope 0 — while the finite differences of gradients straddle the kink.
#[test]
fn relu_at_the_kink_follows_autodiff() {
    let d = data::<3>(1, 10);
    let net = ResNet::<3, 2, ReLU>::zeros(3).unwrap();
    let exact = hessian_at(&net, &d, &HessianOptions::default()).unwrap();
    assert_eq!(exact.matrix.as_ref().norm_max(), 0.0);
    let straddle = finite_difference_hessian(&net, &d, &fd()).unwrap();
    assert!(
        straddle.matrix.as_ref().norm_max() > 0.0 && straddle.asymmetry > 0.5,
        "{}",
        straddle.asymmetry
    );
}

/// The engine refuses wrong-length directions and matrices above the dense-size limit, before allocating.
#[test]
fn exact_engine_errors() {
    let d = data::<3>(1, 10);
    let net = ResNet::<3, 2>::zeros(2).unwrap();
    let engine = ExactHessian::new(&net, &d, &HessianOptions::default()).unwrap();
    assert!(engine.products(&[&[1.0, 2.0]]).is_err());
    let tight = HessianOptions {
        max_dense_bytes: 1000,
        ..Default::default()
    };
    assert!(matches!(
        exact_hessian(&net, &d, &tight),
        Err(Error::TooLarge { .. })
    ));
    assert!(engine.products(&[]).unwrap().is_empty());
}

/// Same result for 1 and 2 threads, bit for bit.
#[test]
fn exact_hessian_is_thread_count_invariant() {
    let d = data::<3>(5, 30);
    let net = ResNet::<3, 2, Tanh>::new(6, &Init::SmallGaussian { std: 0.2 }, 5).unwrap();
    let run = |threads| {
        in_pool(threads, || {
            hessian_at(&net, &d, &HessianOptions::default())
                .unwrap()
                .matrix
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(max_abs_difference(a.as_ref(), b.as_ref()).unwrap(), 0.0);
}
