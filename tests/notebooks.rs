//! The committed notebooks: stripped of outputs, loading the crate through evcxr, and written as lectures
//! (every code cell follows a markdown cell). Executing them is `scripts/run_notebooks.py`'s job (`make test`).
use std::path::Path;

use serde_json::Value;

fn notebooks() -> Vec<(String, Value)> {
    notebooks_in("notebooks")
}

/// The worked solutions of the exercises.
fn solutions() -> Vec<(String, Value)> {
    notebooks_in("notebooks/solutions")
}

fn notebooks_in(folder: &str) -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn cells(nb: &Value) -> &Vec<Value> {
    nb["cells"].as_array().unwrap()
}

fn source(cell: &Value) -> String {
    match &cell["source"] {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().map(|l| l.as_str().unwrap_or("")).collect(),
        _ => String::new(),
    }
}

/// The registered notebooks (`course::NOTEBOOKS`, whose files `tests/registry.rs` checks), on the Rust kernel.
#[test]
fn registered_notebooks_on_the_rust_kernel() {
    let nbs = notebooks();
    let names: Vec<String> = nbs.iter().map(|(n, _)| n.clone()).collect();
    let registered: Vec<String> = demystify_resnet::course::NOTEBOOKS
        .iter()
        .map(|n| format!("{}.ipynb", n.stem))
        .collect();
    assert_eq!(names, registered);
    for (name, nb) in &nbs {
        assert_eq!(nb["metadata"]["kernelspec"]["name"], "rust", "{name}");
    }
}

#[test]
fn committed_notebooks_carry_no_outputs() {
    for (name, nb) in notebooks().into_iter().chain(solutions()) {
        for (i, cell) in cells(&nb).iter().enumerate() {
            if cell["cell_type"] == "code" {
                assert_eq!(
                    cell["outputs"],
                    Value::Array(vec![]),
                    "{name} cell {i} has outputs: strip them"
                );
                assert_eq!(
                    cell["execution_count"],
                    Value::Null,
                    "{name} cell {i} has an execution count"
                );
            }
        }
    }
}

/// The notebooks' cells (evcxr's crate `ctx`) only call the library, which keeps its optimised build, so the kernel
/// profile compiles them at opt-level 0, sooner (docs/classroom.md, "Where a warm cell's seconds go"); the notebooks
/// themselves set no `:opt`, which outside that profile would put every dependency at opt-level 0 too.
#[test]
fn kernel_profile_compiles_the_cells_unoptimised() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = std::fs::read_to_string(dir.join("scripts/kernel-profile.toml")).unwrap();
    assert!(
        profile.contains("[profile.dev.package.ctx]\nopt-level = 0\n"),
        "scripts/kernel-profile.toml compiles evcxr's cell crate `ctx` at opt-level 0"
    );
    for (name, nb) in notebooks().into_iter().chain(solutions()) {
        for cell in cells(&nb).iter().filter(|c| c["cell_type"] == "code") {
            assert!(
                !source(cell).lines().any(|line| line.trim_start().starts_with(":opt")),
                "{name}: no `:opt` in a cell (it would set every dependency's level outside the kernel profile)"
            );
        }
    }
}

/// The report build runs a folder's notebooks on one kernel, cleared with evcxr's `:clear` between them
/// (`scripts/run_notebooks.py`, `FolderKernel`). `:clear` drops the cells' variables, items, `use`s and dependencies
/// but keeps evcxr's configuration (`:opt`, `:timing`, `:toolchain`, …): so no notebook may set any, or the next
/// notebook would not run as it does in a fresh kernel. `:dep` is the one command they use.
#[test]
fn notebooks_use_no_evcxr_command_but_dep() {
    for (name, nb) in notebooks().into_iter().chain(solutions()) {
        for cell in cells(&nb).iter().filter(|c| c["cell_type"] == "code") {
            for line in source(cell).lines().map(str::trim_start) {
                assert!(
                    !line.starts_with(':') || line.starts_with(":dep "),
                    "{name}: `{line}`: no evcxr command but `:dep` (the report build's shared kernel keeps evcxr's \
                     configuration across notebooks)"
                );
            }
        }
    }
}

