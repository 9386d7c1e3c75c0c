//! Experiments: their DataFrames against the theory (shortcut 2 constant in depth, ≥ 3 flat, 1 growing),
//! schemas, determinism (same seed → identical frames, any thread count), and typed errors for bad configs.
mod common;
use common::{f64s, in_pool};
use demystify_resnet::experiments::*;
use demystify_resnet::polars::prelude::{DataFrame, DataType};
use demystify_resnet::prelude::*;
use demystify_resnet::report::filter_rows;

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn condition_vs_depth_matches_the_theory() {
    let cfg = ConditionVsDepthConfig::quick();
    let df = condition_vs_depth(&cfg).unwrap().to_frame().unwrap();
    assert_eq!(
        names(&df),
        [
            "series",
            "family",
            "shortcut",
            "point",
            "depth",
            "params",
            "method",
            "lambda_max",
            "lambda_min",
            "min_abs_eigenvalue",
            "condition_number",
            "effective_condition_number",
            "negative_fraction",
            "flat",
            "gradient_norm"
        ]
    );
    assert_eq!(df.column("depth").unwrap().dtype(), &DataType::UInt64);
    assert_eq!(
        df.column("condition_number").unwrap().dtype(),
        &DataType::Float64
    );
    let data = cfg.data.load(cfg.width).unwrap();
    let expected = theory::shortcut_two_condition_number(data.moments())
        .unwrap()
        .unwrap();

    // Shortcut 2 at zero: the same condition number at every depth, numeric and closed form, up to L = 1000.
    let two = filter_rows(&df, &[("series", Cell::Str("residual n=2 @ zero"))]).unwrap();
    assert!(two.height() >= 2 * cfg.depths.len());
    for c in f64s(&two, "condition_number") {
        assert!((c.unwrap() / expected - 1.0).abs() < 1e-8);
    }
    assert!(f64s(&two, "negative_fraction")
        .iter()
        .all(|v| *v == Some(0.5)));

    // Shortcut 3 at zero: flat everywhere, no condition number.
    let three = filter_rows(&df, &[("series", Cell::Str("residual n=3 @ zero"))]).unwrap();
    assert!(three.height() > 0);
    assert!(f64s(&three, "condition_number").iter().all(Option::is_none));
    // Every row is flat (filtering on a value no row holds would be an error, listing the values present).
    assert_eq!(
        filter_rows(&three, &[("flat", Cell::Bool(true))])
            .unwrap()
            .height(),
        three.height()
    );
    assert!(filter_rows(&three, &[("flat", Cell::Bool(false))]).is_err());

    // Shortcut 1 at zero: the condition number grows with depth; numeric = closed form; plain at identity = same.
    let one = filter_rows(
        &df,
        &[
            ("series", Cell::Str("residual n=1 @ zero")),
            ("method", Cell::Str("closed form")),
        ],
    )
    .unwrap();
    let conds: Vec<f64> = f64s(&one, "condition_number")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert!(conds.windows(2).all(|w| w[1] > w[0]), "{conds:?}");
    let one_num = filter_rows(
        &df,
        &[
            ("series", Cell::Str("residual n=1 @ zero")),
            ("method", Cell::Str("numeric")),
        ],
    )
    .unwrap();
    for (a, b) in f64s(&one_num, "condition_number")
        .iter()
        .zip(&f64s(&one, "condition_number"))
    {
        assert!((a.unwrap() / b.unwrap() - 1.0).abs() < 1e-6);
    }
    let plain = filter_rows(
        &df,
        &[
            ("series", Cell::Str("plain @ identity")),
            ("method", Cell::Str("closed form")),
        ],
    )
    .unwrap();
    assert_eq!(
        f64s(&plain, "condition_number"),
        f64s(&one, "condition_number")
    );

    // Random initial points are evaluated numerically only.
    let xavier = filter_rows(&df, &[("point", Cell::Str("xavier"))]).unwrap();
    assert!(xavier.height() > 0);
    assert_eq!(
        filter_rows(&xavier, &[("method", Cell::Str("numeric"))])
            .unwrap()
            .height(),
        xavier.height()
    );
}

