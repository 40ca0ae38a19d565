//! Registration from draft to certificate (DOMAIN §2): the applicant's task list, officers,
//! uploads, the checks at submission, the registrar's actions, the statutory clocks, the USCC
//! issued from the authority's block, and who may see what.

use crate::helpers::*;
use huoban::domain::uscc::Uscc;
use rocket::http::{ContentType, Status};
use time::macros::datetime;

pub const REGISTRAR_HAISHU: (&str, &str) =
    ("registrar.haishu@demo.huoban.cn", "demo-registrar-2026");
const VALID_ID: &str = "11010519491231002X";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn multipart(token: &str, kind: &str, filename: &str, content: &[u8]) -> (ContentType, Vec<u8>) {
    let file = Part {
        field: "file",
        filename,
        content_type: "application/pdf",
        bytes: content,
    };
    crate::helpers::multipart(&[("_csrf", token), ("kind", kind)], &[file])
}

/// Uploads a file; returns the status and where it redirected.
pub async fn upload(app: &TestApp, id: i64, kind: &str, content: &[u8]) -> (Status, String) {
    let token = app.csrf().await;
    let (ct, body) = multipart(&token, kind, "doc.pdf", content);
    let r = app
        .client
        .post(format!("/applications/{id}/attachments"))
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    let loc = r.headers().get_one("Location").unwrap_or("").to_string();
    (r.status(), loc)
}

pub async fn ok_post(app: &TestApp, path: &str, fields: &[(&str, &str)]) {
    let r = app.post(path, fields).await;
    let status = r.status();
    let body = r.into_string().await.unwrap_or_default();
    assert_eq!(status, Status::SeeOther, "POST {path}: {body}");
}

/// The city bureau's id in the demo data.
async fn city(app: &TestApp) -> i64 {
    app.scalar("SELECT id FROM authorities WHERE code = 'nb-city'")
        .await
}

/// A complete application by the signed-in user to the city bureau; returns its id.
pub async fn complete_application(app: &TestApp, name: &str, funds: &str, charity: bool) -> i64 {
    let authority = city(app).await.to_string();
    let r = app
        .post("/applications", &[("authority", &authority)])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let loc = r.headers().get_one("Location").unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/applications/").parse().unwrap();
    let mut basics = vec![
        ("name", name),
        ("org_type", "social_service_institution"),
        ("category", "community_service"),
    ];
    if charity {
        basics.push(("charity", "1"));
    }
    ok_post(app, &format!("/applications/{id}/basics"), &basics).await;
    ok_post(
        app,
        &format!("/applications/{id}/domicile"),
        &[
            ("district_code", "330205"),
            ("domicile", "宁波市江北区人民路 1 号"),
        ],
    )
    .await;
    ok_post(
        app,
        &format!("/applications/{id}/funds"),
        &[
            ("funds", funds),
            ("purpose", "为社区居民提供互助服务"),
            ("business_scope", "邻里互助、居家照护咨询"),
        ],
    )
    .await;
    ok_post(
        app,
        &format!("/applications/{id}/contact"),
        &[
            ("contact_name", "钱社工"),
            ("contact_phone", "0574-87000000"),
            ("contact_email", "contact@example.cn"),
        ],
    )
    .await;
    ok_post(
        app,
        &format!("/applications/{id}/officers"),
        &[
            ("role", "legal_representative"),
            ("officer_name", "钱社工"),
            ("id_number", VALID_ID),
            ("term_start", "2026-12-01"),
            ("term_end", "2031-11-30"),
        ],
    )
    .await;
    ok_post(app, &format!("/applications/{id}/people"), &[]).await;
    for kind in ["articles", "capital", "domicile_proof", "representative_id"] {
        let (status, loc) = upload(app, id, kind, PDF).await;
        assert_eq!(status, Status::SeeOther, "{kind}");
        assert_eq!(loc, format!("/applications/{id}/documents"));
    }
    ok_post(app, &format!("/applications/{id}/documents"), &[]).await;
    id
}

