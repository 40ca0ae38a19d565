//! The audit trail: every change writes one entry; the chain, the HMACs and the published heads
//! verify; tampering of each kind is detected and the first bad entry named.

use crate::helpers::*;
use huoban::domain::chain;
use rocket::http::Status;

async fn some_history(app: &TestApp) {
    app.login_as(ADMIN).await;
    app.post("/admin/users/5/roles", &[("role", "finance_officer")])
        .await;
    app.post(
        "/admin/settings",
        &[
            ("key", "payment.term_days"),
            ("value", "45"),
            ("reason", "通知"),
        ],
    )
    .await;
    app.post(
        "/account/profile",
        &[("display_name", "王管理员"), ("phone", "")],
    )
    .await;
    app.post("/lang", &[("lang", "en")]).await;
}

async fn entries(app: &TestApp) -> i64 {
    app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
        .await
}

/// What someone with the database's owner rights does first: lift the append-only triggers
/// (the database refuses changes to the trail otherwise; `security_audit.rs` tests that).
pub async fn lift_append_only(app: &TestApp) {
    let statements: &[&str] = match app.db.backend {
        huoban::db::Backend::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            "DROP TRIGGER audit_published_no_update",
            "DROP TRIGGER audit_published_no_delete",
        ],
        huoban::db::Backend::Postgres => &[
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "ALTER TABLE audit_published DISABLE TRIGGER USER",
        ],
    };
    for sql in statements {
        exec(app, (*sql).to_string()).await;
    }
}

async fn exec(app: &TestApp, sql: String) {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *c)
        .await
        .unwrap();
}

#[rocket::async_test]
async fn each_change_writes_one_entry_and_the_chain_verifies() {
    let app = TestApp::spawn().await;
    let before = entries(&app).await;
    assert!(
        before >= 2,
        "start-up defaults and the demo data are recorded"
    );
    some_history(&app).await;
    assert_eq!(
        entries(&app).await,
        before + 4,
        "grant, setting, profile, language: one entry each"
    );
    let r = app.verify_audit().await;
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.entries, before + 4);
    // A refused change writes nothing.
    app.post(
        "/admin/settings",
        &[
            ("key", "payment.term_days"),
            ("value", "999"),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(entries(&app).await, before + 4);
}

#[rocket::async_test]
async fn the_history_tab_shows_an_entitys_trail_to_staff_only() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    let (status, page) = app.get("/history/user/5").await;
    assert_eq!(status, Status::Ok);
    assert!(page.contains("role.granted"));
    let (_, page) = app.get("/history/setting/payment.term_days").await;
    assert!(page.contains("setting.changed"));
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let (status, _) = app.get("/history/user/5").await;
    assert_eq!(status, Status::Forbidden);
}

#[rocket::async_test]
async fn summaries_hold_no_passwords_tokens_or_personal_numbers() {
    let app = TestApp::spawn().await;
    app.post(
        "/signup",
        &[
            ("display_name", "林"),
            ("email", "lin@example.cn"),
            ("password", "secret-password-42"),
            ("password_confirm", "secret-password-42"),
            ("phone", "13912345678"),
            ("id_number", "11010519491231002X"),
        ],
    )
    .await;
    let (_, body) = app.last_mail_to("lin@example.cn").await.unwrap();
    let token = link_in(&body, "/confirm/")
        .unwrap()
        .replace("/confirm/", "");
    let mut c = app.db.acquire().await.unwrap();
    let all: Vec<String> = sqlx::query_scalar("SELECT summary FROM audit_log")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    let text = all.join("\n");
    for secret in [
        "secret-password-42",
        token.as_str(),
        "13912345678",
        "11010519491231002X",
        "$argon2",
    ] {
        assert!(!text.contains(secret), "the audit trail holds {secret}");
    }
}

#[rocket::async_test]
async fn an_edited_row_is_detected_and_named() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    lift_append_only(&app).await;
    exec(
        &app,
        "UPDATE audit_log SET summary = '{\"value\":\"60\"}' WHERE seq = 4".into(),
    )
    .await;
    let r = app.verify_audit().await;
    assert!(
        r.problem.as_deref().unwrap().starts_with("entry 4 "),
        "{:?}",
        r.problem
    );
}

