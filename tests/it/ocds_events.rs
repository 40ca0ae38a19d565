//! OCDS that follows events (issue 24, item 2): a winner passed over has its award cancelled
//! and the next-ranked gets an award of its own, which the contract names; every release
//! carries each party with all its roles so far, so the compiled release keeps them after
//! payments; a payment is dated by its value date.

use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::state;
use crate::review::scored_tender;
use huoban::procurement::Procurement;
use rocket::http::Status;
use serde_json::Value;
use time::macros::datetime;

#[rocket::async_test]
async fn a_change_of_winner_cancels_the_award_and_the_contract_names_the_new_one() {
    let app = TestApp::spawn().await;
    let (id, _) = scored_tender(&app, "NB-OCDS-09").await;
    let pr = Procurement::of(state(&app));
    // The rule of silence confirms the first-ranked.
    app.clock.set(datetime!(2026-12-25 16:00 UTC));
    pr.run_awards().await.unwrap();
    let award = app.scalar("SELECT MIN(id) FROM awards").await;
    let (first_winner, first_org) = (
        app.scalar("SELECT MIN(id) FROM award_winners").await,
        app.scalar("SELECT org_id FROM award_winners").await,
    );
    let r = app
        .post(
            &format!("/purchase/projects/{id}/award/pass"),
            &[
                ("winner", &first_winner.to_string()),
                ("kind", "refused"),
                ("reason", "中标人书面表示放弃签订合同"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (new_winner, new_org) = (
        app.scalar("SELECT id FROM award_winners WHERE status = 'winner'")
            .await,
        app.scalar("SELECT org_id FROM award_winners WHERE status = 'winner'")
            .await,
    );
    assert_ne!(new_org, first_org);
    app.clock.set(datetime!(2026-12-29 02:00 UTC));
    let r = app
        .post(
            &format!("/purchase/projects/{id}/contracts"),
            &[
                ("winner", new_winner.to_string().as_str()),
                ("starts_on", "2027-01-01"),
                ("ends_on", "2027-12-31"),
                ("mode", "percent"),
                ("value[0]", "100"),
                ("condition[0]", "signing"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let k = int(
        &app,
        "SELECT k.id FROM contracts k JOIN projects p ON p.id = k.project_id WHERE p.number = $1",
        "NB-OCDS-09",
    )
    .await;
    let amount = app
        .scalar_of(&format!("SELECT amount_fen FROM contracts WHERE id = {k}"))
        .await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let paid = huoban::delivery::ledger::Payment {
        contract: k,
        installment: 1,
        amount_fen: amount,
        value_date: time::macros::date!(2027 - 01 - 05),
        voucher_no: "记-2027-0100",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270100",
        approved_by: purchaser,
        key: "ocds-events-1",
    };
    assert!(pr.record_payment(&paid, 1, 30).await.unwrap().is_ok());
    app.logout().await;

    let (s, body) = app.get("/ocds/records/ocds-hb2026-NB-OCDS-09.json").await;
    assert_eq!(s, Status::Ok);
    let rec: Value = serde_json::from_str(&body).unwrap();
    let compiled = &rec["records"][0]["compiledRelease"];
    let awards = compiled["awards"].as_array().unwrap();
    let by_id = |id: String| awards.iter().find(|a| a["id"] == id.as_str()).cloned();
    let cancelled = by_id(format!("{award}-{first_org}")).expect("the first award");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["statusDetails"], "中标人书面表示放弃签订合同");
    let active = by_id(format!("{award}-{new_org}")).expect("the new award");
    assert_eq!(active["status"], "active");
    // The contract names the award that exists and is active.
    let contract = &compiled["contracts"][0];
    assert_eq!(contract["awardID"], active["id"]);
    // After the payment the winner still holds every role it had: bidder, supplier, payee.
    let uscc: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
            "SELECT uscc FROM organizations WHERE id = {new_org}"
        )))
        .fetch_one(&mut *c)
        .await
        .unwrap()
    };
    let party = compiled["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == format!("CN-USCI-{uscc}").as_str())
        .expect("the winner as a party");
    for role in ["tenderer", "supplier", "payee"] {
        assert!(
            party["roles"]
                .as_array()
                .unwrap()
                .contains(&Value::from(role)),
            "{role}: {party}"
        );
    }
    assert_eq!(party["identifier"]["scheme"], "CN-USCI");
    assert_eq!(party["identifier"]["id"], uscc.as_str());
    // Paid in full but not accepted: still active. The payment is dated by its value date.
    assert_eq!(contract["status"], "active");
    assert_eq!(
        contract["implementation"]["transactions"][0]["date"],
        "2027-01-05T00:00:00+08:00"
    );
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("ocds-sample-events.json"), body).unwrap();
}

/// A re-tender is a process of its own: round 1 keeps its failure and reason, round 2 names
/// round 1 as the unsuccessful process it repeats and has no tenderers of round 1.
#[rocket::async_test]
async fn a_re_tender_is_its_own_process_linked_to_the_failed_round() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id =
        crate::procurement::publish_project(&app, "NB-OCDS-RT", "open_tender", "2026-12-20T10:00")
            .await;
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let (s, _) = crate::procurement::bid(&app, "NB-OCDS-RT", org, "350000", None).await;
    assert_eq!(s, Status::Ok);
    app.logout().await;
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    Procurement::of(state(&app)).run_due().await.unwrap();
    app.login_as(PURCHASER).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/republish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .post(
            &format!("/purchase/projects/{id}"),
            &crate::procurement::project_fields("NB-OCDS-RT", "open_tender", "2027-01-20T10:00"),
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    let record = |body: String| -> Value {
        let v: Value = serde_json::from_str(&body).unwrap();
        v["records"][0]["compiledRelease"].clone()
    };
    let (s, first) = app.get("/ocds/records/ocds-hb2026-NB-OCDS-RT.json").await;
    assert_eq!(s, Status::Ok);
    let first = record(first);
    assert_eq!(first["tender"]["status"], "unsuccessful");
    assert!(
        first["tender"]["statusDetails"]
            .as_str()
            .unwrap()
            .contains("1 家，少于规定的 3 家"),
        "{first}"
    );
    // The reason also in a core 1.1 field: a cancellationDetails tender document.
    let docs = first["tender"]["documents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        docs.iter()
            .any(|d| d["documentType"] == "cancellationDetails"
                && d["description"]
                    .as_str()
                    .is_some_and(|t| t.contains("少于规定的 3 家"))),
        "{first}"
    );
    assert_eq!(first["tender"]["id"], "NB-OCDS-RT-1");
    let (s, second) = app
        .get("/ocds/records/ocds-hb2026-NB-OCDS-RT-R2.json")
        .await;
    assert_eq!(s, Status::Ok);
    let second = record(second);
    assert_eq!(second["ocid"], "ocds-hb2026-NB-OCDS-RT-R2");
    assert_eq!(second["tender"]["status"], "active");
    assert_eq!(second["tender"]["id"], "NB-OCDS-RT-2");
    assert!(second["tender"].get("tenderers").is_none(), "{second}");
    assert_eq!(
        second["relatedProcesses"][0]["identifier"],
        "ocds-hb2026-NB-OCDS-RT"
    );
    assert_eq!(
        second["relatedProcesses"][0]["relationship"],
        serde_json::json!(["unsuccessfulProcess"])
    );
    // No third round, and a round number that is not one is not found.
    for missing in ["NB-OCDS-RT-R3", "NB-OCDS-RT-R02", "NB-OCDS-RT-R1"] {
        let (s, _) = app
            .get(&format!("/ocds/records/ocds-hb2026-{missing}.json"))
            .await;
        assert_eq!(s, Status::NotFound, "{missing}");
    }
    // The bulk package holds both processes' releases and validates.
    let (_, bulk) = app.get("/ocds/bulk.json").await;
    assert!(
        bulk.contains("ocds-hb2026-NB-OCDS-RT-R2") && bulk.contains("\"ocds-hb2026-NB-OCDS-RT\"")
    );
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("ocds-sample-retender.json"), bulk).unwrap();
}

