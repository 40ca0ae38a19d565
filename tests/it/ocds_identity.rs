//! OCDS parties by their own codes and items by a published scheme (issue 24, item 2): the
//! buyer is its department's unified social credit code (party id and `identifier`), so is
//! the entrusted agency and every organization; each has an address from the register; the
//! service bought is an item classified by CPV, one code per catalogue category; no personal
//! data. The packages of this test are written to `target/ocds-sample-identity*.json` for CI's
//! offline validator and its ocdskit comparison.

use crate::award::signed_contract;
use crate::evaluation_flow::{exec, int};
use crate::helpers::*;
use crate::procurement::state;
use huoban::delivery::ledger::Payment;
use huoban::domain::money::Money;
use huoban::procurement::Procurement;
use rocket::http::Status;
use serde_json::{json, Value};
use time::macros::date;

async fn texts(app: &TestApp, sql: &str) -> Vec<(String, String, String)> {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_as::<_, (String, String, String)>(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *c)
        .await
        .expect(sql)
}

async fn record(app: &TestApp, ocid: &str) -> (String, Value) {
    let (s, body) = app.get(&format!("/ocds/records/{ocid}.json")).await;
    assert_eq!(s, Status::Ok, "{ocid}");
    let v: Value = serde_json::from_str(&body).unwrap();
    (body, v["records"][0]["compiledRelease"].clone())
}

fn party<'a>(compiled: &'a Value, id: &str) -> &'a Value {
    compiled["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no party {id}"))
}