#[test]
fn experiments_are_deterministic_and_thread_count_invariant() {
    let cfg = ConditionVsDepthConfig {
        depths: vec![1, 2, 4],
        closed_form_depths: vec![],
        ..ConditionVsDepthConfig::quick()
    };
    let a = in_pool(1, || condition_vs_depth(&cfg).unwrap());
    let b = in_pool(2, || condition_vs_depth(&cfg).unwrap());
    assert_eq!(a.rows, b.rows);

    let mut grid = TrainingGridConfig {
        depths: vec![2],
        ..TrainingGridConfig::quick()
    };
    grid.train.steps = 30;
    grid.compare_at_step = 30;
    let a = in_pool(1, || training_grid(&grid).unwrap());
    let b = in_pool(2, || training_grid(&grid).unwrap());
    assert_eq!(a.runs, b.runs);
    assert_eq!(a.rates, b.rates);
    assert_eq!(a.configurations, b.configurations);
    assert!(a.curves_frame().unwrap().equals_missing(&b.curves_frame().unwrap()));
    // Another seed, other numbers.
    let other = training_grid(&TrainingGridConfig {
        seeds: vec![5, 6],
        ..grid.clone()
    })
    .unwrap();
    assert_ne!(other.runs, a.runs);
}

#[test]
fn spectrum_at_zero_numeric_equals_closed_form() {
    let cfg = SpectrumAtZeroConfig::quick();
    let df = spectrum_at_zero(&cfg).unwrap().to_frame().unwrap();
    let (en, et) = (
        f64s(&df, "eigenvalue_numeric"),
        f64s(&df, "eigenvalue_theory"),
    );
    let (mn, mt) = (
        f64s(&df, "multiplicity_numeric"),
        f64s(&df, "multiplicity_theory"),
    );
    for i in 0..df.height() {
        let (a, b) = (en[i].unwrap(), et[i].unwrap());
        assert!(
            (a - b).abs() <= 1e-7 * b.abs().max(1e-3),
            "row {i}: {a} vs {b}"
        );
        assert_eq!(mn[i], mt[i]);
    }
    // Shortcut 2: multiplicity D·L for each of ±σ_i.
    let two = filter_rows(&df, &[("shortcut", Cell::U64(2))]).unwrap();
    assert_eq!(two.height(), 2 * cfg.width);
    assert!(f64s(&two, "multiplicity_theory")
        .iter()
        .all(|m| *m == Some((cfg.width * cfg.depth) as f64)));
    // Gradient at zero: non-zero for shortcut 1 only.
    for (n, g) in f64s(&df, "shortcut")
        .iter()
        .zip(f64s(&df, "gradient_norm_numeric"))
    {
        assert_eq!(*n == Some(1.0), g.unwrap() > 0.0);
    }
}

