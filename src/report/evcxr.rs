//! evcxr's display protocol, in one place and below every display type: a cell's output is MIME-typed blocks
//! written to standard output.

/// evcxr's display protocol, in one place: writes one output bundle to standard output, each `(mime, body)` pair
/// as a block `EVCXR_BEGIN_CONTENT mime` / `body` / `EVCXR_END_CONTENT`. evcxr gathers the blocks a cell prints
/// into one Jupyter `display_data` message with one entry per MIME type; the frontend draws the richest it knows.
pub fn emit_bundle(parts: &[(&str, &str)]) {
    print!("{}", bundle_text(parts));
}

/// The text [`emit_bundle`] writes (for tests and for callers that buffer).
pub fn bundle_text(parts: &[(&str, &str)]) -> String {
    parts
        .iter()
        .map(|(mime, body)| format!("EVCXR_BEGIN_CONTENT {mime}\n{body}\nEVCXR_END_CONTENT\n"))
        .collect()
}
