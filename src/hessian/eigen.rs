//! Dense symmetric eigenvalues. Two backends: faer (pure Rust, always available) and LAPACK `dsyevd` from the
//! system OpenBLAS (cargo feature `lapack`, the routine numpy's `eigvalsh` calls). [`symmetric_eigenvalues`]
//! uses LAPACK when the feature is on, faer otherwise. Matrices with block-diagonal structure (e.g. the
//! shortcut-2 Hessian at zero, one block per residual unit) can be split first with [`block_diagonal_eigenvalues`].

use faer::MatRef;

use crate::error::Result;

/// Which dense eigensolver to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EigenBackend {
    /// faer's `self_adjoint_eigenvalues` (tridiagonalisation + QR/divide and conquer), pure Rust.
    Faer,
    /// LAPACK `dsyevd` (eigenvalues only) from the system OpenBLAS; needs the `lapack` cargo feature.
    Lapack,
}

impl EigenBackend {
    /// The backend [`symmetric_eigenvalues`] uses: LAPACK when compiled with the `lapack` feature.
    pub fn best_available() -> Self {
        if cfg!(feature = "lapack") {
            EigenBackend::Lapack
        } else {
            EigenBackend::Faer
        }
    }
    /// Name for tables and benchmark output.
    pub fn name(&self) -> &'static str {
        match self {
            EigenBackend::Faer => "faer",
            EigenBackend::Lapack => "lapack-dsyevd",
        }
    }
}

/// All eigenvalues of the symmetric matrix `a` (only its lower triangle is read), ascending.
pub fn symmetric_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
    symmetric_eigenvalues_with(a, EigenBackend::best_available())
}

/// All eigenvalues of the symmetric matrix `a` with the chosen backend, ascending.
/// Errors: a non-square or non-finite matrix, a backend not compiled in, or a solver failure.
pub fn symmetric_eigenvalues_with(a: MatRef<'_, f64>, backend: EigenBackend) -> Result<Vec<f64>> {
    match backend {
        EigenBackend::Faer => Ok(demystify_core::eigen::symmetric_eigenvalues(a)?),
        EigenBackend::Lapack => {
            demystify_core::eigen::check_symmetric_input(a)?;
            if a.nrows() == 0 {
                return Ok(Vec::new());
            }
            let mut values = lapack::dsyevd_eigenvalues(a)?;
            values.sort_by(f64::total_cmp);
            Ok(values)
        }
    }
}

/// Eigenvalues of a matrix made of `a.nrows() / block` diagonal blocks of size `block`, if every entry outside
/// those blocks is exactly zero; `None` otherwise (then use [`symmetric_eigenvalues`]). The blocks are
/// independent, so this costs `O(P·block²)` instead of `O(P³)`.
pub fn block_diagonal_eigenvalues(a: MatRef<'_, f64>, block: usize) -> Result<Option<Vec<f64>>> {
    let p = a.nrows();
    if block == 0 || p % block != 0 || block == p || a.ncols() != p {
        return Ok(None);
    }
    for j in 0..p {
        let bj = j / block;
        for i in j..p {
            if i / block != bj && a[(i, j)] != 0.0 {
                return Ok(None);
            }
        }
    }
    let mut values = Vec::with_capacity(p);
    for b in 0..p / block {
        let sub = a.submatrix(b * block, b * block, block, block);
        values.extend(symmetric_eigenvalues(sub)?);
    }
    values.sort_by(f64::total_cmp);
    Ok(Some(values))
}

/// The kernel family the linked OpenBLAS runs (`openblas_get_corename`, e.g. `"SkylakeX"`, `"Haswell"`, or the
/// generic `"Prescott"`); `None` without the `lapack` feature.
pub fn blas_kernel() -> Option<String> {
    lapack::kernel()
}

