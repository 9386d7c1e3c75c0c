//! The exercises' checkers: each worked solution (computed here with the library, as in
//! `notebooks/solutions/`) is accepted, a wrong answer gets a hint, a blank answer is "not attempted", and no
//! answer — NaN, infinite, huge, zero — makes a checker panic. The report page's check of the same exercise
//! (`exercises::check_in_page`, from demystify-resnet-core, on the box's bytes, what the page's WebAssembly runs) gives the
//! same verdict and the same message for the same typed answer.

use demystify_resnet::exercises::{
    ch01, ch02, ch03, ch04, ch05, ch06, ch07, feedback_json, AnswerKind, ExerciseCheck, Feedback,
    PageAnswer, PageTruth,
};
use demystify_resnet::experiments::escape::{self, EscapeConfig};
use demystify_resnet::prelude::*;
use proptest::prelude::*;

/// The worked solution is accepted, the wrong answer gets a hint, a blank is "not attempted" — in the notebook
/// and in the page, with the same message.
fn assert_checker<T: PageAnswer + Clone>(
    check: impl Fn(Option<T>) -> Result<ExerciseCheck>,
    solution: T,
    wrong: T,
) {
    if let Err(e) = demystify_resnet::exercises::confirm(&check, solution.clone(), wrong.clone()) {
        panic!("{e}");
    }
    let page = check(None)
        .unwrap()
        .page
        .expect("every exercise has a page box");
    let bytes = page.truth.to_bytes(page.id);
    let in_page = |text: &str| {
        let truth = PageTruth::from_bytes(&bytes, page.id).unwrap();
        demystify_resnet::exercises::check_in_page(page.id, text, &truth).unwrap()
    };
    for answer in [solution, wrong] {
        let notebook = check(Some(answer.clone())).unwrap().feedback;
        assert_eq!(
            in_page(&answer.page_text()),
            notebook,
            "exercise {}: the page and the notebook differ on {:?}",
            page.id.number(),
            answer.page_text()
        );
    }
    assert_eq!(in_page("  "), Feedback::NotAttempted);
    let typed = in_page("seven");
    assert_eq!(typed.label(), "not yet", "exercise {}", page.id.number());
    let expected = match page.id.answer_kind() {
        AnswerKind::Real => "is not a number",
        AnswerKind::Count => "is not a number",
        AnswerKind::Choice => "is not an initialisation",
    };
    assert!(typed.message().contains(expected), "{typed}");
}

/// `confirm` itself fails when a checker accepts everything, or rejects the solution.
#[test]
fn confirm_catches_a_lenient_or_a_wrong_checker() {
    let lenient = |a: Option<f64>| -> Result<Feedback> {
        Ok(a.map_or(Feedback::NotAttempted, |_| Feedback::Correct("yes".into())))
    };
    assert!(demystify_resnet::exercises::confirm(lenient, 1.0, 2.0).is_err());
    let strict = |a: Option<f64>| -> Result<Feedback> {
        Ok(a.map_or(Feedback::NotAttempted, |_| Feedback::NotYet("no".into())))
    };
    assert!(demystify_resnet::exercises::confirm(strict, 1.0, 2.0).is_err());
}

#[test]
fn chapter_01() {
    // 1.1: P = n·L·D².
    let (d, n, l) = ch01::PARAMETER_COUNT_NETWORK;
    assert_checker(ch01::parameter_count, n * l * d * d, d * d * l);
    // 1.2: ℓ(0) from the moments: ½ tr Σ_yy − tr Σ_xy + ½ tr Σ_xx.
    let data = DataSpec::default().load(4).unwrap();
    let m = data.moments();
    let trace =
        |a: &demystify_resnet::faer::Mat<f64>| (0..a.nrows()).map(|i| a[(i, i)]).sum::<f64>();
    let by_hand = 0.5 * m.mean_sq_target - trace(&m.sxy) + 0.5 * trace(&m.sxx);
    assert_checker(ch01::loss_at_zero, by_hand, 0.5 * m.mean_sq_target);
}

