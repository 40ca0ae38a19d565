//! Organization membership: invitations, dated memberships, handing over the admin role.

use crate::helpers::*;
use rocket::http::Status;

#[rocket::async_test]
async fn an_org_admin_invites_a_user_who_accepts_and_becomes_a_dated_member() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let r = app
        .post("/orgs/1/invitations", &[("email", EXPERT.0)])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (subject, body) = app.last_mail_to(EXPERT.0).await.unwrap();
    assert!(subject.contains("邀请"));
    let link = link_in(&body, "/invitations/").unwrap();
    app.logout().await;
    // Someone else cannot use it.
    app.login_as(PURCHASER).await;
    let r = app.post(&format!("{link}/accept"), &[]).await;
    assert_eq!(r.status(), Status::BadRequest);
    app.logout().await;
    app.login_as(EXPERT).await;
    let (status, page) = app.get(&link).await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("宁波市海曙区阳光社会工作服务中心"));
    let r = app.post(&format!("{link}/accept"), &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    let joined = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'expert@demo.huoban.cn' AND m.joined_on = '2026-11-28' AND m.left_on IS NULL")
        .await;
    assert_eq!(joined, 1, "joined today (Beijing time)");
    // A second click does not add a second membership.
    let r = app.post(&format!("{link}/accept"), &[]).await;
    assert_eq!(r.status(), Status::BadRequest);
}

#[rocket::async_test]
async fn handing_over_the_admin_role_ends_rows_and_opens_new_ones() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let member_row: i64 = app
        .scalar("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'ngo.member@demo.huoban.cn' AND m.org_id = 1")
        .await;
    let r = app
        .post(
            "/orgs/1/admin-handover",
            &[("member", &member_row.to_string())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE org_id = 1")
            .await,
        4,
        "two ended, two opened"
    );
    assert_eq!(app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE org_id = 1 AND left_on IS NULL AND kind = 'admin'").await, 1);
    // The former admin can no longer invite; the new one can.
    let r = app
        .post("/orgs/1/invitations", &[("email", "x@example.cn")])
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    app.logout().await;
    app.login_as(NGO_MEMBER).await;
    let r = app
        .post("/orgs/1/invitations", &[("email", "x@example.cn")])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
}

#[rocket::async_test]
async fn the_admin_cannot_leave_without_handing_over() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let own: i64 = app
        .scalar("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'ngo@demo.huoban.cn'")
        .await;
    let r = app.post(&format!("/orgs/1/members/{own}/end"), &[]).await;
    assert_eq!(r.status(), Status::Conflict);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE left_on IS NOT NULL")
            .await,
        0
    );
}

#[rocket::async_test]
async fn an_invitation_with_a_bad_address_is_re_rendered_with_the_message() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let r = app
        .post("/orgs/1/invitations", &[("email", "not an email")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("请填写有效的电子邮箱"));
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM invitations")
            .await,
        0
    );
}

#[rocket::async_test]
async fn an_org_admin_cannot_reach_another_organizations_memberships_through_their_own() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    // Membership 3 is the plain member's in organization 3 (志愿者协会).
    let other: i64 = app
        .scalar("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'ngo.member@demo.huoban.cn' AND m.org_id = 3")
        .await;
    let r = app.post(&format!("/orgs/1/members/{other}/end"), &[]).await;
    assert_eq!(r.status(), Status::NotFound);
    let r = app
        .post("/orgs/1/admin-handover", &[("member", &other.to_string())])
        .await;
    assert_eq!(r.status(), Status::BadRequest);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE left_on IS NOT NULL")
            .await,
        0
    );
}

#[rocket::async_test]
async fn accepting_an_invitation_when_already_a_member_is_still_recorded_once() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    app.post("/orgs/1/invitations", &[("email", NGO_MEMBER.0)])
        .await;
    let (_, body) = app.last_mail_to(NGO_MEMBER.0).await.unwrap();
    let link = link_in(&body, "/invitations/").unwrap();
    app.logout().await;
    app.login_as(NGO_MEMBER).await;
    let before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
        .await;
    let r = app.post(&format!("{link}/accept"), &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
            .await,
        before + 1
    );
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE org_id = 1")
            .await,
        2,
        "no second membership"
    );
}
