//! Ranking, the evaluated price and abnormally low prices (issue 22, items 1, 4 and 5).
//!
//! Item 1: equal total and equal price → the higher grade in force at the deadline (when the
//! project published the priority "under equal conditions") → the published tie rule → a
//! draw whose seed is drawn when the last panelist submits (87号令 arts. 55 and 68).

use crate::evaluation_flow::{exec, int, sunshine, switch};
use crate::helpers::*;
use crate::procurement::{publish_project, state, PROPOSAL};
use crate::review::scored_with;
use huoban::domain::award::EnterpriseSize;
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::datetime;

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

// Item 5: small and micro enterprises (政府采购促进中小企业发展管理办法, 财库〔2020〕46号 art. 9;
// 财库〔2022〕19号 raised the deduction for services to 10–20 %).

/// Submits the bid as the signed-in organization admin through the form, with a declaration.
async fn bid_declaring(
    app: &TestApp,
    number: &str,
    org: i64,
    price: &str,
    sme: &str,
) -> (Status, String) {
    let token = app.csrf().await;
    let (ct, body) = multipart(
        &[
            ("_csrf", &token),
            ("price", price),
            ("proposal", PROPOSAL),
            ("sme", sme),
        ],
        &[],
    );
    let r = app
        .client
        .post(format!("/projects/{number}/bid/{org}"))
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    let s = r.status();
    (s, r.into_string().await.unwrap_or_default())
}

#[rocket::async_test]
async fn only_an_enterprise_declares_its_size_sealed_with_its_bid() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-SME-01", "open_tender", "2026-12-20T10:00").await;
    switch(&app, NGO_ADMIN).await;
    let org = sunshine(&app).await;
    let (_, page) = app.get(&format!("/projects/NB-SME-01/bid/{org}")).await;
    assert!(page.contains("中小企业声明函（企业规模）"));
    // A social organization is not an enterprise (46号 art. 2): refused, nothing stored.
    let (s, page) = bid_declaring(&app, "NB-SME-01", org, "380000", "small").await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("只有企业可以提交中小企业声明函"));
    let (s, page) = bid_declaring(&app, "NB-SME-01", org, "380000", "huge").await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("请选择企业规模或不声明"));
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM bids WHERE org_id = {org} AND project_id = \
             (SELECT id FROM projects WHERE number = 'NB-SME-01')"
        ))
        .await,
        0
    );
    // As an enterprise it declares; the declaration is in the sealed content (its digest).
    exec(
        &app,
        &format!("UPDATE organizations SET org_type = 'enterprise' WHERE id = {org}"),
    )
    .await;
    let (s, page) = bid_declaring(&app, "NB-SME-01", org, "380000", "small").await;
    assert_eq!(s, Status::Ok, "{page}");
    assert!(page.contains("中小企业声明函：</dt><dd>小型企业"));
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_id(
            &mut c,
            app.scalar("SELECT id FROM projects WHERE number = 'NB-SME-01'")
                .await,
        )
        .await
        .unwrap()
        .unwrap()
    };
    let own = {
        let mut c = app.db.acquire().await.unwrap();
        Procurement::of(state(&app))
            .own_bid(&mut c, &p, org, "initial")
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(own.1.sme.as_deref(), Some("small"));
    assert_eq!(own.1.digest(), own.0.digest);
    // Without a declaration the content has no size at all (older bids keep their digest).
    let (s, _) = bid_declaring(&app, "NB-SME-01", org, "380000", "").await;
    assert_eq!(s, Status::Ok);
    let own = {
        let mut c = app.db.acquire().await.unwrap();
        Procurement::of(state(&app))
            .own_bid(&mut c, &p, org, "initial")
            .await
            .unwrap()
            .unwrap()
    };
    assert!(!String::from_utf8(own.1.canonical())
        .unwrap()
        .contains("sme"));
}