#[test]
fn chapter_02() {
    // 2.1: half of P = 2·L·D² eigenvalues are negative.
    assert_checker(ch02::negative_eigenvalues, 4 * 4 * 5, 4);
    // 2.2: λ_max = σ_max(M).
    let data = DataSpec::default().load(2).unwrap();
    let sigma = theory::singular_values(&data.moments().m).unwrap();
    assert_checker(ch02::lambda_max_at_zero, sigma[0], sigma[1]);
    // A student who types M's entries as the table shows them (4 significant digits) and takes σ_max is correct.
    use demystify_resnet::report::table::format_float;
    let m = &data.moments().m;
    let displayed = demystify_resnet::faer::Mat::from_fn(m.nrows(), m.ncols(), |i, j| {
        format_float(m[(i, j)], 4).parse::<f64>().unwrap()
    });
    let from_table = theory::singular_values(&displayed).unwrap()[0];
    assert_ne!(from_table, sigma[0]);
    assert!(ch02::lambda_max_at_zero(Some(from_table))
        .unwrap()
        .is_correct());
}

#[test]
fn chapter_03() {
    // 3.1: κ does not depend on depth: the L = 1 value, exactly and as the table displays it (4 significant
    // digits), for the quick and the full sweep's width and data.
    use demystify_resnet::report::table::format_float;
    for cfg in [
        ConditionVsDepthConfig::quick(),
        ConditionVsDepthConfig::default(),
    ] {
        let data = cfg.data.load(cfg.width).unwrap();
        let at_one = theory::closed_form_spectrum(2, 1, data.moments(), 1.0)
            .unwrap()
            .condition_number()
            .unwrap();
        let displayed: f64 = format_float(at_one, 4).parse().unwrap();
        for answer in [at_one, displayed] {
            assert_checker(
                |a| ch03::n2_condition_at_depth(a, &cfg),
                answer,
                at_one * ch03::DEEP as f64,
            );
        }
    }
    // 3.2: λ_max ∝ L.
    assert_checker(ch03::n1_lambda_max_slope, 1.0, 2.0);
    // 3.3: scan every depth.
    let data = DataSpec::default().load(4).unwrap();
    let first = (1..=ch03::MAX_SCANNED_DEPTH)
        .find(|&l| {
            theory::closed_form_spectrum(1, l, data.moments(), 1.0)
                .unwrap()
                .condition_number()
                .unwrap_or(f64::INFINITY)
                > ch03::KAPPA_THRESHOLD
        })
        .expect("some depth exceeds the threshold");
    assert_checker(ch03::n1_first_depth_above, first, first + 1);
}

#[test]
fn chapter_04() {
    // 4.1: on the quick grid, small init reaches the threshold first for shortcut 2 at the deepest depth.
    let cfg = TrainingGridConfig::quick();
    let grid = training_grid(&cfg).unwrap();
    let deepest = *cfg.depths.iter().max().unwrap();
    assert_checker(
        |a| ch04::fastest_init_for_shortcut_two(a, &grid, deepest),
        Init::SmallGaussian { std: 1e-3 },
        Init::XavierNormal,
    );
    // A depth the grid does not have, or an init it does not have: a hint, no panic.
    assert!(
        !ch04::fastest_init_for_shortcut_two(Some(Init::Identity), &grid, deepest)
            .unwrap()
            .is_correct()
    );
    assert!(
        !ch04::fastest_init_for_shortcut_two(Some(Init::XavierNormal), &grid, 1234)
            .unwrap()
            .is_correct()
    );
    // 4.2: η* ∝ 1/L on the quick depth sweep (the measured exponent is near −1), not depth-independent.
    let scale = depth_scale(&DepthScaleConfig::quick()).unwrap();
    assert_checker(|a| ch04::n1_edge_exponent(a, &scale), -1.0, 0.0);
}

