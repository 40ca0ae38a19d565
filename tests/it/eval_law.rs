//! Evaluation under 39号令 checked line by line (issue 22, items 11, 14, 15): the standard of
//! the organization's category as loaded when the round opened, the disagreement threshold
//! and the performance grade ladder as dated settings whose version is recorded, and the void
//! certificate of a downgraded or expired grade with its 15-day return clock.

use crate::award::signed_contract;
use crate::evaluation_flow::*;
use crate::helpers::*;
use crate::procurement::state;
use crate::registry::ok_post;
use huoban::procurement::Procurement;
use rocket::http::Status;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::macros::datetime;

async fn record_setting(app: &TestApp, key: &str, value: &str, valid_from: i64) -> i64 {
    let mut c = app.db.acquire().await.unwrap();
    huoban::db::settings::record(&mut c, key, value, valid_from, 1, valid_from, "issue 22")
        .await
        .unwrap()
}

/// Opens a round as the evaluation officer through the page; returns its id.
async fn open_round(app: &TestApp, title: &str) -> i64 {
    let authority = int(
        app,
        "SELECT MIN(g.authority_id) FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.email = $1 AND g.role = 'evaluation_officer'",
        EVALUATION.0,
    )
    .await;
    switch(app, EVALUATION).await;
    ok_post(
        app,
        "/evaluation/rounds",
        &[
            ("authority", &authority.to_string()),
            ("year", "2027"),
            ("title", title),
            ("apply_from", "2027-03-01"),
            ("apply_to", "2027-04-30"),
            ("scoring_due", "2027-06-30"),
        ],
    )
    .await;
    int(app, "SELECT id FROM eval_rounds WHERE title = $1", title).await
}

#[rocket::async_test]
async fn a_round_keeps_the_disagreement_percentage_in_force_when_it_opened() {
    let app = TestApp::spawn().await;
    // The demo's rounds opened with the default, 30% of an item's maximum.
    assert_eq!(
        app.scalar("SELECT MIN(disagreement_pct) FROM eval_rounds")
            .await,
        30
    );
    let now = app.clock.now_ms();
    // A value valid from tomorrow is not yet in force: the round opened today keeps 30.
    record_setting(
        &app,
        "evaluation.disagreement_percent",
        "40",
        now + 86_400_000,
    )
    .await;
    let today = open_round(&app, "2027 年度评估（今日开启）").await;
    // In force from now: the next round keeps 25, and later changes leave it alone.
    let version = record_setting(&app, "evaluation.disagreement_percent", "25", now).await;
    let next = open_round(&app, "2027 年度评估（参数调整后）").await;
    let pct = |id: i64| format!("SELECT disagreement_pct FROM eval_rounds WHERE id = {id}");
    assert_eq!(app.scalar_of(&pct(today)).await, 30);
    assert_eq!(app.scalar_of(&pct(next)).await, 25);
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT settings_version FROM eval_rounds WHERE id = {next}"
        ))
        .await,
        version
    );
    record_setting(&app, "evaluation.disagreement_percent", "50", now).await;
    assert_eq!(app.scalar_of(&pct(next)).await, 25);
    // The aggregate reads the round's own percentage: the demo round flags at 30%, so a
    // 5-point gap on a 10-point item (50%) is flagged, and the page says which percentage.
    let id = scored_application(&app).await;
    switch(&app, EVALUATION).await;
    let (_, page) = app.get(&format!("/evaluation/applications/{id}")).await;
    assert!(page.contains("满分 30% 的指标"), "{page}");
}

