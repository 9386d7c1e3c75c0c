//! demystify-resnet as one Rust shared library (`crate-type = ["dylib"]`), for the notebooks' evcxr kernel.
//!
//! Every item of `demystify_resnet` is re-exported here under the same path, and the notebooks load this crate under
//! that name (`:dep demystify_resnet = { package = "demystify-resnet-dylib", path = "../dylib" }`), so the code in
//! the cells is the same as with the crate itself.
//!
//! Why: evcxr compiles each cell into a shared object (built with `-C prefer-dynamic`). Against the plain crate,
//! the linker reads every static library behind it (about 140 `.rlib` files, polars and faer among them) for every
//! cell, about 0.6 s of a trivial cell's 1.1 s build on a 2-core AMD EPYC. Against this library it reads one
//! shared object's symbol table. The library is linked once per build folder (about 6 s) and holds the compiled
//! crate and its dependencies (about 170 MB); docs/classroom.md has the per-cell figures.
//!
//! Generic code (a `ResNet::<D, N>` method, dfdx's modules) is still monomorphised in the cell that uses it.

pub use ::demystify_resnet::*;
