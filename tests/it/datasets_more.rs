//! The datasets people asked for (issue 24, item 5) and the strict dataset URLs (item 4): the
//! two credit lists, challenges, complaint decisions and failed or cancelled rounds, each a page,
//! CSV, XLSX and JSON of the same rows with no personal data; every row's id and absolute page
//! URL; `/data/projects.csv?status=all`; payments with their service category; unknown
//! parameters refused with a problem naming them; statistics by year with their download.

use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::{publish_project, state};
use crate::registry::{ok_post, REGISTRAR_HAISHU};
use crate::suppliers::SUPERVISOR;
use rocket::http::Status;
use serde_json::Value;
use time::macros::datetime;

async fn bytes(app: &TestApp, path: &str) -> (Status, Vec<u8>) {
    let r = app.client.get(path.to_string()).dispatch().await;
    let s = r.status();
    (s, r.into_bytes().await.unwrap_or_default())
}

/// The CSV's header and rows (after the byte-order mark).
async fn csv_of(app: &TestApp, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let (s, body) = bytes(app, path).await;
    assert_eq!(s, Status::Ok, "{path}");
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "{path}: byte-order mark");
    let mut r = csv::Reader::from_reader(&body[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The API's rows (one page).
async fn api_rows(app: &TestApp, path: &str) -> Vec<Value> {
    let (s, body) = app.get(path).await;
    assert_eq!(s, Status::Ok, "{path}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["rows"].as_array().unwrap().clone()
}

/// The problem document of a refused data URL, and the names it gives.
async fn refused(app: &TestApp, path: &str) -> Vec<String> {
    let r = app.client.get(path.to_string()).dispatch().await;
    assert_eq!(r.status(), Status::BadRequest, "{path}");
    assert_eq!(
        r.content_type().map(|c| c.to_string()).unwrap_or_default(),
        "application/problem+json",
        "{path}"
    );
    let v: Value = serde_json::from_str(&r.into_string().await.unwrap()).unwrap();
    v["invalid_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

fn public_url(app: &TestApp) -> String {
    app.resolved
        .config
        .public_url
        .trim_end_matches('/')
        .to_string()
}

fn col(header: &[String], key: &str) -> usize {
    header
        .iter()
        .position(|h| h == key)
        .unwrap_or_else(|| panic!("{key} in {header:?}"))
}

/// Organization 1 fined 49,999.99 (abnormal list) and 50,000.00 (serious list after the daily
/// job, which moves the abnormal listing there); the demo's organization 2 is on the abnormal
/// list for a missing 2025 report.
#[rocket::async_test]
async fn the_credit_lists_are_datasets_of_the_public_facts_of_each_listing() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR_HAISHU).await;
    for amount in ["49,999.99", "50,000.00"] {
        ok_post(
            &app,
            "/registry/orgs/1/penalties",
            &[
                ("kind", "fine"),
                ("decided_on", "2026-11-20"),
                ("amount", amount),
                ("reason", "违规开展活动，罚款处罚"),
            ],
        )
        .await;
    }
    app.logout().await;
    huoban::registry::supervision::run_daily(&app.jobs().registry())
        .await
        .expect("daily job");
    let base = public_url(&app);
    let name1 = app
        .text("SELECT name FROM organizations WHERE id = 1")
        .await;
    let name2 = app
        .text("SELECT name FROM organizations WHERE id = 2")
        .await;

    // The abnormal list shows who is listed now by default; removed listings on asking.
    let now = api_rows(&app, "/api/v1/abnormal").await;
    let names: Vec<&str> = now
        .iter()
        .map(|r| r["organization"].as_str().unwrap())
        .collect();
    assert!(names.contains(&name2.as_str()), "{now:?}");
    assert!(
        !names.contains(&name1.as_str()),
        "moved to the serious list: {now:?}"
    );
    let missing = now
        .iter()
        .find(|r| r["organization"] == name2.as_str())
        .unwrap();
    assert_eq!(missing["listing_reason"], "annual_report_missing");
    assert_eq!(missing["ref_year"], 2025);
    assert_eq!(missing["removed_on"], Value::Null);
    assert_eq!(missing["url"], format!("{base}/organizations/2"));
    let removed = api_rows(&app, "/api/v1/abnormal?status=removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0]["organization"], name1.as_str());
    assert_eq!(removed[0]["listing_reason"], "small_fine");
    assert_eq!(removed[0]["removal"], "moved_serious");
    assert_eq!(removed[0]["removed_on"], "2026-11-28");
    assert_eq!(
        api_rows(&app, "/api/v1/abnormal?status=all").await.len(),
        now.len() + 1
    );
    // The serious list: organization 1 for the large fine, with its listing's id.
    let serious = api_rows(&app, "/api/v1/serious").await;
    assert_eq!(serious.len(), 1, "{serious:?}");
    assert_eq!(serious[0]["organization"], name1.as_str());
    assert_eq!(serious[0]["listing_reason"], "large_fine");
    assert_eq!(serious[0]["listed_on"], "2026-11-28");
    let id = app
        .scalar("SELECT id FROM credit_listings WHERE list = 'serious'")
        .await;
    assert_eq!(serious[0]["id"], id);
    assert_eq!(serious[0]["url"], format!("{base}/organizations/1"));
    // Filters: the name, the year listed, the district.
    assert_eq!(api_rows(&app, "/api/v1/serious?year=2025").await.len(), 0);
    let district = app
        .text("SELECT district_code FROM organizations WHERE id = 1")
        .await;
    let other = if district == "330203" {
        "330212"
    } else {
        "330203"
    };
    assert_eq!(
        api_rows(&app, &format!("/api/v1/serious?district={district}"))
            .await
            .len(),
        1
    );
    assert_eq!(
        api_rows(&app, &format!("/api/v1/serious?district={other}"))
            .await
            .len(),
        0
    );
    // The CSV, the XLSX and the page hold the same listing; none carries the penalty's text or
    // the registrar's notes on the listing.
    let (header, rows) = csv_of(&app, "/data/serious.csv").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(&header[header.len() - 2..], ["id", "url"]);
    assert_eq!(
        rows[0][col(&header, "uscc")],
        serious[0]["uscc"].as_str().unwrap()
    );
    assert_eq!(rows[0][col(&header, "id")], id.to_string());
    let details = app
        .text("SELECT COALESCE(MAX(detail), '') FROM credit_listings WHERE org_id = 1")
        .await;
    for format in ["csv", "xlsx"] {
        let (s, body) = bytes(&app, &format!("/data/serious.{format}")).await;
        assert_eq!(s, Status::Ok);
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("违规开展活动"),
            "{format}: the penalty's reason"
        );
        assert!(details.is_empty() || !text.contains(&details), "{format}");
    }
    let (s, page) = app.get("/credit/serious").await;
    assert_eq!(s, Status::Ok);
    assert!(page.contains(&name1) && page.contains("受到 5 万元以上罚款"));
    assert!(!page.contains("违规开展活动"));
    let (_, page) = app.get("/credit/abnormal?status=removed").await;
    assert!(page.contains("转入严重违法失信名单"), "the removal's label");
    // Both lists are on /data and in the dictionary.
    let hub = html_unescape(&app.get("/data").await.1);
    assert!(hub.contains("/credit/abnormal") && hub.contains("/data/serious.csv?status=all"));
    let (_, dict) = app.get("/data/dictionary").await;
    assert!(dict.contains("<code>listing_reason</code>") && dict.contains("<code>url</code>"));
}

/// The demo's challenge (answered) and complaint; the supervisor decides it. The challenges
/// dataset gives the challenge's facts, never its text, the answer or the challenger; the
/// complaint decisions give what the public decision prints, never the complaint's own text.
#[rocket::async_test]
async fn challenges_and_complaint_decisions_publish_their_public_parts_only() {
    let app = TestApp::spawn().await;
    let base = public_url(&app);
    let challenge_body = app.text("SELECT body FROM challenges").await;
    let answer = app.text("SELECT answer FROM challenges").await;
    let complaint_body = app.text("SELECT body FROM complaints").await;
    let challenger = app
        .text("SELECT g.name FROM challenges ch JOIN organizations g ON g.id = ch.org_id")
        .await;
    let k = app.scalar("SELECT id FROM complaints").await;
    // Undecided, the complaint is in no dataset; the challenge is.
    assert_eq!(api_rows(&app, "/api/v1/complaints").await.len(), 0);
    let rows = api_rows(&app, "/api/v1/challenges").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let ch = &rows[0];
    assert_eq!(ch["number"], "NBMZ-2026-018");
    assert_eq!(ch["target"], "process");
    assert_eq!(ch["step"], "opening");
    assert_eq!(ch["suspends"], "yes");
    assert_eq!(ch["complained"], "yes");
    assert!(ch["answered_at"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(ch["url"], format!("{base}/projects/NBMZ-2026-018"));

    app.login_as(SUPERVISOR).await;
    let r = app
        .post(
            &format!("/complaints/{k}/decide"),
            &[
                ("outcome", "dismissed"),
                ("findings", "经调取电子交易系统日志核实，开标记录准确。"),
                ("decision", "投诉事项缺乏事实依据，驳回投诉。"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    let rows = api_rows(&app, "/api/v1/complaints").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let d = &rows[0];
    assert_eq!(d["id"], k);
    assert_eq!(d["number"], "NBMZ-2026-018");
    assert_eq!(d["decision_outcome"], "dismissed");
    assert_eq!(d["findings"], "经调取电子交易系统日志核实，开标记录准确。");
    assert_eq!(d["decision"], "投诉事项缺乏事实依据，驳回投诉。");
    assert_eq!(d["complainant"], challenger.as_str());
    assert_eq!(d["url"], format!("{base}/complaints/{k}/decision"));
    let (s, _) = app.get(&format!("/complaints/{k}/decision")).await;
    assert_eq!(s, Status::Ok, "the row's page is public");
    // The year filter: decided in 2026, none in 2025.
    assert_eq!(
        api_rows(&app, "/api/v1/complaints?year=2025").await.len(),
        0
    );
    assert_eq!(
        api_rows(&app, "/api/v1/complaints?year=2026").await.len(),
        1
    );
    // No format carries the challenge's or the complaint's own text, the answer, or (for the
    // challenges) who filed it; no user id or email either.
    for path in [
        "/data/challenges.csv",
        "/data/challenges.xlsx",
        "/api/v1/challenges",
        "/challenges",
        "/data/complaints.csv",
        "/data/complaints.xlsx",
        "/api/v1/complaints",
        "/complaint-decisions",
    ] {
        let (s, body) = bytes(&app, path).await;
        assert_eq!(s, Status::Ok, "{path}");
        let text = String::from_utf8_lossy(&body);
        for secret in [&challenge_body, &answer, &complaint_body] {
            assert!(
                !text.contains(secret.as_str()),
                "{path} holds a party's text"
            );
        }
        assert!(!text.contains("@demo.huoban.cn"), "{path}");
        if path.contains("challenges") {
            assert!(
                !text.contains(challenger.as_str()),
                "{path} names the challenger"
            );
        }
    }
    let (header, rows) = csv_of(&app, "/data/complaints.csv").await;
    assert!(!header.iter().any(|h| h == "body" || h == "user_id"));
    assert_eq!(rows[0][col(&header, "decision_outcome")], "dismissed");
}

/// A round that failed at its opening and a project cancelled with its reason: both in the
/// failures dataset with the counts and the reason, filtered by status and year.
#[rocket::async_test]
async fn failed_and_cancelled_rounds_keep_their_reasons_in_a_dataset() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-MORE-030", "open_tender", "2026-12-20T10:00").await;
    let gone = publish_project(&app, "NB-MORE-031", "consultation", "2026-12-21T10:00").await;
    let r = app
        .post(
            &format!("/purchase/projects/{gone}/cancel"),
            &[("reason", "预算调整，项目取消。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    // No bid: the opening fails the round.
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    huoban::procurement::Procurement::of(state(&app))
        .run_due()
        .await
        .unwrap();
    let min_bids = int(
        &app,
        "SELECT min_bids FROM projects WHERE number = $1",
        "NB-MORE-030",
    )
    .await;
    // (The demo's open project failed at the same opening time: the search keeps to ours.)
    let rows = api_rows(&app, "/api/v1/failures?q=NB-MORE").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let failed = rows.iter().find(|r| r["number"] == "NB-MORE-030").unwrap();
    assert_eq!(failed["stage"], "opening");
    assert_eq!(failed["round"], 1);
    assert_eq!(failed["valid_bids"], 0);
    assert_eq!(failed["min_bids"], min_bids);
    assert_eq!(
        failed["failure_reason"],
        format!("递交投标（响应）文件的供应商 0 家，少于规定的 {min_bids} 家")
    );
    assert_eq!(failed["failed_at"], "2026-12-20T10:00:00+08:00");
    let cancelled = rows.iter().find(|r| r["number"] == "NB-MORE-031").unwrap();
    assert_eq!(cancelled["stage"], "cancelled");
    assert_eq!(cancelled["failure_reason"], "预算调整，项目取消。");
    assert_eq!(cancelled["valid_bids"], Value::Null);
    // The status filter splits them; the year filter finds them in 2026 only.
    let only = |rows: Vec<Value>| -> Vec<String> {
        rows.iter()
            .map(|r| r["number"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        only(api_rows(&app, "/api/v1/failures?status=failed&q=NB-MORE").await),
        ["NB-MORE-030"]
    );
    assert_eq!(
        only(api_rows(&app, "/api/v1/failures?status=cancelled&q=NB-MORE").await),
        ["NB-MORE-031"]
    );
    assert_eq!(api_rows(&app, "/api/v1/failures?year=2027").await.len(), 0);
    assert_eq!(
        api_rows(&app, "/api/v1/failures?status=all&year=2026&q=NB-MORE")
            .await
            .len(),
        2
    );
    // The CSV and the page say the same; the page in English gives the reason in English.
    let (header, rows) = csv_of(&app, "/data/failures.csv?status=failed&q=NB-MORE").await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0][col(&header, "failure_reason")].contains("少于规定的"));
    assert!(rows[0][col(&header, "url")].ends_with("/projects/NB-MORE-030"));
    let en = app
        .get_with("/failures", &[("Accept-Language", "en")])
        .await
        .into_string()
        .await
        .unwrap_or_default();
    assert!(
        en.contains("0 bid(s) received, fewer than the required"),
        "{en}"
    );
    assert!(en.contains("预算调整，项目取消。"));
}

/// Every format's rows end with the row's id and its page's absolute URL; `/data` downloads
/// the projects whole (`status=all`), which `/data/projects.csv` honours; payments carry the
/// service category.
#[rocket::async_test]
async fn every_row_has_its_id_and_url_and_projects_download_whole_with_status_all() {
    let app = TestApp::spawn().await;
    let base = public_url(&app);
    let (header, open) = csv_of(&app, "/data/projects.csv").await;
    let (_, all) = csv_of(&app, "/data/projects.csv?status=all").await;
    let total = app
        .scalar("SELECT COUNT(*) FROM projects WHERE status <> 'draft'")
        .await;
    let published = app
        .scalar("SELECT COUNT(*) FROM projects WHERE status = 'published'")
        .await;
    assert!(total > published, "the demo has closed projects too");
    assert_eq!(all.len() as i64, total);
    assert_eq!(open.len() as i64, published);
    let status = col(&header, "project_status");
    assert!(all.iter().any(|r| r[status] == "opened"));
    let hub = html_unescape(&app.get("/data").await.1);
    assert!(
        hub.contains("/data/projects.csv?status=all"),
        "the hub's link"
    );
    // id and url: last, the id the row's key, the url absolute.
    assert_eq!(&header[header.len() - 2..], ["id", "url"]);
    let (id, url) = (col(&header, "id"), col(&header, "url"));
    for r in &all {
        let number = &r[col(&header, "number")];
        let key = int(&app, "SELECT id FROM projects WHERE number = $1", number).await;
        assert_eq!(r[id], key.to_string());
        assert_eq!(r[url], format!("{base}/projects/{number}"));
    }
    let json = api_rows(&app, "/api/v1/projects?status=all").await;
    assert_eq!(json.len(), all.len());
    for (j, c) in json.iter().zip(&all) {
        assert_eq!(j["id"].to_string(), c[id]);
        assert_eq!(j["url"], c[url].as_str());
    }
    // The XLSX: the same two columns, the id a number.
    {
        use calamine::{Data, Reader, Xlsx};
        let (s, body) = bytes(&app, "/data/projects.xlsx?status=all").await;
        assert_eq!(s, Status::Ok);
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).unwrap();
        let range = book.worksheet_range("projects").unwrap();
        let cells: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(cells[0][id], Data::String("记录编号".into()));
        assert_eq!(cells[0][url], Data::String("网址".into()));
        for (x, c) in cells[1..].iter().zip(&all) {
            assert_eq!(x[id], Data::Float(c[id].parse::<f64>().unwrap()));
            assert_eq!(x[url], Data::String(c[url].clone()));
        }
    }
    // An intention's row links to the intention's own page.
    let (h, rows) = csv_of(&app, "/data/intentions.csv").await;
    assert!(!rows.is_empty());
    for r in &rows {
        let path = r[col(&h, "url")].strip_prefix(&base).unwrap().to_string();
        assert_eq!(path, format!("/intentions/{}", r[col(&h, "id")]));
        let (s, page) = app.get(&path).await;
        assert_eq!(s, Status::Ok, "{path}");
        assert!(page.contains(&r[col(&h, "title")]), "{path}");
    }
    assert_eq!(app.get("/intentions/999999").await.0, Status::NotFound);
    // Every dataset's header ends so, and the OpenAPI rows require both.
    for ds in huoban::opendata::ALL {
        let (h, _) = csv_of(&app, &format!("/data/{}.csv", ds.slug())).await;
        assert_eq!(&h[h.len() - 2..], ["id", "url"], "{}", ds.slug());
        assert_eq!(h.len(), ds.columns().len() + 2);
    }
    let (_, doc) = app.get("/api/v1/openapi.json").await;
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let req = &doc["components"]["schemas"]["FailuresRow"]["required"];
    assert!(req.as_array().unwrap().iter().any(|k| k == "id"));
    assert!(req.as_array().unwrap().iter().any(|k| k == "url"));
    // Payments carry the service category; contracts the category, USCC and a link.
    for slug in ["payments", "contracts"] {
        let (h, _) = csv_of(&app, &format!("/data/{slug}.csv")).await;
        for k in ["category", "uscc", "url"] {
            col(&h, k);
        }
    }
}

#[rocket::async_test]
async fn unknown_parameters_on_the_api_and_downloads_are_refused_by_name() {
    let app = TestApp::spawn().await;
    assert_eq!(
        refused(&app, "/api/v1/organizations?uscc=52330200000200010M").await,
        ["uscc"]
    );
    assert_eq!(
        refused(&app, "/api/v1/projects?page_size=50").await,
        ["page_size"]
    );
    assert_eq!(
        refused(&app, "/api/v1/awards?page_size=50&sort=amount&page_size=5").await,
        ["page_size", "sort"],
        "each named once"
    );
    // A non-ASCII name is named as sent, decoded.
    assert_eq!(refused(&app, "/api/v1/grades?%E5%B9%B4=2026").await, ["年"]);
    // Downloads too: an unknown name, a page (a download holds every row), a value the
    // dataset does not know, a filter it does not take.
    assert_eq!(refused(&app, "/data/awards.csv?uscc=1").await, ["uscc"]);
    assert_eq!(refused(&app, "/data/projects.xlsx?page=2").await, ["page"]);
    assert_eq!(
        refused(&app, "/data/projects.csv?status=everything").await,
        ["status"]
    );
    assert_eq!(
        refused(&app, "/data/intentions.csv?grade=5a").await,
        ["grade"]
    );
    assert_eq!(
        refused(&app, "/data/abnormal.csv?status=listed&status=all").await,
        ["status"]
    );
    // Known parameters with valid values still answer.
    assert_eq!(
        app.get("/api/v1/projects?status=all&page=1").await.0,
        Status::Ok
    );
    assert_eq!(
        bytes(&app, "/data/abnormal.csv?status=all&year=2026")
            .await
            .0,
        Status::Ok
    );
    // The pages stay lenient: an unknown parameter there is ignored.
    assert_eq!(app.get("/projects?page_size=50").await.0, Status::Ok);
}

#[rocket::async_test]
async fn statistics_by_year_with_a_download_of_the_same_figures() {
    let app = TestApp::spawn().await;
    // 2026: the demo's two projects, published in two months, and the opening's three bids
    // (November).
    let (s, page) = app.get("/statistics?year=2026").await;
    assert_eq!(s, Status::Ok);
    assert!(
        page.contains("<option value=\"2026\" selected>"),
        "the selector"
    );
    assert!(page.contains("2026 年有 2 个月份发布了项目"), "{page}");
    assert!(page.contains("href=\"/statistics.csv?year=2026\""));
    assert!(page.contains("href=\"/statistics.xlsx?year=2026\""));
    let (header, rows) = csv_of(&app, "/statistics.csv?year=2026").await;
    assert_eq!(header, ["year", "chart", "label", "value", "unit"]);
    let of = |chart: &str| -> Vec<(String, String)> {
        rows.iter()
            .filter(|r| r[1] == chart)
            .map(|r| (r[2].clone(), r[3].clone()))
            .collect()
    };
    let projects = of("projects");
    assert_eq!(projects.len(), 2, "{projects:?}");
    assert!(projects
        .iter()
        .all(|(m, n)| m.starts_with("2026-") && n == "1"));
    assert!(projects[0].0 < projects[1].0, "months in order");
    assert_eq!(of("bids"), [("2026-11".to_string(), "3".to_string())]);
    assert!(rows.iter().all(|r| r[0] == "2026"));
    // Every figure of the page's tables is in the download.
    for r in &rows {
        assert!(
            page.contains(&format!("<td class=\"num\">{}</td>", r[3])),
            "{r:?}"
        );
    }
    // The XLSX holds the same figures as numbers.
    {
        use calamine::{Data, Reader, Xlsx};
        let (s, body) = bytes(&app, "/statistics.xlsx?year=2026").await;
        assert_eq!(s, Status::Ok);
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).unwrap();
        let range = book.worksheet_range("statistics").unwrap();
        let cells: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(cells.len(), rows.len() + 1);
        for (x, c) in cells[1..].iter().zip(&rows) {
            assert_eq!(x[3], Data::Float(c[3].parse::<f64>().unwrap()));
        }
    }
    // All time: registrations per year; one year: none from another year.
    let (_, every) = csv_of(&app, "/statistics.csv").await;
    assert!(every
        .iter()
        .any(|r| r[1] == "registrations" && r[2].len() == 4));
    assert!(rows.iter().all(|r| r[1] != "registrations"));
    // A year without data: every chart says so, the download has its header only.
    let (s, page) = app.get("/statistics?year=2005").await;
    assert_eq!(s, Status::Ok);
    assert_eq!(page.matches("暂无数据。").count(), 6, "{page}");
    let (_, none) = csv_of(&app, "/statistics.csv?year=2005").await;
    assert!(none.is_empty(), "{none:?}");
    // An invalid year is a clear error: the page in words, the download naming it.
    for y in ["1999", "2101", "20x6", "%E4%BA%8C%E3%80%87"] {
        let (s, page) = app.get(&format!("/statistics?year={y}")).await;
        assert_eq!(s, Status::BadRequest, "{y}");
        assert!(page.contains("年份应为 2000 至 2100 之间的四位数字"), "{y}");
        assert_eq!(
            refused(&app, &format!("/statistics.csv?year={y}")).await,
            ["year"]
        );
    }
    assert_eq!(
        refused(&app, "/statistics.xlsx?year=2026&chart=bids").await,
        ["chart"]
    );
    // At the limits: 2000 and 2100 are years.
    for y in [2000, 2100] {
        assert_eq!(
            app.get(&format!("/statistics?year={y}")).await.0,
            Status::Ok
        );
    }
}

/// A public list offers the service catalogue's categories and filters by them (an unknown code
/// is no filter); the catalogue is kept per data version, so a category renamed (as a new
/// catalogue loaded at start-up does) shows under its new name once the data has changed.
#[rocket::async_test]
async fn the_lists_offer_the_catalogue_and_show_a_renamed_category_after_a_change() {
    let app = TestApp::spawn().await;
    let list = |q: &'static str| {
        let app = &app;
        async move { html_unescape(&app.get(q).await.1) }
    };
    let page = list("/projects?status=all").await;
    assert!(
        page.contains(r#"<option value="elderly-care">养老服务</option>"#),
        "the catalogue's choices"
    );
    let count = |n: i64| format!("共 {n} 条");
    let elderly = app
        .scalar("SELECT COUNT(*) FROM projects WHERE status <> 'draft' AND category_code = 'elderly-care'")
        .await;
    let all = app
        .scalar("SELECT COUNT(*) FROM projects WHERE status <> 'draft'")
        .await;
    assert!(
        0 < elderly && elderly < all,
        "the demo has projects of several categories"
    );
    let filtered = list("/projects?status=all&category=elderly-care").await;
    assert!(
        filtered.contains(&count(elderly)),
        "filtered to the category"
    );
    assert!(
        filtered.contains(r#"<option value="elderly-care" selected>养老服务</option>"#),
        "the chosen category stays chosen"
    );
    let unknown = list("/projects?status=all&category=no-such-code").await;
    assert!(
        unknown.contains(&count(all)),
        "an unknown code is no filter"
    );

    let mut c = app.db.acquire().await.unwrap();
    sqlx::query(
        "UPDATE service_categories SET name_zh = '居家养老服务' WHERE code = 'elderly-care'",
    )
    .execute(&mut *c)
    .await
    .unwrap();
    drop(c);
    // A change of data (a project published) and the list is rendered with the new name.
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-CAT-001", "consultation", "2026-12-20T10:00").await;
    app.logout().await;
    let page = list("/projects?status=all").await;
    assert!(
        page.contains(r#"<option value="elderly-care">居家养老服务</option>"#),
        "the renamed category"
    );
}
