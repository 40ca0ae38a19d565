//! After registration (DOMAIN §2): annual reports and the abnormal-activity list under a moved
//! clock, the first-year exemption, reminders, penalties and the serious-violation list, change
//! registration, deregistration and revocation.

use crate::helpers::*;
use crate::registry::{ok_post, REGISTRAR_HAISHU};
use huoban::registry::supervision::{run_daily, DailyReport};
use rocket::http::Status;
use time::macros::datetime;

async fn daily(app: &TestApp) -> DailyReport {
    let jobs = app.jobs();
    run_daily(&jobs.registry()).await.expect("daily job")
}

async fn open_listings(app: &TestApp, org: i64, list: &str) -> Vec<(String, Option<i64>)> {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_as::<_, (String, Option<i64>)>(
        "SELECT reason, ref_year FROM credit_listings WHERE org_id = $1 AND list = $2 AND removed_on IS NULL ORDER BY id",
    )
    .bind(org)
    .bind(list)
    .fetch_all(&mut *c)
    .await
    .unwrap()
}

async fn exec(app: &TestApp, sql: &'static str) {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query(sql).execute(&mut *c).await.unwrap();
}

#[rocket::async_test]
async fn a_missing_report_lists_the_organization_until_it_is_filed_and_six_months_pass() {
    let app = TestApp::spawn().await;
    // Organization 1 (阳光, registered 2019) has not filed for 2025, due 31 May 2026.
    exec(
        &app,
        "DELETE FROM annual_reports WHERE org_id = 1 AND year = 2025",
    )
    .await;
    let first = daily(&app).await;
    assert!(first.listed_abnormal >= 1, "{first:?}");
    assert_eq!(
        open_listings(&app, 1, "abnormal").await,
        vec![("annual_report_missing".to_string(), Some(2025))]
    );
    let again = daily(&app).await;
    assert_eq!(
        again,
        DailyReport::default(),
        "a second run the same day changes nothing"
    );
    let (_, profile) = app.get("/organizations/1").await;
    assert!(
        profile.contains("未按时报送年度工作报告"),
        "the public sees the listing"
    );

    // Six months and a day later the report is still missing: the listing stays.
    app.clock.set(datetime!(2027-05-29 02:00 UTC));
    daily(&app).await;
    assert_eq!(open_listings(&app, 1, "abnormal").await.len(), 1);
    // The 2026 report is due on 31 May 2027: a reminder went to the organization's admin, once.
    let (subject, body) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(subject.contains("年度工作报告"), "{subject}");
    assert!(
        body.contains("2027-05-31") && body.contains("/orgs/1/registry"),
        "{body}"
    );
    let reminders = app
        .scalar("SELECT COUNT(*) FROM reminders WHERE org_id = 1 AND year = 2026")
        .await;
    assert_eq!(reminders, 1);

    // The organization files the overdue report; the next run ends the listing (6 months
    // have passed since it was listed and nothing remains to rectify).
    app.login_as(NGO_ADMIN).await;
    let r = app
        .post(
            "/orgs/1/annual-reports",
            &[("year", "2025"), ("summary", "")],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "a summary is required"
    );
    ok_post(
        &app,
        "/orgs/1/annual-reports",
        &[("year", "2025"), ("summary", "全年开展社区服务 120 次")],
    )
    .await;
    let r = app
        .post(
            "/orgs/1/annual-reports",
            &[("year", "2025"), ("summary", "again")],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict, "one report per year");
    // The report waits on the Haishu registrar's dashboard until it has its outcome.
    app.logout().await;
    app.login_as(crate::registry::REGISTRAR_HAISHU).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("年度工作报告待审查") && dash.contains("href=\"/registry/orgs/1\""),
        "{dash}"
    );
    let id = app
        .scalar("SELECT id FROM annual_reports WHERE org_id = 1 AND year = 2025")
        .await;
    ok_post(
        &app,
        &format!("/registry/orgs/1/reports/{id}/outcome"),
        &[("outcome", "qualified")],
    )
    .await;
    let (_, dash) = app.get("/dashboard").await;
    assert!(
        !dash.contains("年度工作报告待审查"),
        "reviewed: off the list"
    );
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let report = daily(&app).await;
    assert!(report.removed_abnormal >= 1, "{report:?}");
    assert!(open_listings(&app, 1, "abnormal").await.is_empty());
    assert_eq!(daily(&app).await.removed_abnormal, 0);
    let (_, profile) = app.get("/organizations/1").await;
    assert!(profile.contains("移出活动异常名录"), "{profile}");
}

