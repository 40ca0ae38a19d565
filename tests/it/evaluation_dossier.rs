//! The documents behind an evaluation decision (issue 21): the officer reads every expert's
//! sheet side by side with the flagged items, the committee reads the aggregate sheet, and an
//! objection gets a reference number and a secret page where its objector (and, once
//! answered, the public without personal data) reads the written answer.

use crate::evaluation_flow::{
    int, post_owned, round_id, scored_application, standard, switch, EXPERT2, EXPERT3,
};
use crate::helpers::*;
use crate::registry::ok_post;
use huoban::domain::scoring;
use rocket::http::Status;
use rust_decimal::Decimal;

/// The first item's code and maximum: the three demo experts give it full marks, 5 off and
/// full marks, which is more than 30% of a 10-point maximum apart.
fn first_item() -> (String, Decimal) {
    let l = scoring::lines(&standard()).remove(0);
    (l.code, l.max)
}

/// The aggregate the three sheets give: the first item's mean rounded, the rest in full.
fn aggregate_total() -> Decimal {
    let (_, first) = first_item();
    Decimal::from(1000) - first
        + huoban::domain::evaluation::round2(
            (first * Decimal::from(3) - Decimal::from(5)) / Decimal::from(3),
        )
}

fn two_places(d: Decimal) -> String {
    format!("{:.2}", d)
}

#[rocket::async_test]
async fn the_officer_reads_every_experts_sheet_side_by_side_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let path = format!("/evaluation/applications/{id}");
    let (code, max) = first_item();
    // An expert of the application sees their own sheet only.
    switch(&app, EXPERT3).await;
    let (s, body) = app.get(&path).await;
    assert_eq!(s, Status::Forbidden);
    assert!(!body.contains("部分材料缺失"));
    switch(&app, EXPERT).await;
    let own = int(
        &app,
        &format!(
            "SELECT s.id FROM eval_assignments s JOIN users u ON u.id = s.expert_user_id \
             WHERE u.email = $1 AND s.eval_application_id = {id}"
        ),
        EXPERT.0,
    )
    .await;
    let (s, sheet) = app.get(&format!("/scoring/{own}")).await;
    assert_eq!(s, Status::Ok);
    assert!(
        !sheet.contains("部分材料缺失"),
        "another expert's comment is not on an expert's own sheet"
    );
    // The public neither.
    app.logout().await;
    let (s, body) = app.get(&path).await;
    assert_ne!(s, Status::Ok);
    assert!(!body.contains("部分材料缺失"));
    // The round's officer: one column per expert, each one's score and comment, the flag.
    switch(&app, EVALUATION).await;
    let (s, body) = app.get(&path).await;
    assert_eq!(s, Status::Ok);
    let body = html_unescape(&body);
    assert!(body.contains("专家评分对照"), "{body}");
    for who in [EXPERT, EXPERT2, EXPERT3] {
        let name: String = {
            let mut c = app.db.acquire().await.unwrap();
            sqlx::query_scalar("SELECT display_name FROM users WHERE email = $1")
                .bind(who.0)
                .fetch_one(&mut *c)
                .await
                .unwrap()
        };
        assert!(
            body.contains(&format!("<th scope=\"col\" class=\"num\">{name}</th>")),
            "a column for {name}"
        );
    }
    let low = two_places(max - Decimal::from(5));
    let row_start = body
        .find(&format!(
            "<tr class=\"flagged-row\"><th scope=\"row\">{code} "
        ))
        .expect("the first item's row is flagged");
    let row = &body[row_start..row_start + body[row_start..].find("</tr>").unwrap()];
    assert!(row.contains("专家分歧"), "the flag in words: {row}");
    assert!(
        row.contains(&format!("<td class=\"num\">{}</td>", two_places(max))),
        "{row}"
    );
    assert!(
        row.contains(&format!(
            "<td class=\"num\">{low}<span class=\"sheet-comment\">部分材料缺失</span></td>"
        )),
        "the second expert's score with their comment: {row}"
    );
    assert_eq!(
        body.matches("class=\"flagged-row\"").count(),
        1,
        "only the item the experts disagree on is flagged"
    );
    // Each expert's total and the aggregate.
    let foot = &body[body.find("<tfoot>").unwrap()..body.find("</tfoot>").unwrap()];
    assert_eq!(
        foot.matches("<td class=\"num\">1000.00</td>").count(),
        2,
        "{foot}"
    );
    assert!(foot.contains("<td class=\"num\">995.00</td>"), "{foot}");
    assert!(
        foot.contains(&format!(
            "<strong>{}</strong>",
            two_places(aggregate_total())
        )),
        "{foot}"
    );
}

