//! Review before scoring (DOMAIN §5, issue 7): the price check against the budget and maximum
//! price, the purchaser's qualification with a reason for every rejection, and a round that
//! fails publicly when too few valid bids remain.

use crate::evaluation_flow::{int, sunshine};
use crate::helpers::*;
use crate::procurement::{publish_project, state, PROPOSAL};
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::datetime;

pub async fn opened_project(app: &TestApp, number: &str, prices: [&str; 3]) -> (i64, Vec<i64>) {
    app.login_as(PURCHASER).await;
    let id = publish_project(app, number, "consultation", "2026-12-20T10:00").await;
    (id, bid_and_open(app, id, prices).await)
}

/// Sunshine, the volunteers and the charity bid `prices` on the published project, which the
/// job opens at its deadline (20 December, 10:00); the bids' ids in that order.
pub(crate) async fn bid_and_open(app: &TestApp, id: i64, prices: [&str; 3]) -> Vec<i64> {
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_id(&mut c, id)
            .await
            .unwrap()
            .unwrap()
    };
    let pr = Procurement::of(state(app));
    let orgs = [sunshine(app).await, 3, 4];
    for (org, price) in orgs.iter().zip(prices) {
        let price = huoban::domain::money::Money::parse(price).unwrap();
        let input = |price| huoban::procurement::bidding::BidInput {
            price,
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        // A price over the published limit is refused at submission (87号令 63); to test the
        // review's own check it is sealed as a bid from before that refusal existed would be.
        let over = !huoban::procurement::review::price_ok(&p, price.fen());
        if over {
            let refused = pr
                .submit_bid(&p, *org, 1, "initial", input(price))
                .await
                .unwrap();
            assert_eq!(refused.err(), Some("err-bid-over-limit"));
        }
        let lifted = huoban::db::projects::Project {
            max_price_fen: None,
            budget_fen: i64::MAX,
            ..p.clone()
        };
        let sealed_as = if over { &lifted } else { &p };
        assert!(pr
            .submit_bid(sealed_as, *org, 1, "initial", input(price))
            .await
            .unwrap()
            .is_ok());
    }
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    pr.run_due().await.unwrap();
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar("SELECT id FROM bids WHERE project_id = $1 ORDER BY org_id")
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
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

#[rocket::async_test]
async fn the_panel_is_drawn_without_conflicted_experts_and_the_draw_is_recorded() {
    let app = TestApp::spawn().await;
    let (id, bids) = opened_project(&app, "NB-PANEL-01", ["380000", "385000", "372500"]).await;
    let panel = format!("/purchase/projects/{id}/panel");
    // Before the qualification review: refused.
    let resp = app.post(&panel, &[("size", "3")]).await;
    assert_eq!(resp.status(), Status::UnprocessableEntity);
    let fields: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    app.post(&format!("/purchase/projects/{id}/qualification"), &f)
        .await;
    // expert2 was a member of a bidder (volunteers, org 3) until last year: excluded.
    let expert2 = int(
        &app,
        "SELECT id FROM users WHERE email = $1",
        "expert2@demo.huoban.cn",
    )
    .await;
    crate::evaluation_flow::exec(
        &app,
        &format!(
            "INSERT INTO memberships (org_id, person_id, user_id, kind, joined_on, left_on, created_at) \
             SELECT 3, person_id, NULL, 'member', '2022-01-01', '2025-06-30', 0 FROM users WHERE id = {expert2}"
        ),
    )
    .await;
    // A fourth expert in the library (the city registrar, no tie to any bidder).
    crate::evaluation_flow::exec(
        &app,
        "INSERT INTO role_grants (user_id, role, granted_at, settings_version) \
         SELECT id, 'expert', 0, 1 FROM users WHERE email = 'registrar@demo.huoban.cn'",
    )
    .await;
    // In the procurement library, reviewing the project's category (issue 22, item 20).
    crate::evaluation_flow::exec(
        &app,
        "INSERT INTO expert_pools (user_id, pool, since) \
         SELECT id, 'procurement', 0 FROM users WHERE email = 'registrar@demo.huoban.cn'",
    )
    .await;
    crate::evaluation_flow::exec(
        &app,
        "INSERT INTO expert_categories (user_id, category_code) \
         SELECT id, 'elderly-care' FROM users WHERE email = 'registrar@demo.huoban.cn'",
    )
    .await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0)
        .await
        .to_string();
    let ngo = int(&app, "SELECT id FROM users WHERE email = $1", NGO_ADMIN.0)
        .await
        .to_string();
    for bad in [
        vec![("size", "4")],
        vec![("size", "1")],
        vec![("size", "3"), ("representative", ngo.as_str())],
    ] {
        let resp = app.post(&panel, &bad).await;
        assert_eq!(resp.status(), Status::UnprocessableEntity, "{bad:?}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panels").await, 0);
    let resp = app
        .post(
            &panel,
            &[("size", "3"), ("representative", purchaser.as_str())],
        )
        .await;
    assert_eq!(resp.status(), Status::SeeOther);
    let seated: Vec<(i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as("SELECT user_id, kind FROM panel_members ORDER BY id")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(seated.len(), 3);
    assert!(
        seated.iter().all(|(u, _)| *u != expert2),
        "the conflicted expert is not drawn"
    );
    assert_eq!(
        seated.iter().filter(|(_, k)| k == "representative").count(),
        1
    );
    let excluded: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT excluded FROM panels")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    assert!(
        excluded.contains(&format!("[{expert2},\"member:3\"]")),
        "{excluded}"
    );
    let drawn = seated.iter().find(|(_, k)| k == "expert").unwrap().0;
    let email: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(drawn)
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    let (_, mail) = app.last_mail_to(&email).await.unwrap();
    assert!(mail.contains("评审专家") && mail.contains("NB-PANEL-01"));
    // Once per round.
    let resp = app.post(&panel, &[("size", "3")]).await;
    assert_eq!(resp.status(), Status::UnprocessableEntity);
    // A recusal seats the next candidate in the seed's order; when none is left, it is refused
    // and nothing changes.
    let recuse = |m: i64| format!("{panel}/{m}/recuse");
    let member = app
        .scalar("SELECT MIN(id) FROM panel_members WHERE kind = 'expert'")
        .await;
    let resp = app
        .post(&recuse(member), &[("reason", "与投标人负责人为近亲属")])
        .await;
    assert_eq!(resp.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM panel_members WHERE status = 'recused'")
            .await,
        1
    );
    // Five unconflicted experts, two seated: the three left in reserve replace in turn.
    for recused in 2..=4 {
        let replacement = app
            .scalar("SELECT MAX(id) FROM panel_members WHERE replaces IS NOT NULL")
            .await;
        let resp = app
            .post(&recuse(replacement), &[("reason", "临时出差")])
            .await;
        if recused < 4 {
            assert_eq!(resp.status(), Status::SeeOther);
        } else {
            assert_eq!(resp.status(), Status::UnprocessableEntity);
        }
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM panel_members WHERE status = 'recused'")
            .await,
        3
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM panel_members WHERE status = 'seated'")
            .await,
        3
    );
}

