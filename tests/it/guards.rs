//! The guards: a missing login sends a browser to the login page and gives /api a 401 problem;
//! a wrong role gets a 403 page; object-level checks refuse other organizations' members.

use crate::helpers::*;
use rocket::http::{ContentType, Status};

#[rocket::async_test]
async fn a_browser_without_a_session_is_sent_to_the_login_page() {
    let app = TestApp::spawn().await;
    for path in [
        "/dashboard",
        "/account",
        "/admin/users",
        "/admin/settings",
        "/orgs/1/members",
    ] {
        let r = app.client.get(path).dispatch().await;
        assert_eq!(r.status(), Status::SeeOther, "{path}");
        assert_eq!(
            r.headers().get_one("Location"),
            Some(format!("/login?next={path}").as_str())
        );
    }
}

#[rocket::async_test]
async fn the_api_answers_401_with_a_problem_document() {
    let app = TestApp::spawn().await;
    let r = app.client.get("/api/v1/me").dispatch().await;
    assert_eq!(r.status(), Status::Unauthorized);
    assert_eq!(
        r.content_type(),
        Some(ContentType::new("application", "problem+json"))
    );
    let v: serde_json::Value = serde_json::from_str(&r.into_string().await.unwrap()).unwrap();
    assert_eq!(v["status"], 401);
    app.login_as(NGO_ADMIN).await;
    let r = app.client.get("/api/v1/me").dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    let v: serde_json::Value = serde_json::from_str(&r.into_string().await.unwrap()).unwrap();
    assert_eq!(v["email"], NGO_ADMIN.0);
    assert_eq!(v["organizations"][0]["kind"], "admin");
}

#[rocket::async_test]
async fn a_user_without_the_admin_role_gets_a_403_page_on_admin_pages() {
    let app = TestApp::spawn().await;
    for who in [REGISTRAR, EXPERT, PURCHASER, NGO_ADMIN] {
        app.logout().await;
        app.login_as(who).await;
        for path in [
            "/admin/users",
            "/admin/users/1",
            "/admin/settings",
            "/admin/mail",
        ] {
            let (status, body) = app.get(path).await;
            assert_eq!(status, Status::Forbidden, "{path} as {}", who.0);
            assert!(body.contains("没有权限"), "a page in the layout says why");
            assert!(body.contains("<main"), "inside the layout");
            assert!(
                body.contains("退出登录"),
                "the layout still knows who is signed in"
            );
        }
    }
    app.logout().await;
    app.login_as(ADMIN).await;
    let (status, _) = app.get("/admin/settings").await;
    assert_eq!(status, Status::Ok);
}

#[rocket::async_test]
async fn members_of_one_organization_cannot_see_or_manage_another() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await; // admin of org 1 only
    let (status, _) = app.get("/orgs/1/members").await;
    assert_eq!(status, Status::Ok);
    let (status, _) = app.get("/orgs/3/members").await;
    assert_eq!(status, Status::Forbidden);
    let r = app
        .post("/orgs/3/invitations", &[("email", "x@example.cn")])
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    let before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM invitations")
        .await;
    assert_eq!(before, 0);
    // A plain member of org 1 cannot invite either.
    app.logout().await;
    app.login_as(NGO_MEMBER).await;
    let r = app
        .post("/orgs/1/invitations", &[("email", "x@example.cn")])
        .await;
    assert_eq!(r.status(), Status::Forbidden);
}

#[rocket::async_test]
async fn a_revoked_role_takes_effect_at_once() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR).await;
    let registrar_session = app.session_cookie().unwrap();
    app.logout().await;
    app.login_as(ADMIN).await;
    let grant: i64 = app
        .scalar("SELECT g.id FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.email = 'registrar@demo.huoban.cn'")
        .await;
    let r = app
        .post(&format!("/admin/grants/{grant}/revoke"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .client
        .get("/dashboard")
        .cookie(registrar_session)
        .dispatch()
        .await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "the registrar's session ended with the revocation"
    );
    // The grant is stamped, not deleted.
    let kept = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants WHERE revoked_at IS NOT NULL")
        .await;
    assert_eq!(kept, 1);
    app.logout().await;
    app.login_as(REGISTRAR).await;
    let (_, body) = app.get("/dashboard").await;
    assert!(
        !body.contains("panel-registrar"),
        "no registrar panel any more"
    );
}

#[rocket::async_test]
async fn an_admin_cannot_revoke_their_own_admin_role() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let grant: i64 = app
        .scalar("SELECT g.id FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.email = 'admin@demo.huoban.cn'")
        .await;
    let r = app
        .post(&format!("/admin/grants/{grant}/revoke"), &[])
        .await;
    assert_eq!(r.status(), Status::Conflict);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants WHERE revoked_at IS NOT NULL")
            .await,
        0
    );
}

#[rocket::async_test]
async fn a_scoped_role_needs_a_unit_of_the_right_kind() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants")
        .await;
    let r = app
        .post("/admin/users/5/roles", &[("role", "registrar")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("请为该角色选择正确类型的所属单位"));
    // Department 1 is not an authority id... but ids overlap; an id that exists in no table fails.
    let r = app
        .post(
            "/admin/users/5/roles",
            &[("role", "purchaser"), ("unit", "99")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post("/admin/users/5/roles", &[("role", "no_such_role")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants")
            .await,
        before
    );
    let r = app
        .post(
            "/admin/users/5/roles",
            &[("role", "registrar"), ("unit", "authority:2")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants")
            .await,
        before + 1
    );
    // The same role in the same scope twice is refused.
    let r = app
        .post(
            "/admin/users/5/roles",
            &[("role", "registrar"), ("unit", "authority:2")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
}

#[rocket::async_test]
async fn ids_that_are_not_numbers_get_a_404_page_not_a_500() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    // A malformed id is refused by its typed parser (Rocket answers 422); an unknown one is 404.
    for path in ["/admin/users/abc", "/admin/users/-1", "/admin/users/0"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, Status::UnprocessableEntity, "{path}");
        assert!(
            body.contains("<main") && body.contains("提交的内容有误"),
            "{path}: a page in the layout"
        );
    }
    for path in ["/admin/users/99999", "/no/such/page"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, Status::NotFound, "{path}");
        assert!(body.contains("找不到该页面"));
    }
    let r = app.client.get("/api/v1/nothing").dispatch().await;
    assert_eq!(r.status(), Status::NotFound);
    assert_eq!(
        r.content_type(),
        Some(ContentType::new("application", "problem+json"))
    );
}
