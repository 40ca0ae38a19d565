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

#[rocket::async_test]
async fn every_demo_identity_finds_a_task_on_its_dashboard() {
    let app = TestApp::spawn_city().await;
    // Every demo login of seeds/demo.toml, the administrator included.
    let users = huoban::seed::data().expect("demo data").users;
    assert!(users.len() >= 13, "{} demo logins", users.len());
    let mut without = Vec::new();
    for u in &users {
        app.login_as((&u.email, &u.password)).await;
        let (s, page) = app.get("/dashboard").await;
        assert_eq!(s, Status::Ok, "{}", u.email);
        let page = html_unescape(&page);
        // The task table, with a link to where the first task is done.
        let table = page.split("id=\"tasks-title\"").nth(1);
        if !table.is_some_and(|t| {
            t.split("</table>")
                .next()
                .is_some_and(|t| t.contains("<a href=\"/"))
        }) {
            without.push(u.email.clone());
        }
        app.logout().await;
    }
    assert!(without.is_empty(), "no task for {without:?}");
}

/// The "共 N 条" count of a list page.
fn count(page: &str) -> i64 {
    page.split("共 ")
        .filter_map(|t| t.split(" 条").next())
        .find_map(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count on the page"))
}

#[rocket::async_test]
async fn the_public_pages_show_who_won_what_for_how_much_and_how_it_went() {
    let app = TestApp::spawn_city().await;
    let contracts = app.scalar("SELECT COUNT(*) FROM contracts").await;
    assert!(contracts >= 20, "{contracts} contracts");
    // A filed contract of the city's: its winner is named on the award and the contract pages.
    let number = app
        .text("SELECT p.number FROM contracts k JOIN projects p ON p.id = k.project_id ORDER BY k.id LIMIT 1")
        .await;
    let winner = app
        .text(&format!(
            "SELECT o.name FROM contracts k JOIN projects p ON p.id = k.project_id \
             JOIN organizations o ON o.id = k.org_id WHERE p.number = '{number}'"
        ))
        .await;
    for (path, at_least) in [
        ("/awards", contracts),
        ("/contracts", contracts),
        ("/payments", 30),
        ("/performance", 10),
        ("/grades", 20),
    ] {
        let (s, page) = app.get(path).await;
        assert_eq!(s, Status::Ok, "{path}");
        let n = count(&page);
        assert!(
            n >= at_least,
            "{path}: {n} rows, expected at least {at_least}"
        );
    }
    for path in ["/awards", "/contracts"] {
        let (_, page) = app.get(&format!("{path}?q={number}")).await;
        assert!(page.contains(&winner), "{winner} on {path}?q={number}");
    }
    // Grades in force from this January: the two finished rounds' announced grades.
    assert!(
        app.scalar("SELECT COUNT(*) FROM org_grades WHERE valid_from <= '2026-11-28' AND eval_application_id IS NOT NULL")
            .await
            >= 20
    );
    let (s, stats) = app.get("/statistics").await;
    assert_eq!(s, Status::Ok);
    assert!(!stats.contains("暂无数据"), "statistics have data");
    assert!(stats.contains("按服务类别的支付金额") && stats.contains("养老服务"));
    // The states along the way are all there.
    for (status, at_least) in [
        ("contracted", 20),
        ("published", 1),
        ("opened", 3),
        ("cancelled", 2),
        ("failed", 1),
    ] {
        let n = app
            .scalar_of(&format!(
                "SELECT COUNT(*) FROM projects WHERE status = '{status}'"
            ))
            .await;
        assert!(n >= at_least, "{n} {status}");
    }
    for (sql, at_least) in [
        ("SELECT COUNT(*) FROM intentions", 40),
        (
            "SELECT COUNT(*) FROM challenges WHERE answered_at IS NOT NULL",
            3,
        ),
        (
            "SELECT COUNT(*) FROM complaints WHERE decided_at IS NOT NULL",
            1,
        ),
        (
            "SELECT COUNT(*) FROM complaints WHERE decided_at IS NULL",
            1,
        ),
        (
            "SELECT COUNT(*) FROM ledger_entries WHERE reverses_id IS NOT NULL",
            1,
        ),
        (
            "SELECT COUNT(*) FROM contracts WHERE terminated_at IS NOT NULL",
            1,
        ),
        (
            "SELECT COUNT(*) FROM contracts WHERE accepted_at IS NOT NULL",
            3,
        ),
        (
            "SELECT COUNT(*) FROM survey_links WHERE answered_at IS NOT NULL",
            10,
        ),
        (
            "SELECT COUNT(*) FROM eval_rounds WHERE status = 'announced'",
            2,
        ),
        // Programmes fund several applicants each, with an agreement each.
        (
            "SELECT COUNT(*) FROM contracts k JOIN projects p ON p.id = k.project_id \
             WHERE p.kind = 'programme'",
            5,
        ),
        (
            "SELECT COUNT(DISTINCT p.id) FROM contracts k JOIN projects p ON p.id = k.project_id \
             WHERE p.kind = 'programme'",
            2,
        ),
        (
            "SELECT COUNT(*) FROM eval_applications WHERE status = 'review'",
            2,
        ),
        (
            "SELECT COUNT(*) FROM eval_applications WHERE status = 'scored'",
            2,
        ),
    ] {
        let n = app.scalar_of(sql).await;
        assert!(n >= at_least, "{sql}: {n}");
    }
}

#[rocket::async_test]
async fn the_ocds_bulk_package_covers_every_stage_of_the_citys_year() {
    let app = TestApp::spawn_city().await;
    let (s, body) = app.get("/ocds/bulk.json").await;
    assert_eq!(s, Status::Ok);
    let bulk: serde_json::Value = serde_json::from_str(&body).unwrap();
    let releases = bulk["releases"].as_array().expect("releases");
    let mut tags = std::collections::BTreeSet::new();
    for r in releases {
        for t in r["tag"].as_array().into_iter().flatten() {
            tags.insert(t.as_str().unwrap_or("").to_string());
        }
    }
    for stage in ["planning", "tender", "award", "contract", "implementation"] {
        assert!(
            tags.iter().any(|t| t.starts_with(stage)),
            "{stage} in {tags:?}"
        );
    }
    // Implementation carries the payments.
    assert!(
        releases
            .iter()
            .any(|r| r["contracts"][0]["implementation"]["transactions"]
                .as_array()
                .is_some_and(|t| !t.is_empty())),
        "a release with payments"
    );
    assert!(releases.len() > 200, "{} releases", releases.len());
    // For CI's offline validator (.ci/run).
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("ocds-sample-city.json"), body).unwrap();
}

/// A first start may fall on any day: the statutory periods the services observe move with
/// the holidays (Spring Festival, May Day, National Day), and the history still loads whole.
#[rocket::async_test]
async fn the_city_loads_on_any_day_of_the_year() {
    use time::macros::datetime;
    for at in [
        datetime!(2027-02-20 02:00 UTC),
        datetime!(2027-05-03 09:00 UTC),
        datetime!(2027-07-01 02:00 UTC),
        datetime!(2027-10-05 02:00 UTC),
    ] {
        let app = TestApp::spawn().await;
        app.clock.set(at);
        let s = huoban::seed::city::run(&app.db, &app.resolved, &app.clock)
            .await
            .unwrap_or_else(|e| panic!("{at}: {e}"));
        assert!(s.contracts >= 20, "{at}: {} contracts", s.contracts);
        assert!(app.verify_audit().await.problem.is_none(), "{at}");
    }
}
