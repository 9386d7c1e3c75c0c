//! Training: GD solves a teacher problem from small initialisation with shortcut 2 at depth 8; exact zero is a
//! fixed point for shortcut ≥ 2; divergence is a recorded status; runs are reproducible with a seed; bad
//! settings are typed errors.
mod common;

use demystify_resnet::prelude::*;
use demystify_resnet::train::best_learning_rate;
use proptest::prelude::*;

fn gd(lr: f64, steps: usize) -> TrainConfig {
    TrainConfig {
        learning_rate: lr,
        steps,
        ..Default::default()
    }
}

#[test]
fn gradient_descent_solves_teacher_with_shortcut_two_at_depth_eight() {
    let data = common::teacher::<4>(64, 0);
    let mut net = ResNet::<4, 2>::new(8, &Init::SmallGaussian { std: 1e-2 }, 1).unwrap();
    let cfg = TrainConfig {
        target_loss: Some(1e-7),
        ..gd(0.1, 3000)
    };
    let h = train(&mut net, &data, &cfg).unwrap();
    assert!(
        matches!(h.status, RunStatus::ReachedTarget { .. }),
        "{:?}",
        h.status
    );
    assert!(h.final_loss().unwrap() < 1e-6);
    assert!((h.initial_loss().unwrap() - data.moments().loss_at_zero).abs() < 1e-3);
    // The trained network is a global minimiser: the loss reported equals the loss recomputed.
    assert!((net.loss(&data).unwrap() - h.final_loss().unwrap()).abs() < 1e-12);
}

#[test]
fn exact_zero_is_a_fixed_point_for_shortcut_two_and_three() {
    let data = common::teacher::<3>(20, 1);
    let mut net2 = ResNet::<3, 2>::zeros(4).unwrap();
    let h = train(&mut net2, &data, &gd(0.5, 50)).unwrap();
    assert!(net2.params().iter().all(|&v| v == 0.0));
    assert!(h
        .records
        .iter()
        .all(|r| r.loss == h.initial_loss().unwrap() && r.grad_norm == 0.0));
    let mut net3 = ResNet::<3, 3>::zeros(4).unwrap();
    train(&mut net3, &data, &gd(0.5, 50)).unwrap();
    assert!(net3.params().iter().all(|&v| v == 0.0));
    // Shortcut 1 is not stationary at zero: it moves at once.
    let mut net1 = ResNet::<3, 1>::zeros(4).unwrap();
    train(&mut net1, &data, &gd(0.01, 1)).unwrap();
    assert!(net1.params().iter().any(|&v| v != 0.0));
}

#[test]
fn divergence_is_recorded_not_panicked_and_no_nan_rows() {
    let data = common::teacher::<4>(64, 0);
    let mut net = ResNet::<4, 2>::new(8, &Init::SmallGaussian { std: 1e-2 }, 1).unwrap();
    let h = train(&mut net, &data, &gd(50.0, 200)).unwrap();
    match h.status {
        RunStatus::Diverged { step, .. } => assert!(step < 200),
        other => panic!("expected divergence, got {other:?}"),
    }
    assert!(h
        .records
        .iter()
        .all(|r| r.loss.is_finite() && r.grad_norm.is_finite()));
    assert!(h
        .records
        .iter()
        .all(|r| r.loss <= 1e3 * h.initial_loss().unwrap()));
    // Same for a plain deep network at Xavier with a large rate (non-finite losses).
    let mut plain = PlainNet::<4>::new(30, &Init::XavierNormal, 2).unwrap();
    let h = train(&mut plain, &data, &gd(10.0, 100)).unwrap();
    assert!(h.status.diverged());
    assert_eq!(h.status.label(), "diverged");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Same seed → identical history (SGD with momentum and Adam, seeded minibatches); the minibatch order
    /// depends on the seed.
    #[test]
    fn training_is_reproducible_with_a_seed(seed in 0u64..1000) {
        let data = common::teacher::<3>(40, 7);
        let init = ResNet::<3, 2, Tanh>::new(3, &Init::XavierNormal, seed).unwrap();
        for optimiser in [Optimiser::Sgd { batch_size: 8, momentum: 0.9 }, Optimiser::Adam { batch_size: Some(8) }] {
            let cfg = TrainConfig { learning_rate: 0.01, steps: 30, optimiser, seed, ..Default::default() };
            let (mut a, mut b, mut c) = (init.clone(), init.clone(), init.clone());
            let ha = train(&mut a, &data, &cfg).unwrap();
            let hb = train(&mut b, &data, &cfg).unwrap();
            let hc = train(&mut c, &data, &TrainConfig { seed: seed + 1, ..cfg.clone() }).unwrap();
            prop_assert_eq!(&ha, &hb);
            prop_assert_eq!(a.params(), b.params());
            prop_assert_ne!(a.params(), c.params());
            prop_assert_ne!(ha, hc);
        }
    }
}

