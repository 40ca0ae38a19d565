//! Suppliers from outside the registry (DOMAIN §5): an enterprise signs up with its USCC and
//! certificate, a procurement supervisor checks it, and the supplier then bids on procurement
//! but not on special-fund programmes; it never appears in the directory.

use crate::evaluation_flow::{int, switch, EXPERT3};
use crate::helpers::*;
use crate::procurement::{bid, project_fields, publish_project};
use huoban::domain::uscc::{check_char, subject_check_char};
use rocket::http::{ContentType, Status};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
pub const SUPERVISOR: (&str, &str) = ("supervisor@demo.huoban.cn", "demo-supervisor-2026");

/// A valid enterprise code (registration department 9, type 1) in Shanghai Huangpu.
fn enterprise_uscc() -> String {
    let body = "MA1FL7X3";
    let first17 = format!("91310101{body}{}", subject_check_char(body).unwrap());
    format!("{first17}{}", check_char(&first17).unwrap())
}

async fn sign_up(app: &TestApp, uscc: &str, file: Option<&[u8]>) -> (Status, String) {
    let token = app.csrf().await;
    let b = "huobanSupplierBoundary";
    let mut body = Vec::new();
    for (name, value) in [
        ("_csrf", token.as_str()),
        ("kind", "enterprise"),
        ("name", "上海同心社会工作咨询有限公司"),
        ("uscc", uscc),
        ("registered_with", "上海市黄浦区市场监督管理局"),
        ("address", "上海市黄浦区中山南路 100 号"),
    ] {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some(content) = file {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"licence.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let r = app
        .client
        .post("/suppliers/apply")
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", b)))
        .body(body)
        .dispatch()
        .await;
    let s = r.status();
    (s, r.into_string().await.unwrap_or_default())
}

#[rocket::async_test]
async fn an_enterprise_signs_up_is_checked_and_bids_on_procurement_only() {
    let app = TestApp::spawn().await;
    app.login_as(EXPERT3).await;
    let uscc = enterprise_uscc();
    let mut wrong = uscc.clone();
    wrong.replace_range(17..18, if uscc.ends_with('0') { "1" } else { "0" });
    let (s, page) = sign_up(&app, &wrong, Some(PDF)).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("error-summary"));
    let (s, _) = sign_up(&app, &uscc, None).await;
    assert_eq!(s, Status::UnprocessableEntity, "a certificate is required");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM suppliers").await, 0);
    let (s, _) = sign_up(&app, &uscc, Some(PDF)).await;
    assert_eq!(s, Status::SeeOther);
    let (s, _) = sign_up(&app, &uscc, Some(PDF)).await;
    assert_eq!(s, Status::UnprocessableEntity, "the same code twice");
    // Nobody but a supervisor checks it; the refusal needs a reason.
    let id = app.scalar("SELECT MAX(id) FROM suppliers").await;
    let r = app
        .post(
            &format!("/suppliers/{id}/decide"),
            &[("decision", "approved")],
        )
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    switch(&app, SUPERVISOR).await;
    let (_, queue) = app.get("/suppliers").await;
    assert!(queue.contains("上海同心社会工作咨询有限公司"));
    let (s, _) = app.get(&format!("/suppliers/{id}/certificate")).await;
    assert_eq!(s, Status::Ok);
    let r = app
        .post(
            &format!("/suppliers/{id}/decide"),
            &[("decision", "refused")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post(
            &format!("/suppliers/{id}/decide"),
            &[("decision", "approved")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let org = int(&app, "SELECT org_id FROM suppliers WHERE uscc = $1", &uscc).await;
    let (_, mail) = app.last_mail_to(EXPERT3.0).await.unwrap();
    assert!(mail.contains("已通过审核"));
    // Not in the directory, no public profile.
    let (_, dir) = app.get("/directory?q=%E5%90%8C%E5%BF%83").await;
    assert!(!dir.contains("上海同心社会工作咨询有限公司"));
    let (s, _) = app.get(&format!("/organizations/{org}")).await;
    assert_eq!(s, Status::NotFound);
    // Procurement: yes. A programme: no, and it says why.
    switch(&app, PURCHASER).await;
    publish_project(&app, "NB-TEST-070", "consultation", "2026-12-20T10:00").await;
    let mut f = project_fields("NB-PROG-070", "programme", "2026-12-20T10:00");
    f[7] = ("price_weight", "0");
    f[12] = ("criterion_max", "70");
    app.post("/purchase/projects", &f).await;
    let pid = int(
        &app,
        "SELECT id FROM projects WHERE number = $1",
        "NB-PROG-070",
    )
    .await;
    app.post(&format!("/purchase/projects/{pid}/publish"), &[])
        .await;
    switch(&app, EXPERT3).await;
    let (s, page) = bid(&app, "NB-TEST-070", org, "350000", None).await;
    assert_eq!(s, Status::Ok, "{page}");
    let (s, page) = bid(&app, "NB-PROG-070", org, "350000", None).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("专项资金项目仅限登记的社会组织参与"));
}

#[rocket::async_test]
async fn the_supervisor_keeps_the_experts_fields() {
    let app = TestApp::spawn().await;
    app.login_as(SUPERVISOR).await;
    let expert = int(
        &app,
        "SELECT id FROM users WHERE email = $1",
        "expert@demo.huoban.cn",
    )
    .await;
    let r = app
        .post(
            &format!("/experts/{expert}"),
            &[("fields", "社会工作；养老服务")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, page) = app.get("/experts").await;
    assert!(page.contains("社会工作；养老服务"));
    let long = "长".repeat(501);
    let r = app
        .post(&format!("/experts/{expert}"), &[("fields", &long)])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    // Only experts are in the library.
    let ngo = int(&app, "SELECT id FROM users WHERE email = $1", NGO_ADMIN.0).await;
    let r = app
        .post(&format!("/experts/{ngo}"), &[("fields", "x")])
        .await;
    assert_eq!(r.status(), Status::NotFound);
    switch(&app, PURCHASER).await;
    let (s, _) = app.get("/experts").await;
    assert_eq!(s, Status::Forbidden);
}
