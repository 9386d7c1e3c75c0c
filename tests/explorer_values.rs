//! The explorers of the exported reports draw the native crate's closed forms. `make test` moves each explorer's
//! controls in headless Chromium (`scripts/explorer_test.py`), records what the page plotted and the settings it
//! computed them at (the JSON file named by `DEMYSTIFY_EXPLORER_VALUES`), and this test recomputes every plotted
//! value with the native crate, through the notebooks' own path (`DataSpec::Teacher(…).load(D)`, then
//! `theory::closed_form_spectrum`; κ as notebook 03's figure plots it, eigenvalues clustered within 1e-9·max|λ|),
//! and compares: at most 1e-12 relative. Without the variable (a plain
//! `cargo test`) there is no page to read and the test says so and returns; with it, a missing file fails.

use demystify_resnet::hessian::spectrum::DEFAULT_RELATIVE_TOLERANCE;
use demystify_resnet::hessian::{dense_matrix_bytes, dense_spectrum_bytes};
use demystify_resnet::prelude::*;
use serde_json::Value;

const TOLERANCE: f64 = 1e-12;

fn recorded() -> Option<Vec<Value>> {
    let path = std::env::var("DEMYSTIFY_EXPLORER_VALUES").ok()?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("DEMYSTIFY_EXPLORER_VALUES={path}: {e}"));
    Some(serde_json::from_str(&text).expect("the explorers' values as a JSON list"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn whole(v: &Value) -> usize {
    v.as_u64()
        .unwrap_or_else(|| panic!("{v} is not a whole number")) as usize
}

fn moments(used: &Value) -> Moments {
    let t = &used["teacher"];
    let teacher = Teacher {
        samples: whole(&t["samples"]),
        scale: num(&t["scale"]),
        seed: whole(&t["seed"]) as u64,
        ..Teacher::default()
    };
    DataSpec::Teacher(teacher)
        .load(whole(&used["width"]))
        .expect("the teacher data")
        .moments()
        .clone()
}

/// `|page − native| ≤ 1e-12·|native|`, and the same nullness (a flat spectrum has no κ: null in the page).
fn agree(what: &str, page: &Value, native: Option<f64>) -> f64 {
    match (page.as_f64(), native) {
        (None, None) => 0.0,
        (Some(p), Some(n)) => {
            let rel = (p - n).abs() / n.abs().max(f64::MIN_POSITIVE);
            assert!(
                rel <= TOLERANCE,
                "{what}: page {p:e}, native {n:e}, relative difference {rel:e}"
            );
            rel
        }
        (p, n) => panic!("{what}: page {p:?}, native {n:?}"),
    }
}

fn traces(record: &Value) -> &Vec<Value> {
    record["traces"].as_array().expect("traces")
}

#[test]
fn every_plotted_value_equals_the_native_closed_form() {
    let Some(records) = recorded() else {
        eprintln!(
            "DEMYSTIFY_EXPLORER_VALUES not set: no exported page to read (make test sets it)"
        );
        return;
    };
    let (mut compared, mut worst) = (0usize, 0.0f64);
    let mut kinds = std::collections::BTreeSet::new();
    for record in &records {
        let kind = record["kind"].as_str().expect("kind");
        let used = &record["used"];
        let label = format!("{} {kind}, setting {}", record["page"], record["setting"]);
        assert_eq!(record["state"], "ok", "{label}: {}", record["status"]);
        kinds.insert(kind.to_string());
        match kind {
            "condition_vs_depth" => {
                let m = moments(used);
                let drawn: Vec<usize> = traces(record)
                    .iter()
                    .map(|t| whole(&t["meta"]["shortcut"]))
                    .collect();
                let expected: Vec<usize> = used["shortcuts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(whole)
                    .collect();
                assert_eq!(drawn, expected, "{label}: the lines drawn");
                for t in traces(record) {
                    let n = whole(&t["meta"]["shortcut"]);
                    assert!(
                        !t["x"].as_array().unwrap().is_empty(),
                        "{label}: shortcut {n} has no points"
                    );
                    for (x, y) in t["x"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .zip(t["y"].as_array().unwrap())
                    {
                        let native = theory::closed_form_spectrum(n, whole(x), &m, 1.0)
                            .unwrap()
                            .effective_condition_number(DEFAULT_RELATIVE_TOLERANCE);
                        worst = worst.max(agree(
                            &format!("{label}: κ, shortcut {n}, L = {x}"),
                            y,
                            native,
                        ));
                        compared += 1;
                    }
                }
            }
            "spectrum_at_zero" => {
                let m = moments(used);
                let (n, l) = (whole(&used["shortcut"]), whole(&used["depth"]));
                let native = theory::closed_form_spectrum(n, l, &m, 1.0).unwrap();
                let clusters = native.clustered(DEFAULT_RELATIVE_TOLERANCE);
                let t = &traces(record)[0];
                let (xs, ys) = (t["x"].as_array().unwrap(), t["y"].as_array().unwrap());
                assert_eq!(xs.len(), clusters.len(), "{label}: distinct eigenvalues");
                for ((x, y), &(value, count)) in xs.iter().zip(ys).zip(&clusters) {
                    assert_eq!(whole(y), count, "{label}: multiplicity of {value}");
                    // Eigenvalues to 1e-12 of the largest (a zero eigenvalue has no relative error).
                    let scale = native.max_abs().max(f64::MIN_POSITIVE);
                    let diff = (num(x) - value).abs() / scale;
                    assert!(
                        diff <= TOLERANCE,
                        "{label}: λ page {x}, native {value:e}, {diff:e} of max|λ|"
                    );
                    worst = worst.max(diff);
                    compared += 2;
                }
            }
            "dense_memory" => {
                let k = whole(&used["vectors"]) as f64;
                let rules: [(&str, fn(usize, f64) -> f64); 3] = [
                    ("dense with eigenvalues", |p, _| {
                        dense_spectrum_bytes(p) as f64
                    }),
                    ("dense matrix", |p, _| dense_matrix_bytes(p) as f64),
                    ("matrix-free", |p, k| 8.0 * k * p as f64),
                ];
                for (t, (what, rule)) in traces(record).iter().zip(rules) {
                    for (x, y) in t["x"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .zip(t["y"].as_array().unwrap())
                    {
                        worst = worst.max(agree(
                            &format!("{label}: {what} at P = {x}"),
                            y,
                            Some(rule(whole(x), k)),
                        ));
                        compared += 1;
                    }
                }
            }
            other => panic!("{label}: unknown explorer {other}"),
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["condition_vs_depth", "dense_memory", "spectrum_at_zero"],
        "every explorer recorded"
    );
    eprintln!("{compared} plotted values from {} pictures agree with the native crate; largest relative difference {worst:e}", records.len());
}