#[test]
fn training_grid_tables_are_consistent() {
    let cfg = TrainingGridConfig::quick();
    let search = cfg.rate_search.unwrap();
    let g = training_grid(&cfg).unwrap();
    let arms = cfg.architectures.len() * cfg.inits.len() * cfg.depths.len();
    assert_eq!(g.configurations.len(), arms);
    // Every configuration tried every rate of the grid, and each rate with every seed.
    assert_eq!(g.runs.len(), g.rates.len() * cfg.seeds.len());
    assert!(g.rates.len() >= arms * cfg.learning_rates.len());
    // The frames show the same rows.
    assert_eq!(g.best_frame().unwrap().height(), arms);
    assert_eq!(g.runs_frame().unwrap().height(), g.runs.len());
    assert_eq!(g.summary_frame().unwrap().height(), g.rates.len());
    // The search bracketed each configuration's edge of stability within the bisection's resolution (refining
    // the coarse quick grid), or stopped at a bound; the table says which.
    let (grid_lo, grid_hi) = (cfg.learning_rates[0], *cfg.learning_rates.last().unwrap());
    for (i, c) in g.configurations.iter().enumerate() {
        let (from, to) = (c.searched_from, c.searched_to);
        assert!(from <= grid_lo && to >= grid_hi);
        match (c.largest_stable_rate, c.smallest_unstable_rate) {
            (Some(s), Some(d)) => assert!(
                s < d && d <= s * search.resolution * (1.0 + 1e-9),
                "row {i}: {s} … {d}"
            ),
            (Some(_), None) => assert!(to * search.factor > search.highest),
            (None, _) => assert!(
                from / search.factor < search.lowest && c.best_learning_rate.is_none()
            ),
        }
        if let (Some(b), Some(s)) = (c.best_learning_rate, c.largest_stable_rate) {
            assert!(
                b <= s,
                "row {i}: best rate {b} above the largest stable rate {s}"
            );
        }
        // Only configurations that train have a best rate.
        assert_eq!(
            c.best_learning_rate.is_some(),
            c.outcome == training::Outcome::Trains,
            "row {i}: {:?}",
            c.outcome
        );
    }
    assert!(g
        .runs
        .iter()
        .flat_map(|r| &r.history.records)
        .all(|r| r.loss.is_finite()));
    for r in &g.rates {
        if let (Some(a), Some(lo), Some(hi)) = (r.mean_final_loss, r.min_final_loss, r.max_final_loss) {
            assert!(lo <= a * (1.0 + 1e-12) && a <= hi * (1.0 + 1e-12));
        }
    }
    // Shortcut 2 from small init reaches the threshold at every depth; shortcut 3 from small init does not move.
    let small = Init::SmallGaussian { std: 1e-3 };
    let of = |n: usize| {
        g.configurations.iter().filter(move |c| {
            c.configuration.architecture == Architecture::Residual { shortcut: n }
                && c.configuration.init == small
        })
    };
    assert!(of(2).all(|c| c.reached_threshold >= 1));
    assert!(of(3).all(|c| c.reached_threshold == 0));
}

#[test]
fn hessian_along_training_starts_at_the_zero_point_spectrum() {
    let cfg = HessianAlongTrainingConfig::quick();
    let t = hessian_along_training(&cfg).unwrap();
    let data = cfg.data.load(2).unwrap();
    let expected = theory::shortcut_two_condition_number(data.moments())
        .unwrap()
        .unwrap();
    let run = t.small_shortcut_two().unwrap();
    assert_eq!(run.run.label, "n=2, small init");
    let first = run.start().unwrap();
    let cond = first.condition_number.unwrap();
    assert!((cond / expected - 1.0).abs() < 1e-2, "{cond} vs {expected}");
    let steps: Vec<usize> = run.checkpoints.iter().map(|c| c.step).collect();
    let expected_steps: Vec<usize> = (0..=cfg.train.steps).step_by(cfg.every).collect();
    assert_eq!(steps, expected_steps);
    // Each run's learning rate is the configured one capped at 1/λ_max(H(θ₀)) of its own start.
    let rate = run.learning_rate;
    assert_eq!(
        rate,
        trajectory::run_learning_rate(cfg.train.learning_rate, first.lambda_max)
    );
    assert!(rate <= cfg.train.learning_rate && rate <= 1.0 / first.lambda_max);
    assert_eq!(first.top_eigenvalues.len(), cfg.top_k);
    // The frames show the same checkpoints.
    let checkpoints: usize = t.runs.iter().map(|r| r.checkpoints.len()).sum();
    assert_eq!(t.summary_frame().unwrap().height(), checkpoints);
    assert_eq!(
        t.top_eigenvalues_frame().unwrap().height(),
        checkpoints * cfg.top_k
    );
    // The Lanczos path is taken above the dense limit and agrees with dense on λ_max.
    let mut small = cfg.clone();
    small.train.steps = 20;
    let lanczos = hessian_along_training(&HessianAlongTrainingConfig {
        dense_max_params: 1,
        ..small.clone()
    })
    .unwrap();
    let dense = hessian_along_training(&small).unwrap();
    let all = |t: &HessianTrajectory| -> Vec<Checkpoint> {
        t.runs.iter().flat_map(|r| r.checkpoints.clone()).collect()
    };
    let (a, b) = (all(&lanczos), all(&dense));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x.lambda_max - y.lambda_max).abs() < 1e-6 * y.lambda_max.abs().max(1.0));
    }
    assert!(a.iter().all(|c| c.condition_number.is_none() && c.unit_blocks.is_empty()));
}