pub async fn status_of(app: &TestApp, id: i64) -> String {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar::<_, String>("SELECT status FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

pub async fn field(app: &TestApp, id: i64, col: &'static str) -> Option<String> {
    let mut c = app.db.acquire().await.unwrap();
    let sql = format!("SELECT {col} FROM applications WHERE id = $1");
    sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

pub async fn audit_count(app: &TestApp, id: i64, action: &str) -> i64 {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'application' AND entity_id = $1 AND action = $2",
    )
    .bind(id.to_string())
    .bind(action)
    .fetch_one(&mut *c)
    .await
    .unwrap()
}

#[rocket::async_test]
async fn from_draft_to_certificate_and_the_public_finds_it() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let id = complete_application(&app, "宁波市江北区晨曦社区服务中心", "50,000", false).await;
    let (status, page) = app.get(&format!("/applications/{id}/check")).await;
    assert_eq!(status, Status::Ok);
    assert!(!page.contains("error-summary"), "{page}");
    ok_post(&app, &format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(status_of(&app, id).await, "submitted");
    // Received on Saturday 28 November 2026 (Beijing): five working days end Friday 4 December.
    assert_eq!(
        field(&app, id, "received_on").await.as_deref(),
        Some("2026-11-28")
    );
    assert_eq!(
        field(&app, id, "accept_by").await.as_deref(),
        Some("2026-12-04")
    );
    let (subject, body) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(subject.contains("登记申请"), "{subject}");
    assert!(body.contains(&format!("/applications/{id}")), "{body}");
    // Submitted: no more edits.
    let r = app
        .post(&format!("/applications/{id}/basics"), &[("name", "改名")])
        .await;
    assert_eq!(r.status(), Status::Conflict);

    app.logout().await;
    app.login_as(REGISTRAR).await;
    let (_, queue) = app.get("/registry").await;
    assert!(queue.contains("宁波市江北区晨曦社区服务中心"), "{queue}");
    // Approval is not possible before acceptance.
    let r = app
        .post(&format!("/registry/applications/{id}/approve"), &[])
        .await;
    assert_eq!(r.status(), Status::Conflict);
    ok_post(&app, &format!("/registry/applications/{id}/accept"), &[]).await;
    assert_eq!(status_of(&app, id).await, "accepted");
    assert_eq!(
        field(&app, id, "accepted_on").await.as_deref(),
        Some("2026-11-28")
    );
    assert_eq!(
        field(&app, id, "decision_due").await.as_deref(),
        Some("2027-01-27")
    );
    let (status, notice) = app
        .get(&format!("/applications/{id}/notices/acceptance"))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(
        notice.contains("受理通知书") && notice.contains("2027"),
        "{notice}"
    );
    ok_post(&app, &format!("/registry/applications/{id}/approve"), &[]).await;
    assert_eq!(status_of(&app, id).await, "approved");

    // The code: civil affairs, service institution, the city's division, the first free serial
    // of the city's block (20000; 20001–20003 are the demo organizations').
    let org_id = app
        .scalar("SELECT org_id FROM applications WHERE status = 'approved'")
        .await;
    let mut c = app.db.acquire().await.unwrap();
    let uscc: String = sqlx::query_scalar("SELECT uscc FROM organizations WHERE id = $1")
        .bind(org_id)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    drop(c);
    let code = Uscc::parse(&uscc).expect("an issued code passes both checks");
    assert_eq!(&uscc[..8], "52330200");
    assert_eq!(&code.subject_identifier()[..8], "00020000");
    let mut c = app.db.acquire().await.unwrap();
    let recorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM uscc_issued WHERE subject = $1 AND org_id = $2")
            .bind(code.subject_identifier())
            .bind(org_id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
    drop(c);
    assert_eq!(recorded, 1, "the subject identifier is recorded as issued");
    let (status, cert) = app
        .get(&format!("/organizations/{org_id}/certificate"))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(cert.contains(&uscc) && cert.contains("法人登记证书") && cert.contains("钱社工"));
    assert!(!cert.contains(VALID_ID) && !cert.contains("0574-87000000"));
    // The applicant now administers the organization.
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let (status, _) = app.get(&format!("/orgs/{org_id}/members")).await;
    assert_eq!(status, Status::Ok);
    app.logout().await;

    // The public finds it with a two-character query, sees the announcement and the profile,
    // and never an ID number, a personal phone or a scan.
    let (_, dir) = app
        .get(&format!(
            "/directory?q={}",
            huoban::web::forms::urlencode("晨曦")
        ))
        .await;
    assert!(dir.contains("宁波市江北区晨曦社区服务中心"), "{dir}");
    let (_, ann) = app.get("/announcements").await;
    assert!(ann.contains("宁波市江北区晨曦社区服务中心") && ann.contains(&uscc));
    let (_, profile) = app.get(&format!("/organizations/{org_id}")).await;
    assert!(profile.contains(&uscc) && profile.contains("成立登记"));
    assert!(!profile.contains(VALID_ID) && !profile.contains("/attachments/"));
    let (status, _) = app.get(&format!("/applications/{id}/attachments/1")).await;
    assert_ne!(status, Status::Ok);

    // One audit entry per state change, and the chain verifies.
    for action in [
        "application.submitted",
        "application.accepted",
        "application.approved",
    ] {
        assert_eq!(audit_count(&app, id, action).await, 1, "{action}");
    }
    assert!(app.verify_audit().await.ok());
}

#[rocket::async_test]
async fn submission_names_every_rule_broken_and_flags_similar_names() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    // Funds below the 30,000 minimum of a service institution and a forbidden word.
    let id = complete_application(&app, "中国宁波市江北区测试服务中心", "29,999.99", false).await;
    let r = app.post(&format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = html_unescape(&r.into_string().await.unwrap());
    assert!(page.contains("30000") || page.contains("30,000"), "{page}");
    assert!(page.contains("中国"), "{page}");
    assert_eq!(status_of(&app, id).await, "draft");
    // An identical name (differing only in width and spacing) is refused.
    let dup = complete_application(&app, "宁波市志愿者 协会", "50000", false).await;
    let r = app.post(&format!("/applications/{dup}/submit"), &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("同名"));
    // A similar one is flagged, not refused.
    let similar = complete_application(&app, "宁波市乐龄养老服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{similar}/submit"), &[]).await;
    let flagged = field(&app, similar, "similar_names").await.unwrap();
    assert!(
        flagged.contains("宁波市鄞州区乐龄养老服务中心"),
        "{flagged}"
    );
}

#[rocket::async_test]
async fn uploads_are_checked_by_content_and_refusals_say_why() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let id = new_application(&app).await;
    let (status, _) = upload(&app, id, "articles", b"<html><script>alert(1)</script>").await;
    assert_eq!(status, Status::SeeOther);
    let (_, page) = app.get(&format!("/applications/{id}/documents")).await;
    assert!(page.contains("只接受 PDF、JPEG 或 PNG"), "{page}");
    let (_, _) = upload(&app, id, "articles", b"").await;
    let (_, page) = app.get(&format!("/applications/{id}/documents")).await;
    assert!(page.contains("文件不能为空"), "{page}");
    let big = [PDF, &vec![b'0'; 11 * 1024 * 1024]].concat();
    let (status, _) = upload(&app, id, "articles", &big).await;
    assert!(status == Status::SeeOther, "{status}");
    let (_, page) = app.get(&format!("/applications/{id}/documents")).await;
    assert!(page.contains("文件过大"), "{page}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM attachments").await,
        0,
        "no refused upload is recorded"
    );
    let (status, _) = upload(&app, id, "articles", PDF).await;
    assert_eq!(status, Status::SeeOther);
    let att = app.scalar("SELECT MAX(id) FROM attachments").await;
    let r = app
        .client
        .get(format!("/applications/{id}/attachments/{att}"))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.content_type(), Some(ContentType::PDF));
    assert_eq!(r.into_bytes().await.unwrap(), PDF);
    // Stored under its SHA-256, outside the database.
    let digest: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT sha256 FROM attachments WHERE id = $1")
            .bind(att)
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    use sha2::Digest;
    assert_eq!(digest, hex::encode(sha2::Sha256::digest(PDF)));
    let dir = app.resolved.config.uploads_dir.clone().unwrap();
    assert_eq!(std::fs::read(dir.join(&digest)).unwrap(), PDF);
}

