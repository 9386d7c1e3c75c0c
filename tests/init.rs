//! Initialisers: their statistics, orthogonality, reproducibility with a seed.
use demystify_resnet::prelude::*;
use proptest::prelude::*;

fn moments(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var)
}

/// Xavier normal for square D×D layers: entries N(0, 2/(D + D)) = N(0, 1/D). With 200 000 draws the sample
/// variance is within 2% and the mean within 0.01.
#[test]
fn xavier_has_variance_one_over_width() {
    let net = ResNet::<10, 2>::new(1000, &Init::XavierNormal, 11).unwrap();
    let (mean, var) = moments(&net.params());
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!(
        (var / 0.1 - 1.0).abs() < 0.02,
        "variance {var}, expected 0.1"
    );
}

#[test]
fn small_gaussian_has_the_requested_scale() {
    let net = ResNet::<8, 3>::new(300, &Init::SmallGaussian { std: 1e-3 }, 5).unwrap();
    let (_, var) = moments(&net.params());
    assert!((var.sqrt() / 1e-3 - 1.0).abs() < 0.02);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Every orthogonal matrix satisfies WᵀW = I to rounding.
    #[test]
    fn orthogonal_matrices_are_orthogonal(seed in 0u64..100_000) {
        let net = ResNet::<6, 2>::new(3, &Init::Orthogonal, seed).unwrap();
        for w in net.params().chunks(36) {
            for i in 0..6 {
                for j in 0..6 {
                    let dot: f64 = (0..6).map(|k| w[k * 6 + i] * w[k * 6 + j]).sum();
                    let expected = if i == j { 1.0 } else { 0.0 };
                    prop_assert!((dot - expected).abs() < 1e-12);
                }
            }
        }
    }

    /// The same seed gives the same weights; another seed gives other weights.
    #[test]
    fn initialisation_is_reproducible(seed in 0u64..100_000) {
        for init in [Init::XavierNormal, Init::Orthogonal, Init::SmallGaussian { std: 0.1 }] {
            let a = ResNet::<4, 2>::new(5, &init, seed).unwrap().params();
            let b = ResNet::<4, 2>::new(5, &init, seed).unwrap().params();
            let c = ResNet::<4, 2>::new(5, &init, seed + 1).unwrap().params();
            prop_assert_eq!(&a, &b);
            prop_assert_ne!(&a, &c);
        }
    }
}

/// Haar measure: the mean of an entry over many draws is 0 and E[W₀₀²] = 1/D (sign fix makes Q Haar; without
/// it the diagonal would be biased).
#[test]
fn orthogonal_is_unbiased() {
    let net = ResNet::<4, 1>::new(4000, &Init::Orthogonal, 3).unwrap();
    let diag: Vec<f64> = net.params().chunks(16).map(|w| w[0]).collect();
    let (mean, var) = moments(&diag);
    assert!(mean.abs() < 0.03, "mean of W00 = {mean}");
    assert!((var - 0.25).abs() < 0.02, "E[W00²] = {var}");
}

#[test]
fn zero_and_identity_are_exact() {
    assert!(ResNet::<3, 2>::new(4, &Init::Zero, 1)
        .unwrap()
        .params()
        .iter()
        .all(|&v| v == 0.0));
    let p = PlainNet::<3>::new(2, &Init::Identity, 1).unwrap().params();
    assert_eq!(&p[..9], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
}

#[test]
fn negative_or_nan_epsilon_is_rejected() {
    for std in [-1e-3, f64::NAN, f64::INFINITY] {
        let err = ResNet::<3, 2>::new(2, &Init::SmallGaussian { std }, 0).unwrap_err();
        assert!(
            matches!(
                err,
                Error::OutOfRange {
                    field: "init std (epsilon)",
                    ..
                }
            ),
            "{err}"
        );
    }
}