/// `since` is an instant in any offset: a release at 02:00 UTC is "since 10:00 +08:00" and not
/// "since 10:00:01 +08:00"; anything else is a 400 problem naming the parameter.
#[rocket::async_test]
async fn since_reads_any_offset_and_refuses_what_is_not_a_time() {
    use time::format_description::well_known::Rfc3339;
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    crate::procurement::publish_project(&app, "NB-OCDS-SN", "open_tender", "2026-12-20T10:00")
        .await;
    app.logout().await;
    let (_, body) = app.get("/ocds/releases.json").await;
    let all: Value = serde_json::from_str(&body).unwrap();
    let newest = all["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["date"].as_str())
        .filter_map(|d| time::OffsetDateTime::parse(d, &Rfc3339).ok())
        .max()
        .unwrap();
    let beijing = |t: time::OffsetDateTime| {
        t.to_offset(time::macros::offset!(+8))
            .format(&Rfc3339)
            .unwrap()
            .replace('+', "%2B")
    };
    let count = |body: String| {
        let v: Value = serde_json::from_str(&body).unwrap();
        v["releases"].as_array().map(Vec::len).unwrap_or(0)
    };
    let (s, at) = app
        .get(&format!("/ocds/releases.json?since={}", beijing(newest)))
        .await;
    assert_eq!(s, Status::Ok);
    assert!(count(at) >= 1);
    let (_, after) = app
        .get(&format!(
            "/ocds/releases.json?since={}",
            beijing(newest + time::Duration::seconds(1))
        ))
        .await;
    assert_eq!(count(after), 0);
    for bad in ["yesterday", "2027-02-30", "2027-01-01T25:00:00Z"] {
        let r = app
            .client
            .get(format!("/ocds/releases.json?since={bad}"))
            .dispatch()
            .await;
        assert_eq!(r.status(), Status::BadRequest, "{bad}");
        assert_eq!(
            r.content_type().map(|c| c.to_string()).as_deref(),
            Some("application/problem+json")
        );
        let body = r.into_string().await.unwrap();
        assert!(body.contains("\"since\""), "{body}");
    }
}

/// The public data (API, OCDS, dataset files) may be read from any origin, sets no cookie,
/// and its errors are JSON problems; the HTML pages are not opened to other origins.
#[rocket::async_test]
async fn public_data_is_readable_from_any_origin_without_cookies() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/awards",
        "/ocds/releases.json",
        "/data/awards.csv",
        "/data/grades.xlsx",
    ] {
        let r = app.client.get(path).dispatch().await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        assert_eq!(
            r.headers().get_one("Access-Control-Allow-Origin"),
            Some("*"),
            "{path}"
        );
        assert_eq!(r.headers().get("Set-Cookie").count(), 0, "{path}");
    }
    let r = app
        .client
        .get("/ocds/records/ocds-hb2026-NB-NOPE-1.json")
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::NotFound);
    assert_eq!(
        r.content_type().map(|c| c.to_string()).as_deref(),
        Some("application/problem+json")
    );
    let r = app.client.get("/directory").dispatch().await;
    assert_eq!(r.headers().get_one("Access-Control-Allow-Origin"), None);
}