#[rocket::async_test]
async fn a_performance_review_records_the_settings_version_it_was_graded_under() {
    let app = TestApp::spawn().await;
    let k = signed_contract(&app, "NB-PERF-22").await;
    let purchaser = int(&app, "SELECT id FROM users WHERE email = $1", PURCHASER.0).await;
    let pr = Procurement::of(state(&app));
    let contract = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::delivery::contract::by_id(&mut c, k)
            .await
            .unwrap()
            .unwrap()
    };
    // 良 from 85 by a ladder in force now; a later change does not apply to this review.
    let now = app.clock.now_ms();
    let version = record_setting(&app, "performance.threshold.good", "85", now).await;
    record_setting(&app, "performance.threshold.good", "70", now + 86_400_000).await;
    let rid = pr
        .open_review(&contract, "中期评估", purchaser, false, purchaser)
        .await
        .unwrap()
        .unwrap();
    let review = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::delivery::performance::by_id(&mut c, rid)
            .await
            .unwrap()
            .unwrap()
    };
    // 84.15 of 85 indicator points at 99%, with 0 satisfaction: 84.15 — 中 under 85, 良 under 80.
    let scores: BTreeMap<String, Decimal> = huoban::domain::performance::Template::shipped()
        .items()
        .map(|i| {
            (
                i.key.clone(),
                (Decimal::from(i.max) * Decimal::new(99, 2)).round_dp(2),
            )
        })
        .collect();
    let total: Decimal = scores.values().copied().sum();
    assert!(
        total < Decimal::from(85) && total >= Decimal::from(80),
        "{total}"
    );
    let grade = pr
        .submit_review(&review, &scores, Some(Decimal::ZERO), purchaser)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grade, "fair");
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT settings_version FROM perf_reviews WHERE id = {rid}"
        ))
        .await,
        version
    );
    let (_, page) = app.get(&format!("/reviews/{rid}")).await;
    assert!(
        page.contains(&format!("按参数版本 {version} 定级")),
        "{page}"
    );
}

#[rocket::async_test]
async fn an_application_takes_its_categorys_standard_as_loaded_when_the_round_opened() {
    let app = TestApp::spawn().await;
    let round = round_id(&app).await;
    // A new version of the 社区服务 field's standard, loaded after the demo round opened.
    let v1 =
        huoban::domain::standard::built_in("social_service_institution-community_service-v1.toml")
            .unwrap();
    let v2 = v1
        .replacen("version = 1", "version = 2", 1)
        .replace("（第 1 版）", "（第 2 版）");
    let loaded_v2 = {
        let mut c = app.db.acquire().await.unwrap();
        match huoban::db::standards::load(&mut c, &v2, 0).await.unwrap() {
            (huoban::db::standards::Loaded::Added(id), _) => id,
            other => panic!("{other:?}"),
        }
    };
    // Sunshine (社会服务机构, community_service) applies in the demo round: the field's
    // standard as loaded when the round opened, version 1, not the one loaded since.
    let _ = scored_application(&app).await;
    let key = app
        .text(&format!(
            "SELECT s.org_type || ' v' || CAST(s.version AS TEXT) FROM eval_applications e \
             JOIN eval_standards s ON s.id = e.standard_id WHERE e.round_id = {round}"
        ))
        .await;
    assert_eq!(key, "social_service_institution.community_service v1");
    // A round opened now uses version 2; a social group of the 科技类 category gets the
    // 学术类 standard, one of another category the general standard, version 2.
    let next = open_round(&app, "2027 年度评估（新标准）").await;
    let mut c = app.db.acquire().await.unwrap();
    let r = huoban::db::evaluation::round_by_id(&mut c, next)
        .await
        .unwrap()
        .unwrap();
    let pick = |t: &'static str, cat: &'static str| {
        let db = app.db.clone();
        let r = r.clone();
        async move {
            let mut c = db.acquire().await.unwrap();
            let (id, s) = huoban::evaluation::standard_for(&mut c, t, cat, &r)
                .await
                .unwrap();
            (id, s.key(), s.version)
        }
    };
    assert_eq!(
        pick("social_service_institution", "community_service").await,
        (
            loaded_v2,
            "social_service_institution.community_service".into(),
            2
        )
    );
    assert_eq!(
        pick("social_group", "science_technology").await.1,
        "social_group.academic"
    );
    assert_eq!(
        pick("social_group", "industry_association").await.1,
        "social_group.industry_association"
    );
    assert_eq!(
        pick("social_group", "other").await.1,
        "social_group.federation"
    );
    let general = pick("social_service_institution", "other").await;
    assert_eq!(
        (general.1.as_str(), general.2),
        ("social_service_institution", 2)
    );
    assert_eq!(pick("foundation", "charity").await.1, "foundation");
}

