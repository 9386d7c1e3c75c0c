//! The figures of the analyses, built from the experiments' typed results. Every figure has a title, axis titles
//! with units or formulas, and a legend that a reader understands without the code.

use faer::Mat;
use plotly::common::ExponentFormat;
use plotly::common::{DashType, Line, Marker, Mode, Title};
use plotly::layout::{Axis, AxisType, Layout};
use plotly::{Bar, HeatMap, Plot, Scatter};

use super::figure::Figure;
use crate::error::{Error, Result};
use crate::experiments::condition::ConditionVsDepth;
use crate::experiments::spectrum::SpectrumAtZero;
use crate::experiments::trajectory::{
    HessianTrajectory, RunTrajectory, TrajectoryMeasure, UnitBlock,
};
use crate::experiments::{
    condition, DepthMeasure, DepthScale, EscapeTimes, GridRun, RateSummary,
    StationaryOrder, TrainingGrid,
};
use crate::hessian::lanczos::SpectralDensity;
use crate::net::{ActivationKind, Architecture, Init};

/// Colours for series that must match across traces (a series' line and its markers).
const PALETTE: [&str; 12] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939",
];

fn axis(title: &str, log: bool) -> Axis {
    let a = Axis::new()
        .title(Title::with_text(title))
        .exponent_format(ExponentFormat::Power);
    if log {
        a.type_(AxisType::Log)
    } else {
        a
    }
}

fn layout(title: &str, x: Axis, y: Axis) -> Layout {
    Layout::new()
        .title(Title::with_text(title))
        .x_axis(x)
        .y_axis(y)
        .height(480)
}

/// A title with notes in smaller type under it (instead of annotations under the plot, which collide with the
/// x-axis title).
fn with_notes(title: &str, notes: &[String]) -> String {
    if notes.is_empty() {
        title.to_string()
    } else {
        format!("{title}<br><sub>{}</sub>", notes.join("<br>"))
    }
}

/// The headline figure from [`crate::experiments::condition_vs_depth`]: the (effective) condition number vs
/// depth on log–log axes, one line per series; numeric values as solid lines with markers, closed forms dashed.
/// It plots `effective_condition_number` — `max|λ| / min{|λ| : |λ| > 1e-9·max|λ|}` — so that eigenvalues that
/// are zero up to rounding (at random initial points) do not show as condition numbers of 1e15; at the zero
/// point with a non-singular `M` it equals the plain condition number. Series whose Hessian is flat (no
/// condition number) are listed in a note under the plot.
pub fn condition_vs_depth_figure(result: &ConditionVsDepth) -> Result<Figure> {
    let rows = &result.rows;
    let mut plot = Plot::new();
    let mut flat: Vec<String> = Vec::new();
    let mut hidden = 0;
    // One trace per (series, method), in the rows' order; one colour per series, shared by its numeric (solid)
    // and closed-form (dashed) lines.
    let mut series_order: Vec<(Architecture, Init)> = Vec::new();
    let mut traces: Vec<((Architecture, Init), condition::Method)> = Vec::new();
    for r in rows {
        let key = (r.architecture, r.point);
        if !series_order.contains(&key) {
            series_order.push(key);
        }
        if !traces.contains(&(key, r.method)) {
            traces.push((key, r.method));
        }
    }
    for ((architecture, point), method) in traces {
        let members: Vec<&condition::ConditionRow> = rows
            .iter()
            .filter(|r| r.architecture == architecture && r.point == point && r.method == method)
            .collect();
        let series = members[0].series();
        let pts: Vec<(f64, f64)> = members
            .iter()
            .filter_map(|r| Some((r.depth as f64, r.summary.effective_condition_number?)))
            .collect();
        if pts.is_empty() {
            if !flat.contains(&series) {
                flat.push(series);
            }
            continue;
        }
        let colour = PALETTE[series_order
            .iter()
            .position(|k| *k == (architecture, point))
            .unwrap_or(0)
            % PALETTE.len()];
        let closed = method == condition::Method::ClosedForm;
        let trace = Scatter::new(
            pts.iter().map(|p| p.0).collect(),
            pts.iter().map(|p| p.1).collect(),
        )
        .name(format!("{series} ({})", method.label()))
        .legend_group(&series)
        .mode(if closed {
            Mode::Lines
        } else {
            Mode::LinesMarkers
        })
        .line(
            Line::new()
                .dash(if closed {
                    DashType::Dash
                } else {
                    DashType::Solid
                })
                .color(colour),
        )
        .marker(Marker::new().color(colour));
        // The zero point (and the plain network's identity) is the story; random initial points are in the
        // legend only, one click away.
        let trace = if matches!(point, Init::Zero | Init::Identity) {
            trace
        } else {
            hidden += 1;
            trace.visible(plotly::common::Visible::LegendOnly)
        };
        plot.add_trace(trace);
    }
    // Notes go under the title, where they cannot collide with the axis titles.
    let mut notes = Vec::new();
    if hidden > 0 {
        notes.push(format!(
            "{hidden} series at random initial points hidden: click them in the legend"
        ));
    }
    if !flat.is_empty() {
        notes.push(format!(
            "flat (Hessian identically 0, no condition number): {}",
            flat.join("; ")
        ));
    }
    let title = with_notes("Condition number of the Hessian vs depth", &notes);
    let lay = layout(
        &title,
        axis("depth L (number of residual units / plain layers)", true),
        axis("condition number max|λ| / min{|λ| > 1e-9·max|λ|}", true),
    )
    .margin(plotly::layout::Margin::new().top(110))
    .height(560);
    plot.set_layout(lay);
    Ok(Figure::new(plot, "condition number vs depth"))
}

