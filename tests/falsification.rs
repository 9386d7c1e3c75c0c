//! Every claim can fail. For each claim of every notebook, the quick-mode result makes it hold, and a result
//! perturbed (its typed rows edited) the way a broken analysis or a contrary world would look (a shifted κ, a flipped comparison, a
//! slower configuration, a missing symmetry) makes it fail. Each test also checks that it covered every claim
//! its claims function returns, and `every_claims_function_is_falsified_here` that every claims function of
//! `src/experiments` is exercised in this file.

use std::collections::BTreeSet;

use demystify_resnet::experiments::*;
use demystify_resnet::prelude::*;

/// Checks the falsification of one claims function: `original` holds for every claim, each `(id, bent)` makes
/// claim `id` fail, and the ids covered are exactly the ids `original` returns.
fn falsify(original: &[Claim], cases: Vec<(&str, Vec<Claim>)>) {
    for c in original {
        assert_eq!(
            c.verdict,
            Verdict::Holds,
            "{} must hold on the quick run: {}",
            c.id,
            c.evidence
        );
    }
    for (id, bent) in &cases {
        let c = bent
            .iter()
            .find(|c| c.id == *id)
            .unwrap_or_else(|| panic!("no claim `{id}`"));
        assert_eq!(
            c.verdict,
            Verdict::Fails,
            "{id} must fail on the perturbed result: {}",
            c.evidence
        );
    }
    let returned: BTreeSet<&str> = original.iter().map(|c| c.id).collect();
    let covered: BTreeSet<&str> = cases.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        returned, covered,
        "every claim returned needs a falsification case"
    );
}

#[test]
fn notebook_01_identity_claims_can_fail() {
    use demystify_resnet::experiments::identity;
    let result = identity_at_zero(&IdentityConfig::default()).unwrap();
    let claims = |r: &identity::IdentityAtZero| identity::claims(r).unwrap();
    // The claims of the run with `f` applied to the first row, or to every residual row.
    let bent = |f: &dyn Fn(&mut identity::IdentityRow), all_residual: bool| {
        let mut r = result.clone();
        for (i, row) in r.rows.iter_mut().enumerate() {
            if (all_residual && row.architecture != Architecture::Plain) || (!all_residual && i == 0) {
                f(row);
            }
        }
        claims(&r)
    };
    falsify(
        &claims(&result),
        vec![
            // One network with a parameter too many.
            ("params_formula", bent(&|r| r.params += 1, false)),
            // The zero point off the identity in one row.
            ("identity_at_start", bent(&|r| r.deviation_at_start = 1e-3, false)),
            // Xavier equally far from the identity at every depth.
            (
                "xavier_moves_away_with_depth",
                bent(&|r| r.deviation_at_xavier = 1.0, true),
            ),
        ],
    );
}

#[test]
fn notebook_02_and_06_spectrum_claims_can_fail() {
    use demystify_resnet::experiments::spectrum::{self, *};
    let result = spectrum_at_zero(&SpectrumAtZeroConfig::quick()).unwrap();
    // The claims of the run with `f` applied to every shortcut depth's spectra.
    let bent = |f: &dyn Fn(&mut ShortcutSpectrum)| {
        let mut r = result.clone();
        r.shortcuts.iter_mut().for_each(f);
        spectrum::claims(&r).unwrap()
    };
    falsify(
        &spectrum::claims(&result).unwrap(),
        vec![
            // One eigenvalue off by 0.1 %.
            (
                "numeric_matches_theory",
                bent(&|s| {
                    if s.shortcut == 1 {
                        s.numeric[0].0 = s.numeric[0].0 * 1.001 + 1e-3;
                    }
                }),
            ),
            // One shortcut-2 eigenvalue without its negative partner.
            (
                "n2_pm_sigma",
                bent(&|s| {
                    if s.shortcut == 2 {
                        s.numeric[0].0 += 0.1;
                    }
                }),
            ),
            // A non-zero gradient at zero for shortcut ≥ 2.
            (
                "gradients_at_zero",
                bent(&|s| {
                    if s.shortcut == 2 {
                        s.gradient_norm_numeric = 1e-3;
                    }
                }),
            ),
            // Curvature where shortcut 3 should have none.
            (
                "n3_flat",
                bent(&|s| {
                    if s.shortcut >= 3 {
                        s.numeric[0].0 = 1e-3;
                    }
                }),
            ),
        ],
    );
    let data = DataSpec::default().load(4).unwrap();
    let block = shortcut_two_block(data.moments()).unwrap();
    let mut moved = block.clone();
    if let Some(p) = moved.rows[0].plus.as_mut() {
        p.0 += 1e-6;
    }
    falsify(
        &block_claims(&block).unwrap(),
        vec![("block_is_pm_sigma", block_claims(&moved).unwrap())],
    );
}

