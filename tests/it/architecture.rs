//! The layout rules of ARCHITECTURE.md, checked on the source: the pure rules import neither
//! sqlx nor Rocket, and no route module runs SQL or opens a transaction.

use std::path::{Path, PathBuf};

const SQL: [&str; 4] = ["sqlx::query", "query_as(", "query_scalar(", "begin_write("];

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
fn no_route_module_runs_sql_or_transactions() {
    let mut files = Vec::new();
    rust_files(&root().join("src/web"), &mut files);
    assert!(files.len() > 30, "the route modules were found");
    for f in files {
        for (n, line) in code(&f).iter().enumerate() {
            assert!(
                !SQL.iter().any(|s| line.contains(s)),
                "{}:{}: a route parses, calls the area's service and renders; put SQL in the \
                 area's store and transactions in its service: {line}",
                f.display(),
                n + 1
            );
        }
    }
}

/// Where SQL may live: the stores (`src/db/`, an area's `store.rs` and `store/`) and the
/// demo and benchmark set-up (`src/seed/`, which back-dates history no service action writes).
fn is_store(rel: &str) -> bool {
    rel.starts_with("src/db/")
        || rel.starts_with("src/seed/")
        || rel.ends_with("/store.rs")
        || rel.contains("/store/")
}

/// What running a query looks like (the transactions stay in the services).
const QUERIES: [&str; 3] = ["sqlx::query", "query_as(", "query_scalar("];

#[test]
fn services_leave_their_sql_to_the_store() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut services = 0;
    for f in files {
        let rel = f
            .strip_prefix(root())
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        if is_store(&rel) || rel.starts_with("src/web/") {
            continue;
        }
        services += 1;
        for (n, line) in code(&f).iter().enumerate() {
            assert!(
                !QUERIES.iter().any(|s| line.contains(s)),
                "{rel}:{}: a service opens the transaction and asks its store; put the query \
                 in the area's store: {line}",
                n + 1
            );
        }
    }
    assert!(services > 40, "the services were found: {services}");
}

#[test]
fn the_store_rule_knows_a_store_from_a_service() {
    for store in [
        "src/db/projects.rs",
        "src/delivery/store.rs",
        "src/delivery/store/ledger.rs",
        "src/deadlines/store/queue.rs",
        "src/seed/mod.rs",
    ] {
        assert!(is_store(store), "{store}");
    }
    for service in [
        "src/delivery.rs",
        "src/deadlines/queue/purchase.rs",
        "src/procurement/award.rs",
        "src/platform/scale.rs",
        "src/storefront.rs",
    ] {
        assert!(!is_store(service), "{service}");
    }
}
