//! Pages every role reaches, the layout's promises (headers, banner, landmarks), error pages.

use crate::helpers::*;
use rocket::http::Status;

#[rocket::async_test]
async fn every_demo_user_signs_in_and_sees_their_dashboard() {
    let app = TestApp::spawn().await;
    let data = huoban::seed::data().unwrap();
    assert!(data.users.len() >= 10);
    for u in &data.users {
        app.logout().await;
        app.login_as((&u.email, &u.password)).await;
        let (status, body) = app.get("/dashboard").await;
        assert_eq!(status, Status::Ok, "{}", u.email);
        for r in &u.roles {
            assert!(
                body.contains(&format!("id=\"panel-{}\"", r.role)),
                "{} sees the {} panel",
                u.email,
                r.role
            );
        }
    }
}

#[rocket::async_test]
async fn every_staff_role_is_held_by_some_demo_user() {
    let data = huoban::seed::data().unwrap();
    for role in huoban::domain::role::Role::ALL {
        assert!(
            data.users
                .iter()
                .any(|u| u.roles.iter().any(|r| r.role == role.code())),
            "{role:?} has a demo user"
        );
    }
}

#[rocket::async_test]
async fn responses_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let r = app.client.get("/").dispatch().await;
    let csp = r.headers().get_one("Content-Security-Policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers().get_one("X-Frame-Options"), Some("DENY"));
    assert_eq!(
        r.headers().get_one("X-Content-Type-Options"),
        Some("nosniff")
    );
    assert_eq!(r.headers().get_one("Referrer-Policy"), Some("same-origin"));
    // The home page is public and kept in the page cache: no form token; a form page sets one.
    assert!(r
        .headers()
        .get("Set-Cookie")
        .all(|c| !c.starts_with("huoban_csrf=")));
    let r = app.client.get("/login").dispatch().await;
    let cookie = r
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("huoban_csrf="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "not Secure unless configured");
}

#[rocket::async_test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    let token = app.csrf().await;
    let r = app
        .post_raw(
            "/login",
            &encode(&[("_csrf", &token), ("email", ADMIN.0), ("password", ADMIN.1)]),
        )
        .await;
    let cookie = r
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("huoban_session="))
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("demo-admin"), "sealed, not readable");
}

#[rocket::async_test]
async fn the_layout_has_landmarks_a_skip_link_and_no_inline_script() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/signup", "/password/forgot"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, Status::Ok);
        for part in [
            "<header",
            "<nav",
            "<main id=\"main\"",
            "<footer",
            "class=\"skip-link\" href=\"#main\"",
            "<html lang=\"zh-CN\">",
        ] {
            assert!(body.contains(part), "{path} has {part}");
        }
        // Scripts only from the site's own files (the CSP allows no inline script).
        for tag in body.split("<script").skip(1) {
            assert!(
                tag.starts_with(" src=\"/static/") && tag.contains("></script>"),
                "{path} has an inline script: <script{}",
                &tag[..tag.len().min(80)]
            );
            let inner = tag.split_once('>').map(|(_, r)| r).unwrap_or_default();
            assert!(
                inner.starts_with("</script>"),
                "{path}: a script with a body"
            );
        }
        assert!(!body.contains("style="), "{path} has no inline style");
    }
}

#[rocket::async_test]
async fn an_admin_sees_the_outbox_and_the_calendar_warning_for_next_year() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    app.login_as(ADMIN).await;
    let (_, mail) = app.get("/admin/mail").await;
    assert!(mail.contains("伙伴平台：重设密码"));
    // Outside the demo the reset link itself is never shown (issue 23).
    let (_, body) = app.last_mail_to(EXPERT.0).await.unwrap();
    let link = link_in(&body, "/password/reset/").unwrap();
    assert!(!html_unescape(&mail).contains(&link));
    assert!(mail.contains("仅收件人可见"));
    // It is 28 November 2026 and there is no 2027 table yet.
    let (_, dash) = app.get("/dashboard").await;
    assert!(dash.contains("尚未载入 2027 年国务院放假安排"), "{dash}");
    assert!(
        dash.contains("href=\"/admin/calendar\""),
        "with the way to load it"
    );
    app.clock.set(time::macros::datetime!(2026-06-01 02:00 UTC));
    let (_, dash) = app.get("/dashboard").await;
    assert!(
        !dash.contains("尚未载入"),
        "in June only the current year is checked"
    );
}

#[rocket::async_test]
async fn the_stylesheet_is_served_with_its_type() {
    let app = TestApp::spawn().await;
    let r = app.client.get("/static/app.css").dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.content_type(), Some(rocket::http::ContentType::CSS));
    assert!(r.into_string().await.unwrap().contains("@media print"));
}