/// Loss curves of training-grid runs (e.g. [`crate::experiments::TrainingGrid::runs_at`]): one thin line per run,
/// one colour and legend entry per (configuration, rate), log y.
pub fn loss_curves_figure(runs: &[&GridRun], title: &str) -> Result<Figure> {
    let mut plot = Plot::new();
    let mut seen_groups = Vec::new();
    for run in runs {
        let group = format!(
            "{}, η={}",
            run.configuration.label(),
            super::format_float(run.learning_rate, 4)
        );
        let first = !seen_groups.contains(&group);
        if first {
            seen_groups.push(group.clone());
        }
        let records = &run.history.records;
        let trace = Scatter::new(
            records.iter().map(|r| r.step as f64).collect(),
            records.iter().map(|r| r.loss).collect(),
        )
        .name(&group)
        .legend_group(&group)
        .show_legend(first)
        // A run that diverged at once has one record: a marker shows it where a line could not.
        .mode(if records.len() < 2 { Mode::Markers } else { Mode::Lines })
        .line(Line::new().width(1.2))
        .opacity(0.8);
        plot.add_trace(trace);
    }
    plot.set_layout(layout(
        title,
        axis("gradient-descent step", false),
        axis("loss ℓ = 1/(2m) Σ‖y − f(x)‖²", true),
    ));
    Ok(Figure::new(plot, title))
}

/// The spectrum of the Hessian at zero from [`crate::experiments::spectrum_at_zero`] for one shortcut depth:
/// closed-form eigenvalues as bars of height = multiplicity, numeric ones as markers on top.
pub fn spectrum_figure(result: &SpectrumAtZero, shortcut: usize) -> Result<Figure> {
    let Some(spectra) = result.of_shortcut(shortcut) else {
        return Err(Error::ShapeMismatch {
            what: format!("rows for shortcut {shortcut}"),
            expected: 1,
            found: 0,
        });
    };
    let pick = |v: &[(f64, usize)]| -> (Vec<f64>, Vec<f64>) {
        v.iter().map(|&(l, m)| (l, m as f64)).unzip()
    };
    let (tx, ty) = pick(&spectra.closed);
    let (nx, ny) = pick(&spectra.numeric);
    let mut plot = Plot::new();
    plot.add_trace(
        Bar::new(tx, ty)
            .name("closed form (THEORY.md)")
            .opacity(0.6),
    );
    plot.add_trace(
        Scatter::new(nx, ny)
            .name("numeric (exact Hessian, R-operator)")
            .mode(Mode::Markers)
            .marker(Marker::new().size(10)),
    );
    let title = format!("Eigenvalues of the Hessian at W = 0, shortcut depth n = {shortcut}");
    plot.set_layout(layout(
        &title,
        axis("eigenvalue λ", false),
        axis("multiplicity", false),
    ));
    Ok(Figure::new(plot, &title))
}

