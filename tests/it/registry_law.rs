//! The registry and the credit lists checked against the law (issue 22, items 16-19): names
//! (民政部令69), listing triggers and their notices, objections and removal requests
//! (民政部令60), the filing clocks of change registration and deregistration, and a social
//! group's one-stage registration (社团条例 as amended by 国务院令666).

use crate::helpers::*;
use crate::registry::{complete_application, field, ok_post, status_of};
use rocket::http::Status;

/// Item 18: 中国/全国/中华 are refused only as the prefix (社团条例 art. 10(3), 民政部令69 art. 8);
/// inside a name they are flagged, and a flagged name is approved only with a recorded reason.
#[rocket::async_test]
async fn national_words_are_refused_only_as_a_prefix_and_a_flagged_name_needs_a_reason() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let prefixed = complete_application(&app, "中华宁波市江北区晨光服务中心", "50000", false).await;
    let r = app
        .post(&format!("/applications/{prefixed}/submit"), &[])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = html_unescape(&r.into_string().await.unwrap());
    assert!(page.contains("不得冠以"), "{page}");
    assert_eq!(status_of(&app, prefixed).await, "draft");

    // The same words inside the name: submitted, flagged to the registrar.
    let inside = complete_application(&app, "宁波市江北区中华文化服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{inside}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    let (_, review) = app.get(&format!("/registry/applications/{inside}")).await;
    assert!(
        review.contains("名称中间含有") && review.contains("中华"),
        "{review}"
    );
    ok_post(
        &app,
        &format!("/registry/applications/{inside}/accept"),
        &[],
    )
    .await;
    let r = app
        .post(
            &format!("/registry/applications/{inside}/approve"),
            &[("name_reason", "  ")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = r.into_string().await.unwrap();
    assert!(page.contains("请填写核准该名称的理由"), "{page}");
    assert_eq!(status_of(&app, inside).await, "accepted", "nothing written");
    ok_post(
        &app,
        &format!("/registry/applications/{inside}/approve"),
        &[("name_reason", "“中华文化”是业务领域，不是冠以")],
    )
    .await;
    assert_eq!(status_of(&app, inside).await, "approved");
    assert_eq!(
        field(&app, inside, "name_accepted_reason").await.as_deref(),
        Some("“中华文化”是业务领域，不是冠以")
    );
    let (_, review) = app.get(&format!("/registry/applications/{inside}")).await;
    assert!(review.contains("名称核准理由"), "{review}");
}

/// Item 18: a foundation's and a service institution's name is region + 字号 + field + form
/// (民政部令69 art. 8(2)); an unflagged name is approved without a reason.
#[rocket::async_test]
async fn an_institution_name_without_its_region_is_refused_and_a_clean_name_needs_no_reason() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let bare = complete_application(&app, "晨光社会工作服务中心", "50000", false).await;
    let r = app.post(&format!("/applications/{bare}/submit"), &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = html_unescape(&r.into_string().await.unwrap());
    assert!(page.contains("社会服务机构名称应依次为"), "{page}");
    let clean =
        complete_application(&app, "宁波市江北区晨光社会工作服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{clean}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    ok_post(&app, &format!("/registry/applications/{clean}/accept"), &[]).await;
    ok_post(
        &app,
        &format!("/registry/applications/{clean}/approve"),
        &[],
    )
    .await;
    assert_eq!(status_of(&app, clean).await, "approved");
    assert_eq!(field(&app, clean, "name_accepted_reason").await, None);
}

async fn open_listings(app: &TestApp, org: i64, list: &str) -> Vec<String> {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar::<_, String>(
        "SELECT reason FROM credit_listings WHERE org_id = $1 AND list = $2 AND removed_on IS NULL ORDER BY id",
    )
    .bind(org)
    .bind(list)
    .fetch_all(&mut *c)
    .await
    .unwrap()
}

async fn daily(app: &TestApp) -> huoban::registry::supervision::DailyReport {
    huoban::registry::supervision::run_daily(&app.jobs().registry())
        .await
        .expect("daily job")
}

const HAISHU: (&str, &str) = crate::registry::REGISTRAR_HAISHU;

async fn penalty(app: &TestApp, kind: &str, amount: &str) {
    ok_post(
        app,
        "/registry/orgs/1/penalties",
        &[
            ("kind", kind),
            ("decided_on", "2026-11-20"),
            ("amount", amount),
            ("reason", "违规开展活动"),
        ],
    )
    .await;
}

/// Item 16: a warning or a fine under 50,000 yuan lists on the abnormal list at once, with a
/// notice (民政部令60 art. 10(5)); 50,000.00 does not (it is serious, art. 14(4)); moving to
/// the serious list closes the abnormal listings.
#[rocket::async_test]
async fn a_warning_or_a_fine_under_fifty_thousand_lists_on_the_abnormal_list_with_a_notice() {
    let app = TestApp::spawn().await;
    app.login_as(HAISHU).await;
    penalty(&app, "fine", "50,000.00").await;
    assert!(
        open_listings(&app, 1, "abnormal").await.is_empty(),
        "a fine of 50,000.00 is not an abnormal-list event"
    );
    penalty(&app, "fine", "49,999.99").await;
    assert_eq!(open_listings(&app, 1, "abnormal").await, vec!["small_fine"]);
    let (subject, body) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(subject.contains("列入信用名单"), "{subject}");
    assert!(
        body.contains("活动异常名录")
            && body.contains("不满 5 万元罚款")
            && body.contains("5 个工作日")
            && body.contains("异议")
            && body.contains("/orgs/1/registry#listings"),
        "{body}"
    );
    // The large fine puts it on the serious list: the abnormal listing closes.
    app.logout().await;
    let report = daily(&app).await;
    assert_eq!(report.listed_serious, 1, "{report:?}");
    assert!(open_listings(&app, 1, "abnormal").await.is_empty());
    let removal = app
        .text("SELECT removal FROM credit_listings WHERE org_id = 1 AND reason = 'small_fine'")
        .await;
    assert_eq!(removal, "moved_serious");
    let (_, body) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(
        body.contains("严重违法失信名单") && body.contains("满 2 年"),
        "{body}"
    );
    // On the serious list, a warning lists on no abnormal list.
    app.login_as(HAISHU).await;
    penalty(&app, "warning", "").await;
    assert!(open_listings(&app, 1, "abnormal").await.is_empty());
    let (_, profile) = app.get("/organizations/1").await;
    assert!(profile.contains("转入严重违法失信名单"), "{profile}");
}

/// Item 16: the organization objects or asks for removal (recorded, in the registrar's queue);
/// a verified rectification is removed within 5 working days of the verification (民政部令60
/// art. 13), a clock on the registrar's dashboard.
#[rocket::async_test]
async fn objections_and_removal_requests_are_recorded_and_a_verified_rectification_has_five_working_days(
) {
    let app = TestApp::spawn().await;
    app.login_as(HAISHU).await;
    penalty(&app, "warning", "").await;
    let listing = app
        .scalar("SELECT id FROM credit_listings WHERE org_id = 1 AND reason = 'penalty_warning'")
        .await;
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let path = format!("/orgs/1/listings/{listing}/requests");
    let r = app
        .post(&path, &[("kind", "removal"), ("statement", "")])
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "a statement is needed"
    );
    ok_post(
        &app,
        &path,
        &[("kind", "objection"), ("statement", "警告决定认定事实有误")],
    )
    .await;
    ok_post(
        &app,
        &path,
        &[("kind", "removal"), ("statement", "已按要求整改完毕")],
    )
    .await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM listing_requests WHERE org_id = 1 AND answered_on IS NULL"
        )
        .await,
        2
    );
    app.logout().await;
    app.login_as(HAISHU).await;
    let dash = app.get("/dashboard").await.1;
    assert!(
        dash.contains("信用名单异议待答复") && dash.contains("申请移出信用名单，待核实"),
        "{dash}"
    );
    let (_, record) = app.get("/registry/orgs/1").await;
    assert!(record.contains("警告决定认定事实有误"), "{record}");
    // Verified on Saturday 28 November 2026: five working days end on Friday 4 December.
    ok_post(
        &app,
        &format!("/registry/orgs/1/listings/{listing}/verify"),
        &[],
    )
    .await;
    assert_eq!(
        app.text(&format!(
            "SELECT remove_by FROM credit_listings WHERE id = {listing}"
        ))
        .await,
        "2026-12-04"
    );
    let r = app
        .post(&format!("/registry/orgs/1/listings/{listing}/verify"), &[])
        .await;
    assert_eq!(r.status(), Status::Conflict, "verified once");
    let dash = app.get("/dashboard").await.1;
    assert!(dash.contains("已核实整改，应移出活动异常名录"), "{dash}");
    assert!(
        !dash.contains("申请移出信用名单，待核实"),
        "answered by the verification"
    );
    let objection = app
        .scalar("SELECT id FROM listing_requests WHERE kind = 'objection'")
        .await;
    ok_post(
        &app,
        &format!("/registry/orgs/1/requests/{objection}/answer"),
        &[("answer", "经核实，警告决定认定事实无误")],
    )
    .await;
    ok_post(
        &app,
        &format!("/registry/orgs/1/listings/{listing}/remove"),
        &[],
    )
    .await;
    assert!(open_listings(&app, 1, "abnormal").await.is_empty());
    let dash = app.get("/dashboard").await.1;
    assert!(
        !dash.contains("应移出活动异常名录") && !dash.contains("信用名单异议待答复"),
        "{dash}"
    );
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let (_, own) = app.get("/orgs/1/registry").await;
    assert!(own.contains("经核实，警告决定认定事实无误"), "{own}");
}