#[rocket::async_test]
async fn filing_early_does_not_end_a_listing_before_six_months() {
    let app = TestApp::spawn().await;
    exec(
        &app,
        "DELETE FROM annual_reports WHERE org_id = 1 AND year = 2025",
    )
    .await;
    daily(&app).await;
    app.login_as(NGO_ADMIN).await;
    ok_post(
        &app,
        "/orgs/1/annual-reports",
        &[("year", "2025"), ("summary", "补报")],
    )
    .await;
    app.clock.set(datetime!(2027-05-27 02:00 UTC));
    daily(&app).await;
    assert_eq!(
        open_listings(&app, 1, "abnormal").await.len(),
        1,
        "5 months 29 days"
    );
    app.logout().await;
    // On request, once the rectification is verified, the registrar removes it at once.
    app.login_as(REGISTRAR_HAISHU).await;
    let id = app
        .scalar("SELECT id FROM credit_listings WHERE org_id = 1 AND removed_on IS NULL")
        .await;
    // The late report waits on the registrar's dashboard, linked to the record.
    let removal = "年度报告已补报：核实后移出活动异常名录";
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains(removal) && dash.contains("href=\"/registry/orgs/1#listings\""),
        "{dash}"
    );
    ok_post(&app, &format!("/registry/orgs/1/listings/{id}/remove"), &[]).await;
    assert!(open_listings(&app, 1, "abnormal").await.is_empty());
    assert!(!html_unescape(&app.get("/dashboard").await.1).contains(removal));
}

#[rocket::async_test]
async fn an_organization_registered_after_june_skips_that_year() {
    let app = TestApp::spawn().await;
    let mut c = app.db.acquire().await.unwrap();
    let mut ids = Vec::new();
    for (name, on) in [
        ("宁波市江北区六月测试服务中心", "2026-06-30"),
        ("宁波市江北区七月测试服务中心", "2026-07-01"),
    ] {
        let id = huoban::db::orgs::insert(
            &mut c,
            huoban::db::orgs::NewOrg {
                name,
                org_type: "social_service_institution",
                category: "community_service",
                district_code: "330205",
                status: "registered",
                uscc: None,
                uscc_checksum_ok: true,
                authority_id: None,
                registered_on: Some(on),
                legal_representative: None,
                domicile: None,
                charity: false,
                now: 0,
            },
        )
        .await
        .unwrap();
        ids.push(id.0);
    }
    drop(c);
    // The 2026 reports were due on 31 May 2027.
    app.clock.set(datetime!(2027-06-01 02:00 UTC));
    daily(&app).await;
    assert_eq!(
        open_listings(&app, ids[0], "abnormal").await,
        vec![("annual_report_missing".to_string(), Some(2026))],
        "registered on 30 June: the year counts"
    );
    assert!(
        open_listings(&app, ids[1], "abnormal").await.is_empty(),
        "registered on 1 July: exempt"
    );
}

