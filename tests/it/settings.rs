//! Settings: changed on a page with history kept; every decision records the version it used.

use crate::helpers::*;
use huoban::db::settings;
use rocket::http::Status;

#[rocket::async_test]
async fn a_changed_setting_keeps_its_history_and_a_later_decision_records_the_new_version() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let mut c = app.db.acquire().await.unwrap();
    let v0 = settings::snapshot(&mut c, app.clock.now_ms())
        .await
        .unwrap();
    assert_eq!(v0.get("payment.term_days"), Some("30"));
    drop(c);

    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "payment.term_days"),
                ("value", "45"),
                ("reason", "市政府 2026 年第 3 号通知"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, page) = app.get("/admin/settings").await;
    assert!(
        page.contains("市政府 2026 年第 3 号通知"),
        "the history shows the change and its reason"
    );

    // A decision (granting a role) taken now records the version in force.
    let r = app
        .post("/admin/users/5/roles", &[("role", "finance_officer")])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let mut c = app.db.acquire().await.unwrap();
    let (version, at): (i64, i64) = sqlx::query_as(
        "SELECT settings_version, granted_at FROM role_grants ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert!(version > v0.version);
    let used = settings::as_used(&mut c, version, at).await.unwrap();
    assert_eq!(
        used.get("payment.term_days").map(String::as_str),
        Some("45")
    );
    // An earlier decision still reads the value it used.
    let earlier: i64 =
        sqlx::query_scalar("SELECT settings_version FROM role_grants ORDER BY id LIMIT 1")
            .fetch_one(&mut *c)
            .await
            .unwrap();
    let used = settings::as_used(&mut c, earlier, at).await.unwrap();
    assert_eq!(
        used.get("payment.term_days").map(String::as_str),
        Some("30")
    );
}

#[rocket::async_test]
async fn a_setting_dated_in_the_future_applies_from_that_day() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "evaluation.notice_days"),
                ("value", "10"),
                ("valid_from", "2027-01-01"),
                ("reason", "新办法"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let mut c = app.db.acquire().await.unwrap();
    let now = settings::snapshot(&mut c, app.clock.now_ms())
        .await
        .unwrap();
    assert_eq!(now.get("evaluation.notice_days"), Some("7"));
    drop(c);
    app.clock.set(time::macros::datetime!(2026-12-31 16:00 UTC)); // 00:00 on 1 Jan in Beijing
    let mut c = app.db.acquire().await.unwrap();
    let later = settings::snapshot(&mut c, app.clock.now_ms())
        .await
        .unwrap();
    assert_eq!(later.get("evaluation.notice_days"), Some("10"));
}

#[rocket::async_test]
async fn bad_setting_values_are_refused_with_messages_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM settings")
        .await;
    for (key, value, msg) in [
        ("payment.term_days", "61", "取值超出允许范围"),
        ("payment.term_days", "abc", "请填写整数"),
        (
            "evaluation.threshold.4a",
            "960",
            "等级分数线必须从高到低依次递减",
        ),
        ("registry.first_year_cutoff", "02-30", "请按“月-日”填写"),
        ("no.such.key", "1", "没有这个参数"),
    ] {
        let r = app
            .post(
                "/admin/settings",
                &[("key", key), ("value", value), ("reason", "x")],
            )
            .await;
        assert_eq!(r.status(), Status::UnprocessableEntity, "{key}={value}");
        assert!(
            r.into_string().await.unwrap().contains(msg),
            "{key}={value} should say {msg}"
        );
    }
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "payment.term_days"),
                ("value", "40"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM settings")
            .await,
        before
    );
}