#[test]
fn notebooks_load_the_crate_and_plotly_first() {
    for (name, nb) in notebooks() {
        let code: Vec<String> = cells(&nb)
            .iter()
            .filter(|c| c["cell_type"] == "code")
            .map(source)
            .collect();
        assert!(
            code[0].contains(":dep demystify_resnet = { package = \"demystify-resnet-dylib\"")
                && code[0].contains("path = \"../dylib\""),
            "{name}: first code cell loads the crate as one shared library (dylib/)"
        );
        assert!(
            code[1].contains("plotly_bootstrap()"),
            "{name}: second code cell loads plotly.js"
        );
        // Generic functions defined in cells slow every later cell, and `gen` is reserved in edition 2024.
        for c in &code {
            assert!(
                !c.contains("fn ") || !c.contains('<'),
                "{name}: define generic code in the crate, not in a cell:\n{c}"
            );
            assert!(
                !c.contains(".gen("),
                "{name}: `gen` is reserved in evcxr's edition 2024"
            );
        }
    }
}

#[test]
fn every_code_cell_is_introduced_by_markdown() {
    for (name, nb) in notebooks().into_iter().chain(solutions()) {
        let cs = cells(&nb);
        assert_eq!(cs[0]["cell_type"], "markdown", "{name} starts with a title");
        for i in 1..cs.len() {
            if cs[i]["cell_type"] == "code" && cs[i - 1]["cell_type"] == "code" {
                // Consecutive code cells are allowed only for the two set-up cells.
                assert!(i <= 3, "{name}: code cell {i} has no explanation before it");
            }
        }
    }
}

/// Every notebook ends with 2–4 exercises, each an answer cell left blank (`None`) that calls its checker in
/// `exercises::chNN`; `notebooks/solutions/` holds one solutions notebook per notebook with a worked solution per
/// exercise, each confirmed by `exercises::confirm` (accepted, a wrong answer rejected, a blank not attempted).
#[test]
fn every_notebook_ends_with_exercises_and_has_worked_solutions() {
    let sols = solutions();
    let nbs = notebooks();
    assert_eq!(sols.len(), nbs.len(), "one solutions notebook per notebook");
    for (name, nb) in &nbs {
        let cs = cells(nb);
        let start = cs
            .iter()
            .position(|c| c["cell_type"] == "markdown" && source(c).starts_with("## Exercises"))
            .unwrap_or_else(|| panic!("{name}: no Exercises section"));
        let section = &cs[start + 1..];
        let questions: Vec<String> = section
            .iter()
            .filter(|c| c["cell_type"] == "markdown")
            .map(source)
            .collect();
        let answers: Vec<String> = section
            .iter()
            .filter(|c| c["cell_type"] == "code")
            .map(source)
            .collect();
        assert!(
            (2..=4).contains(&answers.len()),
            "{name}: {} exercises",
            answers.len()
        );
        assert_eq!(
            questions.len(),
            answers.len(),
            "{name}: one statement per exercise"
        );
        assert!(questions.iter().all(|q| q.starts_with("### Exercise")));
        let chapter = format!("exercises::ch{}::", &name[..2]);
        for a in &answers {
            assert!(
                a.contains("= None;"),
                "{name}: the answer starts blank:\n{a}"
            );
            assert!(
                a.contains(&chapter),
                "{name}: the answer cell calls its checker:\n{a}"
            );
        }
        let stem = name.trim_end_matches(".ipynb");
        let (_, sol) = sols
            .iter()
            .find(|(n, _)| *n == format!("{stem}_solutions.ipynb"))
            .unwrap_or_else(|| panic!("{name}: no solutions notebook"));
        let confirmed = cells(sol)
            .iter()
            .filter(|c| c["cell_type"] == "code" && source(c).contains("exercises::confirm("))
            .count();
        assert_eq!(
            confirmed,
            answers.len(),
            "{name}: one confirmed solution per exercise"
        );
        assert!(
            cells(sol)
                .iter()
                .any(|c| source(c).contains("path = \"../../dylib\"")),
            "{name}: the solutions load the crate from one folder further down"
        );
    }
}