/// The purchaser (signed in) passes every bid's qualification and draws a panel of three with
/// itself as the purchaser's representative.
pub async fn qualify_and_draw(app: &TestApp, id: i64, bids: &[i64]) {
    qualify(app, id, bids).await;
    let purchaser = int(app, "SELECT id FROM users WHERE email = $1", PURCHASER.0)
        .await
        .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/panel"),
            &[("size", "3"), ("representative", purchaser.as_str())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
}

#[rocket::async_test]
async fn panelists_declare_score_independently_and_the_report_ranks_the_bids() {
    let app = TestApp::spawn().await;
    let (id, bids) = opened_project(&app, "NB-PANEL-02", ["380000", "385000", "372500"]).await;
    qualify_and_draw(&app, id, &bids).await;
    let seats: Vec<(i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as("SELECT m.id, u.email FROM panel_members m JOIN users u ON u.id = m.user_id ORDER BY m.id")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    // Technical scores per bid (in org order: sunshine, volunteers, charity), the same from everyone.
    let marks = [("35", "25"), ("30", "20"), ("20", "20")];
    for (i, (seat, email)) in seats.iter().enumerate() {
        app.logout().await;
        let password = if email == PURCHASER.0 {
            PURCHASER.1
        } else {
            "demo-expert-2026"
        };
        app.login_as((email, password)).await;
        // Another panelist's seat is not theirs.
        let other = seats[(i + 1) % seats.len()].0;
        let (s, _) = app.get(&format!("/panel/{other}")).await;
        assert_eq!(s, Status::Forbidden);
        let (_, page) = app.get(&format!("/panel/{seat}")).await;
        assert!(page.contains("利益关系声明"));
        let r = app
            .post(&format!("/panel/{seat}/declare"), &[("conflict", "no")])
            .await;
        assert_eq!(r.status(), Status::SeeOther);
        if i == 0 {
            // The first panelist records the panel's compliance check: the sheets then open.
            let (_, page) = app.get(&format!("/panel/{seat}")).await;
            assert!(page.contains("符合性审查") && page.contains("未列入信用名单"));
            let pass: Vec<(String, String)> = bids
                .iter()
                .map(|b| (format!("decision[{b}]"), "pass".to_string()))
                .collect();
            let body: Vec<(&str, &str)> =
                pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let r = app.post(&format!("/panel/{seat}/compliance"), &body).await;
            assert_eq!(r.status(), Status::SeeOther);
        }
        // Over the maximum: refused, nothing stored.
        let mut over: Vec<(String, String)> = Vec::new();
        for (b, (a, t)) in bids.iter().zip(marks) {
            over.push((format!("score[{b}-0]"), a.to_string()));
            over.push((format!("score[{b}-1]"), t.to_string()));
        }
        over[0].1 = "41".into();
        let body: Vec<(&str, &str)> = over.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = app.post(&format!("/panel/{seat}/scores"), &body).await;
        assert_eq!(r.status(), Status::UnprocessableEntity);
        over[0].1 = marks[0].0.into();
        let body: Vec<(&str, &str)> = over.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        // Checking shows the sheet with each bidder's total; nothing is submitted yet.
        let r = app.post(&format!("/panel/{seat}/scores"), &body).await;
        assert_eq!(r.status(), Status::Ok);
        let check = r.into_string().await.unwrap();
        assert!(check.contains("提交前核对评分") && check.contains("<strong>60</strong>"));
        // Without the confirmation: shown again with the message, still not submitted.
        let r = app
            .post(&format!("/panel/{seat}/scores/confirm"), &body)
            .await;
        assert_eq!(r.status(), Status::UnprocessableEntity);
        let mut confirmed = body.clone();
        confirmed.push(("confirm", "yes"));
        if i < seats.len() - 1 {
            // Before everyone has submitted, the report has no ranking.
            let r = app
                .post(&format!("/panel/{seat}/scores/confirm"), &confirmed)
                .await;
            assert_eq!(r.status(), Status::SeeOther);
            let again = app
                .post(&format!("/panel/{seat}/scores/confirm"), &confirmed)
                .await;
            assert_eq!(again.status(), Status::Conflict, "one submission");
        } else {
            let r = app
                .post(&format!("/panel/{seat}/scores/confirm"), &confirmed)
                .await;
            assert_eq!(r.status(), Status::SeeOther);
        }
    }
    // Every sheet was checked (and so saved as a draft) before it was submitted: no draft
    // outlives its submission.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panel_drafts").await, 0);
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (s, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert_eq!(s, Status::Ok);
    // A consultation ranks the sealed final quotes: nothing ranks before they are opened.
    assert!(report.contains("须开启最后报价后"));
    assert!(!report.contains("89.41"));
    let r = app
        .post(
            &format!("/purchase/projects/{id}/final-quotes"),
            &[("final_deadline", "2026-12-21T10:00")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let pr = Procurement::of(state(&app));
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_id(&mut c, id)
            .await
            .unwrap()
            .unwrap()
    };
    // Sunshine and the volunteers quote lower; the charity's final quote is above the maximum.
    let orgs = [sunshine(&app).await, 3, 4];
    // The charity's over-limit final quote is sealed as one from before the submission check
    // (which now refuses it) would be, so the report's own check is what is tested.
    let lifted = huoban::db::projects::Project {
        max_price_fen: None,
        ..p.clone()
    };
    for (org, price) in orgs.iter().zip(["370000", "360000", "395000"]) {
        let input = huoban::procurement::bidding::BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        let sealed_as = if price == "395000" { &lifted } else { &p };
        assert!(pr
            .submit_bid(sealed_as, *org, 1, "final", input)
            .await
            .unwrap()
            .is_ok());
    }
    app.clock.set(datetime!(2026-12-21 02:00 UTC));
    pr.run_due().await.unwrap();
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    // Base price 360,000 (a final quote): 360000/370000×30 = 29.189… → 29.19, total 89.19;
    // the volunteers 30 + 20 + 30 = 80.00; the charity's final quote is invalid.
    for total in ["89.19", "80.00"] {
        assert!(report.contains(total), "{total} in the report");
    }
    assert!(report.find("89.19").unwrap() < report.find("80.00").unwrap());
    assert!(report.contains("报价超过预算或最高限价，投标无效"));
    assert!(!report.contains("尚有评审委员会成员未提交评分"));
    assert!(!report.contains("须开启最后报价后"));
}

#[rocket::async_test]
async fn an_open_tender_ranks_the_opened_prices() {
    let app = TestApp::spawn().await;
    let (id, _) = scored_tender(&app, "NB-PANEL-03").await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    // Base price 372,500: 372500/380000×30 = 29.41; 372500/385000×30 = 29.03; 30.
    for total in ["89.41", "79.03", "70.00"] {
        assert!(report.contains(total), "{total} in the report");
    }
    let first = report.find("89.41").unwrap();
    assert!(
        first < report.find("79.03").unwrap()
            && report.find("79.03").unwrap() < report.find("70.00").unwrap()
    );
}

#[rocket::async_test]
async fn a_failed_compliance_check_needs_its_reason_and_can_fail_the_round() {
    let app = TestApp::spawn().await;
    let (id, bids) = opened_project(&app, "NB-PANEL-03", ["380000", "385000", "372500"]).await;
    let fields: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    app.post(&format!("/purchase/projects/{id}/qualification"), &f)
        .await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0)
        .await
        .to_string();
    app.post(
        &format!("/purchase/projects/{id}/panel"),
        &[("size", "3"), ("representative", purchaser.as_str())],
    )
    .await;
    // The purchaser's representative sits on the panel.
    let seat = app
        .scalar("SELECT MIN(m.id) FROM panel_members m JOIN users u ON u.id = m.user_id WHERE u.email = 'purchaser@demo.huoban.cn'")
        .await;
    let r = app.post(&format!("/panel/{seat}/compliance"), &f).await;
    assert_eq!(r.status(), Status::Conflict, "declare first");
    app.post(&format!("/panel/{seat}/declare"), &[("conflict", "no")])
        .await;
    // A bidder put on the serious violation list since the opening cannot pass.
    let org = sunshine(&app).await;
    crate::evaluation_flow::exec(&app, &format!("INSERT INTO credit_listings (org_id, list, reason, listed_on, created_at) VALUES ({org}, 'serious', 'test', '2026-12-19', 0)")).await;
    let (_, sheet) = app.get(&format!("/panel/{seat}")).await;
    assert!(sheet.contains("列入严重违法失信名单"));
    let r = app.post(&format!("/panel/{seat}/compliance"), &f).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    crate::evaluation_flow::exec(&app, "DELETE FROM credit_listings WHERE reason = 'test'").await;
    let mut fail: Vec<(String, String)> = fields.clone();
    fail[1].1 = "fail".into();
    let body: Vec<(&str, &str)> = fail.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post(&format!("/panel/{seat}/compliance"), &body).await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "a failure needs its reason"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bid_reviews WHERE stage = 'compliance'")
            .await,
        0
    );
    let reason = (
        format!("reason[{}]", bids[1]),
        "服务期限不满足采购文件要求".to_string(),
    );
    fail.push(reason);
    let body: Vec<(&str, &str)> = fail.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post(&format!("/panel/{seat}/compliance"), &body).await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE status = 'failed' AND number = $1",
            "NB-PANEL-03"
        )
        .await,
        1
    );
    app.logout().await;
    let (_, public) = app.get("/projects/NB-PANEL-03").await;
    assert!(public.contains("服务期限不满足采购文件要求") && public.contains("2 / 3"));
}