/// Item 16: a change registration obtained by fraud is revoked; the organization goes on the
/// serious list at once (民政部令60 art. 14(2)) and its abnormal listing closes.
#[rocket::async_test]
async fn a_change_registration_revoked_for_fraud_lists_on_the_serious_list() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    ok_post(
        &app,
        "/orgs/1/changes",
        &[
            ("domicile", "宁波市海曙区药行街 1 号"),
            ("changed_on", "2026-11-20"),
        ],
    )
    .await;
    let id = app.scalar("SELECT MAX(id) FROM applications").await;
    app.logout().await;
    app.login_as(HAISHU).await;
    ok_post(&app, &format!("/registry/applications/{id}/accept"), &[]).await;
    ok_post(&app, &format!("/registry/applications/{id}/approve"), &[]).await;
    ok_post(
        &app,
        "/registry/orgs/1/listings",
        &[("reason", "unreachable")],
    )
    .await;
    assert_eq!(
        open_listings(&app, 1, "abnormal").await,
        vec!["unreachable"]
    );
    let path = format!("/registry/orgs/1/changes/{id}/revoke");
    let r = app.post(&path, &[("reason", "")]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    ok_post(&app, &path, &[("reason", "提交伪造的场所使用证明")]).await;
    assert_eq!(
        open_listings(&app, 1, "serious").await,
        vec!["change_revoked"]
    );
    assert!(open_listings(&app, 1, "abnormal").await.is_empty());
    let r = app.post(&path, &[("reason", "again")]).await;
    assert_eq!(r.status(), Status::Conflict, "once");
    app.logout().await;
    assert_eq!(daily(&app).await.listed_serious, 0, "listed already");
    let (_, profile) = app.get("/organizations/1").await;
    assert!(profile.contains("弄虚作假办理变更登记"), "{profile}");
    assert!(app.verify_audit().await.ok());
}