#[test]
fn sgd_and_adam_reduce_the_loss() {
    let data = common::teacher::<4>(128, 3);
    for optimiser in [
        Optimiser::Sgd {
            batch_size: 16,
            momentum: 0.0,
        },
        Optimiser::Sgd {
            batch_size: 16,
            momentum: 0.9,
        },
        Optimiser::Adam { batch_size: None },
    ] {
        let mut net = ResNet::<4, 2>::new(4, &Init::SmallGaussian { std: 0.05 }, 0).unwrap();
        let lr = if matches!(optimiser, Optimiser::Adam { .. }) {
            0.01
        } else {
            0.05
        };
        let cfg = TrainConfig {
            learning_rate: lr,
            steps: 400,
            optimiser,
            record_every: 50,
            ..Default::default()
        };
        let h = train(&mut net, &data, &cfg).unwrap();
        assert_eq!(h.status, RunStatus::Completed);
        assert!(
            h.final_loss().unwrap() < 0.05 * h.initial_loss().unwrap(),
            "{}: {:?}",
            optimiser.label(),
            h.final_loss()
        );
        // Recorded every 50 steps, plus the last state.
        let steps: Vec<usize> = h.records.iter().map(|r| r.step).collect();
        assert_eq!(steps, (0..=400).step_by(50).collect::<Vec<_>>());
        assert_eq!(h.records[0].block_norms.len(), 4);
    }
}

#[test]
fn learning_rate_grid_picks_the_best_stable_rate() {
    let data = common::teacher::<3>(32, 0);
    let net = ResNet::<3, 2>::new(4, &Init::SmallGaussian { std: 1e-2 }, 0).unwrap();
    let rates = [0.01, 0.1, 0.3, 100.0];
    // Without a threshold the rule falls back to the lowest final loss among the stable rates.
    let search = best_learning_rate(&net, &data, &rates, &gd(1.0, 100), None).unwrap();
    assert_eq!(search.runs.len(), 4);
    assert!(search.runs[3].1.status.diverged());
    let best = search.best.unwrap();
    let best_loss = search.best_history().unwrap().final_loss().unwrap();
    for (lr, h) in &search.runs {
        if h.trained_stably() {
            assert!(
                best_loss <= h.final_loss().unwrap(),
                "rate {lr} beat the chosen {best}"
            );
        }
    }
    assert_ne!(best, 100.0);
    // Every rate diverging: no best.
    let all_bad = best_learning_rate(&net, &data, &[100.0, 200.0], &gd(1.0, 50), None).unwrap();
    assert_eq!(all_bad.best, None);
}

