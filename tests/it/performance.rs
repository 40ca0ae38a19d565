//! Performance reviews and surveys (DOMAIN §6, issue 8): one-time survey links, the survey in
//! the review's satisfaction points, the grade from the settings, and a 差 review blocking the
//! next installment until the purchaser records a rectification decision.

use crate::award::signed_contract;
use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::state;
use huoban::delivery::ledger::Payment;
use huoban::domain::ledger::Refusal;
use huoban::domain::money::Money;
use huoban::domain::performance::ReviewStatus;
use huoban::procurement::Procurement;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::macros::date;

fn scores(each_share: Decimal) -> BTreeMap<String, Decimal> {
    huoban::domain::performance::Template::shipped()
        .items()
        .map(|i| {
            (
                i.key.clone(),
                (Decimal::from(i.max) * each_share).round_dp(2),
            )
        })
        .collect()
}

#[rocket::async_test]
async fn a_poor_review_blocks_the_next_installment_until_a_rectification_is_recorded() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-PERF-01").await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pr = Procurement::of(state(&app));
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
    let review = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            let mut c = db.acquire().await.unwrap();
            huoban::delivery::performance::by_id(&mut c, rid)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let links = pr
        .issue_surveys(&review(&app).await, 2, purchaser)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(links.len(), 2);
    assert_ne!(links[0], links[1]);
    // Each link answers once; answers out of range are refused and nothing is stored.
    assert_eq!(
        pr.answer_survey(&links[0], &[5, 5, 5, 6, 5]).await.unwrap(),
        Err("err-survey-answers")
    );
    assert!(pr
        .answer_survey(&links[0], &[2, 2, 2, 2, 2])
        .await
        .unwrap()
        .is_ok());
    assert_eq!(
        pr.answer_survey(&links[0], &[5, 5, 5, 5, 5]).await.unwrap(),
        Err("err-survey-answered")
    );
    assert!(pr
        .answer_survey(&links[1], &[3, 3, 3, 3, 3])
        .await
        .unwrap()
        .is_ok());
    // Indicators at half their maximum: 42.50, plus satisfaction (40% and 60% → 50% of 15 = 7.50)
    // = 50.00: 差.
    let grade = pr
        .submit_review(
            &review(&app).await,
            &scores(Decimal::new(5, 1)),
            None,
            purchaser,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grade, "poor");
    let r = review(&app).await;
    assert_eq!((r.total_centi, r.survey_centi), (Some(5000), Some(750)));
    let pay = |key: &'static str, installment: i64, amount: &str| Payment {
        contract: k,
        installment,
        amount_fen: Money::parse(amount).unwrap().fen(),
        value_date: date!(2027 - 07 - 01),
        voucher_no: "记-2027-0101",
        payee_account: "6222 0000 1111 2222",
        invoice_no: "33021270101",
        approved_by: purchaser,
        key,
    };
    // The mid-term installment (¥152,000.00) and even the unpaid signing one are blocked.
    let blocked = pr
        .record_payment(&pay("b1", 2, "152,000.00"), 1, 30)
        .await
        .unwrap();
    assert_eq!(blocked, Err(Refusal::NotPayable));
    let blocked = pr
        .record_payment(&pay("b2", 1, "1.00"), 1, 30)
        .await
        .unwrap();
    assert_eq!(blocked, Err(Refusal::NotPayable));
    assert_eq!(r.status, ReviewStatus::Poor);
    // The 差 review waits on the purchaser's dashboard for its decision, and the organization
    // is told to rectify; neither once the decision is recorded.
    let dash = |who: (&'static str, &'static str)| {
        let app = &app;
        async move {
            app.login_as(who).await;
            html_unescape(&app.get("/dashboard").await.1)
        }
    };
    assert!(dash(PURCHASER)
        .await
        .contains("绩效评价为“差”：作出整改决定"));
    assert!(dash(NGO_ADMIN).await.contains("绩效评价为“差”：按要求整改"));
    // The plan shows each installment's lifecycle state: the signing one met and held back by
    // the 差 review, the reviewed ones still waiting for their condition (not "held back":
    // without the hold they could not be paid either).
    app.login_as(PURCHASER).await;
    let page = html_unescape(&app.get(&format!("/purchase/contracts/{k}")).await.1);
    let plan = page
        .split("id=\"plan\"")
        .nth(1)
        .and_then(|p| p.split("</table>").next())
        .expect("the installment plan");
    let states: Vec<&str> = plan
        .split("<tr>")
        .skip(2)
        .map(|row| row.rsplit("<td>").next().unwrap_or_default())
        .collect();
    assert_eq!(states.len(), 3, "{plan}");
    assert!(
        states[0].contains("评价结果为“差”，待整改决定"),
        "{}",
        states[0]
    );
    for waiting in &states[1..] {
        assert!(waiting.contains("尚不可支付"), "{waiting}");
    }
    assert_eq!(
        pr.rectify(&r, "太短", purchaser).await.unwrap(),
        Err("err-rectify-decision")
    );
    assert_eq!(
        pr.rectify(&r, "一二三四五六七八九", purchaser)
            .await
            .unwrap(),
        Err("err-rectify-decision"),
        "nine characters are one short"
    );
    assert!(pr
        .rectify(
            &r,
            "限期一个月整改服务记录和回访制度，整改后恢复拨付。",
            purchaser
        )
        .await
        .unwrap()
        .is_ok());
    assert!(pr
        .record_payment(&pay("b3", 2, "152,000.00"), 1, 30)
        .await
        .unwrap()
        .is_ok());
    let r = review(&app).await;
    assert_eq!(r.status, ReviewStatus::Rectified);
    assert_eq!(
        pr.rectify(&r, "一二三四五六七八九十", purchaser)
            .await
            .unwrap(),
        Err("err-rectify-done")
    );
    assert_eq!(
        pr.issue_surveys(&r, 1, purchaser).await.unwrap(),
        Err("err-review-submitted"),
        "no survey links for a submitted review"
    );
    assert!(!dash(PURCHASER).await.contains("作出整改决定"));
    assert!(!dash(NGO_ADMIN).await.contains("按要求整改"));
    app.login_as(PURCHASER).await;
    // The organization was told its result; the finance officer that the installment is payable.
    let mails = |sql: &'static str| app.scalar(sql);
    assert_eq!(
        mails("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'ngo@demo.huoban.cn' AND body_text LIKE '%50.00 分，差%'").await,
        1
    );
    assert_eq!(
        mails("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'ngo@demo.huoban.cn' AND body_text LIKE '%已支付 152,000.00 元%'").await,
        1
    );
    assert_eq!(
        mails("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'finance@demo.huoban.cn' AND body_text LIKE '%可以办理支付%'").await,
        1,
        "payable once: after the rectification, not after the poor review"
    );
    // When the settings bar it, the poor review keeps the organization out of programmes
    // (never out of procurement).
    let mut fields =
        crate::procurement::project_fields("NB-FUND-PERF", "programme", "2027-08-20T10:00");
    for (k, v) in fields.iter_mut() {
        match *k {
            "max_price" => *v = "",
            "price_weight" => *v = "0",
            "criterion_max" if *v == "40" => *v = "60",
            "criterion_max" => *v = "40",
            _ => {}
        }
    }
    app.clock.set(time::macros::datetime!(2027-07-01 02:00 UTC));
    let r = app.post("/purchase/projects", &fields).await;
    assert_eq!(r.status(), rocket::http::Status::SeeOther);
    let sun = crate::evaluation_flow::sunshine(&app).await;
    assert!(excluded(&app, sun).await.0.is_empty(), "off by default");
    {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::settings::record(&mut c, "performance.poor_bar_years", "3", 0, 1, 0, "test")
            .await
            .unwrap();
    }
    let (fund, tender) = excluded(&app, sun).await;
    assert_eq!(
        fund,
        vec![huoban::domain::procurement::Excluded::PoorPerformance]
    );
    assert!(tender.is_empty());
}

type Exclusions = Vec<huoban::domain::procurement::Excluded>;

/// The organization's exclusions from the programme NB-FUND-PERF and the tender NB-PERF-01.
async fn excluded(app: &TestApp, org: i64) -> (Exclusions, Exclusions) {
    let pr = Procurement::of(state(app));
    let mut c = app.db.acquire().await.unwrap();
    let fund = huoban::db::projects::by_number(&mut c, "NB-FUND-PERF")
        .await
        .unwrap()
        .unwrap();
    let tender = huoban::db::projects::by_number(&mut c, "NB-PERF-01")
        .await
        .unwrap()
        .unwrap();
    let a = pr.exclusions(&mut c, &fund, org).await.unwrap();
    let b = pr.exclusions(&mut c, &tender, org).await.unwrap();
    (a, b)
}
