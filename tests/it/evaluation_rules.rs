//! Evaluation rules one at a time: eligibility reasons, automatic and declared recusal, what an
//! expert may see and enter, locked submissions, the objection clock, and the daily job
//! (scoring reminders, expiry, downgrade proposals the officer confirms).

use crate::evaluation_flow::*;
use crate::helpers::*;
use crate::registry::ok_post;
use rocket::http::Status;
use time::macros::datetime;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const TEXT: &str = "本中心近两年按章程开展社会工作服务，治理结构健全，财务公开。";

async fn applied(app: &TestApp) -> i64 {
    let (org, round) = (sunshine(app).await, round_id(app).await);
    switch(app, NGO_ADMIN).await;
    let (s, body) = apply(app, org, round, TEXT, &[("a.pdf", PDF)]).await;
    assert_eq!(s, Status::SeeOther, "{body}");
    int(
        app,
        "SELECT id FROM eval_applications WHERE self_assessment = $1",
        TEXT,
    )
    .await
}

async fn assign(app: &TestApp, id: i64, email: &str) -> (Status, String) {
    let uid = int(app, "SELECT id FROM users WHERE email = $1", email).await;
    let r = app
        .post(
            &format!("/evaluation/applications/{id}/assign"),
            &[("expert", &uid.to_string())],
        )
        .await;
    let s = r.status();
    let loc = r.headers().get_one("Location").unwrap_or("").to_string();
    let (_, page) = app.get(&loc).await;
    (s, page)
}

#[rocket::async_test]
async fn each_reason_an_organization_may_not_apply_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    exec(&app, "UPDATE organizations SET registered_on = '2024-03-01' WHERE name = '宁波市海曙区阳光社会工作服务中心'").await;
    exec(&app, &format!("INSERT INTO credit_listings (org_id, list, reason, listed_on, created_at) VALUES ({org}, 'serious', 'test', '2026-01-05', 0)")).await;
    switch(&app, NGO_ADMIN).await;
    let (_, page) = app.get(&format!("/orgs/{org}/evaluation")).await;
    assert!(
        page.contains("登记未满两个完整年度") && page.contains("严重违法失信名单"),
        "{page}"
    );
    let (s, page) = apply(&app, org, round, TEXT, &[("a.pdf", PDF)]).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("登记未满两个完整年度"));
    // Registered in 2023: eligible from 2026 (two full calendar years) once off the list.
    exec(&app, "UPDATE organizations SET registered_on = '2023-12-31' WHERE name = '宁波市海曙区阳光社会工作服务中心'").await;
    exec(&app, "UPDATE credit_listings SET removed_on = '2026-02-01'").await;
    // No evidence, or evidence that is not a PDF or image: refused with the reason.
    let (s, page) = apply(&app, org, round, TEXT, &[]).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("请至少上传一个证明材料"));
    let (s, _) = apply(&app, org, round, TEXT, &[("x.exe", b"MZ\x90\x00not a pdf")]).await;
    assert_eq!(s, Status::UnprocessableEntity);
    let (s, _) = apply(&app, org, round, "太短", &[("a.pdf", PDF)]).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心')").await,
        0
    );
    let (s, _) = apply(&app, org, round, TEXT, &[("a.pdf", PDF)]).await;
    assert_eq!(s, Status::SeeOther);
    // A grade still valid bars a new application (upgrades not allowed by default).
    let (s, _) = apply(&app, org, round, TEXT, &[("a.pdf", PDF)]).await;
    assert_eq!(s, Status::Conflict, "once per round");
    exec(&app, &format!("INSERT INTO org_grades (org_id, grade, announced_on, valid_from, valid_to, created_at) VALUES ({org}, '3a', '2024-12-01', '2025-01-01', '2029-12-31', 0)")).await;
    exec(&app, "DELETE FROM eval_evidence WHERE eval_application_id IN (SELECT id FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心'))").await;
    exec(&app, "DELETE FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心')").await;
    let (_, page) = app.get(&format!("/orgs/{org}/evaluation")).await;
    assert!(page.contains("评估等级仍在有效期内"));
}