/// An open tender (deadline 20 December 2026) where sunshine (a small enterprise) bids `sun`,
/// the volunteers 345,000 without a declaration and the charity (a micro enterprise) 372,500;
/// opened, the qualification posted with `sme` decisions for sunshine and the charity; then,
/// when it passed, a panel of three scores every bid 30 + 20. The project id and the bids.
async fn declared_and_scored(
    app: &TestApp,
    number: &str,
    sun: &str,
    sme: [(&str, &str); 2],
) -> (i64, Vec<i64>, Status) {
    app.login_as(PURCHASER).await;
    let id = publish_project(app, number, "open_tender", "2026-12-20T10:00").await;
    let sun_id = sunshine(app).await;
    exec(
        app,
        &format!("UPDATE organizations SET org_type = 'enterprise' WHERE id IN ({sun_id}, 4)"),
    )
    .await;
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_id(&mut c, id)
            .await
            .unwrap()
            .unwrap()
    };
    let pr = Procurement::of(state(app));
    for (org, price, size) in [
        (sun_id, sun, Some(EnterpriseSize::Small)),
        (3, "345000", None),
        (4, "372500", Some(EnterpriseSize::Micro)),
    ] {
        let input = huoban::procurement::bidding::BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        assert!(pr
            .submit_declared_bid(&p, org, 1, "initial", input, size)
            .await
            .unwrap()
            .is_ok());
    }
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    pr.run_due().await.unwrap();
    let bids: Vec<i64> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM bids WHERE project_id = $1 ORDER BY org_id")
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    let (b_sun, b_char) = (bid_of(app, id, sun_id).await, bid_of(app, id, 4).await);
    let mut f: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    for (b, (decision, reason)) in [b_sun, b_char].iter().zip(sme) {
        if !decision.is_empty() {
            f.push((format!("sme[{b}]"), decision.to_string()));
            f.push((format!("sme_reason[{b}]"), reason.to_string()));
        }
    }
    let body: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app
        .post(&format!("/purchase/projects/{id}/qualification"), &body)
        .await;
    let status = r.status();
    if status != Status::SeeOther {
        return (id, bids, status);
    }
    let purchaser = int(app, "SELECT id FROM users WHERE email = $1", PURCHASER.0)
        .await
        .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/panel"),
            &[("size", "5"), ("representative", purchaser.as_str())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let seats: Vec<(i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT m.id, u.email FROM panel_members m JOIN users u ON u.id = m.user_id \
             JOIN panels p ON p.id = m.panel_id WHERE p.project_id = $1 ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let pass: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    for (i, (seat, email)) in seats.iter().enumerate() {
        let password = if email == PURCHASER.0 {
            PURCHASER.1
        } else {
            "demo-expert-2026"
        };
        switch(app, (email, password)).await;
        app.post(&format!("/panel/{seat}/declare"), &[("conflict", "no")])
            .await;
        if i == 0 {
            let r = app.post(&format!("/panel/{seat}/compliance"), &pass).await;
            assert_eq!(r.status(), Status::SeeOther);
        }
        let mut body: Vec<(String, String)> = Vec::new();
        for b in &bids {
            body.push((format!("score[{b}-0]"), "30".into()));
            body.push((format!("score[{b}-1]"), "20".into()));
        }
        body.push(("confirm".into(), "yes".into()));
        let body: Vec<(&str, &str)> = body.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = app
            .post(&format!("/panel/{seat}/scores/confirm"), &body)
            .await;
        assert_eq!(r.status(), Status::SeeOther);
    }
    switch(app, PURCHASER).await;
    (id, bids, status)
}

#[rocket::async_test]
async fn a_small_enterprises_price_is_evaluated_less_the_deduction_to_the_fen() {
    let app = TestApp::spawn().await;
    // Every declaration needs the purchaser's check at qualification; a refusal needs its
    // reason. Missing either: shown again, nothing recorded (the qualification neither).
    let (id, _, s) =
        declared_and_scored(&app, "NB-SME-02", "380000.05", [("pass", ""), ("", "")]).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bid_reviews").await, 0);
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(page.contains("中小企业声明函：") && page.contains("微型企业"));
    let app = TestApp::spawn().await;
    let (id, _, s) = declared_and_scored(
        &app,
        "NB-SME-02",
        "380000.05",
        [("pass", ""), ("fail", "从业人员和营业收入超过微型企业标准")],
    )
    .await;
    assert_eq!(s, Status::SeeOther);
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    // Sunshine (small, accepted): 380,000.05 less 10 % = 342,000.045 → 342,000.05 (half-up
    // to the fen), the base price, 30 points; the volunteers 342,000.05 / 345,000 × 30 =
    // 29.7391… → 29.74; the charity's refused declaration: 342,000.05 / 372,500 × 30 =
    // 27.5436… → 27.54. Without the deduction the volunteers (345,000) would be the base.
    assert!(
        report.contains("342,000.05"),
        "the evaluated price: {report}"
    );
    assert!(report.contains("小型企业 −10%"));
    for total in ["80.00", "79.74", "77.54"] {
        assert!(report.contains(total), "{total} in the report");
    }
    assert!(report.find("80.00") < report.find("79.74"));
    assert!(report.contains("本项目公告时的扣除比例：10%"));
    // The award is at the bid price, not the evaluated one.
    let ranking = app
        .text(&format!(
            "SELECT ranking FROM awards WHERE project_id = {id}"
        ))
        .await;
    assert!(ranking.contains("38000005"), "{ranking}");
    // The purchaser's page shows the check: the charity's declaration refused with its reason.
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(page.contains("声明不予认可（不享受价格扣除）：从业人员和营业收入超过微型企业标准"));
    // The deduction is the dated setting in force at the notice: 20 % from before the
    // notice applies (380,000.05 × 0.8 = 304,000.04); a value from after it would not.
    exec(
        &app,
        "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) \
         VALUES ('procurement.sme_price_deduction_pct', '20', 1, NULL, 1, 'test')",
    )
    .await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains("304,000.04") && report.contains("小型企业 −20%"));
    exec(
        &app,
        "UPDATE settings SET valid_from = 4102444800000 WHERE key = 'procurement.sme_price_deduction_pct' AND value = '20'",
    )
    .await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains("342,000.05"));
}

