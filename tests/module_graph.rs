//! The crate's modules form a layered graph: no module reaches, through `crate::` or `super::` paths in its code
//! (comments excluded), a module that reaches it back. A cycle means two modules that can only be understood
//! together; the layers in `docs/modules.md` are only true without one. The report layer must not reach the
//! exercises (checkers sit above the report, not below it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` → `[a, b]`; `src/a/mod.rs` → `[a]`; `src/lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without `//` comments (doc links are not dependencies).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The path segments after each `crate::` or `super::` in `code`, with the prefix kind.
fn paths(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for (kind, is_crate) in [("crate::", true), ("super::", false)] {
        let mut rest = code;
        while let Some(i) = rest.find(kind) {
            let before = rest[..i].chars().last();
            rest = &rest[i + kind.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let segs: Vec<String> = rest
                .split("::")
                .map(|s| {
                    s.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|s| !s.is_empty())
                .collect();
            out.push((is_crate, segs));
        }
    }
    out
}

/// Every module and the modules its code reaches (the longest existing module prefix of each path; ancestors
/// of the module itself are not counted, since `mod.rs` re-exports are how a folder presents its children).
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Module, PathBuf> =
        files.iter().map(|f| (module_of(&src, f), f.clone())).collect();
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        let mut deps = BTreeSet::new();
        for (is_crate, segs) in paths(&code(&std::fs::read_to_string(file).unwrap())) {
            let mut path: Module = if is_crate {
                Vec::new()
            } else {
                module[..module.len().saturating_sub(1)].to_vec()
            };
            path.extend(segs);
            if let Some(target) = (1..=path.len())
                .rev()
                .map(|k| path[..k].to_vec())
                .find(|p| modules.contains_key(p))
            {
                if target != *module && !module.starts_with(&target) {
                    deps.insert(target);
                }
            }
        }
        edges.insert(module.clone(), deps);
    }
    edges
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        next: usize,
        found: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        for w in &s.edges[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn name(m: &Module) -> String {
    m.join("::")
}

#[test]
fn modules_have_no_import_cycle() {
    let edges = graph();
    assert!(edges.len() > 50, "read {} modules", edges.len());
    let found: Vec<Vec<String>> = cycles(&edges)
        .iter()
        .map(|c| c.iter().map(name).collect())
        .collect();
    assert!(found.is_empty(), "import cycles: {found:?}");
}

#[test]
fn report_does_not_reach_the_exercises() {
    let edges = graph();
    let offending: Vec<String> = edges
        .iter()
        .filter(|(m, deps)| {
            m.first().is_some_and(|t| t == "report")
                && deps.iter().any(|d| d.first().is_some_and(|t| t == "exercises"))
        })
        .map(|(m, _)| name(m))
        .collect();
    assert!(offending.is_empty(), "report modules using exercises: {offending:?}");
}

/// The detector itself finds a cycle when there is one.
#[test]
fn a_two_module_cycle_is_found() {
    let a: Module = vec!["a".into()];
    let b: Module = vec!["b".into()];
    let c: Module = vec!["c".into()];
    let edges: BTreeMap<Module, BTreeSet<Module>> = [
        (a.clone(), [b.clone()].into()),
        (b.clone(), [a.clone(), c.clone()].into()),
        (c.clone(), BTreeSet::new()),
    ]
    .into();
    assert_eq!(cycles(&edges).len(), 1);
    assert_eq!(paths("use crate::report::evcxr::emit_bundle;")[0].1, ["report", "evcxr", "emit_bundle"]);
}

/// Every table is declared with `table!`, which names each column once, next to the value a row gives it: no
/// hand-written `Schema { … }` list that a frame builder has to repeat in the same order.
#[test]
fn tables_are_declared_once() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let hand_written: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("experiments/schema.rs"))
        .filter(|f| code(&std::fs::read_to_string(f).unwrap()).contains("Schema {"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(hand_written.is_empty(), "Schema literals outside table!: {hand_written:?}");
    let tables = files
        .iter()
        .map(|f| code(&std::fs::read_to_string(f).unwrap()).matches("table! {").count())
        .sum::<usize>();
    assert!(tables >= 16, "{tables} tables declared with table!");
}
