//! The query plans the page census found fast (issue 26), held on the embedded SQLite: each
//! query below reads through the index that serves its order and stops at the page, and would
//! read (or sort) every row without it. A change to a query's text or to an index that loses the
//! plan fails here, not at a nation's scale. (PostgreSQL plans by statistics; its figures are in
//! the census, and where only an index-only scan keeps it from a worse plan, that is held here
//! on PostgreSQL too.)

use crate::helpers::*;
use huoban::db::Backend;

/// `sql` with each placeholder given a number (the plan's shape is the same).
fn numbered(sql: &str) -> String {
    let mut text = sql.to_string();
    for n in (1..=20).rev() {
        text = text.replace(&format!("${n}"), "1");
    }
    text
}

/// SQLite's plan of `sql` (placeholders given a number each: the plan shape is the same), one
/// step a line.
async fn plan(app: &TestApp, sql: &str) -> String {
    let text = numbered(sql);
    let mut c = app.db.acquire().await.expect("conn");
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {text}")))
            .fetch_all(&mut *c)
            .await
            .expect("a plan");
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

/// Whether a step reads through `index` itself (not another whose name begins with it:
/// `installments_payable` is not `installments_payable_all`).
fn uses(plan: &str, index: &str) -> bool {
    plan.lines().any(|l| {
        ["USING INDEX", "USING COVERING INDEX"].iter().any(|how| {
            let named = format!("{how} {index}");
            l.ends_with(&named) || l.contains(&format!("{named} "))
        })
    })
}

/// No step reads a whole table (`SCAN x` without an index) among `tables`.
fn scans_none(plan: &str, tables: &[&str]) -> bool {
    !plan.lines().any(|l| {
        tables.iter().any(|t| {
            l.trim() == format!("SCAN {t}")
                || l.starts_with(&format!("SCAN {t} ")) && !l.contains("INDEX")
        })
    })
}

#[rocket::async_test]
async fn the_feeds_and_lists_read_through_their_indexes() {
    let app = TestApp::spawn().await;
    if app.db.backend != Backend::Sqlite {
        return;
    }
    // The OCDS release feed: the events in (at, id) order through the (at) index, never sorted.
    let feed = plan(
        &app,
        &huoban::db::ocds_feed::after_sql(huoban::opendata::ocds::RELEASE_KINDS),
    )
    .await;
    assert!(uses(&feed, "project_events_at"), "{feed}");
    assert!(!feed.contains("TEMP B-TREE FOR ORDER BY"), "{feed}");
    // The Atom feeds: the newest 50 of their kind through their partial indexes.
    for (kinds, index) in [
        (
            huoban::db::projects::FEED_PUBLISHED,
            "project_events_published",
        ),
        (huoban::db::projects::FEED_AWARDED, "project_events_awarded"),
    ] {
        let p = plan(&app, &huoban::db::projects::feed_events_sql(kinds)).await;
        assert!(uses(&p, index), "{kinds}: {p}");
        assert!(!p.contains("TEMP B-TREE FOR ORDER BY"), "{kinds}: {p}");
    }
    // The failed rounds' list (`/failures`) through its partial index.
    let failures = plan(
        &app,
        &huoban::opendata::page_sql(
            huoban::opendata::Dataset::Failures,
            &huoban::opendata::Query::default(),
            20,
        ),
    )
    .await;
    assert!(uses(&failures, "project_events_failures"), "{failures}");
    // A unit's project list (`/purchase`), a later page: one index range per department and
    // agency, no project read beyond them.
    let list = huoban::db::projects::list_sql(
        &["draft", "published"],
        Some(huoban::db::projects::Worked {
            departments: &[1, 2],
            agencies: &[1],
        }),
        Some((1_800_000_000_000, 500)),
        51,
    )
    .expect("a unit");
    let p = plan(&app, &list).await;
    assert!(uses(&p, "projects_listed_department"), "{p}");
    assert!(uses(&p, "projects_listed_agency"), "{p}");
    assert!(scans_none(&p, &["p", "projects"]), "{p}");
    // The page's key bounds each range (a later page does not walk the newer projects).
    assert!(
        p.lines()
            .filter(|l| l.contains("projects_listed_"))
            .all(|l| l.contains("=? AND <expr><")),
        "{p}"
    );
    // The directory's exact counts (unfiltered, and by district and status), from the facets'
    // covering index alone: never a row of the table. (With every filter the key is whole and
    // one row is read by it.)
    for filters in [
        huoban::db::search::Filters::default(),
        huoban::db::search::Filters {
            district: Some("330203".into()),
            status: Some("registered".into()),
            ..Default::default()
        },
    ] {
        let (sql, binds) = huoban::db::search::facet_count_sql("", &filters);
        assert_eq!(sql.matches('$').count(), binds.len(), "{sql}");
        let p = plan(&app, &sql).await;
        assert!(uses(&p, "org_gram_facets_sums"), "{p}");
        assert!(p.contains("USING COVERING INDEX"), "{p}");
    }
    // A department's contracts in delivery (`/purchase/delivery`), newest first from their own
    // index, never sorted.
    let (sql, _) = huoban::delivery::store::contracts::open_page_sql(Some(&[1]), None, 21);
    let p = plan(&app, &sql).await;
    assert!(uses(&p, "contracts_department"), "{p}");
    assert!(!p.contains("TEMP B-TREE FOR ORDER BY"), "{p}");
    // The delivery overviews' payable and overdue candidates, through the unpaid installments.
    for met_before in [None, Some(1_800_000_000_000)] {
        let (sql, _) = huoban::delivery::store::contracts::payable_candidates_sql(
            Some(&[1]),
            met_before,
            0,
            21,
        );
        let p = plan(&app, &sql).await;
        assert!(uses(&p, "installments_payable"), "{p}");
        assert!(scans_none(&p, &["i", "installments"]), "{p}");
        assert!(!p.contains("TEMP B-TREE FOR ORDER BY"), "{p}");
        let (sql, _) =
            huoban::delivery::store::contracts::payable_candidates_sql(None, met_before, 0, 21);
        let p = plan(&app, &sql).await;
        assert!(uses(&p, "installments_payable_all"), "{p}");
        assert!(!p.contains("TEMP B-TREE FOR ORDER BY"), "{p}");
    }
    // A purchaser's work list (migration 0058): contracts to accept by the day they end, from
    // the open contracts' own index, never sorted; the review installments waiting, from theirs;
    // the opened rounds from projects by status, not a walk of every project.
    let q = huoban::deadlines::store::queue::ended_unaccepted_sql(&[1]);
    let p = plan(&app, &q).await;
    assert!(uses(&p, "contracts_to_accept"), "{p}");
    assert!(!p.contains("TEMP B-TREE FOR ORDER BY"), "{p}");
    let q = huoban::deadlines::store::queue::reviews_to_open_sql(&[1]);
    let p = plan(&app, &q).await;
    assert!(uses(&p, "installments_awaiting_review"), "{p}");
    assert!(
        scans_none(&p, &["i", "installments", "k", "contracts"]),
        "{p}"
    );
    let q = huoban::deadlines::store::queue::opened_rounds_sql(&[1], &[1]);
    let p = plan(&app, &q).await;
    assert!(scans_none(&p, &["pr", "projects"]), "{p}");
    assert!(p.lines().any(|l| l.starts_with("SEARCH pr USING")), "{p}");
}

/// PostgreSQL's plan of `sql` (placeholders given a number each), with sequential scans made
/// dear so the plan shows the index it would read.
async fn pg_plan(c: &mut huoban::db::Conn, sql: &str) -> String {
    let text = numbered(sql);
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *c)
        .await
        .expect("set");
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN {text}")))
        .fetch_all(&mut *c)
        .await
        .expect("a plan");
    sqlx::query("RESET enable_seqscan")
        .execute(&mut *c)
        .await
        .expect("reset");
    rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
}

