//! The living demo's remainders (issue 25): the administrator's work in the city, a city that
//! comes out the same on every run, an audit chain whose times follow its order, and the
//! committee sheet's vote errors at their fields.

use crate::helpers::*;
use rocket::http::Status;

const ADMIN: (&str, &str) = ("admin@demo.huoban.cn", "demo-admin-2026");

/// The city leaves one invitation the mail server refused (a mistyped address): it is on the
/// admin's work list, linked to where the admin sees the address and the server's error and
/// sends it again; sent again, it leaves the list.
#[rocket::async_test]
async fn the_admin_finds_the_refused_mail_and_sends_it_again() {
    let app = TestApp::spawn_city().await;
    let id = app
        .scalar("SELECT MAX(id) FROM mail_outbox WHERE status = 'failed'")
        .await;
    assert_eq!(
        app.text(&format!("SELECT to_addr FROM mail_outbox WHERE id = {id}"))
            .await,
        "chen.jing@163.con"
    );
    app.login_as(ADMIN).await;
    let link = format!("href=\"/admin/mail#mail-{id}\"");
    let (s, dash) = app.get("/dashboard").await;
    assert_eq!(s, Status::Ok);
    let dash = html_unescape(&dash);
    let tasks = dash
        .split("id=\"tasks-title\"")
        .nth(1)
        .expect("a work list");
    assert!(tasks.contains(&link), "the refused mail on the work list");
    // And the working-day table the statutory clocks need next (2027 is not loaded here).
    assert!(
        tasks.contains("href=\"/admin/calendar?year=2027#load\""),
        "the missing 2027 calendar on the work list"
    );
    let (s, page) = app.get("/admin/mail").await;
    assert_eq!(s, Status::Ok);
    let page = html_unescape(&page);
    assert!(
        page.contains(&format!("id=\"mail-{id}\"")),
        "the link's target"
    );
    assert!(page.contains("chen.jing@163.con"));
    assert!(page.contains("550 5.1.2"), "the server's answer is shown");
    let retry = format!("/admin/mail/{id}/retry");
    assert!(page.contains(&format!("action=\"{retry}\"")));
    // Sent again: back in the queue, audited, off the work list.
    let r = app.post(&retry, &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    drop(r);
    assert_eq!(
        app.text(&format!("SELECT status FROM mail_outbox WHERE id = {id}"))
            .await,
        "pending"
    );
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'mail.retry_requested' AND entity_id = '{id}'"
        ))
        .await,
        1
    );
    let (_, dash) = app.get("/dashboard").await;
    assert!(!html_unescape(&dash).contains(&link));
    // What goes again is a link that still opens: a mail given up keeps its one-time link
    // (only a delivered one has it cut), so the invitation works once it arrives.
    let body = app
        .text(&format!(
            "SELECT body_text FROM mail_outbox WHERE id = {id}"
        ))
        .await;
    let start = body.find("/invitations/").expect("the invitation's link");
    let path: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c))
        .collect();
    assert!(
        path.len() > "/invitations/".len() + 16,
        "a whole token: {path}"
    );
    let (s, invitation) = app.get(&path).await;
    assert_eq!(s, Status::Ok, "{path}");
    assert!(
        invitation.contains("name=\"_csrf\""),
        "the invitation's form"
    );
    // A second press finds nothing to send again: said, nothing written.
    let r = app.post(&retry, &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    drop(r);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'mail.retry_requested'")
            .await,
        1
    );
    // Someone else's mail page is not the admin's: refused.
    app.logout().await;
    app.login_as(("ngo@demo.huoban.cn", "demo-ngo-2026")).await;
    let r = app.post(&retry, &[]).await;
    assert_eq!(r.status(), Status::Forbidden);
}

