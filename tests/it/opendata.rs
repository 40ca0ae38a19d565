//! Open data (issue 9): every public list, its CSV and XLSX downloads and its JSON API give
//! exactly the same rows under the same filters; no bid is public before its opening; cached
//! public pages follow each kind of change made by another process; the API refuses unknown
//! filter values with a problem document.

use crate::award::signed_contract;
use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::{publish_project, state, PROPOSAL};
use huoban::db::wal_signal::{Look, WalSignal};
use huoban::delivery::ledger::Payment;
use huoban::domain::money::Money;
use huoban::procurement::Procurement;
use rocket::http::Status;
use serde_json::Value;
use time::macros::{date, datetime};

async fn bytes(app: &TestApp, path: &str) -> (Status, Vec<u8>) {
    let r = app.client.get(path.to_string()).dispatch().await;
    let s = r.status();
    (s, r.into_bytes().await.unwrap_or_default())
}

/// The CSV's header and rows.
async fn csv_of(app: &TestApp, slug: &str, qs: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let (s, body) = bytes(app, &format!("/data/{slug}.csv?{qs}")).await;
    assert_eq!(s, Status::Ok, "{slug}.csv?{qs}");
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark");
    let mut r = csv::Reader::from_reader(&body[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The XLSX's data rows, as text the CSV would have (amounts with two decimals).
async fn xlsx_of(app: &TestApp, slug: &str, qs: &str, money: &[usize]) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, Xlsx};
    let (s, body) = bytes(app, &format!("/data/{slug}.xlsx?{qs}")).await;
    assert_eq!(s, Status::Ok);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).unwrap();
    let range = book.worksheet_range(slug).unwrap();
    range
        .rows()
        .skip(1)
        .filter(|r| r.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) if money.contains(&i) => format!("{f:.2}"),
                    Data::Float(f) => format!("{}", *f as i64),
                    Data::Int(n) => n.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Every page of the API's rows, in the CSV's column order.
async fn api_of(app: &TestApp, slug: &str, qs: &str, header: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let (s, body) = app.get(&format!("/api/v1/{slug}?{qs}&page={page}")).await;
        assert_eq!(s, Status::Ok, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        for row in v["rows"].as_array().unwrap() {
            out.push(
                header
                    .iter()
                    .map(|k| match &row[k] {
                        Value::Null => String::new(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            );
        }
        if v["next"].is_null() {
            return out;
        }
        page += 1;
    }
}

/// The number of data rows in the page's table.
async fn html_rows(app: &TestApp, path: &str) -> usize {
    let (s, body) = app.get(path).await;
    assert_eq!(s, Status::Ok, "{path}");
    body.split("<tbody>")
        .nth(1)
        .map(|t| {
            t.split("</tbody>")
                .next()
                .unwrap_or("")
                .matches("<tr>")
                .count()
        })
        .unwrap_or(0)
}

#[rocket::async_test]
async fn lists_downloads_and_the_api_show_exactly_the_filtered_rows() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-DATA-01").await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pay = Payment {
        contract: k,
        installment: 1,
        amount_fen: Money::parse("114,000.00").unwrap().fen(),
        value_date: date!(2027 - 01 - 05),
        voucher_no: "记-2027-0001",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270001",
        approved_by: purchaser,
        key: "d1",
    };
    let pr = Procurement::of(state(&app));
    assert!(pr.record_payment(&pay, 1, 30).await.unwrap().is_ok());
    app.logout().await;
    // (dataset, filters, rows expected, the money columns)
    let cases: &[(&str, &str, Option<usize>, &[usize])] = &[
        ("awards", "district=330203", Some(1), &[9]),
        ("awards", "district=330212", Some(0), &[9]),
        ("awards", "q=NB-DATA", Some(1), &[9]),
        ("contracts", "q=%E9%98%B3%E5%85%89", Some(1), &[9, 10]),
        ("contracts", "status=accepted", Some(0), &[9, 10]),
        ("bids", "q=NB-DATA-01", Some(3), &[7]),
        ("bids", "year=2025", Some(0), &[7]),
        ("openings", "year=2026", None, &[]),
        ("projects", "status=closed", None, &[6]),
        ("projects", "status=all&kind=programme", None, &[6]),
        ("intentions", "", None, &[4]),
        ("payments", "q=NB-DATA-01", Some(1), &[7]),
        ("payments", "year=2026", Some(0), &[7]),
        ("reviews", "", Some(0), &[7]),
        ("grades", "grade=4a", Some(1), &[]),
        ("organizations", "district=330203", None, &[]),
        (
            "organizations",
            "q=%E5%AE%81%E6%B3%A2&org_type=foundation",
            None,
            &[],
        ),
    ];
    for (slug, qs, expected, money) in cases {
        let (header, csv) = csv_of(&app, slug, qs).await;
        if let Some(n) = expected {
            assert_eq!(csv.len(), *n, "{slug}?{qs}: {csv:?}");
        }
        assert_eq!(
            xlsx_of(&app, slug, qs, money).await,
            csv,
            "{slug}?{qs} XLSX"
        );
        assert_eq!(
            api_of(&app, slug, qs, &header).await,
            csv,
            "{slug}?{qs} API"
        );
        let list = huoban::opendata::Dataset::parse(slug).unwrap().list_path();
        assert_eq!(
            html_rows(&app, &format!("{list}?{qs}")).await,
            csv.len().min(20),
            "{list}?{qs} page"
        );
    }
    // The contract's row: amounts exact, paid so far, state, party.
    let (header, rows) = csv_of(&app, "contracts", "q=NB-DATA-01").await;
    let col = |k: &str| header.iter().position(|h| h == k).unwrap();
    assert_eq!(rows[0][col("amount")], "380000.00");
    assert_eq!(rows[0][col("paid")], "114000.00");
    assert_eq!(rows[0][col("contract_status")], "delivery");
    assert_eq!(rows[0][col("supplier")], "宁波市海曙区阳光社会工作服务中心");
    assert_eq!(rows[0][col("signed_at")], "2026-12-22T10:00:00+08:00");
    // The payment: its public facts only, never the account, voucher or invoice.
    let (header, rows) = csv_of(&app, "payments", "year=2027").await;
    let col = |k: &str| header.iter().position(|h| h == k).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][col("payment_amount")], "114000.00");
    assert_eq!(rows[0][col("value_date")], "2027-01-05");
    assert_eq!(rows[0][col("entry_kind")], "payment");
    let all = rows[0].join(",");
    assert!(!all.contains("6222") && !all.contains("记-2027") && !all.contains("33021270001"));
    // The data dictionary describes every column of every dataset, in both languages.
    for lang in ["zh-CN", "en"] {
        let r = app
            .get_with("/data/dictionary", &[("Accept-Language", lang)])
            .await;
        assert_eq!(r.status(), Status::Ok);
        let page = r.into_string().await.unwrap_or_default();
        for ds in huoban::opendata::ALL {
            for c in ds.columns() {
                assert!(page.contains(&format!("<code>{}</code>", c.key)));
            }
        }
        assert!(
            !page.contains("coldesc-") && !page.contains("col-") && !page.contains("ty-"),
            "a message key shows instead of its text ({lang})"
        );
    }
}

