//! Fits and summaries of measured numbers that claims and exercise checkers share: least-squares slopes (plain and
//! log–log) and the range of a list.

/// Least-squares slope of `ln y` against `ln x` over the points with `x, y > 0`; `None` with fewer than two
/// distinct `x`.
pub fn log_log_slope(points: &[(f64, f64)]) -> Option<f64> {
    let xy: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    least_squares_slope(&xy)
}

/// Least-squares slope of `y` against `x`; `None` with fewer than two distinct `x`.
pub fn least_squares_slope(xy: &[(f64, f64)]) -> Option<f64> {
    let n = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (xy.len() >= 2 && sxx > 0.0)
        .then(|| xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
}

/// `(min, max)` of `values` (`(∞, −∞)` when empty).
pub fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        })
}
