//! Datasets: validation of user data, moments (THEORY.md), the teacher generator, CSV and IDX files, and the
//! shipped digits set.
mod common;

use demystify_resnet::data::idx::{mnist, parse_idx, read_idx};
use demystify_resnet::prelude::*;
use proptest::prelude::*;

#[test]
fn worked_example_moments() {
    let mo = common::worked_example().moments();
    // X Xᵀ/m = I, and M = Σ_xy − Σ_xx = (A − I)ᵀ = [[1, 0], [1, 0.5]].
    let expected_m = [[1.0, 0.0], [1.0, 0.5]];
    for (i, row) in expected_m.iter().enumerate() {
        for (j, &m_ij) in row.iter().enumerate() {
            assert_eq!(mo.sxx[(i, j)], if i == j { 1.0 } else { 0.0 });
            assert_eq!(mo.m[(i, j)], m_ij);
        }
    }
    assert_eq!(mo.loss_at_zero, 1.125);
    // E‖y‖² = tr(A Aᵀ) = 4 + 1 + 2.25.
    assert!((mo.mean_sq_target - 7.25).abs() < 1e-15);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// A whitened noiseless teacher has Σ_xx = I exactly and M = (A − I)ᵀ.
    #[test]
    fn whitened_teacher_moments(seed in 0u64..100_000, samples in 5usize..200, scale in 0.0f64..2.0) {
        let t = Teacher { samples, scale, seed, ..Default::default() }.generate::<5>().unwrap();
        let mo = t.data.moments();
        for i in 0..5 {
            for j in 0..5 {
                let id = if i == j { 1.0 } else { 0.0 };
                prop_assert!((mo.sxx[(i, j)] - id).abs() < 1e-10);
                prop_assert!((mo.m[(i, j)] - (t.teacher[(j, i)] - id)).abs() < 1e-10);
            }
        }
    }

    /// The loss at zero from the moments equals ½ E‖y − x‖² computed from the samples directly.
    #[test]
    fn loss_at_zero_matches_network(seed in 0u64..100_000) {
        let data = Teacher { samples: 30, whiten: false, noise_std: 0.1, seed, ..Default::default() }
            .generate::<3>().unwrap().data;
        let net = ResNet::<3, 2>::zeros(2).unwrap();
        prop_assert!((net.loss(&data).unwrap() - data.moments().loss_at_zero).abs() < 1e-12);
    }
}

#[test]
fn teacher_is_reproducible_with_a_seed() {
    let t = Teacher {
        seed: 4,
        noise_std: 0.2,
        ..Default::default()
    };
    assert_eq!(
        t.generate::<4>().unwrap().data,
        t.generate::<4>().unwrap().data
    );
    assert_ne!(
        t.generate::<4>().unwrap().data,
        Teacher {
            seed: 5,
            ..t.clone()
        }
        .generate::<4>()
        .unwrap()
        .data
    );
}

#[test]
fn teacher_validation() {
    let err = Teacher {
        samples: 3,
        ..Default::default()
    }
    .generate::<4>()
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutOfRange {
                field: "samples",
                ..
            }
        ),
        "{err}"
    );
    assert!(Teacher {
        samples: 3,
        whiten: false,
        ..Default::default()
    }
    .generate::<4>()
    .is_ok());
    assert!(matches!(
        Teacher {
            samples: 0,
            ..Default::default()
        }
        .generate::<4>(),
        Err(Error::ZeroSize { .. })
    ));
    assert!(matches!(
        Teacher {
            scale: -1.0,
            ..Default::default()
        }
        .generate::<4>(),
        Err(Error::OutOfRange { field: "scale", .. })
    ));
    assert!(matches!(
        Teacher {
            noise_std: f64::NAN,
            ..Default::default()
        }
        .generate::<4>(),
        Err(Error::OutOfRange {
            field: "noise_std",
            ..
        })
    ));
}