/// A harvester asking again with the tag it was given gets a 304 until the data changes.
#[rocket::async_test]
async fn public_data_answers_304_until_the_data_changes() {
    let app = TestApp::spawn().await;
    for path in [
        "/ocds/releases.json",
        "/api/v1/projects",
        "/data/projects.csv",
    ] {
        let r = app.client.get(path).dispatch().await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        let tag = r.headers().get_one("ETag").expect("an ETag").to_string();
        assert_eq!(r.headers().get_one("Cache-Control"), Some("no-cache"));
        let again = app
            .client
            .get(path)
            .header(rocket::http::Header::new("If-None-Match", tag.clone()))
            .dispatch()
            .await;
        assert_eq!(again.status(), Status::NotModified, "{path}");
        assert!(again.into_bytes().await.unwrap_or_default().is_empty());
        // Another tag: the whole answer.
        let other = app
            .client
            .get(path)
            .header(rocket::http::Header::new("If-None-Match", "W/\"d0-x\""))
            .dispatch()
            .await;
        assert_eq!(other.status(), Status::Ok, "{path}");
    }
    let r = app.client.get("/ocds/releases.json").dispatch().await;
    let tag = r.headers().get_one("ETag").unwrap().to_string();
    // A project published: the data changed, the old tag no longer matches.
    app.login_as(PURCHASER).await;
    crate::procurement::publish_project(&app, "NB-OCDS-ET", "open_tender", "2026-12-20T10:00")
        .await;
    app.logout().await;
    let r = app
        .client
        .get("/ocds/releases.json")
        .header(rocket::http::Header::new("If-None-Match", tag.clone()))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_ne!(r.headers().get_one("ETag"), Some(tag.as_str()));
    // The next day (grades and contract states change with it) the tag changes too.
    let r = app.client.get("/ocds/releases.json").dispatch().await;
    let tag = r.headers().get_one("ETag").unwrap().to_string();
    app.clock.set(time::macros::datetime!(2026-12-29 02:00 UTC));
    let r = app
        .client
        .get("/ocds/releases.json")
        .header(rocket::http::Header::new("If-None-Match", tag))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
}
