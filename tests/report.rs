//! The report layer: number formatting, HTML tables (escaping, nulls, headers), CSV, row filters, and the
//! figures' plotly JSON (traces, log axes, titles) and offline HTML.
use demystify_resnet::experiments::*;
use demystify_resnet::polars::prelude::{Column, DataFrame};
use demystify_resnet::report::*;
use serde_json::Value;

fn sample_frame() -> DataFrame {
    DataFrame::new_infer_height(vec![
        Column::new("name".into(), vec!["a<b>&\"c\"", "plain, text"]),
        Column::new("value".into(), vec![Some(1234567.891), None]),
        Column::new("count".into(), vec![3u64, 40]),
        Column::new("flag".into(), vec![true, false]),
    ])
    .unwrap()
}

#[test]
fn floats_are_formatted_to_significant_digits() {
    assert_eq!(format_float(4.265564437074639, 6), "4.26556");
    assert_eq!(format_float(0.5, 6), "0.5");
    assert_eq!(format_float(-1.0706680578, 4), "-1.071");
    assert_eq!(format_float(1234567.891, 6), "1.23457e6");
    assert_eq!(format_float(2.5e-7, 3), "2.5e-7");
    assert_eq!(format_float(0.0, 6), "0");
    assert_eq!(format_float(f64::INFINITY, 6), "∞");
    assert_eq!(format_float(f64::NAN, 6), "NaN");
    assert_eq!(format_float(100.0, 6), "100");
}

#[test]
fn html_table_escapes_formats_and_labels() {
    let html = Table::new(&sample_frame())
        .title("T <1>")
        .header("value", "value (units)")
        .to_html()
        .unwrap();
    assert!(html.starts_with("<div class=\"dr-table-wrap\"") && html.contains("<table"));
    assert!(html.contains("a&lt;b&gt;&amp;&quot;c&quot;"), "{html}");
    assert!(!html.contains("<b>"));
    assert!(html.contains("T &lt;1&gt;"));
    assert!(html.contains(">value (units)</th>"));
    assert!(
        html.contains(">1.235e6</td>"),
        "4 significant digits by default"
    );
    assert!(html.contains(">—</td>"), "nulls shown as an em dash");
    assert!(
        html.contains("text-align:right;white-space:nowrap\">40</td>"),
        "numbers right-aligned"
    );
    let text = Table::new(&sample_frame()).to_text().unwrap();
    assert!(text.lines().count() == 3 && text.contains("null"));
    let truncated = Table::new(&sample_frame()).max_rows(1).to_html().unwrap();
    assert!(truncated.contains("<summary>show all 2 rows</summary>"));
}

fn long_frame(n: usize) -> DataFrame {
    DataFrame::new_infer_height(vec![
        Column::new("depth".into(), (0..n as u64).collect::<Vec<_>>()),
        Column::new("learning_rate".into(), vec![0.1; n]),
        Column::new(
            "loss".into(),
            (0..n).map(|i| 1.0 / (i + 1) as f64).collect::<Vec<_>>(),
        ),
    ])
    .unwrap()
}

/// Long tables show 30 rows and put every row behind an offline `<details>` toggle; constant columns go to the
/// caption; headers wrap at `_`; the inlined CSV link decodes to exactly `to_csv_string`.
#[test]
fn html_tables_fit_the_page() {
    let frame = long_frame(54);
    let html = Table::new(&frame).title("Across seeds").to_html().unwrap();
    let (shown, rest) = html.split_once("<details").unwrap();
    assert_eq!(
        shown.matches("<tr>").count(),
        1 + DEFAULT_SHOWN_ROWS,
        "header + 30 rows before the toggle"
    );
    assert!(rest.contains("<summary>show all 54 rows</summary>"));
    assert_eq!(rest.matches("<tr>").count(), 1 + 54);
    assert!(!html.contains("<script"), "the toggle needs no script");
    // learning_rate is 0.1 in every row: in the caption, not a column.
    assert!(
        html.contains("in every row: learning_rate = 0.1"),
        "{}",
        &html[..600]
    );
    assert!(!html.contains(">learning_<wbr>rate</th>"));
    assert!(html.contains(">loss</th>"));
    // CSV link: percent-decoding the data URL gives the CSV back.
    let href = html
        .split("href=\"data:text/csv;charset=utf-8,")
        .nth(1)
        .unwrap();
    let encoded = &href[..href.find('"').unwrap()];
    let mut bytes = Vec::new();
    let mut it = encoded.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: String = [it.next().unwrap() as char, it.next().unwrap() as char]
                .iter()
                .collect();
            bytes.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            bytes.push(b);
        }
    }
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        to_csv_string(&frame).unwrap()
    );
    assert!(html.contains("download=\"Across_seeds.csv\""));
    // Headers wrap at underscores.
    let wide = DataFrame::new_infer_height(vec![
        Column::new("mean_steps_to_threshold".into(), vec![1.0, 2.0]),
        Column::new("x".into(), vec![3.0, 4.0]),
    ])
    .unwrap();
    assert!(Table::new(&wide)
        .to_html()
        .unwrap()
        .contains(">mean_<wbr>steps_<wbr>to_<wbr>threshold</th>"));
    // Short tables: no toggle; one row: nothing moved to the caption.
    let one = long_frame(1);
    let html = Table::new(&one).to_html().unwrap();
    assert!(!html.contains("<details") && !html.contains("in every row"));
}