/// A heatmap of a (Hessian) matrix in matrix orientation — row 0 at the top, entry (i, j) in row i, column j —
/// with a diverging colour scale centred at 0, so the block structure at the zero point is visible.
pub fn hessian_heatmap(matrix: &Mat<f64>, title: &str) -> Result<Figure> {
    block_heatmap(matrix, title, &[])
}

/// [`hessian_heatmap`] with the block boundaries drawn: for each `(size, width)` in `boundaries`, a line of that
/// width every `size` rows and columns — e.g. `&[(D*D, 1.0), (n*D*D, 2.5)]` marks each layer's `D²` parameters
/// thinly and each residual unit's `n·D²` thickly (the parameter order is unit-major, then layer, then row-major
/// within a matrix). Sizes of 0 or not smaller than the matrix draw nothing.
pub fn block_heatmap(
    matrix: &Mat<f64>,
    title: &str,
    boundaries: &[(usize, f64)],
) -> Result<Figure> {
    use plotly::layout::{Shape, ShapeLine, ShapeType};
    let (n, m) = (matrix.nrows(), matrix.ncols());
    let z: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..m).map(|j| matrix[(i, j)]).collect())
        .collect();
    let max = z
        .iter()
        .flatten()
        .fold(0.0f64, |a, v| a.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let trace = HeatMap::new((0..m).collect::<Vec<_>>(), (0..n).collect::<Vec<_>>(), z)
        .zmin(-max)
        .zmax(max)
        .zmid(0.0)
        .color_scale(plotly::common::ColorScale::Palette(
            plotly::common::ColorScalePalette::RdBu,
        ));
    let mut plot = Plot::new();
    plot.add_trace(trace);
    let mut shapes = Vec::new();
    for &(size, width) in boundaries {
        if size == 0 || size >= n.max(m) {
            continue;
        }
        let line = |x0: f64, y0: f64, x1: f64, y1: f64| {
            Shape::new()
                .shape_type(ShapeType::Line)
                .x0(x0)
                .y0(y0)
                .x1(x1)
                .y1(y1)
                .line(ShapeLine::new().color("rgba(0,0,0,0.6)").width(width))
        };
        for k in (size..n).step_by(size) {
            shapes.push(line(-0.5, k as f64 - 0.5, m as f64 - 0.5, k as f64 - 0.5));
        }
        for k in (size..m).step_by(size) {
            shapes.push(line(k as f64 - 0.5, -0.5, k as f64 - 0.5, n as f64 - 0.5));
        }
    }
    let mut layout = layout(
        title,
        axis(
            "column j (parameter index: unit, layer, row-major entry)",
            false,
        ),
        // Reversed: row 0 at the top, as a matrix is read.
        axis("row i", false).range(vec![n as f64 - 0.5, -0.5]),
    )
    .height(560);
    if !shapes.is_empty() {
        layout = layout.shapes(shapes);
    }
    plot.set_layout(layout);
    Ok(Figure::new(plot, title))
}

