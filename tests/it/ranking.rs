//! Ranking, the evaluated price and abnormally low prices (issue 22, items 1, 4 and 5).
//!
//! Item 1: equal total and equal price → the higher grade in force at the deadline (when the
//! project published the priority "under equal conditions") → the published tie rule → a
//! draw whose seed is drawn when the last panelist submits (87号令 arts. 55 and 68).

use crate::evaluation_flow::{exec, int, sunshine};
use crate::helpers::*;
use crate::review::scored_with;
use rocket::http::Status;

/// The bid of an organization in the project.
async fn bid_of(app: &TestApp, project: i64, org: i64) -> i64 {
    app.scalar_of(&format!(
        "SELECT id FROM bids WHERE project_id = {project} AND org_id = {org}"
    ))
    .await
}

/// Gives the organization a grade valid over the deadline (20 December 2026), ended on
/// `ended_on` if given.
async fn grade(app: &TestApp, org: i64, grade: &str, ended_on: Option<&str>) {
    let ended = ended_on.map_or("NULL".to_string(), |d| format!("'{d}'"));
    exec(
        app,
        &format!(
            "INSERT INTO org_grades (org_id, grade, announced_on, valid_from, valid_to, ended_on, created_at) \
             VALUES ({org}, '{grade}', '2024-12-20', '2025-01-01', '2029-12-31', {ended}, 0)"
        ),
    )
    .await;
}

/// The position of each name in the report, in order.
fn before(page: &str, a: &str, b: &str) -> bool {
    let tbody = &page[page.find("<tbody>").unwrap_or(0)..];
    match (tbody.find(a), tbody.find(b)) {
        (Some(x), Some(y)) => x < y,
        _ => panic!("{a} and {b} in the report"),
    }
}

#[rocket::async_test]
async fn equal_total_and_price_go_to_the_higher_grade_in_force_at_the_deadline() {
    let app = TestApp::spawn().await;
    let fields =
        crate::procurement::project_fields("NB-RANK-01", "open_tender", "2026-12-20T10:00");
    // Sunshine and the volunteers bid the same price and get the same marks: equal totals.
    let (id, _) = scored_with(
        &app,
        &fields,
        ["380000", "380000", "372500"],
        [("35", "25"), ("35", "25"), ("20", "20")],
        "5",
    )
    .await;
    let sun = sunshine(&app).await;
    let sun_name = app
        .text(&format!("SELECT name FROM organizations WHERE id = {sun}"))
        .await;
    let vol_name = app
        .text("SELECT name FROM organizations WHERE id = 3")
        .await;
    // The volunteers hold 4A (the demo's grade); sunshine 3A: the 4A bid ranks first.
    grade(&app, sun, "3a", None).await;
    let (s, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert_eq!(s, Status::Ok);
    assert!(before(&report, &vol_name, &sun_name), "4A before 3A");
    assert!(report.contains("评估等级较高（同等条件下优先）"));
    assert!(!report.contains("部分名次经抽签确定"));
    // Sunshine's 5A that ended on the deadline day was not in force at the deadline.
    grade(&app, sun, "5a", Some("2026-12-20")).await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(
        before(&report, &vol_name, &sun_name),
        "an ended 5A does not count"
    );
    // Ended the day after the deadline: it was in force then, and 5A ranks above 4A.
    exec(
        &app,
        &format!(
            "UPDATE org_grades SET ended_on = '2026-12-21' WHERE org_id = {sun} AND grade = '5a'"
        ),
    )
    .await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(
        before(&report, &sun_name, &vol_name),
        "5A in force at the deadline"
    );
    assert!(report.contains("5A") && report.contains("截止时的评估等级"));
    // A project that did not publish the priority never compares grades: only the draw.
    exec(
        &app,
        &format!("UPDATE projects SET grade_use = 'none' WHERE id = {id}"),
    )
    .await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains("部分名次经抽签确定"));
    assert!(!report.contains("评估等级较高"));
}

#[rocket::async_test]
async fn below_three_a_gives_no_priority_and_the_draw_decides() {
    let app = TestApp::spawn().await;
    let fields =
        crate::procurement::project_fields("NB-RANK-02", "open_tender", "2026-12-20T10:00");
    // The charity and sunshine tie; the charity holds 2A, sunshine nothing: no priority.
    let (id, _) = scored_with(
        &app,
        &fields,
        ["380000", "385000", "380000"],
        [("35", "25"), ("30", "20"), ("35", "25")],
        "5",
    )
    .await;
    grade(&app, 4, "2a", None).await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains("部分名次经抽签确定"));
    // 3A is the first grade with the priority.
    exec(&app, "UPDATE org_grades SET grade = '3a' WHERE org_id = 4").await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(!report.contains("部分名次经抽签确定"));
    let charity = app
        .text("SELECT name FROM organizations WHERE id = 4")
        .await;
    let sun = app
        .text(&format!(
            "SELECT name FROM organizations WHERE id = {}",
            sunshine(&app).await
        ))
        .await;
    assert!(before(&report, &charity, &sun));
}

