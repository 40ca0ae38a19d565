//! Publishing a project by the rules in force (issue 22): the reason for publishing soon after
//! the intention (item 10, 财库〔2020〕10号), the settings version recorded at publication and
//! read afterwards (item 14), the technically complex tender's panel of 7 (item 2, 87号令
//! art. 47), and the supervisor's approval of a method other than 公开招标 at the open-tender
//! threshold (item 3, 政府采购法 art. 27).

use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::procurement::project_fields;
use crate::review::bid_and_open;
use crate::suppliers::SUPERVISOR;
use rocket::http::Status;
use time::Duration;

const DAY: Duration = Duration::days(1);

/// A draft built from the test form with `changes` applied (a key not in the form is added).
async fn draft(app: &TestApp, number: &str, method: &str, changes: &[(&str, &str)]) -> i64 {
    app.login_as(PURCHASER).await;
    let mut fields = project_fields(number, method, "2027-02-15T10:00");
    for (k, v) in changes {
        match fields.iter_mut().find(|e| e.0 == *k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    let r = app.post("/purchase/projects", &fields).await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "{}",
        r.into_string().await.unwrap_or_default()
    );
    int(app, "SELECT id FROM projects WHERE number = $1", number).await
}

async fn publish(app: &TestApp, id: i64, reason: Option<&str>) -> (Status, String) {
    app.login_as(PURCHASER).await;
    let fields: Vec<(&str, &str)> = reason
        .map(|r| ("intention_reason", r))
        .into_iter()
        .collect();
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &fields)
        .await;
    let status = r.status();
    (status, r.into_string().await.unwrap_or_default())
}

async fn status_of(app: &TestApp, id: i64) -> String {
    app.text(&format!("SELECT status FROM projects WHERE id = {id}"))
        .await
}

/// The purchaser publishes an intention now (the test clock) and returns its id.
async fn intention(app: &TestApp) -> String {
    app.login_as(PURCHASER).await;
    let r = app
        .post(
            "/purchase/intentions",
            &[
                ("i_title", "居家养老上门服务"),
                ("category", "elderly-care"),
                ("i_budget", "400000"),
                ("need", "高龄独居老人上门服务一年"),
                ("i_planned_month", "2027-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.scalar("SELECT MAX(id) FROM intentions")
        .await
        .to_string()
}

const LATE: &str = "冬季寒潮期间独居老人探访需求紧急，经局务会研究提前启动采购。";

/// 财库〔2020〕10号: 29 days after the intention, publishing needs a reason; refused without
/// one (nothing written), published with it, and the notice shows it.
#[rocket::async_test]
async fn publishing_29_days_after_the_intention_needs_a_reason_shown_on_the_notice() {
    let app = TestApp::spawn().await;
    let start = app.clock.now();
    let i = intention(&app).await;
    let id = draft(&app, "NB-INT-29", "consultation", &[("intention", &i)]).await;
    app.clock.set(start + 29 * DAY);
    let (status, body) = publish(&app, id, None).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("仅 29 日，少于 30 日"), "{body}");
    assert_eq!(status_of(&app, id).await, "draft");
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM project_events WHERE project_id = {id} AND kind = 'published'"
        ))
        .await,
        0
    );
    // A reason of fewer than 5 characters is no reason.
    let (status, _) = publish(&app, id, Some("紧急")).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(status_of(&app, id).await, "draft");

    let (status, _) = publish(&app, id, Some(LATE)).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(status_of(&app, id).await, "published");
    assert_eq!(
        app.text(&format!(
            "SELECT intention_late_reason FROM projects WHERE id = {id}"
        ))
        .await,
        LATE
    );
    let (_, notice) = app.get("/projects/NB-INT-29").await;
    assert!(notice.contains("提前公开的理由"), "{notice}");
    assert!(notice.contains(LATE));
}

/// 30 and 31 days after the intention, no reason is asked and none is recorded.
#[rocket::async_test]
async fn publishing_30_or_31_days_after_the_intention_needs_no_reason() {
    let app = TestApp::spawn().await;
    let start = app.clock.now();
    let i = intention(&app).await;
    let thirty = draft(&app, "NB-INT-30", "consultation", &[("intention", &i)]).await;
    let thirty_one = draft(&app, "NB-INT-31", "consultation", &[("intention", &i)]).await;
    app.clock.set(start + 30 * DAY);
    assert_eq!(publish(&app, thirty, None).await.0, Status::SeeOther);
    app.clock.set(start + 31 * DAY);
    assert_eq!(publish(&app, thirty_one, None).await.0, Status::SeeOther);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM projects WHERE status = 'published' AND intention_late_reason IS NULL \
             AND number IN ('NB-INT-30', 'NB-INT-31')"
        )
        .await,
        2
    );
}

