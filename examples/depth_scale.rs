//! Experiment 6 end to end: best learning rate, final loss and steps to a threshold vs depth, per architecture.
//! `cargo run --release --example depth_scale` (DEMYSTIFY_QUICK=1 for the small version); writes to
//! `reports/examples/`.
use demystify_resnet::experiments::DepthMeasure;
use demystify_resnet::prelude::*;
use demystify_resnet::report::{depth_scale_figure, save_outputs};

fn main() -> Result<()> {
    let config = if quick_mode() {
        DepthScaleConfig::quick()
    } else {
        DepthScaleConfig::default()
    };
    let scale = depth_scale(&config)?;
    let table = scale.to_frame()?;
    println!("{}", Table::new(&table).to_text()?);
    let claims = claims_frame(&demystify_resnet::experiments::depth_scale::claims(&scale)?)?;
    println!("{}", Table::new(&claims).to_text()?);
    let lr = depth_scale_figure(&scale, DepthMeasure::EdgeOfStability)?;
    let steps = depth_scale_figure(&scale, DepthMeasure::StepsToThreshold)?;
    for path in save_outputs(
        "reports/examples",
        "depth_scale",
        &[("table", &table), ("claims", &claims)],
        &[("best_lr", &lr), ("steps", &steps)],
    )? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