/// A claims table keeps every column, even a verdict that is the same in every row.
#[test]
fn claims_tables_keep_their_verdict_column() {
    let c = |id| Claim {
        id,
        claim: "c".into(),
        evidence: "e".into(),
        criterion: "k".into(),
        verdict: Verdict::Holds,
    };
    let html = Table::new(&claims_frame(&[c("a"), c("b")]).unwrap())
        .to_html()
        .unwrap();
    assert!(html.contains(">verdict</th>") && !html.contains("in every row"));
}

#[test]
fn csv_quotes_fields_and_keeps_full_precision() {
    let csv = to_csv_string(&sample_frame()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "name,value,count,flag");
    assert_eq!(lines[1], "\"a<b>&\"\"c\"\"\",1234567.891,3,true");
    assert_eq!(lines[2], "\"plain, text\",,40,false");
    let dir = std::env::temp_dir().join(format!("dr-report-{}", std::process::id()));
    write_csv(&sample_frame(), dir.join("sub/t.csv")).unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("sub/t.csv")).unwrap(), csv);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn rows_are_filtered_by_value() {
    let df = sample_frame();
    assert_eq!(
        filter_rows(&df, &[("count", Cell::U64(40))])
            .unwrap()
            .height(),
        1
    );
    assert_eq!(
        filter_rows(&df, &[("flag", Cell::Bool(true)), ("count", Cell::U64(40))])
            .unwrap()
            .height(),
        0
    );
    assert!(filter_rows(&df, &[("missing", Cell::U64(1))]).is_err());
}

fn json(fig: &Figure) -> Value {
    serde_json::from_str(&fig.to_json()).unwrap()
}