#[rocket::async_test]
async fn a_deleted_row_is_detected_and_named() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    lift_append_only(&app).await;
    exec(&app, "DELETE FROM audit_log WHERE seq = 3".into()).await;
    let r = app.verify_audit().await;
    assert_eq!(
        r.problem.as_deref(),
        Some("entry 3 is missing (the next entry is 4)")
    );
}

#[rocket::async_test]
async fn a_chain_recomputed_without_the_hmac_key_is_detected() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    // Someone with the database only: rewrites entry 3 and recomputes every hash after it with
    // the published formula, signing with a key of their own.
    lift_append_only(&app).await;
    let mut c = app.db.acquire().await.unwrap();
    let rows = huoban::db::audit::page(&mut c, 1, 100_000).await.unwrap();
    let mut prev = chain::GENESIS.to_string();
    for mut row in rows {
        if row.seq == 3 {
            row.summary = "{\"forged\":true}".to_string();
        }
        row.prev_hash = prev.clone();
        let s: serde_json::Value = serde_json::from_str(&row.summary).unwrap();
        let text = huoban::platform::audit::canonical_text(&row, &s).unwrap();
        let hash = chain::entry_hash(&prev, &text);
        let hmac = chain::entry_hmac(b"the attacker's own key", &prev, &text);
        sqlx::query("UPDATE audit_log SET summary = $1, prev_hash = $2, hash = $3, hmac = $4 WHERE seq = $5")
            .bind(&row.summary)
            .bind(&prev)
            .bind(&hash)
            .bind(&hmac)
            .bind(row.seq)
            .execute(&mut *c)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let r = app.verify_audit().await;
    assert_eq!(
        r.problem.as_deref(),
        Some("entry 1 has a wrong HMAC: the chain was recomputed without the audit key")
    );
}

#[rocket::async_test]
async fn a_tail_truncated_past_a_published_head_is_detected() {
    let app = TestApp::spawn().await;
    some_history(&app).await;
    assert!(huoban::platform::jobs::publish_audit_head(&app.jobs())
        .await
        .unwrap());
    assert!(
        !huoban::platform::jobs::publish_audit_head(&app.jobs())
            .await
            .unwrap(),
        "once a day"
    );
    let (_, page) = app.get("/audit/heads").await;
    let head = entries(&app).await;
    assert!(
        page.contains(&format!("<td class=\"num\">{head}</td>")),
        "the public page shows the head"
    );
    // Cut the last two entries and roll the head row back so the chain itself looks whole.
    lift_append_only(&app).await;
    let mut c = app.db.acquire().await.unwrap();
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_log WHERE seq = $1")
            .bind(head - 2)
            .fetch_one(&mut *c)
            .await
            .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(seq)
        .execute(&mut *c)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let r = app.verify_audit().await;
    let problem = r.problem.unwrap();
    assert!(
        problem.contains(&format!(
            "names entry {head}, which is missing: the trail was truncated"
        )),
        "{problem}"
    );
    // Even with the published row deleted too, the heads file outside the database still tells.
    exec(&app, "DELETE FROM audit_published".into()).await;
    let file = std::env::temp_dir().join(format!("heads-{}.txt", std::process::id()));
    std::fs::write(
        &file,
        huoban::platform::audit::heads_file_line("2026-11-28", head, "ab"),
    )
    .unwrap();
    let r = huoban::platform::audit::verify(
        &app.db,
        std::slice::from_ref(&app.resolved.keys.audit_hmac),
        file.to_str(),
    )
    .await
    .unwrap();
    assert!(r
        .problem
        .unwrap()
        .contains("which is missing: the trail was truncated"));
}