#[test]
fn invalid_settings_are_typed_errors() {
    let data = common::teacher::<2>(8, 0);
    let mut net = ResNet::<2, 2>::zeros(2).unwrap();
    let cases: Vec<(TrainConfig, &str)> = vec![
        (gd(0.0, 10), "learning_rate"),
        (gd(-0.1, 10), "learning_rate"),
        (gd(f64::NAN, 10), "learning_rate"),
        (
            TrainConfig {
                divergence_factor: 0.5,
                ..gd(0.1, 10)
            },
            "divergence_factor",
        ),
        (
            TrainConfig {
                target_loss: Some(-1.0),
                ..gd(0.1, 10)
            },
            "target_loss",
        ),
        (
            TrainConfig {
                optimiser: Optimiser::Sgd {
                    batch_size: 4,
                    momentum: 1.0,
                },
                ..gd(0.1, 10)
            },
            "momentum",
        ),
    ];
    for (cfg, field) in cases {
        match train(&mut net, &data, &cfg) {
            Err(Error::OutOfRange { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected an OutOfRange error, got {other:?}"),
        }
    }
    assert_eq!(
        train(&mut net, &data, &gd(0.1, 0)).unwrap_err(),
        Error::ZeroSize { field: "steps" }
    );
    let zero_batch = TrainConfig {
        optimiser: Optimiser::Sgd {
            batch_size: 0,
            momentum: 0.0,
        },
        ..gd(0.1, 5)
    };
    assert_eq!(
        train(&mut net, &data, &zero_batch).unwrap_err(),
        Error::ZeroSize {
            field: "batch_size"
        }
    );
    assert!(matches!(
        best_learning_rate(&net, &data, &[], &gd(0.1, 5), None),
        Err(Error::ZeroSize { .. })
    ));
    assert!(matches!(
        best_learning_rate(&net, &data, &[0.1, -1.0], &gd(0.1, 5), None),
        Err(Error::OutOfRange { .. })
    ));
}

/// Runs the rate search on an arm whose runs are stable exactly for η ≤ `edge`, starting from `grid`; returns
/// the outcomes and how many rates the search added.
fn search_threshold_arm(
    search: &demystify_resnet::train::RateSearch,
    grid: &[f64],
    edge: f64,
) -> (Vec<demystify_resnet::train::RateOutcome>, usize) {
    use demystify_resnet::train::RateOutcome;
    let outcome = |lr: f64| RateOutcome {
        learning_rate: lr,
        unstable_runs: usize::from(lr > edge),
        final_losses: if lr > edge { vec![] } else { vec![1.0 / lr] },
        steps_to_threshold: if lr > edge { vec![] } else { vec![None] },
    };
    let mut outcomes: Vec<RateOutcome> = grid.iter().map(|&lr| outcome(lr)).collect();
    let mut added = 0;
    while let Some(lr) = search.next_rate(&outcomes) {
        outcomes.push(outcome(lr));
        added += 1;
        assert!(added < 1000, "the search does not stop");
    }
    (outcomes, added)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The widened and bisected search brackets the edge of stability η* whenever η* lies inside the search
    /// bounds: the largest stable rate η⁺ ≤ η* < the smallest unstable rate above it ≤ η⁺·resolution, from any
    /// starting grid (coarse ones are bisected); when η* is outside, it stops at the bound and says so (no
    /// bracket). It never tries a rate outside [lowest, highest] beyond the grid, and adds at most
    /// log(highest/lowest)/log(factor) + 1 widening rates plus the bisection steps.
    #[test]
    fn rate_search_brackets_the_edge_of_stability(
        log_edge in -10.0f64..3.0,
        log_grid in proptest::collection::vec(-4.0f64..1.5, 1..7),
        log_factor in 0.2f64..1.0,
        resolution in 1.05f64..2.0,
    ) {
        use demystify_resnet::train::{RateBracket, RateSearch};
        let search = RateSearch { factor: 10f64.powf(log_factor), resolution, lowest: 1e-8, highest: 100.0 };
        let grid: Vec<f64> = log_grid.iter().map(|g| 10f64.powf(*g)).collect();
        let edge = 10f64.powf(log_edge);
        let (outcomes, added) = search_threshold_arm(&search, &grid, edge);
        let bisections = ((search.highest / search.lowest).ln() / search.resolution.ln()).log2().ceil() as usize + 1;
        let bound = ((search.highest / search.lowest).ln() / search.factor.ln()).ceil() as usize + 1 + bisections;
        prop_assert!(added <= bound, "{added} rates added, bound {bound}");
        for o in &outcomes[grid.len()..] {
            prop_assert!(o.learning_rate >= search.lowest * (1.0 - 1e-9) && o.learning_rate <= search.highest * (1.0 + 1e-9));
        }
        let b = RateBracket::of(&outcomes);
        let tried_low = b.searched_from;
        let tried_high = b.searched_to;
        if b.is_bracketed() {
            let (s, d) = (b.largest_stable.unwrap(), b.smallest_unstable_above.unwrap());
            prop_assert!(s <= edge && edge < d);
            prop_assert!(d <= s * search.resolution * (1.0 + 1e-9), "bracket {s}…{d} wider than the resolution");
        } else if b.largest_stable.is_none() {
            // Nothing stable: the search went down to its bound, and η* is below every tried rate.
            prop_assert!(tried_low / search.factor < search.lowest * (1.0 - 1e-9));
            prop_assert!(edge < tried_low);
        } else {
            // Nothing diverged: the search went up to its bound, and η* is above every tried rate.
            prop_assert!(tried_high * search.factor > search.highest * (1.0 + 1e-9));
            prop_assert!(edge >= tried_high);
        }
        // Inside the bounds (with a factor of margin), η* is always bracketed.
        if edge >= search.lowest * search.factor && edge * search.factor < search.highest {
            prop_assert!(b.is_bracketed(), "edge {edge} not bracketed: {b:?}");
        }
    }
}

/// Invalid searches are typed errors naming the field.
#[test]
fn rate_search_validation_names_the_field() {
    use demystify_resnet::train::RateSearch;
    for (search, field) in [
        (
            RateSearch {
                factor: 1.0,
                ..Default::default()
            },
            "rate_search.factor",
        ),
        (
            RateSearch {
                resolution: 0.9,
                ..Default::default()
            },
            "rate_search.resolution",
        ),
        (
            RateSearch {
                lowest: 0.0,
                ..Default::default()
            },
            "rate_search.lowest",
        ),
        (
            RateSearch {
                lowest: 10.0,
                highest: 1.0,
                ..Default::default()
            },
            "rate_search.highest",
        ),
        (
            RateSearch {
                highest: f64::NAN,
                ..Default::default()
            },
            "rate_search.highest",
        ),
    ] {
        let e = search.validate().unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Stable training is the one definition everywhere: not diverged, and ending no higher than the start (to
    /// rounding). A run that rises and stays up is unstable even though nothing overflowed.
    #[test]
    fn stable_means_ending_no_higher_than_the_start(
        losses in proptest::collection::vec(0.0f64..10.0, 1..20),
        diverged in proptest::bool::ANY,
    ) {
        use demystify_resnet::train::{History, RunStatus};
        let status = if diverged {
            RunStatus::Diverged { step: losses.len(), loss: None }
        } else {
            RunStatus::Completed
        };
        let h = History { records: vec![], losses: losses.clone(), status };
        let expected = !diverged && *losses.last().unwrap() <= losses[0] * (1.0 + 1e-9);
        prop_assert_eq!(h.trained_stably(), expected);
        prop_assert_eq!(h.max_loss(), losses.iter().copied().reduce(f64::max));
        prop_assert_eq!(h.steps_to_reach(losses[0]), Some(0));
    }
}

/// Notebook 04's old blind spot: shortcut 1 at L = 32 and η = 0.1 climbs from ℓ(θ₀) to the loss of f ≡ 0 and
/// stays there without ever exceeding 1000·ℓ(θ₀). It is not stable training, and the loss it ends at is above
/// where it started.
#[test]
fn a_run_that_rises_and_stays_up_is_not_stable() {
    use demystify_resnet::experiments::{build_network, DataSpec, NetworkSpec};
    let data = DataSpec::default().load(4).unwrap();
    let mut net = build_network(
        &NetworkSpec::residual(4, 1, 32),
        &Init::SmallGaussian { std: 1e-3 },
        0,
    )
    .unwrap();
    let h = net.train(&data, &gd(0.1, 500)).unwrap();
    assert!(
        !h.status.diverged(),
        "under the loose 1000× rule it does not diverge"
    );
    let (first, last) = (h.initial_loss().unwrap(), h.final_loss().unwrap());
    assert!(
        last > first,
        "the loss ends above where it started: {first} → {last}"
    );
    assert!(!h.trained_stably());
}
