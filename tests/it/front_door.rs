//! The front door (issue 24, item 1): the home page shows every public area with the count its
//! list page shows and a link to it, and the header reaches the results, contracts and data.

use crate::helpers::*;
use rocket::http::Status;

/// The number in `<h2 id="results">共 N …` of a list page.
fn results(page: &str) -> i64 {
    let at = page.find("<h2 id=\"results\">").expect("results heading") + 17;
    page[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a count")
}

/// The figure on the home page's card for `href`.
fn figure(home: &str, href: &str) -> i64 {
    // The cards are in the main content, after the header's navigation.
    let main = home.find("<main").expect("main");
    let card = home[main..]
        .find("<h3 id=\"sec-")
        .and_then(|first| {
            home[main + first..]
                .find(&format!("<a href=\"{href}\">"))
                .map(|at| main + first + at)
        })
        .unwrap_or_else(|| panic!("no card for {href}"));
    let at = home[card..].find("<strong>").expect("a figure") + card + 8;
    home[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a number")
}

#[rocket::async_test]
async fn the_home_page_counts_every_public_area_as_its_list_does() {
    let app = TestApp::spawn().await;
    let (status, home) = app.get("/").await;
    let home = html_unescape(&home);
    assert_eq!(status, Status::Ok);
    assert!(!home.contains("即将开放"), "{home}");
    for href in [
        "/directory",
        "/grades",
        "/intentions",
        "/projects",
        "/openings",
        "/awards",
        "/contracts",
        "/payments",
        "/performance",
    ] {
        let (status, list) = app.get(href).await;
        assert_eq!(status, Status::Ok, "{href}");
        assert_eq!(figure(&home, href), results(&list), "{href}");
    }
    for href in ["/data", "/statistics", "/audit/heads"] {
        assert!(home.contains(&format!("href=\"{href}\"")), "{href}");
    }
    // The demo has registered organizations and an open project: the figures are not all 0.
    assert!(figure(&home, "/directory") > 0);
    assert!(figure(&home, "/projects") > 0);
    // The header reaches the results, the contracts and the open data from any page.
    let (_, page) = app.get("/directory").await;
    for href in ["/awards", "/contracts", "/data"] {
        let nav = page.find("<nav").expect("nav");
        let end = page[nav..].find("</nav>").expect("end of nav") + nav;
        assert!(
            page[nav..end].contains(&format!("href=\"{href}\"")),
            "{href}"
        );
    }
}

/// An organization's profile lists its grades, the awards published in its name and its
/// contracts with what has been paid and what remains, to the fen.
#[rocket::async_test]
async fn a_profile_lists_awards_and_contracts_with_paid_and_remaining() {
    use huoban::domain::money::Money;
    let app = TestApp::spawn().await;
    let k = crate::award::signed_contract(&app, "NB-FRONT-01").await;
    let org = app
        .scalar_of(&format!("SELECT org_id FROM contracts WHERE id = {k}"))
        .await;
    let amount = app
        .scalar_of(&format!("SELECT amount_fen FROM contracts WHERE id = {k}"))
        .await;
    let approver = app
        .scalar_of(&format!(
            "SELECT id FROM users WHERE email = '{}'",
            PURCHASER.0
        ))
        .await;
    let pr = huoban::procurement::Procurement::of(crate::procurement::state(&app));
    let paid = Money::parse("100,000.01").unwrap().fen();
    pr.record_payment(
        &huoban::delivery::ledger::Payment {
            contract: k,
            installment: 1,
            amount_fen: paid,
            value_date: time::macros::date!(2027 - 01 - 05),
            voucher_no: "记-2027-0009",
            payee_account: "6222 0000 1111 2222",
            invoice_no: "33021270009",
            approved_by: approver,
            key: "front-1",
        },
        1,
        30,
    )
    .await
    .unwrap()
    .unwrap();
    let (status, page) = app.get(&format!("/organizations/{org}")).await;
    assert_eq!(status, Status::Ok);
    let page = html_unescape(&page);
    let grouped = |fen: i64| format!("¥{}", Money::from_fen(fen).grouped());
    assert!(
        page.contains(&format!("<a href=\"/contracts/{k}\">")),
        "{page}"
    );
    assert!(page.contains(&grouped(amount)), "{page}");
    assert!(page.contains("¥100,000.01"), "{page}");
    // What remains is the amount less what was paid, to the fen.
    assert!(page.contains(&grouped(amount - paid)), "{page}");
    assert!(page.contains("/projects/NB-FRONT-01/award"), "{page}");
    assert!(page.contains("履行中"), "{page}");
    // Another organization's profile lists none of it.
    let other = app
        .scalar_of(&format!(
            "SELECT MIN(id) FROM organizations WHERE id <> {org}"
        ))
        .await;
    let (_, page) = app.get(&format!("/organizations/{other}")).await;
    assert!(!page.contains("NB-FRONT-01"), "{page}");
}

/// Every dataset's list and API page under its default filter shows the kept count (issue 26:
/// the bids' list counted on every request), and the kept count is the count of the records.
#[rocket::async_test]
async fn every_list_shows_its_records_count_under_the_default_filter() {
    let app = TestApp::spawn().await;
    let today = huoban::domain::calendar::iso_date(huoban::domain::calendar::shanghai_date(
        app.clock.now(),
    ));
    let scope = huoban::opendata::Scope {
        backend: app.db.backend,
        today,
    };
    for ds in huoban::opendata::ALL {
        let q = huoban::opendata::Query {
            status: ds.default_status().map(String::from),
            ..Default::default()
        };
        let mut c = app.db.acquire().await.expect("conn");
        let want = huoban::opendata::count(&mut c, &scope, ds, &q)
            .await
            .expect("count")
            .expect("under the cap");
        drop(c);
        let (status, list) = app.get(ds.list_path()).await;
        assert_eq!(status, Status::Ok, "{}", ds.list_path());
        assert_eq!(results(&list), want, "{}", ds.list_path());
    }
}