#[rocket::async_test]
async fn a_recent_member_is_recused_automatically_and_a_declared_conflict_recuses_too() {
    let app = TestApp::spawn().await;
    let id = applied(&app).await;
    // The organization's member (since 2025) becomes an expert: recused at assignment.
    exec(&app, "INSERT INTO role_grants (user_id, role, granted_at, settings_version) SELECT id, 'expert', 0, 1 FROM users WHERE email = 'ngo.member@demo.huoban.cn'").await;
    // In the evaluation library (issue 22, item 20).
    exec(&app, "INSERT INTO expert_pools (user_id, pool, since) SELECT id, 'evaluation', 0 FROM users WHERE email = 'ngo.member@demo.huoban.cn'").await;
    switch(&app, EVALUATION).await;
    let (s, page) = assign(&app, id, NGO_MEMBER.0).await;
    assert_eq!(s, Status::SeeOther);
    assert!(page.contains("已自动回避"), "{page}");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM eval_assignments WHERE recusal_reason = 'automatic:member'"
        )
        .await,
        1
    );
    assert!(app
        .last_mail_to(NGO_MEMBER.0)
        .await
        .is_none_or(|(s, _)| !s.contains("评估")));
    // Left more than two years ago: no longer a reason.
    exec(&app, "UPDATE memberships SET left_on = '2024-10-01' WHERE user_id = (SELECT id FROM users WHERE email = 'ngo.member@demo.huoban.cn')").await;
    exec(&app, "DELETE FROM eval_assignments WHERE eval_application_id IN (SELECT id FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心'))").await;
    let (_, page) = assign(&app, id, NGO_MEMBER.0).await;
    assert!(!page.contains("已自动回避"));
    // A declared conflict recuses; the recused expert can no longer score.
    let (_, _) = assign(&app, id, EXPERT.0).await;
    switch(&app, EXPERT).await;
    let a = int(&app, "SELECT s.id FROM eval_assignments s JOIN users u ON u.id = s.expert_user_id WHERE u.email = $1 AND s.eval_application_id IN (SELECT id FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心'))", EXPERT.0).await;
    let r = app
        .post(
            &format!("/scoring/{a}/declare"),
            &[("conflict", "conflict")],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "a conflict without its description is sent back"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM eval_assignments WHERE declared_at IS NOT NULL AND eval_application_id IN (SELECT id FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心'))")
            .await,
        0
    );
    ok_post(
        &app,
        &format!("/scoring/{a}/declare"),
        &[("conflict", "conflict"), ("detail", "其负责人是我的表亲")],
    )
    .await;
    let (_, page) = app.get(&format!("/scoring/{a}")).await;
    assert!(page.contains("您已回避"));
    let mut f = full_marks("0");
    f.push(("action".into(), "save".into()));
    let (s, _) = post_owned(&app, &format!("/scoring/{a}"), &f).await;
    assert_eq!(s, Status::Conflict);
    switch(&app, EVALUATION).await;
    let (_, page) = app.get(&format!("/evaluation/applications/{id}")).await;
    assert!(page.contains("还需指派") && page.contains("declared:其负责人是我的表亲"));
}