#[rocket::async_test]
async fn a_downgraded_or_expired_grades_certificate_is_void_at_once_and_due_back_in_15_days() {
    let app = TestApp::spawn().await;
    let volunteers = int(
        &app,
        "SELECT id FROM organizations WHERE name = $1",
        "宁波市志愿者协会",
    )
    .await;
    let old = app
        .scalar_of(&format!(
            "SELECT id FROM org_grades WHERE org_id = {volunteers} AND grade = '4a'"
        ))
        .await;
    // Before: the certificate is valid, and nothing is listed as void.
    let (_, cert) = app.get(&format!("/grades/{old}/certificate")).await;
    assert!(!cert.contains("作废"), "{cert}");
    // A warning after its announcement: the officer confirms a downgrade to 3A on 17 January.
    app.clock.set(datetime!(2027-01-17 02:00 UTC));
    exec(&app, &format!("INSERT INTO penalties (org_id, kind, decided_on, reason, created_at) VALUES ({volunteers}, 'warning', '2027-01-10', '未按规定公开年度报告', 0)")).await;
    app.jobs().evaluation().run_daily().await.unwrap();
    switch(&app, EVALUATION).await;
    let d = app.scalar("SELECT MIN(id) FROM grade_downgrades").await;
    ok_post(
        &app,
        &format!("/evaluation/downgrades/{d}"),
        &[
            ("outcome", "confirmed"),
            ("new_grade", "3a"),
            ("reason", "行政处罚（警告），降为 3A"),
        ],
    )
    .await;
    // Void at once, publicly: the certificate, the public list and the profile say so.
    app.logout().await;
    let (_, cert) = html_unescape_pair(app.get(&format!("/grades/{old}/certificate")).await);
    assert!(
        cert.contains("void-stamp") && cert.contains("已作废"),
        "{cert}"
    );
    assert!(cert.contains("本证书作废"), "{cert}");
    let (s, list) = html_unescape_pair(app.get("/grades/void").await);
    assert_eq!(s, Status::Ok);
    assert!(
        list.contains("宁波市志愿者协会") && list.contains(&format!(">{old}</a>")),
        "{list}"
    );
    let (_, profile) = html_unescape_pair(app.get(&format!("/organizations/{volunteers}")).await);
    assert!(profile.contains("已作废"), "{profile}");
    // Due back on the 15th day after the downgrade: 1 February, on the officer's queue.
    assert_eq!(
        app.text(&format!(
            "SELECT certificate_due_on FROM org_grades WHERE id = {old}"
        ))
        .await,
        "2027-02-01"
    );
    switch(&app, EVALUATION).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("作废等级证书待交回") && dash.contains("/evaluation/downgrades#certificates"),
        "{dash}"
    );
    // The organization's admin is told too, with the same last day.
    exec(&app, &format!("UPDATE memberships SET kind = 'admin' WHERE org_id = {volunteers} AND user_id = (SELECT id FROM users WHERE email = '{}')", NGO_MEMBER.0)).await;
    switch(&app, NGO_MEMBER).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("交回已作废的评估等级证书和牌匾")
            && dash.contains(&format!("/grades/{old}/certificate")),
        "{dash}"
    );
    switch(&app, EVALUATION).await;
    // Recorded as returned once: off the queue, and the certificate says when.
    ok_post(&app, &format!("/evaluation/grades/{old}/returned"), &[]).await;
    let r = app
        .post(&format!("/evaluation/grades/{old}/returned"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'evaluation.certificate_returned'"
        )
        .await,
        1,
        "once"
    );
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(!dash.contains("作废等级证书待交回"), "{dash}");
    let (_, cert) = html_unescape_pair(app.get(&format!("/grades/{old}/certificate")).await);
    assert!(cert.contains("已于") && cert.contains("交回"), "{cert}");
    // Another officer's organizations are not theirs to record.
    switch(&app, NGO_ADMIN).await;
    let r = app
        .post(&format!("/evaluation/grades/{old}/returned"), &[])
        .await;
    assert_eq!(r.status(), Status::Forbidden);
    // The 3A runs to 2028-12-31; on 2 January 2029 it expires: void, due back on the 17th.
    app.clock.set(datetime!(2029-01-02 02:00 UTC));
    assert_eq!(
        app.jobs().evaluation().run_daily().await.unwrap().expired,
        1
    );
    assert_eq!(
        app.text(&format!(
            "SELECT certificate_due_on FROM org_grades WHERE org_id = {volunteers} AND grade = '3a'"
        ))
        .await,
        "2029-01-17"
    );
    switch(&app, EVALUATION).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(dash.contains("作废等级证书待交回"), "{dash}");
    assert!(app.verify_audit().await.ok());
}