#[test]
fn condition_figure_has_log_axes_titles_and_one_trace_per_series() {
    let df = condition_vs_depth(&ConditionVsDepthConfig {
        random_inits: vec![],
        ..ConditionVsDepthConfig::quick()
    })
    .unwrap();
    let fig = condition_vs_depth_figure(&df).unwrap();
    let j = json(&fig);
    // Series with a condition number: n=1, n=2, plain, each numeric + closed form; n=3 is flat (a note).
    assert_eq!(j["data"].as_array().unwrap().len(), 6);
    assert_eq!(j["layout"]["xaxis"]["type"], "log");
    assert_eq!(j["layout"]["yaxis"]["type"], "log");
    let title = j["layout"]["title"]["text"].as_str().unwrap();
    assert!(title.starts_with("Condition number of the Hessian vs depth"));
    // The flat series is named under the title, not in an annotation that could overlap the axis title.
    assert!(title.contains("residual n=3 @ zero"), "{title}");
    assert!(j["layout"]["annotations"].is_null());
    assert!(j["layout"]["xaxis"]["title"]["text"]
        .as_str()
        .unwrap()
        .contains("depth"));
    let dashed = j["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["line"]["dash"] == "dash")
        .count();
    assert_eq!(dashed, 3, "closed forms dashed");
    // With random initial points: their series are in the legend only; the zero point's are drawn.
    let with_random = condition_vs_depth(&ConditionVsDepthConfig::quick()).unwrap();
    let j = json(&condition_vs_depth_figure(&with_random).unwrap());
    for t in j["data"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let at_zero = name.contains("@ zero") || name.contains("@ identity");
        assert_eq!(t["visible"] == "legendonly", !at_zero, "{name}");
    }
}

#[test]
fn training_and_escape_figures() {
    let mut grid = TrainingGridConfig {
        depths: vec![2],
        learning_rates: vec![0.1],
        ..TrainingGridConfig::quick()
    };
    grid.train.steps = 20;
    grid.compare_at_step = 20;
    let g = training_grid(&grid).unwrap();
    let fig = loss_curves_figure(&g.runs.iter().collect::<Vec<_>>(), "Loss curves").unwrap();
    let j = json(&fig);
    assert_eq!(
        j["data"].as_array().unwrap().len(),
        g.runs.len(),
        "one line per run"
    );
    assert_eq!(j["layout"]["yaxis"]["type"], "log");
    let shown = j["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["showlegend"] != false)
        .count();
    assert_eq!(
        shown,
        g.runs.len() / 2,
        "one legend entry per configuration, not per seed"
    );

    let mut escape = EscapeConfig {
        epsilons: vec![1e-1, 1e-2],
        ..EscapeConfig::quick()
    };
    escape.train.steps = 2000;
    let e = escape_times(&escape).unwrap();
    let j = json(&escape_figure(&e).unwrap());
    assert_eq!(
        j["data"].as_array().unwrap().len(),
        4,
        "measured + theory for n = 2 and 3"
    );
    assert_eq!(j["layout"]["xaxis"]["type"], "log");
}

/// The training grid as heatmaps: one panel per architecture, every tried rate a category column, log₁₀ of the
/// mean final loss as colour, a red ✕ where a seed diverged.
#[test]
fn training_grid_heatmaps_mark_diverged_cells() {
    let cfg = TrainingGridConfig::quick();
    let g = training_grid(&cfg).unwrap();
    let j = json(&training_grid_heatmaps(&g).unwrap());
    let data = j["data"].as_array().unwrap();
    assert_eq!(
        data.len(),
        2 * cfg.architectures.len(),
        "a heatmap and a ✕ layer per architecture"
    );
    assert_eq!(data[0]["type"], "heatmap");
    assert_eq!(data[2]["xaxis"], "x2");
    assert_eq!(j["layout"]["xaxis"]["type"], "category");
    let diverged_cells: usize = data
        .iter()
        .filter(|t| t["type"] == "scatter")
        .map(|t| t["x"].as_array().unwrap().len())
        .sum();
    let expected = g.rates.iter().filter(|r| r.unstable_runs > 0).count();
    assert_eq!(diverged_cells, expected);
    assert!(
        expected > 0,
        "the widened search always finds a diverging rate somewhere"
    );
    // Rows: one per (init, depth) in each panel.
    assert_eq!(
        data[0]["y"].as_array().unwrap().len(),
        cfg.inits.len() * cfg.depths.len()
    );
}

#[test]
fn spectrum_heatmap_and_trajectory_figures() {
    let s = spectrum_at_zero(&SpectrumAtZeroConfig::quick()).unwrap();
    let j = json(&spectrum_figure(&s, 2).unwrap());
    assert_eq!(j["data"][0]["type"], "bar");
    assert_eq!(j["data"][1]["type"], "scatter");
    assert!(spectrum_figure(&s, 9).is_err());
    let m = demystify_resnet::faer::Mat::<f64>::from_fn(3, 3, |i, j| (i as f64) - (j as f64));
    let j = json(&hessian_heatmap(&m, "H").unwrap());
    assert_eq!(j["data"][0]["type"], "heatmap");
    assert_eq!(j["data"][0]["zmid"], 0.0);
    // Matrix orientation: z row i is matrix row i, and the y axis runs from n − ½ (bottom) to −½ (top), so
    // row 0 is drawn at the top.
    assert_eq!(j["data"][0]["z"][2][0], 2.0);
    assert_eq!(j["data"][0]["z"][0][2], -2.0);
    assert_eq!(
        j["layout"]["yaxis"]["range"],
        serde_json::json!([2.5, -0.5])
    );
    assert!(j["layout"]["shapes"].is_null());
    // Block boundaries: one horizontal and one vertical line per interior multiple of each size.
    let m6 = demystify_resnet::faer::Mat::<f64>::zeros(6, 6);
    let j = json(&block_heatmap(&m6, "H", &[(2, 1.0), (3, 2.5)]).unwrap());
    let shapes = j["layout"]["shapes"].as_array().unwrap();
    assert_eq!(shapes.len(), 2 * 2 + 2 * 1);
    assert!(shapes
        .iter()
        .any(|s| s["y0"] == 1.5 && s["y1"] == 1.5 && s["line"]["width"] == 1.0));
    assert!(shapes
        .iter()
        .any(|s| s["x0"] == 2.5 && s["x1"] == 2.5 && s["line"]["width"] == 2.5));
    let mut along = HessianAlongTrainingConfig::quick();
    along.train.steps = 20;
    let t = hessian_along_training(&along).unwrap();
    let j = json(&eigenvalue_trajectories_figure(&t).unwrap());
    assert_eq!(
        j["data"].as_array().unwrap().len(),
        t.runs.len() * along.top_k,
        "one line per (run, rank)"
    );
    let j = json(&trajectory_figure(&t, TrajectoryMeasure::EffectiveConditionNumber).unwrap());
    assert_eq!(j["layout"]["yaxis"]["type"], "log");
    assert_eq!(j["data"].as_array().unwrap().len(), t.runs.len());
    let j = json(&trajectory_figure(&t, TrajectoryMeasure::NegativeFraction).unwrap());
    assert_ne!(j["layout"]["yaxis"]["type"], "log");
    let j = json(&unit_blocks_figure(&t.runs[0]).unwrap());
    assert_eq!(
        j["data"].as_array().unwrap().len(),
        2 * t.runs[0].run.network.depth,
        "λ_max and λ_min per unit"
    );
}

#[test]
fn html_output_is_offline() {
    let df = condition_vs_depth(&ConditionVsDepthConfig {
        depths: vec![1, 2],
        closed_form_depths: vec![],
        random_inits: vec![],
        ..ConditionVsDepthConfig::quick()
    })
    .unwrap();
    let fig = condition_vs_depth_figure(&df).unwrap();
    let inline = fig.to_inline_html();
    assert!(inline.contains(&format!("id=\"{}\"", fig.id())) && inline.contains("Plotly.newPlot"));
    let page = fig.to_standalone_html("cond");
    assert!(page.len() > 1_000_000, "plotly.js is embedded");
    assert!(!page.contains("<script src="), "no external scripts");
    // plotly.js itself mentions its CDN as a default for geo maps (never loaded here); outside it, no URL at all.
    let outside = page.replace(&demystify_resnet::report::figure::plotly_js(), "");
    assert!(
        !outside.contains("http"),
        "{}",
        &outside[..outside.len().min(2000)]
    );
    let boot = plotly_bootstrap().to_html();
    assert!(boot.contains("Plotly") && !boot.contains("<script src="));
    // Two figures never share an element id.
    assert_ne!(condition_vs_depth_figure(&df).unwrap().id(), fig.id());
}

/// evcxr's display protocol in one place: each (MIME type, body) pair becomes one block, in order, and a body's own
/// lines are kept as they are.
#[test]
fn display_bundle_writes_one_block_per_mime_type() {
    let text = demystify_resnet::report::display::bundle_text(&[
        ("text/html", "<b>a</b>\n<i>b</i>"),
        ("text/plain", "a b"),
    ]);
    assert_eq!(
        text,
        "EVCXR_BEGIN_CONTENT text/html\n<b>a</b>\n<i>b</i>\nEVCXR_END_CONTENT\n\
         EVCXR_BEGIN_CONTENT text/plain\na b\nEVCXR_END_CONTENT\n"
    );
}

/// The claims table carries its verdicts as data: the JSON under CLAIMS_MIME lists every claim in order with its id
/// and verdict label, so the report index never has to read them back from the rendered HTML.
#[test]
fn claims_table_carries_the_verdicts_as_data() {
    let claims = vec![
        Claim {
            id: "first",
            claim: "a <b>claim</b>".into(),
            evidence: "x = 1".into(),
            criterion: "x > 0".into(),
            verdict: Verdict::Holds,
        },
        Claim::not_applicable("second", "another", "y > 0", "no data"),
        Claim {
            id: "third",
            claim: "a failing one".into(),
            evidence: "z = −1".into(),
            criterion: "z > 0".into(),
            verdict: Verdict::Fails,
        },
    ];
    let table = ClaimsTable::new(&claims).unwrap();
    assert_eq!(CLAIMS_MIME, "application/vnd.demystify-resnet.claims+json");
    let json: Value = serde_json::from_str(&table.to_json()).unwrap();
    let rows = json.as_array().unwrap();
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("first", "holds"),
            ("second", "not applicable"),
            ("third", "fails")
        ]
    );
    assert_eq!(rows[0]["claim"], "a <b>claim</b>");
    assert_eq!(rows[2]["evidence"], "z = −1");
    let html = table.table().to_html().unwrap();
    assert!(
        html.contains("Claims checked on this run") && html.contains("a &lt;b&gt;claim&lt;/b&gt;")
    );
}