#[rocket::async_test]
async fn an_expert_sees_only_their_own_sheet_scores_within_bounds_and_submits_once() {
    let app = TestApp::spawn().await;
    let id = applied(&app).await;
    switch(&app, EVALUATION).await;
    assign(&app, id, EXPERT.0).await;
    assign(&app, id, EXPERT2.0).await;
    let a1 = int(&app, "SELECT s.id FROM eval_assignments s JOIN users u ON u.id = s.expert_user_id WHERE u.email = $1 AND s.eval_application_id IN (SELECT id FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心'))", EXPERT.0).await;
    let a2 = int(&app, "SELECT s.id FROM eval_assignments s JOIN users u ON u.id = s.expert_user_id WHERE u.email = $1 AND s.eval_application_id IN (SELECT id FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心'))", EXPERT2.0).await;
    switch(&app, EXPERT2).await;
    ok_post(
        &app,
        &format!("/scoring/{a2}/declare"),
        &[("conflict", "none")],
    )
    .await;
    let code = &huoban::domain::scoring::lines(&standard())[0].code;
    ok_post(
        &app,
        &format!("/scoring/{a2}"),
        &[
            (&format!("score[{code}]"), "7.77"),
            (&format!("comment[{code}]"), "记录不全"),
            ("action", "save"),
        ],
    )
    .await;
    // Another expert's assignment does not exist for this expert, by URL too.
    switch(&app, EXPERT).await;
    assert_eq!(app.get(&format!("/scoring/{a2}")).await.0, Status::NotFound);
    assert_eq!(
        app.post(&format!("/scoring/{a2}"), &[("action", "save")])
            .await
            .status(),
        Status::NotFound
    );
    assert_eq!(
        app.post(&format!("/scoring/{a2}/declare"), &[("conflict", "none")])
            .await
            .status(),
        Status::NotFound
    );
    // Before declaring, no scoring form and no saving.
    let (_, page) = app.get(&format!("/scoring/{a1}")).await;
    assert!(page.contains("利益冲突声明") && !page.contains("7.77"));
    // Said on the sheet with what to do (issue 25, item 2), nothing saved.
    let r = app
        .post(&format!("/scoring/{a1}"), &[("action", "save")])
        .await;
    assert_eq!(r.status(), Status::Conflict);
    let body = r.into_string().await.unwrap_or_default();
    assert!(
        body.contains("评分前须先声明与申请组织有无利益冲突"),
        "{body}"
    );
    assert!(body.contains(r#"id="declare-error""#) && !body.contains("无法办理"));
    ok_post(
        &app,
        &format!("/scoring/{a1}/declare"),
        &[("conflict", "none")],
    )
    .await;
    let (_, page) = app.get(&format!("/scoring/{a1}")).await;
    assert!(!page.contains("7.77"), "never another expert's scores");
    // Bounds, the comment on a deduction, and the complete sheet at submission.
    for (score, comment, action, msg) in [
        ("10.01", "", "save", "0 和满分之间"),
        ("-1", "", "save", "0 和满分之间"),
        ("abc", "", "save", "请填写数字"),
        ("8", "", "save", "扣分须写明说明"),
        ("10", "", "submit", "提交前须为每个基础指标评分"),
    ] {
        let (s, page) = post_owned(
            &app,
            &format!("/scoring/{a1}"),
            &[
                (format!("score[{code}]"), score.into()),
                (format!("comment[{code}]"), comment.into()),
                ("action".into(), action.into()),
            ],
        )
        .await;
        assert_eq!(s, Status::UnprocessableEntity, "{score}");
        assert!(page.contains(msg), "{score}: {msg}");
    }
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM eval_scores WHERE assignment_id = CAST($1 AS BIGINT)",
            &a1.to_string()
        )
        .await,
        0
    );
    // A draft is kept; the submission locks.
    ok_post(
        &app,
        &format!("/scoring/{a1}"),
        &[
            (&format!("score[{code}]"), "8.5"),
            (&format!("comment[{code}]"), "缺少会议记录"),
            ("action", "save"),
        ],
    )
    .await;
    let (_, page) = app.get(&format!("/scoring/{a1}")).await;
    assert!(page.contains("8.5") && page.contains("缺少会议记录"));
    let mut f = full_marks("0");
    f.push(("action".into(), "submit".into()));
    let (s, _) = post_owned(&app, &format!("/scoring/{a1}"), &f).await;
    assert_eq!(s, Status::SeeOther);
    let (s, _) = post_owned(&app, &format!("/scoring/{a1}"), &f).await;
    assert_eq!(s, Status::Conflict);
    let (_, page) = app.get(&format!("/scoring/{a1}")).await;
    assert!(page.contains("评分已提交并锁定"));
    // One or two submissions propose nothing: the committee needs three.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM eval_applications WHERE proposed_grade IS NOT NULL AND org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心')")
            .await,
        0
    );
}

