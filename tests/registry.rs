//! Every list of notebooks and examples follows the one registry, `demystify_resnet::course::NOTEBOOKS`: the files
//! on disk, the Makefile's `EXAMPLES`, the README's notebook table, the analyses each notebook calls, and the
//! analyses `experiments` defines.

use std::collections::BTreeSet;
use std::path::Path;

use demystify_resnet::course::{analyses, examples, NOTEBOOKS};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// File stems in `folder` with extension `ext`, sorted.
fn stems(folder: &str, ext: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join(folder))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// The code cells of a notebook, joined.
fn code_of(path: &str) -> String {
    let nb: serde_json::Value = serde_json::from_str(&read(path)).unwrap();
    nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cell_type"] == "code")
        .map(|c| match &c["source"] {
            serde_json::Value::String(s) => s.clone(),
            other => other
                .as_array()
                .map(|l| l.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn notebooks_and_solutions_on_disk_are_the_registered_ones() {
    let registered: Vec<String> = NOTEBOOKS.iter().map(|n| n.stem.to_string()).collect();
    assert_eq!(stems("notebooks", "ipynb"), registered, "notebooks/");
    let solutions: Vec<String> = registered
        .iter()
        .map(|s| format!("{s}_solutions"))
        .collect();
    assert_eq!(
        stems("notebooks/solutions", "ipynb"),
        solutions,
        "notebooks/solutions/"
    );
    let mut sorted = registered.clone();
    sorted.sort();
    assert_eq!(
        sorted, registered,
        "the registry is in reading order (file names sort that way)"
    );
}

#[test]
fn examples_folder_and_makefile_follow_the_registry() {
    let mut registered: Vec<String> = examples().iter().map(|s| s.to_string()).collect();
    let makefile = read("Makefile");
    let line = makefile
        .lines()
        .find(|l| l.starts_with("EXAMPLES = "))
        .expect("the Makefile's EXAMPLES line");
    let listed: Vec<&str> = line["EXAMPLES = ".len()..].split_whitespace().collect();
    assert_eq!(listed, registered, "Makefile EXAMPLES");
    registered.sort();
    assert_eq!(stems("examples", "rs"), registered, "examples/");
}

#[test]
fn readme_notebook_table_is_the_registry() {
    let readme = read("README.md");
    let rows: Vec<(String, String)> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| {
            let (stem, rest) = l.split_once("` | ")?;
            stem.starts_with(|c: char| c.is_ascii_digit())
                .then(|| (stem.to_string(), rest.trim_end_matches(" |").to_string()))
        })
        .collect();
    let registered: Vec<(String, String)> = NOTEBOOKS
        .iter()
        .map(|n| (n.stem.to_string(), n.shows.to_string()))
        .collect();
    assert_eq!(rows, registered, "README's notebook table");
}

#[test]
fn every_notebook_calls_its_analyses_and_every_analysis_has_a_notebook() {
    for nb in NOTEBOOKS {
        let code = code_of(&format!("notebooks/{}.ipynb", nb.stem));
        for a in nb.analyses {
            assert!(
                code.contains(&format!("{a}(")),
                "{} does not call {a}",
                nb.stem
            );
        }
    }
    // Every public function of experiments that takes a config is an analysis, and some notebook runs it; every
    // registered analysis is a public function there.
    let mut defined = BTreeSet::new();
    let mut with_config = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("src/experiments")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for l in text.lines().filter_map(|l| l.strip_prefix("pub fn ")) {
            let name = l.split(['(', '<']).next().unwrap().to_string();
            if l.contains("(config: &") {
                with_config.insert(name.clone());
            }
            defined.insert(name);
        }
    }
    let registered: BTreeSet<String> = analyses().iter().map(|s| s.to_string()).collect();
    let unregistered: Vec<&String> = with_config.difference(&registered).collect();
    assert!(
        unregistered.is_empty(),
        "analyses in no notebook of the registry: {unregistered:?}"
    );
    let missing: Vec<&String> = registered.difference(&defined).collect();
    assert!(
        missing.is_empty(),
        "registered analyses that experiments does not define: {missing:?}"
    );
}