#[rocket::async_test]
async fn a_large_fine_puts_it_on_the_serious_list_for_two_years() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR_HAISHU).await;
    let r = app
        .post(
            "/registry/orgs/1/penalties",
            &[
                ("kind", "fine"),
                ("decided_on", "2026-11-20"),
                ("reason", "违规收费"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "a fine needs an amount"
    );
    ok_post(
        &app,
        "/registry/orgs/1/penalties",
        &[
            ("kind", "fine"),
            ("decided_on", "2026-11-20"),
            ("amount", "50,000"),
            ("reason", "违规收费"),
        ],
    )
    .await;
    app.logout().await;
    // The city registrar does not handle Haishu's organization.
    app.login_as(REGISTRAR).await;
    let r = app
        .post(
            "/registry/orgs/1/penalties",
            &[
                ("kind", "warning"),
                ("decided_on", "2026-11-20"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    app.logout().await;
    let report = daily(&app).await;
    assert_eq!(report.listed_serious, 1, "{report:?}");
    assert_eq!(
        open_listings(&app, 1, "serious").await,
        vec![("large_fine".to_string(), None)]
    );
    let (_, profile) = app.get("/organizations/1").await;
    assert!(
        profile.contains("50000.00") || profile.contains("50,000.00"),
        "{profile}"
    );
    assert!(profile.contains("严重违法失信名单"));
    app.clock.set(datetime!(2028-11-19 02:00 UTC));
    daily(&app).await;
    assert_eq!(
        open_listings(&app, 1, "serious").await.len(),
        1,
        "a day short of 2 years"
    );
    app.clock.set(datetime!(2028-11-20 02:00 UTC));
    assert_eq!(daily(&app).await.removed_serious, 1);
    assert!(open_listings(&app, 1, "serious").await.is_empty());
}

#[rocket::async_test]
async fn change_registration_renames_the_organization_in_the_directory() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let r = app.post("/orgs/1/changes", &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "nothing to change");
    let r = app
        .post("/orgs/1/changes", &[("name", "宁波市志愿者协会")])
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "another organization's name"
    );
    ok_post(
        &app,
        "/orgs/1/changes",
        &[
            ("name", "宁波市海曙区晴川社会工作服务中心"),
            ("domicile", "宁波市海曙区药行街 1 号"),
            ("changed_on", "2026-11-20"),
        ],
    )
    .await;
    let id = app.scalar("SELECT MAX(id) FROM applications").await;
    app.logout().await;
    app.login_as(REGISTRAR_HAISHU).await;
    ok_post(&app, &format!("/registry/applications/{id}/accept"), &[]).await;
    ok_post(&app, &format!("/registry/applications/{id}/approve"), &[]).await;
    app.logout().await;
    let q = |s: &str| format!("/directory?q={}", huoban::web::forms::urlencode(s));
    let (_, found) = app.get(&q("晴川")).await;
    assert!(
        found.contains("宁波市海曙区晴川社会工作服务中心"),
        "{found}"
    );
    let (_, gone) = app.get(&q("阳光")).await;
    assert!(!gone.contains("/organizations/1\""), "{gone}");
    let (_, profile) = app.get("/organizations/1").await;
    assert!(
        profile.contains("药行街") && profile.contains("变更登记"),
        "{profile}"
    );
}

#[rocket::async_test]
async fn revocation_and_deregistration_end_the_registration() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR_HAISHU).await;
    let r = app
        .post("/registry/orgs/1/revoke", &[("reason", "x")])
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "a statutory ground is required"
    );
    ok_post(
        &app,
        "/registry/orgs/1/revoke",
        &[("ground", "fraud"), ("reason", "提交虚假验资报告")],
    )
    .await;
    let r = app
        .post(
            "/registry/orgs/1/revoke",
            &[("ground", "fraud"), ("reason", "again")],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict);
    app.logout().await;
    let (_, profile) = app.get("/organizations/1").await;
    assert!(
        profile.contains("已撤销") && profile.contains("撤销登记"),
        "{profile}"
    );
    let (_, listed) = app
        .get(&format!(
            "/directory?q={}&status=revoked",
            huoban::web::forms::urlencode("阳光")
        ))
        .await;
    assert!(listed.contains("/organizations/1"), "{listed}");
    assert_eq!(daily(&app).await.listed_serious, 1);
    assert_eq!(
        open_listings(&app, 1, "serious").await,
        vec![("revoked".to_string(), None)]
    );
    // Deregistration of another organization (志愿者协会, city bureau), by its admin.
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query("UPDATE memberships SET kind = 'admin' WHERE org_id = 3 AND user_id = (SELECT id FROM users WHERE email = $1)")
        .bind(NGO_MEMBER.0)
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    app.login_as(NGO_MEMBER).await;
    ok_post(
        &app,
        "/orgs/3/deregistration",
        &[
            ("reason", "清算完毕，剩余财产已转赠同类组织"),
            ("liquidation_ended_on", "2026-11-20"),
        ],
    )
    .await;
    let id = app.scalar("SELECT MAX(id) FROM applications").await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    ok_post(&app, &format!("/registry/applications/{id}/accept"), &[]).await;
    ok_post(&app, &format!("/registry/applications/{id}/approve"), &[]).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organizations WHERE id = 3 AND status = 'deregistered'")
            .await,
        1
    );
    assert!(app.verify_audit().await.ok());
}

