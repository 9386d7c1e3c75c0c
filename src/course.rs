//! The course in one list: every notebook with what it shows, the analyses it runs (functions of
//! [`crate::experiments`]) and the example programs that run them without Jupyter. Everything else that names
//! notebooks or examples follows this list: `tests/registry.rs` checks the notebooks and their solutions on disk,
//! the `examples/` folder, the Makefile's `EXAMPLES`, the README's notebook table, that every notebook calls its
//! analyses, and that every analysis of `experiments` is in some notebook. Adding an analysis means its module,
//! one entry here, its notebook cells, its checker and its solution cell.

/// One notebook of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notebook {
    /// File stem in `notebooks/` (its solutions are `notebooks/solutions/<stem>_solutions.ipynb`).
    pub stem: &'static str,
    /// What it shows, as the README's notebook table says it.
    pub shows: &'static str,
    /// The analyses it runs: names of public functions of [`crate::experiments`].
    pub analyses: &'static [&'static str],
    /// Example programs (`examples/<name>.rs`) that run its analyses without Jupyter.
    pub examples: &'static [&'static str],
}

/// The notebooks, in reading order.
pub const NOTEBOOKS: &[Notebook] = &[
    Notebook {
        stem: "01_residual_blocks",
        shows: "dfdx's compile-time shapes: units of shortcut depth 1, 2, 3; the type-level network next to the run-time-depth one; the identity at zero; parameter counts",
        analyses: &["identity_at_zero"],
        examples: &[],
    },
    Notebook {
        stem: "02_hessian_at_zero",
        shows: "gradient and Hessian at zero per shortcut depth: block structure, spectra, exact vs closed form",
        analyses: &["spectrum_at_zero"],
        examples: &["spectrum_at_zero"],
    },
    Notebook {
        stem: "03_condition_number_vs_depth",
        shows: "the headline figure: flat for shortcut 2 (closed form to L = 10⁵), exploding for shortcut 1 and plain, flat-zero for ≥ 3; Xavier and orthogonal points",
        analyses: &["condition_vs_depth"],
        examples: &["condition_vs_depth"],
    },
    Notebook {
        stem: "04_training_dynamics",
        shows: "initialisations × shortcut depths × depths: steps to a threshold, loss after a short budget, and the edge of stability beside `2/λ_max(H(θ₀))`",
        analyses: &["training_grid", "depth_scale"],
        examples: &["training_dynamics", "depth_scale"],
    },
    Notebook {
        stem: "05_hessian_along_training",
        shows: "effective condition number, negative fraction and extreme eigenvalues along training; escaping the zero point; the order of the stationary point (exact Taylor coefficients)",
        analyses: &["hessian_along_training", "escape_times", "stationary_order"],
        examples: &["hessian_along_training", "escape"],
    },
    Notebook {
        stem: "06_nonlinear_and_real_data",
        shows: "tanh and ReLU (the ReLU-at-zero trap, three conventions side by side), the shipped digits set, MNIST if `DEMYSTIFY_MNIST_DIR` names a folder with its files",
        analyses: &["spectrum_at_zero", "condition_vs_depth", "training_grid", "relu_conventions"],
        examples: &[],
    },
    Notebook {
        stem: "07_matrix_free_spectra",
        shows: "Hessians too large to store: Lanczos, Hutchinson trace and stochastic Lanczos quadrature against the dense spectrum",
        analyses: &["hessian_along_training", "matrix_free_spectrum"],
        examples: &["matrix_free"],
    },
];

/// Every example program, in notebook order (the Makefile's `EXAMPLES`).
pub fn examples() -> Vec<&'static str> {
    NOTEBOOKS
        .iter()
        .flat_map(|n| n.examples.iter().copied())
        .collect()
}

/// Every analysis some notebook runs, each once, in order of first use.
pub fn analyses() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for a in NOTEBOOKS.iter().flat_map(|n| n.analyses.iter().copied()) {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}