/// Item 17: a change registration states the day of the change and is due within 30 days of
/// it (社团条例 art. 18), a deregistration within 15 days of the end of liquidation (art. 21):
/// counted from the next day, a last day off work rolling to the next working day; a late
/// filing is flagged to the registrar, not refused.
#[rocket::async_test]
async fn change_and_deregistration_filings_state_their_day_and_late_ones_are_flagged() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let r = app
        .post(
            "/orgs/1/changes",
            &[("domicile", "宁波市海曙区药行街 1 号")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "the day is asked");
    let r = app
        .post(
            "/orgs/1/changes",
            &[
                ("domicile", "宁波市海曙区药行街 1 号"),
                ("changed_on", "2026-11-29"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "not a day to come");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM applications WHERE kind = 'change'")
            .await,
        0
    );
    // Changed on 29 October: the 30th day is Saturday 28 November, which rolls to Monday 30
    // November; filed on the 28th, on time.
    ok_post(
        &app,
        "/orgs/1/changes",
        &[
            ("domicile", "宁波市海曙区药行街 1 号"),
            ("changed_on", "2026-10-29"),
        ],
    )
    .await;
    let on_time = app.scalar("SELECT MAX(id) FROM applications").await;
    assert_eq!(
        field(&app, on_time, "event_on").await.as_deref(),
        Some("2026-10-29")
    );
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT filed_late FROM applications WHERE id = {on_time}"
        ))
        .await,
        0
    );
    app.logout().await;
    app.login_as(HAISHU).await;
    ok_post(
        &app,
        &format!("/registry/applications/{on_time}/accept"),
        &[],
    )
    .await;
    ok_post(
        &app,
        &format!("/registry/applications/{on_time}/approve"),
        &[],
    )
    .await;
    app.logout().await;
    // Changed on 28 October: the 30th day, Friday 27 November, has passed: late.
    app.login_as(NGO_ADMIN).await;
    ok_post(
        &app,
        "/orgs/1/changes",
        &[
            ("business_scope", "社区养老服务"),
            ("changed_on", "2026-10-28"),
        ],
    )
    .await;
    let late = app.scalar("SELECT MAX(id) FROM applications").await;
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT filed_late FROM applications WHERE id = {late}"
        ))
        .await,
        1
    );
    // Liquidation ended on 13 November: the 15th day rolls from Saturday to Monday: on time.
    let r = app
        .post("/orgs/1/deregistration", &[("reason", "清算完毕")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "the day is asked");
    ok_post(
        &app,
        "/orgs/1/deregistration",
        &[
            ("reason", "清算完毕"),
            ("liquidation_ended_on", "2026-11-13"),
        ],
    )
    .await;
    let dereg = app.scalar("SELECT MAX(id) FROM applications").await;
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT filed_late FROM applications WHERE id = {dereg}"
        ))
        .await,
        0
    );
    app.logout().await;
    app.login_as(HAISHU).await;
    let (_, review) = app.get(&format!("/registry/applications/{late}")).await;
    assert!(review.contains("逾期申请（超过 30 日）"), "{review}");
    let (_, review) = app.get(&format!("/registry/applications/{dereg}")).await;
    assert!(
        review.contains("清算结束日期") && !review.contains("逾期申请"),
        "{review}"
    );
}

