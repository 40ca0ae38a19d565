//! The OCDS feed at scale (issue 24 item 3, issue 26 item 4): pages by keyset whose
//! `links.next` survives data added mid-harvest (a harvest is the bulk file, each release once),
//! `since` in any offset across pages, bulk files per Beijing year, `Last-Modified` with 304 on
//! `If-Modified-Since`, strict query parameters, and a per-address ceiling on the expensive
//! endpoints.

use crate::helpers::*;
use crate::procurement::{project_fields, publish_project};
use rocket::http::{Header, Status};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use time::macros::datetime;

/// `n` amendments of a project's round 1 at the clock's time: each is a release
/// (`tenderAmendment`), added as the procedure adds them.
async fn amendments(app: &TestApp, number: &str, n: usize) {
    let id = app
        .scalar_of(&format!(
            "SELECT id FROM projects WHERE number = '{number}'"
        ))
        .await;
    let at = app.clock.now_ms();
    let mut c = app.db.acquire().await.unwrap();
    for k in 0..n {
        sqlx::query(
            "INSERT INTO project_events (project_id, round, at, kind, data) VALUES ($1, 1, $2, 'amendment', $3)",
        )
        .bind(id)
        .bind(at)
        .bind(format!("{{\"body\":\"第 {k} 号澄清\"}}"))
        .execute(&mut *c)
        .await
        .unwrap();
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The path of an absolute link the feed gave.
fn path_of(link: &str) -> String {
    link[link.find("/ocds/").expect("an OCDS link")..].to_string()
}

/// One page: its releases and the path of its next page.
async fn page(app: &TestApp, path: &str) -> (Vec<Value>, Option<String>) {
    let (s, body) = app.get(path).await;
    assert_eq!(s, Status::Ok, "{path}: {body}");
    let v = json(&body);
    let rs = v["releases"].as_array().cloned().unwrap_or_default();
    assert!(rs.len() <= 100, "{path}: {} releases", rs.len());
    (rs, v["links"]["next"].as_str().map(path_of))
}

async fn bulk(app: &TestApp, path: &str) -> Vec<Value> {
    let (s, body) = app.get(path).await;
    assert_eq!(s, Status::Ok, "{path}");
    json(&body)["releases"].as_array().cloned().unwrap()
}

/// Releases by id, each id once.
fn by_id(rs: Vec<Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for r in rs {
        let id = r["id"].as_str().unwrap().to_string();
        assert!(out.insert(id.clone(), r).is_none(), "{id} served twice");
    }
    out
}

async fn intention(app: &TestApp, title: &str) -> String {
    let r = app
        .post(
            "/purchase/intentions",
            &[
                ("i_title", title),
                ("category", "elderly-care"),
                ("i_budget", "400000"),
                ("need", "高龄独居老人上门服务一年"),
                ("i_planned_month", "2027-03"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.scalar("SELECT MAX(id) FROM intentions")
        .await
        .to_string()
}

#[rocket::async_test]
async fn a_harvest_is_the_bulk_file_each_release_once_even_with_data_added_mid_harvest() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    // An intention published now; its project published a month later, mid-harvest: the
    // planning release is dated before the harvest's cursor and must still be served.
    let late = intention(&app, "助餐服务意向").await;
    app.clock.set(datetime!(2026-12-01 02:00 UTC));
    publish_project(&app, "NB-FEED-01", "open_tender", "2027-01-20T10:00").await;
    amendments(&app, "NB-FEED-01", 230).await;
    let mut f = project_fields("NB-FEED-02", "consultation", "2027-01-25T10:00");
    f.push(("intention", &late));
    let r = app.post("/purchase/projects", &f).await;
    assert_eq!(r.status(), Status::SeeOther);
    let draft = app.scalar("SELECT MAX(id) FROM projects").await;

    let total = bulk(&app, "/ocds/bulk.json").await.len();
    assert!(total > 230, "{total}");
    let (first, next) = page(&app, "/ocds/releases.json").await;
    assert_eq!(first.len(), 100);
    let mut next = next.expect("a next page");
    assert!(next.contains("after="), "{next}");
    // The same first page with `page=1` (an old link's first page).
    let (again, _) = page(&app, "/ocds/releases.json?page=1").await;
    assert_eq!(again, first);
    let mut seen = first;
    let (second, n) = page(&app, &next).await;
    seen.extend(second);
    next = n.expect("a third page");
    // Data added between pages: the draft with the intention published, more amendments.
    app.clock.set(datetime!(2026-12-28 02:00 UTC));
    let r = app
        .post(&format!("/purchase/projects/{draft}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    amendments(&app, "NB-FEED-01", 120).await;
    let mut pages = 2;
    let mut link = Some(next);
    while let Some(l) = link {
        let (rs, n) = page(&app, &l).await;
        assert!(
            !rs.is_empty() || n.is_none(),
            "{l}: an empty page that is not the last"
        );
        seen.extend(rs);
        link = n;
        pages += 1;
        assert!(pages < 20, "the harvest ends");
    }
    let harvested = by_id(seen);
    let all = by_id(bulk(&app, "/ocds/bulk.json").await);
    assert_eq!(
        all.len(),
        total + 120 + 2,
        "the 120 amendments, the tender, its intention"
    );
    assert_eq!(
        harvested.keys().collect::<Vec<_>>(),
        all.keys().collect::<Vec<_>>()
    );
    assert_eq!(harvested, all, "the same content as the bulk file");
    assert!(
        all.keys()
            .any(|k| k.ends_with(&format!("-intention-{late}"))),
        "the planning release of the project published mid-harvest"
    );
    // Following an old cursor again gives the same releases after it (stable).
    let (a, _) = page(&app, "/ocds/releases.json?after=0.0.0").await;
    let (b, _) = page(&app, "/ocds/releases.json").await;
    assert_eq!(a, b);
}

/// `since` across pages: exactly the releases dated at or after it, whatever its offset.
#[rocket::async_test]
async fn since_in_beijing_time_pages_through_exactly_the_later_releases() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-FEED-10", "open_tender", "2027-01-20T10:00").await;
    amendments(&app, "NB-FEED-10", 30).await;
    // 10:00 in Beijing is 02:00 UTC.
    app.clock.set(datetime!(2026-12-10 02:00 UTC));
    amendments(&app, "NB-FEED-10", 150).await;
    let mut seen = Vec::new();
    let mut link = Some("/ocds/releases.json?since=2026-12-10T10:00:00%2B08:00".to_string());
    let mut pages = 0;
    while let Some(l) = link {
        let (rs, n) = page(&app, &l).await;
        if n.is_some() {
            assert!(
                l == "/ocds/releases.json?since=2026-12-10T10:00:00%2B08:00"
                    || l.contains("since=")
            );
        }
        seen.extend(rs);
        link = n;
        pages += 1;
    }
    assert_eq!(pages, 2);
    let cut = time::OffsetDateTime::parse(
        "2026-12-10T02:00:00Z",
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let later: Vec<Value> = bulk(&app, "/ocds/bulk.json")
        .await
        .into_iter()
        .filter(|r| {
            time::OffsetDateTime::parse(
                r["date"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
                >= cut
        })
        .collect();
    assert_eq!(later.len(), 150);
    assert_eq!(by_id(seen), by_id(later));
    // One millisecond later: one page fewer... none of them.
    let (rs, n) = page(
        &app,
        "/ocds/releases.json?since=2026-12-10T10:00:00.001%2B08:00",
    )
    .await;
    assert!(rs.is_empty() && n.is_none());
    let (s, body) = app
        .get("/ocds/releases.json?since=2026-12-10T10:00:00%2B08")
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(body.contains("\"since\""));
}

/// The bulk file of a year holds the releases dated in that year in Beijing; the data page
/// links each year.
#[rocket::async_test]
async fn a_year_s_bulk_file_holds_that_beijing_year_s_releases() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-FEED-20", "open_tender", "2027-01-20T10:00").await;
    // 2026-12-31 16:30 UTC is 2027-01-01 00:30 in Beijing.
    app.clock.set(datetime!(2026-12-31 16:30 UTC));
    amendments(&app, "NB-FEED-20", 3).await;
    app.logout().await;
    let all = bulk(&app, "/ocds/bulk.json").await;
    let beijing_year = |r: &Value| {
        let t = time::OffsetDateTime::parse(
            r["date"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        t.to_offset(time::macros::offset!(+8)).year()
    };
    let y2027 = bulk(&app, "/ocds/bulk/2027.json").await;
    assert_eq!(y2027.len(), 3);
    let y2026 = bulk(&app, "/ocds/bulk/2026.json").await;
    let mut years: Vec<Value> = y2026.clone();
    years.extend(y2027.clone());
    assert!(y2026.iter().all(|r| beijing_year(r) == 2026));
    assert!(y2027.iter().all(|r| beijing_year(r) == 2027));
    assert_eq!(
        by_id(years),
        by_id(
            all.into_iter()
                .filter(|r| beijing_year(r) >= 2026)
                .collect()
        )
    );
    let (s, body) = app.get("/ocds/bulk/2027.json").await;
    assert_eq!(s, Status::Ok);
    assert!(
        body.contains("/ocds/bulk/2027.json"),
        "the package names itself"
    );
    for bad in [
        "/ocds/bulk/27.json",
        "/ocds/bulk/2027",
        "/ocds/bulk/abcd.json",
    ] {
        let (s, _) = app.get(bad).await;
        assert_eq!(s, Status::NotFound, "{bad}");
    }
    let (_, hub) = app.get("/data").await;
    assert!(hub.contains("href=\"/ocds/bulk/2027.json\""), "{hub}");
    assert!(hub.contains("href=\"/ocds/bulk/2026.json\""));
}

/// `Last-Modified` beside the ETag, and 304 for `If-Modified-Since` at or after it; a change
/// (or the next day) moves it.
#[rocket::async_test]
async fn if_modified_since_answers_304_until_the_data_changes() {
    let app = TestApp::spawn().await;
    // Seconds after the last change: its second is over.
    app.clock.set(datetime!(2026-11-28 02:00:05 UTC));
    for path in [
        "/ocds/releases.json",
        "/ocds/bulk.json",
        "/api/v1/projects",
        "/data/projects.csv",
        "/data/grades.xlsx",
    ] {
        let r = app.client.get(path).dispatch().await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        let lm = r
            .headers()
            .get_one("Last-Modified")
            .unwrap_or_else(|| panic!("{path}: a Last-Modified"))
            .to_string();
        assert!(r.headers().get_one("ETag").is_some());
        let again = app
            .client
            .get(path)
            .header(Header::new("If-Modified-Since", lm.clone()))
            .dispatch()
            .await;
        assert_eq!(again.status(), Status::NotModified, "{path}");
        assert!(again.into_bytes().await.unwrap_or_default().is_empty());
        // A second before it: the whole answer.
        let t = time::PrimitiveDateTime::parse(
            &lm,
            time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            ),
        )
        .unwrap();
        let before = (t - time::Duration::seconds(1))
            .format(time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            ))
            .unwrap();
        let r = app
            .client
            .get(path)
            .header(Header::new("If-Modified-Since", before))
            .dispatch()
            .await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        // If-None-Match takes precedence: a tag that does not match is answered in full.
        let r = app
            .client
            .get(path)
            .header(Header::new("If-Modified-Since", lm.clone()))
            .header(Header::new("If-None-Match", "W/\"d0-x\""))
            .dispatch()
            .await;
        assert_eq!(r.status(), Status::Ok, "{path}");
    }
    let r = app.client.get("/ocds/releases.json").dispatch().await;
    let lm = r.headers().get_one("Last-Modified").unwrap().to_string();
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-FEED-30", "open_tender", "2027-01-20T10:00").await;
    app.logout().await;
    // In the second of the change, no date is given (a later change in the same second could
    // not be told from it), and the old one does not answer 304.
    let r = app
        .client
        .get("/ocds/releases.json")
        .header(Header::new("If-Modified-Since", lm.clone()))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.headers().get_one("Last-Modified"), None);
    app.clock.set(datetime!(2026-11-28 02:00:07 UTC));
    let r = app
        .client
        .get("/ocds/releases.json")
        .header(Header::new("If-Modified-Since", lm.clone()))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    let newer = r.headers().get_one("Last-Modified").unwrap().to_string();
    assert_eq!(newer, "Sat, 28 Nov 2026 02:00:05 GMT");
    // The next Beijing day begins: grades and contract states may change with it.
    app.clock.set(datetime!(2026-11-28 16:00:01 UTC));
    let r = app
        .client
        .get("/ocds/releases.json")
        .header(Header::new("If-Modified-Since", newer))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(
        r.headers().get_one("Last-Modified"),
        Some("Sat, 28 Nov 2026 16:00:00 GMT")
    );
}

/// A parameter an OCDS URL does not take, or one given twice, is a 400 naming it.
#[rocket::async_test]
async fn unknown_or_repeated_parameters_are_refused_by_name() {
    let app = TestApp::spawn().await;
    for (path, name, why) in [
        (
            "/ocds/releases.json?page_size=100",
            "page_size",
            "not a parameter",
        ),
        (
            "/ocds/releases.json?since=2026-01-01&since=2027-01-01",
            "since",
            "more than once",
        ),
        ("/ocds/releases.json?page=2", "page", "links.next"),
        ("/ocds/releases.json?after=yesterday", "after", "cursor"),
        ("/ocds/releases.json?after=1.2.3", "after", "cursor"),
        ("/ocds/bulk.json?year=2026", "year", "not a parameter"),
        ("/ocds/bulk/2026.json?x=1", "x", "not a parameter"),
        (
            "/ocds/records/ocds-hb2026-NB-NOPE-1.json?uscc=1",
            "uscc",
            "not a parameter",
        ),
    ] {
        let r = app.client.get(path).dispatch().await;
        assert_eq!(r.status(), Status::BadRequest, "{path}");
        assert_eq!(
            r.content_type().map(|c| c.to_string()).as_deref(),
            Some("application/problem+json"),
            "{path}"
        );
        let v = json(&r.into_string().await.unwrap());
        let p = &v["invalid_params"][0];
        assert_eq!(p["name"], name, "{path}: {v}");
        assert!(p["reason"].as_str().unwrap().contains(why), "{path}: {v}");
    }
    for ok in [
        "/ocds/releases.json?page=1",
        "/ocds/releases.json?since=2026-01-01",
        "/ocds/releases.json?after=0.0.1",
        "/ocds/bulk/2026.json",
    ] {
        let (s, body) = app.get(ok).await;
        assert_eq!(s, Status::Ok, "{ok}: {body}");
    }
}

fn from(addr: &str) -> SocketAddr {
    format!("{addr}:4000").parse().unwrap()
}

/// The expensive endpoints (bulk files and the feed): N at once from one address (the
/// setting), one more is a 429 with Retry-After; another address is not held up, and a slot
/// frees when its stream ends.
#[rocket::async_test]
async fn one_address_gets_its_limit_of_expensive_requests_at_once_and_no_more() {
    let app = TestApp::spawn().await;
    {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query(
            "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) \
             VALUES ('opendata.expensive_per_address', '3', 0, NULL, 0, 'test')",
        )
        .execute(&mut *c)
        .await
        .unwrap();
    }
    let a = "203.0.113.7";
    // Three bulk downloads under way (their bodies not yet read): at the limit, all served.
    let mut held = Vec::new();
    for path in ["/ocds/bulk.json", "/ocds/bulk/2026.json", "/ocds/bulk.json"] {
        let r = app.client.get(path).remote(from(a)).dispatch().await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        held.push(r);
    }
    // One over: refused, for the feed as for a bulk file.
    for path in ["/ocds/bulk.json", "/ocds/releases.json"] {
        let r = app.client.get(path).remote(from(a)).dispatch().await;
        assert_eq!(r.status(), Status::TooManyRequests, "{path}");
        assert_eq!(r.headers().get_one("Retry-After"), Some("5"));
        assert_eq!(
            r.content_type().map(|c| c.to_string()).as_deref(),
            Some("application/problem+json")
        );
        let v = json(&r.into_string().await.unwrap());
        assert_eq!(v["status"], 429);
    }
    // Another address is served meanwhile; so are the cheap pages from the same one.
    let r = app
        .client
        .get("/ocds/releases.json")
        .remote(from("198.51.100.2"))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    let r = app.client.get("/data").remote(from(a)).dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    // A download read to its end frees its slot.
    let first = held.remove(0);
    let body = first.into_string().await.unwrap();
    assert!(json(&body)["releases"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
    let r = app
        .client
        .get("/ocds/releases.json")
        .remote(from(a))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    let r2 = app
        .client
        .get("/ocds/bulk.json")
        .remote(from(a))
        .dispatch()
        .await;
    assert_eq!(r2.status(), Status::Ok, "back at the limit");
    let r3 = app
        .client
        .get("/ocds/bulk.json")
        .remote(from(a))
        .dispatch()
        .await;
    assert_eq!(r3.status(), Status::TooManyRequests, "one over again");
    drop(held);
    drop(r2);
    let r = app
        .client
        .get("/ocds/bulk.json")
        .remote(from(a))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok, "dropped responses free their slots");
    // Ids seen are unique per address: no slot leaks after many sequential requests.
    let mut ok = HashSet::new();
    for _ in 0..5 {
        let r = app
            .client
            .get("/ocds/releases.json")
            .remote(from("198.51.100.3"))
            .dispatch()
            .await;
        ok.insert(r.status());
    }
    assert_eq!(ok, HashSet::from([Status::Ok]));
}

/// The feed reads a page's processes together (`ocds::inputs::many`) while the bulk file reads
/// them one at a time (`ocds::inputs::one`): on the city's year — agencies, intentions,
/// re-tenders, awards, contracts, terminations, payments and reversals — both must give
/// every release with the same content (the change of winner is `ocds_events`' case).
#[rocket::async_test]
async fn on_the_city_s_year_the_feed_read_in_batches_is_the_bulk_file() {
    let app = TestApp::spawn_city().await;
    let mut seen = Vec::new();
    let mut link = Some("/ocds/releases.json".to_string());
    let mut pages = 0;
    while let Some(l) = link {
        let (rs, n) = page(&app, &l).await;
        seen.extend(rs);
        link = n;
        pages += 1;
        assert!(pages < 200, "the harvest ends");
    }
    let all = by_id(bulk(&app, "/ocds/bulk.json").await);
    let kinds: HashSet<&str> = all
        .values()
        .flat_map(|r| r["tag"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    for tag in [
        "planning",
        "tender",
        "award",
        "contract",
        "contractTermination",
        "implementation",
        "implementationUpdate",
    ] {
        assert!(
            kinds.contains(tag),
            "the city has a {tag} release: {kinds:?}"
        );
    }
    assert!(pages > 2, "several pages: {pages}");
    let harvested = by_id(seen);
    assert_eq!(
        harvested.keys().collect::<Vec<_>>(),
        all.keys().collect::<Vec<_>>()
    );
    for (id, r) in &all {
        assert_eq!(&harvested[id], r, "release {id}");
    }
}