#[test]
fn notebook_03_and_06_condition_claims_can_fail() {
    use demystify_resnet::experiments::condition::{self, ConditionRow, Method};
    let result = condition_vs_depth(&ConditionVsDepthConfig::quick()).unwrap();
    // The claims of the run with `f` applied to every row.
    let bent = |f: &dyn Fn(&ConditionRow) -> Option<ConditionRow>| {
        let mut r = result.clone();
        for row in r.rows.iter_mut() {
            if let Some(new) = f(row) {
                *row = new;
            }
        }
        condition::claims(&r).unwrap()
    };
    let at_zero = |row: &ConditionRow, n: usize| {
        row.architecture == (Architecture::Residual { shortcut: n }) && row.point == Init::Zero
    };
    let first_n2 = result.rows.iter().position(|r| at_zero(r, 2)).unwrap();
    let first_n3 = result.rows.iter().position(|r| at_zero(r, 3)).unwrap();
    assert!(
        result
            .rows
            .iter()
            .any(|r| !matches!(r.point, Init::Zero | Init::Identity)),
        "the quick sweep has random points"
    );
    let index = |row: &ConditionRow| result.rows.iter().position(|r| r == row).unwrap();
    let with = |row: &ConditionRow, g: &dyn Fn(&mut ConditionRow)| {
        let mut new = row.clone();
        g(&mut new);
        Some(new)
    };
    falsify(
        &condition::claims(&result).unwrap(),
        vec![
            // κ of shortcut 2 drifting with depth.
            (
                "n2_depth_invariant",
                bent(&|r| {
                    (index(r) == first_n2).then(|| r.clone()).and_then(|r| {
                        with(&r, &|x| {
                            x.summary.condition_number =
                                x.summary.condition_number.map(|k| k * 1.01)
                        })
                    })
                }),
            ),
            // A shortcut-2 row with fewer negative eigenvalues than half.
            (
                "n2_half_negative",
                bent(&|r| {
                    (index(r) == first_n2)
                        .then(|| with(r, &|x| x.summary.negative_fraction = 0.4))
                        .flatten()
                }),
            ),
            // Shortcut 1's κ flat in depth.
            (
                "n1_grows",
                bent(&|r| {
                    at_zero(r, 1)
                        .then(|| with(r, &|x| x.summary.condition_number = Some(10.0)))
                        .flatten()
                }),
            ),
            // The plain network's κ off shortcut 1's.
            (
                "plain_equals_n1",
                bent(&|r| {
                    (r.architecture == Architecture::Plain && r.point == Init::Identity)
                        .then(|| {
                            with(r, &|x| {
                                x.summary.condition_number =
                                    x.summary.condition_number.map(|k| k * 1.01)
                            })
                        })
                        .flatten()
                }),
            ),
            // A shortcut-3 row with curvature.
            (
                "n3_flat",
                bent(&|r| {
                    (index(r) == first_n3)
                        .then(|| with(r, &|x| x.summary.flat = false))
                        .flatten()
                }),
            ),
            // The network's κ off the closed form's.
            (
                "numeric_matches_closed_form",
                bent(&|r| {
                    (at_zero(r, 2) && r.method == Method::Numeric)
                        .then(|| {
                            with(r, &|x| {
                                x.summary.effective_condition_number =
                                    x.summary.effective_condition_number.map(|k| k * 1.01)
                            })
                        })
                        .flatten()
                }),
            ),
            // A random start without negative curvature.
            (
                "random_points_indefinite",
                bent(&|r| {
                    (!matches!(r.point, Init::Zero | Init::Identity))
                        .then(|| with(r, &|x| x.summary.negative_fraction = 0.0))
                        .flatten()
                }),
            ),
        ],
    );
}