/// A refused mail whose address is itself wrong cannot be helped by sending it again: the
/// admin marks it handled (after telling the sender); it leaves the work list, stays in the
/// outbox with its state in words, and the step is audited once.
#[rocket::async_test]
async fn a_refused_mail_handled_otherwise_leaves_the_work_list() {
    let app = TestApp::spawn_city().await;
    let id = app
        .scalar("SELECT MAX(id) FROM mail_outbox WHERE status = 'failed'")
        .await;
    app.login_as(ADMIN).await;
    let link = format!("href=\"/admin/mail#mail-{id}\"");
    assert!(html_unescape(&app.get("/dashboard").await.1).contains(&link));
    let (_, page) = app.get("/admin/mail").await;
    let dismiss = format!("/admin/mail/{id}/dismiss");
    assert!(
        page.contains(&format!("action=\"{dismiss}\"")),
        "offered beside 'send again'"
    );
    let r = app.post(&dismiss, &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    drop(r);
    assert_eq!(
        app.text(&format!("SELECT status FROM mail_outbox WHERE id = {id}"))
            .await,
        "dismissed"
    );
    let audited = format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'mail.dismissed' AND entity_id = '{id}'"
    );
    assert_eq!(app.scalar_of(&audited).await, 1);
    assert!(!html_unescape(&app.get("/dashboard").await.1).contains(&link));
    let (_, page) = app.get("/admin/mail").await;
    assert!(!page.contains(&format!("action=\"{dismiss}\"")));
    // Once is enough: a second press writes nothing, and it cannot be sent again now.
    let r = app.post(&dismiss, &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    drop(r);
    let r = app.post(&format!("/admin/mail/{id}/retry"), &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    drop(r);
    assert_eq!(app.scalar_of(&audited).await, 1);
    assert_eq!(
        app.text(&format!("SELECT status FROM mail_outbox WHERE id = {id}"))
            .await,
        "dismissed"
    );
    app.logout().await;
    app.login_as(("ngo@demo.huoban.cn", "demo-ngo-2026")).await;
    let r = app.post(&dismiss, &[]).await;
    assert_eq!(r.status(), Status::Forbidden);
}

/// Columns that hold secrets or what is derived from them, different on every run by design:
/// password hashes, tokens and their digests, the sealed bids (envelopes, nonces, their
/// digests and references), and the audit chain's hashes and HMACs (keyed per instance).
const SECRET_COLUMNS: [&str; 18] = [
    "id_number_hash",
    "id_hash_key_id",
    "password_hash",
    "token_hash",
    "token_digest",
    "envelope",
    "nonce",
    "sealed",
    "digest",
    "reference",
    "key_id",
    "hash",
    "prev_hash",
    "hmac",
    "hmac_key_id",
    "body_text",
    "secret",
    "sid_hash",
];

/// Per table, a column named by chance: a bid file's stored name (random, like a token).
const RANDOM_NAMES: [(&str, &str); 1] = [("bid_files", "id")];

/// A sealed bid's digest quoted in an event's JSON (`"digest":"<64 hex>"`), cut out: it is
/// taken over the envelope, which is sealed with a fresh nonce.
fn without_bid_digests(s: &str) -> String {
    let key = "\"digest\":\"";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(key) {
        let (head, tail) = rest.split_at(i + key.len());
        out.push_str(head);
        let hex = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex == 64 {
            out.push('…');
            rest = &tail[64..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Every table's rows, column by column, secrets left out: `table → rows`.
async fn contents(app: &TestApp) -> std::collections::BTreeMap<String, Vec<String>> {
    use sqlx::{Column, Row};
    let mut c = app.db.acquire().await.unwrap();
    let tables: Vec<String> = match app.db.backend {
        huoban::db::Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '_sqlx%' ORDER BY name",
        ),
        huoban::db::Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1",
        ),
    }
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for t in tables {
        // The sessions and the audit heads' publication are the instance's, not the city's.
        if ["sessions", "audit_published"].contains(&t.as_str()) {
            continue;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {t}")))
            .fetch_all(&mut *c)
            .await
            .unwrap();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                let mut line = String::new();
                for (i, col) in r.columns().iter().enumerate() {
                    if SECRET_COLUMNS.contains(&col.name())
                        || RANDOM_NAMES.contains(&(t.as_str(), col.name()))
                    {
                        continue;
                    }
                    let v = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                        format!("{v:?}")
                    } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                        format!("{:?}", v.map(|v| without_bid_digests(&v)))
                    } else if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
                        format!("{v:?}")
                    } else if let Ok(v) = r.try_get::<Option<bool>, _>(i) {
                        format!("{v:?}")
                    } else {
                        format!("{:?}", r.try_get::<Option<Vec<u8>>, _>(i).ok())
                    };
                    line.push_str(&format!("{}={v};", col.name()));
                }
                line
            })
            .collect();
        lines.sort();
        out.insert(t, lines);
    }
    out
}

