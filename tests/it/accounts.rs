//! Sign-up, confirmation, login, throttling, logout, logout everywhere, password reset.

use crate::helpers::*;
use rocket::http::Status;
use std::net::SocketAddr;

#[rocket::async_test]
async fn a_demo_user_signs_in_and_reaches_the_dashboard() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR).await;
    let (status, body) = app.get("/dashboard").await;
    assert_eq!(status, Status::Ok);
    assert!(body.contains("登记管理员"), "the registrar panel is shown");
    assert!(
        body.contains("宁波市民政局"),
        "with the registrar's authority"
    );
}

#[rocket::async_test]
async fn a_wrong_password_is_refused_with_a_message_and_no_session() {
    let app = TestApp::spawn().await;
    let r = app.login(ADMIN.0, "not-the-password").await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap();
    assert!(body.contains("邮箱或密码不正确"));
    assert!(
        body.contains("error-summary"),
        "the error summary is at the top"
    );
    assert!(app.session_cookie().is_none());
    let (status, _) = app.get("/dashboard").await;
    assert_eq!(
        status,
        Status::SeeOther,
        "still anonymous: sent to the login page"
    );
}

#[rocket::async_test]
async fn five_failures_make_that_address_wait_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let r = app.login(PURCHASER.0, "wrong-password-1").await;
        assert_eq!(r.status(), Status::UnprocessableEntity);
    }
    let r = app.login(PURCHASER.0, PURCHASER.1).await;
    assert_eq!(r.status(), Status::TooManyRequests);
    let body = r.into_string().await.unwrap();
    assert!(
        body.contains("登录失败次数过多，请在 1 分钟后再试"),
        "{body}"
    );
    // Another account from another address is not affected.
    let other = app
        .client
        .post("/login")
        .remote("10.9.9.9:1234".parse::<SocketAddr>().unwrap())
        .header(rocket::http::ContentType::Form)
        .body(encode(&[
            ("_csrf", &app.csrf().await),
            ("email", EXPERT.0),
            ("password", EXPERT.1),
        ]))
        .dispatch()
        .await;
    assert_eq!(other.status(), Status::SeeOther);
    // The wait ends with time.
    app.clock.advance(time::Duration::seconds(61));
    app.logout().await;
    app.login_as(PURCHASER).await;
}

#[rocket::async_test]
async fn failures_from_one_address_under_its_ceiling_do_not_lock_other_accounts() {
    let app = TestApp::spawn().await;
    let addr: SocketAddr = "192.0.2.7:5555".parse().unwrap();
    let post = |email: &'static str, pw: &'static str| {
        let app = &app;
        async move {
            let token = app.csrf().await;
            app.client
                .post("/login")
                .remote(addr)
                .header(rocket::http::ContentType::Form)
                .body(encode(&[
                    ("_csrf", &token),
                    ("email", email),
                    ("password", pw),
                ]))
                .dispatch()
                .await
                .status()
        }
    };
    for email in ["a@x.cn", "b@x.cn", "c@x.cn", "d@x.cn", "e@x.cn"] {
        assert_eq!(
            post(email, "whatever-pass").await,
            Status::UnprocessableEntity
        );
    }
    assert_eq!(post(ADMIN.0, ADMIN.1).await, Status::SeeOther);
    let failures = app
        .scalar("SELECT hits FROM rate_counters WHERE key = 'addr:192.0.2.7'")
        .await;
    assert_eq!(
        failures, 5,
        "the address's failures are kept in the database; the right password is not one"
    );
}