#[rocket::async_test]
async fn the_committee_reads_the_aggregate_sheet_of_each_application() {
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let round = round_id(&app).await;
    switch(&app, EVALUATION).await;
    let (s, body) = app.get(&format!("/evaluation/rounds/{round}")).await;
    assert_eq!(s, Status::Ok);
    let body = html_unescape(&body);
    let start = body
        .find("id=\"committee-sheet\"")
        .expect("the aggregate sheet");
    let sheet = &body[start..start + body[start..].find("</table>").unwrap()];
    assert!(sheet.contains("评估委员会汇总表"), "{sheet}");
    let row_start = sheet
        .find("<th scope=\"row\">宁波市海曙区阳光社会工作服务中心</th>")
        .expect("the application's row");
    let row = &sheet[row_start..row_start + sheet[row_start..].find("</tr>").unwrap()];
    assert!(
        row.contains("：995.00</li>") && row.matches("：1000.00</li>").count() == 2,
        "{row}"
    );
    assert!(
        row.contains(&format!(
            "<strong>{}</strong>",
            two_places(aggregate_total())
        )),
        "the aggregate: {row}"
    );
    assert!(row.contains(">5A<"), "the proposed grade: {row}");
    assert!(
        row.contains("<td class=\"num\">1 <span class=\"tag tag-red\">"),
        "one flagged item: {row}"
    );
    assert!(
        row.contains(&format!("href=\"/evaluation/applications/{id}#sheet\"")),
        "{row}"
    );
    // Not for the public, nor for an expert.
    switch(&app, EXPERT).await;
    assert_eq!(
        app.get(&format!("/evaluation/rounds/{round}")).await.0,
        Status::Forbidden
    );
}

/// The committee decides the proposed 5A and the notice is published (signed out after).
pub async fn in_notice(app: &TestApp, id: i64, round: i64) {
    switch(app, EVALUATION).await;
    let (s, body) = post_owned(
        app,
        &format!("/evaluation/rounds/{round}/committee"),
        &[
            ("held_on".into(), "2026-11-28".into()),
            ("members".into(), "9".into()),
            ("present".into(), "7".into()),
            (format!("decisions[{id}].grade"), "5a".into()),
            (format!("decisions[{id}].votes"), "5".into()),
        ],
    )
    .await;
    assert_eq!(s, Status::SeeOther, "{body}");
    ok_post(app, &format!("/evaluation/rounds/{round}/notice"), &[]).await;
    app.logout().await;
}

fn is_reference(r: &str, year: &str) -> bool {
    let Some(seq) = r.strip_prefix(&format!("PJYJ-{year}-")) else {
        return false;
    };
    seq.len() == 6 && seq.chars().all(|c| c.is_ascii_digit())
}

