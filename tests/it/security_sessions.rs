//! Issue 23, items 2, 3 and 5: sessions that end on the server (logout, idle and absolute
//! lifetimes, ending one from the account page, a password change), nothing readable that
//! opens an account (no one-time link at `/admin/mail` outside the demo; other admins told when
//! a bidder's admin account is reset or signed into), and throttling that cannot be turned
//! against users (per account and address, an office-sized ceiling per address, limits on
//! reset mail and on public objections and questions).

use crate::helpers::*;
use rocket::http::{ContentType, Cookie, Header, Status};
use std::net::SocketAddr;
use time::Duration;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\n% annex\ntrailer << >>\n%%EOF\n";

/// A client socket at `addr` (IPv4 or IPv6).
fn socket(addr: &str) -> SocketAddr {
    let text = if addr.contains(':') {
        format!("[{addr}]:4000")
    } else {
        format!("{addr}:4000")
    };
    text.parse().unwrap()
}

/// Signs in from `addr` with a browser named `agent`: the status and page.
async fn login_from(
    app: &TestApp,
    addr: &str,
    agent: &'static str,
    who: (&str, &str),
) -> (Status, String) {
    let token = app.csrf().await;
    let r = app
        .client
        .post("/login")
        .remote(socket(addr))
        .header(Header::new("User-Agent", agent))
        .header(ContentType::Form)
        .body(encode(&[
            ("_csrf", &token),
            ("email", who.0),
            ("password", who.1),
        ]))
        .dispatch()
        .await;
    let s = r.status();
    (s, r.into_string().await.unwrap_or_default())
}

/// Whether the client's own session signs it in (a page that needs one answers 200).
async fn signed_in(app: &TestApp) -> bool {
    let r = app.client.get("/account").dispatch().await;
    match r.status() {
        Status::Ok => true,
        Status::SeeOther => {
            assert!(r
                .headers()
                .get_one("Location")
                .is_some_and(|l| l.starts_with("/login")));
            false
        }
        s => panic!("unexpected {s}"),
    }
}

/// Whether a copied session cookie still signs anyone in.
async fn cookie_works(app: &TestApp, cookie: &Cookie<'static>) -> bool {
    let r = app
        .client
        .get("/account")
        .cookie(cookie.clone())
        .dispatch()
        .await;
    r.status() == Status::Ok
}

async fn sessions_of(app: &TestApp, email: &str) -> i64 {
    app.scalar_of(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '{email}'"
    ))
    .await
}

async fn mails(app: &TestApp, to: &str, subject: &str) -> i64 {
    app.scalar_of(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE to_addr = '{to}' AND subject = '{subject}'"
    ))
    .await
}

async fn set_setting(app: &TestApp, key: &str, value: &str) {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query(
        "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) VALUES ($1, $2, 0, NULL, 0, 'test')",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *c)
    .await
    .unwrap();
}

// ---- Item 2: server-side sessions -------------------------------------------------------

#[rocket::async_test]
async fn a_cookie_copied_before_logout_no_longer_works_for_pages_or_posts() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_MEMBER).await;
    let copy = app.session_cookie().expect("a session cookie");
    assert!(
        !copy.value().contains(&NGO_MEMBER.0[..4]),
        "the cookie is sealed"
    );
    assert_eq!(sessions_of(&app, NGO_MEMBER.0).await, 1);
    app.logout().await;
    assert_eq!(
        sessions_of(&app, NGO_MEMBER.0).await,
        0,
        "logout deletes the row"
    );
    assert!(!cookie_works(&app, &copy).await, "GET with the copy");
    let token = app.csrf().await;
    let r = app
        .client
        .post("/account/profile")
        .cookie(copy.clone())
        .header(ContentType::Form)
        .body(encode(&[
            ("_csrf", &token),
            ("display_name", "冒用者"),
            ("phone", ""),
        ]))
        .dispatch()
        .await;
    assert_ne!(r.headers().get_one("Location"), Some("/account"));
    assert!(
        r.status() == Status::Unauthorized
            || r.headers()
                .get_one("Location")
                .is_some_and(|l| l.starts_with("/login")),
        "POST with the copy: {}",
        r.status()
    );
    let changed = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE display_name = '冒用者'")
        .await;
    assert_eq!(changed, 0, "the POST changed nothing");
    // The cookie carries only a random id: the database holds its digest, not the id.
    app.login_as(NGO_MEMBER).await;
    let hash_len = app
        .scalar("SELECT CAST(MAX(LENGTH(token_hash)) AS BIGINT) FROM sessions")
        .await;
    assert_eq!(hash_len, 64, "a SHA-256, hex");
}

