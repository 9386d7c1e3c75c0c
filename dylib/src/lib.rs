//! demystify-resnet as one Rust shared library (`crate-type = ["dylib"]`), for the notebooks' evcxr kernel.
//!
//! Every item of `demystify_resnet` is re-exported here under the same path, and the notebooks load this crate under
//! that name (`:dep demystify_resnet = { package = "demystify-resnet-dylib", path = "../dylib" }`), so the code in
//! the cells is the same as with the crate itself.
//!
//! Why: evcxr compiles each cell into a shared object (built with `-C prefer-dynamic`). Against the plain crate,
//! the linker reads every static library behind it (141 `.rlib` files, polars and faer among them) for every cell:
//! 0.62 s of rustc's 1.38 s on an empty cell (`-Z time-passes`, 2-core AMD EPYC). Against this library it reads one
//! shared object's symbol table. The library (about 170 MB: the compiled crate and its dependencies) is linked once,
//! by the first `:dep` in a build folder; the classroom's seed holds it and each student's folder links to it (a symbolic link).
//! docs/classroom.md has the per-cell figures.
//!
//! Generic code (a `ResNet::<D, N>` method, dfdx's modules) is still monomorphised in the cell that uses it.

pub use ::demystify_resnet::*;