#[rocket::async_test]
async fn an_objection_gets_a_reference_and_a_page_where_its_answer_is_read() {
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let round = round_id(&app).await;
    in_notice(&app, id, round).await;
    let complaint = "该中心 2025 年的活动记录与实际不符。";
    let r = app
        .post(
            &format!("/evaluation/rounds/{round}/objections"),
            &[
                ("application", &id.to_string()),
                ("name", "王某"),
                ("contact", "wang@example.cn"),
                ("body", complaint),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let page = r.headers().get_one("Location").unwrap().to_string();
    assert!(page.starts_with("/evaluation/objections/ref/"), "{page}");
    let token = page.rsplit('/').next().unwrap().to_string();
    assert!(token.len() >= 40, "a long random token");
    // Stored: the reference, and the token only as its SHA-256.
    let (reference, hash): (String, String) = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as("SELECT reference, token_hash FROM eval_objections WHERE name = $1")
            .bind("王某")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    assert!(is_reference(&reference, "2026"), "{reference}");
    assert_eq!(reference, "PJYJ-2026-000001", "the year's first");
    assert_eq!(hash, huoban::platform::auth::tokens::digest(&token));
    assert_ne!(hash, token);
    // The objector's page: the reference (also in the message after filing), awaiting its
    // answer, due in 15 days.
    let (s, body) = app.get(&page).await;
    assert_eq!(s, Status::Ok);
    let body = html_unescape(&body);
    assert!(
        body.contains(&reference) && body.contains("待答复"),
        "{body}"
    );
    assert!(body.contains("2026年12月13日"), "the due date: {body}");
    assert!(body.contains(&format!("/evaluation/objections/ref/{token}")));
    assert!(!body.contains("wang@example.cn"), "no contact on the page");
    // A wrong or altered token is absent.
    for wrong in [
        "not-a-real-token".to_string(),
        format!("{}x", &token[..token.len() - 1]),
    ] {
        let (s, body) = app
            .get(&format!("/evaluation/objections/ref/{wrong}"))
            .await;
        assert_eq!(s, Status::NotFound, "{wrong}");
        assert!(!body.contains(&reference));
    }
    // Nothing answered yet: the public list is empty.
    let answers = format!("/evaluation/rounds/{round}/objections");
    let (s, body) = app.get(&answers).await;
    assert_eq!(s, Status::Ok);
    assert!(!body.contains(&reference) && body.contains("还没有已答复"));
    let (_, notice) = app.get(&format!("/evaluation/rounds/{round}/notice")).await;
    assert!(notice.contains(&format!("href=\"{answers}\"")));
    // The officer's queue shows the reference; the answer.
    switch(&app, EVALUATION).await;
    let (_, queue) = app.get("/evaluation/objections").await;
    assert!(queue.contains(&reference));
    let oid = int(
        &app,
        "SELECT id FROM eval_objections WHERE name = $1",
        "王某",
    )
    .await;
    let answer = "经复核，活动记录与年度报告一致，维持评估结果。";
    ok_post(
        &app,
        &format!("/evaluation/objections/{oid}/answer"),
        &[("answer", answer)],
    )
    .await;
    let mail = app.last_mail_to("wang@example.cn").await.unwrap().1;
    assert!(mail.contains(&reference) && mail.contains(answer), "{mail}");
    app.logout().await;
    let (s, body) = app.get(&page).await;
    assert_eq!(s, Status::Ok);
    let body = html_unescape(&body);
    assert!(body.contains("已答复") && body.contains(answer), "{body}");
    assert!(!body.contains("待答复"));
    // The public list: by reference with the answer, nobody's name or contact.
    let (s, body) = app.get(&answers).await;
    assert_eq!(s, Status::Ok);
    let body = html_unescape(&body);
    assert!(body.contains(&reference) && body.contains(answer), "{body}");
    for private in ["王某", "wang@example.cn", complaint] {
        assert!(!body.contains(private), "{private} is not published");
    }
    assert!(app.verify_audit().await.ok());
}

#[rocket::async_test]
async fn a_signed_in_objector_and_an_organization_asking_for_re_review_are_mailed_their_link() {
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let round = round_id(&app).await;
    in_notice(&app, id, round).await;
    // Someone signed in files an objection: the mail carries the reference and the link.
    app.login_as(NGO_MEMBER).await;
    let r = app
        .post(
            &format!("/evaluation/rounds/{round}/objections"),
            &[
                ("application", &id.to_string()),
                ("name", "李某"),
                ("contact", "13800000000"),
                ("body", "该中心年度报告中的服务人次有误。"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let page = r.headers().get_one("Location").unwrap().to_string();
    let (_, mail) = app.last_mail_to(NGO_MEMBER.0).await.expect("mailed");
    assert!(mail.contains("PJYJ-2026-000001"), "{mail}");
    assert!(mail.contains(&page), "the link: {mail}");
    // The organization's request for re-review is numbered next and mailed to its admin.
    switch(&app, NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let r = app
        .post(
            &format!("/orgs/{org}/evaluation/applications/{id}/review"),
            &[("body", "申请复核第一项指标的扣分。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let page = r.headers().get_one("Location").unwrap().to_string();
    assert!(page.starts_with("/evaluation/objections/ref/"), "{page}");
    let (_, mail) = app.last_mail_to(NGO_ADMIN.0).await.expect("mailed");
    assert!(
        mail.contains("PJYJ-2026-000002") && mail.contains(&page),
        "{mail}"
    );
    let (s, body) = app.get(&page).await;
    assert_eq!(s, Status::Ok);
    assert!(body.contains("PJYJ-2026-000002") && body.contains("复核申请"));
}
