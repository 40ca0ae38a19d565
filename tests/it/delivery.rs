//! Delivery through the pages (DOMAIN §6, issue 8): a deliverable filed and accepted, a
//! review with beneficiary surveys answered once without login, the public result, add-ons
//! within 10%, a termination not below what was paid, and the overdue list.

use crate::award::signed_contract;
use crate::evaluation_flow::sunshine;
use crate::helpers::*;
use rocket::http::Status;
use time::macros::datetime;

#[rocket::async_test]
async fn a_contract_is_delivered_reviewed_with_surveys_and_changed_through_the_pages() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-DELIVER-01").await;
    let sun = sunshine(&app).await;
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let org_page = format!("/orgs/{sun}/contracts/{k}");
    let (s, page) = app.get(&org_page).await;
    assert_eq!(s, Status::Ok);
    assert!(page.contains("中期评估"));
    let r = app
        .post(
            &format!("{org_page}/deliverables"),
            &[
                ("milestone", "中期评估"),
                ("kind", "progress"),
                ("body", "短"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post(
            &format!("{org_page}/deliverables"),
            &[
                ("milestone", "中期评估"),
                ("kind", "progress"),
                ("body", "上半年完成上门探访 3,120 人次，助餐 5,400 份。"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    app.login_as(PURCHASER).await;
    let manage = format!("/purchase/contracts/{k}");
    let did = app.scalar("SELECT MAX(id) FROM deliverables").await;
    let r = app
        .post(
            &format!("{manage}/deliverables/{did}"),
            &[("decision", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "a return needs its reason"
    );
    let r = app
        .post(
            &format!("{manage}/deliverables/{did}"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert!(app
        .last_mail_to(PURCHASER.0)
        .await
        .unwrap()
        .1
        .contains("绩效评价"));
    // The accepted milestone's review waits on the purchaser's dashboard until it is opened.
    let open_review = "里程碑成果已验收：开启绩效评价";
    assert!(html_unescape(&app.get("/dashboard").await.1).contains(open_review));
    let r = app
        .post(
            &format!("{manage}/reviews"),
            &[("milestone", "中期评估"), ("reviewer", "0")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(!dash.contains(open_review) && dash.contains("绩效评价待填写"));
    let rid = app.scalar("SELECT MAX(id) FROM perf_reviews").await;
    let r = app
        .post(
            &format!("{manage}/reviews/{rid}/surveys"),
            &[("count", "2")],
        )
        .await;
    assert_eq!(r.status(), Status::Ok);
    let body = html_unescape(&r.into_string().await.unwrap());
    let tokens: Vec<String> = body
        .split("/survey/")
        .skip(1)
        .map(|s| {
            s.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .collect();
    assert_eq!(tokens.len(), 2);
    // A beneficiary answers on the link, without login, once.
    app.logout().await;
    let survey = format!("/survey/{}", tokens[0]);
    let (s, page) = app.get(&survey).await;
    assert_eq!(s, Status::Ok);
    assert!(page.contains("服务满意度问卷"));
    let answers = [
        ("q[0]", "5"),
        ("q[1]", "5"),
        ("q[2]", "5"),
        ("q[3]", "5"),
        ("q[4]", "5"),
    ];
    let r = app.post(&survey, &answers[..4]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "every question");
    let r = app.post(&survey, &answers).await;
    assert_eq!(r.status(), Status::Ok);
    let r = app.post(&survey, &answers).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("只能填写一次"));
    let (s, _) = app.get("/survey/not-a-real-token").await;
    assert_eq!(s, Status::NotFound);
    // The reviewer's sheet: every item within its maximum.
    app.login_as(PURCHASER).await;
    let sheet = format!("/reviews/{rid}");
    let t = huoban::domain::performance::Template::shipped();
    let mut fields: Vec<(String, String)> = t
        .items()
        .map(|i| {
            (
                format!("score[{}]", i.key),
                format!("{}", i.max as f64 * 0.9),
            )
        })
        .collect();
    fields[0].1 = "99".into();
    let body: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app.post(&sheet, &body).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    fields[0].1 = format!("{}", t.groups[0].items[0].max as f64 * 0.9);
    let body: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app.post(&sheet, &body).await;
    assert_eq!(r.status(), Status::SeeOther);
    // 85 × 0.9 = 76.50 plus the survey's 100% of 15 = 91.50: 优, public.
    app.logout().await;
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(public.contains("中期评估") && public.contains("91.50") && public.contains("优"));
    // A third-party reviewer is told and alone reaches its sheet.
    app.login_as(PURCHASER).await;
    let reviewer = crate::evaluation_flow::int(
        &app,
        "SELECT id FROM users WHERE email = $1",
        "reviewer@demo.huoban.cn",
    )
    .await
    .to_string();
    let r = app
        .post(
            &format!("{manage}/reviews"),
            &[("milestone", "终期评估"), ("reviewer", reviewer.as_str())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let third = app.scalar("SELECT MAX(id) FROM perf_reviews").await;
    assert!(app
        .last_mail_to("reviewer@demo.huoban.cn")
        .await
        .unwrap()
        .1
        .contains("终期评估"));
    let (s, _) = app.get(&format!("/reviews/{third}")).await;
    assert_eq!(
        s,
        Status::Forbidden,
        "the purchaser is not this review's reviewer"
    );
    app.logout().await;
    app.login_as(("reviewer@demo.huoban.cn", "demo-reviewer-2026"))
        .await;
    let (s, list) = app.get("/reviews").await;
    assert_eq!(s, Status::Ok);
    assert!(list.contains("终期评估"));
    let (s, _) = app.get(&format!("/reviews/{third}")).await;
    assert_eq!(s, Status::Ok);
    app.logout().await;
    app.login_as(PURCHASER).await;
    // Changes: add-ons up to 10% (¥38,000.00), a termination not below what was paid.
    let add = |amount: &'static str| {
        vec![
            ("amount", amount),
            ("condition", "acceptance"),
            ("reason", "服务对象增加 30 人"),
        ]
    };
    let r = app
        .post(&format!("{manage}/addon"), &add("38,000.01"))
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post(&format!("{manage}/addon"), &add("38,000.00"))
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, page) = app.get(&manage).await;
    assert!(page.contains("¥418,000.00"));
    // Forty days after signing, the unpaid signing installment is overdue for the finance officer.
    app.clock.set(datetime!(2027-02-01 02:00 UTC));
    app.logout().await;
    app.login_as(("finance@demo.huoban.cn", "demo-finance-2026"))
        .await;
    let (_, fin) = app.get("/finance").await;
    assert!(
        fin.contains("逾期未付的分期款项")
            && fin.contains("NB-DELIVER-01")
            && fin.contains("id=\"spending\"")
    );
    let overdue = fin.split("id=\"payable\"").next().unwrap_or_default();
    assert!(overdue.contains("NB-DELIVER-01"), "on the overdue list");
    app.logout().await;
    app.login_as(PURCHASER).await;
    let r = app
        .post(
            &format!("{manage}/terminate"),
            &[("settlement", "-1"), ("reason", "服务对象迁出")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post(
            &format!("{manage}/terminate"),
            &[("settlement", "0"), ("reason", "服务对象迁出，提前终止")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, public) = app.get(&format!("/contracts/{k}")).await;
    assert!(public.contains("终止合同") && public.contains("服务对象迁出"));
}
