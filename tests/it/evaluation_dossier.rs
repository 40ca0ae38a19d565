//! The documents behind an evaluation decision (issue 21): the officer reads every expert's
//! sheet side by side with the flagged items, and the committee reads the aggregate sheet.

use crate::evaluation_flow::{
    int, round_id, scored_application, standard, switch, EXPERT2, EXPERT3,
};
use crate::helpers::*;
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
