//! The layout rules of ARCHITECTURE.md, checked on the source: the pure rules import neither
//! sqlx nor Rocket, and no route module gains database work. The route modules that still open
//! transactions or run SQL themselves (from the first, layer-first layout) are listed with how
//! many such calls each has; the list may only shrink, and a new route module must have none.

use std::path::{Path, PathBuf};

const SQL: [&str; 4] = ["sqlx::query", "query_as(", "query_scalar(", "begin_write("];

/// Route modules with database work left from the layer-first layout, and how much; moving
/// it into an area's store and service lowers the number (then lower it here too).
const LEGACY: &[(&str, usize)] = &[
    ("award.rs", 5),
    ("delivery.rs", 1),
    ("eval_review.rs", 3),
    ("finance.rs", 2),
    ("purchase.rs", 7),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("source directory").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Lines that count: not comments.
fn code(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("source file")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_pure_rules_import_neither_sqlx_nor_rocket() {
    let mut files = Vec::new();
    rust_files(&root().join("src/domain"), &mut files);
    files.push(root().join("src/delivery/rules.rs"));
    assert!(files.len() > 10, "the rules were found");
    for f in files {
        for (n, line) in code(&f).iter().enumerate() {
            assert!(
                !line.contains("sqlx") && !line.contains("rocket"),
                "{}:{}: pure rules reach into the database or the web: {line}",
                f.display(),
                n + 1
            );
        }
    }
}

#[test]
fn no_route_module_gains_sql_or_transactions() {
    let mut files = Vec::new();
    rust_files(&root().join("src/web"), &mut files);
    let mut seen = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let count = code(&f)
            .iter()
            .filter(|l| SQL.iter().any(|s| l.contains(s)))
            .count();
        let allowed = LEGACY
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, c)| *c);
        assert!(
            count <= allowed,
            "src/web/{name} has {count} database calls (allowed {allowed}): a route parses, calls \
             the area's service and renders; put SQL in the area's store"
        );
        if count > 0 {
            seen.push(name);
        }
    }
    for (name, _) in LEGACY {
        assert!(
            seen.iter().any(|s| s == name),
            "src/web/{name} no longer has database calls: take it off the list"
        );
    }
}