async fn exec(app: &TestApp, sql: &str) {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *c)
        .await
        .unwrap();
}

/// Item 17: an organization with a supervising unit states the unit's preliminary review,
/// due by 31 March (社团条例 art. 31; a late one is flagged); only 4A and above may ask for the
/// simplified inspection (39号令; a setting); a charity's annual work report is received, not
/// given a 年检 conclusion (慈善法 art. 13).
#[rocket::async_test]
async fn the_preliminary_review_the_simplified_inspection_and_the_charity_report() {
    let app = TestApp::spawn().await;
    exec(
        &app,
        "DELETE FROM annual_reports WHERE org_id = 1 AND year = 2025",
    )
    .await;
    exec(&app, "DELETE FROM org_grades WHERE org_id = 1").await;
    exec(
        &app,
        "UPDATE organizations SET supervising_unit = '宁波市海曙区卫生健康局' WHERE id = 1",
    )
    .await;
    app.login_as(NGO_ADMIN).await;
    let (_, own) = app.get("/orgs/1/registry").await;
    assert!(
        own.contains("业务主管单位初审日期") && !own.contains("申请简化年检"),
        "{own}"
    );
    let report = |reviewed: &'static str, simplified: &'static str| {
        vec![
            ("year", "2025"),
            ("summary", "全年开展社区服务 120 次"),
            ("supervisor_reviewed_on", reviewed),
            ("simplified", simplified),
        ]
    };
    let r = app
        .post("/orgs/1/annual-reports", &report("", "false"))
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "the preliminary review is asked"
    );
    let r = app
        .post("/orgs/1/annual-reports", &report("2026-03-31", "true"))
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "no grade: no simplified inspection"
    );
    // A 3A grade is not enough; a 4A grade is.
    let grade = |g: &str| {
        format!(
            "INSERT INTO org_grades (org_id, grade, announced_on, valid_from, valid_to, created_at) \
             VALUES (1, '{g}', '2025-01-01', '2025-01-01', '2029-12-31', 0)"
        )
    };
    exec(&app, &grade("3a")).await;
    let r = app
        .post("/orgs/1/annual-reports", &report("2026-03-31", "true"))
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "3A");
    exec(&app, "DELETE FROM org_grades WHERE org_id = 1").await;
    exec(&app, &grade("4a")).await;
    ok_post(
        &app,
        "/orgs/1/annual-reports",
        &report("2026-04-01", "true"),
    )
    .await;
    assert_eq!(
        app.scalar("SELECT simplified FROM annual_reports WHERE org_id = 1 AND year = 2025")
            .await,
        1
    );
    app.logout().await;
    app.login_as(HAISHU).await;
    let (_, record) = app.get("/registry/orgs/1").await;
    assert!(
        record.contains("简化年检") && record.contains("初审晚于 3 月 31 日"),
        "{record}"
    );
    // Reviewed on 31 March: not late.
    exec(&app, "UPDATE annual_reports SET supervisor_reviewed_on = '2026-03-31' WHERE org_id = 1 AND year = 2025").await;
    let (_, record) = app.get("/registry/orgs/1").await;
    assert!(!record.contains("初审晚于 3 月 31 日"), "{record}");
    // A charity's report is received, not given a 年检 conclusion.
    exec(&app, "UPDATE organizations SET charity = 1 WHERE id = 1").await;
    let id = app
        .scalar("SELECT id FROM annual_reports WHERE org_id = 1 AND year = 2025")
        .await;
    let path = format!("/registry/orgs/1/reports/{id}/outcome");
    let r = app.post(&path, &[("outcome", "qualified")]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    ok_post(&app, &path, &[("outcome", "received")]).await;
    assert_eq!(
        app.text("SELECT outcome FROM annual_reports WHERE org_id = 1 AND year = 2025")
            .await,
        "received"
    );
}

