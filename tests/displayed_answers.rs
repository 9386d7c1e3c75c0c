//! Every "read it off the table" exercise accepts the value as the exported report displays it. `make test` exports
//! the quick-mode reports, reads the displayed values off them (`scripts/displayed_answers.py`, into the JSON file
//! named by `DEMYSTIFY_DISPLAYED`) and runs this test, which answers each exercise as a student would, from those
//! digits, and expects "correct". Without `DEMYSTIFY_DISPLAYED` (a plain `cargo test`) there is no report to read
//! and the test says so and returns; with it, a missing file or value fails.

use demystify_resnet::exercises::{ch01, ch02, ch03, ch05, ch06};
use demystify_resnet::prelude::*;
use serde_json::Value;

fn displayed() -> Option<Value> {
    let path = std::env::var("DEMYSTIFY_DISPLAYED").ok()?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("DEMYSTIFY_DISPLAYED={path}: {e}"));
    Some(serde_json::from_str(&text).expect("displayed values as JSON"))
}

fn number(v: &Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_f64()
        .unwrap_or_else(|| panic!("no displayed value at {path:?}"))
}

fn expect_correct(exercise: &str, feedback: exercises::ExerciseCheck) {
    assert!(
        feedback.is_correct(),
        "exercise {exercise}, answered with the displayed digits: {feedback}"
    );
}

#[test]
fn read_off_exercises_accept_the_displayed_values() {
    let Some(shown) = displayed() else {
        eprintln!("DEMYSTIFY_DISPLAYED not set: no exported report to read (make test sets it)");
        return;
    };
    // The reports were made in quick mode: the notebooks' configs are the quick ones.
    // 3.1: κ at L = 10 000 is the κ any row of the shortcut-2 table shows.
    let kappa = number(&shown, &["3.1", "condition_number"]);
    expect_correct(
        "3.1",
        ch03::n2_condition_at_depth(Some(kappa), &ConditionVsDepthConfig::quick()).unwrap(),
    );
    // 2.2: λ_max = σ_max(M) from the entries of M as the table shows them.
    let rows = shown["2.2"]["m"].as_array().expect("the entries of M");
    let m = demystify_resnet::faer::Mat::from_fn(rows.len(), rows.len(), |i, j| {
        rows[i][j].as_f64().expect("a displayed entry of M")
    });
    let sigma_max = theory::singular_values(&m).unwrap()[0];
    expect_correct("2.2", ch02::lambda_max_at_zero(Some(sigma_max)).unwrap());
    // 5.1: the fitted n = 2 curve t = ln(1/ε)/ln(1 + η σ_max) + c with η, σ_max and c as the fits table shows them.
    let eta = number(&shown, &["5.1", "learning_rate"]);
    let sigma = number(&shown, &["5.1", "sigma_max"]);
    let c = number(&shown, &["5.1", "constant"]);
    let predicted = (1.0 / ch05::ESCAPE_EPSILON).ln() / (1.0 + eta * sigma).ln() + c;
    expect_correct(
        "5.1",
        ch05::escape_steps(Some(predicted), &EscapeConfig::quick()).unwrap(),
    );
    // 1.2: ℓ(0) = ½·tr Σ_yy − tr Σ_xy + ½·tr Σ_xx from the traces as the table shows them.
    let loss = 0.5 * number(&shown, &["1.2", "tr_syy"]) - number(&shown, &["1.2", "tr_sxy"])
        + 0.5 * number(&shown, &["1.2", "tr_sxx"]);
    expect_correct("1.2", ch01::loss_at_zero(Some(loss)).unwrap());
    // 6.1: κ = σ_max/σ_min from the digits' singular values as the table shows them.
    let sigma: Vec<f64> = shown["6.1"]["sigma"]
        .as_array()
        .expect("the displayed singular values")
        .iter()
        .map(|v| v.as_f64().expect("a displayed singular value"))
        .collect();
    expect_correct(
        "6.1",
        ch06::digits_condition_number(Some(sigma[0] / sigma[sigma.len() - 1])).unwrap(),
    );
}
