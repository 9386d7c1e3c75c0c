//! Experiment 7 end to end: matrix-free spectra (Lanczos, Hutchinson, SLQ) against the dense spectrum, then on a
//! network too large for a dense Hessian. `cargo run --release --example matrix_free` (DEMYSTIFY_QUICK=1 for the
//! small version); writes to `reports/examples/`.
use demystify_resnet::prelude::*;
use demystify_resnet::report::{density_figure, save_outputs};

fn main() -> Result<()> {
    let (compare, large) = if quick_mode() {
        (MatrixFreeConfig::quick(), MatrixFreeConfig::large_quick())
    } else {
        (MatrixFreeConfig::default(), MatrixFreeConfig::large())
    };
    let small = matrix_free_spectrum(&compare)?;
    println!(
        "{}: matrix-free {:.2} s, dense {:.2?} s",
        small.describe(),
        small.matrix_free_seconds,
        small.dense_seconds
    );
    let small_table = small.estimates_frame()?;
    println!("{}", Table::new(&small_table).to_text()?);
    let big = matrix_free_spectrum(&large)?;
    println!(
        "{}: matrix-free {:.2} s",
        big.describe(),
        big.matrix_free_seconds
    );
    let big_table = big.estimates_frame()?;
    println!("{}", Table::new(&big_table).to_text()?);
    let mut checked = matrix_free::claims(&small)?;
    checked.extend(matrix_free::claims(&big)?);
    let claims = claims_frame(&checked)?;
    println!("{}", Table::new(&claims).to_text()?);
    let density = density_figure(
        &small.density,
        0.05,
        small.dense_eigenvalues.as_deref(),
        "SLQ density vs dense eigenvalues",
    )?;
    for path in save_outputs(
        "reports/examples",
        "matrix_free",
        &[
            ("compare", &small_table),
            ("large", &big_table),
            ("claims", &claims),
        ],
        &[("density", &density)],
    )? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