/// Item 19: the regulation in force has no separate 筹备 stage (国务院令666, 2016, replaced
/// 申请筹备 with 申请登记 and deleted arts. 14 and 16 of 社团条例): a social group is registered on
/// one application decided within 60 days of acceptance (art. 12), and until then its
/// applicant is told that preparation is all it may do (art. 9 para. 2).
#[rocket::async_test]
async fn a_social_group_registers_in_one_stage_and_is_told_to_do_nothing_but_prepare() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let id = complete_application(&app, "宁波市江北区邻里互助协会", "30000", false).await;
    ok_post(
        &app,
        &format!("/applications/{id}/basics"),
        &[
            ("name", "宁波市江北区邻里互助协会"),
            ("org_type", "social_group"),
            ("category", "community_service"),
        ],
    )
    .await;
    ok_post(
        &app,
        &format!("/applications/{id}/funds"),
        &[
            ("funds", "30000"),
            ("purpose", "为社区居民提供互助服务"),
            ("business_scope", "邻里互助、居家照护咨询"),
            ("individual_members", "50"),
        ],
    )
    .await;
    let notice = "不得开展筹备以外的活动";
    let (_, draft) = app.get(&format!("/applications/{id}")).await;
    assert!(draft.contains(notice), "{draft}");
    ok_post(&app, &format!("/applications/{id}/submit"), &[]).await;
    let (_, submitted) = app.get(&format!("/applications/{id}")).await;
    assert!(submitted.contains(notice), "{submitted}");
    app.logout().await;
    app.login_as(REGISTRAR).await;
    ok_post(&app, &format!("/registry/applications/{id}/accept"), &[]).await;
    // Art. 12: 60 days from the day all valid documents were received (accepted 28 November).
    assert_eq!(
        field(&app, id, "decision_due").await.as_deref(),
        Some("2027-01-27")
    );
    ok_post(&app, &format!("/registry/applications/{id}/approve"), &[]).await;
    assert_eq!(status_of(&app, id).await, "approved");
    // One decision registers the group: no preparation approval in between.
    let org = app
        .scalar_of(&format!("SELECT org_id FROM applications WHERE id = {id}"))
        .await;
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM organizations WHERE id = {org} AND org_type = 'social_group' \
             AND status = 'registered'"
        ))
        .await,
        1
    );
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let (_, decided) = app.get(&format!("/applications/{id}")).await;
    assert!(!decided.contains(notice), "{decided}");
    // Another type is never told so.
    let other = complete_application(&app, "宁波市江北区晨光服务中心", "50000", false).await;
    let (_, page) = app.get(&format!("/applications/{other}")).await;
    assert!(!page.contains(notice), "{page}");
}