#[test]
fn escape_time_grows_like_log_for_two_and_polynomially_for_three() {
    let mut cfg = EscapeConfig {
        epsilons: vec![1e-1, 1e-2],
        ..EscapeConfig::quick()
    };
    cfg.train.steps = 3000;
    let r = escape_times(&cfg).unwrap();
    let steps = |n: usize| -> Vec<f64> {
        r.runs_of(n)
            .map(|run| run.escape_step.unwrap() as f64)
            .collect()
    };
    let (two, three) = (steps(2), steps(3));
    // n = 2: ten times smaller ε adds a bounded number of steps ≈ ln(10)/ln(1 + ησ_max).
    let data = cfg.data.load(cfg.width).unwrap();
    let sigma = theory::singular_values(&data.moments().m).unwrap()[0];
    let predicted = 10f64.ln() / (1.0 + cfg.train.learning_rate * sigma).ln();
    assert!(
        ((two[1] - two[0]) / predicted - 1.0).abs() < 0.25,
        "{two:?} vs Δ = {predicted}"
    );
    // n = 3: about ten times more steps (ε^−1).
    assert!(three[1] / three[0] > 5.0, "{three:?}");
    assert!(three[1] > two[1]);
    assert_eq!(r.fits.len(), 2);
    // The frames show the same runs.
    assert_eq!(r.times_frame().unwrap().height(), r.runs.len());
}

#[test]
fn depth_scale_has_one_row_per_architecture_and_depth() {
    let cfg = DepthScaleConfig::quick();
    let scale = depth_scale(&cfg).unwrap();
    let rows = (cfg.shortcuts.len() + 1) * cfg.depths.len();
    assert_eq!(scale.configurations.len(), rows);
    assert_eq!(scale.to_frame().unwrap().height(), rows);
    let two = scale.of(Architecture::Residual { shortcut: 2 });
    assert_eq!(two.len(), cfg.depths.len());
    assert!(two
        .iter()
        .all(|c| c.mean_steps_to_threshold.unwrap() < cfg.train.steps as f64));
}

#[test]
fn bad_configs_are_typed_errors_naming_the_field() {
    let e = condition_vs_depth(&ConditionVsDepthConfig {
        depths: vec![],
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e, Error::ZeroSize { field: "depths" });
    let e = condition_vs_depth(&ConditionVsDepthConfig {
        depths: vec![0],
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e, Error::ZeroSize { field: "depth" });
    let e = condition_vs_depth(&ConditionVsDepthConfig {
        shortcuts: vec![5],
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        matches!(e, Error::Unsupported(ref m) if m.contains("shortcut depth 5")),
        "{e}"
    );
    let e = condition_vs_depth(&ConditionVsDepthConfig {
        width: 3,
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        matches!(e, Error::Unsupported(ref m) if m.contains("width 3")),
        "{e}"
    );
    let e = training_grid(&TrainingGridConfig {
        learning_rates: vec![0.1, 0.0],
        ..TrainingGridConfig::quick()
    })
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutOfRange {
                field: "learning_rates",
                ..
            }
        ),
        "{e}"
    );
    let e = training_grid(&TrainingGridConfig {
        seeds: vec![],
        ..TrainingGridConfig::quick()
    })
    .unwrap_err();
    assert_eq!(e, Error::ZeroSize { field: "seeds" });
    let mut zero_steps = TrainingGridConfig::quick();
    zero_steps.train.steps = 0;
    let e = training_grid(&zero_steps).unwrap_err();
    assert_eq!(e, Error::ZeroSize { field: "steps" });
    let e = escape_times(&EscapeConfig {
        shortcuts: vec![1],
        ..EscapeConfig::quick()
    })
    .unwrap_err();
    assert!(matches!(e, Error::Unsupported(_)));
    let e = escape_times(&EscapeConfig {
        drop_fraction: 1.5,
        ..EscapeConfig::quick()
    })
    .unwrap_err();
    assert!(matches!(
        e,
        Error::OutOfRange {
            field: "drop_fraction",
            ..
        }
    ));
    let e = spectrum_at_zero(&SpectrumAtZeroConfig {
        shortcuts: vec![],
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e, Error::ZeroSize { field: "shortcuts" });
    let mut negative_rate = HessianAlongTrainingConfig::quick();
    negative_rate.train.learning_rate = -1.0;
    let e = hessian_along_training(&negative_rate).unwrap_err();
    assert!(matches!(
        e,
        Error::OutOfRange {
            field: "learning_rate",
            ..
        }
    ));
    let e = DataSpec::WorkedExample.load(4).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }));
    let e = build_network(&NetworkSpec::residual(4, 2, 0), &Init::Zero, 0).unwrap_err();
    assert_eq!(e, Error::ZeroSize { field: "depth" });
}

