//! What an exported report page computes: the closed forms of the Hessian at the zero point
//! (`demystify_core::theory`) on the seeded teacher problem, behind a C ABI that a page calls from JavaScript
//! (`web/page.js`). The same functions are public Rust, so the native tests call exactly what the page runs.
//!
//! # The ABI
//! Numbers cross as `f64` buffers in the module's memory, no strings except an error message:
//! 1. the page asks for an input buffer of `n` values ([`input_buffer`]) and writes them;
//! 2. it calls one computation ([`condition_curve_abi`], [`spectrum_at_zero_abi`], [`dense_memory_abi`]), which
//!    returns the number of output values, or `-1` on an error;
//! 3. it reads the output ([`output_ptr`], [`output_len`]) or the error's UTF-8 message ([`error_ptr`],
//!    [`error_len`]).
//!
//! An exercise's *Check* passes bytes instead: the box's data ([`exercise_data_buffer`]) and the typed answer
//! ([`answer_buffer`]), then [`check_exercise_abi`], which returns the verdict and leaves the feedback box's HTML
//! at [`feedback_ptr`] / [`feedback_len`].
//!
//! Seeds are whole numbers below 2⁵³ (a JavaScript number holds them exactly).

use std::cell::RefCell;

use demystify_core::error::{Error, Result};
use demystify_core::exercises::{check_in_page, ExerciseId, Feedback, PageTruth};
use demystify_core::options::{dense_matrix_bytes, dense_spectrum_bytes};
use demystify_core::spectrum::DEFAULT_RELATIVE_TOLERANCE;
use demystify_core::theory::{closed_form_spectrum_with, num_params};
use demystify_core::{HessianOptions, Teacher};

/// The largest number of parameters `P` the page's shortcut-1 explorer accepts: the dense `P×P` closed form and
/// its eigenvalues (`O(P³)`), which must update in under a second in a browser. At P = 1024 one update took
/// 0.56–1.04 s in headless Chromium on a 2-core AMD EPYC; P = 768 needs about 0.42× of that.
pub const PAGE_MAX_DENSE_PARAMS: usize = 768;

/// The largest depth the explorers accept (shortcut 2 and ≥ 3 are `O(D³)` or exactly zero at any depth).
pub const PAGE_MAX_DEPTH: usize = 100_000;

/// The largest `P` the memory explorer accepts: `16P²` bytes stays below `u64::MAX` (and `P` below a 32-bit
/// `usize`, the WebAssembly one).
pub const PAGE_MAX_MEMORY_PARAMS: usize = 1_000_000_000;

/// One point of the condition-number curve of the closed-form spectrum at one depth (THEORY.md §2–4), with the
/// condition number as notebook 03's figure plots it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Depth `L` (number of residual units).
    pub depth: usize,
    /// Number of parameters `P = n·L·D²`.
    pub params: usize,
    /// `max|λ| / min{|λ| : |λ| > 1e-9·max|λ|}` (`Spectrum::effective_condition_number` with
    /// `DEFAULT_RELATIVE_TOLERANCE`): eigenvalues that are zero up to rounding are left out, as in notebook 03's
    /// figure; equal to `max|λ| / min|λ|` when no eigenvalue is that small. `None` when the spectrum is flat
    /// (shortcut ≥ 3, or `M = 0`).
    pub effective_condition_number: Option<f64>,
    /// `λ_max(H(0))`.
    pub lambda_max: f64,
    /// `min|λ(H(0))|`.
    pub min_abs_eigenvalue: f64,
}

fn page_options(max_dense_params: usize) -> HessianOptions {
    HessianOptions {
        max_dense_bytes: dense_spectrum_bytes(max_dense_params),
        ..HessianOptions::default()
    }
}

fn check_depth(depth: usize) -> Result<()> {
    if depth > PAGE_MAX_DEPTH {
        return Err(Error::OutOfRange {
            field: "depth L",
            value: depth as f64,
            expected: "the page accepts L up to 100 000",
        });
    }
    Ok(())
}