/// The training grid at a glance, from [`crate::experiments::TrainingGrid::rates`]: one heatmap per
/// architecture (stacked), rows = (initialisation, depth), columns = every learning rate any configuration
/// tried, colour = log₁₀ of the mean final loss over the stable seeds (one colour scale for all panels), `✕` = a
/// seed was unstable at that rate (diverged, or ended above its start), blank = not tried (the rate search
/// widens and bisects each configuration's own range).
pub fn training_grid_heatmaps(grid: &TrainingGrid) -> Result<Figure> {
    use plotly::common::{ColorBar, MarkerSymbol};
    use plotly::layout::{GridPattern, LayoutGrid};
    let summary = &grid.rates;
    let mut archs: Vec<Architecture> = Vec::new();
    for r in summary {
        if !archs.contains(&r.configuration.architecture) {
            archs.push(r.configuration.architecture);
        }
    }
    if archs.is_empty() {
        return Err(Error::Table(
            "training_grid_heatmaps: the grid has no runs".into(),
        ));
    }
    if archs.len() > 8 {
        return Err(Error::Table(format!(
            "training_grid_heatmaps draws at most 8 architectures (plotly.rs has 8 axes), got {}",
            archs.len()
        )));
    }
    let mut rates: Vec<f64> = summary.iter().map(|r| r.learning_rate).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let rate_label = |r: f64| super::format_float(r, 3);
    let x: Vec<String> = rates.iter().map(|&r| rate_label(r)).collect();
    let log_losses: Vec<f64> = summary
        .iter()
        .filter_map(|r| r.mean_final_loss)
        .filter(|l| *l > 0.0)
        .map(|l| l.log10())
        .collect();
    let (zmin, zmax) = log_losses
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let mut plot = Plot::new();
    for (k, a) in archs.iter().enumerate() {
        let rows: Vec<&RateSummary> = summary
            .iter()
            .filter(|r| r.configuration.architecture == *a)
            .collect();
        // Row labels in first-seen order: (init, depth).
        let mut y_keys: Vec<(Init, usize)> = Vec::new();
        for r in &rows {
            let key = (r.configuration.init, r.configuration.depth);
            if !y_keys.contains(&key) {
                y_keys.push(key);
            }
        }
        let y: Vec<String> = y_keys
            .iter()
            .map(|(init, depth)| format!("{} · L={depth}", init.label()))
            .collect();
        let mut z = vec![vec![None::<f64>; x.len()]; y.len()];
        let (mut dx, mut dy) = (Vec::new(), Vec::new());
        for r in &rows {
            let key = (r.configuration.init, r.configuration.depth);
            let Some(row) = y_keys.iter().position(|k| *k == key) else {
                continue;
            };
            let Some(col) = rates.iter().position(|&v| v == r.learning_rate) else {
                continue;
            };
            let loss = r.mean_final_loss;
            z[row][col] = loss
                .filter(|l| *l > 0.0)
                .map(f64::log10)
                .or(loss.map(|_| zmin));
            if r.unstable_runs > 0 {
                dx.push(x[col].clone());
                dy.push(y[row].clone());
            }
        }
        let (xa, ya) = if k == 0 {
            ("x".to_string(), "y".to_string())
        } else {
            (format!("x{}", k + 1), format!("y{}", k + 1))
        };
        let mut heat = HeatMap::new(x.clone(), y.clone(), z)
            .x_axis(&xa)
            .y_axis(&ya)
            .zmin(zmin.min(zmax))
            .zmax(zmax.max(zmin))
            .name(a.label())
            .color_scale(plotly::common::ColorScale::Palette(
                plotly::common::ColorScalePalette::Viridis,
            ))
            .show_scale(k == 0);
        if k == 0 {
            heat = heat.color_bar(ColorBar::new().title("log₁₀ mean final loss"));
        }
        plot.add_trace(heat);
        plot.add_trace(
            Scatter::new(dx, dy)
                .x_axis(&xa)
                .y_axis(&ya)
                .mode(Mode::Markers)
                .name("a seed unstable")
                .legend_group("unstable")
                .show_legend(k == 0)
                .marker(
                    Marker::new()
                        .symbol(MarkerSymbol::X)
                        .color("rgb(220,30,30)")
                        .size(9),
                ),
        );
    }
    let title =
        "Training grid: mean final loss per learning rate (✕ = a seed unstable, blank = not tried)";
    let n = archs.len();
    let x_axis = |arch: &Architecture| {
        Axis::new()
            .title(Title::with_text(format!("learning rate η — {}", arch.label())))
            .type_(AxisType::Category)
    };
    let y_axis = || Axis::new().type_(AxisType::Category);
    let mut layout = Layout::new()
        .title(Title::with_text(title))
        .x_axis(x_axis(&archs[0]))
        .y_axis(y_axis())
        .grid(
            LayoutGrid::new()
                .rows(n)
                .columns(1)
                .pattern(GridPattern::Independent),
        )
        .margin(plotly::layout::Margin::new().left(170).right(40))
        .legend(
            plotly::layout::Legend::new()
                .orientation(plotly::common::Orientation::Horizontal)
                .x(0.0)
                .y(1.0)
                .y_anchor(plotly::common::Anchor::Bottom),
        )
        .height(110 + 260 * n);
    let with_axes = |layout: Layout, k: usize, xa: Axis, ya: Axis| match k {
        1 => layout.x_axis2(xa).y_axis2(ya),
        2 => layout.x_axis3(xa).y_axis3(ya),
        3 => layout.x_axis4(xa).y_axis4(ya),
        4 => layout.x_axis5(xa).y_axis5(ya),
        5 => layout.x_axis6(xa).y_axis6(ya),
        6 => layout.x_axis7(xa).y_axis7(ya),
        7 => layout.x_axis8(xa).y_axis8(ya),
        _ => layout,
    };
    for (k, a) in archs.iter().enumerate().skip(1) {
        layout = with_axes(layout, k, x_axis(a), y_axis());
    }
    plot.set_layout(layout);
    Ok(Figure::new(plot, title))
}