#[test]
fn the_deduction_setting_stays_within_the_regulations_range() {
    use huoban::domain::setting::{normalize, SettingProblem};
    let key = "procurement.sme_price_deduction_pct";
    assert_eq!(normalize(key, "10"), Ok("10".to_string()));
    assert_eq!(normalize(key, "20"), Ok("20".to_string()));
    let out = Err(SettingProblem::OutOfRange { min: 10, max: 20 });
    assert_eq!(normalize(key, "9"), out);
    assert_eq!(normalize(key, "21"), out);
}

// Item 4: abnormally low prices (87号令 art. 60).

/// An open tender (deadline 20 December 2026) opened with sunshine 380,000, the volunteers
/// 385,000 and the charity 250,000, all qualified; a panel of five drawn, every panelist
/// declared and the first one's compliance check recorded (all compliant). The purchaser is
/// signed in at the end. (project, bids in org order, seats with their emails)
async fn low_price_panel(app: &TestApp, number: &str) -> (i64, Vec<i64>, Vec<(i64, String)>) {
    app.login_as(PURCHASER).await;
    let id = publish_project(app, number, "open_tender", "2026-12-20T10:00").await;
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_id(&mut c, id)
            .await
            .unwrap()
            .unwrap()
    };
    let pr = Procurement::of(state(app));
    for (org, price) in [
        (sunshine(app).await, "380000"),
        (3, "385000"),
        (4, "250000"),
    ] {
        let input = huoban::procurement::bidding::BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        assert!(pr
            .submit_bid(&p, org, 1, "initial", input)
            .await
            .unwrap()
            .is_ok());
    }
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    pr.run_due().await.unwrap();
    let bids: Vec<i64> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM bids WHERE project_id = $1 ORDER BY org_id")
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let pass: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app
        .post(&format!("/purchase/projects/{id}/qualification"), &pass)
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let purchaser = int(app, "SELECT id FROM users WHERE email = $1", PURCHASER.0)
        .await
        .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/panel"),
            &[("size", "5"), ("representative", purchaser.as_str())],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let seats: Vec<(i64, String)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT m.id, u.email FROM panel_members m JOIN users u ON u.id = m.user_id \
             JOIN panels p ON p.id = m.panel_id WHERE p.project_id = $1 ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    for (i, (seat, email)) in seats.iter().enumerate() {
        sign_in_seat(app, email).await;
        app.post(&format!("/panel/{seat}/declare"), &[("conflict", "no")])
            .await;
        if i == 0 {
            let r = app.post(&format!("/panel/{seat}/compliance"), &pass).await;
            assert_eq!(r.status(), Status::SeeOther);
        }
    }
    switch(app, PURCHASER).await;
    (id, bids, seats)
}