fn html_unescape_pair((s, body): (Status, String)) -> (Status, String) {
    (s, html_unescape(&body))
}

#[rocket::async_test]
async fn fraud_marked_by_a_majority_of_the_experts_leaves_the_application_without_a_grade() {
    // Issue 22, item 12: full marks, 1000 points, and no grade — not a 1A cap.
    let app = TestApp::spawn().await;
    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    switch(&app, NGO_ADMIN).await;
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let text = "本中心近两年按章程开展社会工作服务（一票否决测试）。";
    let (status, body) = apply(&app, org, round, text, &[("a.pdf", pdf)]).await;
    assert_eq!(status, Status::SeeOther, "{body}");
    let id = int(
        &app,
        "SELECT id FROM eval_applications WHERE self_assessment = $1",
        text,
    )
    .await;
    switch(&app, EVALUATION).await;
    for who in [EXPERT, EXPERT2, EXPERT3] {
        let uid = int(&app, "SELECT id FROM users WHERE email = $1", who.0).await;
        ok_post(
            &app,
            &format!("/evaluation/applications/{id}/assign"),
            &[("expert", &uid.to_string())],
        )
        .await;
    }
    for (who, fraud) in [(EXPERT, true), (EXPERT2, false), (EXPERT3, true)] {
        switch(&app, who).await;
        let a = app
            .scalar_of(&format!(
                "SELECT s.id FROM eval_assignments s JOIN users u ON u.id = s.expert_user_id \
                 WHERE u.email = '{}' AND s.eval_application_id = {id}",
                who.0
            ))
            .await;
        ok_post(
            &app,
            &format!("/scoring/{a}/declare"),
            &[("conflict", "none")],
        )
        .await;
        let mut fields = full_marks("0");
        if fraud {
            fields.push(("score[V02]".into(), "1".into()));
            fields.push((
                "comment[V02]".into(),
                "自评材料中的服务台账与实际不符".into(),
            ));
        }
        fields.push(("action".into(), "submit".into()));
        let (s, body) = post_owned(&app, &format!("/scoring/{a}"), &fields).await;
        assert_eq!(s, Status::SeeOther, "{body}");
    }
    let row = app
        .text(&format!(
            "SELECT CAST(total_centi AS TEXT) || '|' || COALESCE(proposed_grade, '-') || '|' || COALESCE(veto, '-') \
             FROM eval_applications WHERE id = {id}"
        ))
        .await;
    assert_eq!(row, "100000|-|V02");
    switch(&app, EVALUATION).await;
    let (_, page) = app.get(&format!("/evaluation/applications/{id}")).await;
    assert!(page.contains("一票否决：不予评定等级"), "{page}");
}
