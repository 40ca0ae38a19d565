//! Review before scoring (DOMAIN §5, issue 7): the price check against the budget and maximum
//! price, the purchaser's qualification with a reason for every rejection, and a round that
//! fails publicly when too few valid bids remain.

use crate::evaluation_flow::{int, sunshine};
use crate::helpers::*;
use crate::procurement::{publish_project, state, PROPOSAL};
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::datetime;

async fn opened_project(app: &TestApp, number: &str, prices: [&str; 3]) -> (i64, Vec<i64>) {
    app.login_as(PURCHASER).await;
    let id = publish_project(app, number, "consultation", "2026-12-20T10:00").await;
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_number(&mut c, number)
            .await
            .unwrap()
            .unwrap()
    };
    let pr = Procurement::of(state(app));
    let orgs = [sunshine(app).await, 3, 4];
    for (org, price) in orgs.iter().zip(prices) {
        let input = huoban::bidding::BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        assert!(pr
            .submit_bid(&p, *org, 1, "initial", input)
            .await
            .unwrap()
            .is_ok());
    }
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    pr.run_due().await.unwrap();
    let bids: Vec<i64> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT b.id FROM bids b WHERE b.project_id = $1 ORDER BY b.org_id")
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    (id, bids)
}

#[rocket::async_test]
async fn an_over_budget_bid_is_invalid_and_too_few_valid_bids_fail_the_round() {
    let app = TestApp::spawn().await;
    // The maximum price is ¥390,000: the 395,000 bid is invalid whatever the review says.
    let (id, bids) = opened_project(&app, "NB-REVIEW-01", ["380000", "395000", "372500"]).await;
    let path = format!("/purchase/projects/{id}/qualification");
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(page.contains("报价超过预算或最高限价，投标无效"));
    // Every bid needs a decision; a rejection needs its reason; nothing is written otherwise.
    let d = |b: i64| format!("decision[{b}]");
    let r = |b: i64| format!("reason[{b}]");
    let (k0, k1, k2) = (d(bids[0]), d(bids[1]), d(bids[2]));
    let resp = app.post(&path, &[(&k0, "pass"), (&k1, "pass")]).await;
    assert_eq!(resp.status(), Status::UnprocessableEntity);
    assert!(resp
        .into_string()
        .await
        .unwrap()
        .contains("请对每一份投标作出合格或不合格的结论"));
    let resp = app
        .post(&path, &[(&k0, "pass"), (&k1, "pass"), (&k2, "fail")])
        .await;
    assert_eq!(resp.status(), Status::UnprocessableEntity);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reviews").await, 0);
    // Bid 3 not qualified (with its reason), bid 2 over the maximum: one valid of three.
    let r2 = r(bids[2]);
    let resp = app
        .post(
            &path,
            &[
                (&k0, "pass"),
                (&k1, "pass"),
                (&k2, "fail"),
                (&r2, "未提供社会保险缴纳证明"),
            ],
        )
        .await;
    assert_eq!(resp.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE status = 'failed' AND number = $1",
            "NB-REVIEW-01"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bid_reviews WHERE stage = 'price' AND passed = 0")
            .await,
        1
    );
    let resp = app
        .post(&path, &[(&k0, "pass"), (&k1, "pass"), (&k2, "pass")])
        .await;
    assert!(
        resp.status() == Status::Conflict || resp.status() == Status::UnprocessableEntity,
        "once per round"
    );
    app.logout().await;
    let (_, public) = app.get("/projects/NB-REVIEW-01").await;
    assert!(public.contains("有效投标不足法定最少人数") && public.contains("1 / 3"));
    assert!(public.contains("未提供社会保险缴纳证明") && public.contains("报价超过预算或最高限价"));
}

#[rocket::async_test]
async fn three_valid_bids_go_on_to_scoring() {
    let app = TestApp::spawn().await;
    let (id, bids) = opened_project(&app, "NB-REVIEW-02", ["380000", "385000", "372500"]).await;
    let fields: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let resp = app
        .post(&format!("/purchase/projects/{id}/qualification"), &f)
        .await;
    assert_eq!(resp.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE status = 'opened' AND number = $1",
            "NB-REVIEW-02"
        )
        .await,
        1
    );
    let (_, public) = app.get("/projects/NB-REVIEW-02").await;
    assert!(public.contains("全部投标通过资格审查和报价检查"));
    // Another department's purchaser is refused (there is none in the demo: an NGO user is).
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let resp = app
        .post(&format!("/purchase/projects/{id}/qualification"), &f)
        .await;
    assert_eq!(resp.status(), Status::Forbidden);
}
