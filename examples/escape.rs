//! Experiment 5 end to end: steps to escape the zero point vs the initial scale ε, with the theory curves.
//! `cargo run --release --example escape` (DEMYSTIFY_QUICK=1 for the small version); writes to
//! `reports/examples/`.
use demystify_resnet::prelude::*;
use demystify_resnet::report::{escape_figure, save_outputs};

fn main() -> Result<()> {
    let config = if quick_mode() {
        EscapeConfig::quick()
    } else {
        EscapeConfig::default()
    };
    let r = escape_times(&config)?;
    let (times, fits) = (r.times_frame()?, r.fits_frame()?);
    println!(
        "{}\n{}",
        Table::new(&times).to_text()?,
        Table::new(&fits).to_text()?
    );
    let claims = claims_frame(&escape::claims(&r)?)?;
    println!("{}", Table::new(&claims).to_text()?);
    let figure = escape_figure(&r)?;
    for path in save_outputs(
        "reports/examples",
        "escape",
        &[("times", &times), ("fits", &fits), ("claims", &claims)],
        &[("figure", &figure)],
    )? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