#[rocket::async_test]
async fn the_daily_job_reminds_experts_records_expiry_and_proposes_downgrades() {
    let app = TestApp::spawn().await;
    let id = applied(&app).await;
    switch(&app, EVALUATION).await;
    assign(&app, id, EXPERT.0).await;
    // Scores due 2027-01-20: reminded once from 3 days before.
    app.clock.set(datetime!(2027-01-16 02:00 UTC));
    let ev = app.jobs();
    let r = ev.evaluation().run_daily().await.unwrap();
    assert_eq!(r.reminders, 0);
    app.clock.set(datetime!(2027-01-17 02:00 UTC));
    assert_eq!(ev.evaluation().run_daily().await.unwrap().reminders, 1);
    assert_eq!(ev.evaluation().run_daily().await.unwrap().reminders, 0);
    assert!(app
        .last_mail_to(EXPERT.0)
        .await
        .is_some_and(|(_, b)| b.contains("2027-01-20")));
    // The demo's 4A (valid to 2028-12-31) and a penalty after its announcement.
    let volunteers = int(
        &app,
        "SELECT id FROM organizations WHERE name = $1",
        "宁波市志愿者协会",
    )
    .await;
    exec(&app, &format!("INSERT INTO penalties (org_id, kind, decided_on, reason, created_at) VALUES ({volunteers}, 'warning', '2027-01-10', '未按规定公开年度报告', 0)")).await;
    let r = ev.evaluation().run_daily().await.unwrap();
    assert_eq!(r.proposed, 1);
    assert_eq!(
        ev.evaluation().run_daily().await.unwrap().proposed,
        0,
        "once"
    );
    let (_, page) = app.get("/evaluation/downgrades").await;
    assert!(page.contains("宁波市志愿者协会") && page.contains("受到行政处罚"));
    let d = app.scalar("SELECT MIN(id) FROM grade_downgrades").await;
    let r = app
        .post(
            &format!("/evaluation/downgrades/{d}"),
            &[
                ("outcome", "confirmed"),
                ("new_grade", "5a"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM grade_downgrades WHERE outcome IS NOT NULL")
            .await,
        0,
        "a downgrade cannot raise"
    );
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
    let (_, profile) = app.get(&format!("/organizations/{volunteers}")).await;
    assert!(
        profile.contains("3A") && profile.contains("2028"),
        "{profile}"
    );
    // Past 2028: the remaining grade expires and is recorded so.
    app.clock.set(datetime!(2029-01-02 02:00 UTC));
    assert_eq!(ev.evaluation().run_daily().await.unwrap().expired, 1);
    let (_, profile) = app.get(&format!("/organizations/{volunteers}")).await;
    assert!(profile.contains("未评定等级"));
    assert!(app.verify_audit().await.ok());
}

#[rocket::async_test]
async fn objections_are_answered_on_a_15_day_clock_and_the_organization_may_ask_for_re_review() {
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let (org, round) = (sunshine(&app).await, round_id(&app).await);
    switch(&app, EVALUATION).await;
    ok_post(
        &app,
        &format!("/evaluation/rounds/{round}/committee"),
        &[
            ("held_on", "2026-11-28"),
            ("members", "7"),
            ("present", "7"),
            (&format!("decisions[{id}].grade"), "4a"),
            (&format!("decisions[{id}].votes"), "4"),
            (
                &format!("decisions[{id}].reason"),
                "委员会认为社会评价指标得分偏高",
            ),
        ],
    )
    .await;
    ok_post(&app, &format!("/evaluation/rounds/{round}/notice"), &[]).await;
    switch(&app, NGO_ADMIN).await;
    let (_, page) = app.get(&format!("/orgs/{org}/evaluation")).await;
    assert!(page.contains("复核申请"));
    ok_post(
        &app,
        &format!("/orgs/{org}/evaluation/applications/{id}/review"),
        &[("body", "申请复核社会评价指标的扣分。")],
    )
    .await;
    switch(&app, EVALUATION).await;
    app.clock.set(datetime!(2026-12-10 02:00 UTC));
    let (_, q) = app.get("/evaluation/objections").await;
    assert!(q.contains("剩余天数 3"), "{q}");
    app.clock.set(datetime!(2026-12-15 02:00 UTC));
    let (_, q) = app.get("/evaluation/objections").await;
    assert!(q.contains("已超期 2"), "{q}");
    // After the notice period nobody can object any more.
    switch(&app, NGO_ADMIN).await;
    let r = app
        .post(
            &format!("/orgs/{org}/evaluation/applications/{id}/review"),
            &[("body", "再次申请复核社会评价指标的扣分。")],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict);
    switch(&app, EVALUATION).await;
    let oid = app.scalar("SELECT MIN(id) FROM eval_objections").await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("评估异议：书面答复（15日）")
            && dash.contains("href=\"/evaluation/objections\""),
        "the objection waits on the officer's dashboard: {dash}"
    );
    let (_, q) = app.get("/evaluation/objections").await;
    assert!(
        q.contains("复核后的等级"),
        "a re-review may change the grade"
    );
    // The re-review finds the committee's change unfounded: back to the proposed 5A. A change
    // needs the re-review committee's own quorum and majority; without them nothing is written.
    let committee_grade: Option<String> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT decided_grade FROM eval_applications WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    for (members, present, votes) in [("", "", ""), ("9", "5", "5"), ("9", "7", "4")] {
        app.post(
            &format!("/evaluation/objections/{oid}/answer"),
            &[
                ("answer", "经复核，社会评价指标扣分依据不足，改为 5A。"),
                ("new_grade", "5a"),
                ("rr_members", members),
                ("rr_present", present),
                ("rr_votes", votes),
            ],
        )
        .await;
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM eval_objections WHERE answered_at IS NOT NULL")
                .await,
            0,
            "refused ({members}, {present}, {votes}): the answer is not recorded either"
        );
    }
    ok_post(
        &app,
        &format!("/evaluation/objections/{oid}/answer"),
        &[
            ("answer", "经复核，社会评价指标扣分依据不足，改为 5A。"),
            ("new_grade", "5a"),
            ("rr_members", "9"),
            ("rr_present", "7"),
            ("rr_votes", "5"),
        ],
    )
    .await;
    // The committee's decision is still on record, superseded by the re-review's.
    let rows: Vec<(String, Option<String>, i64, Option<i64>)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT body, grade, votes_for, supersedes_id FROM eval_decisions WHERE eval_application_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), &rows[0].1),
        ("committee", &committee_grade)
    );
    assert_eq!(rows[1].0, "rereview");
    assert_eq!((rows[1].1.as_deref(), rows[1].2), (Some("5a"), 5));
    assert!(rows[1].3.is_some());
    let (_, view) = app.get(&format!("/evaluation/applications/{id}")).await;
    assert!(view.contains("评估复核委员会") && view.contains("已被复核决定取代"));
    assert!(app
        .last_mail_to(NGO_ADMIN.0)
        .await
        .is_some_and(|(_, b)| b.contains("改为 5A")));
    let r = app
        .post(
            &format!("/evaluation/objections/{oid}/answer"),
            &[("answer", "第二次答复不应被接受。")],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict, "answered once");
    ok_post(&app, &format!("/evaluation/rounds/{round}/announce"), &[]).await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM org_grades WHERE grade = '5a' AND valid_from = '2027-01-01'"
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn evidence_is_read_by_the_organization_the_officers_and_the_assigned_experts_only() {
    let app = TestApp::spawn().await;
    let id = applied(&app).await;
    let ev = int(
        &app,
        "SELECT id FROM eval_evidence WHERE eval_application_id = CAST($1 AS BIGINT)",
        &id.to_string(),
    )
    .await;
    let path = format!("/evaluation/evidence/{ev}");
    let (s, body) = read(&app, &path).await;
    assert_eq!(
        (s, body.as_slice()),
        (Status::Ok, PDF),
        "the organization's admin"
    );
    for who in [REGISTRAR, EXPERT] {
        switch(&app, who).await;
        assert_eq!(read(&app, &path).await.0, Status::Forbidden, "{}", who.0);
    }
    switch(&app, EVALUATION).await;
    assert_eq!(read(&app, &path).await.0, Status::Ok);
    assign(&app, id, EXPERT.0).await;
    switch(&app, EXPERT).await;
    assert_eq!(read(&app, &path).await.0, Status::Ok, "once assigned");
    app.logout().await;
    assert!(read(&app, &path).await.0.code >= 300);
}

