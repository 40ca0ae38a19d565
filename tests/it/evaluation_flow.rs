//! Evaluation end to end (DOMAIN §4): an organization applies with a self-assessment and
//! evidence, three experts declare and score (a former member is recused automatically), the
//! aggregate proposes a grade, the committee decides under its quorum and majority rules, the
//! notice takes objections answered in writing, and the announced grade comes into force on
//! 1 January on the profile and in the directory filter.

use crate::helpers::*;
use crate::registry::ok_post;
use huoban::domain::scoring;
use huoban::domain::standard::Standard;
use rocket::http::{ContentType, Status};
use time::macros::datetime;

pub const EXPERT2: (&str, &str) = ("expert2@demo.huoban.cn", "demo-expert-2026");
pub const EXPERT3: (&str, &str) = ("expert3@demo.huoban.cn", "demo-expert-2026");
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const SUNSHINE: &str = "宁波市海曙区阳光社会工作服务中心";

pub async fn int(app: &TestApp, sql: &str, bind: &str) -> i64 {
    let mut c = app.db.acquire().await.expect("conn");
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind.to_string())
        .fetch_one(&mut *c)
        .await
        .expect(sql)
}

pub async fn exec(app: &TestApp, sql: &str) {
    let mut c = app.db.acquire().await.expect("conn");
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *c)
        .await
        .expect(sql);
}

pub async fn sunshine(app: &TestApp) -> i64 {
    int(
        app,
        "SELECT id FROM organizations WHERE name = $1",
        SUNSHINE,
    )
    .await
}

pub async fn round_id(app: &TestApp) -> i64 {
    int(app, "SELECT MIN(id) FROM eval_rounds WHERE title <> $1", "").await
}

fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (ContentType, Vec<u8>) {
    let parts: Vec<Part<'_>> = files
        .iter()
        .map(|(filename, bytes)| Part {
            field: "evidence",
            filename,
            content_type: "application/octet-stream",
            bytes,
        })
        .collect();
    crate::helpers::multipart(fields, &parts)
}

/// Applies as the signed-in organization admin; returns the status and the page.
pub async fn apply(
    app: &TestApp,
    org: i64,
    round: i64,
    text: &str,
    files: &[(&str, &[u8])],
) -> (Status, String) {
    let token = app.csrf().await;
    let (ct, body) = multipart(&[("_csrf", &token), ("self_assessment", text)], files);
    let r = app
        .client
        .post(format!("/orgs/{org}/evaluation/{round}"))
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    let status = r.status();
    (status, r.into_string().await.unwrap_or_default())
}

/// The standard the demo's 社会服务机构 (category community_service) is scored under in a round
/// opened with the built-in standards: its field's (issue 22, item 11).
pub fn standard() -> Standard {
    Standard::parse(
        huoban::domain::standard::built_in("social_service_institution-community_service-v1.toml")
            .expect("built in"),
    )
    .expect("standard")
}

/// Full marks on every base item, with `deduct` points off the first item (commented).
pub fn full_marks(deduct: &str) -> Vec<(String, String)> {
    let s = standard();
    let mut out = Vec::new();
    for (i, l) in scoring::lines(&s).into_iter().enumerate() {
        if l.kind != "base" {
            continue;
        }
        let v = if i == 0 {
            l.max - deduct.parse::<rust_decimal::Decimal>().unwrap()
        } else {
            l.max
        };
        out.push((format!("score[{}]", l.code), v.to_string()));
        if i == 0 && deduct != "0" {
            out.push((format!("comment[{}]", l.code), "部分材料缺失".to_string()));
        }
    }
    out
}

pub async fn switch(app: &TestApp, who: (&str, &str)) {
    app.logout().await;
    app.login_as(who).await;
}

pub async fn post_owned(
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
) -> (Status, String) {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app.post(path, &f).await;
    let s = r.status();
    (s, r.into_string().await.unwrap_or_default())
}

async fn assignment_of(app: &TestApp, email: &str) -> i64 {
    int(
        app,
        "SELECT s.id FROM eval_assignments s JOIN users u ON u.id = s.expert_user_id WHERE u.email = $1 AND s.eval_application_id IN (SELECT id FROM eval_applications WHERE org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心'))",
        email,
    )
    .await
}

