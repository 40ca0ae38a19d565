//! Mail delivery by the worker: delivered, retried after a transient failure with backoff,
//! the final failure recorded, in the recipient's language.

use crate::helpers::*;

async fn status_of_last_mail(app: &TestApp) -> (String, i64, Option<String>) {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_as("SELECT status, attempts, last_error FROM mail_outbox ORDER BY id DESC LIMIT 1")
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

#[rocket::async_test]
async fn the_worker_delivers_pending_mail_once() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let round = app.deliver_mail().await;
    assert_eq!(round.sent, 1);
    let sent = app.mail.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, EXPERT.0);
    assert_eq!(sent[0].subject, "伙伴平台：重设密码");
    assert_eq!(status_of_last_mail(&app).await.0, "sent");
    assert_eq!(app.deliver_mail().await.sent, 0, "nothing is sent twice");
    assert!(app.verify_audit().await.ok());
    let delivered = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'mail.sent'")
        .await;
    assert_eq!(delivered, 1);
}

#[rocket::async_test]
async fn a_transient_failure_is_retried_after_the_backoff() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    app.mail.fail_next(1);
    let round = app.deliver_mail().await;
    assert_eq!(round.retried, 1);
    let (status, attempts, error) = status_of_last_mail(&app).await;
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(error.unwrap().contains("421"));
    assert_eq!(
        app.deliver_mail().await.sent,
        0,
        "not before the backoff ends"
    );
    app.clock.advance(time::Duration::seconds(31));
    assert_eq!(app.deliver_mail().await.sent, 1);
    assert_eq!(status_of_last_mail(&app).await.0, "sent");
    assert_eq!(app.mail.sent().len(), 1);
}

#[rocket::async_test]
async fn a_permanent_failure_is_recorded_as_final() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    app.mail.refuse_next(1);
    assert_eq!(app.deliver_mail().await.failed, 1);
    let (status, attempts, error) = status_of_last_mail(&app).await;
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(error.unwrap().contains("550"));
    app.clock.advance(time::Duration::days(1));
    assert_eq!(
        app.deliver_mail().await,
        Default::default(),
        "a failed mail is not retried"
    );
}

#[rocket::async_test]
async fn repeated_transient_failures_end_in_a_recorded_failure() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    app.mail.fail_next(100);
    for _ in 0..huoban::platform::mail::worker::MAX_ATTEMPTS {
        app.deliver_mail().await;
        app.clock.advance(time::Duration::hours(1));
    }
    let (status, attempts, _) = status_of_last_mail(&app).await;
    assert_eq!(
        (status.as_str(), attempts),
        ("failed", huoban::platform::mail::worker::MAX_ATTEMPTS)
    );
}

#[rocket::async_test]
async fn each_recipient_gets_mail_in_their_own_language() {
    let app = TestApp::spawn().await;
    app.login_as(EXPERT).await;
    app.post("/lang", &[("lang", "en")]).await;
    app.logout().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    app.post("/password/forgot", &[("email", PURCHASER.0)])
        .await;
    app.deliver_mail().await;
    let sent = app.mail.sent();
    let to_expert = sent.iter().find(|m| m.to == EXPERT.0).unwrap();
    let to_purchaser = sent.iter().find(|m| m.to == PURCHASER.0).unwrap();
    assert_eq!(
        (to_expert.lang.as_str(), to_expert.subject.as_str()),
        ("en", "Huoban: reset your password")
    );
    assert_eq!(
        (to_purchaser.lang.as_str(), to_purchaser.subject.as_str()),
        ("zh-CN", "伙伴平台：重设密码")
    );
}

#[rocket::async_test]
async fn a_claim_left_by_a_crashed_process_is_taken_over_when_its_lease_expires() {
    let app = TestApp::spawn().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    // A process claimed the mail and died before sending it.
    let lease_until = app.clock.now_ms() + huoban::platform::mail::worker::LEASE_MS;
    {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query(
            "UPDATE mail_outbox SET status = 'sending', lease_owner = 'dead', lease_until = $1",
        )
        .bind(lease_until)
        .execute(&mut *c)
        .await
        .unwrap();
    }
    assert_eq!(app.deliver_mail().await.sent, 0, "the lease still holds");
    app.clock.advance(time::Duration::minutes(6));
    assert_eq!(app.deliver_mail().await.sent, 1);
}

#[rocket::async_test]
async fn delivered_mail_keeps_no_usable_link_and_admins_do_not_see_bodies_where_mail_is_sent() {
    let app = TestApp::spawn_delivering().await;
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let (_, stored) = app.last_mail_to(EXPERT.0).await.unwrap();
    let link = link_in(&stored, "/password/reset/").unwrap();
    app.login_as(ADMIN).await;
    let (_, page) = app.get("/admin/mail").await;
    assert!(
        page.contains("伙伴平台：重设密码"),
        "the admin sees what was sent to whom"
    );
    assert!(!html_unescape(&page).contains(&link), "but not the link");
    // Its state in words, not the stored code.
    assert!(
        page.contains("待发送") && !page.contains(">pending<"),
        "{page}"
    );
    app.deliver_mail().await;
    let (_, page) = app.get("/admin/mail").await;
    assert!(
        page.contains("已发送") && !page.contains(">sent<"),
        "{page}"
    );
    assert!(
        app.mail.sent()[0].body.contains(&link),
        "the recipient got the link"
    );
    let (_, stored) = app.last_mail_to(EXPERT.0).await.unwrap();
    assert!(
        !stored.contains(&link),
        "the outbox keeps no usable link after delivery"
    );
    assert!(stored.contains("/password/reset/…"));
}

#[rocket::async_test]
async fn a_worker_that_lost_its_claim_does_not_send_the_mail_again() {
    let a = TestApp::spawn().await;
    let b = a.second_instance().await;
    a.post("/password/forgot", &[("email", EXPERT.0)]).await;
    let ctx_a = a.jobs();
    let worker_a = ctx_a.mail_worker(a.mail.as_ref());
    let batch = worker_a.claim().await.unwrap();
    assert_eq!(batch.len(), 1);
    // A is stalled past its lease; B takes the mail over and sends it.
    a.clock.advance(time::Duration::minutes(6));
    assert_eq!(b.deliver_mail().await.sent, 1);
    // A wakes up with its old batch: it must not send it.
    assert_eq!(worker_a.deliver(batch).await.unwrap().sent, 0);
    assert_eq!(a.mail.sent().len() + b.mail.sent().len(), 1);
}