/// A department's payable and overdue candidates can be answered from its own range of
/// `installments_payable` alone on PostgreSQL (issue 26, migration 0062): when the overdue query
/// had to visit the table for the instant, PostgreSQL preferred walking every department's
/// payable installments in contract order, 7 to 9 ms a query at 100,000 contracts. Which index
/// the planner takes depends on the statistics of a large table; that the department's index
/// covers both queries does not, so that is what is held: with the other indexes gone, both
/// are index-only scans of it, and everyone's are of `installments_payable_all`.
#[rocket::async_test]
async fn on_postgresql_the_payable_lists_are_covered_by_their_indexes() {
    let app = TestApp::spawn().await;
    if app.db.backend != Backend::Postgres {
        return;
    }
    let mut c = app.db.acquire().await.expect("conn");
    // The visibility map, as autovacuum keeps it: without it no index-only scan is cheaper.
    sqlx::query("VACUUM ANALYZE installments")
        .execute(&mut *c)
        .await
        .expect("vacuum");
    sqlx::query("BEGIN").execute(&mut *c).await.expect("begin");
    let only = |keep: &str| {
        [
            "installments_payable",
            "installments_payable_all",
            "installments_open",
            "installments_awaiting_review",
        ]
        .into_iter()
        .filter(|i| *i != keep)
        .map(|i| format!("DROP INDEX IF EXISTS {i}"))
        .collect::<Vec<_>>()
    };
    for (departments, index) in [
        (Some(&[1_i64][..]), "installments_payable"),
        (None, "installments_payable_all"),
    ] {
        sqlx::query("SAVEPOINT kept")
            .execute(&mut *c)
            .await
            .expect("savepoint");
        for drop in only(index) {
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut *c)
                .await
                .expect("drop");
        }
        for met_before in [None, Some(1_800_000_000_000)] {
            let (sql, _) = huoban::delivery::store::contracts::payable_candidates_sql(
                departments,
                met_before,
                0,
                21,
            );
            let p = pg_plan(&mut c, &sql).await;
            assert!(
                p.contains(&format!("Index Only Scan using {index} on")),
                "{p}"
            );
        }
        sqlx::query("ROLLBACK TO SAVEPOINT kept")
            .execute(&mut *c)
            .await
            .expect("rollback to");
    }
    sqlx::query("ROLLBACK")
        .execute(&mut *c)
        .await
        .expect("rollback");
}
