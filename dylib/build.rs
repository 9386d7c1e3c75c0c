//! Puts a link to the shared library where the kernel's cells will look for it.
//!
//! evcxr moves each cell's shared object from `target/<triple>/debug/deps/` to `target/<triple>/debug/` before it
//! loads it, and the object finds its shared-library dependencies through a run path relative to itself
//! (`$ORIGIN`, written when it was linked in `deps/`). So this library, which cargo writes to `deps/`, must also be
//! reachable from `debug/`: a relative symbolic link `debug/libdemystify_resnet_dylib.so -> deps/…` does that for
//! every build folder, including a copy of one (the classroom's per-student folders).

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    // OUT_DIR is <profile dir>/build/<package>-<hash>/out; the library goes to <profile dir>/deps.
    let Some(profile_dir) = out_dir.ancestors().nth(3) else {
        return;
    };
    let file = format!(
        "{}demystify_resnet_dylib{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let link = profile_dir.join(&file);
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    if let Err(error) = std::os::unix::fs::symlink(PathBuf::from("deps").join(&file), &link) {
        println!(
            "cargo::warning=could not link {} to deps/{file}: {error}",
            link.display()
        );
    }
}