/// The closed-form condition number of `H(0)` at each depth of `depths`, for shortcut depth `shortcut` and width
/// `d` on `teacher`'s data (`theory::closed_form_spectrum`, slope 1: the linear network). Shortcut 1 is a dense
/// `P×P` eigenproblem and is refused above `max_dense_params` parameters; shortcut 2 is one SVD of `M` at any
/// depth; shortcut ≥ 3 is flat (no condition number).
pub fn condition_curve(
    shortcut: usize,
    d: usize,
    teacher: &Teacher,
    depths: &[usize],
    max_dense_params: usize,
) -> Result<Vec<CurvePoint>> {
    let moments = teacher.moments(d)?;
    let options = page_options(max_dense_params);
    depths
        .iter()
        .map(|&depth| {
            check_depth(depth)?;
            let spectrum = closed_form_spectrum_with(shortcut, depth, &moments, 1.0, &options)?;
            Ok(CurvePoint {
                depth,
                params: num_params(shortcut, depth, d),
                effective_condition_number: spectrum
                    .effective_condition_number(DEFAULT_RELATIVE_TOLERANCE),
                lambda_max: spectrum.lambda_max(),
                min_abs_eigenvalue: spectrum.min_abs(),
            })
        })
        .collect()
}

/// The eigenvalues of the closed-form `H(0)` with their multiplicities, ascending, eigenvalues within
/// `1e-9·max|λ|` of each other counted as one (`Spectrum::clustered` with `DEFAULT_RELATIVE_TOLERANCE`: a dense
/// solver's rounding does not split a multiple eigenvalue): `±σ_i(M)`, each `D·L` times, for shortcut 2; `0` with multiplicity `P` for
/// shortcut ≥ 3; the dense spectrum for shortcut 1, refused above `max_dense_params`.
pub fn spectrum_at_zero(
    shortcut: usize,
    depth: usize,
    d: usize,
    teacher: &Teacher,
    max_dense_params: usize,
) -> Result<Vec<(f64, usize)>> {
    check_depth(depth)?;
    let moments = teacher.moments(d)?;
    let spectrum = closed_form_spectrum_with(
        shortcut,
        depth,
        &moments,
        1.0,
        &page_options(max_dense_params),
    )?;
    Ok(spectrum.clustered(DEFAULT_RELATIVE_TOLERANCE))
}

/// Memory of the dense route at `P` parameters: one `P×P` f64 matrix (`8P²` bytes) and the peak of assembling it
/// and taking its eigenvalues (two copies, `16P²`); the matrix-free route holds `vectors` vectors of `P` values
/// (`8·vectors·P` bytes).
pub fn dense_memory(p: usize, vectors: usize) -> Result<[f64; 3]> {
    if p > PAGE_MAX_MEMORY_PARAMS {
        return Err(Error::OutOfRange {
            field: "parameters P",
            value: p as f64,
            expected: "the page accepts P up to 1 000 000 000",
        });
    }
    if vectors > p {
        return Err(Error::OutOfRange {
            field: "Lanczos vectors k",
            value: vectors as f64,
            expected: "Lanczos takes at most P steps (k ≤ P)",
        });
    }
    Ok([
        dense_matrix_bytes(p) as f64,
        dense_spectrum_bytes(p) as f64,
        8.0 * vectors as f64 * p as f64,
    ])
}

// ---- the C ABI -------------------------------------------------------------------------------------------