#[test]
fn notebook_04_training_claims_can_fail() {
    use demystify_resnet::experiments::training::{self, *};
    let grid = training_grid(&TrainingGridConfig::quick()).unwrap();
    let small = Init::SmallGaussian { std: 1e-3 };
    // The claims of the grid with `f` applied to the small-init configurations of shortcut `n`.
    let bent = |n: usize, f: &dyn Fn(&mut ConfigurationResult)| {
        let mut g = grid.clone();
        g.configurations
            .iter_mut()
            .filter(|c| {
                c.configuration.architecture == Architecture::Residual { shortcut: n }
                    && c.configuration.init == small
            })
            .for_each(f);
        training::claims(&g).unwrap()
    };
    falsify(
        &training::claims(&grid).unwrap(),
        vec![
            // Small shortcut 2 never reaching the threshold (the rivals at L ≥ 8 may not reach it either in quick
            // mode: "not reached" ties with "not reached" only by losing).
            (
                "n2_small_faster_than_random_inits",
                bent(2, &|c| c.mean_steps_to_threshold = None),
            ),
            // Small shortcut 2 with a higher loss after the budget than any rival.
            (
                "n2_small_lower_loss_than_random_inits",
                bent(2, &|c| c.mean_loss_at_compare = Some(1e6)),
            ),
            // Small shortcut 2 stable only at tiny rates.
            (
                "n2_small_more_stable_than_random_inits",
                bent(2, &|c| c.largest_stable_rate = Some(1e-9)),
            ),
            // Shortcut 3 reaching the threshold in one step.
            (
                "n2_small_faster_than_deeper_shortcuts",
                bent(3, &|c| c.mean_steps_to_threshold = Some(1.0)),
            ),
            // Shortcut 3 at zero loss after the budget.
            (
                "n2_small_lower_loss_than_deeper_shortcuts",
                bent(3, &|c| c.mean_loss_at_compare = Some(0.0)),
            ),
        ],
    );
}

#[test]
fn notebook_04_depth_claims_can_fail() {
    use demystify_resnet::experiments::depth_scale::{self, *};
    let scale = depth_scale(&DepthScaleConfig::quick()).unwrap();
    // The claims of the sweep with `f` applied to every configuration of `architecture`.
    let bent = |architecture: Architecture, f: &dyn Fn(&mut ConfigurationResult)| {
        let mut s = scale.clone();
        s.configurations
            .iter_mut()
            .filter(|c| c.configuration.architecture == architecture)
            .for_each(f);
        depth_scale::claims(&s).unwrap()
    };
    let (n1, n2) = (
        Architecture::Residual { shortcut: 1 },
        Architecture::Residual { shortcut: 2 },
    );
    let depth = |c: &ConfigurationResult| c.configuration.depth as f64;
    falsify(
        &depth_scale::claims(&scale).unwrap(),
        vec![
            // Shortcut 2's edge shrinking like 1/L.
            (
                "n2_edge_depth_independent",
                bent(n2, &|c| c.largest_stable_rate = Some(1.0 / depth(c))),
            ),
            // Shortcut 1's edge the same at every depth.
            (
                "n1_edge_shrinks_like_inverse_depth",
                bent(n1, &|c| c.largest_stable_rate = Some(0.1)),
            ),
            // The plain network's edge shrinking like 1/L² instead.
            (
                "plain_edge_shrinks_like_inverse_depth",
                bent(Architecture::Plain, &|c| {
                    c.largest_stable_rate = Some(1.0 / (depth(c) * depth(c)))
                }),
            ),
            // A curvature prediction ten times off.
            (
                "edge_within_factor_two_of_curvature",
                bent(n1, &|c| c.two_over_lambda_max = c.two_over_lambda_max.map(|x| 10.0 * x)),
            ),
            // Shortcut 2 needing steps proportional to depth.
            (
                "n2_steps_depth_independent",
                bent(n2, &|c| c.mean_steps_to_threshold = Some(10.0 * depth(c))),
            ),
        ],
    );
}