#[rocket::async_test]
async fn sign_up_confirm_by_mail_then_sign_in() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/signup",
            &[
                ("display_name", "林小燕"),
                ("email", "Lin.XY@Example.cn"),
                ("password", "a-long-password"),
                ("password_confirm", "a-long-password"),
                ("phone", "138 0000 0000"),
                ("id_number", "11010519491231002X"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(r.headers().get_one("Location"), Some("/signup/sent"));
    // Not confirmed yet: sign-in refused with the reason.
    let r = app.login("lin.xy@example.cn", "a-long-password").await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("请先打开确认邮件"));
    let (subject, body) = app
        .last_mail_to("lin.xy@example.cn")
        .await
        .expect("a confirmation mail");
    assert_eq!(subject, "请确认您在伙伴平台的邮箱");
    let link = link_in(&body, "/confirm/").expect("a confirmation link");
    let (status, page) = app.get(&link).await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("确认邮箱"));
    let r = app.post(&link, &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    // The link works once only.
    let again = app.post(&link, &[]).await;
    assert_eq!(again.status(), Status::BadRequest);
    app.login_as(("lin.xy@example.cn", "a-long-password")).await;
    // The ID number is kept only as a keyed hash.
    let stored = app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM persons WHERE id_number_hash IS NOT NULL AND id_number_hash NOT LIKE '%110105%'").await;
    assert_eq!(stored, 1);
}

#[rocket::async_test]
async fn a_sign_up_with_bad_input_is_re_rendered_with_every_message_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let users_before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users")
        .await;
    let r = app
        .post(
            "/signup",
            &[
                ("display_name", ""),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("id_number", "110105194912310021"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap();
    for msg in [
        "请填写姓名",
        "请填写有效的电子邮箱",
        "密码至少需要 10 个字符",
        "请填写有效的 18 位居民身份证号码",
    ] {
        assert!(body.contains(msg), "missing message {msg}");
    }
    assert!(
        body.contains("href=\"#email\""),
        "the summary links to the field"
    );
    assert!(
        body.contains("value=\"not-an-email\""),
        "the value typed is kept"
    );
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users")
            .await,
        users_before
    );
}

#[rocket::async_test]
async fn signing_up_with_a_taken_email_says_the_same_and_tells_the_owner() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/signup",
            &[
                ("display_name", "冒名者"),
                ("email", NGO_ADMIN.0),
                ("password", "a-long-password"),
                ("password_confirm", "a-long-password"),
            ],
        )
        .await;
    assert_eq!(r.headers().get_one("Location"), Some("/signup/sent"));
    let (subject, _) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert_eq!(subject, "伙伴平台：有人用您的邮箱申请注册");
    app.login_as(NGO_ADMIN).await;
}

#[rocket::async_test]
async fn logout_everywhere_ends_a_session_on_another_device_at_once() {
    let app = TestApp::spawn().await;
    app.login_as(EXPERT).await;
    let other_device = app.session_cookie().expect("a session cookie");
    let r = app.post("/account/logout-all", &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    // The old cookie, replayed, no longer signs anyone in.
    let r = app
        .client
        .get("/dashboard")
        .cookie(other_device)
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        r.headers().get_one("Location"),
        Some("/login?next=/dashboard")
    );
}