/// The days are a dated setting: at 20 days, 29 days after the intention are enough.
#[rocket::async_test]
async fn the_intention_days_are_the_setting_in_force_at_publication() {
    let app = TestApp::spawn().await;
    let start = app.clock.now();
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "procurement.intention_days"),
                ("value", "20"),
                ("reason", "市财政局 2026 年第 5 号通知"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let i = intention(&app).await;
    let id = draft(&app, "NB-INT-20", "consultation", &[("intention", &i)]).await;
    app.clock.set(start + 19 * DAY);
    let (status, body) = publish(&app, id, None).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("仅 19 日，少于 20 日"), "{body}");
    app.clock.set(start + 20 * DAY);
    assert_eq!(publish(&app, id, None).await.0, Status::SeeOther);
}

/// Item 14: publication writes the settings version in force; the notice shows it.
#[rocket::async_test]
async fn publication_records_the_settings_version_in_force() {
    let app = TestApp::spawn().await;
    let id = draft(&app, "NB-VER-01", "consultation", &[]).await;
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM projects WHERE id = {id} AND settings_version IS NULL"
        ))
        .await,
        1
    );
    assert_eq!(publish(&app, id, None).await.0, Status::SeeOther);
    let in_force = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::settings::snapshot(&mut c, app.clock.now_ms())
            .await
            .unwrap()
            .version
    };
    let recorded = app
        .scalar_of(&format!(
            "SELECT settings_version FROM projects WHERE id = {id}"
        ))
        .await;
    assert!(in_force > 0);
    assert_eq!(recorded, in_force);
    let (_, notice) = app.get("/projects/NB-VER-01").await;
    assert!(notice.contains("适用规则版本"), "{notice}");
}

/// Item 14: the fewest bids is the setting in force at publication, not when the draft was
/// saved, and the recorded version is the one that set it.
#[rocket::async_test]
async fn the_fewest_bids_is_set_by_the_settings_at_publication() {
    let app = TestApp::spawn().await;
    let id = draft(&app, "NB-VER-03", "consultation", &[]).await;
    let min_bids = format!("SELECT min_bids FROM projects WHERE id = {id}");
    assert_eq!(app.scalar_of(&min_bids).await, 3);
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "procurement.consultation_min_bids"),
                ("value", "2"),
                ("reason", "政府购买服务项目，财库〔2015〕124号"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(publish(&app, id, None).await.0, Status::SeeOther);
    assert_eq!(app.scalar_of(&min_bids).await, 2);
    let version = app
        .scalar_of(&format!(
            "SELECT settings_version FROM projects WHERE id = {id}"
        ))
        .await;
    assert_eq!(
        version,
        app.scalar("SELECT MAX(id) FROM settings WHERE key = 'procurement.consultation_min_bids'")
            .await
    );
}

/// An opened tender of `budget` whose three bids all pass qualification.
pub(crate) async fn qualified_tender(app: &TestApp, number: &str, changes: &[(&str, &str)]) -> i64 {
    app.login_as(PURCHASER).await;
    let mut fields = project_fields(number, "open_tender", "2026-12-20T10:00");
    for (k, v) in changes {
        match fields.iter_mut().find(|e| e.0 == *k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    let r = app.post("/purchase/projects", &fields).await;
    assert_eq!(r.status(), Status::SeeOther);
    let id = int(app, "SELECT id FROM projects WHERE number = $1", number).await;
    assert_eq!(publish(app, id, None).await.0, Status::SeeOther);
    let bids = bid_and_open(app, id, ["380000", "385000", "372500"]).await;
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let pass: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    app.login_as(PURCHASER).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/qualification"), &pass)
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    id
}

pub(crate) async fn draw_five(app: &TestApp, id: i64) -> (Status, String) {
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
    (status, r.into_string().await.unwrap_or_default())
}

/// Item 14: a value changed after publication, even dated before the notice, does not reach
/// the project: its panel minimum is read with the version its publication recorded.
#[rocket::async_test]
async fn a_setting_back_dated_after_publication_does_not_change_the_projects_rules() {
    let app = TestApp::spawn().await;
    let id = qualified_tender(&app, "NB-VER-02", &[("budget", "9,000,000.00")]).await;
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "procurement.panel_seven_budget_yuan"),
                ("value", "5000000"),
                ("valid_from", "2026-11-01"),
                ("reason", "补录：自 11 月 1 日起执行的新标准"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.login_as(PURCHASER).await;
    let (status, body) = draw_five(&app, id).await;
    assert_eq!(status, Status::SeeOther, "{body}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panels").await, 1);
}

/// Item 2 (87号令 art. 47 (二)): a tender the purchaser marks technically complex needs a panel
/// of 7 whatever its budget; the same tender unmarked is judged by 5.
#[rocket::async_test]
async fn a_technically_complex_tender_needs_a_panel_of_seven() {
    let app = TestApp::spawn().await;
    let id = qualified_tender(&app, "NB-CPLX-01", &[("technically_complex", "true")]).await;
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT technically_complex FROM projects WHERE id = {id}"
        ))
        .await,
        1
    );
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(page.contains("不少于 7"), "{page}");
    let (status, body) = draw_five(&app, id).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("评审委员会人数须为单数"), "{body}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panels").await, 0);
    let (_, notice) = app.get("/projects/NB-CPLX-01").await;
    assert!(notice.contains("技术复杂"), "{notice}");
}