#[rocket::async_test]
async fn a_staff_session_ends_after_thirty_idle_minutes_and_not_before() {
    let app = TestApp::spawn().await.with_real_session_lifetimes().await;
    let t0 = app.clock.now();
    app.login_as(ADMIN).await;
    // Just below: used 29:59 after sign-in, alive; that use is recorded.
    app.clock
        .set(t0 + Duration::minutes(30) - Duration::seconds(1));
    assert!(signed_in(&app).await, "29:59 idle: alive");
    let t1 = app.clock.now();
    // At the limit: 30 minutes after the last use, ended.
    app.clock.set(t1 + Duration::minutes(30));
    assert!(!signed_in(&app).await, "30:00 idle: ended");
    assert_eq!(sessions_of(&app, ADMIN.0).await, 0, "its row is gone");
    // Above.
    app.login_as(ADMIN).await;
    let t2 = app.clock.now();
    app.clock
        .set(t2 + Duration::minutes(30) + Duration::seconds(1));
    assert!(!signed_in(&app).await, "30:01 idle: ended");
}

#[rocket::async_test]
async fn a_session_without_a_staff_role_idles_for_two_hours() {
    let app = TestApp::spawn().await.with_real_session_lifetimes().await;
    let t0 = app.clock.now();
    app.login_as(NGO_MEMBER).await;
    app.clock.set(t0 + Duration::minutes(31));
    assert!(signed_in(&app).await, "past the staff limit: alive");
    let t1 = app.clock.now();
    app.clock
        .set(t1 + Duration::minutes(120) - Duration::seconds(1));
    assert!(signed_in(&app).await, "1:59:59 idle: alive");
    let t2 = app.clock.now();
    app.clock.set(t2 + Duration::minutes(120));
    assert!(!signed_in(&app).await, "2:00:00 idle: ended");
    // The idle time is a setting.
    set_setting(&app, "auth.session_idle_minutes.other", "10").await;
    app.login_as(NGO_MEMBER).await;
    let t3 = app.clock.now();
    app.clock
        .set(t3 + Duration::minutes(10) + Duration::seconds(1));
    assert!(
        !signed_in(&app).await,
        "10:01 idle under a 10-minute setting"
    );
}

/// Uses the session every 20 minutes from `from` until just before `until`, then once at
/// `until`: whether it was still alive then.
async fn used_until(
    app: &TestApp,
    from: time::OffsetDateTime,
    until: time::OffsetDateTime,
) -> bool {
    let mut at = from;
    while at + Duration::minutes(20) < until {
        at += Duration::minutes(20);
        app.clock.set(at);
        assert!(signed_in(app).await, "alive at {at}");
    }
    app.clock.set(until);
    signed_in(app).await
}

#[rocket::async_test]
async fn every_session_ends_twelve_hours_after_sign_in_however_busy() {
    let app = TestApp::spawn().await.with_real_session_lifetimes().await;
    let t0 = app.clock.now();
    app.login_as(NGO_MEMBER).await;
    assert!(
        used_until(&app, t0, t0 + Duration::hours(12) - Duration::seconds(1)).await,
        "11:59:59 after sign-in: alive"
    );
    app.clock.set(t0 + Duration::hours(12));
    assert!(!signed_in(&app).await, "12:00:00: ended");
    app.login_as(NGO_MEMBER).await;
    let t1 = app.clock.now();
    assert!(used_until(&app, t1, t1 + Duration::hours(12) - Duration::minutes(1)).await);
    app.clock
        .set(t1 + Duration::hours(12) + Duration::seconds(1));
    assert!(!signed_in(&app).await, "12:00:01: ended");
}