#[test]
fn dataset_validation_names_the_problem() {
    let nan =
        Dataset::<2>::from_flat("d", vec![1.0, 2.0, f64::NAN, 4.0], vec![0.0; 4]).unwrap_err();
    assert_eq!(
        nan,
        Error::NonFinite {
            location: "x[1][0]".into()
        }
    );
    let inf =
        Dataset::<2>::from_flat("d", vec![0.0; 4], vec![0.0, 0.0, 0.0, f64::INFINITY]).unwrap_err();
    assert_eq!(
        inf,
        Error::NonFinite {
            location: "y[1][1]".into()
        }
    );
    assert!(matches!(
        Dataset::<2>::from_flat("d", vec![0.0; 3], vec![0.0; 3]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        Dataset::<2>::from_flat("d", vec![0.0; 4], vec![0.0; 2]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        Dataset::<2>::from_flat("d", vec![], vec![]),
        Err(Error::ZeroSize { .. })
    ));
    let rows = Dataset::<3>::from_rows(
        "d",
        &[vec![1.0, 2.0, 3.0], vec![1.0, 2.0]],
        &[vec![0.0; 3], vec![0.0; 3]],
    );
    assert_eq!(
        rows.unwrap_err(),
        Error::ShapeMismatch {
            what: "input row 1 (width D)".into(),
            expected: 3,
            found: 2
        }
    );
    let data = common::teacher::<2>(4, 0);
    assert!(matches!(
        data.subset(&[0, 9]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(data.subset(&[]), Err(Error::ZeroSize { .. })));
}

#[test]
fn csv_round_trip_and_errors_with_line_numbers() {
    let dir = std::env::temp_dir().join(format!("dr-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("teacher.csv");
    let data = common::teacher::<3>(7, 2);
    data.to_csv(&path).unwrap();
    let back = Dataset::<3>::from_csv(&path).unwrap();
    assert_eq!(back.inputs(), data.inputs());
    assert_eq!(back.targets(), data.targets());

    // Wrong width for D: a clear parse error naming the line, not a panic.
    let err = Dataset::<2>::from_csv(&path).unwrap_err();
    assert!(matches!(err, Error::Parse { line: Some(2), .. }), "{err}");
    assert!(err.to_string().contains("expected 4 columns"), "{err}");
    let err = Dataset::<1>::from_csv_str("t", "# comment\n1,2\n3,abc\n", "mem").unwrap_err();
    assert!(matches!(err, Error::Parse { line: Some(3), .. }), "{err}");
    let err = Dataset::<1>::from_csv_str("t", "1,2\n3,NaN\n", "mem").unwrap_err();
    assert!(err.to_string().contains("not finite"), "{err}");
    assert!(matches!(
        Dataset::<1>::from_csv_str("t", "x,y\n", "mem"),
        Err(Error::Parse { line: None, .. })
    ));
    let ok = Dataset::<1>::from_csv_str("t", "x y\n1 2\n\n3\t4\n", "mem").unwrap();
    assert_eq!(ok.targets(), &[2.0, 4.0]);
    assert!(matches!(
        Dataset::<1>::from_csv(dir.join("missing.csv")),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

/// Writes an unsigned-byte IDX file with the given dims.
fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 0x08, dims.len() as u8];
    dims.iter().for_each(|d| b.extend(d.to_be_bytes()));
    b.extend_from_slice(data);
    b
}

#[test]
fn idx_reader_and_mnist_loader_on_tiny_files() {
    let dir = std::env::temp_dir().join(format!("dr-idx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 40 "images" of 3×3 pixels with labels cycling 0..9; pixel values vary so PCA has full rank.
    let n = 40u32;
    let pixels: Vec<u8> = (0..n * 9)
        .map(|k| ((k * 37 + k * k * 11) % 256) as u8)
        .collect();
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    std::fs::write(dir.join("img"), idx_bytes(&[n, 3, 3], &pixels)).unwrap();
    std::fs::write(dir.join("lab"), idx_bytes(&[n], &labels)).unwrap();

    let img = read_idx(dir.join("img")).unwrap();
    assert_eq!(img.dims, vec![40, 3, 3]);
    assert_eq!(img.data, pixels);

    let data = mnist::<4>(dir.join("img"), dir.join("lab"), None).unwrap();
    // D = 4 < 10: only digits 0..3 are kept, 4 of every 10 samples.
    assert_eq!(data.len(), 16);
    for i in 0..data.len() {
        assert_eq!(data.target(i).iter().sum::<f64>(), 1.0);
    }
    let mo = data.moments();
    for i in 0..4 {
        assert!((mo.sxx[(i, i)] - 1.0).abs() < 1e-10, "whitened");
    }

    // Corrupt files: errors, not panics.
    assert!(matches!(
        parse_idx(&[1, 2, 3], "x"),
        Err(Error::Parse { .. })
    ));
    assert!(matches!(
        parse_idx(&idx_bytes(&[5], &[1, 2]), "x"),
        Err(Error::Parse { .. })
    ));
    let mut float_type = idx_bytes(&[1], &[0]);
    float_type[2] = 0x0D;
    assert!(parse_idx(&float_type, "x")
        .unwrap_err()
        .to_string()
        .contains("not supported"));
    std::fs::write(dir.join("lab_short"), idx_bytes(&[3], &[0, 1, 2])).unwrap();
    assert!(matches!(
        mnist::<4>(dir.join("img"), dir.join("lab_short"), None),
        Err(Error::ShapeMismatch { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn shipped_digits_dataset() {
    let (pixels, labels) = demystify_resnet::data::digits::digits_raw().unwrap();
    assert_eq!(labels.len(), 1797);
    assert_eq!(pixels.len(), 1797 * 64);
    assert!(pixels.iter().all(|&p| (0.0..=1.0).contains(&p)));

    let d16 = digits::<16>().unwrap();
    assert_eq!(d16.len(), 1797);
    let mo = d16.moments();
    for i in 0..16 {
        for j in 0..16 {
            let id = if i == j { 1.0 } else { 0.0 };
            assert!((mo.sxx[(i, j)] - id).abs() < 1e-9, "whitened inputs");
        }
    }
    for (i, &label) in labels.iter().enumerate() {
        let t = d16.target(i);
        assert_eq!(t.iter().filter(|&&v| v == 1.0).count(), 1);
        assert_eq!(t.iter().position(|&v| v == 1.0).unwrap(), label as usize);
    }
    // D = 4: only digits 0..3 are kept.
    let d4 = digits::<4>().unwrap();
    assert_eq!(d4.len(), labels.iter().filter(|&&l| l < 4).count());
    assert!(matches!(digits::<65>(), Err(Error::ShapeMismatch { .. })));
}