#[test]
fn quick_mode_reads_the_environment() {
    // Only checks the parsing rule; the variable is process-wide, so it is restored at once.
    let before = std::env::var(QUICK_ENV).ok();
    // SAFETY: tests in this file do not read the variable concurrently except through quick_mode here.
    unsafe { std::env::set_var(QUICK_ENV, "1") };
    assert!(quick_mode());
    unsafe { std::env::set_var(QUICK_ENV, "0") };
    assert!(!quick_mode());
    match before {
        Some(v) => unsafe { std::env::set_var(QUICK_ENV, v) },
        None => unsafe { std::env::remove_var(QUICK_ENV) },
    }
}

/// The claims of notebook 03 that must hold do hold on the quick sweep, and each verdict is computed from the
/// frame: corrupting the numbers flips it.
#[test]
fn condition_claims_hold_and_are_falsifiable() {
    use demystify_resnet::experiments::claims::verdict_of;
    let result = condition_vs_depth(&ConditionVsDepthConfig::quick()).unwrap();
    let claims = condition::claims(&result).unwrap();
    for id in [
        "n2_depth_invariant",
        "n2_half_negative",
        "n1_grows",
        "plain_equals_n1",
        "n3_flat",
        "numeric_matches_closed_form",
        "random_points_indefinite",
    ] {
        let c = claims.iter().find(|c| c.id == id).expect(id);
        assert_eq!(
            c.verdict,
            Verdict::Holds,
            "{id}: {} / {}",
            c.evidence,
            c.criterion
        );
    }
    let table = claims_frame(&claims).unwrap();
    demystify_resnet::experiments::claims::SCHEMA
        .check(&table)
        .unwrap();
    assert_eq!(table.height(), claims.len());

    // Perturb one shortcut-2 condition number by 1e-6 (relative): depth invariance must fail.
    let mut bent = result.clone();
    let row = bent
        .rows
        .iter_mut()
        .find(|r| {
            r.architecture == (Architecture::Residual { shortcut: 2 }) && r.point == Init::Zero
        })
        .unwrap();
    row.summary.condition_number = row.summary.condition_number.map(|k| k * (1.0 + 1e-6));
    let bent_claims = condition::claims(&bent).unwrap();
    assert_eq!(
        verdict_of(&bent_claims, "n2_depth_invariant"),
        Some(Verdict::Fails)
    );
    // Without shortcut-3 rows the flatness claim has nothing to rest on.
    let no_three = condition_vs_depth(&ConditionVsDepthConfig {
        shortcuts: vec![1, 2],
        ..ConditionVsDepthConfig::quick()
    })
    .unwrap();
    assert_eq!(
        verdict_of(&condition::claims(&no_three).unwrap(), "n3_flat"),
        Some(Verdict::NotApplicable)
    );
}

/// The depth-sweep claims hold on the quick sweep (the perturbations that break each are in
/// `tests/falsification.rs`), and the measured edge of shortcut 1 sits within a factor 2 of 2/λ_max(H(θ₀)).
#[test]
fn depth_scale_claims_hold_on_the_quick_sweep() {
    let cfg = DepthScaleConfig::quick();
    let df = depth_scale(&cfg).unwrap();
    let claims = depth_scale::claims(&df).unwrap();
    assert_eq!(claims.len(), 5);
    for c in &claims {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
    }
}