/// The top eigenvalues along training ([`crate::experiments::Checkpoint::top_eigenvalues`]): one line per (run, rank), x = step.
pub fn eigenvalue_trajectories_figure(result: &HessianTrajectory) -> Result<Figure> {
    let mut plot = Plot::new();
    for r in &result.runs {
        let ranks = r
            .checkpoints
            .iter()
            .map(|c| c.top_eigenvalues.len())
            .max()
            .unwrap_or(0);
        for k in 0..ranks {
            let (xs, ys): (Vec<f64>, Vec<f64>) = r
                .checkpoints
                .iter()
                .filter_map(|c| Some((c.step as f64, *c.top_eigenvalues.get(k)?)))
                .unzip();
            plot.add_trace(
                Scatter::new(xs, ys)
                    .name(format!("{}, λ#{}", r.run.label, k + 1))
                    .legend_group(&r.run.label)
                    .mode(Mode::LinesMarkers),
            );
        }
    }
    plot.set_layout(layout(
        "Largest Hessian eigenvalues along training",
        axis("gradient-descent step", false),
        axis("eigenvalue λ", false),
    ));
    Ok(Figure::new(plot, "eigenvalue trajectories"))
}

/// A per-checkpoint quantity ([`TrajectoryMeasure`]: the loss, λ_max, the effective condition number, the
/// fraction of negative eigenvalues) against the step, one line per run; log axis for ratios and losses.
pub fn trajectory_figure(result: &HessianTrajectory, measure: TrajectoryMeasure) -> Result<Figure> {
    let mut plot = Plot::new();
    for r in &result.runs {
        let (xs, ys): (Vec<f64>, Vec<f64>) = r
            .checkpoints
            .iter()
            .filter_map(|c| Some((c.step as f64, measure.value(c)?)))
            .unzip();
        plot.add_trace(
            Scatter::new(xs, ys)
                .name(&r.run.label)
                .mode(Mode::LinesMarkers),
        );
    }
    let label = measure.label();
    let title = format!("{label} along training");
    plot.set_layout(layout(
        &title,
        axis("gradient-descent step", false),
        axis(label, measure.log_axis()),
    ));
    Ok(Figure::new(plot, &title))
}

/// Per-unit Hessian blocks along one run ([`crate::experiments::Checkpoint::unit_blocks`]): λ_max (solid) and λ_min (dashed) of each
/// unit's diagonal block against the step, one colour per unit. At `W = 0` with shortcut 2 every unit's block has
/// the same spectrum ±σ_i(M). Errors when the run has no unit blocks (all its checkpoints used Lanczos).
pub fn unit_blocks_figure(run: &RunTrajectory) -> Result<Figure> {
    let units = run
        .checkpoints
        .iter()
        .map(|c| c.unit_blocks.len())
        .max()
        .unwrap_or(0);
    if units == 0 {
        return Err(Error::Table(format!(
            "run `{}` has no unit blocks: its Hessians were too large for the dense path",
            run.run.label
        )));
    }
    let mut plot = Plot::new();
    for u in 0..units {
        let blocks: Vec<(f64, &UnitBlock)> = run
            .checkpoints
            .iter()
            .filter_map(|c| Some((c.step as f64, c.unit_blocks.get(u)?)))
            .collect();
        let xs: Vec<f64> = blocks.iter().map(|b| b.0).collect();
        for (value, dash, which) in [
            ((|b: &UnitBlock| b.lambda_max) as fn(&UnitBlock) -> f64, DashType::Solid, "λ_max"),
            (|b: &UnitBlock| b.lambda_min, DashType::Dash, "λ_min"),
        ] {
            plot.add_trace(
                Scatter::new(xs.clone(), blocks.iter().map(|b| value(b.1)).collect())
                    .name(format!("unit {u}, {which}"))
                    .legend_group(format!("unit {u}"))
                    .mode(Mode::LinesMarkers)
                    .line(Line::new().dash(dash)),
            );
        }
    }
    let title = format!("Per-unit Hessian blocks along training ({})", run.run.label);
    plot.set_layout(layout(
        &title,
        axis("gradient-descent step", false),
        axis("eigenvalue of the unit's block", false),
    ));
    Ok(Figure::new(plot, &title))
}