async fn sign_in_seat(app: &TestApp, email: &str) {
    let password = if email == PURCHASER.0 {
        PURCHASER.1
    } else {
        "demo-expert-2026"
    };
    switch(app, (email, password)).await;
}

/// Every seat submits 30 + 20 for every bid still valid.
async fn submit_all(app: &TestApp, id: i64, seats: &[(i64, String)]) {
    for (seat, email) in seats {
        sign_in_seat(app, email).await;
        let bids: Vec<i64> = {
            let mut c = app.db.acquire().await.unwrap();
            let p = huoban::db::projects::by_id(&mut c, id)
                .await
                .unwrap()
                .unwrap();
            huoban::procurement::panel_scoring::valid_bids(&mut c, &p)
                .await
                .unwrap()
                .iter()
                .map(|r| r.bid.bid_id)
                .collect()
        };
        let mut body: Vec<(String, String)> = Vec::new();
        for b in &bids {
            body.push((format!("score[{b}-0]"), "30".into()));
            body.push((format!("score[{b}-1]"), "20".into()));
        }
        body.push(("confirm".into(), "yes".into()));
        let body: Vec<(&str, &str)> = body.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = app
            .post(&format!("/panel/{seat}/scores/confirm"), &body)
            .await;
        assert_eq!(r.status(), Status::SeeOther);
    }
    switch(app, PURCHASER).await;
}

#[rocket::async_test]
async fn a_bid_not_explained_by_the_due_hour_is_rejected_and_leaves_the_ranking() {
    let app = TestApp::spawn().await;
    let (id, bids, seats) = low_price_panel(&app, "NB-LOW-01").await;
    let charity_bid = bids[2];
    let (seat, email) = seats[1].clone();
    sign_in_seat(&app, &email).await;
    let path = format!("/panel/{seat}/low-prices");
    let (s, page) = app.get(&path).await;
    assert_eq!(s, Status::Ok);
    assert!(page.contains("¥250,000.00"));
    // A request needs its reason: shown again with the message, nothing written.
    let b = charity_bid.to_string();
    let r = app.post(&path, &[("bid", &b), ("reason", "")]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("请写明理由"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM low_price_queries").await,
        0
    );
    let reason = "报价比其他两家低约三分之一，可能无法配足持证社工";
    let r = app.post(&path, &[("bid", &b), ("reason", reason)]).await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app.post(&path, &[("bid", &b), ("reason", reason)]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "once per bid");
    // Due 24 hours (the setting in force) after the request.
    let asked = app.scalar("SELECT asked_at FROM low_price_queries").await;
    let due = app.scalar("SELECT due_at FROM low_price_queries").await;
    assert_eq!(due - asked, 24 * 3_600_000);
    let q = app.scalar("SELECT id FROM low_price_queries").await;
    // The bidder is told by mail and finds it on its dashboard.
    let (_, body) = app
        .last_mail_to(crate::procurement::CHARITY.0)
        .await
        .unwrap();
    assert!(body.contains("书面说明") && body.contains(reason));
    switch(&app, crate::procurement::CHARITY).await;
    let (_, dash) = app.get("/dashboard").await;
    assert!(dash.contains("报价明显偏低：请提交书面说明"));
    assert!(html_unescape(&dash).contains(&format!("/orgs/4/low-price/{q}")));
    // Everyone scores; the open request holds the report: nothing reaches the purchaser.
    submit_all(&app, id, &seats).await;
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM awards WHERE project_id = {id}"
        ))
        .await,
        0
    );
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains("尚未处理完毕"));
    let pr = Procurement::of(state(&app));
    // One millisecond before the due time nothing lapses.
    app.clock.set(huoban::platform::clock::from_ms(due - 1));
    pr.run_awards().await.unwrap();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM low_price_queries WHERE outcome IS NULL")
            .await,
        1
    );
    // At the due time the explanation is refused, and the job rejects the bid.
    app.clock.set(huoban::platform::clock::from_ms(due));
    switch(&app, crate::procurement::CHARITY).await;
    let r = app
        .post(
            &format!("/orgs/4/low-price/{q}"),
            &[(
                "answer",
                "我们的人员成本由本会志愿者分担，报价可以覆盖全部服务。",
            )],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("说明期限已过"));
    pr.run_awards().await.unwrap();
    assert_eq!(
        app.text("SELECT outcome FROM low_price_queries").await,
        "lapsed"
    );
    switch(&app, PURCHASER).await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains("逾期未说明，投标无效"));
    assert!(report.contains("报价明显偏低且未能证明其合理性，投标无效"));
    // The report went to the purchaser without the charity.
    let ranking = app
        .text(&format!(
            "SELECT ranking FROM awards WHERE project_id = {id}"
        ))
        .await;
    let charity = app
        .text("SELECT name FROM organizations WHERE id = 4")
        .await;
    assert!(!ranking.contains(&charity), "{ranking}");
    assert!(ranking.contains("38000000"));
}