#[rocket::async_test]
async fn the_api_refuses_unknown_filters_and_values_with_a_problem_and_describes_itself() {
    let app = TestApp::spawn().await;
    for q in [
        "/api/v1/awards?grade=5a",
        "/api/v1/awards?district=999999",
        "/api/v1/grades?year=1999",
        "/api/v1/projects?page=0",
        "/api/v1/projects?status=open&status=closed",
        "/api/v1/organizations?q=%20",
    ] {
        let r = app.client.get(q).dispatch().await;
        assert_eq!(r.status(), Status::BadRequest, "{q}");
        assert_eq!(
            r.content_type().map(|c| c.to_string()).unwrap_or_default(),
            "application/problem+json",
            "{q}"
        );
        let v: Value = serde_json::from_str(&r.into_string().await.unwrap()).unwrap();
        assert!(!v["invalid_params"].as_array().unwrap().is_empty(), "{q}");
    }
    let (s, body) = app.get("/api/v1/openapi.json").await;
    assert_eq!(s, Status::Ok);
    let doc: Value = serde_json::from_str(&body).unwrap();
    for ds in huoban::opendata::ALL {
        let path = format!("/api/v1/{}", ds.slug());
        assert!(doc["paths"][&path]["get"].is_object(), "{path}");
    }
    let cats = &doc["paths"]["/api/v1/awards"]["get"]["parameters"];
    assert!(cats
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "category"
            && p["schema"]["enum"]
                .as_array()
                .is_some_and(|e| !e.is_empty())));
    let r = app.client.delete("/api/v1/awards").dispatch().await;
    assert_eq!(r.status(), Status::MethodNotAllowed);
}