#[rocket::async_test]
async fn community_filings_are_listed_apart_without_a_code() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR_HAISHU).await;
    let r = app
        .post("/registry/filings", &[("name", "月湖读书会")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    ok_post(
        &app,
        "/registry/filings",
        &[
            ("name", "月湖读书会"),
            ("district_code", "330203"),
            ("street_office", "月湖街道"),
            ("activity", "社区读书分享"),
            ("contact_name", "张读书"),
        ],
    )
    .await;
    app.logout().await;
    let (status, list) = app
        .get(&format!(
            "/directory/filings?q={}",
            huoban::web::forms::urlencode("读书")
        ))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(
        list.contains("月湖读书会") && list.contains("月湖街道"),
        "{list}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organizations WHERE name = '月湖读书会'")
            .await,
        0,
        "a filing is not a registered organization"
    );
    let (_, dir) = app
        .get(&format!(
            "/directory?q={}",
            huoban::web::forms::urlencode("读书")
        ))
        .await;
    assert!(!dir.contains("月湖读书会"), "registered organizations only");
}

#[rocket::async_test]
async fn a_revoked_organization_cannot_change_or_deregister() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    ok_post(
        &app,
        "/orgs/1/changes",
        &[
            ("domicile", "宁波市海曙区新址 2 号"),
            ("changed_on", "2026-11-20"),
        ],
    )
    .await;
    app.logout().await;
    app.login_as(REGISTRAR_HAISHU).await;
    ok_post(
        &app,
        "/registry/orgs/1/revoke",
        &[("ground", "fraud"), ("reason", "虚假材料")],
    )
    .await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM applications WHERE org_id = 1 AND status = 'withdrawn'")
            .await,
        1,
        "the pending change ended with the registration"
    );
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let r = app
        .post(
            "/orgs/1/deregistration",
            &[("reason", "清算"), ("liquidation_ended_on", "2026-11-20")],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict);
}

#[rocket::async_test]
async fn years_before_the_cut_over_are_not_enforced() {
    let app = TestApp::spawn().await;
    // 阳光 filed nothing before 2023 in this system; the job looks back three years at most
    // and not before registry.credit_first_year (2025 by default).
    exec(
        &app,
        "DELETE FROM annual_reports WHERE org_id = 1 AND year = 2024",
    )
    .await;
    daily(&app).await;
    assert!(open_listings(&app, 1, "abnormal").await.is_empty());
    app.login_as(ADMIN).await;
    ok_post(
        &app,
        "/admin/settings",
        &[
            ("key", "registry.credit_first_year"),
            ("value", "2024"),
            ("reason", "cut-over 2024"),
        ],
    )
    .await;
    app.logout().await;
    app.clock.set(datetime!(2026-11-29 02:00 UTC));
    daily(&app).await;
    assert_eq!(
        open_listings(&app, 1, "abnormal").await,
        vec![("annual_report_missing".to_string(), Some(2024))]
    );
}

/// Issue 25, item 2: verifying or removing a listing whose missing report is still missing is
/// refused at the listing on the registrar's page with what to wait for (409), not on an error
/// page.
#[rocket::async_test]
async fn a_listing_for_a_report_still_missing_is_refused_at_the_listing() {
    let app = TestApp::spawn().await;
    exec(
        &app,
        "DELETE FROM annual_reports WHERE org_id = 1 AND year = 2025",
    )
    .await;
    daily(&app).await;
    app.login_as(REGISTRAR_HAISHU).await;
    let id = app
        .scalar("SELECT id FROM credit_listings WHERE org_id = 1 AND removed_on IS NULL")
        .await;
    for action in ["verify", "remove"] {
        let r = app
            .post(&format!("/registry/orgs/1/listings/{id}/{action}"), &[])
            .await;
        assert_eq!(r.status(), Status::Conflict, "{action}");
        let body = r.into_string().await.unwrap_or_default();
        assert!(
            body.contains("该年度报告至今仍未报送") && body.contains("请待该组织报送后再办理"),
            "{body}"
        );
        assert!(body.contains(&format!(r#"id="listing-{id}-error""#)));
        assert!(body.contains(&format!(r##"href="#listing-{id}""##)));
        assert!(!body.contains("无法办理"));
        assert_eq!(crate::accessibility::problems(&body), Vec::<String>::new());
    }
    assert_eq!(
        open_listings(&app, 1, "abnormal").await.len(),
        1,
        "still listed"
    );
}
