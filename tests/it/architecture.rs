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

/// The delivery services whose SQL moved into the delivery store (`src/delivery/store.rs` and
/// its modules): they keep their transactions, audit and mail, and run no query themselves.
const SERVICES_WITHOUT_SQL: [&str; 5] = [
    "src/delivery/performance.rs",
    "src/delivery/ledger.rs",
    "src/delivery/contract.rs",
    "src/delivery.rs",
    "src/delivery/suspension.rs",
];

/// What running a query looks like (the transactions stay in the services).
const QUERIES: [&str; 3] = ["sqlx::query", "query_as(", "query_scalar("];

#[test]
fn the_delivery_services_leave_their_sql_to_the_store() {
    for path in SERVICES_WITHOUT_SQL {
        let f = root().join(path);
        for (n, line) in code(&f).iter().enumerate() {
            assert!(
                !QUERIES.iter().any(|s| line.contains(s)),
                "{}:{}: a service opens the transaction and asks the store; put the query in \
                 the delivery store: {line}",
                f.display(),
                n + 1
            );
        }
    }
}
