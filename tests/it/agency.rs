//! The procurement agency (issue 20, DOMAIN §1 roles): a purchaser entrusts a project's
//! procedure to an agency, whose staff then run it (answers, opening, qualification, panel,
//! challenges) while the purchaser keeps the award confirmation, the contract and delivery.
//! Each waiting step of an entrusted project is on the agency's work list and not on the
//! purchaser's: one responsible party.

use crate::evaluation_flow::int;
use crate::helpers::*;
use rocket::http::Status;

pub const AGENCY: (&str, &str) = ("agency@demo.huoban.cn", "demo-agency-2026");

async fn project(app: &TestApp, number: &str) -> i64 {
    int(app, "SELECT id FROM projects WHERE number = $1", number).await
}

/// A link as the dashboard writes it (Tera escapes the slashes).
fn task_link(project: i64) -> String {
    format!("/purchase/projects/{project}#questions").replace('/', "&#x2F;")
}

async fn question(app: &TestApp, project: i64) -> i64 {
    int(
        app,
        "SELECT MIN(id) FROM project_questions WHERE project_id = CAST($1 AS BIGINT) AND answered_at IS NULL",
        &project.to_string(),
    )
    .await
}

/// The demo's consultation is entrusted to the demo agency: its staff see it (and only it),
/// answer the waiting question from their work list, and may not do the purchaser's part.
#[rocket::async_test]
async fn the_agency_runs_the_entrusted_procedure_and_only_that() {
    let app = TestApp::spawn().await;
    let consultation = project(&app, "NBMZ-2026-031").await;
    let tender = project(&app, "NBMZ-2026-018").await;
    let q = question(&app, consultation).await;

    // The purchaser's work list does not carry the entrusted project's question.
    app.login_as(PURCHASER).await;
    let (_, dash) = app.get("/dashboard").await;
    assert!(
        !dash.contains(&task_link(consultation)),
        "the question is the agency's, not the purchaser's"
    );
    app.logout().await;

    app.login_as(AGENCY).await;
    let (s, dash) = app.get("/dashboard").await;
    assert_eq!(s, Status::Ok);
    let link = task_link(consultation);
    assert!(
        dash.contains(&link) && dash.contains("答复供应商提问"),
        "the agency's dashboard lists the question to answer"
    );
    assert!(
        dash.contains("href=\"/purchase\""),
        "the navigation leads to the entrusted projects"
    );
    let (s, list) = app.get("/purchase").await;
    assert_eq!(s, Status::Ok);
    assert!(list.contains("NBMZ-2026-031") && !list.contains("NBMZ-2026-018"));
    assert!(
        list.contains("受托采购项目") && !list.contains("本部门的项目"),
        "the list is titled as the agency's, not a department's"
    );
    assert!(
        !list.contains("/purchase/projects/new")
            && !list.contains("action=\"/purchase/intentions\""),
        "an agency neither creates projects nor publishes intentions"
    );
    let (s, manage) = app.get(&format!("/purchase/projects/{consultation}")).await;
    assert_eq!(s, Status::Ok);
    assert!(
        manage.contains("宁波市政府采购中心"),
        "the page names the agency the project is entrusted to"
    );
    assert!(
        !manage.contains(&format!("/purchase/projects/{consultation}/cancel")),
        "terminating is the purchaser's decision"
    );
    // Not entrusted: refused.
    let (s, _) = app.get(&format!("/purchase/projects/{tender}")).await;
    assert_eq!(s, Status::Forbidden);
    let r = app
        .post(
            &format!("/purchase/projects/{tender}/qualification"),
            &[("decision[1]", "pass")],
        )
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    // The purchaser's part stays the purchaser's.
    for path in [
        format!("/purchase/projects/{consultation}/cancel"),
        format!("/purchase/projects/{consultation}/agency"),
        format!("/purchase/projects/{consultation}/award/confirm"),
    ] {
        let r = app.post(&path, &[("reason", "代理机构不能终止项目")]).await;
        assert_eq!(r.status(), Status::Forbidden, "{path}");
    }
    // The answer, from the work list's link.
    let r = app
        .post(
            &format!("/purchase/projects/{consultation}/questions/{q}"),
            &[(
                "answer",
                "服务对象名单由采购人提供；探访频次可按需求分级，但每周不少于两次。",
            )],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let answered_by = int(
        &app,
        "SELECT answered_by FROM project_questions WHERE id = CAST($1 AS BIGINT)",
        &q.to_string(),
    )
    .await;
    let agent = int(&app, "SELECT id FROM users WHERE email = $1", AGENCY.0).await;
    assert_eq!(
        answered_by, agent,
        "the answer is on record as the agency's"
    );
    let (_, dash) = app.get("/dashboard").await;
    assert!(
        !dash.contains(&link),
        "an answered question leaves the list"
    );

    // The public notice names both the purchaser and the agency.
    app.logout().await;
    let (_, public) = app.get("/projects/NBMZ-2026-031").await;
    assert!(public.contains("采购代理机构"));
}

/// The purchaser entrusts and takes back while the project is a draft or published, never after
/// the opening; an unknown agency is refused with a message; withdrawing moves the work back.
#[rocket::async_test]
async fn entrusting_is_the_purchasers_decision_until_the_opening() {
    let app = TestApp::spawn().await;
    let consultation = project(&app, "NBMZ-2026-031").await;
    let tender = project(&app, "NBMZ-2026-018").await;
    let agency = int(&app, "SELECT MIN(id) FROM agencies WHERE code <> $1", "").await;
    app.login_as(PURCHASER).await;

    // After the opening: refused with the reason, nothing written.
    let r = app
        .post(
            &format!("/purchase/projects/{tender}/agency"),
            &[("agency", &agency.to_string())],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap_or_default()
        .contains("开标后不能变更采购代理机构"));
    let none = int(
        &app,
        "SELECT COUNT(*) FROM projects WHERE id = CAST($1 AS BIGINT) AND agency_id IS NOT NULL",
        &tender.to_string(),
    )
    .await;
    assert_eq!(none, 0);

    // An agency not in the directory.
    let r = app
        .post(
            &format!("/purchase/projects/{consultation}/agency"),
            &[("agency", "999999")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap_or_default()
        .contains("请选择名录中的采购代理机构"));

    // Taken back: the agency loses the project and the question returns to the purchaser.
    let r = app
        .post(
            &format!("/purchase/projects/{consultation}/agency"),
            &[("agency", "")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, dash) = app.get("/dashboard").await;
    assert!(dash.contains(&task_link(consultation)));
    let events = int(
        &app,
        "SELECT COUNT(*) FROM project_events WHERE kind = $1",
        "entrusted",
    )
    .await;
    assert_eq!(
        events, 2,
        "the demo's entrustment and its withdrawal are both kept"
    );
    let audited = int(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = $1",
        "project.entrusted",
    )
    .await;
    assert_eq!(audited, 1);
    app.logout().await;
    app.login_as(AGENCY).await;
    let (s, _) = app.get(&format!("/purchase/projects/{consultation}")).await;
    assert_eq!(s, Status::Forbidden);
    let (_, dash) = app.get("/dashboard").await;
    assert!(!dash.contains(&task_link(consultation)));
    app.logout().await;

    // Entrusted again: the OCDS release names the agency as the procuring entity.
    app.login_as(PURCHASER).await;
    let r = app
        .post(
            &format!("/purchase/projects/{consultation}/agency"),
            &[("agency", &agency.to_string())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, releases) = app.get("/ocds/releases.json").await;
    // By the agency's own unified social credit code (issue 24, item 2).
    let code: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT uscc FROM agencies WHERE id = $1")
            .bind(agency)
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    assert!(releases.contains(&format!("\"CN-USCI-{code}\"")));
    assert!(releases.contains("procuringEntity"));
}