#[rocket::async_test]
async fn no_bid_is_public_before_its_opening() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-DATA-02", "consultation", "2026-12-20T10:00").await;
    app.logout().await;
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_id(&mut c, id)
            .await
            .unwrap()
            .unwrap()
    };
    let pr = Procurement::of(state(&app));
    for (org, price) in [(1, "379999"), (3, "388888"), (4, "366666")] {
        let input = huoban::procurement::bidding::BidInput {
            price: Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        assert!(pr
            .submit_bid(&p, org, 1, "initial", input)
            .await
            .unwrap()
            .is_ok());
    }
    // The pages echo the search in their form: they must show no row and no price.
    for path in ["/openings/bids?q=NB-DATA-02", "/openings?q=NB-DATA-02"] {
        assert_eq!(html_rows(&app, path).await, 0, "{path}");
        assert!(!app.get(path).await.1.contains("379999"));
    }
    let sealed = |s: &str| !s.contains("NB-DATA-02") && !s.contains("379999");
    for path in [
        "/data/bids.csv?q=NB-DATA-02",
        "/data/openings.csv",
        "/api/v1/bids?q=NB-DATA-02",
        "/api/v1/openings",
    ] {
        let (s, body) = app.get(path).await;
        assert_eq!(s, Status::Ok);
        assert!(sealed(&body), "{path} shows a sealed bid");
    }
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    pr.run_due().await.unwrap();
    let (_, rows) = csv_of(&app, "bids", "q=NB-DATA-02").await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().any(|r| r.contains(&"379999.00".to_string())));
}

/// A public list holds nothing of its anonymous visitor: no form token is made for them (no
/// cookie set), so every anonymous visitor gets the very bytes kept; a signed-in user gets their
/// own page (with their token and the language form), never the kept one.
#[rocket::async_test]
async fn anonymous_visitors_share_the_kept_page_and_get_no_form_token() {
    let app = TestApp::spawn().await;
    for path in ["/awards", "/statistics", "/directory", "/organizations/1"] {
        let r = app.client.get(path).dispatch().await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        assert_eq!(
            r.headers().get("Set-Cookie").count(),
            0,
            "{path}: no cookie"
        );
        let fresh = r.into_string().await.unwrap();
        assert!(!fresh.contains("_csrf"), "{path}: no form token");
        assert!(language_link(&fresh).starts_with("/lang?lang=en&next="));
        // A visitor who has a token from another page (here the sign-in form) gets the same bytes.
        app.csrf().await;
        assert_eq!(app.get(path).await.1, fresh, "{path}: the kept page");
    }
    let (_, anonymous) = app.get("/awards").await;
    // A list counts records, not organizations.
    assert!(anonymous.contains("共 0 条") && anonymous.contains("没有符合条件的记录。"));
    app.login_as(ADMIN).await;
    let (_, own) = app.get("/awards").await;
    assert!(extract_csrf(&own).is_some_and(|t| !t.is_empty()));
    assert!(own.contains("<form method=\"post\" action=\"/lang\" class=\"lang-switch\">"));
    app.logout().await;
    // The first page after signing out shows its message (not kept); then the kept page.
    assert!(app.get("/awards").await.1.contains("notice-success"));
    assert_eq!(
        app.get("/awards").await.1,
        anonymous,
        "the kept page is untouched"
    );
}

#[rocket::async_test]
async fn cached_public_pages_follow_each_kind_of_change_made_by_another_process() {
    follows_every_kind_of_change(TestApp::spawn().await).await;
}

