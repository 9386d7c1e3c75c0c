//! Trains linear residual networks with shortcut depth 1, 2 and 3 on a whitened teacher problem, from small
//! initialisation, at several depths, picking the best learning rate per configuration from a grid.
//! Prints a table and writes `reports/teacher_training.csv` and `reports/teacher_training.html`.
//!
//! Run: `cargo run --release --example teacher_training` (set `DEMYSTIFY_QUICK=1` for a smaller sweep).

use std::fmt::Write as _;

use demystify_resnet::prelude::*;
use demystify_resnet::train::best_learning_rate;

const D: usize = 4;

struct Row {
    shortcut: usize,
    depth: usize,
    best_lr: Option<f64>,
    final_loss: Option<f64>,
    steps_to_1e3: Option<usize>,
    status: String,
}

fn run<const N: usize>(
    depth: usize,
    data: &Dataset<D>,
    rates: &[f64],
    steps: usize,
) -> Result<Row> {
    let net = ResNet::<D, N>::new(depth, &Init::SmallGaussian { std: 1e-2 }, 1)?;
    let cfg = TrainConfig {
        steps,
        record_every: 1,
        ..Default::default()
    };
    let search = best_learning_rate(&net, data, rates, &cfg)?;
    let best = search.best_history();
    let threshold = 1e-3 * data.moments().loss_at_zero;
    Ok(Row {
        shortcut: N,
        depth,
        best_lr: search.best,
        final_loss: best.and_then(|h| h.final_loss()),
        steps_to_1e3: best.and_then(|h| h.steps_to_reach(threshold)),
        status: best.map_or("all rates diverged".into(), |h| {
            h.status.label().to_string()
        }),
    })
}

fn fmt_opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("—".into(), |v| v.to_string())
}

fn main() -> Result<()> {
    let quick = std::env::var("DEMYSTIFY_QUICK").is_ok_and(|v| v == "1");
    let depths: &[usize] = if quick { &[1, 4] } else { &[1, 4, 16, 32] };
    let steps = if quick { 300 } else { 2000 };
    let rates = [0.01, 0.03, 0.1, 0.3, 1.0];
    let data = Teacher {
        samples: 128,
        scale: 0.5,
        ..Default::default()
    }
    .generate::<D>()?
    .data;

    let mut rows = Vec::new();
    for &depth in depths {
        rows.push(run::<1>(depth, &data, &rates, steps)?);
        rows.push(run::<2>(depth, &data, &rates, steps)?);
        rows.push(run::<3>(depth, &data, &rates, steps)?);
    }

    let header = [
        "shortcut",
        "depth",
        "best_lr",
        "final_loss",
        "steps_to_1e-3_of_l0",
        "status",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.shortcut.to_string(),
                r.depth.to_string(),
                fmt_opt(r.best_lr),
                r.final_loss.map_or("—".into(), |l| format!("{l:.3e}")),
                fmt_opt(r.steps_to_1e3),
                r.status.clone(),
            ]
        })
        .collect();
    println!("{}", header.join("\t"));
    for c in &cells {
        println!("{}", c.join("\t"));
    }

    std::fs::create_dir_all("reports").map_err(|e| Error::Io {
        path: "reports".into(),
        message: e.to_string(),
    })?;
    let mut csv = header.join(",") + "\n";
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><title>Teacher training</title>\
         <h1>Linear ResNet on a teacher problem, small init (ε = 1e-2)</h1>\
         <p>Best learning rate per (shortcut, depth) from the grid 0.01…1; GD; loss threshold 1e-3·ℓ(0).</p><table border=1>",
    );
    write!(
        html,
        "<tr>{}</tr>",
        header
            .iter()
            .map(|h| format!("<th>{h}</th>"))
            .collect::<String>()
    )
    .ok();
    for c in &cells {
        csv += &(c.join(",") + "\n");
        write!(
            html,
            "<tr>{}</tr>",
            c.iter()
                .map(|v| format!("<td>{v}</td>"))
                .collect::<String>()
        )
        .ok();
    }
    html += "</table>";
    for (path, text) in [
        ("reports/teacher_training.csv", csv),
        ("reports/teacher_training.html", html),
    ] {
        std::fs::write(path, text).map_err(|e| Error::Io {
            path: path.into(),
            message: e.to_string(),
        })?;
    }
    eprintln!("wrote reports/teacher_training.csv and reports/teacher_training.html");
    Ok(())
}