#[rocket::async_test]
async fn the_panel_accepts_an_explanation_or_rejects_the_bid_with_its_reason() {
    let app = TestApp::spawn().await;
    let (id, bids, seats) = low_price_panel(&app, "NB-LOW-02").await;
    let (seat, email) = seats[0].clone();
    sign_in_seat(&app, &email).await;
    let path = format!("/panel/{seat}/low-prices");
    for (b, why) in [(bids[2], "报价明显低于其他投标"), (bids[0], "报价明显偏低")] {
        let b = b.to_string();
        let r = app.post(&path, &[("bid", &b), ("reason", why)]).await;
        assert_eq!(r.status(), Status::SeeOther);
    }
    let ids: Vec<i64> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM low_price_queries ORDER BY id")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    // Deciding before the bidder explains is refused.
    let r = app
        .post(&format!("{path}/{}", ids[0]), &[("decision", "accept")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("投标人尚未作出说明"));
    // The charity explains just in time (a millisecond before the due hour); too short first.
    let due = app
        .scalar("SELECT MIN(due_at) FROM low_price_queries")
        .await;
    app.clock.set(huoban::platform::clock::from_ms(due - 1));
    switch(&app, crate::procurement::CHARITY).await;
    let answer_path = format!("/orgs/4/low-price/{}", ids[0]);
    let r = app.post(&answer_path, &[("answer", "便宜")]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app
        .post(
            &answer_path,
            &[("answer", "本会有 40 名注册志愿者参与服务，社工人力成本由公益基金资助，报价能够覆盖服务全部成本。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // Sunshine's admin explains too.
    switch(&app, NGO_ADMIN).await;
    let sun = sunshine(&app).await;
    let r = app
        .post(
            &format!("/orgs/{sun}/low-price/{}", ids[1]),
            &[("answer", "我们的报价按市场价格测算，已含全部人员成本。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // The panel accepts the charity's; rejects sunshine's, and a rejection needs its reason.
    sign_in_seat(&app, &email).await;
    let r = app
        .post(&format!("{path}/{}", ids[0]), &[("decision", "accept")])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .post(&format!("{path}/{}", ids[1]), &[("decision", "reject")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let why = "未提供人员成本测算的证明材料";
    let r = app
        .post(
            &format!("{path}/{}", ids[1]),
            &[("decision", "reject"), ("reason", why)],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    submit_all(&app, id, &seats).await;
    let (_, report) = app.get(&format!("/purchase/projects/{id}/report")).await;
    assert!(report.contains("说明合理，投标继续有效"));
    assert!(report.contains(&format!("不能证明报价合理性，投标无效（{why}）")));
    let ranking = app
        .text(&format!(
            "SELECT ranking FROM awards WHERE project_id = {id}"
        ))
        .await;
    let sun_name = app
        .text(&format!("SELECT name FROM organizations WHERE id = {sun}"))
        .await;
    assert!(!ranking.contains(&sun_name));
    assert!(ranking.contains("25000000"), "the charity stays");
}
