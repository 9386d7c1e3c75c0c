//! Experiment 3 end to end: initialisations × shortcut depths × depths × learning rates × seeds.
//! `cargo run --release --example training_dynamics` (DEMYSTIFY_QUICK=1 for the small version); writes to
//! `reports/examples/`.
use demystify_resnet::prelude::*;
use demystify_resnet::report::{loss_curves_figure, save_outputs};

fn main() -> Result<()> {
    let config = if quick_mode() {
        TrainingGridConfig::quick()
    } else {
        TrainingGridConfig::default()
    };
    let grid = training_grid(&config)?;
    let (curves, runs, summary, best) = (
        grid.curves_frame()?,
        grid.runs_frame()?,
        grid.summary_frame()?,
        grid.best_frame()?,
    );
    println!(
        "{}",
        Table::new(&best)
            .title("Best learning rate per configuration")
            .to_text()?
    );
    let claims = claims_frame(&training::claims(&grid)?)?;
    println!("{}", Table::new(&claims).to_text()?);
    // Loss curves at the deepest depth and a middle learning rate, every init and architecture.
    let depth = *config.depths.iter().max().unwrap_or(&1);
    let lr = config.learning_rates[config.learning_rates.len() / 2];
    let figure = loss_curves_figure(
        &grid.runs_at(depth, lr),
        &format!("Loss curves at depth {depth}, learning rate {lr}"),
    )?;
    let tables = [
        ("curves", &curves),
        ("runs", &runs),
        ("summary", &summary),
        ("best", &best),
        ("claims", &claims),
    ];
    for path in save_outputs(
        "reports/examples",
        "training_dynamics",
        &tables,
        &[
            ("loss_curves", &figure),
            ("grid", &training_grid_heatmaps(&grid)?),
        ],
    )? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