#[test]
fn notebook_05_trajectory_claims_can_fail() {
    use demystify_resnet::experiments::trajectory::{self, *};
    let traj = hessian_along_training(&HessianAlongTrainingConfig::quick()).unwrap();
    let claims = |t: &HessianTrajectory| trajectory::claims(t).unwrap();
    let small = traj.runs.iter().position(|r| r.run.label == "n=2, small init").unwrap();
    let xavier = traj.runs.iter().position(|r| r.run.label == "n=2, Xavier").unwrap();
    // The claims with `f` applied to the first or the last checkpoint of run `run`.
    let bent = |run: usize, last: bool, f: &dyn Fn(&mut Checkpoint)| {
        let mut t = traj.clone();
        let cps = &mut t.runs[run].checkpoints;
        let k = if last { cps.len() - 1 } else { 0 };
        f(&mut cps[k]);
        claims(&t)
    };
    let start = traj.runs[small].checkpoints[0].clone();
    falsify(
        &claims(&traj),
        vec![
            // Fewer negative directions at the start than a strict saddle has.
            (
                "n2_starts_at_strict_saddle",
                bent(small, false, &|c| c.negative_fraction = Some(0.3)),
            ),
            // The most negative eigenvalue as negative at the end as at the start.
            (
                "n2_negative_curvature_recedes",
                bent(small, true, &|c| c.lambda_min = start.lambda_min),
            ),
            // Half of the directions still negative at the end.
            (
                "n2_negative_fraction_falls",
                bent(small, true, &|c| c.negative_fraction = Some(0.5)),
            ),
            // A Xavier start as flat as the small one.
            (
                "xavier_start_is_sharper",
                bent(xavier, false, &|c| c.lambda_max = start.lambda_max),
            ),
        ],
    );
}

#[test]
fn notebook_05_escape_claims_can_fail() {
    use demystify_resnet::experiments::escape::{self, *};
    let result = escape_times(&EscapeConfig::quick()).unwrap();
    let claims = |r: &EscapeTimes| escape::claims(r).unwrap();
    // Shortcut 2 escaping three times as slowly per factor of ε as the theory says.
    let mut slow = result.clone();
    for r in slow.runs.iter_mut().filter(|r| r.shortcut == 2) {
        r.escape_step = r.escape_step.map(|t| 3 * t);
    }
    // Shortcut 3's escape time independent of ε.
    let mut flat = result.clone();
    for f in flat.fits.iter_mut().filter(|f| f.shortcut == 3) {
        f.log_log_slope = Some(0.0);
    }
    falsify(
        &claims(&result),
        vec![
            ("n2_log_growth", claims(&slow)),
            ("n3_polynomial_growth", claims(&flat)),
        ],
    );
}

#[test]
fn notebook_06_relu_claims_can_fail() {
    use demystify_resnet::experiments::relu::{self, *};
    let result = relu_conventions(&ReluConventionsConfig::default()).unwrap();
    let claims = |r: &ReluConventions| relu::claims(r).unwrap();
    let bent = |convention: ReluConvention, f: &dyn Fn(&mut ConventionRow)| {
        let mut r = result.clone();
        r.rows
            .iter_mut()
            .filter(|row| row.convention == convention)
            .for_each(f);
        claims(&r)
    };
    falsify(
        &claims(&result),
        vec![
            // Autodiff seeing slope ½ at the kink.
            (
                "relu_slopes",
                bent(ReluConvention::Autodiff, &|r| r.lambda_max_over_linear = 0.5),
            ),
            // Differences of gradients giving a symmetric matrix.
            (
                "relu_gradient_differences_asymmetric",
                bent(ReluConvention::GradientDifferences, &|r| r.asymmetry = 0.0),
            ),
        ],
    );
}

