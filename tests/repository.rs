//! The repository stands alone: no file refers to material outside it, and the theory document that code,
//! tests and notebooks cite is here.
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name != ".ci" || name == "target" || name == "reports" {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn repository_texts() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(root, &mut all);
    all.into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect()
}

#[test]
fn no_file_refers_outside_the_repository() {
    let outside = ["..", "/shared"].concat();
    let offenders: Vec<String> = repository_texts()
        .into_iter()
        .filter(|(_, text)| text.contains(&outside))
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "files referring to {outside}: {offenders:?}"
    );
}

#[test]
fn the_cited_theory_document_is_here_and_covers_what_the_code_relies_on() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let theory =
        std::fs::read_to_string(root.join("THEORY.md")).expect("THEORY.md at the top level");
    for topic in [
        "M = Σ_xy − Σ_xx",
        "Shortcut depth n = 2",
        "Shortcut depth n = 1",
        "Shortcut depth n ≥ 3",
        "Escaping the zero point",
        "ReLU",
        "worked example",
    ] {
        assert!(theory.contains(topic), "THEORY.md lacks `{topic}`");
    }
    let citing = repository_texts()
        .into_iter()
        .filter(|(p, t)| t.contains("THEORY.md") && !p.ends_with("THEORY.md"))
        .count();
    assert!(citing > 0, "code and notebooks cite THEORY.md");
}
