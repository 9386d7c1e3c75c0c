//! The Hessian engine against THEORY.md: the worked example to 6 significant digits, numeric vs closed form at
//! zero for random data and widths, depth invariance for shortcut 2, flatness for shortcut ≥ 3, activations,
//! symmetry and HVPs at random points, matrix-free methods vs dense, per-unit blocks, thread invariance.
mod common;

use common::rel_matrix_error;
use demystify_resnet::faer::Mat;
use demystify_resnet::hessian::blocks::{block_range, unit_block, unit_block_spectra};
use demystify_resnet::hessian::lanczos::{
    extreme_eigenvalues, hutchinson_trace, spectral_density, LanczosOptions, Which,
};
use demystify_resnet::hessian::*;
use demystify_resnet::prelude::*;
use proptest::prelude::*;

fn rel_close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

fn max_abs(a: &Mat<f64>) -> f64 {
    (0..a.ncols())
        .flat_map(|j| (0..a.nrows()).map(move |i| (i, j)))
        .map(|(i, j)| a[(i, j)].abs())
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------------------------------------------------
// THEORY.md's worked example (d = 2, m = 4, A = [[2, 1], [0, 1.5]]).

#[test]
fn worked_example_shortcut_one_spectrum_at_depth_two() {
    let data = common::worked_example();
    let expected = [
        -1.07067, 0.18690, 0.25757, 1.0, 1.0, 1.74243, 1.81310, 3.07067,
    ];
    let closed = theory::closed_form_spectrum(1, 2, &data.moments(), 1.0)
        .unwrap()
        .eigenvalues();
    let net = ResNet::<2, 1>::zeros(2).unwrap();
    let h = hessian_at(&net, &data, &HessianOptions::default()).unwrap();
    let numeric = spectrum_of(h.matrix.as_ref(), None).unwrap().eigenvalues();
    // THEORY.md prints five decimals: agree to half a unit in the last printed place.
    for ((e, c), n) in expected.iter().zip(&closed).zip(&numeric) {
        assert!((c - e).abs() <= 5e-6, "closed form {c} vs THEORY {e}");
        assert!((n - e).abs() <= 5e-6, "numeric {n} vs THEORY {e}");
        assert!(
            (n - c).abs() <= 1e-9 * c.abs().max(1.0),
            "numeric {n} vs closed form {c}"
        );
    }
}

#[test]
fn worked_example_shortcut_one_condition_number_grows_with_depth() {
    let mo = common::worked_example().moments();
    let expected = [
        (1, 1.0),
        (2, 16.4294),
        (3, 24.007),
        (4, 39.9012),
        (8, 129.953),
        (16, 353.385),
        (32, 808.4),
        (64, 1693.75),
        (128, 3437.55),
    ];
    for (depth, cond) in expected {
        let c = theory::closed_form_spectrum(1, depth, &mo, 1.0)
            .unwrap()
            .condition_number()
            .unwrap();
        // THEORY.md prints 4–6 significant digits; match to the digits printed.
        assert!(rel_close(c, cond, 5e-5), "L = {depth}: {c} vs {cond}");
    }
    // The numeric Hessian agrees at the depths small enough to assemble quickly.
    for depth in [2, 4, 8] {
        let h = hessian_at(
            &ResNet::<2, 1>::zeros(depth).unwrap(),
            &common::worked_example(),
            &HessianOptions::default(),
        )
        .unwrap();
        let numeric = spectrum_of(h.matrix.as_ref(), None)
            .unwrap()
            .condition_number()
            .unwrap();
        let closed = theory::closed_form_spectrum(1, depth, &mo, 1.0)
            .unwrap()
            .condition_number()
            .unwrap();
        assert!(
            rel_close(numeric, closed, 1e-6),
            "L = {depth}: numeric {numeric} vs closed {closed}"
        );
    }
}

#[test]
fn worked_example_shortcut_two_is_depth_invariant() {
    let data = common::worked_example();
    let mo = data.moments();
    let sv = theory::singular_values(&mo.m).unwrap();
    assert!(rel_close(sv[0], 1.460405, 1e-6) && rel_close(sv[1], 0.342371, 1e-6));
    for depth in [1, 2, 5, 10, 100, 10_000] {
        let s = theory::closed_form_spectrum(2, depth, &mo, 1.0).unwrap();
        assert!(rel_close(s.condition_number().unwrap(), 4.265564, 1e-6));
        assert_eq!(s.dim(), 8 * depth);
        // ±σ_i(M), each with multiplicity d·L = 2L.
        let d = s.distinct();
        assert_eq!(d.len(), 4);
        assert!(d.iter().all(|&(_, m)| m == 2 * depth));
        assert!(rel_close(d[0].0, -1.460405, 1e-6) && rel_close(d[3].0, 1.460405, 1e-6));
        assert_eq!(s.negative_fraction(), 0.5);
    }
    for depth in [1, 3, 6] {
        let h = hessian_at(
            &ResNet::<2, 2>::zeros(depth).unwrap(),
            &data,
            &HessianOptions::default(),
        )
        .unwrap();
        let s = spectrum_of(h.matrix.as_ref(), Some(8)).unwrap();
        assert!(rel_close(s.condition_number().unwrap(), 4.265564, 1e-6));
        let clusters = s.clustered(1e-6);
        assert_eq!(
            clusters.iter().map(|c| c.1).collect::<Vec<_>>(),
            vec![2 * depth; 4]
        );
    }
}

#[test]
fn worked_example_shortcut_three_is_flat() {
    let data = common::worked_example();
    let net = ResNet::<2, 3>::zeros(3).unwrap();
    let h = hessian_at(&net, &data, &HessianOptions::default()).unwrap();
    assert!(max_abs(&h.matrix) < 1e-10);
    let s = spectrum_of(h.matrix.as_ref(), None).unwrap();
    assert!(s.is_flat());
    assert_eq!(
        s.condition_number(),
        None,
        "a flat Hessian has no condition number (not NaN)"
    );
    assert_eq!(s.negative_fraction(), 0.0);
    assert!(theory::closed_form_spectrum(3, 3, &data.moments(), 1.0)
        .unwrap()
        .is_flat());
}

// ---------------------------------------------------------------------------------------------------------
// Random data and widths: numeric Hessian at zero = closed form.

fn check_zero_point<const D: usize>(seed: u64, depth: usize) {
    let data = Teacher {
        samples: 3 * D + 5,
        whiten: false,
        noise_std: 0.3,
        scale: 1.0,
        seed,
    }
    .generate::<D>()
    .unwrap()
    .data;
    let mo = data.moments();
    let opts = HessianOptions::default();
    let h1 = hessian_at(&ResNet::<D, 1>::zeros(depth).unwrap(), &data, &opts).unwrap();
    let t1 = theory::hessian_at_zero(1, depth, &mo, 1.0).unwrap();
    assert!(
        rel_matrix_error(&h1.matrix, &t1) < 1e-7,
        "D={D} n=1: {:e}",
        rel_matrix_error(&h1.matrix, &t1)
    );
    let h2 = hessian_at(&ResNet::<D, 2>::zeros(depth).unwrap(), &data, &opts).unwrap();
    let t2 = theory::hessian_at_zero(2, depth, &mo, 1.0).unwrap();
    assert!(
        rel_matrix_error(&h2.matrix, &t2) < 1e-7,
        "D={D} n=2: {:e}",
        rel_matrix_error(&h2.matrix, &t2)
    );
    let h3 = hessian_at(&ResNet::<D, 3>::zeros(depth).unwrap(), &data, &opts).unwrap();
    assert!(
        max_abs(&h3.matrix) < 1e-10,
        "D={D} n=3 not zero: {:e}",
        max_abs(&h3.matrix)
    );
    let h4 = hessian_at(&ResNet::<D, 4>::zeros(depth).unwrap(), &data, &opts).unwrap();
    assert!(max_abs(&h4.matrix) < 1e-10, "D={D} n=4 not zero");
    // Gradient at zero: −Mᵀ per unit for n = 1, zero for n ≥ 2.
    let g1 = ResNet::<D, 1>::zeros(depth)
        .unwrap()
        .loss_and_gradient(&data)
        .unwrap()
        .1;
    assert!(common::max_abs_diff(&g1, &theory::gradient_at_zero(1, depth, &mo).unwrap()) < 1e-12);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn hessian_at_at_zero_equals_closed_form(seed in 0u64..100_000, depth in 1usize..4) {
        check_zero_point::<2>(seed, depth);
        check_zero_point::<3>(seed, depth);
        check_zero_point::<4>(seed, depth);
    }

    /// The numeric Hessian is bitwise the same whether 1 or 2 threads compute its columns.
    #[test]
    fn hessian_at_is_thread_count_invariant(seed in 0u64..100_000) {
        let data = common::teacher::<3>(20, seed);
        let net = ResNet::<3, 2, Tanh>::new(3, &Init::XavierNormal, seed).unwrap();
        let run = |threads: usize| {
            common::in_pool(threads, || hessian_at(&net, &data, &HessianOptions::default()).unwrap().matrix)
        };
        let (one, two) = (run(1), run(2));
        prop_assert_eq!(rel_matrix_error(&one, &two), 0.0);
    }
}

#[test]
fn hessian_at_at_zero_equals_closed_form_at_width_eight() {
    check_zero_point::<8>(7, 2);
}

/// Shortcut 2: the numeric condition number at zero is the same at L = 1, 4, 16, 64 (and equals σ_max/σ_min).
#[test]
fn shortcut_two_condition_number_is_depth_invariant_numerically() {
    let data = common::teacher::<3>(40, 11);
    let expected = theory::shortcut_two_condition_number(&data.moments())
        .unwrap()
        .unwrap();
    for depth in [1, 4, 16, 64] {
        let h = hessian_at(
            &ResNet::<3, 2>::zeros(depth).unwrap(),
            &data,
            &HessianOptions::default(),
        )
        .unwrap();
        let cond = spectrum_of(h.matrix.as_ref(), Some(18))
            .unwrap()
            .condition_number()
            .unwrap();
        assert!(
            rel_close(cond, expected, 1e-8),
            "L = {depth}: {cond} vs {expected}"
        );
    }
}

/// The dense solver and the block-diagonal path agree on the shortcut-2 Hessian at zero.
#[test]
fn block_diagonal_path_matches_dense() {
    let data = common::teacher::<3>(30, 2);
    let h = hessian_at(
        &ResNet::<3, 2>::zeros(5).unwrap(),
        &data,
        &HessianOptions::default(),
    )
    .unwrap();
    let blockwise = eigen::block_diagonal_eigenvalues(h.matrix.as_ref(), 18)
        .unwrap()
        .expect("block diagonal at zero");
    let dense = symmetric_eigenvalues(h.matrix.as_ref()).unwrap();
    assert!(common::max_abs_diff(&blockwise, &dense) < 1e-12);
    // Not block diagonal away from zero: the structured path declines.
    let h = hessian_at(
        &ResNet::<3, 2>::new(5, &Init::XavierNormal, 1).unwrap(),
        &data,
        &HessianOptions::default(),
    )
    .unwrap();
    assert!(eigen::block_diagonal_eigenvalues(h.matrix.as_ref(), 18)
        .unwrap()
        .is_none());
}

#[test]
fn eigen_backends_agree() {
    let data = common::teacher::<3>(30, 4);
    let h = hessian_at(
        &ResNet::<3, 2, Tanh>::new(4, &Init::XavierNormal, 3).unwrap(),
        &data,
        &HessianOptions::default(),
    )
    .unwrap();
    let faer = symmetric_eigenvalues_with(h.matrix.as_ref(), EigenBackend::Faer).unwrap();
    match symmetric_eigenvalues_with(h.matrix.as_ref(), EigenBackend::Lapack) {
        Ok(lapack) => {
            assert_eq!(EigenBackend::best_available(), EigenBackend::Lapack);
            let scale = faer.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            assert!(common::max_abs_diff(&faer, &lapack) < 1e-12 * scale);
        }
        Err(e) => {
            assert_eq!(EigenBackend::best_available(), EigenBackend::Faer);
            assert!(matches!(e, Error::Unsupported(_)));
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Activations at zero.

#[test]
fn tanh_gives_the_linear_spectrum_at_zero() {
    let data = common::teacher::<3>(25, 5);
    let opts = HessianOptions::default();
    let lin = hessian_at(&ResNet::<3, 2>::zeros(3).unwrap(), &data, &opts).unwrap();
    let tanh = hessian_at(&ResNet::<3, 2, Tanh>::zeros(3).unwrap(), &data, &opts).unwrap();
    assert!(rel_matrix_error(&tanh.matrix, &lin.matrix) < 1e-8);
    assert_eq!(
        tanh.samples_used, 25,
        "nonlinear networks are never moment-compressed"
    );
    assert!(
        lin.samples_used <= 6,
        "linear networks are moment-compressed"
    );
    let s = spectrum_of(tanh.matrix.as_ref(), None).unwrap();
    let expected = theory::closed_form_spectrum(
        2,
        3,
        &data.moments(),
        ActivationKind::Tanh.autodiff_slope_at_zero(),
    )
    .unwrap();
    assert!(rel_close(
        s.condition_number().unwrap(),
        expected.condition_number().unwrap(),
        1e-7
    ));
    // Shortcut 3 with tanh is still flat.
    let h3 = hessian_at(&ResNet::<3, 3, Tanh>::zeros(2).unwrap(), &data, &opts).unwrap();
    assert!(max_abs(&h3.matrix) < 1e-10);
}

/// ReLU is not twice differentiable at 0, where every pre-activation sits. Three honest answers:
/// second differences of the loss see slope ½ (H = ½ H_linear); autodiff (relu'(0) = 0) sees H = 0; finite
/// differences of dfdx gradients straddle the kink in one block and not the other, which the asymmetry exposes.
#[test]
fn relu_at_zero_shows_both_conventions() {
    let data = common::teacher::<2>(16, 8);
    let mo = data.moments();
    let relu = ResNet::<2, 2, ReLU>::zeros(2).unwrap();
    let linear = theory::hessian_at_zero(2, 2, &mo, 1.0).unwrap();

    let central = loss_hessian(&relu, &data, &HessianOptions::default()).unwrap();
    let half = theory::hessian_at_zero(
        2,
        2,
        &mo,
        ActivationKind::Relu.central_difference_slope_at_zero(),
    )
    .unwrap();
    assert!(
        rel_matrix_error(&central.matrix, &half) < 1e-5,
        "{:e}",
        rel_matrix_error(&central.matrix, &half)
    );
    assert!(rel_matrix_error(&central.matrix, &linear) > 0.4);

    let autodiff =
        theory::hessian_at_zero(2, 2, &mo, ActivationKind::Relu.autodiff_slope_at_zero()).unwrap();
    assert_eq!(max_abs(&autodiff), 0.0);

    // The exact engine uses autodiff's convention too.
    let exact = hessian_at(&relu, &data, &HessianOptions::default()).unwrap();
    assert_eq!(max_abs(&exact.matrix), 0.0);

    let mixed = hessian_at(
        &relu,
        &data,
        &HessianOptions {
            method: HessianMethod::FiniteDifference,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        (mixed.asymmetry - 1.0).abs() < 1e-6,
        "asymmetry {}",
        mixed.asymmetry
    );
    let quarter = theory::hessian_at_zero(2, 2, &mo, 0.25).unwrap();
    assert!(rel_matrix_error(&mixed.matrix, &quarter) < 1e-6);
}

// ---------------------------------------------------------------------------------------------------------
// Random non-zero points: symmetry, HVP, matrix-free methods.

fn random_point() -> (ResNet<3, 2, Tanh>, Dataset<3>, Mat<f64>) {
    let data = common::teacher::<3>(30, 21);
    let net = ResNet::<3, 2, Tanh>::new(3, &Init::XavierNormal, 5).unwrap();
    let h = hessian_at(&net, &data, &HessianOptions::default()).unwrap();
    assert!(h.asymmetry < 1e-8, "asymmetry {:e}", h.asymmetry);
    (net, data, h.matrix)
}

#[test]
fn hessian_vector_product_matches_dense_product() {
    let (net, data, h) = random_point();
    let op = HessianOperator::new(&net, &data, &HessianOptions::default()).unwrap();
    assert_eq!(op.dim(), 54);
    for k in 0..3 {
        let v: Vec<f64> = (0..54)
            .map(|i| ((i * 7 + k * 13) % 11) as f64 - 5.0)
            .collect();
        let hv = op.apply(&v).unwrap();
        let dense = SymmetricOperator::apply(&h, &v).unwrap();
        let scale = dense.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        assert!(common::max_abs_diff(&hv, &dense) < 1e-6 * scale);
    }
    assert!(matches!(
        op.apply(&[1.0; 3]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(op.apply(&[0.0; 54]).unwrap(), vec![0.0; 54]);
}

#[test]
fn lanczos_extremes_match_dense_eigenvalues() {
    let (net, data, h) = random_point();
    let dense = symmetric_eigenvalues(h.as_ref()).unwrap();
    let opts = LanczosOptions::default();
    // On the dense matrix the algorithm itself is checked to 1e-8 relative.
    let top = extreme_eigenvalues(&h, 3, Which::Largest, &opts).unwrap();
    let bottom = extreme_eigenvalues(&h, 3, Which::Smallest, &opts).unwrap();
    assert!(top.converged && bottom.converged);
    for k in 0..3 {
        assert!(
            rel_close(top.values[k], dense[dense.len() - 1 - k], 1e-8),
            "{} vs {}",
            top.values[k],
            dense[dense.len() - 1 - k]
        );
        assert!(
            rel_close(bottom.values[k], dense[k], 1e-8)
                || (bottom.values[k] - dense[k]).abs() < 1e-8 * dense.last().unwrap().abs()
        );
    }
    // On the matrix-free finite-difference HVP, to finite-difference accuracy.
    let op = HessianOperator::new(&net, &data, &HessianOptions::default()).unwrap();
    let top_fd = extreme_eigenvalues(&op, 2, Which::Largest, &opts).unwrap();
    assert!(rel_close(top_fd.values[0], dense[dense.len() - 1], 1e-6));
    assert!(rel_close(top_fd.values[1], dense[dense.len() - 2], 1e-6));
}

#[test]
fn hutchinson_trace_is_within_its_stated_error() {
    let (net, data, h) = random_point();
    let exact: f64 = (0..h.nrows()).map(|i| h[(i, i)]).sum();
    for op in [
        &h as &dyn SymmetricOperator,
        &HessianOperator::new(&net, &data, &HessianOptions::default()).unwrap(),
    ] {
        let est = hutchinson_trace(op, 200, 3).unwrap();
        assert!(est.std_error > 0.0);
        assert!(
            (est.estimate - exact).abs() <= 4.0 * est.std_error,
            "{} ± {} vs {}",
            est.estimate,
            est.std_error,
            exact
        );
    }
    assert!(matches!(
        hutchinson_trace(&h, 1, 0),
        Err(Error::OutOfRange { .. })
    ));
}

#[test]
fn slq_density_reproduces_moments() {
    let (_, _, h) = random_point();
    let p = h.nrows() as f64;
    // One probe with m steps: Gauss quadrature is exact for polynomials of degree < 2m, so the moments equal
    // v̂ᵀ H^k v̂ for the probe (checked through the normalised trace estimate of many probes below).
    let density = spectral_density(&h, 40, 12, 9).unwrap();
    assert!((density.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let dense = symmetric_eigenvalues(h.as_ref()).unwrap();
    let m1 = dense.iter().sum::<f64>() / p;
    let m2 = dense.iter().map(|v| v * v).sum::<f64>() / p;
    let spread = dense.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    assert!(
        (density.moment(1) - m1).abs() < 0.1 * spread,
        "{} vs {m1}",
        density.moment(1)
    );
    assert!(
        (density.moment(2) - m2).abs() < 0.1 * spread * spread,
        "{} vs {m2}",
        density.moment(2)
    );
    assert!(density.nodes.first().unwrap() >= &(dense[0] - 1e-8));
    assert!(density.nodes.last().unwrap() <= &(dense[dense.len() - 1] + 1e-8));
    // With full Krylov dimension a single probe's nodes are exact eigenvalues.
    let full = spectral_density(&h, 1, 54, 1).unwrap();
    for node in &full.nodes {
        assert!(
            dense.iter().any(|e| (e - node).abs() < 1e-8 * spread),
            "node {node} is no eigenvalue"
        );
    }
    let grid: Vec<f64> = (0..400)
        .map(|i| dense[0] - 1.0 + i as f64 * (dense[dense.len() - 1] - dense[0] + 2.0) / 399.0)
        .collect();
    let smooth = density.smoothed(&grid, 0.05);
    let integral: f64 = smooth.iter().sum::<f64>() * (grid[1] - grid[0]);
    assert!(
        (integral - 1.0).abs() < 1e-3,
        "density integrates to {integral}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Per-unit blocks.

#[test]
fn unit_blocks_match_the_full_hessian() {
    let data = common::teacher::<3>(20, 6);
    let net = ResNet::<3, 2, Tanh>::new(4, &Init::XavierNormal, 2).unwrap();
    let full = hessian_at(&net, &data, &HessianOptions::default()).unwrap();
    for unit in [0, 3] {
        let direct = hessian_block_at(
            &net,
            &data,
            block_range(unit, 18),
            &HessianOptions::default(),
        )
        .unwrap();
        let cut = unit_block(full.matrix.as_ref(), unit, 18).unwrap();
        assert!(rel_matrix_error(&direct.matrix, &cut) < 1e-12);
    }
    assert!(matches!(
        hessian_block_at(&net, &data, 70..80, &HessianOptions::default()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        unit_block(full.matrix.as_ref(), 4, 18),
        Err(Error::ShapeMismatch { .. })
    ));
}

/// At zero with shortcut 2 each unit's block has the spectrum ±σ_i(M), each D times: every unit alike.
#[test]
fn unit_block_spectra_at_zero_are_identical() {
    let data = common::teacher::<3>(20, 12);
    let h = hessian_at(
        &ResNet::<3, 2>::zeros(4).unwrap(),
        &data,
        &HessianOptions::default(),
    )
    .unwrap();
    let spectra = unit_block_spectra(h.matrix.as_ref(), 18).unwrap();
    let expected = theory::closed_form_spectrum(2, 1, &data.moments(), 1.0)
        .unwrap()
        .eigenvalues();
    assert_eq!(spectra.len(), 4);
    for s in spectra {
        assert!(common::max_abs_diff(&s.eigenvalues(), &expected) < 1e-8);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Definitions and bad input.

#[test]
fn spectrum_definitions() {
    let s = Spectrum::from_eigenvalues(vec![3.0, -1.0, 0.5, -1.0, 2.0]);
    assert_eq!(s.dim(), 5);
    assert_eq!(s.distinct(), &[(-1.0, 2), (0.5, 1), (2.0, 1), (3.0, 1)]);
    assert_eq!(
        (s.lambda_min(), s.lambda_max(), s.max_abs(), s.min_abs()),
        (-1.0, 3.0, 3.0, 0.5)
    );
    assert_eq!(s.condition_number(), Some(6.0));
    assert_eq!(s.negative_fraction(), 0.4);
    assert_eq!(s.top(2), vec![3.0, 2.0]);
    assert_eq!(s.trace(), 3.5);
    let singular = Spectrum::from_eigenvalues(vec![0.0, 1.0, -4.0, 1e-14]);
    assert_eq!(singular.condition_number(), Some(f64::INFINITY));
    assert_eq!(singular.effective_condition_number(1e-9), Some(4.0));
    let flat = Spectrum::from_multiplicities(vec![(0.0, 10)]);
    assert!(flat.is_flat());
    assert_eq!(flat.condition_number(), None);
    assert_eq!(flat.effective_condition_number(1e-9), None);
}

#[test]
fn bad_input_is_a_typed_error() {
    let data = common::worked_example();
    let net = ResNet::<2, 2>::zeros(1).unwrap();
    let bad_step = HessianOptions {
        step: Some(-1.0),
        ..Default::default()
    };
    assert!(matches!(
        hessian_at(&net, &data, &bad_step),
        Err(Error::OutOfRange { field: "step", .. })
    ));
    assert!(matches!(
        theory::closed_form_spectrum(2, 0, &data.moments(), 1.0).map_err(Error::from),
        Err(Error::ZeroSize { field: "depth" })
    ));
    assert!(matches!(
        theory::hessian_at_zero(0, 1, &data.moments(), 1.0).map_err(Error::from),
        Err(Error::ZeroSize { .. })
    ));
    let m = Mat::<f64>::from_fn(2, 3, |_, _| 1.0);
    assert!(matches!(
        symmetric_eigenvalues(m.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    let nan = Mat::<f64>::from_fn(2, 2, |i, j| if i == 1 && j == 0 { f64::NAN } else { 1.0 });
    assert!(matches!(
        symmetric_eigenvalues(nan.as_ref()),
        Err(Error::NonFinite { .. })
    ));
    let h = Mat::<f64>::identity(4, 4);
    assert!(matches!(
        extreme_eigenvalues(&h, 0, Which::Largest, &LanczosOptions::default()),
        Err(Error::ZeroSize { .. })
    ));
}

/// Moment compression changes nothing for a linear network (plain or residual), at any point.
#[test]
fn moment_compression_is_exact_for_linear_networks() {
    let data = Teacher {
        samples: 100,
        noise_std: 0.2,
        whiten: false,
        ..Default::default()
    }
    .generate::<3>()
    .unwrap()
    .data;
    let compressed = data.moment_equivalent().unwrap();
    assert!(compressed.len() <= 6);
    let (a, b) = (data.moments(), compressed.moments());
    for i in 0..3 {
        for j in 0..3 {
            assert!(
                (a.sxx[(i, j)] - b.sxx[(i, j)]).abs() < 1e-12
                    && (a.sxy[(i, j)] - b.sxy[(i, j)]).abs() < 1e-12
            );
        }
    }
    let off = HessianOptions {
        moment_compression: false,
        ..Default::default()
    };
    let res = ResNet::<3, 2>::new(3, &Init::XavierNormal, 1).unwrap();
    let with = hessian_at(&res, &data, &HessianOptions::default()).unwrap();
    let without = hessian_at(&res, &data, &off).unwrap();
    assert_eq!(
        (with.samples_used, without.samples_used),
        (compressed.len(), 100)
    );
    assert!(rel_matrix_error(&with.matrix, &without.matrix) < 1e-8);
    let plain = PlainNet::<3>::new(4, &Init::XavierNormal, 2).unwrap();
    assert!((plain.loss(&data).unwrap() - plain.loss(&compressed).unwrap()).abs() < 1e-12);
}