/// The `OPENBLAS_CORETYPE` this CPU deserves when the linked OpenBLAS fell back to its generic `Prescott`
/// kernels (an OpenBLAS older than the CPU, e.g. Debian 12's 0.3.21 on Intel Emerald Rapids: `dsyevd` then runs
/// 1.5–2× slower): `"SkylakeX"` with AVX-512, `"Haswell"` with AVX2; `None` when the kernel is not the generic
/// one, or without the `lapack` feature. Set it in the environment before the program starts (OpenBLAS reads
/// it when it loads); the Makefile does so (`scripts/openblas-coretype.sh`).
pub fn suggested_openblas_coretype() -> Option<&'static str> {
    if blas_kernel()?.to_ascii_lowercase() != "prescott" {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Some("SkylakeX");
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Some("Haswell");
        }
    }
    None
}

#[cfg(feature = "lapack")]
mod lapack {
    use faer::MatRef;

    use crate::error::{Error, Result};

    #[link(name = "openblas")]
    extern "C" {
        fn openblas_get_corename() -> *const std::ffi::c_char;
        fn dsyevd_(
            jobz: *const u8,
            uplo: *const u8,
            n: *const i32,
            a: *mut f64,
            lda: *const i32,
            w: *mut f64,
            work: *mut f64,
            lwork: *const i32,
            iwork: *mut i32,
            liwork: *const i32,
            info: *mut i32,
        );
    }

    /// The OpenBLAS kernel family in use (`openblas_get_corename`), e.g. `"SkylakeX"` or `"Prescott"`.
    pub fn kernel() -> Option<String> {
        // SAFETY: OpenBLAS returns a pointer to a static NUL-terminated string.
        let name = unsafe { std::ffi::CStr::from_ptr(openblas_get_corename()) };
        Some(name.to_string_lossy().into_owned())
    }

    /// Eigenvalues by LAPACK `dsyevd` with `jobz = 'N'`, reading the lower triangle (column-major copy).
    pub fn dsyevd_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
        let n = a.nrows();
        let ni = i32::try_from(n)
            .map_err(|_| Error::Unsupported(format!("matrix too large for LAPACK: {n}")))?;
        let mut buf = vec![0.0; n * n];
        for j in 0..n {
            for i in j..n {
                buf[j * n + i] = a[(i, j)];
            }
        }
        let mut w = vec![0.0; n];
        // One dsyevd call with jobz = 'N', uplo = 'L'; lwork = liwork = −1 makes it a workspace query.
        let mut call = |work: &mut [f64], lwork: i32, iwork: &mut [i32], liwork: i32| -> i32 {
            let mut info = 0;
            // SAFETY: `buf` is n×n column-major, `w` holds n values, and `work`/`iwork` hold at least
            // max(1, lwork)/max(1, liwork) entries (one each for the query), as LAPACK requires.
            unsafe {
                dsyevd_(
                    b"N".as_ptr(),
                    b"L".as_ptr(),
                    &ni,
                    buf.as_mut_ptr(),
                    &ni,
                    w.as_mut_ptr(),
                    work.as_mut_ptr(),
                    &lwork,
                    iwork.as_mut_ptr(),
                    &liwork,
                    &mut info,
                );
            }
            info
        };
        let (mut work_query, mut iwork_query) = ([0.0f64], [0i32]);
        let info = call(&mut work_query, -1, &mut iwork_query, -1);
        if info != 0 {
            return Err(Error::LinearAlgebra(format!(
                "dsyevd workspace query failed: info = {info}"
            )));
        }
        let (lwork, liwork) = (work_query[0] as i32, iwork_query[0]);
        let mut work = vec![0.0; lwork.max(1) as usize];
        let mut iwork = vec![0i32; liwork.max(1) as usize];
        let info = call(&mut work, lwork, &mut iwork, liwork);
        if info != 0 {
            return Err(Error::LinearAlgebra(format!(
                "dsyevd failed to converge: info = {info}"
            )));
        }
        Ok(w)
    }
}

#[cfg(not(feature = "lapack"))]
mod lapack {
    use faer::MatRef;

    use crate::error::{Error, Result};

    pub fn kernel() -> Option<String> {
        None
    }

    pub fn dsyevd_eigenvalues(_a: MatRef<'_, f64>) -> Result<Vec<f64>> {
        Err(Error::Unsupported(
            "the LAPACK backend needs the `lapack` cargo feature (and the system OpenBLAS, e.g. Debian's libopenblas-dev)".into(),
        ))
    }
}
