//! Delivery to a real SMTP server (CI starts Python's aiosmtpd and sets HUOBAN_TEST_SMTP to its
//! address and HUOBAN_TEST_MAILDIR to where it stores mail). Skipped, saying so, without them.

use crate::helpers::*;
use huoban::platform::config::{SmtpConfig, SmtpTls};
use huoban::platform::mail::transport::Smtp;

fn smtp(port: u16) -> Smtp {
    Smtp::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "伙伴平台 <noreply@huoban.test>".into(),
        timeout_secs: 5,
    })
    .unwrap()
}

/// (to, subject, body) of every message in the maildir, decoded by Python's email package.
fn maildir_messages(dir: &str) -> Vec<(String, String, String)> {
    let script = r#"
import json, mailbox, sys
from email.header import decode_header, make_header
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    body = m.get_payload(decode=True).decode(m.get_content_charset() or 'utf-8')
    out.append([str(m['To']), str(make_header(decode_header(m['Subject']))), body])
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, dir])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[rocket::async_test]
async fn mail_reaches_a_real_smtp_server_with_the_right_subject_and_language() {
    let (Ok(addr), Ok(maildir)) = (
        std::env::var("HUOBAN_TEST_SMTP"),
        std::env::var("HUOBAN_TEST_MAILDIR"),
    ) else {
        eprintln!(
            "SMTP delivery: skipped (set HUOBAN_TEST_SMTP and HUOBAN_TEST_MAILDIR; .ci/run does)"
        );
        return;
    };
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let app = TestApp::spawn().await;
    app.login_as(EXPERT).await;
    app.post("/lang", &[("lang", "en")]).await;
    app.logout().await;
    // A unique address per run, so earlier runs' mail in the same maildir does not count.
    let tag = format!("{}{}", std::process::id(), app.clock.now_ms() % 100_000);
    app.post("/password/forgot", &[("email", EXPERT.0)]).await;
    app.post("/password/forgot", &[("email", PURCHASER.0)])
        .await;
    {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query("UPDATE mail_outbox SET to_addr = REPLACE(to_addr, '@demo.huoban.cn', $1)")
            .bind(format!("+{tag}@demo.huoban.cn"))
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let ctx = app.jobs();
    // First a server that is not there: a transient failure, kept for retry.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = smtp(closed);
    let round = ctx.mail_worker(&down).run_once().await.unwrap();
    assert_eq!(round.retried, 2, "connection refused is worth retrying");
    app.clock.advance(time::Duration::minutes(1));
    let up = smtp(port);
    let round = ctx.mail_worker(&up).run_once().await.unwrap();
    let errors: Vec<(String, Option<String>)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as("SELECT status, last_error FROM mail_outbox")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(round.sent, 2, "{round:?} {errors:?}");
    let msgs: Vec<_> = maildir_messages(&maildir)
        .into_iter()
        .filter(|(to, _, _)| to.contains(&tag))
        .collect();
    assert_eq!(msgs.len(), 2, "both arrived: {msgs:?}");
    let en = msgs
        .iter()
        .find(|(to, _, _)| to.starts_with("expert"))
        .unwrap();
    let zh = msgs
        .iter()
        .find(|(to, _, _)| to.starts_with("purchaser"))
        .unwrap();
    assert_eq!(en.1, "Huoban: reset your password");
    assert!(en.2.starts_with("Hello"), "{}", en.2);
    assert_eq!(zh.1, "伙伴平台：重设密码");
    assert!(
        zh.2.contains("我们收到了重设您伙伴平台密码的申请"),
        "{}",
        zh.2
    );
}