#[rocket::async_test]
async fn drafts_and_attachments_stay_with_the_applicant_and_the_right_registrar() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let id = complete_application(&app, "宁波市江北区可见性测试服务中心", "50000", false).await;
    let att = app.scalar("SELECT MAX(id) FROM attachments").await;
    let file = format!("/applications/{id}/attachments/{att}");
    let paths = [
        format!("/applications/{id}"),
        format!("/applications/{id}/check"),
        file.clone(),
    ];
    app.logout().await;
    // The public: sent to log in.
    for p in &paths {
        let r = app.client.get(p.clone()).dispatch().await;
        assert!(
            r.status() == Status::SeeOther || r.status() == Status::Unauthorized,
            "{p}"
        );
    }
    // A member of another organization, and a registrar: not while it is a draft.
    for who in [NGO_MEMBER, REGISTRAR, REGISTRAR_HAISHU] {
        app.login_as(who).await;
        for p in &paths {
            let (status, _) = app.get(p).await;
            assert!(
                status == Status::Forbidden || status == Status::NotFound,
                "{p} as {}: {status}",
                who.0
            );
        }
        let (status, _) = app.get(&format!("/registry/applications/{id}")).await;
        assert!(
            status == Status::Forbidden || status == Status::NotFound,
            "{}",
            who.0
        );
        app.logout().await;
    }
    app.login_as(NGO_ADMIN).await;
    ok_post(&app, &format!("/applications/{id}/submit"), &[]).await;
    app.logout().await;
    // Submitted: the city's registrar reads the file; Haishu's does not.
    app.login_as(REGISTRAR).await;
    let (status, _) = app.get(&file).await;
    assert_eq!(status, Status::Ok);
    app.logout().await;
    app.login_as(REGISTRAR_HAISHU).await;
    let (status, _) = app.get(&file).await;
    assert_eq!(status, Status::Forbidden);
    let r = app
        .post(&format!("/registry/applications/{id}/accept"), &[])
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    assert_eq!(status_of(&app, id).await, "submitted");
    app.logout().await;
    app.login_as(NGO_MEMBER).await;
    let (status, _) = app.get(&file).await;
    assert_eq!(status, Status::Forbidden);
}