#[derive(Default)]
struct Buffers {
    input: Vec<f64>,
    output: Vec<f64>,
    error: String,
    /// An exercise box's data (bytes).
    exercise_data: Vec<u8>,
    /// The typed answer (UTF-8).
    answer: Vec<u8>,
    /// The last check's feedback box (HTML).
    feedback_html: String,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// A zeroed input buffer of `len` values for the next call; its address (valid until the next `input_buffer`).
#[no_mangle]
pub extern "C" fn input_buffer(len: usize) -> *mut f64 {
    BUFFERS.with(|b| {
        let mut b = b.borrow_mut();
        b.input = vec![0.0; len];
        b.input.as_mut_ptr()
    })
}

/// Address of the last call's output values.
#[no_mangle]
pub extern "C" fn output_ptr() -> *const f64 {
    BUFFERS.with(|b| b.borrow().output.as_ptr())
}

/// Number of the last call's output values.
#[no_mangle]
pub extern "C" fn output_len() -> usize {
    BUFFERS.with(|b| b.borrow().output.len())
}

/// Address of the last error's message (UTF-8).
#[no_mangle]
pub extern "C" fn error_ptr() -> *const u8 {
    BUFFERS.with(|b| b.borrow().error.as_ptr())
}

/// Length in bytes of the last error's message.
#[no_mangle]
pub extern "C" fn error_len() -> usize {
    BUFFERS.with(|b| b.borrow().error.len())
}

fn respond(result: Result<Vec<f64>>) -> i32 {
    BUFFERS.with(|b| {
        let mut b = b.borrow_mut();
        match result {
            Ok(values) => {
                b.output = values;
                b.error.clear();
                b.output.len() as i32
            }
            Err(e) => {
                b.output.clear();
                b.error = page_message(&e);
                -1
            }
        }
    })
}

/// An error as a reader of the page should read it: the dense-size refusal names the page's limit (the crate's
/// own message is about `HessianOptions`, which a page reader cannot change); other errors as the crate words them.
fn page_message(e: &Error) -> String {
    match e {
        Error::TooLarge { params, .. } => format!(
            "P = {params} parameters: this page computes the dense shortcut-1 spectrum (an O(P³) eigenproblem) up to \
             P = {PAGE_MAX_DENSE_PARAMS}; the notebook's crate goes further, up to its 2 GiB dense-size limit."
        ),
        other => other.to_string(),
    }
}

/// A whole number from the page: finite, `≥ 0`, integral and below 2⁵³; otherwise an error naming `field`.
fn whole(field: &'static str, value: f64) -> Result<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value < 9.007_199_254_740_992e15
    {
        Ok(value as u64)
    } else {
        Err(Error::OutOfRange {
            field,
            value,
            expected: "a whole number from 0 to 2^53",
        })
    }
}

fn teacher_from(samples: f64, scale: f64, seed: f64) -> Result<Teacher> {
    if !scale.is_finite() {
        return Err(Error::NonFinite {
            location: "the teacher's scale".into(),
        });
    }
    Ok(Teacher {
        samples: whole("samples", samples)? as usize,
        scale,
        seed: whole("seed", seed)?,
        ..Teacher::default()
    })
}

fn input_depths() -> Result<Vec<usize>> {
    BUFFERS.with(|b| {
        b.borrow()
            .input
            .iter()
            .map(|&v| whole("depth L", v).map(|l| l as usize))
            .collect()
    })
}

/// [`condition_curve`] for the depths in the input buffer; output: per depth `[L, P, κ, λ_max, min|λ|]`, with
/// `κ = NaN` for a flat spectrum.
#[no_mangle]
pub extern "C" fn condition_curve_abi(
    shortcut: f64,
    width: f64,
    samples: f64,
    scale: f64,
    seed: f64,
    max_dense_params: f64,
) -> i32 {
    respond((|| {
        let teacher = teacher_from(samples, scale, seed)?;
        let points = condition_curve(
            whole("shortcut depth n", shortcut)? as usize,
            whole("width D", width)? as usize,
            &teacher,
            &input_depths()?,
            whole("max_dense_params", max_dense_params)? as usize,
        )?;
        Ok(points
            .iter()
            .flat_map(|p| {
                [
                    p.depth as f64,
                    p.params as f64,
                    p.effective_condition_number.unwrap_or(f64::NAN),
                    p.lambda_max,
                    p.min_abs_eigenvalue,
                ]
            })
            .collect())
    })())
}

/// [`spectrum_at_zero`]; output: `[λ_1, m_1, λ_2, m_2, …]`, distinct eigenvalues ascending with multiplicities.
#[no_mangle]
pub extern "C" fn spectrum_at_zero_abi(
    shortcut: f64,
    depth: f64,
    width: f64,
    samples: f64,
    scale: f64,
    seed: f64,
    max_dense_params: f64,
) -> i32 {
    respond((|| {
        let teacher = teacher_from(samples, scale, seed)?;
        let pairs = spectrum_at_zero(
            whole("shortcut depth n", shortcut)? as usize,
            whole("depth L", depth)? as usize,
            whole("width D", width)? as usize,
            &teacher,
            whole("max_dense_params", max_dense_params)? as usize,
        )?;
        Ok(pairs
            .iter()
            .flat_map(|&(value, count)| [value, count as f64])
            .collect())
    })())
}

/// [`dense_memory`]; output: `[8P², 16P², 8·vectors·P]` bytes.
#[no_mangle]
pub extern "C" fn dense_memory_abi(params: f64, vectors: f64) -> i32 {
    respond((|| {
        let p = whole("parameters P", params)? as usize;
        let k = whole("vectors", vectors)? as usize;
        Ok(dense_memory(p, k)?.to_vec())
    })())
}

/// The page's limits: `[PAGE_MAX_DENSE_PARAMS, PAGE_MAX_DEPTH]`.
#[no_mangle]
pub extern "C" fn page_limits_abi() -> i32 {
    respond(Ok(vec![
        PAGE_MAX_DENSE_PARAMS as f64,
        PAGE_MAX_DEPTH as f64,
    ]))
}

// ---- exercises ------------------------------------------------------------------------------------------

/// What *Check* runs for exercise `code` (chapter·10 + exercise): the answer `text` as typed, the box's `data`
/// (its `data-exercise` hex, decoded) — [`check_in_page`]: the notebook's judge on the closed-form or recorded
/// truth.
pub fn check_exercise(code: u32, text: &str, data: &[u8]) -> Result<Feedback> {
    let id = ExerciseId::from_code(code).ok_or_else(|| Error::Parse {
        source: "the exercise box's data".into(),
        message: format!("no exercise has the code {code}"),
    })?;
    check_in_page(id, text, &PageTruth::from_bytes(data, id)?)
}

/// A zeroed buffer of `len` bytes for the exercise box's data; its address.
#[no_mangle]
pub extern "C" fn exercise_data_buffer(len: usize) -> *mut u8 {
    BUFFERS.with(|b| {
        let mut b = b.borrow_mut();
        b.exercise_data = vec![0; len];
        b.exercise_data.as_mut_ptr()
    })
}

/// A zeroed buffer of `len` bytes for the typed answer (UTF-8); its address.
#[no_mangle]
pub extern "C" fn answer_buffer(len: usize) -> *mut u8 {
    BUFFERS.with(|b| {
        let mut b = b.borrow_mut();
        b.answer = vec![0; len];
        b.answer.as_mut_ptr()
    })
}

/// Address of the last check's feedback box (UTF-8 HTML, `Feedback::to_html`).
#[no_mangle]
pub extern "C" fn feedback_ptr() -> *const u8 {
    BUFFERS.with(|b| b.borrow().feedback_html.as_ptr())
}

/// Length in bytes of the last check's feedback box.
#[no_mangle]
pub extern "C" fn feedback_len() -> usize {
    BUFFERS.with(|b| b.borrow().feedback_html.len())
}

/// [`check_exercise`] on the two buffers; returns 0 correct, 1 not yet, 2 not attempted (the box is at
/// [`feedback_ptr`]), or −1 with the error's message at [`error_ptr`] (damaged data).
#[no_mangle]
pub extern "C" fn check_exercise_abi(code: u32) -> i32 {
    BUFFERS.with(|b| {
        let mut b = b.borrow_mut();
        let text = String::from_utf8_lossy(&b.answer).into_owned();
        match check_exercise(code, &text, &b.exercise_data) {
            Ok(feedback) => {
                b.feedback_html = feedback.to_html();
                b.error.clear();
                match feedback {
                    Feedback::Correct(_) => 0,
                    Feedback::NotYet(_) => 1,
                    Feedback::NotAttempted => 2,
                }
            }
            Err(e) => {
                b.feedback_html.clear();
                b.error = page_message(&e);
                -1
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output() -> Vec<f64> {
        BUFFERS.with(|b| b.borrow().output.clone())
    }

    fn error() -> String {
        BUFFERS.with(|b| b.borrow().error.clone())
    }

    #[test]
    fn shortcut_two_curve_is_flat_in_depth_and_equals_the_closed_form() {
        let teacher = Teacher::default();
        let points = condition_curve(2, 4, &teacher, &[1, 10, PAGE_MAX_DEPTH], 1024).unwrap();
        let expected =
            demystify_core::theory::shortcut_two_condition_number(&teacher.moments(4).unwrap())
                .unwrap()
                .unwrap();
        for p in &points {
            assert_eq!(
                p.effective_condition_number,
                Some(expected),
                "L = {}",
                p.depth
            );
            assert_eq!(p.params, 2 * p.depth * 16);
        }
    }

    #[test]
    fn shortcut_three_is_flat_and_shortcut_one_is_refused_above_the_page_limit() {
        let teacher = Teacher::default();
        let flat = condition_curve(3, 4, &teacher, &[1, 1000], 1024).unwrap();
        assert!(flat
            .iter()
            .all(|p| p.effective_condition_number.is_none() && p.lambda_max == 0.0));
        let limit = PAGE_MAX_DENSE_PARAMS;
        assert!(condition_curve(1, 4, &teacher, &[limit / 16], limit).is_ok()); // P = limit
        let refused = condition_curve(1, 4, &teacher, &[limit / 16 + 1], limit).unwrap_err();
        assert!(
            matches!(refused, Error::TooLarge { params, .. } if params == limit + 16),
            "{refused}"
        );
        assert!(condition_curve(2, 4, &teacher, &[PAGE_MAX_DEPTH + 1], 1024).is_err());
    }

    #[test]
    fn a_zero_teacher_is_flat_for_shortcut_two_and_clusters_rounding_for_shortcut_one() {
        // s = 0: A = I, M = 0, so H(0) = 0 for n = 2; for n = 1 two eigenvalues only, however the solver rounds.
        let identity = Teacher {
            scale: 0.0,
            ..Teacher::default()
        };
        let two = condition_curve(2, 4, &identity, &[1, 8], 768).unwrap();
        assert!(two.iter().all(|p| p.effective_condition_number.is_none()));
        let one = spectrum_at_zero(1, 3, 4, &identity, 768).unwrap();
        assert_eq!(one.len(), 2, "{one:?}");
    }

    #[test]
    fn an_exercise_is_checked_from_its_box_bytes_through_the_abi() {
        use demystify_core::exercises::{PageInputs, PageTruth};
        let id = ExerciseId::ParameterCount;
        let data = PageTruth::InPage(PageInputs {
            width: 4,
            shortcut: 3,
            depth: 5,
            teacher: None,
            matrix: Vec::new(),
        })
        .to_bytes(id);
        let run = |text: &str| {
            let ptr = exercise_data_buffer(data.len());
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), ptr, data.len()) };
            let ptr = answer_buffer(text.len());
            unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), ptr, text.len()) };
            let verdict = check_exercise_abi(id.code());
            let html = BUFFERS.with(|b| b.borrow().feedback_html.clone());
            (verdict, html)
        };
        let (verdict, html) = run("240");
        assert_eq!(verdict, 0, "{html}");
        assert!(html.contains("data-verdict=\"correct\""), "{html}");
        assert_eq!(run("80").0, 1);
        assert_eq!(run("").0, 2);
        let (verdict, html) = run("two hundred");
        assert_eq!(verdict, 1);
        assert!(html.contains("is not a number"), "{html}");
        // An unknown exercise or damaged data: −1 and a message, no panic.
        assert_eq!(check_exercise_abi(99), -1);
        assert!(
            error().contains("no exercise has the code 99"),
            "{}",
            error()
        );
        exercise_data_buffer(3);
        assert_eq!(check_exercise_abi(id.code()), -1);
    }

    #[test]
    fn memory_is_refused_beyond_the_page_limits_not_wrapped() {
        assert!(dense_memory(PAGE_MAX_MEMORY_PARAMS + 1, 10).is_err());
        assert!(dense_memory(100, 101).is_err());
        assert_eq!(dense_memory(PAGE_MAX_MEMORY_PARAMS, 1).unwrap()[0], 8e18);
    }

    #[test]
    fn spectrum_multiplicities_add_up_to_p() {
        for n in 1..=3 {
            let pairs = spectrum_at_zero(n, 3, 2, &Teacher::default(), 1024).unwrap();
            assert_eq!(
                pairs.iter().map(|p| p.1).sum::<usize>(),
                n * 3 * 4,
                "n = {n}"
            );
        }
    }

    #[test]
    fn the_abi_answers_bad_numbers_with_a_message_not_a_panic() {
        let depths = input_buffer(2);
        unsafe {
            *depths = 1.0;
            *depths.add(1) = 2.0
        };
        assert_eq!(condition_curve_abi(2.0, 4.0, 256.0, 0.5, 0.5, 1024.0), -1);
        assert!(error().contains("`seed` = 0.5"), "{}", error());
        assert_eq!(
            condition_curve_abi(2.0, 4.0, 256.0, f64::NAN, 0.0, 1024.0),
            -1
        );
        assert!(error().contains("scale"), "{}", error());
        assert_eq!(condition_curve_abi(2.0, 0.0, 256.0, 0.5, 0.0, 1024.0), -1);
        assert_eq!(condition_curve_abi(2.0, 4.0, 256.0, 0.5, 0.0, 1024.0), 10);
        assert_eq!(output()[0..2], [1.0, 32.0]);
        assert_eq!(dense_memory_abi(131_072.0, 150.0), 3);
        assert_eq!(
            output(),
            vec![
                8.0 * 131_072f64.powi(2),
                16.0 * 131_072f64.powi(2),
                8.0 * 150.0 * 131_072.0
            ]
        );
    }
}
