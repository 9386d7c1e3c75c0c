//! Experiment 2 end to end: the condition number of the Hessian vs depth (the paper's headline figure).
//! `cargo run --release --example condition_vs_depth` (DEMYSTIFY_QUICK=1 for the small version); writes to
//! `reports/examples/`.
use demystify_resnet::prelude::*;
use demystify_resnet::report::{condition_vs_depth_figure, save_outputs};

fn main() -> Result<()> {
    let config = if quick_mode() {
        ConditionVsDepthConfig::quick()
    } else {
        ConditionVsDepthConfig::default()
    };
    let result = condition_vs_depth(&config)?;
    let table = result.to_frame()?;
    println!("{}", Table::new(&table).to_text()?);
    let claims = claims_frame(&condition::claims(&result)?)?;
    println!("{}", Table::new(&claims).to_text()?);
    let figure = condition_vs_depth_figure(&result)?;
    for path in save_outputs(
        "reports/examples",
        "condition_vs_depth",
        &[("table", &table), ("claims", &claims)],
        &[("figure", &figure)],
    )? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