/// Escape time vs initial scale from an [`EscapeTimes`]: measured steps as markers (censored runs omitted), each
/// shortcut depth's fitted theory curve ([`crate::experiments::escape::EscapeFit::predicted_steps`]) dashed,
/// log–log axes.
pub fn escape_figure(result: &EscapeTimes) -> Result<Figure> {
    let mut plot = Plot::new();
    for fit in &result.fits {
        let n = fit.shortcut;
        let group = format!("n = {n}");
        let pts: Vec<(f64, f64)> = result
            .runs_of(n)
            .filter_map(|r| Some((r.epsilon, r.escape_step? as f64)))
            .collect();
        plot.add_trace(
            Scatter::new(
                pts.iter().map(|p| p.0).collect(),
                pts.iter().map(|p| p.1).collect(),
            )
            .name(format!("{group}: measured"))
            .mode(Mode::Markers)
            .legend_group(&group),
        );
        let mut eps: Vec<f64> = result.runs_of(n).map(|r| r.epsilon).collect();
        eps.sort_by(f64::total_cmp);
        eps.dedup();
        let th: Vec<(f64, f64)> = eps
            .iter()
            .filter_map(|&e| Some((e, fit.predicted_steps(e)?)))
            .filter(|p| p.1.is_finite() && p.1 > 0.0)
            .collect();
        plot.add_trace(
            Scatter::new(
                th.iter().map(|p| p.0).collect(),
                th.iter().map(|p| p.1).collect(),
            )
            .name(format!("{group}: {}", fit.model.legend()))
            .mode(Mode::Lines)
            .line(Line::new().dash(DashType::Dash))
            .legend_group(&group),
        );
    }
    plot.set_layout(
        layout(
            &with_notes(
                "Steps to escape the zero point vs initial scale ε",
                &["runs that had not escaped within the step budget are omitted (the fits table's runs_escaped counts the others)".into()],
            ),
            axis("initial weight scale ε (W ~ N(0, ε²))", true),
            axis("GD steps until the loss has dropped by half", true),
        )
        .margin(plotly::layout::Margin::new().top(100)),
    );
    Ok(Figure::new(plot, "escape time vs epsilon"))
}

/// A measure of the depth sweep ([`DepthMeasure`]: the edge of stability, the steps to the threshold, the best
/// rate) against depth, one line per architecture (with its initialisation), log–log.
pub fn depth_scale_figure(scale: &DepthScale, measure: DepthMeasure) -> Result<Figure> {
    let mut plot = Plot::new();
    for architecture in scale.architectures() {
        let rows = scale.of(architecture);
        let Some(first) = rows.first() else {
            continue;
        };
        let name = format!(
            "{}, {} init",
            architecture.label(),
            first.configuration.init.label()
        );
        let (xs, ys): (Vec<f64>, Vec<f64>) = rows
            .iter()
            .filter_map(|r| Some((r.configuration.depth as f64, measure.value(r)?)))
            .unzip();
        plot.add_trace(Scatter::new(xs, ys).name(&name).mode(Mode::LinesMarkers));
    }
    let label = measure.label();
    let title = format!("{label} vs depth");
    plot.set_layout(layout(&title, axis("depth L", true), axis(label, true)));
    Ok(Figure::new(plot, &title))
}