#[test]
fn chapter_05() {
    // 5.1: the fitted n = 2 curve of the quick escape run, evaluated at ε = 1e-4.
    let result = escape_times(&EscapeConfig {
        shortcuts: vec![2],
        ..EscapeConfig::quick()
    })
    .unwrap();
    let fits = result.fits_frame().unwrap();
    let c = escape::CONSTANT.f64s(&fits).unwrap()[0].unwrap();
    let data = DataSpec::default().load(2).unwrap();
    let sigma = theory::singular_values(&data.moments().m).unwrap()[0];
    let eta = EscapeConfig::quick().train.learning_rate;
    // η and σ_max(M) are in the fits table the student reads.
    assert_eq!(shared::LEARNING_RATE.f64s(&fits).unwrap()[0], Some(eta));
    assert_eq!(escape::SIGMA_MAX.f64s(&fits).unwrap()[0], Some(sigma));
    let predicted = (1.0 / ch05::ESCAPE_EPSILON).ln() / (1.0 + eta * sigma).ln() + c;
    let quick = EscapeConfig::quick();
    assert_checker(
        |a| ch05::escape_steps(a, &quick),
        predicted,
        3.0 * predicted,
    );
    // 5.2: ε^−(n−2) with n = 3: ten times smaller ε, ten times longer.
    assert_checker(|a| ch05::n3_escape_ratio(a, &quick), 10.0, 1.0);
    // 5.3: the order of the stationary point is the shortcut depth, in the quick and the full set-up; the
    // Hessian's order (2) is the tempting wrong answer.
    for cfg in [
        StationaryOrderConfig::quick(),
        StationaryOrderConfig::default(),
    ] {
        assert_checker(
            |a| ch05::stationary_order_prediction(a, &cfg),
            ch05::PREDICTED_SHORTCUT,
            2,
        );
    }
}

#[test]
fn chapter_06() {
    // 6.1: κ = σ_max(M)/σ_min(M) of the digits.
    let data = DataSpec::Digits.load(8).unwrap();
    let s = theory::singular_values(&data.moments().m).unwrap();
    assert_checker(ch06::digits_condition_number, s[0] / s[s.len() - 1], s[0]);
    // 6.2: slope ½ enters the block once.
    let relu = relu_conventions(&ReluConventionsConfig::default()).unwrap();
    assert_checker(|a| ch06::relu_second_difference_ratio(a, &relu), 0.5, 0.25);
}

#[test]
fn chapter_07() {
    // 7.1: the spectrum at zero is symmetric: trace 0.
    let sigma =
        theory::singular_values(&DataSpec::default().load(8).unwrap().moments().m).unwrap()[0];
    assert_checker(ch07::trace_at_zero, 0.0, sigma);
    // 7.2: two P×P matrices of 8-byte entries, P = 2·1024·8².
    let p = (2 * 1024 * 64) as f64;
    assert_checker(ch07::dense_bytes_of_large, 16.0 * p * p, 8.0 * p * p);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any real answer — NaN, ±∞, huge, tiny, negative — gets feedback, never a panic; only values close to the
    /// truth are correct.
    #[test]
    fn checkers_never_panic_on_any_answer(
        x in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(0.0), Just(-0.0), -1e300f64..1e300, -10.0f64..10.0],
        k in prop_oneof![Just(0usize), Just(usize::MAX), 0usize..10_000],
    ) {
        let real = ch02::lambda_max_at_zero(Some(x)).unwrap();
        prop_assert!(!real.message().is_empty());
        prop_assert!(!ch03::n2_condition_at_depth(Some(x), &ConditionVsDepthConfig::quick()).unwrap().message().is_empty());
        prop_assert!(!ch03::n1_lambda_max_slope(Some(x)).unwrap().message().is_empty());
        prop_assert!(!ch01::loss_at_zero(Some(x)).unwrap().message().is_empty());
        let count = ch01::parameter_count(Some(k)).unwrap();
        prop_assert_eq!(count.is_correct(), k == 240);
        if !x.is_finite() {
            prop_assert!(!real.is_correct());
        }
    }
}

/// The feedback renders as one HTML box with escaped text.
#[test]
fn feedback_renders_escaped_html() {
    let f = Feedback::NotYet("a < b & c".into());
    let html = f.to_html();
    assert!(html.contains("a &lt; b &amp; c") && html.contains("Not yet"));
    assert_eq!(Feedback::NotAttempted.label(), "not attempted");
    assert!(Feedback::Correct("x".into())
        .to_string()
        .starts_with("Correct"));
}

/// The verdict as data (what the teacher's roll-up reads): a JSON object whose `verdict` is the label and whose
/// `message` is the message, quotes and newlines included, for each of the three kinds.
#[test]
fn feedback_as_json_carries_the_verdict_and_message() {
    for f in [
        Feedback::Correct("κ = 3.5 \"exactly\"".into()),
        Feedback::NotYet("line one\nline two \\ done".into()),
        Feedback::NotAttempted,
    ] {
        let v: serde_json::Value = serde_json::from_str(&feedback_json(&f)).unwrap();
        assert_eq!(v["verdict"], f.label());
        assert_eq!(v["message"], f.message());
    }
}