/// Notebook 05's escape claims hold on the quick sweep.
#[test]
fn escape_claims_hold_on_the_quick_sweep() {
    let r = escape_times(&EscapeConfig::quick()).unwrap();
    let claims = escape::claims(&r).unwrap();
    assert_eq!(claims.len(), 2);
    for c in &claims {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
    }
}

/// Notebooks 01 and 06: the identity claims and the ReLU-convention claims hold.
#[test]
fn identity_and_relu_claims_hold() {
    let table = identity_at_zero(&IdentityConfig::default()).unwrap();
    assert_eq!(table.rows.len(), 8, "four architectures at two depths");
    for c in identity::claims(&table).unwrap() {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
    }
    // Counted at the wrong width, the parameter formula fails.
    let mut wrong = table.clone();
    wrong.config.width = 2;
    assert_eq!(identity::claims(&wrong).unwrap()[0].verdict, Verdict::Fails);
    let relu = relu_conventions(&ReluConventionsConfig::default()).unwrap();
    for c in demystify_resnet::experiments::relu::claims(&relu).unwrap() {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
    }
}

/// Notebook 02's step-by-step derivation: one shortcut-2 block built from M has eigenvalues ±σ_k(M), D times
/// each; a wrong width makes the multiplicity check fail.
#[test]
fn one_shortcut_two_block_has_eigenvalues_plus_minus_sigma() {
    let data = DataSpec::default().load(4).unwrap();
    let table =
        demystify_resnet::experiments::spectrum::shortcut_two_block(data.moments()).unwrap();
    assert_eq!(table.rows.len(), 4);
    assert_eq!(table.width, 4);
    assert_eq!(table.to_frame().unwrap().height(), 4);
    let claims = demystify_resnet::experiments::spectrum::block_claims(&table).unwrap();
    assert_eq!(claims[0].verdict, Verdict::Holds, "{}", claims[0].evidence);
    let mut wrong = table.clone();
    wrong.width = 3;
    assert_eq!(
        demystify_resnet::experiments::spectrum::block_claims(&wrong).unwrap()[0].verdict,
        Verdict::Fails
    );
}

/// Notebook 04's training-grid claims hold on the quick grid (each configuration at its own best rate; the
/// perturbations that break each are in `tests/falsification.rs`); without a small initialisation there is
/// nothing to compare.
#[test]
fn training_claims_hold_on_the_quick_grid() {
    let cfg = TrainingGridConfig::quick();
    let g = training_grid(&cfg).unwrap();
    let claims = training::claims(&g).unwrap();
    assert_eq!(claims.len(), 5);
    for c in &claims {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
    }
    let mut no_small = g.clone();
    no_small.config.inits = vec![Init::XavierNormal];
    assert!(training::claims(&no_small)
        .unwrap()
        .iter()
        .all(|c| c.verdict == Verdict::NotApplicable));
}

/// Notebook 07: on the quick comparison the matrix-free estimates agree with the dense spectrum (Lanczos to
/// 1e-6, Hutchinson and SLQ within 3 standard errors); on the quick large network the Lanczos extremes are the
/// closed form's ±σ_max(M) within 1 %, with no dense matrix; moving the estimate off flips the claim.
#[test]
fn matrix_free_claims_hold_in_quick_mode() {
    use demystify_resnet::experiments::matrix_free;
    let compared = matrix_free_spectrum(&MatrixFreeConfig::quick()).unwrap();
    assert_eq!(compared.params, 256);
    assert_eq!(compared.dense_eigenvalues.as_ref().unwrap().len(), 256);
    assert_eq!(compared.estimates_frame().unwrap().height(), 5);
    for c in matrix_free::dense_comparison_claims(&compared).unwrap() {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
    }
    let large = matrix_free_spectrum(&MatrixFreeConfig::large_quick()).unwrap();
    assert!(large.dense_eigenvalues.is_none() && large.dense_seconds.is_none());
    assert!(matrix_free::dense_comparison_claims(&large)
        .unwrap()
        .iter()
        .all(|c| c.verdict == Verdict::NotApplicable));
    let zero = matrix_free::zero_point_claims(&large).unwrap();
    assert_eq!(zero[0].verdict, Verdict::Holds, "{}", zero[0].evidence);
    // Double every estimate: the extremes no longer match the closed form.
    let mut bent = large.clone();
    bent.estimates.iter_mut().for_each(|e| e.matrix_free *= 2.0);
    assert_eq!(
        matrix_free::zero_point_claims(&bent).unwrap()[0].verdict,
        Verdict::Fails
    );
    // The SLQ density is a probability distribution.
    let total: f64 = compared.density.weights.iter().sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
}