/// A spectral density from stochastic Lanczos quadrature, Gaussian-smoothed (width `sigma`) on `points`
/// points spanning the nodes, with the dense eigenvalues (if given) as a normalised histogram for comparison.
pub fn density_figure(
    density: &SpectralDensity,
    sigma: f64,
    dense: Option<&[f64]>,
    title: &str,
) -> Result<Figure> {
    let lo = density.nodes.first().copied().unwrap_or(0.0) - 3.0 * sigma;
    let hi = density.nodes.last().copied().unwrap_or(0.0) + 3.0 * sigma;
    let grid: Vec<f64> = (0..400)
        .map(|i| lo + (hi - lo) * i as f64 / 399.0)
        .collect();
    let mut plot = Plot::new();
    if let Some(ev) = dense {
        let bins = 60;
        let width = (hi - lo) / bins as f64;
        let mut counts = vec![0.0; bins];
        for v in ev {
            let b = (((v - lo) / width).floor() as isize).clamp(0, bins as isize - 1) as usize;
            counts[b] += 1.0 / (ev.len() as f64 * width);
        }
        let centers: Vec<f64> = (0..bins).map(|b| lo + (b as f64 + 0.5) * width).collect();
        plot.add_trace(
            Bar::new(centers, counts)
                .name("dense eigenvalues (histogram)")
                .opacity(0.5),
        );
    }
    plot.add_trace(
        Scatter::new(grid.clone(), density.smoothed(&grid, sigma))
            .name("SLQ density")
            .mode(Mode::Lines),
    );
    plot.set_layout(layout(
        title,
        axis("eigenvalue λ", false),
        axis("density", false),
    ));
    Ok(Figure::new(plot, title))
}

/// `|φ(t)| = |ℓ(tV) − ℓ(0)|` against `t` on log–log axes for the linear rows of [`StationaryOrder`] (its first depth
/// and direction), one line per shortcut depth `n`, from the exact Taylor coefficients over `t` from a hundredth of
/// the probe step up to it; the slope of each line is the order of the stationary point, `n`. The markers are
/// the dfdx network's own `|φ(t)|` at the probe step.
pub fn stationary_order_figure(result: &StationaryOrder) -> Result<Figure> {
    let (depth, direction) = match (
        result.config.depths.first(),
        result.config.directions.first(),
    ) {
        (Some(&l), Some(&d)) => (l, d),
        _ => {
            return Err(Error::ZeroSize {
                field: "depths or directions",
            })
        }
    };
    let mut plot = Plot::new();
    let mut shown = 0;
    for row in result.rows.iter().filter(|r| {
        r.activation == ActivationKind::Linear && r.depth == depth && r.direction == direction
    }) {
        let n = row.shortcut;
        let colour = PALETTE[(n - 1) % PALETTE.len()];
        let ts: Vec<f64> = (0..=40)
            .map(|i| row.probe_step * 10f64.powf(-2.0 + 2.0 * i as f64 / 40.0))
            .collect();
        let phi: Vec<f64> = ts.iter().map(|&t| row.series(t).abs()).collect();
        plot.add_trace(
            Scatter::new(ts, phi)
                .name(format!("n = {n}: series, slope {n}"))
                .mode(Mode::Lines)
                .line(Line::new().color(colour))
                .legend_group(n.to_string()),
        );
        plot.add_trace(
            Scatter::new(vec![row.probe_step], vec![row.phi_plus.abs()])
                .name(format!("n = {n}: network's loss at the probe step"))
                .mode(Mode::Markers)
                .marker(Marker::new().size(9).color(colour))
                .legend_group(n.to_string()),
        );
        shown += 1;
    }
    if shown == 0 {
        return Err(Error::ZeroSize {
            field: "linear rows",
        });
    }
    let title = with_notes(
        "How flat is the zero point? |ℓ(tV) − ℓ(0)| along a random unit direction V",
        &[format!("linear network, width D = {}, depth L = {depth}, direction seed {direction}; each line's slope tends to n as t → 0", result.config.width)],
    );
    plot.set_layout(
        layout(
            &title,
            axis("step t along V", true),
            axis("|φ(t)| = |ℓ(tV) − ℓ(0)|", true),
        )
        .margin(plotly::layout::Margin::new().top(100)),
    );
    Ok(Figure::new(plot, "stationary order"))
}
