//! Every state-changing route refuses a request without a valid CSRF token, and writes nothing.

use crate::helpers::*;
use rocket::http::{ContentType, Method, Status};

/// A digest of the database state a POST could change.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT CAST(COUNT(*) AS BIGINT) FROM users",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM persons",
        "SELECT CAST(COALESCE(SUM(session_epoch), 0) AS BIGINT) FROM users",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE email_confirmed_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE preferred_lang = 'en'",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE phone IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM memberships",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE left_on IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM invitations",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants WHERE revoked_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM settings",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM one_time_tokens",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM organizations",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM applications",
        "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM applications",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM application_officers",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM attachments",
        "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM login_throttle",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM eval_rounds",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM eval_rounds WHERE committee_on IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM eval_applications",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM eval_assignments",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM eval_assignments WHERE declared_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM eval_scores",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM eval_objections",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM org_grades",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM grade_downgrades WHERE outcome IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM intentions",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM projects",
        "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM projects",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM doc_obtained",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM project_questions",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM project_amendments",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM project_documents",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM project_doc_files",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM doc_obtained",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bids",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bids WHERE status <> 'sealed'",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM suppliers",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM suppliers WHERE status <> 'pending'",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM category_follows",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM expert_fields",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bid_reviews",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM panels",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM panel_scores",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM panel_drafts",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM awards WHERE confirmed_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM award_winners",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM challenges",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM challenges WHERE answer IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM complaints",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM complaints WHERE decision IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM contracts",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM contracts WHERE filed_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_entries",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM contract_changes",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM contracts WHERE accepted_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM deliverables",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM deliverables WHERE decided_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM perf_reviews",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM perf_reviews WHERE submitted_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM survey_links",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM survey_links WHERE answered_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM rectifications",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM panel_members WHERE declared_at IS NOT NULL",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM panel_members WHERE status = 'recused'",
        "SELECT CAST(COALESCE(SUM(final_deadline_at), 0) AS BIGINT) FROM projects",
    ] {
        out.push(app.scalar(sql).await);
    }
    out
}

#[rocket::async_test]
async fn every_post_route_refuses_a_missing_or_wrong_token_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let posts: Vec<String> = app
        .client
        .rocket()
        .routes()
        .filter(|r| r.method == Method::Post)
        .map(|r| concrete(&r.uri.to_string()))
        .collect();
    assert!(posts.len() >= 15, "all POST routes are found: {posts:?}");
    let identities: [Option<(&str, &str)>; 10] = [
        Some(("finance@demo.huoban.cn", "demo-finance-2026")),
        Some(PURCHASER),
        Some(crate::suppliers::SUPERVISOR),
        None,
        Some(ADMIN),
        Some(NGO_ADMIN),
        Some(NGO_MEMBER),
        Some(REGISTRAR),
        Some(EVALUATION),
        Some(EXPERT),
    ];
    for path in &posts {
        let fields = plausible_fields(path);
        let mut refused_for_csrf = false;
        for who in identities {
            app.logout().await;
            if let Some(who) = who {
                app.login_as(who).await;
            }
            for token in [None, Some("forged-token-value")] {
                let before = fingerprint(&app).await;
                let mut all: Vec<(&str, &str)> = fields.clone();
                if let Some(t) = token {
                    all.push(("_csrf", t));
                }
                let r = app.post_raw(path, &encode(&all)).await;
                let status = r.status();
                let body = r.into_string().await.unwrap_or_default();
                assert!(
                    status.code >= 400 || (status == Status::SeeOther && who.is_none()),
                    "{path} as {who:?} without a valid token answered {status}"
                );
                if status == Status::Forbidden && body.contains("页面已过期或表单来源无法验证")
                {
                    refused_for_csrf = true;
                }
                assert_eq!(
                    fingerprint(&app).await,
                    before,
                    "{path} as {who:?} wrote without a valid token"
                );
            }
        }
        assert!(
            refused_for_csrf,
            "{path} was never refused for its CSRF token: is it unprotected?"
        );
    }
}

#[rocket::async_test]
async fn a_body_that_is_not_a_form_is_refused_too() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post("/login")
        .header(ContentType::JSON)
        .body(r#"{"email":"admin@demo.huoban.cn","password":"demo-admin-2026"}"#)
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    assert!(app.session_cookie().is_none());
}

#[rocket::async_test]
async fn multipart_forms_carry_the_token_the_same_way() {
    let app = TestApp::spawn().await;
    let token = app.csrf().await;
    let multipart = |with_token: bool| {
        let mut body = String::new();
        let mut parts = vec![("email", ADMIN.0), ("password", ADMIN.1)];
        if with_token {
            parts.push(("_csrf", token.as_str()));
        }
        for (k, v) in parts {
            body.push_str(&format!(
                "--XBOUNDARY\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str("--XBOUNDARY--\r\n");
        body
    };
    let ct = ContentType::new("multipart", "form-data").with_params(("boundary", "XBOUNDARY"));
    let r = app
        .client
        .post("/login")
        .header(ct.clone())
        .body(multipart(false))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    let r = app
        .client
        .post("/login")
        .header(ct)
        .body(multipart(true))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(r.headers().get_one("Location"), Some("/dashboard"));
}

#[rocket::async_test]
async fn the_token_changes_at_login_so_a_token_seen_before_is_useless_after() {
    let app = TestApp::spawn().await;
    let before = app.csrf().await;
    app.login_as(ADMIN).await;
    let after = app.csrf().await;
    assert_ne!(before, after);
    let r = app
        .post_raw("/lang", &encode(&[("_csrf", &before), ("lang", "en")]))
        .await;
    assert_eq!(r.status(), Status::Forbidden);
}