#[rocket::async_test]
async fn a_password_reset_by_mail_sets_the_password_and_ends_old_sessions() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_MEMBER).await;
    let old_session = app.session_cookie().unwrap();
    app.logout().await;
    let r = app
        .post("/password/forgot", &[("email", NGO_MEMBER.0)])
        .await;
    assert_eq!(r.status(), Status::Ok);
    // An unknown address gets the same answer and no mail.
    let r = app
        .post("/password/forgot", &[("email", "nobody@example.cn")])
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert!(app.last_mail_to("nobody@example.cn").await.is_none());
    let (_, body) = app.last_mail_to(NGO_MEMBER.0).await.unwrap();
    let link = link_in(&body, "/password/reset/").unwrap();
    let r = app
        .post(
            &link,
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post(
            &link,
            &[
                ("password", "brand-new-password"),
                ("password_confirm", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .client
        .get("/dashboard")
        .cookie(old_session)
        .dispatch()
        .await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "the session from before the reset is over"
    );
    let r = app.login(NGO_MEMBER.0, NGO_MEMBER.1).await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "the old password no longer works"
    );
    app.login_as((NGO_MEMBER.0, "brand-new-password")).await;
    // The token was used once and is gone.
    let r = app
        .post(
            &link,
            &[
                ("password", "another-password"),
                ("password_confirm", "another-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::BadRequest);
}

#[rocket::async_test]
async fn a_reset_link_expires_after_an_hour() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let (_, body) = app.last_mail_to(EXPERT.0).await.unwrap();
    let link = link_in(&body, "/password/reset/").unwrap();
    app.clock.advance(time::Duration::minutes(61));
    let (_, page) = app.get(&link).await;
    assert!(page.contains("该链接无效、已使用或已过期"));
    let r = app
        .post(
            &link,
            &[
                ("password", "brand-new-password"),
                ("password_confirm", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::BadRequest);
}

#[rocket::async_test]
async fn the_next_parameter_only_leads_to_local_pages() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/login",
            &[
                ("email", ADMIN.0),
                ("password", ADMIN.1),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.headers().get_one("Location"), Some("/dashboard"));
    app.logout().await;
    let r = app
        .post(
            "/login",
            &[
                ("email", ADMIN.0),
                ("password", ADMIN.1),
                ("next", "/admin/settings"),
            ],
        )
        .await;
    assert_eq!(r.headers().get_one("Location"), Some("/admin/settings"));
}

#[rocket::async_test]
async fn parallel_guesses_cannot_slip_past_the_limit() {
    let app = TestApp::spawn().await;
    let token = app.csrf().await;
    let bodies: Vec<String> = (0..10)
        .map(|_| {
            encode(&[
                ("_csrf", &token),
                ("email", PURCHASER.0),
                ("password", "wrong-password-1"),
            ])
        })
        .collect();
    // One address guessing one account's password: the pair's wait starts at the fifth.
    let requests = bodies.iter().enumerate().map(|(i, body)| {
        let addr: SocketAddr = format!("198.51.100.7:{}", 1000 + i).parse().unwrap();
        app.client
            .post("/login")
            .remote(addr)
            .header(rocket::http::ContentType::Form)
            .body(body.as_str())
            .dispatch()
    });
    let statuses: Vec<u16> = futures::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status().code)
        .collect();
    let checked = statuses.iter().filter(|s| **s == 422).count();
    assert!(
        checked <= 5,
        "at most five guesses were checked: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10 - checked);
}

#[rocket::async_test]
async fn a_reset_ends_the_other_reset_links_too() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let (_, first) = app.last_mail_to(EXPERT.0).await.unwrap();
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let (_, second) = app.last_mail_to(EXPERT.0).await.unwrap();
    let (first, second) = (
        link_in(&first, "/password/reset/").unwrap(),
        link_in(&second, "/password/reset/").unwrap(),
    );
    assert_ne!(first, second);
    let r = app
        .post(
            &second,
            &[
                ("password", "brand-new-password"),
                ("password_confirm", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .post(
            &first,
            &[
                ("password", "another-password"),
                ("password_confirm", "another-password"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::BadRequest,
        "the older link died with the reset"
    );
}

#[rocket::async_test]
async fn an_id_number_already_on_record_does_not_attach_a_new_account_to_that_person() {
    let app = TestApp::spawn().await;
    let sign_up = |email: &'static str, name: &'static str| {
        let app = &app;
        async move {
            let fields = [
                ("display_name", name),
                ("email", email),
                ("password", "a-long-password"),
                ("password_confirm", "a-long-password"),
                ("id_number", "11010519491231002X"),
            ];
            assert_eq!(
                app.post("/signup", &fields).await.status(),
                Status::SeeOther
            );
        }
    };
    sign_up("owner@example.cn", "真名").await;
    sign_up("claimant@example.cn", "冒名").await;
    let linked = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users u JOIN persons p ON p.id = u.person_id WHERE p.id_number_hash IS NOT NULL")
        .await;
    assert_eq!(linked, 1, "only the first account is tied to the number");
    let distinct = app.scalar("SELECT CAST(COUNT(DISTINCT person_id) AS BIGINT) FROM users WHERE email LIKE '%@example.cn'").await;
    assert_eq!(distinct, 2, "the second account has a person of its own");
    let flagged = app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE summary LIKE '%id_number_already_on_record_for_person\":%' AND summary NOT LIKE '%person\":null%'").await;
    assert_eq!(flagged, 1, "the claim is on record for staff");
}

#[rocket::async_test]
async fn a_next_that_is_not_a_valid_uri_goes_to_the_dashboard() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/login",
            &[("email", ADMIN.0), ("password", ADMIN.1), ("next", "/a b")],
        )
        .await;
    assert_eq!(r.headers().get_one("Location"), Some("/dashboard"));
}