#[rocket::async_test]
async fn unanswered_for_five_working_days_it_is_accepted_from_the_day_received() {
    let app = TestApp::spawn().await;
    // Received Wednesday 30 September 2026 (Beijing); 1–7 October are the National Day
    // holidays and Saturday 10 October a working day, so the 5th working day is 13 October.
    app.clock.set(datetime!(2026-09-30 02:00 UTC));
    app.login_as(NGO_ADMIN).await;
    let id = complete_application(&app, "宁波市江北区国庆测试服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(
        field(&app, id, "accept_by").await.as_deref(),
        Some("2026-10-13")
    );
    let jobs = app.jobs();
    app.clock.set(datetime!(2026-10-13 09:00 UTC));
    assert_eq!(
        jobs.registry().auto_accept().await.unwrap(),
        0,
        "the 13th is still in time"
    );
    assert_eq!(status_of(&app, id).await, "submitted");
    app.clock.set(datetime!(2026-10-13 16:30 UTC)); // 00:30 on the 14th in Beijing
    assert_eq!(jobs.registry().auto_accept().await.unwrap(), 1);
    assert_eq!(
        jobs.registry().auto_accept().await.unwrap(),
        0,
        "idempotent"
    );
    assert_eq!(status_of(&app, id).await, "accepted");
    assert_eq!(
        field(&app, id, "accepted_on").await.as_deref(),
        Some("2026-09-30")
    );
    // 60 calendar days from the day received.
    assert_eq!(
        field(&app, id, "decision_due").await.as_deref(),
        Some("2026-11-29")
    );
    assert_eq!(
        audit_count(&app, id, "application.accepted_automatically").await,
        1
    );
    let (_, body) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(body.contains("第三十二条"), "{body}");
    let (status, notice) = app
        .get(&format!("/applications/{id}/notices/acceptance"))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(notice.contains("自收到申请材料之日起即为受理"), "{notice}");
}