#[test]
fn notebook_07_matrix_free_claims_can_fail() {
    use demystify_resnet::experiments::matrix_free::{self, *};
    let compared = matrix_free_spectrum(&MatrixFreeConfig::quick()).unwrap();
    // The result with `f` applied to the estimate of `q`.
    let bent = |r: &MatrixFreeResult, q: Quantity, f: &dyn Fn(&mut Estimate)| {
        let mut r = r.clone();
        r.estimates.iter_mut().filter(|e| e.quantity == q).for_each(f);
        r
    };
    let claims = |r: &MatrixFreeResult| matrix_free::dense_comparison_claims(r).unwrap();
    // An estimate ten standard errors (plus one) away.
    let shift = |e: &mut Estimate| e.matrix_free += 10.0 * e.std_error.unwrap_or(0.0) + 1.0;
    falsify(
        &claims(&compared),
        vec![
            // Lanczos 1 % off the dense λ_max.
            (
                "lanczos_matches_dense",
                claims(&bent(&compared, Quantity::LambdaMax, &|e| e.matrix_free *= 1.01)),
            ),
            (
                "hutchinson_within_error",
                claims(&bent(&compared, Quantity::Trace, &shift)),
            ),
            (
                "slq_moments_within_error",
                claims(&bent(&compared, Quantity::MeanEigenvalue, &shift)),
            ),
        ],
    );
    // The dispatching `matrix_free::claims` gives the dense comparison's claims here, the zero point's below.
    assert_eq!(matrix_free::claims(&compared).unwrap(), claims(&compared));
    let large = matrix_free_spectrum(&MatrixFreeConfig::large_quick()).unwrap();
    assert_eq!(
        matrix_free::claims(&large).unwrap(),
        zero_point_claims(&large).unwrap()
    );
    falsify(
        &zero_point_claims(&large).unwrap(),
        vec![(
            "extremes_match_zero_point",
            zero_point_claims(&bent(&large, Quantity::LambdaMax, &|e| e.matrix_free *= 1.1))
                .unwrap(),
        )],
    );
    // Per-unit blocks along training: one unit's block 10 % off σ_max(M) at step 0.
    let mut cfg = HessianAlongTrainingConfig::quick();
    cfg.runs.truncate(1);
    let traj = hessian_along_training(&cfg).unwrap();
    let mut bent = traj.clone();
    bent.runs[0].checkpoints[0].unit_blocks[0].lambda_max *= 1.1;
    falsify(
        &trajectory::unit_block_claims(&traj).unwrap(),
        vec![(
            "unit_blocks_start_at_zero_point",
            trajectory::unit_block_claims(&bent).unwrap(),
        )],
    );
}

/// Every function of `src/experiments` that returns claims (`pub fn …claims(`) is called in this file, so a new
/// analysis cannot add claims without a falsification test.
#[test]
fn notebook_05_stationary_order_claims_can_fail() {
    use demystify_resnet::experiments::stationary_order::{self, StationaryOrderRow};
    let result = stationary_order(&StationaryOrderConfig::quick()).unwrap();
    let bent = |f: &dyn Fn(&mut StationaryOrderRow)| {
        let mut r = result.clone();
        r.rows.iter_mut().for_each(f);
        stationary_order::claims(&r).unwrap()
    };
    falsify(
        &stationary_order::claims(&result).unwrap(),
        vec![
            // A world where shortcut 3 were a second-order point (a non-zero Hessian along V).
            (
                "order_equals_shortcut_depth",
                bent(&|r| {
                    if r.shortcut == 3 {
                        r.leading_degree = Some(2)
                    }
                }),
            ),
            // A closed form off by one part in a billion.
            (
                "coefficient_matches_closed_form",
                bent(&|r| r.closed_form *= 1.0 + 1e-9),
            ),
            // An odd-order point where the loss rose on both sides.
            (
                "odd_order_is_saddle",
                bent(&|r| {
                    if r.leading_degree == Some(3) {
                        r.phi_minus = r.phi_plus.abs();
                        r.phi_plus = r.phi_plus.abs();
                    }
                }),
            ),
            // tanh with a second derivative at 0: its coefficient of degree n would differ.
            (
                "tanh_matches_linear_below_n_plus_2",
                bent(&|r| {
                    if r.activation == ActivationKind::Tanh {
                        let n = r.shortcut;
                        r.coefficients[n] *= 1.5;
                    }
                }),
            ),
        ],
    );
}

#[test]
fn every_claims_function_is_falsified_here() {
    let here = include_str!("falsification.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/experiments");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text
            .lines()
            .filter(|l| l.starts_with("pub fn ") && l.contains("claims("))
        {
            let name = line["pub fn ".len()..].split('(').next().unwrap();
            if name == "claims_frame" {
                continue; // the table of claims, not a claims function
            }
            let called = if name == "claims" {
                here.contains(&format!("{module}::claims("))
                    || here.contains(&format!("{module}::{{self"))
            } else {
                here.contains(&format!("{name}("))
            };
            if !called {
                missing.push(format!("{module}::{name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "claims functions without a falsification test: {missing:?}"
    );
}