/// The per-unit blocks of a shortcut-2 run from small init start at ±σ_max(M) in every unit, one row per unit and
/// dense checkpoint.
#[test]
fn unit_blocks_start_at_the_zero_point() {
    let mut cfg = HessianAlongTrainingConfig::quick();
    cfg.runs.truncate(1);
    let traj = hessian_along_training(&cfg).unwrap();
    let run = &traj.runs[0];
    assert_eq!(
        traj.unit_blocks_frame().unwrap().height(),
        run.checkpoints.len() * run.run.network.depth
    );
    assert!(run
        .checkpoints
        .iter()
        .all(|c| c.unit_blocks.len() == run.run.network.depth));
    let sigma = theory::singular_values(&cfg.data.load(run.run.network.width).unwrap().moments().m)
        .unwrap()[0];
    assert_eq!(traj.sigma_max, sigma);
    let claims = trajectory::unit_block_claims(&traj).unwrap();
    assert_eq!(claims[0].verdict, Verdict::Holds, "{}", claims[0].evidence);
    // Against a wrong σ_max the claim fails; without a small shortcut-2 run it is not applicable.
    let mut wrong = traj.clone();
    wrong.sigma_max = 2.0 * sigma;
    assert_eq!(
        trajectory::unit_block_claims(&wrong).unwrap()[0].verdict,
        Verdict::Fails
    );
    let mut other = traj.clone();
    other.runs[0].run.init = Init::XavierNormal;
    assert_eq!(
        trajectory::unit_block_claims(&other).unwrap()[0].verdict,
        Verdict::NotApplicable
    );
}

/// The analyses of the one shape run the same way: check the config, run it, compute the claims from the typed
/// output, draw its figures; every claim holds on the quick configs.
#[test]
fn typed_analyses_share_one_shape() {
    use demystify_resnet::experiments::Analysis;
    use demystify_resnet::report::Figures;
    fn exercise<A: Analysis>(config: A) -> usize
    where
        A::Output: Figures,
    {
        let output = config.check_and_run().unwrap();
        for c in A::claims(&output).unwrap() {
            assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
        }
        output.figures().unwrap().len()
    }
    assert_eq!(
        exercise(SpectrumAtZeroConfig::quick()),
        SpectrumAtZeroConfig::quick().shortcuts.len()
    );
    assert_eq!(exercise(ConditionVsDepthConfig::quick()), 1);
    assert_eq!(exercise(StationaryOrderConfig::quick()), 1);
    assert_eq!(exercise(EscapeConfig::quick()), 1);
    assert_eq!(exercise(IdentityConfig::default()), 0);
    assert_eq!(exercise(ReluConventionsConfig::default()), 0);
    assert_eq!(exercise(TrainingGridConfig::quick()), 1);
    assert_eq!(exercise(DepthScaleConfig::quick()), 2);
    assert_eq!(exercise(HessianAlongTrainingConfig::quick()), 3);
    assert_eq!(exercise(MatrixFreeConfig::quick()), 1);
    assert_eq!(exercise(MatrixFreeConfig::large_quick()), 1);
    // An invalid config never runs: the check fails first, with the field named.
    let bad = StationaryOrderConfig {
        depths: vec![],
        ..StationaryOrderConfig::quick()
    };
    assert!(matches!(
        bad.check_and_run(),
        Err(Error::ZeroSize { field: "depths" })
    ));
}
