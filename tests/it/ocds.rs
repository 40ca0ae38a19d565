//! OCDS (DOMAIN §7, issue 9): a process's releases compile into a record whose award,
//! contract and payments match the database; no tenderer or price before the opening, no bid
//! price ever; the release list pages; the bulk package holds every release. The packages of
//! this test are written to `target/ocds-sample.json` for CI's offline validator.

use crate::award::signed_contract;
use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::{publish_project, state};
use huoban::delivery::ledger::Payment;
use huoban::domain::money::Money;
use huoban::procurement::Procurement;
use rocket::http::Status;
use serde_json::Value;
use time::macros::date;

#[rocket::async_test]
async fn a_process_compiles_into_a_record_that_matches_the_database() {
    let app = TestApp::spawn().await;
    // Before the opening: the tender is public, its tenderers are not.
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-OCDS-00", "open_tender", "2026-12-20T10:00").await;
    let (s, body) = app.get("/ocds/records/ocds-hb2026-NB-OCDS-00.json").await;
    assert_eq!(s, Status::Ok);
    let rec: Value = serde_json::from_str(&body).unwrap();
    let compiled = &rec["records"][0]["compiledRelease"];
    assert_eq!(compiled["tender"]["status"], "active");
    assert!(compiled["tender"].get("tenderers").is_none());
    app.logout().await;
    let k = signed_contract(&app, "NB-OCDS-01").await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pr = Procurement::of(state(&app));
    for (key, amount) in [("o1", "100,000.00"), ("o2", "14,000.00")] {
        let p = Payment {
            contract: k,
            installment: 1,
            amount_fen: Money::parse(amount).unwrap().fen(),
            value_date: date!(2027 - 01 - 05),
            voucher_no: "记-2027-0001",
            payee_account: "6222 0000 1111 2222",
            invoice_no: "33021270001",
            approved_by: purchaser,
            key,
        };
        assert!(pr.record_payment(&p, 1, 30).await.unwrap().is_ok());
    }
    // A reversal, a review, an add-on and a termination: each a release of its own.
    let first = app.scalar("SELECT MIN(id) FROM ledger_entries").await;
    assert!(pr
        .reverse_payment(k, first, "凭证金额录入错误", "o3", 1)
        .await
        .unwrap()
        .is_ok());
    let contract = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::delivery::contract::by_id(&mut c, k)
            .await
            .unwrap()
            .unwrap()
    };
    let rid = pr
        .open_review(&contract, "中期评估", purchaser, false, purchaser)
        .await
        .unwrap()
        .unwrap();
    let review = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::delivery::performance::by_id(&mut c, rid)
            .await
            .unwrap()
            .unwrap()
    };
    let scores = huoban::domain::performance::Template::shipped()
        .items()
        .map(|i| (i.key.clone(), rust_decimal::Decimal::from(i.max)))
        .collect();
    let manual = Some(rust_decimal::Decimal::from(12));
    assert!(pr
        .submit_review(&review, &scores, manual, purchaser)
        .await
        .unwrap()
        .is_ok());
    assert!(pr
        .add_on(k, 1_000_000, "acceptance", None, "服务对象增加", purchaser)
        .await
        .unwrap()
        .is_ok());
    assert!(pr
        .terminate(k, 5_000_000, "服务对象迁出，提前终止", purchaser)
        .await
        .unwrap()
        .is_ok());
    app.logout().await;
    let (s, body) = app.get("/ocds/records/ocds-hb2026-NB-OCDS-01.json").await;
    assert_eq!(s, Status::Ok, "public without login");
    let rec: Value = serde_json::from_str(&body).unwrap();
    let compiled = &rec["records"][0]["compiledRelease"];
    assert_eq!(compiled["ocid"], "ocds-hb2026-NB-OCDS-01");
    assert_eq!(compiled["tender"]["numberOfTenderers"], 3);
    assert_eq!(
        compiled["awards"][0]["value"]["amount"].as_f64(),
        Some(380_000.0)
    );
    assert_eq!(
        compiled["contracts"][0]["value"]["amount"].as_f64(),
        Some(380_000.0)
    );
    let paid: f64 = compiled["contracts"][0]["implementation"]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"]["amount"].as_f64().unwrap())
        .sum();
    let db_paid = app
        .scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM ledger_entries")
        .await;
    assert_eq!((paid * 100.0).round() as i64, db_paid);
    let supplier = &compiled["awards"][0]["suppliers"][0]["id"];
    assert!(supplier.as_str().unwrap().starts_with("CN-USCI-"));
    assert!(!body.contains("6222 0000 1111 2222"), "no bank account");
    assert!(
        !body.contains("372500") && !body.contains("385000"),
        "no bid price"
    );
    // Releases: stable ids, never rewritten; paging.
    let (_, first) = app.get("/ocds/releases.json").await;
    let (_, again) = app.get("/ocds/releases.json").await;
    let a: Value = serde_json::from_str(&first).unwrap();
    let b: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(a["releases"], b["releases"]);
    assert!(a["releases"].as_array().unwrap().len() >= 8);
    let (_, late) = app.get("/ocds/releases.json?since=2027-01-01").await;
    let late: Value = serde_json::from_str(&late).unwrap();
    assert!(late["releases"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["date"].as_str().unwrap() >= "2027-01-01"));
    let (s, bulk) = app.get("/ocds/bulk.json").await;
    assert_eq!(s, Status::Ok);
    let bulk: Value = serde_json::from_str(&bulk).unwrap();
    assert_eq!(
        bulk["releases"].as_array().unwrap().len(),
        a["releases"].as_array().unwrap().len()
    );
    // Gzip when the client accepts it: the same package, compressed.
    let r = app
        .client
        .get("/ocds/bulk.json")
        .header(rocket::http::Header::new(
            "Accept-Encoding",
            "gzip, deflate",
        ))
        .dispatch()
        .await;
    assert_eq!(r.headers().get_one("Content-Encoding"), Some("gzip"));
    let packed = r.into_bytes().await.unwrap();
    let mut plain = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut plain)
        .unwrap();
    let unpacked: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(unpacked["releases"], bulk["releases"]);
    assert!(
        packed.len() * 3 < plain.len(),
        "{} → {}",
        plain.len(),
        packed.len()
    );
    let (s, _) = app.get("/ocds/records/ocds-hb2026-NB-NOPE-01.json").await;
    assert_eq!(s, Status::NotFound);
    let (s, _) = app.get("/ocds/records/ocds-hb2026-NB-OCDS-01").await;
    assert_eq!(s, Status::NotFound, "the .json suffix is part of the path");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(
        target.join("ocds-sample.json"),
        serde_json::to_string_pretty(&bulk).unwrap(),
    )
    .unwrap();
    std::fs::write(target.join("ocds-sample-record.json"), body).unwrap();
}

