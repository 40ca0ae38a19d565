//! The registrar's other decisions — the one correction notice, declining with a referral,
//! refusal with grounds — and the findings of the registry review (withdrawn drafts, reused
//! subject identifiers, the 5-day limit, deciding one's own matters, filing jurisdiction).

use crate::helpers::*;
use crate::registry::{
    audit_count, complete_application, field, ok_post, status_of, REGISTRAR_HAISHU,
};
use rocket::http::Status;
use time::macros::datetime;

#[rocket::async_test]
async fn one_correction_notice_then_refusal_with_grounds_or_a_referral() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let a = complete_application(&app, "宁波市江北区补正测试服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{a}/submit"), &[]).await;
    let b = complete_application(&app, "宁波市江北区移送测试服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{b}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    // An empty correction notice is refused with a message, nothing changes.
    let r = app
        .post(&format!("/registry/applications/{a}/correct"), &[])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(status_of(&app, a).await, "submitted");
    ok_post(
        &app,
        &format!("/registry/applications/{a}/correct"),
        &[
            ("items", "capital"),
            ("correction_text", "章程第十条会费标准未填写"),
        ],
    )
    .await;
    assert_eq!(status_of(&app, a).await, "correction");
    let (_, notice) = app
        .get(&format!("/applications/{a}/notices/correction"))
        .await;
    assert!(
        notice.contains("验资报告") && notice.contains("会费标准"),
        "{notice}"
    );
    // A numbered notice of its own kind, with the authority and its contact at the foot.
    assert!(
        notice.contains("民登补字〔") && notice.contains("第1号") && notice.contains("联系电话："),
        "{notice}"
    );
    // Refusal needs a statutory ground and a reason.
    let r = app
        .post(
            &format!("/registry/applications/{b}/decline"),
            &[("decline_text", "x")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let haishu = app
        .scalar("SELECT id FROM authorities WHERE code = 'nb-haishu'")
        .await
        .to_string();
    ok_post(
        &app,
        &format!("/registry/applications/{b}/decline"),
        &[
            ("referral", &haishu),
            ("decline_text", "住所在海曙区，业务范围限于本区"),
        ],
    )
    .await;
    let (_, notice) = app.get(&format!("/applications/{b}/notices/decline")).await;
    assert!(
        notice.contains("宁波市海曙区民政局") && notice.contains("行政复议"),
        "{notice}"
    );
    app.logout().await;
    // The applicant corrects and submits again; no second correction notice is possible.
    app.login_as(NGO_ADMIN).await;
    let (_, tasks) = app.get(&format!("/applications/{a}")).await;
    assert!(tasks.contains("会费标准"));
    ok_post(&app, &format!("/applications/{a}/submit"), &[]).await;
    assert_eq!(status_of(&app, a).await, "submitted");
    app.logout().await;
    app.login_as(REGISTRAR).await;
    let r = app
        .post(
            &format!("/registry/applications/{a}/correct"),
            &[("correction_text", "again")],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict);
    ok_post(&app, &format!("/registry/applications/{a}/accept"), &[]).await;
    let r = app
        .post(
            &format!("/registry/applications/{a}/refuse"),
            &[("refusal_text", "理由")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    ok_post(
        &app,
        &format!("/registry/applications/{a}/refuse"),
        &[
            ("grounds", "same_kind_exists"),
            ("refusal_text", "同一街道已有同类组织"),
        ],
    )
    .await;
    assert_eq!(status_of(&app, a).await, "refused");
    let (_, decision) = app.get(&format!("/applications/{a}/notices/refusal")).await;
    assert!(
        decision.contains("不予登记决定书")
            && decision.contains("六十日内")
            && decision.contains("六个月内")
            && decision.contains("民登不予字〔")
    );
    assert!(decision.contains("同一行政区域内已有业务范围相同"));
    assert_eq!(audit_count(&app, a, "application.correction_sent").await, 1);
    assert_eq!(audit_count(&app, a, "application.refused").await, 1);
}

#[rocket::async_test]
async fn review_findings_hold() {
    let app = TestApp::spawn().await;
    // A legacy organization already carries the subject identifier of the city's first free
    // serial (20000), under another type and a retired division: that serial is skipped.
    let legacy = huoban::domain::uscc::Uscc::issue(
        huoban::domain::uscc::CivilType::SocialGroup,
        "330204",
        20000,
    )
    .unwrap();
    let mut c = app.db.acquire().await.unwrap();
    huoban::db::orgs::insert(
        &mut c,
        huoban::db::orgs::NewOrg {
            name: "宁波市江东区旧代码协会",
            org_type: "social_group",
            category: "charity",
            district_code: "330203",
            status: "registered",
            uscc: Some(legacy.as_str()),
            uscc_checksum_ok: true,
            authority_id: None,
            registered_on: Some("2001-01-01"),
            legal_representative: None,
            domicile: None,
            charity: false,
            now: 0,
        },
    )
    .await
    .unwrap();
    drop(c);
    // A draft withdrawn before submission stays the applicant's alone.
    app.login_as(NGO_ADMIN).await;
    let draft = complete_application(&app, "宁波市江北区撤回测试服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{draft}/withdraw"), &[]).await;
    let id = complete_application(&app, "宁波市江北区代码测试服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{id}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    let (status, _) = app.get(&format!("/registry/applications/{draft}")).await;
    assert_eq!(status, Status::NotFound);
    let att = app
        .scalar("SELECT MIN(id) FROM attachments WHERE application_id = (SELECT MIN(id) FROM applications WHERE status = 'withdrawn')")
        .await;
    let (status, _) = app
        .get(&format!("/applications/{draft}/attachments/{att}"))
        .await;
    assert_eq!(status, Status::NotFound);
    // Past the 5 working days (Friday 4 December): no correction notice; acceptance is
    // dated from receipt.
    app.clock.set(datetime!(2026-12-07 02:00 UTC));
    let r = app
        .post(
            &format!("/registry/applications/{id}/correct"),
            &[("correction_text", "请补交验资报告")],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict);
    // Said at the correction's own field with what is left to do, the text kept (issue 25,
    // item 2).
    let body = r.into_string().await.unwrap_or_default();
    assert!(
        body.contains("依法视为自收到申请材料之日起受理")
            && body.contains("请审查后作出准予登记或不予登记的决定"),
        "{body}"
    );
    assert!(body.contains(r#"id="correction_text-error""#));
    assert!(body.contains("请补交验资报告</textarea>"));
    assert_eq!(crate::accessibility::problems(&body), Vec::<String>::new());
    ok_post(&app, &format!("/registry/applications/{id}/accept"), &[]).await;
    assert_eq!(
        field(&app, id, "accepted_on").await.as_deref(),
        Some("2026-11-28")
    );
    ok_post(&app, &format!("/registry/applications/{id}/approve"), &[]).await;
    let mut c = app.db.acquire().await.unwrap();
    let issued: String = sqlx::query_scalar(
        "SELECT o.uscc FROM organizations o JOIN applications a ON a.org_id = o.id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    drop(c);
    assert_ne!(
        &issued[8..17],
        legacy.subject_identifier(),
        "subject identifier reused"
    );
    assert_eq!(
        &issued[8..16],
        "00020004",
        "20000 skipped, 20001–20003 taken by the demo"
    );
    app.logout().await;
    // A registrar never decides their own application.
    app.login_as(REGISTRAR).await;
    let own = complete_application(&app, "宁波市江北区回避测试服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{own}/submit"), &[]).await;
    let (status, _) = app.get(&format!("/registry/applications/{own}")).await;
    assert_eq!(status, Status::Forbidden);
    // A district bureau files only its own district's community organizations.
    app.logout().await;
    app.login_as(REGISTRAR_HAISHU).await;
    let r = app
        .post(
            "/registry/filings",
            &[
                ("name", "江北读书会"),
                ("district_code", "330205"),
                ("street_office", "庄桥街道"),
                ("activity", "读书"),
                ("contact_name", "王"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
}