/// Applies, assigns the three demo experts, and has each declare and submit; returns the
/// evaluation application's id.
pub async fn scored_application(app: &TestApp) -> i64 {
    let (org, round) = (sunshine(app).await, round_id(app).await);
    switch(app, NGO_ADMIN).await;
    let (status, body) = apply(
        app,
        org,
        round,
        "本中心近两年按章程开展社会工作服务，治理结构健全，财务公开。",
        &[("a.pdf", PDF)],
    )
    .await;
    assert_eq!(status, Status::SeeOther, "{body}");
    let id = int(
        app,
        "SELECT id FROM eval_applications WHERE self_assessment <> $1 AND org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心')",
        "",
    )
    .await;
    switch(app, EVALUATION).await;
    for who in [EXPERT, EXPERT2, EXPERT3] {
        let uid = int(app, "SELECT id FROM users WHERE email = $1", who.0).await;
        ok_post(
            app,
            &format!("/evaluation/applications/{id}/assign"),
            &[("expert", &uid.to_string())],
        )
        .await;
    }
    for (who, deduct) in [(EXPERT, "0"), (EXPERT2, "5"), (EXPERT3, "0")] {
        switch(app, who).await;
        let a = assignment_of(app, who.0).await;
        // The sheet waits on the expert's dashboard: declare first.
        let dash = crate::helpers::html_unescape(&app.get("/dashboard").await.1);
        assert!(
            dash.contains("评估：先作回避声明") && dash.contains(&format!("href=\"/scoring/{a}\"")),
            "{dash}"
        );
        ok_post(
            app,
            &format!("/scoring/{a}/declare"),
            &[("conflict", "none")],
        )
        .await;
        let mut fields = full_marks(deduct);
        fields.push(("action".into(), "submit".into()));
        let (s, body) = post_owned(app, &format!("/scoring/{a}"), &fields).await;
        assert_eq!(s, Status::SeeOther, "{body}");
    }
    id
}