/// Two first starts on fresh databases write the same city: the same ids, names, amounts,
/// dates, panels (who sits on which), scores, awards and grades, row for row in every
/// table, secrets apart.
#[rocket::async_test]
async fn two_first_starts_write_the_same_city_row_for_row() {
    let city = TestApp::spawn_city().await;
    // What is kept beside the records (running sums, departments, payable instants) agrees with
    // them after the city's whole year of signing, paying, reviewing and accepting.
    assert_eq!(kept_drift(&city).await, Vec::<String>::new());
    let a = contents(&city).await;
    let b = contents(&TestApp::spawn_city().await).await;
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let mut differ = Vec::new();
    for (t, rows) in &a {
        let other = &b[t];
        if rows != other {
            let first = rows
                .iter()
                .zip(other)
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("{x}\n  vs\n{y}"))
                .unwrap_or_else(|| format!("{} vs {} rows", rows.len(), other.len()));
            differ.push(format!("{t}: {first}"));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n\n"));
    // The panels were drawn, and the comparison saw them.
    assert!(
        a["panel_members"].len() >= 10,
        "{} panel seats",
        a["panel_members"].len()
    );
    assert!(a["org_grades"].len() >= 20);
}

/// Every `href="#x"` of the page's error summary.
fn summary_targets(page: &str) -> Vec<String> {
    let Some(summary) = page.split("class=\"error-summary\"").nth(1) else {
        return Vec::new();
    };
    let summary = summary.split("</div>").next().unwrap_or("");
    summary
        .split("href=\"#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The committee's decision sheet: a vote count that is no majority (or no number) is said at
/// its field (`aria-invalid`, described by its message), the summary links to the field's
/// real id, and what was typed (the grade, the votes, the reason) is still in the form.
#[rocket::async_test]
async fn a_bad_vote_on_the_committee_sheet_is_said_at_its_field_and_kept() {
    use crate::evaluation_flow::{post_owned, round_id, scored_application, switch};
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let round = round_id(&app).await;
    switch(&app, ("evaluation@demo.huoban.cn", "demo-evaluation-2026")).await;
    let path = format!("/evaluation/rounds/{round}/committee");
    for (votes, reason, said) in [
        ("4", "材料齐全，委员会讨论后调整", "全体委员过半数"),
        ("四票", "", "赞成票数应在 0 和出席人数之间"),
    ] {
        let (s, body) = post_owned(
            &app,
            &path,
            &[
                ("held_on".into(), "2026-11-28".into()),
                ("members".into(), "9".into()),
                ("present".into(), "7".into()),
                (format!("decisions[{id}].grade"), "4a".into()),
                (format!("decisions[{id}].votes"), votes.into()),
                (format!("decisions[{id}].reason"), reason.into()),
            ],
        )
        .await;
        assert_eq!(s, Status::UnprocessableEntity, "{votes}: {body}");
        let page = html_unescape(&body);
        let vid = format!("v{id}");
        // The message at the field, the field marked and described by it.
        let input = page
            .split(&format!("id=\"{vid}\""))
            .nth(1)
            .and_then(|s| s.split('>').next())
            .unwrap_or_else(|| panic!("the votes field {vid}"));
        assert!(input.contains("aria-invalid=\"true\""), "{input}");
        assert!(
            input.contains(&format!("aria-describedby=\"{vid}-error\"")),
            "{input}"
        );
        assert!(
            input.contains(&format!("value=\"{votes}\"")),
            "typed votes kept: {input}"
        );
        let message = page
            .split(&format!("id=\"{vid}-error\">"))
            .nth(1)
            .and_then(|s| s.split('<').next())
            .expect("the message at the field");
        assert!(message.contains(said), "{message}");
        // Every summary link lands on an element of the page.
        let targets = summary_targets(&page);
        assert!(targets.contains(&vid), "{targets:?}");
        for t in &targets {
            assert!(page.contains(&format!("id=\"{t}\"")), "#{t} on the page");
        }
        // The rest of the decision as typed: the grade chosen, the reason.
        let select = page
            .split(&format!("id=\"g{id}\""))
            .nth(1)
            .and_then(|s| s.split("</select>").next())
            .expect("the grade");
        assert!(select.contains("value=\"4a\" selected"), "{select}");
        if !reason.is_empty() {
            assert!(page.contains(&format!("value=\"{reason}\"")), "reason kept");
        } else {
            // No reason for a change from the proposal: said at the reason's field too.
            let why = format!("why{id}");
            assert!(targets.contains(&why), "{targets:?}");
            assert!(page.contains(&format!("aria-describedby=\"{why}-error\"")));
        }
    }
    // Nothing was decided.
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM eval_applications WHERE id = {id} AND status = 'decided'"
        ))
        .await,
        0
    );
}