#[rocket::async_test]
async fn the_account_page_lists_the_sessions_and_ends_another_one() {
    let app = TestApp::spawn().await;
    let (s, _) = login_from(&app, "203.0.113.5", "PhoneBrowser/1.0", EXPERT).await;
    assert_eq!(s, Status::SeeOther);
    let phone = app.session_cookie().unwrap();
    let (s, _) = login_from(&app, "198.51.100.9", "DeskBrowser/2.0", EXPERT).await;
    assert_eq!(s, Status::SeeOther);
    let (_, page) = app.get("/account").await;
    let page = html_unescape(&page);
    for part in [
        "正在登录的会话",
        "203.0.113.5",
        "PhoneBrowser/1.0",
        "198.51.100.9",
        "DeskBrowser/2.0",
        "当前会话",
    ] {
        assert!(page.contains(part), "{part}");
    }
    assert_eq!(
        page.matches("tag-green\">当前会话").count(),
        1,
        "one is this one"
    );
    let phone_id = app
        .scalar("SELECT MIN(id) FROM sessions WHERE address = '203.0.113.5'")
        .await;
    // Another person's session cannot be ended from this account.
    let other = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sessions")
        .await;
    let r = app.post("/account/sessions/999999/end", &[]).await;
    assert_eq!(r.status(), Status::NotFound);
    // Without the CSRF token nothing ends.
    let r = app
        .client
        .post(format!("/account/sessions/{phone_id}/end"))
        .header(ContentType::Form)
        .body("")
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sessions")
            .await,
        other
    );
    let r = app
        .post(&format!("/account/sessions/{phone_id}/end"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(r.headers().get_one("Location"), Some("/account"));
    assert!(!cookie_works(&app, &phone).await, "the phone is signed out");
    assert!(signed_in(&app).await, "this session goes on");
    let (_, page) = app.get("/account").await;
    assert!(!html_unescape(&page).contains("PhoneBrowser/1.0"));
    assert!(html_unescape(&page).contains("DeskBrowser/2.0"));
    // Ending this session signs this browser out.
    let this = app
        .scalar("SELECT MIN(id) FROM sessions WHERE address = '198.51.100.9'")
        .await;
    let r = app
        .post(&format!("/account/sessions/{this}/end"), &[])
        .await;
    assert_eq!(r.headers().get_one("Location"), Some("/login"));
    assert!(!signed_in(&app).await);
}

#[rocket::async_test]
async fn a_password_change_ends_the_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_MEMBER).await;
    let other = app.session_cookie().unwrap();
    app.login_as(NGO_MEMBER).await;
    assert_eq!(sessions_of(&app, NGO_MEMBER.0).await, 2);
    // A wrong current password: refused with a message, nothing ends.
    let r = app
        .post(
            "/account/password",
            &[
                ("current_password", "not-my-password"),
                ("password", "a-brand-new-password"),
                ("password_confirm", "a-brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap();
    assert!(body.contains("当前密码不正确"), "{body}");
    assert_eq!(sessions_of(&app, NGO_MEMBER.0).await, 2);
    assert!(cookie_works(&app, &other).await);
    // Guessing the current password is throttled like a sign-in.
    for _ in 0..4 {
        let r = app
            .post(
                "/account/password",
                &[
                    ("current_password", "another-guess"),
                    ("password", "a-brand-new-password"),
                    ("password_confirm", "a-brand-new-password"),
                ],
            )
            .await;
        assert_eq!(r.status(), Status::UnprocessableEntity);
    }
    let r = app
        .post(
            "/account/password",
            &[
                ("current_password", NGO_MEMBER.1),
                ("password", "a-brand-new-password"),
                ("password_confirm", "a-brand-new-password"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::TooManyRequests,
        "the sixth attempt waits"
    );
    app.clock.advance(Duration::minutes(1));
    // A new password too short: refused as well.
    let r = app
        .post(
            "/account/password",
            &[
                ("current_password", NGO_MEMBER.1),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post(
            "/account/password",
            &[
                ("current_password", NGO_MEMBER.1),
                ("password", "a-brand-new-password"),
                ("password_confirm", "a-brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(r.headers().get_one("Location"), Some("/account"));
    assert!(signed_in(&app).await, "this session goes on");
    assert!(!cookie_works(&app, &other).await, "the other one ended");
    assert_eq!(sessions_of(&app, NGO_MEMBER.0).await, 1);
    app.logout().await;
    let r = app.login(NGO_MEMBER.0, NGO_MEMBER.1).await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "the old password");
    app.login_as((NGO_MEMBER.0, "a-brand-new-password")).await;
}

#[rocket::async_test]
async fn a_session_ended_in_one_process_is_ended_in_the_other() {
    let a = TestApp::spawn().await;
    let b = a.second_instance().await;
    a.login_as(EXPERT).await;
    let cookie = a.session_cookie().unwrap();
    assert!(
        cookie_works(&b, &cookie).await,
        "the other process knows it"
    );
    a.logout().await;
    assert!(!cookie_works(&b, &cookie).await, "and that it ended");
}

#[rocket::async_test]
async fn revoking_a_role_still_ends_its_holders_sessions() {
    let app = TestApp::spawn().await;
    app.login_as(EXPERT).await;
    let expert = app.session_cookie().unwrap();
    app.logout().await;
    app.login_as(ADMIN).await;
    let grant = app
        .scalar_of(&format!(
            "SELECT MIN(g.id) FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.email = '{}' AND g.revoked_at IS NULL",
            EXPERT.0
        ))
        .await;
    let r = app
        .post(&format!("/admin/grants/{grant}/revoke"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert!(!cookie_works(&app, &expert).await);
}

#[rocket::async_test]
async fn the_daily_tidy_up_deletes_expired_sessions_and_spent_counters_only() {
    let app = TestApp::spawn().await.with_real_session_lifetimes().await;
    app.login_as(NGO_MEMBER).await;
    login_from(&app, "192.0.2.90", "x", (EXPERT.0, "wrong-guess-1")).await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let count = |table: &'static str| {
        let app = &app;
        async move {
            app.scalar_of(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"))
                .await
        }
    };
    assert_eq!(count("sessions").await, 1);
    assert!(count("rate_counters").await >= 2);
    assert_eq!(count("login_throttle").await, 1);
    // Nothing is spent yet.
    huoban::platform::limits::tidy(&app.db, &app.clock)
        .await
        .unwrap();
    assert_eq!(count("sessions").await, 1);
    assert_eq!(count("login_throttle").await, 1);
    app.clock.advance(Duration::days(2));
    app.login_as(ADMIN).await;
    huoban::platform::limits::tidy(&app.db, &app.clock)
        .await
        .unwrap();
    assert_eq!(count("sessions").await, 1, "only the live session is left");
    assert!(signed_in(&app).await);
    assert_eq!(count("login_throttle").await, 0);
    let old = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM rate_counters WHERE key <> 'addr:unknown'")
        .await;
    assert_eq!(old, 0, "only the counter of today's sign-in is left");
}

// ---- Item 3: nothing readable that opens an account --------------------------------------

/// The sunshine centre (the NGO admin's organization) with a sealed bid on the demo's open
/// consultation, and the plain member made its second admin. Leaves the client signed out.
async fn pending_bid_with_two_admins(app: &TestApp) -> i64 {
    app.login_as(NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(app).await;
    let docs: Vec<(usize, &[u8])> = (0..5).map(|i| (i, PDF)).collect();
    let (s, page) = crate::qual_docs::bid_with_docs(app, "NBMZ-2026-031", org, &docs).await;
    assert_eq!(s, Status::Ok, "{page}");
    app.logout().await;
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query(
        "UPDATE memberships SET kind = 'admin' WHERE org_id = $1 AND user_id = (SELECT id FROM users WHERE email = $2)",
    )
    .bind(org)
    .bind(NGO_MEMBER.0)
    .execute(&mut *c)
    .await
    .unwrap();
    org
}

const ALERT: &str = "伙伴平台：贵单位有密封投标期间，一名管理员的账号被使用";

#[rocket::async_test]
async fn an_admin_cannot_read_a_bidders_reset_link_and_the_other_admins_are_told() {
    let app = TestApp::spawn().await;
    pending_bid_with_two_admins(&app).await;
    let alerts_before = mails(&app, NGO_MEMBER.0, ALERT).await;
    assert_eq!(alerts_before, 0);
    // The reproduction: a platform admin asks for a reset of the bidder's admin and reads
    // the outbox (no SMTP configured, production mode).
    app.login_as(ADMIN).await;
    let r = app
        .post("/password/forgot", &[("email", NGO_ADMIN.0)])
        .await;
    assert_eq!(r.status(), Status::Ok);
    let (_, stored) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    let link = link_in(&stored, "/password/reset/").expect("the mail holds the link");
    let token = link.trim_start_matches("/password/reset/").to_string();
    let (s, outbox) = app.get("/admin/mail").await;
    assert_eq!(s, Status::Ok);
    let outbox = html_unescape(&outbox);
    assert!(
        outbox.contains("伙伴平台：重设密码"),
        "the admin sees the mail exists"
    );
    assert!(!outbox.contains(&token), "but never its link");
    assert!(outbox.contains("仅收件人可见"));
    assert!(
        outbox.contains("未发送：未配置邮件服务器"),
        "the outbox says why it waits"
    );
    // No other admin page carries it either.
    for path in ["/admin/users", "/dashboard", "/admin/settings"] {
        let (_, page) = app.get(path).await;
        assert!(!html_unescape(&page).contains(&token), "{path}");
    }
    app.logout().await;
    // The bidder's admin (who got the mail) resets: the other admin is told.
    let r = app
        .post(
            &link,
            &[
                ("password", "a-brand-new-password"),
                ("password_confirm", "a-brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(mails(&app, NGO_MEMBER.0, ALERT).await, 1, "reset told");
    let (_, alert) = app.last_mail_to(NGO_MEMBER.0).await.unwrap();
    assert!(alert.contains("通过邮件链接重设了密码") && alert.contains(NGO_ADMIN.0));
    // A sign-in is told as well; never to the admin who signed in.
    app.login_as((NGO_ADMIN.0, "a-brand-new-password")).await;
    assert_eq!(mails(&app, NGO_MEMBER.0, ALERT).await, 2, "sign-in told");
    assert_eq!(mails(&app, NGO_ADMIN.0, ALERT).await, 0);
    // A plain member signing in is not an admin's sign-in... but the second admin is one: the
    // first admin hears of it.
    app.logout().await;
    app.login_as(NGO_MEMBER).await;
    assert_eq!(mails(&app, NGO_ADMIN.0, ALERT).await, 1);
    app.logout().await;
    // Once the bid deadline has passed, nothing is pending: no more alerts.
    let deadline = app
        .scalar("SELECT deadline_at FROM projects WHERE number = 'NBMZ-2026-031'")
        .await;
    app.clock
        .set(huoban::platform::clock::from_ms(deadline + 1000));
    app.login_as(NGO_MEMBER).await;
    assert_eq!(
        mails(&app, NGO_ADMIN.0, ALERT).await,
        1,
        "after the deadline"
    );
}

#[rocket::async_test]
async fn an_admin_is_not_alerted_without_a_pending_bid() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    app.logout().await;
    let n = app
        .scalar_of(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE subject = '{ALERT}'"
        ))
        .await;
    assert_eq!(n, 0);
}

#[rocket::async_test]
async fn the_demo_shows_one_time_links_to_its_admin_under_the_demo_banner() {
    let app = TestApp::spawn_demo().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let (_, stored) = app.last_mail_to(EXPERT.0).await.unwrap();
    let link = link_in(&stored, "/password/reset/").unwrap();
    app.login_as(ADMIN).await;
    let (_, outbox) = app.get("/admin/mail").await;
    assert!(html_unescape(&outbox).contains(&link));
    assert!(
        outbox.contains("class=\"demo-banner"),
        "under the demo banner"
    );
    // The link is one to click (issue 25, item 5).
    let anchor = format!("<a href=\"http://huoban.test{link}\">");
    assert!(
        html_unescape(&outbox).contains(&anchor),
        "{anchor} in {outbox}"
    );
}

// ---- Item 5: throttling that cannot be turned against users ------------------------------

#[rocket::async_test]
async fn five_wrong_passwords_from_one_address_do_not_stop_the_right_one_from_another() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let (s, _) = login_from(&app, "192.0.2.1", "Rival", (PURCHASER.0, "wrong-guess-1")).await;
        assert_eq!(s, Status::UnprocessableEntity);
    }
    let (s, _) = login_from(&app, "192.0.2.1", "Rival", PURCHASER).await;
    assert_eq!(s, Status::TooManyRequests, "that pair waits");
    let (s, _) = login_from(&app, "198.51.100.1", "Holder", PURCHASER).await;
    assert_eq!(s, Status::SeeOther, "the holder, elsewhere, signs in");
}

#[rocket::async_test]
async fn an_ipv6_client_is_throttled_by_its_64_network() {
    let app = TestApp::spawn().await;
    for i in 1..=5 {
        let from = format!("2001:db8:7:7::{i}");
        let (s, _) = login_from(&app, &from, "x", (PURCHASER.0, "wrong-guess-1")).await;
        assert_eq!(s, Status::UnprocessableEntity);
    }
    let (s, _) = login_from(&app, "2001:db8:7:7::99", "x", PURCHASER).await;
    assert_eq!(
        s,
        Status::TooManyRequests,
        "another address of the same /64"
    );
    let (s, _) = login_from(&app, "2001:db8:7:8::1", "x", PURCHASER).await;
    assert_eq!(s, Status::SeeOther, "another /64");
}

#[rocket::async_test]
async fn four_failures_do_not_make_a_pair_wait_and_the_wait_grows() {
    let app = TestApp::spawn().await;
    let from = "192.0.2.2";
    let fail = || login_from(&app, from, "x", (EXPERT.0, "wrong-guess-1"));
    for _ in 0..4 {
        assert_eq!(fail().await.0, Status::UnprocessableEntity);
    }
    // Below: four failures, the right password still goes through (and forgets them).
    let (s, _) = login_from(&app, from, "x", EXPERT).await;
    assert_eq!(s, Status::SeeOther);
    app.logout().await;
    for _ in 0..5 {
        assert_eq!(fail().await.0, Status::UnprocessableEntity);
    }
    // The fifth failure starts a one-minute wait: refused just before its end, free at it.
    let t = app.clock.now();
    let (s, page) = login_from(&app, from, "x", EXPERT).await;
    assert_eq!(s, Status::TooManyRequests);
    assert!(page.contains("请在 1 分钟后再试"));
    app.clock.set(t + Duration::seconds(59));
    assert_eq!(
        fail().await.0,
        Status::TooManyRequests,
        "59 s: still waiting"
    );
    // Then every further failure doubles it: 2, 4, 8 minutes.
    let mut t = t + Duration::minutes(1);
    for minutes in [2, 4, 8] {
        app.clock.set(t);
        assert_eq!(
            fail().await.0,
            Status::UnprocessableEntity,
            "checked at the end of the wait"
        );
        let (s, page) = login_from(&app, from, "x", EXPERT).await;
        assert_eq!(s, Status::TooManyRequests);
        assert!(
            page.contains(&format!("请在 {minutes} 分钟后再试")),
            "{minutes}"
        );
        t += Duration::minutes(minutes);
        app.clock.set(t - Duration::seconds(1));
        assert_eq!(
            fail().await.0,
            Status::TooManyRequests,
            "just before {minutes} min"
        );
    }
    app.clock.set(t);
    let (s, _) = login_from(&app, from, "x", EXPERT).await;
    assert_eq!(
        s,
        Status::SeeOther,
        "the right password at the end of the wait"
    );
}

#[rocket::async_test]
async fn one_address_may_fail_a_hundred_times_in_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let office = "203.0.113.77";
    for i in 0..99 {
        let email = format!("staff{i}@office.example.cn");
        let (s, _) = login_from(&app, office, "x", (&email, "wrong-guess-1")).await;
        assert_eq!(s, Status::UnprocessableEntity, "failure {i}");
    }
    // Below the ceiling: 99 failures, a colleague signs in (and is not counted).
    let (s, _) = login_from(&app, office, "x", ADMIN).await;
    assert_eq!(s, Status::SeeOther);
    app.logout().await;
    // At it: the hundredth failure is still checked...
    let (s, _) = login_from(
        &app,
        office,
        "x",
        ("last@office.example.cn", "wrong-guess-1"),
    )
    .await;
    assert_eq!(s, Status::UnprocessableEntity);
    // ...above it, nothing from that address is, even the right password.
    let (s, page) = login_from(&app, office, "x", REGISTRAR).await;
    assert_eq!(s, Status::TooManyRequests);
    assert!(page.contains("登录失败次数过多"));
    // Elsewhere nobody is affected; the window ends after 15 minutes.
    let (s, _) = login_from(&app, "198.51.100.3", "x", REGISTRAR).await;
    assert_eq!(s, Status::SeeOther);
    app.logout().await;
    app.clock.advance(Duration::minutes(15));
    let (s, _) = login_from(&app, office, "x", REGISTRAR).await;
    assert_eq!(s, Status::SeeOther);
}

const FAILURE_NOTICE: &str = "伙伴平台：您的账号多次登录失败";

#[rocket::async_test]
async fn the_holder_is_mailed_about_repeated_failures_once_an_hour() {
    let app = TestApp::spawn().await;
    let fail = |from: &'static str| login_from(&app, from, "x", (EXPERT.0, "wrong-guess-1"));
    for _ in 0..4 {
        fail("192.0.2.10").await;
    }
    assert_eq!(mails(&app, EXPERT.0, FAILURE_NOTICE).await, 0, "four: none");
    fail("192.0.2.10").await;
    assert_eq!(mails(&app, EXPERT.0, FAILURE_NOTICE).await, 1, "five: one");
    let (_, notice) = app.last_mail_to(EXPERT.0).await.unwrap();
    assert!(notice.contains("192.0.2.10"));
    // More failures, from there and from elsewhere, within the hour: no more mail.
    app.clock.advance(Duration::minutes(1));
    fail("192.0.2.10").await;
    for _ in 0..5 {
        fail("192.0.2.11").await;
    }
    assert_eq!(mails(&app, EXPERT.0, FAILURE_NOTICE).await, 1);
    app.clock.advance(Duration::hours(1));
    fail("192.0.2.11").await;
    assert_eq!(
        mails(&app, EXPERT.0, FAILURE_NOTICE).await,
        2,
        "the next hour"
    );
}

const RESET: &str = "伙伴平台：重设密码";

#[rocket::async_test]
async fn reset_mail_is_sent_at_most_three_times_an_hour_per_account() {
    let app = TestApp::spawn().await;
    for n in 1..=3 {
        let r = app.post("/password/forgot", &[("email", EXPERT.0)]).await;
        assert_eq!(r.status(), Status::Ok);
        assert_eq!(mails(&app, EXPERT.0, RESET).await, n);
    }
    // Above: the same answer, no mail.
    let r = app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    assert_eq!(r.status(), Status::Ok);
    assert!(r.into_string().await.unwrap().contains("邮件"));
    assert_eq!(mails(&app, EXPERT.0, RESET).await, 3);
    // Another account is not affected; the hour ends.
    app.post("/password/forgot", &[("email", REGISTRAR.0)])
        .await;
    assert_eq!(mails(&app, REGISTRAR.0, RESET).await, 1);
    app.clock.advance(Duration::minutes(59));
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    assert_eq!(
        mails(&app, EXPERT.0, RESET).await,
        3,
        "59 minutes: still limited"
    );
    app.clock.advance(Duration::minutes(1));
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    assert_eq!(mails(&app, EXPERT.0, RESET).await, 4, "an hour on");
}

/// Posts a question on the demo's open project from `addr` as the signed-in NGO admin.
async fn ask_from(app: &TestApp, addr: &str, org: i64, n: usize) -> (Status, String) {
    let token = app.csrf().await;
    let question = format!("第 {n} 个问题：助餐服务是否包含节假日？");
    let r = app
        .client
        .post("/projects/NBMZ-2026-031/questions")
        .remote(format!("{addr}:4000").parse::<SocketAddr>().unwrap())
        .header(ContentType::Form)
        .body(encode(&[
            ("_csrf", &token),
            ("org", &org.to_string()),
            ("question", &question),
        ]))
        .dispatch()
        .await;
    let s = r.status();
    (s, r.into_string().await.unwrap_or_default())
}

#[rocket::async_test]
async fn questions_are_limited_to_twenty_an_hour_per_address() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM project_questions")
        .await;
    for n in 1..=20 {
        assert_eq!(
            ask_from(&app, "192.0.2.50", org, n).await.0,
            Status::SeeOther,
            "{n}"
        );
    }
    let (s, page) = ask_from(&app, "192.0.2.50", org, 21).await;
    assert_eq!(s, Status::TooManyRequests);
    assert!(page.contains("提交次数过多"), "the form says why");
    let after = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM project_questions")
        .await;
    assert_eq!(after - before, 20, "the 21st was not stored");
    assert_eq!(
        ask_from(&app, "192.0.2.51", org, 22).await.0,
        Status::SeeOther
    );
    app.clock.advance(Duration::hours(1));
    assert_eq!(
        ask_from(&app, "192.0.2.50", org, 23).await.0,
        Status::SeeOther
    );
}

#[rocket::async_test]
async fn public_objections_are_limited_per_address() {
    let app = TestApp::spawn().await;
    let id = crate::evaluation_flow::scored_application(&app).await;
    let round = crate::evaluation_flow::round_id(&app).await;
    crate::evaluation_dossier::in_notice(&app, id, round).await;
    set_setting(&app, "auth.public_posts_per_hour", "2").await;
    let object = |addr: &'static str| {
        let app = &app;
        async move {
            let token = app.csrf().await;
            app.client
                .post(format!("/evaluation/rounds/{round}/objections"))
                .remote(format!("{addr}:4000").parse::<SocketAddr>().unwrap())
                .header(ContentType::Form)
                .body(encode(&[
                    ("_csrf", &token),
                    ("application", &id.to_string()),
                    ("name", "王某"),
                    ("contact", "wang@example.cn"),
                    ("body", "该中心 2025 年的活动记录与实际不符。"),
                ]))
                .dispatch()
                .await
                .status()
        }
    };
    assert_eq!(object("192.0.2.60").await, Status::SeeOther);
    assert_eq!(object("192.0.2.60").await, Status::SeeOther, "at the limit");
    assert_eq!(object("192.0.2.60").await, Status::TooManyRequests, "above");
    let stored = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM eval_objections")
        .await;
    assert_eq!(stored, 2);
    assert_eq!(
        object("192.0.2.61").await,
        Status::SeeOther,
        "another address"
    );
}