#[rocket::async_test]
async fn a_round_runs_from_application_to_an_announced_grade_in_force_on_1_january() {
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let org = sunshine(&app).await;
    let round = round_id(&app).await;
    // 10, 5 and 10 on a 10-point first item → 8.333… → 8.33; the other items in full.
    let first = scoring::lines(&standard())[0].max;
    let want = rust_decimal::Decimal::from(1000) - first
        + huoban::domain::evaluation::round2(
            (first * rust_decimal::Decimal::from(3) - rust_decimal::Decimal::from(5))
                / rust_decimal::Decimal::from(3),
        );
    let total = int(
        &app,
        "SELECT total_centi FROM eval_applications WHERE self_assessment <> $1 AND org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心')",
        "",
    )
    .await;
    assert_eq!(huoban::evaluation::from_centi(total), want);
    assert!(app
        .last_mail_to(EXPERT.0)
        .await
        .is_some_and(|(_, b)| b.contains(SUNSHINE)));
    // The committee: quorum, majority of all members, a change needs its reason.
    switch(&app, EVALUATION).await;
    let path = format!("/evaluation/rounds/{round}/committee");
    let g = format!("decisions[{id}].grade");
    let v = format!("decisions[{id}].votes");
    let r = format!("decisions[{id}].reason");
    for (present, votes, grade, reason, msg) in [
        ("5", "5", "5a", "", "三分之二"),
        ("7", "4", "5a", "", "全体委员过半数"),
        ("7", "5", "4a", "", "写明理由"),
    ] {
        let (s, body) = post_owned(
            &app,
            &path,
            &[
                ("held_on".into(), "2026-11-28".into()),
                ("members".into(), "9".into()),
                ("present".into(), present.into()),
                (g.clone(), grade.into()),
                (v.clone(), votes.into()),
                (r.clone(), reason.into()),
            ],
        )
        .await;
        assert_eq!(s, Status::UnprocessableEntity, "{present} {votes} {grade}");
        assert!(body.contains(msg), "{msg}");
    }
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM eval_applications WHERE status = $1 AND org_id = (SELECT id FROM organizations WHERE name = '宁波市海曙区阳光社会工作服务中心')",
            "decided"
        )
        .await,
        0
    );
    let (s, _) = post_owned(
        &app,
        &path,
        &[
            ("held_on".into(), "2026-11-28".into()),
            ("members".into(), "9".into()),
            ("present".into(), "7".into()),
            (g.clone(), "5a".into()),
            (v.clone(), "5".into()),
        ],
    )
    .await;
    assert_eq!(s, Status::SeeOther);
    ok_post(&app, &format!("/evaluation/rounds/{round}/notice"), &[]).await;
    // The public notice and an objection by anyone, with contact details.
    app.logout().await;
    let (s, body) = app.get(&format!("/evaluation/rounds/{round}/notice")).await;
    assert_eq!(s, Status::Ok);
    assert!(body.contains(SUNSHINE) && body.contains("5A"));
    assert!(
        body.contains("民评公示字〔") && body.contains("第1号"),
        "{body}"
    );
    let obj = format!("/evaluation/rounds/{round}/objections");
    let (s, body) = post_owned(
        &app,
        &obj,
        &[
            ("application".into(), id.to_string()),
            ("name".into(), "王某".into()),
            ("contact".into(), "不告诉你".into()),
            ("body".into(), "该中心 2025 年的活动记录与实际不符。".into()),
        ],
    )
    .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(body.contains("有效的电子邮箱或电话号码"));
    let (s, _) = post_owned(
        &app,
        &obj,
        &[
            ("application".into(), id.to_string()),
            ("name".into(), "王某".into()),
            ("contact".into(), "wang@example.cn".into()),
            ("body".into(), "该中心 2025 年的活动记录与实际不符。".into()),
        ],
    )
    .await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM eval_objections WHERE due_on = $1",
            "2026-12-13"
        )
        .await,
        1
    );
    // Announcing waits for the end of the notice and for every answer.
    switch(&app, EVALUATION).await;
    let ann = format!("/evaluation/rounds/{round}/announce");
    assert_eq!(app.post(&ann, &[]).await.status(), Status::Conflict);
    app.clock.set(datetime!(2026-12-06 02:00 UTC));
    let r = app.post(&ann, &[]).await;
    assert_eq!(r.status(), Status::Conflict);
    assert!(r.into_string().await.unwrap_or_default().contains("未答复"));
    let (_, queue) = app.get("/evaluation/objections").await;
    assert!(queue.contains("王某") && queue.contains("2026"));
    let oid = int(
        &app,
        "SELECT id FROM eval_objections WHERE name = $1",
        "王某",
    )
    .await;
    ok_post(
        &app,
        &format!("/evaluation/objections/{oid}/answer"),
        &[("answer", "经复核，活动记录与年度报告一致，维持评估结果。")],
    )
    .await;
    assert!(app
        .last_mail_to("wang@example.cn")
        .await
        .is_some_and(|(_, b)| b.contains("维持评估结果")));
    ok_post(&app, &ann, &[]).await;
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM org_grades WHERE valid_from = $1 AND valid_to = '2031-12-31'",
            "2027-01-01"
        )
        .await,
        1
    );
    assert!(app
        .last_mail_to(NGO_ADMIN.0)
        .await
        .is_some_and(|(_, b)| b.contains("2027-01-01")));
    // Announced, not yet in force: the profile says so and the 5A filter does not list it.
    app.logout().await;
    let (_, profile) = app.get(&format!("/organizations/{org}")).await;
    assert!(
        profile.contains("已公告") && profile.contains("2027"),
        "{profile}"
    );
    let (_, dir) = app.get("/directory?grade=5a").await;
    assert!(!dir.contains(SUNSHINE));
    let (_, dir) = app.get("/directory?grade=4a").await;
    assert!(
        dir.contains("宁波市志愿者协会"),
        "the demo's 4A is in force"
    );
    app.clock.set(datetime!(2027-01-02 02:00 UTC));
    let (_, dir) = app.get("/directory?grade=5a").await;
    assert!(dir.contains(SUNSHINE));
    let (_, dir) = app
        .get(&format!(
            "/directory?{}",
            encode(&[("grade", "5a"), ("q", "阳光")])
        ))
        .await;
    assert!(dir.contains(SUNSHINE));
    let (_, dir) = app
        .get(&format!(
            "/directory?{}",
            encode(&[("grade", "5a"), ("q", "乐龄")])
        ))
        .await;
    assert!(!dir.contains(SUNSHINE));
    let gid = int(&app, "SELECT id FROM org_grades WHERE grade = $1", "5a").await;
    let (s, cert) = app.get(&format!("/grades/{gid}/certificate")).await;
    assert_eq!(s, Status::Ok);
    assert!(cert.contains(SUNSHINE) && cert.contains("5A"));
    assert!(app.verify_audit().await.ok());
}