/// The city's entries of the audit chain, in the chain's order: (seq, at, action).
async fn city_audit(at: Option<time::OffsetDateTime>) -> (TestApp, Vec<(i64, i64, String)>) {
    let app = TestApp::spawn().await;
    if let Some(at) = at {
        app.clock.set(at);
    }
    // The base demo's entries come first, at the loading instant; the city's history after
    // them starts in the past.
    let before = app.scalar("SELECT MAX(seq) FROM audit_log").await;
    huoban::seed::city::run(&app.db, &app.resolved, &app.clock)
        .await
        .expect("the city's year");
    let rows: Vec<(i64, i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as("SELECT seq, at, action FROM audit_log WHERE seq > $1 ORDER BY seq")
            .bind(before)
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    (app, rows)
}

/// The city's phases and projects run side by side in time order: along the audit chain's
/// order its times never go back, and the chain verifies.
#[rocket::async_test]
async fn the_citys_audit_times_follow_the_chains_order() {
    use time::macros::datetime;
    for at in [None, Some(datetime!(2027-05-03 09:00 UTC))] {
        let (app, rows) = city_audit(at).await;
        assert!(rows.len() > 1000, "{} entries", rows.len());
        let back: Vec<String> = rows
            .windows(2)
            .filter(|w| w[1].1 < w[0].1)
            .map(|w| format!("{} {} → {} {}", w[0].0, w[0].2, w[1].0, w[1].2))
            .collect();
        assert!(
            back.is_empty(),
            "{at:?}: {} steps back in time, first {:?}",
            back.len(),
            back.iter().take(5).collect::<Vec<_>>()
        );
        // Every phase is there, mixed in time (a project's intention after a round opened).
        for action in [
            "evaluation.round_opened",
            "intention.published",
            "annual_report.filed",
            "mail.failed",
            "demo.city_loaded",
        ] {
            assert!(rows.iter().any(|r| r.2 == action), "{action}");
        }
        let report = app.verify_audit().await;
        assert!(report.problem.is_none(), "{:?}", report.problem);
    }
}

/// Some of the city's new organizations come in through the registration service: a draft,
/// its sections, the representative, the documents stored as uploads are, the submission, the
/// acceptance and the approval; the last one waits on the registrar's work list.
#[rocket::async_test]
async fn new_organizations_come_in_through_the_registration_service() {
    let app = TestApp::spawn_city().await;
    let city_apps = "SELECT a.id FROM applications a JOIN users u ON u.id = a.applicant_user_id \
                     WHERE u.email LIKE 'apply%@ngo.demo.huoban.cn'";
    // Registered, of three types, each with its documents and its steps recorded.
    let approved = app
        .scalar_of(&format!(
            "SELECT COUNT(*) FROM applications WHERE id IN ({city_apps}) AND status = 'approved' \
             AND org_id IS NOT NULL"
        ))
        .await;
    assert!(approved >= 3, "{approved} approved");
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(DISTINCT o.org_type) FROM organizations o JOIN applications a ON a.org_id = o.id \
             WHERE a.id IN ({city_apps}) AND o.status = 'registered'"
        ))
        .await,
        3
    );
    for step in ["submitted", "accepted", "approved"] {
        assert!(
            app.scalar_of(&format!(
                "SELECT COUNT(*) FROM application_events WHERE action = '{step}' \
                 AND application_id IN ({city_apps})"
            ))
            .await
                >= 3,
            "{step}"
        );
    }
    for action in [
        "application.created",
        "application.section_saved",
        "application.officer_added",
        "application.attachment_added",
        "application.submitted",
        "application.accepted",
        "application.approved",
    ] {
        assert!(
            app.scalar_of(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' \
                 AND entity_id IN (SELECT CAST(id AS TEXT) FROM ({city_apps}) x)"
            ))
            .await
                >= 3,
            "{action}"
        );
    }
    // The documents were stored as uploads are, under their digest.
    let digest = app
        .text(&format!(
            "SELECT sha256 FROM attachments WHERE application_id IN ({city_apps}) \
             ORDER BY id LIMIT 1"
        ))
        .await;
    let stored = app.resolved.config.uploads_path().join(&digest);
    assert!(stored.exists(), "{}", stored.display());
    assert!(std::fs::read(&stored).unwrap().starts_with(b"%PDF-"));
    // One submitted, waiting for the registrar: on the registrar's work list, linked.
    let waiting = app
        .scalar_of(&format!(
            "SELECT MAX(id) FROM applications WHERE id IN ({city_apps}) AND status = 'submitted'"
        ))
        .await;
    app.login_as(("registrar@demo.huoban.cn", "demo-registrar-2026"))
        .await;
    let (s, dash) = app.get("/dashboard").await;
    assert_eq!(s, Status::Ok);
    let dash = html_unescape(&dash);
    assert!(
        dash.contains(&format!("href=\"/registry/applications/{waiting}\"")),
        "the waiting application on the registrar's list"
    );
    let (s, page) = app.get(&format!("/registry/applications/{waiting}")).await;
    assert_eq!(s, Status::Ok);
    assert!(page.contains("宁波市北仑区银龄乐活养老服务中心"));
}
