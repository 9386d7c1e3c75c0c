//! Experiment 1 end to end: the spectrum of the Hessian at W = 0 per shortcut depth, numeric next to closed form.
//! `cargo run --release --example spectrum_at_zero` (DEMYSTIFY_QUICK=1 for the small version); writes to
//! `reports/examples/`.
use demystify_resnet::prelude::*;
use demystify_resnet::report::{save_outputs, spectrum_figure};

fn main() -> Result<()> {
    let config = if quick_mode() {
        SpectrumAtZeroConfig::quick()
    } else {
        SpectrumAtZeroConfig::default()
    };
    let result = spectrum_at_zero(&config)?;
    let table = result.to_frame()?;
    println!("{}", Table::new(&table).to_text()?);
    let figures: Vec<(String, Figure)> = config
        .shortcuts
        .iter()
        .map(|&n| Ok((format!("n{n}"), spectrum_figure(&result, n)?)))
        .collect::<Result<_>>()?;
    let refs: Vec<(&str, &Figure)> = figures.iter().map(|(n, f)| (n.as_str(), f)).collect();
    for path in save_outputs(
        "reports/examples",
        "spectrum_at_zero",
        &[("table", &table)],
        &refs,
    )? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