#[rocket::async_test]
async fn an_officer_of_the_organization_in_the_last_two_years_is_recused_automatically() {
    let app = TestApp::spawn().await;
    let id = applied(&app).await;
    // The expert sat on the organization's board until last year (an officer record of one of
    // its applications).
    exec(&app, "INSERT INTO applications (kind, status, applicant_user_id, authority_id, name, sections_done, created_at, updated_at) \
        SELECT 'change', 'approved', u.id, o.authority_id, o.name, '', 0, 0 FROM users u, organizations o \
        WHERE u.email = 'ngo@demo.huoban.cn' AND o.name = '宁波市海曙区阳光社会工作服务中心'").await;
    exec(&app, "UPDATE applications SET org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心') WHERE kind = 'change'").await;
    exec(&app, "INSERT INTO application_officers (application_id, role, name, person_id, id_masked, term_start, term_end, created_at) \
        SELECT a.id, 'director', '赵专家', u.person_id, '330203********123X', '2021-01-01', '2025-12-31', 0 \
        FROM applications a, users u WHERE a.kind = 'change' AND u.email = 'expert@demo.huoban.cn'").await;
    switch(&app, EVALUATION).await;
    let (_, page) = assign(&app, id, EXPERT.0).await;
    assert!(page.contains("已自动回避"), "{page}");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM eval_assignments WHERE recusal_reason = 'automatic:officer'"
        )
        .await,
        1
    );
}

async fn read(app: &TestApp, path: &str) -> (Status, Vec<u8>) {
    let r = app.client.get(path.to_string()).dispatch().await;
    let s = r.status();
    (s, r.into_bytes().await.unwrap_or_default())
}

#[rocket::async_test]
async fn a_penalty_recorded_by_the_registrar_proposes_a_downgrade_at_once() {
    let app = TestApp::spawn().await;
    let volunteers = int(
        &app,
        "SELECT id FROM organizations WHERE name = $1",
        "宁波市志愿者协会",
    )
    .await;
    switch(&app, REGISTRAR).await;
    ok_post(
        &app,
        &format!("/registry/orgs/{volunteers}/penalties"),
        &[
            ("kind", "warning"),
            ("decided_on", "2026-11-20"),
            ("reason", "未按规定公开年度报告"),
        ],
    )
    .await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM grade_downgrades WHERE cause = 'penalty' AND outcome IS NULL"
        )
        .await,
        1
    );
    switch(&app, EVALUATION).await;
    let (_, page) = app.get("/evaluation/downgrades").await;
    assert!(page.contains("宁波市志愿者协会") && page.contains("受到行政处罚"));
}