#[rocket::async_test]
async fn entries_record_the_id_of_the_key_that_signed_them() {
    let app = TestApp::spawn().await;
    let ids: Vec<String> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT DISTINCT hmac_key_id FROM audit_log")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(ids, vec![app.resolved.keys.audit_hmac.id.clone()]);
    // Verifying without that key names the entry and the missing key.
    let other = huoban::platform::config::KeyMaterial {
        id: "other".into(),
        bytes: vec![7; 32],
    };
    let r = huoban::platform::audit::verify(&app.db, &[other], None)
        .await
        .unwrap();
    assert!(r
        .problem
        .unwrap()
        .starts_with("entry 1 was signed with key"));
}

/// Runs `action` and checks it wrote exactly one audit entry with the given action name.
async fn one_entry(
    app: &TestApp,
    expected: &str,
    status: Status,
    r: rocket::local::asynchronous::LocalResponse<'_>,
    before: i64,
) {
    assert_eq!(r.status(), status, "{expected}");
    let after = entries(app).await;
    assert_eq!(
        after,
        before + 1,
        "{expected} wrote {} entries",
        after - before
    );
    let mut c = app.db.acquire().await.unwrap();
    let last: String = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(last, expected);
}

#[rocket::async_test]
async fn every_kind_of_change_writes_exactly_one_entry() {
    let app = TestApp::spawn().await;
    let see_other = Status::SeeOther;
    let fields = [
        ("display_name", "新用户"),
        ("email", "new@example.cn"),
        ("password", "a-long-password"),
        ("password_confirm", "a-long-password"),
    ];
    let n = entries(&app).await;
    one_entry(
        &app,
        "user.signed_up",
        see_other,
        app.post("/signup", &fields).await,
        n,
    )
    .await;
    let (_, body) = app.last_mail_to("new@example.cn").await.unwrap();
    let n = entries(&app).await;
    one_entry(
        &app,
        "user.email_confirmed",
        see_other,
        app.post(&link_in(&body, "/confirm/").unwrap(), &[]).await,
        n,
    )
    .await;
    let n = entries(&app).await;
    one_entry(
        &app,
        "user.password_reset_requested",
        Status::Ok,
        app.post("/password/forgot", &[("email", "new@example.cn")])
            .await,
        n,
    )
    .await;
    let (_, body) = app.last_mail_to("new@example.cn").await.unwrap();
    let reset = [
        ("password", "brand-new-password"),
        ("password_confirm", "brand-new-password"),
    ];
    let n = entries(&app).await;
    one_entry(
        &app,
        "user.password_reset",
        see_other,
        app.post(&link_in(&body, "/password/reset/").unwrap(), &reset)
            .await,
        n,
    )
    .await;
    app.login_as(NGO_ADMIN).await;
    let n = entries(&app).await;
    one_entry(
        &app,
        "invitation.created",
        see_other,
        app.post("/orgs/1/invitations", &[("email", "new@example.cn")])
            .await,
        n,
    )
    .await;
    let member_row: i64 = app
        .scalar("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'ngo.member@demo.huoban.cn' AND m.org_id = 1")
        .await;
    let n = entries(&app).await;
    one_entry(
        &app,
        "org.admin_handover",
        see_other,
        app.post(
            "/orgs/1/admin-handover",
            &[("member", &member_row.to_string())],
        )
        .await,
        n,
    )
    .await;
    let own: i64 = app
        .scalar("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'ngo@demo.huoban.cn' AND m.left_on IS NULL")
        .await;
    let n = entries(&app).await;
    one_entry(
        &app,
        "membership.ended",
        see_other,
        app.post(&format!("/orgs/1/members/{own}/end"), &[]).await,
        n,
    )
    .await;
    let n = entries(&app).await;
    one_entry(
        &app,
        "user.sessions_ended",
        see_other,
        app.post("/account/logout-all", &[]).await,
        n,
    )
    .await;
    app.login_as(ADMIN).await;
    let grant: i64 = app.scalar("SELECT g.id FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.email = 'expert@demo.huoban.cn'").await;
    let n = entries(&app).await;
    one_entry(
        &app,
        "role.revoked",
        see_other,
        app.post(&format!("/admin/grants/{grant}/revoke"), &[])
            .await,
        n,
    )
    .await;
    assert!(app.verify_audit().await.ok());
}
