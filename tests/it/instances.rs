//! Two application instances on one database (PostgreSQL in CI's second pass): each outbox mail
//! is delivered exactly once, and the audit chain stays one valid chain under concurrent writes.

use crate::helpers::*;
use std::collections::BTreeMap;

#[rocket::async_test]
async fn two_instances_deliver_each_mail_exactly_once() {
    let a = TestApp::spawn().await;
    let b = a.second_instance().await;
    // Fifteen reset mails to each of two accounts: above the hourly limit of three (issue 23).
    {
        let mut c = a.db.acquire().await.unwrap();
        sqlx::query(
            "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) \
             VALUES ('auth.reset_mails_per_hour', '15', 0, NULL, 0, 'test')",
        )
        .execute(&mut *c)
        .await
        .unwrap();
    }
    for i in 0..30 {
        let who = if i % 2 == 0 { EXPERT.0 } else { PURCHASER.0 };
        let app = if i % 3 == 0 { &a } else { &b };
        app.post("/password/forgot", &[("email", who)]).await;
    }
    let queued = a
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox")
        .await;
    assert_eq!(queued, 30);
    // Both workers run at the same time until nothing is left.
    for _ in 0..20 {
        let (ra, rb) = tokio::join!(a.deliver_mail(), b.deliver_mail());
        if ra.sent + rb.sent == 0 {
            break;
        }
    }
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    for m in a.mail.sent().into_iter().chain(b.mail.sent()) {
        *seen.entry(m.id).or_default() += 1;
    }
    assert_eq!(seen.len(), 30, "every mail was delivered");
    assert!(
        seen.values().all(|n| *n == 1),
        "no mail was delivered twice: {seen:?}"
    );
    assert_eq!(
        a.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE status = 'sent'")
            .await,
        30
    );
    assert!(a.verify_audit().await.ok());
}

#[rocket::async_test]
async fn concurrent_writes_from_two_instances_keep_one_valid_chain() {
    let a = TestApp::spawn().await;
    let b = a.second_instance().await;
    a.login_as(ADMIN).await;
    b.login_as(NGO_ADMIN).await;
    let before = a
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
        .await;
    let names: Vec<String> = (0..12).map(|i| format!("名字{i}")).collect();
    let fields: Vec<[(&str, &str); 2]> = names
        .iter()
        .map(|n| [("display_name", n.as_str()), ("phone", "")])
        .collect();
    let mut futures = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let app = if i % 2 == 0 { &a } else { &b };
        futures.push(app.post("/account/profile", f));
    }
    let statuses: Vec<_> = futures::future::join_all(futures)
        .await
        .into_iter()
        .map(|r| r.status().code)
        .collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(
        a.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
            .await,
        before + 12
    );
    let r = b.verify_audit().await;
    assert!(r.ok(), "{:?}", r.problem);
}