fn roles(p: &Value) -> Vec<&str> {
    p["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// The locality the register's division code reads as.
fn locality(district: &str) -> String {
    let name = huoban::domain::division::name_zh(district).unwrap();
    if district == "330200" {
        name.to_string()
    } else {
        format!("宁波市{name}")
    }
}

#[rocket::async_test]
async fn every_party_is_known_by_its_own_code_with_an_address_and_no_personal_data() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-OCDS-ID-01").await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let p = Payment {
        contract: k,
        installment: 1,
        amount_fen: Money::parse("100,000.00").unwrap().fen(),
        value_date: date!(2027 - 01 - 05),
        voucher_no: "记-2027-0009",
        payee_account: "6222 0000 3333 4444",
        invoice_no: "33021270009",
        approved_by: purchaser,
        key: "id-pay-1",
    };
    let pr = Procurement::of(state(&app));
    assert!(pr.record_payment(&p, 1, 30).await.unwrap().is_ok());
    app.logout().await;
    let (body, compiled) = record(&app, "ocds-hb2026-NB-OCDS-ID-01").await;

    // The buyer: its department's own code, not a row id.
    let dept = texts(
        &app,
        "SELECT d.uscc, d.name_zh, d.contact_address || '|' || d.district_code FROM departments d \
         JOIN projects p ON p.department_id = d.id WHERE p.number = 'NB-OCDS-ID-01'",
    )
    .await
    .remove(0);
    let (street, district) = dept.2.split_once('|').unwrap();
    assert_eq!(dept.0, "11330200002950018T");
    let buyer_id = format!("CN-USCI-{}", dept.0);
    assert_eq!(compiled["buyer"], json!({ "id": buyer_id, "name": dept.1 }));
    let buyer = party(&compiled, &buyer_id);
    assert_eq!(
        buyer["identifier"],
        json!({ "scheme": "CN-USCI", "id": dept.0, "legalName": dept.1 })
    );
    // Without an agency the purchaser runs the procedure itself; it pays, too.
    assert_eq!(roles(buyer), ["buyer", "procuringEntity", "payer"]);
    assert_eq!(compiled["tender"]["procuringEntity"]["id"], buyer_id);
    assert_eq!(
        buyer["address"],
        json!({ "streetAddress": street, "locality": locality(district), "region": "浙江省",
                "countryName": "中国" })
    );
    assert_eq!(
        compiled["contracts"][0]["implementation"]["transactions"][0]["payer"]["id"],
        buyer_id
    );

    // Every organization: its USCC as id and identifier, its domicile and district.
    let orgs = texts(
        &app,
        "SELECT o.uscc, o.name, o.domicile || '|' || o.district_code FROM organizations o \
         WHERE o.id IN (SELECT org_id FROM bids b JOIN projects p ON p.id = b.project_id \
         WHERE p.number = 'NB-OCDS-ID-01')",
    )
    .await;
    assert_eq!(orgs.len(), 3);
    for (uscc, name, place) in &orgs {
        let (street, district) = place.split_once('|').unwrap();
        let p = party(&compiled, &format!("CN-USCI-{uscc}"));
        assert_eq!(
            p["identifier"],
            json!({ "scheme": "CN-USCI", "id": uscc, "legalName": name })
        );
        assert_eq!(p["address"]["streetAddress"], street);
        assert_eq!(p["address"]["locality"], locality(district).as_str());
        assert_eq!(p["address"]["region"], "浙江省");
        assert_eq!(p["address"]["countryName"], "中国");
        assert!(roles(p).contains(&"tenderer"));
    }
    // No internal ids left: every party has an identifier and an address.
    for p in compiled["parties"].as_array().unwrap() {
        assert!(p["id"].as_str().unwrap().starts_with("CN-USCI-"), "{p}");
        assert!(
            p.get("identifier").is_some() && p.get("address").is_some(),
            "{p}"
        );
    }

    // The service bought: one item classified by CPV, on the tender, the award, the contract.
    let cat = texts(
        &app,
        "SELECT c.code, c.name_zh, c.name_en FROM service_categories c JOIN projects p \
         ON p.category_code = c.code WHERE p.number = 'NB-OCDS-ID-01'",
    )
    .await
    .remove(0);
    let item = &compiled["tender"]["items"][0];
    assert_eq!(item["description"], cat.1.as_str());
    assert_eq!(item["classification"]["scheme"], "CPV");
    assert_eq!(item["classification"]["id"], "85311100-3", "{}", cat.0);
    assert_eq!(compiled["awards"][0]["items"][0], *item);
    assert_eq!(compiled["contracts"][0]["items"][0], *item);

    // No personal data: no legal representative, member, user, bank account or phone.
    let people = texts(
        &app,
        "SELECT name, '', '' FROM persons UNION SELECT legal_representative, '', '' FROM organizations \
         WHERE legal_representative IS NOT NULL UNION SELECT email, display_name, COALESCE(phone, '') FROM users",
    )
    .await;
    assert!(people.len() > 5);
    for (a, b, c) in &people {
        for s in [a, b, c] {
            if s.chars().count() >= 2 {
                assert!(!body.contains(s.as_str()), "{s} in open data");
            }
        }
    }
    for s in ["6222 0000 3333 4444", "0574-", "contactPoint", "HUOBAN-"] {
        assert!(!body.contains(s), "{s} in open data");
    }

    // The samples CI validates and compiles with ocdskit: the bulk package, and one record
    // package with every process's record.
    let (_, bulk) = app.get("/ocds/bulk.json").await;
    let bulk: Value = serde_json::from_str(&bulk).unwrap();
    let mut ocids: Vec<String> = bulk["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ocid"].as_str().unwrap().to_string())
        .collect();
    ocids.sort();
    ocids.dedup();
    let mut records = Vec::new();
    let mut package = Value::Null;
    for o in &ocids {
        let (_, body) = app.get(&format!("/ocds/records/{o}.json")).await;
        let mut v: Value = serde_json::from_str(&body).unwrap();
        records.push(v["records"][0].take());
        package = v;
    }
    assert!(records.len() >= 2, "{ocids:?}");
    package["records"] = Value::Array(records);
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(
        target.join("ocds-sample-identity.json"),
        serde_json::to_string_pretty(&bulk).unwrap(),
    )
    .unwrap();
    std::fs::write(
        target.join("ocds-sample-identity-record.json"),
        serde_json::to_string_pretty(&package).unwrap(),
    )
    .unwrap();

    // A department without a code, or with one failing its check character: the internal id,
    // no identifier — never a code that is not one. The release ids and dates do not move.
    let before: Vec<Value> = bulk["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["id"], r["date"]]))
        .collect();
    let dept_id = int(
        &app,
        "SELECT department_id FROM projects WHERE number = $1",
        "NB-OCDS-ID-01",
    )
    .await;
    for bad in ["'11330200002950018U'", "NULL"] {
        exec(
            &app,
            &format!("UPDATE departments SET uscc = {bad} WHERE id = {dept_id}"),
        )
        .await;
        let (_, compiled) = record(&app, "ocds-hb2026-NB-OCDS-ID-01").await;
        let internal = format!("HUOBAN-DEPT-{dept_id}");
        assert_eq!(compiled["buyer"]["id"], internal.as_str(), "{bad}");
        let buyer = party(&compiled, &internal);
        assert!(buyer.get("identifier").is_none(), "{bad}");
        assert_eq!(buyer["address"]["streetAddress"], street);
        let (_, again) = app.get("/ocds/bulk.json").await;
        let again: Value = serde_json::from_str(&again).unwrap();
        let after: Vec<Value> = again["releases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!([r["id"], r["date"]]))
            .collect();
        assert_eq!(before, after);
    }
}

/// The demo's consultation is entrusted to the demo agency: the agency is the procuring entity
/// by its own code, with its address; the purchaser stays the buyer.
#[rocket::async_test]
async fn the_entrusted_agency_is_the_procuring_entity_by_its_own_code() {
    let app = TestApp::spawn().await;
    let (_, compiled) = record(&app, "ocds-hb2026-NBMZ-2026-031").await;
    let agency = texts(
        &app,
        "SELECT a.uscc, a.name_zh, a.contact_address FROM agencies a JOIN projects p \
         ON p.agency_id = a.id WHERE p.number = 'NBMZ-2026-031'",
    )
    .await
    .remove(0);
    let id = format!("CN-USCI-{}", agency.0);
    assert_eq!(
        compiled["tender"]["procuringEntity"],
        json!({ "id": id, "name": agency.1 })
    );
    let p = party(&compiled, &id);
    assert_eq!(roles(p), ["procuringEntity"]);
    assert_eq!(
        p["identifier"],
        json!({ "scheme": "CN-USCI", "id": agency.0, "legalName": agency.1 })
    );
    assert_eq!(p["address"]["streetAddress"], agency.2.as_str());
    assert_eq!(p["address"]["locality"], "宁波市鄞州区");
    let buyer = compiled["buyer"]["id"].as_str().unwrap();
    assert!(buyer.starts_with("CN-USCI-") && buyer != id);
    assert_eq!(roles(party(&compiled, buyer)), ["buyer"]);
}

/// Every category of the service catalogue is published as an item with a CPV code of its own
/// (distinct, 8 digits and a check digit), described by the catalogue's Chinese name.
#[rocket::async_test]
async fn every_service_category_is_classified_by_a_cpv_code_of_its_own() {
    let app = TestApp::spawn().await;
    let cats = texts(
        &app,
        "SELECT code, name_zh, name_en FROM service_categories ORDER BY pos",
    )
    .await;
    assert_eq!(cats.len(), 10);
    let mut seen = std::collections::HashSet::new();
    for (code, name, _) in &cats {
        exec(
            &app,
            &format!("UPDATE projects SET category_code = '{code}' WHERE number = 'NBMZ-2026-031'"),
        )
        .await;
        let (_, compiled) = record(&app, "ocds-hb2026-NBMZ-2026-031").await;
        let items = compiled["tender"]["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{code}");
        let c = &items[0]["classification"];
        assert_eq!(c["scheme"], "CPV", "{code}");
        let id = c["id"].as_str().unwrap();
        let (digits, check) = id.split_once('-').unwrap();
        assert!(
            digits.len() == 8
                && check.len() == 1
                && id.chars().filter(char::is_ascii_digit).count() == 9,
            "{code}: {id}"
        );
        assert!(!c["description"].as_str().unwrap().is_empty(), "{code}");
        assert_eq!(items[0]["description"], name.as_str());
        assert_ne!(id, "85300000-2", "{code} falls back to the branch");
        assert!(seen.insert(id.to_string()), "{code}: {id} used twice");
    }
}