#[rocket::async_test]
async fn the_draw_seed_is_drawn_when_the_last_panelist_submits_and_shown() {
    let app = TestApp::spawn().await;
    let mut fields =
        crate::procurement::project_fields("NB-RANK-03", "open_tender", "2026-12-20T10:00");
    for (k, v) in fields.iter_mut() {
        if *k == "grade_use" {
            *v = "none";
        }
    }
    let (id, _) = scored_with(
        &app,
        &fields,
        ["380000", "380000", "372500"],
        [("35", "25"), ("35", "25"), ("20", "20")],
        "5",
    )
    .await;
    let panel = format!("(SELECT id FROM panels WHERE project_id = {id})");
    let seed = app
        .text(&format!("SELECT rank_seed FROM panels WHERE id = {panel}"))
        .await;
    let panel_seed = app
        .text(&format!("SELECT seed FROM panels WHERE id = {panel}"))
        .await;
    assert!(!seed.is_empty());
    assert_ne!(seed, panel_seed, "not the panel draw's seed");
    // Drawn with the last sheet, in its transaction: the same instant as the last submission.
    let at = app
        .scalar_of(&format!(
            "SELECT rank_seed_at FROM panels WHERE id = {panel}"
        ))
        .await;
    let last = app
        .scalar_of(&format!(
            "SELECT MAX(submitted_at) FROM panel_members WHERE panel_id = {panel}"
        ))
        .await;
    assert_eq!(at, last);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'panel.rank_seed'")
            .await,
        1
    );
    // The report shows it, and the draw it decided.
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains(&format!(
        "排名抽签种子（最后一名评审委员会成员提交评分时生成并记录）： {seed}"
    )));
    assert!(report.contains(&format!("部分名次经抽签确定，抽签种子： {seed}")));
    assert!(report.contains("抽签确定"));
    // The ranking is the seed's: the bid with the smaller draw key comes first.
    let sun = sunshine(&app).await;
    let (a, b) = (bid_of(&app, id, sun).await, bid_of(&app, id, 3).await);
    let s: u64 = seed.parse().unwrap();
    let first = if huoban::domain::award::draw_key(s, a) < huoban::domain::award::draw_key(s, b) {
        sun
    } else {
        3
    };
    let (first_name, second_name) = (
        app.text(&format!(
            "SELECT name FROM organizations WHERE id = {first}"
        ))
        .await,
        app.text(&format!(
            "SELECT name FROM organizations WHERE id = {}",
            if first == 3 { sun } else { 3 }
        ))
        .await,
    );
    assert!(before(&report, &first_name, &second_name));
    // The delivered ranking (frozen for the award) is the same order.
    let ranking = app
        .text(&format!(
            "SELECT ranking FROM awards WHERE project_id = {id}"
        ))
        .await;
    assert!(ranking.find(&first_name) < ranking.find(&second_name));
}

#[rocket::async_test]
async fn the_criteria_rule_decides_what_the_technical_total_cannot() {
    let app = TestApp::spawn().await;
    let mut fields =
        crate::procurement::project_fields("NB-RANK-04", "open_tender", "2026-12-20T10:00");
    for (k, v) in fields.iter_mut() {
        match *k {
            "grade_use" => *v = "none",
            "tie_rule" => *v = "criteria",
            _ => {}
        }
    }
    // Equal totals (60) and prices: the volunteers score 0.01 more on the first criterion.
    let (id, _) = scored_with(
        &app,
        &fields,
        ["380000", "380000", "372500"],
        [("34.99", "25.01"), ("35", "25"), ("20", "20")],
        "5",
    )
    .await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    let sun = app
        .text(&format!(
            "SELECT name FROM organizations WHERE id = {}",
            sunshine(&app).await
        ))
        .await;
    let vol = app
        .text("SELECT name FROM organizations WHERE id = 3")
        .await;
    assert!(before(&report, &vol, &sun));
    assert!(report.contains("按技术评审因素顺序比较得分较高"));
    assert!(!report.contains("部分名次经抽签确定"));
    // The old "technical" rule is not offered any more: the form refuses it, writing nothing.
    let mut old =
        crate::procurement::project_fields("NB-RANK-05", "open_tender", "2026-12-20T10:00");
    for (k, v) in old.iter_mut() {
        if *k == "tie_rule" {
            *v = "technical";
        }
    }
    let r = app.post("/purchase/projects", &old).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("请选择同分处理方式"));
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE number = $1",
            "NB-RANK-05"
        )
        .await,
        0
    );
    // A project that published it still reads, and ranks as the draw it always was.
    exec(
        &app,
        &format!("UPDATE projects SET tie_rule = 'technical' WHERE id = {id}"),
    )
    .await;
    let (_, public) = app.get("/projects/NB-RANK-04").await;
    assert!(public.contains("技术得分高者优先"));
    let (s, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert_eq!(s, Status::Ok);
    assert!(report.contains("部分名次经抽签确定"));
}