/// The entries of an Atom feed, checked for well-formedness by an XML parser: their titles.
fn atom_titles(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let (mut titles, mut in_entry, mut in_title) = (Vec::new(), false, false);
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().0 == "entry" => in_entry = true,
            Event::End(e) if e.name().0 == "entry" => in_entry = false,
            Event::Start(e) if e.name().0 == "title" => in_title = in_entry,
            Event::End(e) if e.name().0 == "title" => in_title = false,
            Event::Text(t) if in_title => titles.push(t.to_string()),
            Event::Eof => break,
            _ => {}
        }
    }
    titles
}

#[rocket::async_test]
async fn the_feeds_list_new_projects_and_award_notices() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-FEED-01").await;
    assert!(k > 0);
    app.logout().await;
    let (s, xml) = app.get("/feeds/projects.atom").await;
    assert_eq!(s, Status::Ok);
    let titles = atom_titles(&xml);
    assert!(
        titles.iter().any(|t| t.starts_with("NB-FEED-01")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("NBMZ-2026-031")),
        "the demo's open project"
    );
    let (_, xml) = app.get("/feeds/awards.atom").await;
    let titles = atom_titles(&xml);
    assert_eq!(titles.len(), 1, "one award notice: {titles:?}");
    assert!(titles[0].starts_with("NB-FEED-01"));
}