/// An open tender opened with three bids (sunshine 380,000, volunteers 385,000, charity
/// 372,500), all qualified and compliant, scored by a panel of five (four experts and the
/// purchaser) with the same marks from everyone; the purchaser is signed in at the end.
pub async fn scored_tender(app: &TestApp, number: &str) -> (i64, Vec<i64>) {
    let fields = crate::procurement::project_fields(number, "open_tender", "2026-12-20T10:00");
    let marks = [("35", "25"), ("30", "20"), ("20", "20")];
    scored_with(app, &fields, ["380000", "385000", "372500"], marks, "5").await
}

/// A project published from `fields`, opened with the three bids at `prices` (sunshine,
/// volunteers, charity), qualified and compliant, scored with `marks` by a panel of `size`
/// (the purchaser one of them); the purchaser is signed in at the end.
pub async fn scored_with(
    app: &TestApp,
    fields: &[(&str, &str)],
    prices: [&str; 3],
    marks: [(&str, &str); 3],
    size: &str,
) -> (i64, Vec<i64>) {
    app.login_as(PURCHASER).await;
    let number = fields[0].1;
    let r = app.post("/purchase/projects", fields).await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "{}",
        r.into_string().await.unwrap_or_default()
    );
    let id = int(app, "SELECT id FROM projects WHERE number = $1", number).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let bids = bid_and_open(app, id, prices).await;
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let pass: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app
        .post(&format!("/purchase/projects/{id}/qualification"), &pass)
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let purchaser = int(app, "SELECT id FROM users WHERE email = $1", PURCHASER.0)
        .await
        .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/panel"),
            &[("size", size), ("representative", purchaser.as_str())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let seats: Vec<(i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT m.id, u.email FROM panel_members m JOIN users u ON u.id = m.user_id \
             JOIN panels p ON p.id = m.panel_id WHERE p.project_id = $1 ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    assert_eq!(seats.len().to_string(), size);
    for (i, (seat, email)) in seats.iter().enumerate() {
        app.logout().await;
        let password = if email == PURCHASER.0 {
            PURCHASER.1
        } else {
            "demo-expert-2026"
        };
        app.login_as((email, password)).await;
        app.post(&format!("/panel/{seat}/declare"), &[("conflict", "no")])
            .await;
        if i == 0 {
            let r = app.post(&format!("/panel/{seat}/compliance"), &pass).await;
            assert_eq!(r.status(), Status::SeeOther);
        }
        let mut body: Vec<(String, String)> = Vec::new();
        for (b, (a, t)) in bids.iter().zip(marks) {
            body.push((format!("score[{b}-0]"), a.to_string()));
            body.push((format!("score[{b}-1]"), t.to_string()));
        }
        body.push(("confirm".into(), "yes".into()));
        let body: Vec<(&str, &str)> = body.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = app
            .post(&format!("/panel/{seat}/scores/confirm"), &body)
            .await;
        assert_eq!(r.status(), Status::SeeOther);
    }
    app.logout().await;
    app.login_as(PURCHASER).await;
    (id, bids)
}

/// 87号令 art. 47 (issue 22, item 2): a tender whose budget reaches 10,000,000 yuan (the dated
/// setting `procurement.panel_seven_budget_yuan`) is judged by a panel of at least 7; one fen
/// below, 5 suffice. The purchaser's page states the minimum.
async fn tender_with_budget(app: &TestApp, number: &str, budget: &str) -> (i64, Status, String) {
    app.login_as(PURCHASER).await;
    let mut fields = crate::procurement::project_fields(number, "open_tender", "2026-12-20T10:00");
    for (k, v) in fields.iter_mut() {
        if *k == "budget" {
            *v = budget;
        }
    }
    let r = app.post("/purchase/projects", &fields).await;
    assert_eq!(r.status(), Status::SeeOther);
    let id = int(app, "SELECT id FROM projects WHERE number = $1", number).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let bids = bid_and_open(app, id, ["380000", "385000", "372500"]).await;
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let pass: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app
        .post(&format!("/purchase/projects/{id}/qualification"), &pass)
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    let purchaser = int(app, "SELECT id FROM users WHERE email = $1", PURCHASER.0)
        .await
        .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/panel"),
            &[("size", "5"), ("representative", purchaser.as_str())],
        )
        .await;
    let status = r.status();
    let body = r.into_string().await.unwrap_or_default();
    (id, status, format!("{page}\n{body}"))
}

