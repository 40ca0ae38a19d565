//! Suspension as state and final acceptance (issue 20, DOMAIN §5–6): a challenge to the result
//! filed after signing suspends the contract (no payment, no acceptance, no amendment; the
//! public page says so and why) until it is answered; a complaint suspends only by the
//! supervisor's written order, which lapses by itself after its last day; final acceptance
//! needs every milestone accepted and the term's end or a reason, after a check page.

use crate::award::signed_contract;
use crate::evaluation_flow::{int, sunshine};
use crate::helpers::*;
use crate::procurement::{state, CHARITY};
use crate::suppliers::SUPERVISOR;
use huoban::delivery::ledger::Payment;
use huoban::domain::ledger::Refusal;
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::{date, datetime};

async fn pay(app: &TestApp, k: i64, key: &str) -> Result<(i64, bool), Refusal> {
    let approver = int(app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    Procurement::of(state(app))
        .record_payment(
            &Payment {
                contract: k,
                installment: 1,
                amount_fen: 10_000,
                value_date: date!(2027 - 01 - 05),
                voucher_no: "记-2027-0001",
                payee_account: "6222 0000 1111 2222",
                invoice_no: "33021270001",
                approved_by: approver,
                key,
            },
            1,
            30,
        )
        .await
        .unwrap()
}

/// The charity (a bidder) challenges the result of `number`; the challenge's id.
async fn challenge_result(app: &TestApp, number: &str) -> i64 {
    app.logout().await;
    app.login_as(CHARITY).await;
    let r = app
        .post(
            &format!("/projects/{number}/challenges/4"),
            &[
                ("kind", "challenge"),
                ("target", "result"),
                ("body", "我方服务方案的评分明显偏低，请复核。"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.scalar("SELECT MAX(id) FROM challenges").await
}

async fn project_of(app: &TestApp, k: i64) -> i64 {
    int(
        app,
        "SELECT project_id FROM contracts WHERE id = CAST($1 AS BIGINT)",
        &k.to_string(),
    )
    .await
}

async fn answer(app: &TestApp, k: i64, ch: i64) {
    app.logout().await;
    app.login_as(PURCHASER).await;
    let p = project_of(app, k).await;
    let r = app
        .post(
            &format!("/purchase/projects/{p}/challenges/{ch}/answer"),
            &[("answer", "经复核，评分符合评分标准，维持原结果。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
}

#[rocket::async_test]
async fn a_challenge_after_signing_suspends_payment_acceptance_and_amendment_until_answered() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-SUSP-01").await;
    // A challenge filed at the moment of signing was weighed by the one who signed; one
    // filed an hour later suspends performance (实施条例 54).
    app.clock.set(datetime!(2026-12-22 03:00 UTC));
    let ch = challenge_result(&app, "NB-SUSP-01").await;
    assert_eq!(pay(&app, k, "s1").await, Err(Refusal::Suspended));
    app.logout().await;
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(
        public.contains("合同中止履行")
            && public.contains("供应商就采购过程或结果提出的质疑尚未答复"),
        "the public page says so and why"
    );
    // The winner is told on its dashboard that the contract is suspended, not to deliver.
    app.login_as(NGO_ADMIN).await;
    let dash = app.get("/dashboard").await.1;
    assert!(
        dash.contains("合同中止履行（暂停提交成果") && !dash.contains("履约：提交里程碑成果"),
        "{dash}"
    );
    app.logout().await;
    app.login_as(PURCHASER).await;
    let manage = format!("/purchase/contracts/{k}");
    let r = app
        .post(
            &format!("{manage}/addon"),
            &[
                ("amount", "1,000.00"),
                ("condition", "signing"),
                ("reason", "增加服务对象"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "no amendment");
    assert!(r.into_string().await.unwrap().contains("合同正在中止履行"));
    let (_, check) = app.get(&format!("{manage}/accept")).await;
    assert!(check.contains("合同正在中止履行，暂不能办理最终验收"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM contract_changes").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM ledger_entries").await, 0);
    // Answered: performance resumes and the payment goes through.
    answer(&app, k, ch).await;
    assert!(pay(&app, k, "s2").await.is_ok());
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(!public.contains("合同中止履行"));
}

#[rocket::async_test]
async fn a_complaint_suspends_only_by_order_and_the_order_lapses_after_thirty_days() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-SUSP-02").await;
    app.clock.set(datetime!(2026-12-22 03:00 UTC));
    let ch = challenge_result(&app, "NB-SUSP-02").await;
    answer(&app, k, ch).await;
    app.logout().await;
    app.login_as(CHARITY).await;
    // The answer came: the charity is told until when it may complain (15 working days after
    // the answer period, which ends 31 December: 1, 4–8, 11–15, 18–22 January are the
    // working days, by the provisional 2027 calendar).
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("质疑已答复或答复期满：可向监督部门投诉")
            && dash.contains("href=\"/projects/NB-SUSP-02/challenges/4\"")
            && dash.contains("2027年1月22日（周五）24:00"),
        "the last day is 22 January, not the day after: {dash}"
    );
    let r = app
        .post(
            &format!("/projects/NB-SUSP-02/challenges/4/{ch}/complaint"),
            &[("body", "答复未说明具体评分理由，请监督部门处理。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // The complaint alone suspends nothing.
    assert!(pay(&app, k, "c1").await.is_ok());
    let (_, dash) = app.get("/dashboard").await;
    assert!(
        !dash.contains("可向监督部门投诉"),
        "complained: off the list"
    );
    app.logout().await;
    app.login_as(SUPERVISOR).await;
    let complaint = app.scalar("SELECT MAX(id) FROM complaints").await;
    let r = app
        .post(
            &format!("/complaints/{complaint}/suspend"),
            &[("until", "2027-01-21"), ("reason", "需调取评审录像核实")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(pay(&app, k, "c2").await, Err(Refusal::Suspended));
    // The order waits on the supervisor's dashboard with its last day.
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("暂停采购活动通知：到期自动解除")
            && dash.contains("还剩 30 天")
            && dash.contains(&format!("href=\"/complaints/{complaint}#order-")),
        "{dash}"
    );
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(public.contains("需调取评审录像核实") && public.contains("2027年1月21日"));
    // Its last day (23:00 in Beijing) it still holds; the next day it has lapsed by itself.
    app.clock.set(datetime!(2027-01-21 15:00 UTC));
    assert_eq!(pay(&app, k, "c3").await, Err(Refusal::Suspended));
    app.clock.set(datetime!(2027-01-21 16:00 UTC));
    assert!(pay(&app, k, "c4").await.is_ok());
    let (_, queue) = app.get(&format!("/complaints/{complaint}")).await;
    assert!(
        queue.contains("已期满失效"),
        "the supervisor sees it lapsed"
    );
    let (_, dash) = app.get("/dashboard").await;
    assert!(!dash.contains("暂停采购活动通知"), "lapsed: off the list");
    // Nothing was overwritten: the order is still on record.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM suspension_orders WHERE lifted_at IS NULL")
            .await,
        1
    );
}

#[rocket::async_test]
async fn an_order_lifted_early_stops_holding_and_cannot_be_lifted_twice() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-SUSP-04").await;
    app.clock.set(datetime!(2026-12-22 03:00 UTC));
    let ch = challenge_result(&app, "NB-SUSP-04").await;
    answer(&app, k, ch).await;
    app.logout().await;
    app.login_as(CHARITY).await;
    app.post(
        &format!("/projects/NB-SUSP-04/challenges/4/{ch}/complaint"),
        &[("body", "答复未说明具体评分理由，请监督部门处理。")],
    )
    .await;
    app.logout().await;
    app.login_as(SUPERVISOR).await;
    let complaint = app.scalar("SELECT MAX(id) FROM complaints").await;
    let r = app
        .post(
            &format!("/complaints/{complaint}/suspend"),
            &[("until", "2026-12-31"), ("reason", "需调取评审录像核实")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let order = app.scalar("SELECT MAX(id) FROM suspension_orders").await;
    let lift = format!("/complaints/orders/{order}/lift");
    let r = app.post(&lift, &[("reason", "")]).await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "a reason is needed"
    );
    assert_eq!(pay(&app, k, "l1").await, Err(Refusal::Suspended));
    let r = app
        .post(&lift, &[("reason", "录像已调取，无需继续暂停")])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert!(pay(&app, k, "l2").await.is_ok());
    let r = app
        .post(&lift, &[("reason", "录像已调取，无需继续暂停")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.suspension_lifted'")
            .await,
        1
    );
}

#[rocket::async_test]
async fn final_acceptance_needs_every_milestone_and_the_terms_end_or_a_reason_after_a_check() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-SUSP-03").await;
    let manage = format!("/purchase/contracts/{k}");
    let (_, page) = app.get(&manage).await;
    assert!(html_unescape(&page).contains(&format!("href=\"{manage}/accept\"")));
    let (_, check) = app.get(&format!("{manage}/accept")).await;
    assert!(check.contains("中期评估") && check.contains("未验收"));
    assert!(!check.contains("确认最终验收"), "nothing to confirm yet");
    let r = app.post(&format!("{manage}/accept"), &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("还有里程碑的成果未经验收"));
    // The organization files the milestone's deliverable; the purchaser accepts it. Each
    // step waits on the dashboard of the one who acts next.
    let sun = sunshine(&app).await;
    app.logout().await;
    app.login_as(("finance@demo.huoban.cn", "demo-finance-2026"))
        .await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("可支付的分期款项")
            && dash.contains(&format!("href=\"/finance/contracts/{k}\""))
            && dash.contains("#1 · ¥114,000.00"),
        "the 30% on signing (the plan's first installment) is payable: {dash}"
    );
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    let milestone_link = format!("href=\"/orgs/{sun}/contracts/{k}#deliverables\"");
    assert!(
        dash.contains("履约：提交里程碑成果") && dash.contains(&milestone_link),
        "{dash}"
    );
    // The navigation counts them (the milestone and the Haishu evaluation window).
    assert!(dash.contains("<span class=\"nav-count\">2<"), "{dash}");
    let r = app
        .post(
            &format!("/orgs/{sun}/contracts/{k}/deliverables"),
            &[
                ("milestone", "中期评估"),
                ("kind", "deliverable"),
                ("body", "中期服务报告：探访 3,120 人次，助餐 5,400 份。"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, dash) = app.get("/dashboard").await;
    assert!(
        !dash.contains("履约：提交里程碑成果"),
        "filed: off the list"
    );
    assert!(
        dash.contains("<span class=\"nav-count\">1<"),
        "counted afresh after the person's own change: {dash}"
    );
    app.logout().await;
    app.login_as(PURCHASER).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("履约成果待验收")
            && dash.contains(&format!("href=\"/purchase/contracts/{k}#deliverables\"")),
        "{dash}"
    );
    let did = app.scalar("SELECT MAX(id) FROM deliverables").await;
    let r = app
        .post(
            &format!("{manage}/deliverables/{did}"),
            &[("decision", "accept"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // Before the term's end the acceptance is not on the list; after it, it is.
    let accept_final = "服务期已满：组织最终验收";
    assert!(!html_unescape(&app.get("/dashboard").await.1).contains(accept_final));
    let before = app.clock.now();
    app.clock.set(time::macros::datetime!(2027-12-30 04:00 UTC));
    assert!(
        !html_unescape(&app.get("/dashboard").await.1).contains(accept_final),
        "the day before the term's last day"
    );
    app.clock.set(time::macros::datetime!(2027-12-31 04:00 UTC));
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains(accept_final) && dash.contains(&format!("href=\"{manage}/accept\"")),
        "{dash}"
    );
    app.clock.set(before);
    // The term runs to 2027-12-31: accepting on 22 December 2026 needs the reason.
    let (_, check) = app.get(&format!("{manage}/accept")).await;
    assert!(check.contains("确认最终验收") && check.contains("提前验收的理由"));
    let r = app
        .post(&format!("{manage}/accept"), &[("early_reason", "提前")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("服务期限尚未届满"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM contracts WHERE accepted_at IS NOT NULL")
            .await,
        0
    );
    let r = app
        .post(
            &format!("{manage}/accept"),
            &[("early_reason", "全部服务对象已提前完成服务")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .post(
            &format!("{manage}/accept"),
            &[("early_reason", "全部服务对象已提前完成服务")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "once");
    app.logout().await;
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(public.contains("全部服务对象已提前完成服务"));
}

async fn digests_to(app: &TestApp, addr: &str) -> Vec<(String, String)> {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_as(
        "SELECT subject, body_text FROM mail_outbox WHERE to_addr = $1 AND subject LIKE '%待办%' OR \
         to_addr = $1 AND subject LIKE '%tasks today%' ORDER BY id",
    )
    .bind(addr)
    .fetch_all(&mut *c)
    .await
    .unwrap()
}

#[rocket::async_test]
async fn the_daily_reminder_lists_the_dashboards_work_once_a_day_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-DIGEST-01").await;
    let s = state(&app);
    let send = || huoban::deadlines::digest::send(&s.db, &s.clock, &s.calendars, &s.mailer);
    // The finance officer reads English; the organization's admin Chinese.
    {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query("UPDATE users SET preferred_lang = 'en' WHERE email = $1")
            .bind("finance@demo.huoban.cn")
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let sent = send().await.unwrap();
    assert!(sent >= 2, "{sent}");
    let fin = digests_to(&app, "finance@demo.huoban.cn").await;
    assert_eq!(fin.len(), 1);
    assert!(
        fin[0].0.contains("your tasks today")
            && fin[0].1.contains("Installment payable")
            && fin[0].1.contains(&format!("/finance/contracts/{k}"))
            && fin[0].1.contains("114,000.00")
            && fin[0].1.contains("30 days left"),
        "{}",
        fin[0].1
    );
    let ngo = digests_to(&app, NGO_ADMIN.0).await;
    assert_eq!(ngo.len(), 1);
    assert!(
        ngo[0].1.contains("履约：提交里程碑成果") && ngo[0].1.contains("中期评估"),
        "{}",
        ngo[0].1
    );
    // The same day again: nobody is mailed twice.
    assert_eq!(send().await.unwrap(), 0);
    assert_eq!(digests_to(&app, "finance@demo.huoban.cn").await.len(), 1);
    // The next day the list comes again, one day closer.
    app.clock.set(datetime!(2026-12-23 02:00 UTC));
    assert!(send().await.unwrap() >= 2);
    let fin = digests_to(&app, "finance@demo.huoban.cn").await;
    assert_eq!(fin.len(), 2);
    assert!(fin[1].1.contains("29 days left"), "{}", fin[1].1);
    // Someone with nothing waiting gets nothing (the second expert sits on no panel here; the
    // administrator now always has work in December: next year's working-day table).
    assert!(digests_to(&app, "expert2@demo.huoban.cn").await.is_empty());
    let admin = digests_to(&app, "admin@demo.huoban.cn").await;
    assert_eq!(admin.len(), 2, "the admin's work, once a day");
}

#[rocket::async_test]
async fn a_new_project_in_a_followed_category_waits_until_the_organization_takes_it_up() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("关注类别的新采购项目") && dash.contains("href=\"/projects/NBMZ-2026-031\""),
        "{dash}"
    );
    // Bids close at a moment: the list shows it, not the end of the day.
    let deadline = int(
        &app,
        "SELECT deadline_at FROM projects WHERE number = $1",
        "NBMZ-2026-031",
    )
    .await;
    assert!(
        dash.contains(&huoban::procurement::shanghai_time(deadline)),
        "{dash}"
    );
    let sun = sunshine(&app).await;
    let r = app
        .post(
            "/projects/NBMZ-2026-031/obtain",
            &[("org", &sun.to_string())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, dash) = app.get("/dashboard").await;
    assert!(
        !dash.contains("href=\"/projects/NBMZ-2026-031\""),
        "documents obtained: taken up"
    );
}
