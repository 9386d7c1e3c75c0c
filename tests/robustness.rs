//! Robustness at the edges and the typed contracts: dense paths refuse sizes they cannot hold before they
//! allocate, data that would be silently wrong is rejected, every analysis frame matches its schema, filters
//! reject values that are not there, errors keep their causes, one registry of widths, one best-rate rule.
mod common;

use std::error::Error as _;

use demystify_resnet::experiments::schema::{shared, ColumnDef, ColumnType, Schema};
use demystify_resnet::experiments::widths::SUPPORTED_WIDTHS;
use demystify_resnet::experiments::*;
use demystify_resnet::hessian::{
    dense_matrix_bytes, hessian_at, hessian_block_at, loss_hessian, theory, HessianOptions,
    DEFAULT_MAX_DENSE_BYTES,
};
use demystify_resnet::prelude::*;
use demystify_resnet::report::{filter_rows, Cell};
use demystify_resnet::train::{best_rate, RateOutcome};
use proptest::prelude::*;

fn too_large(e: &Error) -> Option<(usize, u64, u64)> {
    match e {
        Error::TooLarge {
            params,
            bytes_needed,
            limit,
            ..
        } => Some((*params, *bytes_needed, *limit)),
        _ => None,
    }
}

/// The closed forms at D = 8 that used to abort inside faer: refused at once, naming P, the bytes and the
/// matrix-free alternative (an attempted 80 GB allocation would abort the test process instead).
#[test]
fn closed_forms_beyond_the_dense_limit_are_refused_before_allocating() {
    let m = common::teacher::<8>(64, 3).moments();
    // The core crate's error converts to the crate's own variant of the same name and fields.
    let e: Error = theory::hessian_at_zero(1, 100_000, &m, 1.0).unwrap_err().into();
    let (p, bytes, limit) = too_large(&e).expect("TooLarge");
    assert_eq!(p, 100_000 * 64);
    assert_eq!(bytes, dense_matrix_bytes(p));
    assert_eq!(limit, DEFAULT_MAX_DENSE_BYTES);
    let text = e.to_string();
    assert!(
        text.contains("6400000") && text.contains("GiB") && text.contains("lanczos"),
        "{text}"
    );

    let e: Error = theory::closed_form_spectrum(1, 10_000, &m, 1.0).unwrap_err().into();
    assert_eq!(too_large(&e).map(|t| t.0), Some(640_000));
    // Shortcut 2 needs no dense matrix at any depth; shortcut 3 is flat.
    assert!(theory::closed_form_spectrum(2, 100_000, &m, 1.0).is_ok());
    assert!(theory::closed_form_spectrum(3, 100_000, &m, 1.0).is_ok());
}

/// P = 102 400 (D = 8, n = 2, L = 800): 84 GB of matrix, refused without a single gradient evaluation.
#[test]
fn hessian_ats_beyond_the_limit_are_refused() {
    let data = common::teacher::<8>(32, 1);
    let net = ResNet::<8, 2>::new(800, &Init::SmallGaussian { std: 1e-2 }, 0).unwrap();
    assert_eq!(net.num_params(), 102_400);
    let opts = HessianOptions::default();
    let e = hessian_at(&net, &data, &opts).unwrap_err();
    assert_eq!(too_large(&e).map(|t| t.0), Some(102_400));
    assert!(too_large(&hessian_block_at(&net, &data, 0..102_400, &opts).unwrap_err()).is_some());
    assert!(too_large(&loss_hessian(&net, &data, &opts).unwrap_err()).is_some());
}

