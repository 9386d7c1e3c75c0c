//! Experiment 4 end to end: the Hessian's spectrum every k steps of gradient descent.
//! `cargo run --release --example hessian_along_training` (DEMYSTIFY_QUICK=1 for the small version); writes to
//! `reports/examples/`.
use demystify_resnet::prelude::*;
use demystify_resnet::report::{eigenvalue_trajectories_figure, save_outputs, trajectory_figure};

fn main() -> Result<()> {
    let config = if quick_mode() {
        HessianAlongTrainingConfig::quick()
    } else {
        HessianAlongTrainingConfig::default()
    };
    let t = hessian_along_training(&config)?;
    let (summary, top_eigenvalues) = (t.summary_frame()?, t.top_eigenvalues_frame()?);
    println!("{}", Table::new(&summary).to_text()?);
    let claims = claims_frame(&trajectory::claims(&t)?)?;
    println!("{}", Table::new(&claims).to_text()?);
    let cond = trajectory_figure(&t, TrajectoryMeasure::EffectiveConditionNumber)?;
    let top = eigenvalue_trajectories_figure(&t)?;
    let tables = [
        ("summary", &summary),
        ("claims", &claims),
        ("top_eigenvalues", &top_eigenvalues),
    ];
    for path in save_outputs(
        "reports/examples",
        "hessian_along_training",
        &tables,
        &[("condition", &cond), ("top", &top)],
    )? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
