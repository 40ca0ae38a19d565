//! Opened bids read by those who judge them (issue 21): before the opening nobody but the
//! bidder reaches a bid (404, the bid's existence included); after it the purchaser, the
//! seated panelists who declared no conflict and the supervisor deciding a complaint read the
//! proposal and files; other bidders and experts off the panel never; every judge's read is
//! recorded and listed on the purchaser's project page.

use crate::evaluation_flow::{sunshine, switch};
use crate::helpers::*;
use crate::procurement::{publish_project, state, CHARITY, PROPOSAL};
use crate::suppliers::SUPERVISOR;
use huoban::procurement::bidding::{BidInput, PlainFile};
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::datetime;

const ANNEX: &[u8] =
    b"%PDF-1.4\n1 0 obj << >> endobj\n% staffing plan annex\ntrailer << >>\n%%EOF\n";

async fn reads(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM bid_reads").await
}

#[rocket::async_test]
async fn judges_read_opened_bids_and_files_and_every_read_is_recorded() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-READ-01", "consultation", "2026-12-20T10:00").await;
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_id(&mut c, id)
            .await
            .unwrap()
            .unwrap()
    };
    let pr = Procurement::of(state(&app));
    let sun = sunshine(&app).await;
    for (org, price) in [(sun, "380000"), (3, "385000"), (4, "372500")] {
        let files = if org == sun {
            vec![PlainFile {
                name: "人员配备方案.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: ANNEX.to_vec(),
                requirement: None,
            }]
        } else {
            vec![]
        };
        let input = BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: format!("{PROPOSAL}（{org}）"),
            files,
        };
        assert!(pr
            .submit_bid(&p, org, 1, "initial", input)
            .await
            .unwrap()
            .is_ok());
    }
    let bid: i64 = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM bids WHERE project_id = $1 AND org_id = $2")
            .bind(id)
            .bind(sun)
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    let file: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM bid_files WHERE bid_id = $1")
            .bind(bid)
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    let page = format!("/projects/NB-READ-01/bids/{bid}");
    let file_url = format!("{page}/files/{file}");
    let unknown = format!("/projects/NB-READ-01/bids/{}", bid + 1000);
    // Before the opening: absent to the purchaser, an expert, the supervisor and another
    // bidder, exactly like a bid that does not exist.
    for who in [PURCHASER, EXPERT, SUPERVISOR, CHARITY] {
        switch(&app, who).await;
        for url in [&page, &file_url, &unknown] {
            assert_eq!(app.get(url).await.0, Status::NotFound, "{who:?} {url}");
        }
    }
    // The bidder itself reads its own bid at the same address; that is not a judge's read.
    switch(&app, NGO_ADMIN).await;
    let (s, own) = app.get(&page).await;
    assert_eq!(s, Status::Ok);
    assert!(own.contains(PROPOSAL) && own.contains("人员配备方案.pdf"));
    assert_eq!(reads(&app).await, 0);
    // The opening at the deadline.
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    pr.run_due().await.unwrap();
    // The purchaser reads every bid for the qualification check, from its project page.
    switch(&app, PURCHASER).await;
    let (_, manage) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(manage.contains(&format!("href=\"{page}\"")), "{manage}");
    let (s, body) = app.get(&page).await;
    assert_eq!(s, Status::Ok);
    assert!(body.contains(PROPOSAL) && body.contains("¥380,000.00"));
    assert!(html_unescape(&body).contains("“采购人或采购代理机构”身份查阅"));
    assert_eq!(reads(&app).await, 1);
    // Qualification passed, a panel of three drawn with the purchaser's representative.
    let bids: Vec<i64> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM bids WHERE project_id = $1 ORDER BY org_id")
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    crate::review::qualify_and_draw(&app, id, &bids).await;
    let seats: Vec<(i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT m.id, u.email FROM panel_members m JOIN users u ON u.id = m.user_id \
             WHERE m.kind = 'expert' ORDER BY m.id",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    let (seat, email) = seats.first().cloned().expect("an expert seated");
    switch(&app, (email.as_str(), "demo-expert-2026")).await;
    // Seated but not yet declared: sent to declare first, nothing read.
    let r = app.client.get(page.clone()).dispatch().await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(reads(&app).await, 1);
    // The declaration lists the bidders and ticks nothing: choosing is the panelist's.
    let (_, sheet) = app.get(&format!("/panel/{seat}")).await;
    assert!(sheet.contains("id=\"conflict-no\" name=\"conflict\" value=\"no\">"));
    let bidders: Vec<String> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar(
            "SELECT o.name FROM bids b JOIN organizations o ON o.id = b.org_id \
             WHERE b.project_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    assert!(bidders.len() >= 2, "{bidders:?}");
    let sheet_text = html_unescape(&sheet);
    for b in &bidders {
        // Before compliance is checked (nothing is scored yet), every bidder is named.
        assert!(
            sheet_text.contains(&format!("<li>{b}</li>")),
            "{b}: {sheet}"
        );
    }
    let r = app.post(&format!("/panel/{seat}/declare"), &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("请选择是否与投标人存在利害关系"));
    let r = app
        .post(&format!("/panel/{seat}/declare"), &[("conflict", "no")])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (s, body) = app.get(&page).await;
    assert_eq!(s, Status::Ok);
    assert!(body.contains(PROPOSAL) && body.contains(&file));
    // Back to the panelist's own sheet.
    assert!(html_unescape(&body).contains(&format!("href=\"/panel/{seat}#bids\"")));
    let r = app.client.get(file_url.clone()).dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.headers().get_one("Content-Type"), Some("application/pdf"));
    let disposition = r
        .headers()
        .get_one("Content-Disposition")
        .unwrap_or_default()
        .to_string();
    assert!(disposition.starts_with("inline;"), "{disposition}");
    assert_eq!(r.into_bytes().await.unwrap_or_default(), ANNEX);
    assert_eq!(reads(&app).await, 3);
    // The panelist records the compliance check, then saves a half-filled sheet as a draft:
    // it comes back as typed, with the row's total so far, and nothing is submitted.
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let body: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post(&format!("/panel/{seat}/compliance"), &body).await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, sheet) = app.get(&format!("/panel/{seat}")).await;
    assert!(sheet.contains(&format!("href=\"{page}\"")) && sheet.contains("¥380,000.00"));
    let cell = format!("score[{bid}-0]");
    let r = app
        .post(
            &format!("/panel/{seat}/scores"),
            &[(cell.as_str(), "33.5"), ("action", "draft")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, sheet) = app.get(&format!("/panel/{seat}")).await;
    assert!(
        sheet.contains(&format!("name=\"{cell}\" value=\"33.5\""))
            && sheet.contains("草稿已保存于")
            && sheet.contains("data-total aria-live=\"polite\">33.5</td>"),
        "{sheet}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panel_drafts").await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM panel_members WHERE submitted_at IS NOT NULL")
            .await,
        0
    );
    // An expert off the panel and another bidder are not its judges.
    let outsider: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar(
            "SELECT u.email FROM role_grants g JOIN users u ON u.id = g.user_id \
             WHERE g.role = 'expert' AND g.revoked_at IS NULL \
             AND g.user_id NOT IN (SELECT user_id FROM panel_members) ORDER BY u.id LIMIT 1",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap()
    };
    for who in [(outsider.as_str(), "demo-expert-2026"), CHARITY, SUPERVISOR] {
        switch(&app, who).await;
        assert_eq!(app.get(&page).await.0, Status::Forbidden, "{who:?}");
        assert_eq!(app.get(&file_url).await.0, Status::Forbidden, "{who:?}");
    }
    // Signed out: no bid at all.
    app.logout().await;
    assert_ne!(app.get(&page).await.0, Status::Ok);
    assert_eq!(reads(&app).await, 3);
    // The purchaser's project page lists who read what, and when.
    switch(&app, PURCHASER).await;
    let (_, manage) = html_unescape_pair(app.get(&format!("/purchase/projects/{id}")).await);
    let list = manage
        .split("id=\"reads\"")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the reads");
    assert!(
        list.contains("人员配备方案.pdf") && list.contains("评审专家") && list.contains("技术方案"),
        "{list}"
    );
}

fn html_unescape_pair((s, body): (Status, String)) -> (Status, String) {
    (s, html_unescape(&body))
}