#[rocket::async_test]
async fn the_decision_clock_follows_the_settings_and_is_shorter_for_a_charity() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    ok_post(
        &app,
        "/admin/settings",
        &[
            ("key", "registry.decision_day_kind"),
            ("value", "working"),
            ("reason", "test"),
        ],
    )
    .await;
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let plain = complete_application(&app, "宁波市江北区工作日测试服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{plain}/submit"), &[]).await;
    let charity = complete_application(&app, "宁波市江北区慈善测试服务中心", "50000", true).await;
    ok_post(&app, &format!("/applications/{charity}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    ok_post(&app, &format!("/registry/applications/{plain}/accept"), &[]).await;
    ok_post(
        &app,
        &format!("/registry/applications/{charity}/accept"),
        &[],
    )
    .await;
    // Accepted Saturday 28 November: 60 working days and 30 working days later.
    let cal = huoban::domain::calendar::Calendar::built_in().unwrap();
    let d = time::macros::date!(2026 - 11 - 28);
    let iso = huoban::domain::calendar::iso_date;
    assert_eq!(
        field(&app, plain, "decision_due").await,
        Some(iso(cal.add_working_days(d, 60)))
    );
    assert_eq!(
        field(&app, charity, "decision_due").await,
        Some(iso(cal.add_working_days(d, 30)))
    );
    assert_eq!(
        field(&app, charity, "decision_day_kind").await.as_deref(),
        Some("working")
    );
    // The queue shows days left, and overdue items once the clock passes the due day.
    // Accepted on the day the clock stands at, so 60 and 30 working days are left.
    let (_, queue) = app.get("/registry").await;
    assert!(
        queue.contains("<td>60</td>") && queue.contains("<td>30</td>"),
        "{queue}"
    );
    app.clock.set(datetime!(2027-03-01 02:00 UTC));
    let (_, queue) = app.get("/registry").await;
    assert!(queue.contains("已超期"), "{queue}");
}

/// The check page names each part not yet complete, in the error summary a person reads first
/// (three "this part is not complete yet" in a row told them nothing).
#[rocket::async_test]
async fn the_check_page_names_each_part_not_yet_complete() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let id = new_application(&app).await;
    let (_, page) = app.get(&format!("/applications/{id}/check")).await;
    let page = html_unescape(&page);
    for part in ["名称、类型和类别", "住所", "法定代表人和负责人"] {
        assert!(
            page.contains(&format!("“{part}”这一部分还没有完成")),
            "{part}: {page}"
        );
    }
}

/// A new, empty application to the city's bureau by the signed-in person: its id.
async fn new_application(app: &TestApp) -> i64 {
    let authority = city(app).await.to_string();
    let r = app
        .post("/applications", &[("authority", &authority)])
        .await;
    r.headers()
        .get_one("Location")
        .unwrap()
        .trim_start_matches("/applications/")
        .parse()
        .unwrap()
}
