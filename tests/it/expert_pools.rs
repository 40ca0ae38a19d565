//! Expert libraries (issue 22, item 20): procurement review experts and evaluation experts are
//! separate libraries; a bid panel draws only the procurement library's experts whose recorded
//! service categories include the project's; an evaluation assigns only evaluation experts.

use crate::evaluation_flow::int;
use crate::helpers::*;
use crate::publication::{draw_five, qualified_tender};
use crate::suppliers::SUPERVISOR;
use rocket::http::Status;

async fn user(app: &TestApp, email: &str) -> i64 {
    int(app, "SELECT id FROM users WHERE email = $1", email).await
}

/// The supervisor records an expert's libraries and categories on the library page.
async fn keep(app: &TestApp, expert: i64, pools: &[&str], categories: &[&str]) {
    app.login_as(SUPERVISOR).await;
    let mut fields: Vec<(&str, &str)> = vec![("fields", "社会工作")];
    fields.extend(pools.iter().map(|p| ("pool", *p)));
    fields.extend(categories.iter().map(|k| ("category", *k)));
    let r = app.post(&format!("/experts/{expert}"), &fields).await;
    assert_eq!(r.status(), Status::SeeOther);
}

/// A tender for elderly care needs 4 experts beside the purchaser's representative. With only
/// 3 procurement experts of that category it cannot be drawn (an evaluation-only expert and
/// an expert of another category do not count); with a fourth it is, from those 4 only.
#[rocket::async_test]
async fn a_bid_panel_draws_only_procurement_experts_of_the_projects_category() {
    let app = TestApp::spawn().await;
    let id = qualified_tender(&app, "NB-POOL-01", &[]).await;
    let evaluation_only = user(&app, "expert4@demo.huoban.cn").await;
    let other_category = user(&app, "expert5@demo.huoban.cn").await;
    keep(&app, evaluation_only, &["evaluation"], &["elderly-care"]).await;
    keep(&app, other_category, &["procurement"], &["legal-aid"]).await;
    let (_, page) = app.get("/experts").await;
    assert!(page.contains("政府采购评审专家库"), "{page}");

    app.login_as(PURCHASER).await;
    let (status, body) = draw_five(&app, id).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("专家库中无利益关系的专家不足"), "{body}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM panels").await, 0);

    keep(
        &app,
        other_category,
        &["procurement"],
        &["legal-aid", "elderly-care"],
    )
    .await;
    app.login_as(PURCHASER).await;
    let (status, body) = draw_five(&app, id).await;
    assert_eq!(status, Status::SeeOther, "{body}");
    let candidates = app.text("SELECT candidates FROM panels").await;
    let expected: Vec<i64> = vec![
        user(&app, EXPERT.0).await,
        user(&app, "expert2@demo.huoban.cn").await,
        user(&app, "expert3@demo.huoban.cn").await,
        other_category,
    ];
    assert_eq!(candidates, serde_json::json!(expected).to_string());
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM panel_members WHERE user_id = {evaluation_only}"
        ))
        .await,
        0
    );
}

/// The evaluation officer is offered, and may assign, only the evaluation library's experts:
/// a procurement-only expert of the demo is neither listed nor assignable until the supervisor
/// puts them in the evaluation library too.
#[rocket::async_test]
async fn an_evaluation_assigns_only_evaluation_experts() {
    use crate::evaluation_flow::{apply, round_id, sunshine, switch};
    let app = TestApp::spawn().await;
    let mut c = app.db.acquire().await.unwrap();
    let listed: Vec<String> = huoban::db::eval_panel::experts(&mut c)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    drop(c);
    // 赵, 孙, 林 are in both libraries; 郑 and 吴 review procurement only.
    assert_eq!(listed, vec!["赵专家", "孙专家", "林专家"]);

    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    switch(&app, NGO_ADMIN).await;
    let text = "本中心近两年按章程开展社会工作服务，治理结构健全，财务公开。";
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let (s, body) = apply(&app, org, round, text, &[("a.pdf", pdf)]).await;
    assert_eq!(s, Status::SeeOther, "{body}");
    let id = int(
        &app,
        "SELECT id FROM eval_applications WHERE self_assessment = $1",
        text,
    )
    .await;
    let procurement_only = user(&app, "expert4@demo.huoban.cn").await;
    async fn assign(app: &TestApp, id: i64, expert: i64) -> Status {
        let path = format!("/evaluation/applications/{id}/assign");
        let uid = expert.to_string();
        app.post(&path, &[("expert", uid.as_str())]).await.status()
    }
    switch(&app, EVALUATION).await;
    let (_, page) = app.get(&format!("/evaluation/applications/{id}")).await;
    assert!(
        page.contains("林专家") && !page.contains("郑专家"),
        "{page}"
    );
    assert_eq!(assign(&app, id, procurement_only).await, Status::SeeOther);
    let count =
        format!("SELECT COUNT(*) FROM eval_assignments WHERE expert_user_id = {procurement_only}");
    assert_eq!(app.scalar_of(&count).await, 0);

    keep(&app, procurement_only, &["procurement", "evaluation"], &[]).await;
    switch(&app, EVALUATION).await;
    assert_eq!(assign(&app, id, procurement_only).await, Status::SeeOther);
    assert_eq!(app.scalar_of(&count).await, 1);
}