/// The limit can be raised and lowered through `HessianOptions`, and analyses check it for their largest
/// dense computation before they run anything.
#[test]
fn the_dense_limit_is_an_option_and_analyses_honour_it() {
    let data = common::teacher::<2>(16, 0);
    let net = ResNet::<2, 2>::new(2, &Init::SmallGaussian { std: 0.1 }, 0).unwrap(); // P = 16
    let tight = HessianOptions {
        max_dense_bytes: dense_matrix_bytes(16) - 1,
        ..Default::default()
    };
    assert!(too_large(&hessian_at(&net, &data, &tight).unwrap_err()).is_some());
    let exact = HessianOptions {
        max_dense_bytes: dense_matrix_bytes(16),
        ..Default::default()
    };
    assert_eq!(hessian_at(&net, &data, &exact).unwrap().matrix.nrows(), 16);

    let huge_closed_form = ConditionVsDepthConfig {
        closed_form_depths: vec![100_000],
        closed_form_max_params: usize::MAX,
        ..ConditionVsDepthConfig::quick()
    };
    let e = condition_vs_depth(&huge_closed_form).unwrap_err();
    assert_eq!(too_large(&e).map(|t| t.0), Some(400_000), "{e}");

    let small_limit = ConditionVsDepthConfig {
        hessian: HessianOptions {
            max_dense_bytes: 1024,
            ..Default::default()
        },
        ..ConditionVsDepthConfig::quick()
    };
    assert!(too_large(&condition_vs_depth(&small_limit).unwrap_err()).is_some());
    let spectra = SpectrumAtZeroConfig {
        hessian: small_limit.hessian,
        ..SpectrumAtZeroConfig::quick()
    };
    assert!(too_large(&spectrum_at_zero(&spectra).unwrap_err()).is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// For any limit, a numeric Hessian of P parameters is refused exactly when its 8·P² bytes exceed it.
    #[test]
    fn refused_exactly_above_the_limit(limit in 0u64..20_000, depth in 1usize..5) {
        let data = common::teacher::<2>(8, 0);
        let net = ResNet::<2, 1>::new(depth, &Init::SmallGaussian { std: 0.1 }, 0).unwrap();
        let p = net.num_params();
        let opts = HessianOptions { max_dense_bytes: limit, ..Default::default() };
        let result = hessian_at(&net, &data, &opts);
        prop_assert_eq!(result.is_err(), dense_matrix_bytes(p) > limit);
    }
}

#[test]
fn csv_header_detection_is_explicit_and_never_drops_a_row() {
    // A broken first data row is an error, not a header.
    let e = Dataset::<2>::from_csv_str("t", "1,2,abc,4\n5,6,7,8\n", "mem").unwrap_err();
    assert!(matches!(e, Error::Parse { line: Some(1), .. }), "{e}");
    assert!(e.to_string().contains("mixes numbers"), "{e}");
    // An all-text first line is a header; an all-number one is data.
    let with_header = Dataset::<2>::from_csv_str("t", "x1,x2,y1,y2\n1,2,3,4\n", "mem").unwrap();
    assert_eq!(with_header.len(), 1);
    let without = Dataset::<2>::from_csv_str("t", "1,2,3,4\n5,6,7,8\n", "mem").unwrap();
    assert_eq!(without.len(), 2);
    assert_eq!(without.inputs(), &[1.0, 2.0, 5.0, 6.0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Headerless numeric CSV keeps every row, in order.
    #[test]
    fn headerless_csv_keeps_every_row(rows in prop::collection::vec(prop::array::uniform4(-1e3f64..1e3), 1..20)) {
        let text: String = rows.iter().map(|r| format!("{},{},{},{}\n", r[0], r[1], r[2], r[3])).collect();
        let data = Dataset::<2>::from_csv_str("t", &text, "mem").unwrap();
        prop_assert_eq!(data.len(), rows.len());
        let xs: Vec<f64> = rows.iter().flat_map(|r| [r[0], r[1]]).collect();
        prop_assert_eq!(data.inputs(), &xs[..]);
    }
}

#[test]
fn data_whose_moments_overflow_are_rejected_at_construction() {
    let e = Dataset::<2>::from_flat(
        "huge",
        vec![1e200, 1.0, 2.0, 3.0],
        vec![1.0, 1e200, 0.0, 1.0],
    )
    .unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    assert!(e.to_string().contains("Σ_xx"), "{e}");
    // Large but representable data are fine.
    assert!(Dataset::<2>::from_flat("big", vec![1e100, 1.0], vec![1.0, 1e100]).is_ok());
}

/// Every analysis returns frames that match the schema its docs point to.
#[test]
fn every_analysis_frame_matches_its_schema() {
    let cond = condition_vs_depth(&ConditionVsDepthConfig::quick())
        .unwrap()
        .to_frame()
        .unwrap();
    condition::SCHEMA.check(&cond).unwrap();
    let spec = spectrum_at_zero(&SpectrumAtZeroConfig::quick())
        .unwrap()
        .to_frame()
        .unwrap();
    spectrum::SCHEMA.check(&spec).unwrap();
    let mut grid = TrainingGridConfig {
        depths: vec![2],
        ..TrainingGridConfig::quick()
    };
    grid.train.steps = 20;
    grid.compare_at_step = 20;
    let g = training_grid(&grid).unwrap();
    training::CURVES_SCHEMA.check(&g.curves_frame().unwrap()).unwrap();
    training::RUNS_SCHEMA.check(&g.runs_frame().unwrap()).unwrap();
    training::SUMMARY_SCHEMA.check(&g.summary_frame().unwrap()).unwrap();
    training::BEST_SCHEMA.check(&g.best_frame().unwrap()).unwrap();
    let mut scale = DepthScaleConfig::quick();
    scale.depths = vec![1, 2];
    scale.train.steps = 20;
    training::BEST_SCHEMA
        .check(&depth_scale(&scale).unwrap().to_frame().unwrap())
        .unwrap();
    let mut along = HessianAlongTrainingConfig::quick();
    along.train.steps = 20;
    let t = hessian_along_training(&along).unwrap();
    trajectory::SUMMARY_SCHEMA.check(&t.summary_frame().unwrap()).unwrap();
    trajectory::TOP_EIGENVALUES_SCHEMA
        .check(&t.top_eigenvalues_frame().unwrap())
        .unwrap();
    trajectory::UNIT_BLOCKS_SCHEMA
        .check(&t.unit_blocks_frame().unwrap())
        .unwrap();
    let mut esc = EscapeConfig {
        epsilons: vec![1e-1],
        ..EscapeConfig::quick()
    };
    esc.train.steps = 500;
    let e = escape_times(&esc).unwrap();
    escape::TIMES_SCHEMA.check(&e.times_frame().unwrap()).unwrap();
    escape::FITS_SCHEMA.check(&e.fits_frame().unwrap()).unwrap();
    let archs = [Architecture::Residual { shortcut: 2 }, Architecture::Plain];
    identity::SCHEMA
        .check(
            &identity_at_zero(&IdentityConfig {
                width: 2,
                architectures: archs.to_vec(),
                depths: vec![1],
                data: DataSpec::default(),
            })
            .unwrap()
            .to_frame()
            .unwrap(),
        )
        .unwrap();
    relu::SCHEMA
        .check(
            &relu_conventions(&ReluConventionsConfig {
                depth: 1,
                ..Default::default()
            })
            .unwrap()
            .to_frame()
            .unwrap(),
        )
        .unwrap();
    // The documented description lists the same columns.
    let described = condition::SCHEMA.describe().unwrap();
    assert_eq!(described.height(), cond.width());
    assert!(condition::SCHEMA
        .markdown()
        .contains("`effective_condition_number` (f64, nullable)"));
}

#[test]
fn a_frame_that_drifts_from_its_schema_is_caught() {
    const A: ColumnDef = ColumnDef {
        name: "a",
        dtype: ColumnType::U64,
        nullable: false,
        doc: "a count",
    };
    const S: Schema = Schema {
        name: "test",
        columns: &[A, shared::LOSS],
    };
    use demystify_resnet::polars::prelude::{Column, DataFrame};
    let ok = DataFrame::new_infer_height(vec![
        Column::new("a".into(), vec![1u64, 2]),
        Column::new("loss".into(), vec![0.5, 0.25]),
    ])
    .unwrap();
    S.check(&ok).unwrap();
    let renamed = DataFrame::new_infer_height(vec![
        Column::new("a".into(), vec![1u64, 2]),
        Column::new("status".into(), vec![0.5, 0.25]),
    ])
    .unwrap();
    assert!(S
        .check(&renamed)
        .unwrap_err()
        .to_string()
        .contains("status"));
    let wrong_type = DataFrame::new_infer_height(vec![
        Column::new("a".into(), vec![1.0f64, 2.0]),
        Column::new("loss".into(), vec![0.5, 0.25]),
    ])
    .unwrap();
    assert!(S.check(&wrong_type).is_err());
    let nulls = DataFrame::new_infer_height(vec![
        Column::new("a".into(), vec![Some(1u64), None]),
        Column::new("loss".into(), vec![0.5, 0.25]),
    ])
    .unwrap();
    assert!(S.check(&nulls).unwrap_err().to_string().contains("null"));
}

#[test]
fn filters_reject_values_that_are_not_there() {
    let cond = condition_vs_depth(&ConditionVsDepthConfig {
        random_inits: vec![],
        closed_form_depths: vec![],
        ..ConditionVsDepthConfig::quick()
    })
    .unwrap()
    .to_frame()
    .unwrap();
    let two = filter_rows(
        &cond,
        &[(
            condition::SERIES.name,
            Cell::Str(&condition::residual_at_zero(2)),
        )],
    )
    .unwrap();
    assert!(two.height() > 0);
    let e = filter_rows(
        &cond,
        &[(condition::SERIES.name, Cell::Str("residual n=2 @ zer0"))],
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("residual n=2 @ zero"),
        "lists the values that are there: {text}"
    );
    assert!(filter_rows(&cond, &[(shared::DEPTH.name, Cell::U64(3))]).is_err());
    assert!(filter_rows(&cond, &[("no such column", Cell::U64(3))]).is_err());
    // Present values whose combination selects nothing give an empty frame, not an error.
    let none = filter_rows(
        &cond,
        &[
            (
                condition::SERIES.name,
                Cell::Str(&condition::residual_at_zero(3)),
            ),
            (shared::CONDITION_NUMBER.name, Cell::F64(1.0)),
        ],
    );
    assert!(none.is_err() || none.unwrap().height() == 0);
}

#[test]
fn errors_keep_their_causes() {
    let e = Dataset::<2>::from_csv("/nonexistent/folder/data.csv").unwrap_err();
    let source = e.source().expect("an I/O error keeps its cause");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("std::io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert!(e.to_string().contains("/nonexistent/folder/data.csv"));
    // A polars failure keeps the polars error.
    use demystify_resnet::polars::prelude::{Column, DataFrame};
    let polars_error = DataFrame::new_infer_height(vec![
        Column::new("a".into(), vec![1u64, 2]),
        Column::new("b".into(), vec![1u64]),
    ])
    .unwrap_err();
    let e: Error = polars_error.into();
    assert!(e.source().is_some());
    // Plain validation errors have no cause.
    assert!(Error::ZeroSize { field: "depth" }.source().is_none());
}

#[test]
fn one_registry_of_widths() {
    assert_eq!(
        SUPPORTED_WIDTHS,
        &[2, 4, 8][..],
        "default build: the widths the notebooks use"
    );
    for &w in SUPPORTED_WIDTHS {
        let net = build_network(&NetworkSpec::residual(w, 2, 1), &Init::Zero, 0).unwrap();
        assert_eq!(net.params().len(), 2 * w * w);
        assert_eq!(DataSpec::default().load(w).unwrap().width(), w);
    }
    for w in [1, 3, 16, 32] {
        let e = build_network(&NetworkSpec::residual(w, 2, 1), &Init::Zero, 0).unwrap_err();
        assert!(matches!(e, Error::Unsupported(_)), "{e}");
        assert!(DataSpec::default().load(w).is_err());
    }
    assert!(
        build_network(&NetworkSpec::residual(16, 2, 1), &Init::Zero, 0)
            .unwrap_err()
            .to_string()
            .contains("width-16")
    );
    // Generic code works at any width without the registry.
    assert_eq!(ResNet::<16, 2>::zeros(1).unwrap().num_params(), 512);
}

fn outcome(lr: f64, unstable: usize, losses: &[f64], steps: &[Option<usize>]) -> RateOutcome {
    RateOutcome {
        learning_rate: lr,
        unstable_runs: unstable,
        final_losses: losses.to_vec(),
        steps_to_threshold: steps.to_vec(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    /// The one best-rate rule: the chosen rate is stable; if any stable rate has every run at the threshold,
    /// the chosen one has the fewest mean steps among those (ties: lower mean final loss, then the smaller rate);
    /// otherwise it has the lowest mean final loss among the stable rates; no stable rate gives None.
    #[test]
    fn best_rate_is_the_fastest_stable_rate_then_the_lowest_loss(
        rows in prop::collection::vec(
            (0usize..2, prop::collection::vec((0u8..5, prop::option::of(0usize..4)), 1..3)),
            1..8,
        )
    ) {
        let outcomes: Vec<RateOutcome> = rows
            .iter()
            .enumerate()
            .map(|(i, (u, runs))| {
                let losses: Vec<f64> = runs.iter().map(|r| r.0 as f64).collect();
                let steps: Vec<Option<usize>> = runs.iter().map(|r| r.1.map(|s| s * 10)).collect();
                outcome(10f64.powi(-(i as i32)), *u, &losses, &steps)
            })
            .collect();
        let stable: Vec<&RateOutcome> = outcomes.iter().filter(|o| o.is_stable()).collect();
        let reaching: Vec<&&RateOutcome> =
            stable.iter().filter(|o| o.mean_steps_to_threshold().is_some()).collect();
        match best_rate(&outcomes) {
            None => prop_assert!(stable.is_empty()),
            Some(i) => {
                let chosen = &outcomes[i];
                prop_assert!(chosen.is_stable());
                if reaching.is_empty() {
                    let best = chosen.mean_final_loss().unwrap();
                    for o in &stable {
                        let m = o.mean_final_loss().unwrap();
                        prop_assert!(best <= m);
                        if m == best {
                            prop_assert!(chosen.learning_rate <= o.learning_rate);
                        }
                    }
                } else {
                    let fewest = chosen.mean_steps_to_threshold().unwrap();
                    for o in &reaching {
                        let s = o.mean_steps_to_threshold().unwrap();
                        prop_assert!(fewest <= s);
                        if s == fewest {
                            prop_assert!(chosen.mean_final_loss() <= o.mean_final_loss());
                        }
                    }
                }
            }
        }
    }
}

/// The grid analyses and `train::best_learning_rate` pick the same rate for the same runs.
#[test]
fn the_grid_and_the_single_network_search_agree() {
    let data = DataSpec::default().load(2).unwrap();
    let rates = [0.01, 0.1, 1.0, 3.0];
    let mut cfg = TrainingGridConfig {
        architectures: vec![Architecture::Residual { shortcut: 2 }],
        inits: vec![Init::SmallGaussian { std: 1e-3 }],
        depths: vec![4],
        learning_rates: rates.to_vec(),
        rate_search: None,
        seeds: vec![0],
        ..TrainingGridConfig::quick()
    };
    cfg.train.steps = 200;
    let grid = training_grid(&cfg).unwrap();
    let from_grid = grid.configurations[0].best_learning_rate;
    assert!(
        from_grid.is_some(),
        "the configuration trains within 200 steps"
    );
    let typed = data.typed::<2>().unwrap();
    let net = ResNet::<2, 2>::new(4, &Init::SmallGaussian { std: 1e-3 }, 0).unwrap();
    let threshold = cfg.loss_threshold * data.moments().loss_at_zero;
    let search = demystify_resnet::train::best_learning_rate(
        &net,
        typed,
        &rates,
        &cfg.train,
        Some(threshold),
    )
    .unwrap();
    assert_eq!(from_grid, search.best);
}