#[rocket::async_test]
async fn a_tender_of_ten_million_yuan_needs_a_panel_of_seven() {
    let app = TestApp::spawn().await;
    let (_, status, pages) = tender_with_budget(&app, "NB-SEVEN-01", "10,000,000.00").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        pages.contains("单数，不少于 7") || pages.contains("不少于 7"),
        "{pages}"
    );
    assert!(pages.contains("评审委员会人数须为单数"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panels").await, 0);
}

#[rocket::async_test]
async fn a_tender_one_fen_below_ten_million_yuan_is_judged_by_five() {
    let app = TestApp::spawn().await;
    let (_, status, _) = tender_with_budget(&app, "NB-SEVEN-02", "9,999,999.99").await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panels").await, 1);
}

/// 政府采购法 art. 22: the qualification is the purchaser's, and the serious-violation list is
/// read at that step — a bidder listed since it sealed its bid cannot be passed there, the page
/// says why, and nothing is recorded until the purchaser rejects it with a reason.
#[rocket::async_test]
async fn a_bidder_on_the_serious_list_cannot_pass_the_purchasers_qualification() {
    let app = TestApp::spawn().await;
    let (id, bids) = opened_project(&app, "NB-REVIEW-07", ["380000", "385000", "372500"]).await;
    let org = sunshine(&app).await;
    crate::evaluation_flow::exec(&app, &format!("INSERT INTO credit_listings (org_id, list, reason, listed_on, created_at) VALUES ({org}, 'serious', 'test', '2026-12-19', 0)")).await;
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(page.contains("列入严重违法失信名单（不得通过）"), "{page}");
    let path = format!("/purchase/projects/{id}/qualification");
    let all_pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let body: Vec<(&str, &str)> = all_pass
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app.post(&path, &body).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("列入严重违法失信名单的供应商不能通过审查"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reviews").await, 0);
    // Sunshine's bid is the first by organization id; rejected with its reason, it is recorded.
    let sunshine_bid = app
        .scalar_of(&format!(
            "SELECT id FROM bids WHERE project_id = {id} AND org_id = {org}"
        ))
        .await;
    let mut fields = all_pass.clone();
    for f in fields.iter_mut() {
        if f.0 == format!("decision[{sunshine_bid}]") {
            f.1 = "fail".into();
        }
    }
    fields.push((
        format!("reason[{sunshine_bid}]"),
        "列入严重违法失信名单".into(),
    ));
    let body: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(app.post(&path, &body).await.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bid_reviews WHERE stage = 'qualification' AND passed = 0")
            .await,
        1
    );
}

/// The purchaser passes every bid at the qualification review.
pub async fn qualify(app: &TestApp, id: i64, bids: &[i64]) {
    let fields: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    app.post(&format!("/purchase/projects/{id}/qualification"), &f)
        .await;
}