#[rocket::async_test]
async fn the_same_tender_not_marked_complex_is_judged_by_five() {
    let app = TestApp::spawn().await;
    let id = qualified_tender(&app, "NB-CPLX-02", &[]).await;
    let (status, body) = draw_five(&app, id).await;
    assert_eq!(status, Status::SeeOther, "{body}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panels").await, 1);
}

/// The draft form keeps the flag.
#[rocket::async_test]
async fn the_technically_complex_flag_is_kept_on_the_draft() {
    let app = TestApp::spawn().await;
    let id = draft(
        &app,
        "NB-CPLX-03",
        "open_tender",
        &[("technically_complex", "true")],
    )
    .await;
    let (_, form) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(
        form.contains(r#"id="technically_complex" name="technically_complex" value="true" aria-describedby="technically_complex-hint" checked"#),
        "{form}"
    );
}

/// Item 3 (政府采购法 art. 27): a consultation whose budget reaches the open-tender threshold
/// (2,000,000 yuan by default) is refused publication until the procurement supervisor records
/// the approval with its reason; the notice shows who approved it, when and why.
#[rocket::async_test]
async fn a_consultation_at_the_open_tender_threshold_needs_the_supervisors_approval() {
    let app = TestApp::spawn().await;
    let id = draft(
        &app,
        "NB-APPR-01",
        "consultation",
        &[("budget", "2,000,000.00")],
    )
    .await;
    let (_, form) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(
        form.contains("须在发布前取得采购监督管理部门的批准"),
        "{form}"
    );
    let (status, body) = publish(&app, id, None).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("（¥2,000,000.00）"), "{body}");
    assert_eq!(status_of(&app, id).await, "draft");

    app.login_as(SUPERVISOR).await;
    let (status, queue) = app.get("/method-approvals").await;
    assert_eq!(status, Status::Ok);
    assert!(queue.contains("NB-APPR-01"), "{queue}");
    let r = app
        .post(&format!("/method-approvals/{id}"), &[("reason", "短")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM method_approvals").await, 0);
    let reason = "服务需求无法事先精确确定，适用竞争性磋商（财库〔2014〕214号第三条）。";
    let r = app
        .post(&format!("/method-approvals/{id}"), &[("reason", reason)])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // The purchaser may not approve.
    app.login_as(PURCHASER).await;
    let r = app
        .post(&format!("/method-approvals/{id}"), &[("reason", reason)])
        .await;
    assert_eq!(r.status(), Status::Forbidden);

    let (status, body) = publish(&app, id, None).await;
    assert_eq!(status, Status::SeeOther, "{body}");
    let (_, notice) = app.get("/projects/NB-APPR-01").await;
    assert!(notice.contains("采购方式批准"), "{notice}");
    assert!(notice.contains("周财政"));
    assert!(notice.contains(reason));
}

/// One fen below the threshold, and an open tender above it, publish without approval.
#[rocket::async_test]
async fn below_the_threshold_or_by_open_tender_no_approval_is_needed() {
    let app = TestApp::spawn().await;
    let below = draft(
        &app,
        "NB-APPR-02",
        "consultation",
        &[("budget", "1,999,999.99")],
    )
    .await;
    assert_eq!(publish(&app, below, None).await.0, Status::SeeOther);
    let tender = draft(
        &app,
        "NB-APPR-03",
        "open_tender",
        &[("budget", "5,000,000.00")],
    )
    .await;
    assert_eq!(publish(&app, tender, None).await.0, Status::SeeOther);
}

/// A category's own threshold replaces the general one for that category.
#[rocket::async_test]
async fn a_categorys_own_threshold_applies_to_its_projects() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "procurement.open_tender_yuan.elderly-care"),
                ("value", "3000000"),
                ("reason", "省财政厅公布的养老服务公开招标数额标准"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let under = draft(
        &app,
        "NB-APPR-04",
        "consultation",
        &[("budget", "2,999,999.99")],
    )
    .await;
    assert_eq!(publish(&app, under, None).await.0, Status::SeeOther);
    let at = draft(
        &app,
        "NB-APPR-05",
        "consultation",
        &[("budget", "3,000,000.00")],
    )
    .await;
    assert_eq!(publish(&app, at, None).await.0, Status::UnprocessableEntity);
    // Another category keeps the general 2,000,000.
    let other = draft(
        &app,
        "NB-APPR-06",
        "consultation",
        &[("budget", "2,000,000.00"), ("category", "social-work")],
    )
    .await;
    assert_eq!(
        publish(&app, other, None).await.0,
        Status::UnprocessableEntity
    );
}
