//! The order of the stationary point at zero (THEORY.md §4): the Taylor coefficients of φ(t) = ℓ(tV) − ℓ(0) by jet
//! arithmetic against the closed form and against the dfdx network's own loss; the order equals the shortcut depth
//! for every seeded direction; bad input is a typed error.

use demystify_resnet::experiments::stationary_order::{self, direction, AlongLine};
use demystify_resnet::hessian::taylor::{
    leading_coefficient_closed_form, loss_along_line, LineShape,
};
use demystify_resnet::prelude::*;
use proptest::prelude::*;

fn flat(data: &demystify_resnet::experiments::AnyDataset) -> (Vec<f64>, Vec<f64>) {
    data.flat_samples().unwrap()
}

#[test]
fn quick_run_every_claim_holds_and_rows_are_typed() {
    let result = stationary_order(&StationaryOrderConfig::quick()).unwrap();
    let claims = stationary_order::claims(&result).unwrap();
    assert_eq!(claims.len(), 4);
    for c in &claims {
        assert_eq!(c.verdict, Verdict::Holds, "{}: {}", c.id, c.evidence);
    }
    // Along the line: n = 1 sloped, n = 3 a saddle, n = 2 and 4 a minimum or maximum by the sign of c_n.
    for r in &result.rows {
        let expected = match r.shortcut {
            1 => AlongLine::Sloped,
            3 => AlongLine::Saddle,
            _ if r.leading_coefficient() > 0.0 => AlongLine::Minimum,
            _ => AlongLine::Maximum,
        };
        assert_eq!(r.along_line, expected, "{r:?}");
    }
    let frame = result.to_frame().unwrap();
    stationary_order::SCHEMA.check(&frame).unwrap();
    assert_eq!(frame.height(), result.rows.len());
}

/// The coefficients are those of the network's loss: the series up to degree 2n + 2 matches ℓ(tV) − ℓ(0) computed
/// by dfdx with a remainder of order t^{2n+3}.
#[test]
fn series_matches_the_networks_loss_to_its_truncation_order() {
    let data = DataSpec::default().load(2).unwrap();
    let (x, y) = flat(&data);
    for activation in [ActivationKind::Linear, ActivationKind::Tanh] {
        for n in 1..=3 {
            let shape = LineShape {
                width: 2,
                shortcut: n,
                depth: 3,
                activation,
            };
            let v = direction(7, shape.num_params());
            let c = loss_along_line(shape, &v, &x, &y, 2 * n + 2).unwrap();
            let mut net = build_network(
                &NetworkSpec {
                    width: 2,
                    architecture: Architecture::Residual { shortcut: n },
                    activation,
                    depth: 3,
                },
                &Init::Zero,
                0,
            )
            .unwrap();
            let at_zero = net.loss(&data).unwrap();
            assert!((c[0] - at_zero).abs() <= 1e-14 * at_zero, "c_0 = ℓ(0)");
            for t in [0.2, 0.1] {
                net.set_params(&v.iter().map(|a| t * a).collect::<Vec<_>>())
                    .unwrap();
                let phi = net.loss(&data).unwrap() - at_zero;
                let series: f64 = (1..c.len()).map(|k| c[k] * t.powi(k as i32)).sum();
                let remainder = (phi - series).abs();
                // |remainder| ≤ C t^{2n+3} with a modest C; rounding of ℓ adds about 1e-16.
                assert!(
                    remainder <= 10.0 * t.powi(2 * n as i32 + 3) + 1e-14,
                    "{activation:?} n = {n} t = {t}: φ = {phi:e}, series = {series:e}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// For every seeded direction, shortcut depth and number of units, the first non-zero coefficient has degree n
    /// and equals −Σ_l tr(V_{l,n}⋯V_{l,1} M) to 1e-12 relative.
    #[test]
    fn order_is_the_shortcut_depth_for_any_direction(seed in 0u64..10_000, n in 1usize..=4, depth in 1usize..=6) {
        let data = DataSpec::default().load(2).unwrap();
        let (x, y) = flat(&data);
        let shape = LineShape { width: 2, shortcut: n, depth, activation: ActivationKind::Linear };
        let v = direction(seed, shape.num_params());
        let c = loss_along_line(shape, &v, &x, &y, 2 * n + 2).unwrap();
        for k in 1..n {
            prop_assert_eq!(c[k], 0.0, "c_{} must vanish exactly", k);
        }
        let closed = leading_coefficient_closed_form(shape, &v, &data.moments().m).unwrap();
        prop_assert!(c[n] != 0.0);
        prop_assert!((c[n] / closed - 1.0).abs() <= 1e-12, "c_n = {} vs {}", c[n], closed);
    }
}

#[test]
fn the_same_seed_gives_the_same_numbers() {
    let cfg = StationaryOrderConfig::quick();
    let a = stationary_order(&cfg).unwrap();
    let b = stationary_order(&cfg).unwrap();
    assert_eq!(a.rows, b.rows);
}

#[test]
fn bad_input_is_a_typed_error() {
    let relu = StationaryOrderConfig {
        activations: vec![ActivationKind::Relu],
        ..StationaryOrderConfig::quick()
    };
    assert!(matches!(
        stationary_order(&relu),
        Err(Error::Unsupported(_))
    ));
    let zero_depth = StationaryOrderConfig {
        depths: vec![0],
        ..StationaryOrderConfig::quick()
    };
    assert!(matches!(
        stationary_order(&zero_depth),
        Err(Error::ZeroSize { .. })
    ));
    let no_shortcut = StationaryOrderConfig {
        shortcuts: vec![],
        ..StationaryOrderConfig::quick()
    };
    assert!(matches!(
        stationary_order(&no_shortcut),
        Err(Error::ZeroSize { .. })
    ));
    let shape = LineShape {
        width: 2,
        shortcut: 2,
        depth: 1,
        activation: ActivationKind::Linear,
    };
    let mut v = direction(0, shape.num_params());
    let (x, y) = (vec![1.0, 0.0], vec![0.5, 0.5]);
    assert!(matches!(
        loss_along_line(shape, &v[1..], &x, &y, 4),
        Err(Error::ShapeMismatch { .. })
    ));
    v[0] = f64::NAN;
    assert!(matches!(
        loss_along_line(shape, &v, &x, &y, 4),
        Err(Error::NonFinite { .. })
    ));
}

/// The chart shows what the claim says: on log–log axes each linear series has slope n.
#[test]
fn figure_lines_have_slope_n() {
    let result = stationary_order(&StationaryOrderConfig::quick()).unwrap();
    let figure = stationary_order_figure(&result).unwrap();
    let json: serde_json::Value = serde_json::from_str(&figure.to_json()).unwrap();
    let mut checked = 0;
    for trace in json["data"].as_array().unwrap() {
        let name = trace["name"].as_str().unwrap();
        let Some(n) = name.strip_prefix("n = ").and_then(|r| r.split(':').next()) else {
            continue;
        };
        if !name.contains("series") {
            continue;
        }
        let n: f64 = n.parse().unwrap();
        let (x, y) = (
            trace["x"].as_array().unwrap(),
            trace["y"].as_array().unwrap(),
        );
        let (x0, x1) = (x[0].as_f64().unwrap(), x[x.len() - 1].as_f64().unwrap());
        let (y0, y1) = (y[0].as_f64().unwrap(), y[y.len() - 1].as_f64().unwrap());
        let slope = (y1 / y0).ln() / (x1 / x0).ln();
        assert!((slope - n).abs() < 0.3, "{name}: slope {slope}");
        checked += 1;
    }
    assert_eq!(checked, 4);
}