/// On a SQLite file the second process learns of commits from the wal-index header instead of
/// reading the version for every request.
#[rocket::async_test]
async fn on_a_sqlite_file_cached_pages_follow_changes_made_by_another_process() {
    let app = TestApp::spawn_on_file().await;
    let cache = app.page_cache();
    // While nothing is committed, the cached page is served without asking the database.
    app.get("/awards").await;
    let reads = cache.version_reads();
    for _ in 0..3 {
        assert_eq!(app.get("/awards").await.0, Status::Ok);
    }
    assert_eq!(cache.version_reads(), reads, "served without a query");
    // Any commit (here one no page shows) sends the next request to the database.
    sqlx::query("CREATE TABLE commit_probe (x INTEGER)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.get("/awards").await;
    assert_eq!(cache.version_reads(), reads + 1);
    follows_every_kind_of_change(app).await;
}

/// The signal the page cache trusts on SQLite files: the same header while nothing is
/// committed, a new one after every commit from any connection, also once SQLite has deleted
/// and recreated the file (when the last connection closes).
#[rocket::async_test]
async fn the_wal_index_header_changes_with_every_commit_and_only_then() {
    let app = TestApp::spawn_on_file().await;
    let url = app.resolved.database_url.clone();
    let signal = WalSignal::for_url(&url).unwrap();
    let other = huoban::db::connect(&url, 1).await.unwrap();
    let run = |db: &huoban::db::Db, sql: &'static str| {
        let pool = db.pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    let first = signal.mark().unwrap();
    assert_eq!(signal.mark(), Some(first), "nothing committed");
    run(&other, "CREATE TABLE wal_probe (x INTEGER)").await;
    let created = signal.mark().unwrap();
    assert_ne!(created, first);
    run(&app.db, "INSERT INTO wal_probe VALUES (1)").await;
    let inserted = signal.mark().unwrap();
    assert_ne!(inserted, created);
    run(&other, "SELECT COUNT(*) FROM wal_probe").await;
    assert_eq!(signal.mark(), Some(inserted), "a read commits nothing");
    // Every connection closes: SQLite checkpoints and deletes the file. A new one starts again.
    app.db.pool.close().await;
    other.pool.close().await;
    let again = huoban::db::connect(&url, 1).await.unwrap();
    run(&again, "SELECT COUNT(*) FROM wal_probe").await;
    // A rebuilt header (counter 0) proves nothing: no mark until something is committed.
    assert_eq!(signal.mark(), None);
    run(&again, "INSERT INTO wal_probe VALUES (2)").await;
    let reopened = signal.mark().unwrap();
    assert_ne!(reopened, inserted);
    // Once more: the file is deleted and made again, and its header starts over the same way;
    // a mark from before never matches one after.
    again.pool.close().await;
    let third = huoban::db::connect(&url, 1).await.unwrap();
    run(&third, "SELECT COUNT(*) FROM wal_probe").await;
    assert_eq!(signal.mark(), None);
    run(&third, "INSERT INTO wal_probe VALUES (3)").await;
    let latest = signal.mark().unwrap();
    assert_ne!(latest, reopened);
    assert_eq!(signal.mark(), Some(latest));
}

/// When the last connection closes, SQLite deletes the wal-index and rebuilds its header the
/// same way whatever the data. The cache then reads the version for every request and commits
/// one small write, after which it serves without queries again.
#[rocket::async_test]
async fn after_sqlite_rebuilds_the_header_the_cache_restarts_its_signal() {
    let app = TestApp::spawn_on_file().await;
    app.db.pool.close().await;
    let viewer = app.second_instance().await;
    let signal = WalSignal::for_url(&app.resolved.database_url).unwrap();
    assert_eq!(signal.look(), Look::Rebuilt);
    let cache = viewer.page_cache();
    assert_eq!(viewer.get("/awards").await.0, Status::Ok);
    let mut tries = 0;
    while !matches!(signal.look(), Look::Mark(_)) {
        tries += 1;
        assert!(
            tries < 200,
            "the cache committed nothing to restart the signal"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    viewer.get("/awards").await;
    let reads = cache.version_reads();
    for _ in 0..3 {
        assert_eq!(viewer.get("/awards").await.0, Status::Ok);
    }
    assert_eq!(cache.version_reads(), reads, "served without a query again");
}

async fn follows_every_kind_of_change(app: TestApp) {
    // The visitor's server: another process on the same database, with its own page cache.
    let viewer = app.second_instance().await;
    async fn seen(viewer: &TestApp, path: &str, text: &str) -> bool {
        let (s, body) = viewer.get(path).await;
        assert_eq!(s, Status::Ok, "{path}");
        body.contains(text)
    }
    let pages = [
        "/projects",
        "/openings",
        "/awards",
        "/contracts",
        "/statistics",
        "/grades",
    ];
    // Cached before anything happens (the second visit is served from the cache).
    for p in pages {
        viewer.get(p).await;
        assert!(!seen(&viewer, p, "NB-DATA-03").await);
    }
    assert!(
        viewer.page_cache().len() >= pages.len(),
        "the pages were cached"
    );
    // Published.
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-DATA-03", "open_tender", "2026-12-20T10:00").await;
    assert!(seen(&viewer, "/projects", "NB-DATA-03").await);
    // Opened (by the job), awarded, signed: the review helper scores and awards another one.
    let _ = id;
    let k = signed_contract(&app, "NB-DATA-04").await;
    assert!(seen(&viewer, "/openings", "NB-DATA-04").await);
    assert!(seen(&viewer, "/awards", "NB-DATA-04").await);
    assert!(seen(&viewer, "/contracts", "NB-DATA-04").await);
    assert!(!seen(&viewer, "/contracts", "¥114,000.00").await);
    assert!(!seen(&viewer, "/statistics", "¥114,000.00").await);
    // Paid.
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pay = Payment {
        contract: k,
        installment: 1,
        amount_fen: 11_400_000,
        value_date: date!(2027 - 01 - 05),
        voucher_no: "记-2027-0002",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270002",
        approved_by: purchaser,
        key: "c1",
    };
    let pr = Procurement::of(state(&app));
    assert!(pr.record_payment(&pay, 1, 30).await.unwrap().is_ok());
    assert!(seen(&viewer, "/contracts", "¥114,000.00").await);
    assert!(seen(&viewer, "/statistics", "¥114,000.00").await);
    // A grade lapses (the daily job, on the day after its validity).
    app.clock.set(datetime!(2029-01-02 02:00 UTC));
    assert!(!seen(&viewer, "/grades", "2029-01-0").await);
    let r = app.jobs().evaluation().run_daily().await.unwrap();
    assert!(r.expired >= 1);
    assert!(seen(&viewer, "/grades", "2029-01-0").await);
}

/// The project page, the award notice and the contract page are kept for anonymous visitors
/// (issue 26 item 3) and follow every change: a payment shows at once, and the end of the
/// bidding period — a change of time alone, no data written — takes the "take part" box off
/// the project page.
#[rocket::async_test]
async fn project_award_and_contract_pages_are_kept_for_visitors_and_follow_changes() {
    let app = TestApp::spawn().await;
    let viewer = app.second_instance().await;
    app.login_as(PURCHASER).await;
    // Signing moves the clock to 2026-12-22 and later; the other project is published after.
    let k = signed_contract(&app, "NB-KEEP-02").await;
    publish_project(&app, "NB-KEEP-01", "open_tender", "2027-02-20T10:00").await;
    let pages = [
        "/projects/NB-KEEP-01".to_string(),
        "/projects/NB-KEEP-02/award".to_string(),
        format!("/contracts/{k}"),
    ];
    let before = viewer.page_cache().len();
    let mut first = Vec::new();
    for p in &pages {
        let (s, body) = viewer.get(p).await;
        assert_eq!(s, Status::Ok, "{p}");
        first.push(body);
    }
    assert_eq!(
        viewer.page_cache().len(),
        before + pages.len(),
        "all three kept"
    );
    for (p, body) in pages.iter().zip(&first) {
        assert_eq!(&viewer.get(p).await.1, body, "{p} served as kept");
    }
    assert_eq!(viewer.page_cache().len(), before + pages.len());
    assert!(first[0].contains("id=\"take-part\""), "bids still taken");
    let paid_row = "<td>2027年1月5日</td>";
    assert!(!first[2].contains(paid_row));
    // A signed-in person is not served the visitor's copy (their page has their forms).
    let (_, signed_in) = app.get("/projects/NB-KEEP-01").await;
    assert!(signed_in.contains("/logout"));
    assert!(!first[0].contains("/logout"));
    // Paid: the contract page shows it at once.
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pay = Payment {
        contract: k,
        installment: 1,
        amount_fen: 11_400_000,
        value_date: date!(2027 - 01 - 05),
        voucher_no: "记-2027-0009",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270009",
        approved_by: purchaser,
        key: "keep-1",
    };
    let pr = Procurement::of(state(&app));
    assert!(pr.record_payment(&pay, 1, 30).await.unwrap().is_ok());
    let (_, paid) = viewer.get(&pages[2]).await;
    assert!(
        paid.contains(paid_row),
        "the payment, dated by its value date"
    );
    // Kept again at the new version, then the bidding period ends with nothing written (the
    // opening job has not run).
    assert!(viewer.get(&pages[0]).await.1.contains("id=\"take-part\""));
    let version = viewer.page_cache().version(&viewer.db).await.unwrap();
    app.clock.set(datetime!(2027-02-20 02:00 UTC));
    let (_, closed) = viewer.get(&pages[0]).await;
    assert_eq!(
        viewer.page_cache().version(&viewer.db).await.unwrap(),
        version
    );
    assert!(!closed.contains("id=\"take-part\""), "no longer offered");
}

/// With `server_timing` on (for the benchmarks), a public page read and rendered now says where
/// its time went; one served from the cache, or with the setting off, says nothing.
#[rocket::async_test]
async fn with_server_timing_a_page_rendered_now_says_where_its_time_went() {
    let app = TestApp::spawn().await;
    let timed = app.instance_with(|c| c.server_timing = true).await;
    async fn timing(app: &TestApp, path: &str) -> Option<String> {
        let r = app.client.get(path.to_string()).dispatch().await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        r.headers().get_one("Server-Timing").map(str::to_string)
    }
    let t = timing(&timed, "/directory?q=%E5%AE%81%E6%B3%A2")
        .await
        .expect("timed");
    let parts: Vec<(String, f64)> = t
        .split(", ")
        .map(|p| {
            let (name, dur) = p.split_once(";dur=").expect("name;dur=ms");
            (name.to_string(), dur.parse().expect("a number"))
        })
        .collect();
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["data", "render", "escape"]);
    assert!(parts.iter().all(|(_, d)| *d >= 0.0));
    assert!(parts[1].1 > 0.0, "a render takes time: {t}");
    assert_eq!(
        timing(&timed, "/directory?q=%E5%AE%81%E6%B3%A2").await,
        None,
        "served as kept"
    );
    assert_eq!(timing(&app, "/awards").await, None, "off by default");
}

/// Issue 26: statistics slow to compute (at a nation's scale; here any, with
/// `figures_inline_ms = 0`) are not computed again while the visitor waits. After a payment the
/// page shows the figures it has, saying what instant they are of; the computation that is due
/// runs in the background, and the page then shows the payment with the new instant.
#[rocket::async_test]
async fn slow_statistics_are_brought_up_to_date_in_the_background_and_say_when_they_are_of() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-DATA-05").await;
    let viewer = app.instance_with(|c| c.figures_inline_ms = 0).await;
    let as_of = |app: &TestApp| {
        format!(
            "数据截至 {}",
            huoban::web::filters::datetime_text(app.clock.now_ms(), "zh-CN")
        )
    };
    let then = as_of(&app);
    let (s, before) = viewer.get("/statistics").await;
    assert_eq!(s, Status::Ok);
    assert!(before.contains(&then), "{then}");
    assert!(!before.contains("¥114,000.00"));
    // The home page's count of payments, kept the same way.
    let payments = |page: &str| -> i64 {
        let card = page
            .split("id=\"sec-payments\"")
            .nth(1)
            .expect("the payments card");
        card.split("<strong>")
            .nth(1)
            .and_then(|x| x.split('<').next())
            .expect("a count")
            .parse()
            .expect("a number")
    };
    let paid_before = payments(&viewer.get("/").await.1);
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pay = Payment {
        contract: k,
        installment: 1,
        amount_fen: 11_400_000,
        value_date: huoban::domain::calendar::shanghai_date(app.clock.now()),
        voucher_no: "记-2026-0005",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270005",
        approved_by: purchaser,
        key: "c5",
    };
    let pr = Procurement::of(state(&app));
    assert!(pr.record_payment(&pay, 1, 30).await.unwrap().is_ok());
    // The payment is public at once on its contract; the statistics still show their instant.
    let (_, stale) = viewer.get("/statistics").await;
    assert!(stale.contains(&then));
    assert!(
        !stale.contains("¥114,000.00"),
        "not computed while the visitor waited"
    );
    let (_, csv) = viewer.get("/statistics.csv").await;
    assert!(
        !csv.contains("114000.00"),
        "the download is of the same figures"
    );
    // Ten minutes on, a computation is due: it runs in the background.
    app.clock.advance(time::Duration::minutes(10));
    let now = as_of(&app);
    assert_ne!(now, then);
    let mut page = String::new();
    for _ in 0..500 {
        page = viewer.get("/statistics").await.1;
        if page.contains("¥114,000.00") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(page.contains("¥114,000.00"), "brought up to date");
    assert!(page.contains(&now));
    let mut home = String::new();
    for _ in 0..500 {
        home = viewer.get("/").await.1;
        if payments(&home) == paid_before + 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        payments(&home),
        paid_before + 1,
        "the home page's count too"
    );
    let (_, csv) = viewer.get("/statistics.csv").await;
    assert!(csv.contains("114000.00"));
    // The base instance computes them while the visitor waits (quick figures): no instant
    // older than the payment.
    let (_, fresh) = app.get("/statistics").await;
    assert!(fresh.contains("¥114,000.00"));
}
