//! Award, challenges, complaints and the contract (DOMAIN §5, issue 7): the report reaches the
//! purchaser when the last panelist submits; only the first-ranked can be confirmed (silence
//! confirms it after 5 working days); each bidder learns its own rank and score; the public
//! notice names the winner with address and amount, the requirements and the panel; a
//! challenge suspends signing until answered (and a complaint about it until decided); the
//! contract's term and installment plan are checked; the filing is recorded.

use crate::evaluation_flow::{int, sunshine};
use crate::helpers::*;
use crate::procurement::{state, CHARITY};
use crate::review::scored_tender;
use crate::suppliers::SUPERVISOR;
use huoban::procurement::Procurement;
use rocket::http::Status;
use time::macros::datetime;

/// The complaints a test filed: the demo's own complaint case (on its opened tender) aside.
const DEMO_EXCLUDED_COMPLAINTS: &str =
    "SELECT COUNT(*) FROM complaints k JOIN projects p ON p.id = k.project_id \
     WHERE p.number <> 'NBMZ-2026-018'";

async fn text(app: &TestApp, sql: &str, id: i64) -> String {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

#[rocket::async_test]
async fn an_award_runs_to_a_signed_filed_contract_through_a_challenge_and_a_complaint() {
    let app = TestApp::spawn().await;
    let (id, _) = scored_tender(&app, "NB-AWARD-01").await;
    // The last submission delivered the report: ranking frozen, clock running.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM awards").await, 1);
    let (_, mail) = app.last_mail_to(PURCHASER.0).await.unwrap();
    assert!(mail.contains("评审报告已送达") && mail.contains("NB-AWARD-01"));
    let (s, _) = app.get("/projects/NB-AWARD-01/award").await;
    assert_eq!(s, Status::NotFound, "no public notice before confirmation");
    let award = format!("/purchase/projects/{id}/award");
    let (_, page) = app.get(&award).await;
    assert!(page.contains("89.41") && page.contains("不得跳过排名第一的候选人"));
    // Nothing to pass over before the award is confirmed.
    let r = app
        .post(
            &format!("{award}/pass"),
            &[("winner", "1"), ("kind", "refused"), ("reason", "放弃签约")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app.post(&format!("{award}/confirm"), &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app.post(&format!("{award}/confirm"), &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "once");
    // Each bidder learns its own rank and score only.
    let (_, won) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(won.contains("排名第 1") && won.contains("89.41") && won.contains("中标"));
    let (_, third) = app.last_mail_to(CHARITY.0).await.unwrap();
    assert!(third.contains("排名第 3") && third.contains("70.00"));
    assert!(!third.contains("89.41") && !third.contains("79.03") && !third.contains("阳光"));
    // The public notice: purchaser, number, winner with address and amount, requirements, panel.
    let sun = sunshine(&app).await;
    let (s, notice) = app.get("/projects/NB-AWARD-01/award").await;
    assert_eq!(s, Status::Ok);
    // An official notice: its own number, the purchaser as issuer with its contact.
    assert!(
        notice.contains("采中公字〔") && notice.contains("第1号"),
        "{notice}"
    );
    let (_, again) = app.get("/projects/NB-AWARD-01/award").await;
    assert!(
        again.contains("第1号"),
        "the number does not change on a second look"
    );
    let org = text(&app, "SELECT name FROM organizations WHERE id = $1", sun).await;
    let address = text(
        &app,
        "SELECT COALESCE(domicile, '') FROM organizations WHERE id = $1",
        sun,
    )
    .await;
    let department = text(
        &app,
        "SELECT d.name_zh FROM projects p JOIN departments d ON d.id = p.department_id WHERE p.id = $1",
        id,
    )
    .await;
    assert!(!address.is_empty());
    for needle in [
        org.as_str(),
        address.as_str(),
        department.as_str(),
        "¥380,000.00",
        "NB-AWARD-01",
    ] {
        assert!(notice.contains(needle), "{needle} in the notice");
    }
    let names: Vec<String> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar(
            "SELECT u.display_name FROM panel_members m JOIN users u ON u.id = m.user_id JOIN panels p ON p.id = m.panel_id \
             WHERE p.project_id = $1 AND m.status = 'seated'",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    assert_eq!(names.len(), 5);
    assert!(names.iter().all(|n| notice.contains(n.as_str())));
    // No contract during the notice period (it ends with the next working day).
    let contract = format!("/purchase/projects/{id}/contracts");
    let winner = app
        .scalar("SELECT MAX(id) FROM award_winners")
        .await
        .to_string();
    let good: Vec<(&str, &str)> = vec![
        ("winner", &winner),
        ("starts_on", "2027-01-01"),
        ("ends_on", "2027-12-31"),
        ("mode", "percent"),
        ("value[0]", "30"),
        ("condition[0]", "signing"),
        ("value[1]", "40"),
        ("condition[1]", "review"),
        ("review[1]", "中期评估"),
        ("value[2]", "30"),
        ("condition[2]", "acceptance"),
    ];
    let r = app.post(&contract, &good).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("中标公告期尚未结束"));
    app.clock.set(datetime!(2026-12-22 02:00 UTC));
    // The charity (third) challenges the result: signing is suspended until the answer.
    app.logout().await;
    app.login_as(CHARITY).await;
    let filing = "/projects/NB-AWARD-01/challenges/4";
    let r = app
        .post(
            filing,
            &[
                ("kind", "challenge"),
                ("target", "documents"),
                ("body", "采购文件的评分标准对小型组织不公平。"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "documents: 7 working days from the notice have passed"
    );
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("已超过提出质疑的期限"));
    let r = app
        .post(
            filing,
            &[
                ("kind", "challenge"),
                ("target", "result"),
                ("body", "我方服务方案的评分明显偏低，请复核。"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    app.login_as(PURCHASER).await;
    let r = app.post(&contract, &good).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("暂停签订合同"));
    let ch = app.scalar("SELECT MAX(id) FROM challenges").await;
    let r = app
        .post(
            &format!("/purchase/projects/{id}/challenges/{ch}/answer"),
            &[("answer", "经复核，评分符合评分标准，维持原结果。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, answer) = app.last_mail_to(CHARITY.0).await.unwrap();
    assert!(answer.contains("维持原结果") && answer.contains("投诉"));
    // Not satisfied: a complaint to the supervisor. A complaint alone suspends nothing
    // (采购法 57): the award page offers signing again.
    app.logout().await;
    app.login_as(CHARITY).await;
    let r = app
        .post(
            &format!("{filing}/{ch}/complaint"),
            &[("body", "答复未说明具体评分理由，请监督部门处理。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (_, page) = app.get(&award).await;
    assert!(
        !page.contains("暂停签订合同"),
        "a complaint alone holds nothing"
    );
    app.logout().await;
    app.login_as(SUPERVISOR).await;
    // The supervisor orders the procurement suspended in writing: at most 30 days after the
    // day of the order (22 December: through 21 January), with its reason.
    let k = app.scalar("SELECT MAX(id) FROM complaints").await;
    let suspend = format!("/complaints/{k}/suspend");
    let r = app
        .post(
            &suspend,
            &[("until", "2027-01-22"), ("reason", "需调取评审录像核实")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "31 days");
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("最长不得超过通知之日起三十日"));
    let r = app
        .post(&suspend, &[("until", "2027-01-21"), ("reason", "核实")])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity, "no reason");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM suspension_orders").await,
        0
    );
    let r = app
        .post(
            &suspend,
            &[("until", "2027-01-21"), ("reason", "需调取评审录像核实")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther, "exactly 30 days");
    let r = app
        .post(
            &suspend,
            &[("until", "2027-01-05"), ("reason", "需调取评审录像核实")],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "one order per complaint"
    );
    let (_, mail) = app.last_mail_to(PURCHASER.0).await.unwrap();
    assert!(
        mail.contains("暂停") && mail.contains("2027-01-21"),
        "{mail}"
    );
    app.logout().await;
    app.login_as(PURCHASER).await;
    let r = app.post(&contract, &good).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let (_, page) = app.get(&award).await;
    assert!(
        page.contains("暂停签订合同") && page.contains("需调取评审录像核实"),
        "the order and its reason on the award page"
    );
    app.logout().await;
    app.login_as(SUPERVISOR).await;
    // The complaint and its 30-working-day clock wait on the supervisor's dashboard.
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains("投诉处理期限")
            && dash.contains(&format!("href=\"/complaints/{k}\""))
            && dash.contains("还剩 30 个工作日"),
        "{dash}"
    );
    // The queue leads to the complaint's dossier, where it is read beside the challenge, the
    // answer it is about and the timeline of the case.
    let (_, list) = app.get("/complaints").await;
    assert!(
        list.contains(&format!("href=\"/complaints/{k}\"")),
        "{list}"
    );
    assert_eq!(app.get("/complaints/999999").await.0, Status::NotFound);
    let (s, queue) = app.get(&format!("/complaints/{k}")).await;
    assert_eq!(s, Status::Ok);
    assert!(
        queue.contains("采购人答复") && queue.contains("维持原结果"),
        "{queue}"
    );
    let timeline = queue
        .split("<ol class=\"timeline\">")
        .nth(1)
        .and_then(|t| t.split("</ol>").next())
        .expect("a timeline");
    let order = [
        "开标",
        "供应商提出质疑",
        "采购人答复质疑",
        "收到投诉",
        "投诉处理期限",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|w| {
            timeline
                .find(w)
                .unwrap_or_else(|| panic!("{w} in {timeline}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "in order: {timeline}");
    assert!(timeline.contains("尚未到期"), "the decision clock is ahead");
    // The decision document does not exist before the decision.
    assert_eq!(
        app.get(&format!("/complaints/{k}/decision")).await.0,
        Status::NotFound
    );
    // The bids of the round complained of are there to read; the supervisor's read is recorded.
    let queue = html_unescape(&queue);
    let bid_link = queue
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("/bids/"))
        .expect("a bid to read on the complaint")
        .to_string();
    let (s, bid_page) = app.get(&bid_link).await;
    assert_eq!(s, Status::Ok);
    assert!(html_unescape(&bid_page).contains("“监督部门”身份查阅"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bid_reads WHERE capacity = 'supervisor'")
            .await,
        1
    );
    // And the evaluation report the award rests on, from the complaint.
    assert!(queue.contains(&format!("href=\"/complaints/{k}/report\"")));
    let (s, report) = app.get(&format!("/complaints/{k}/report")).await;
    assert_eq!(s, Status::Ok);
    assert!(
        report.contains("评审报告")
            && html_unescape(&report).contains(&format!("<p><a href=\"/complaints/{k}\">")),
        "{report}"
    );
    assert_eq!(
        app.get(&format!("/complaints/{}/report", k + 1000)).await.0,
        Status::NotFound
    );
    // Nothing is chosen for the supervisor: deciding without an outcome is refused, and the
    // written decision typed is kept.
    assert!(!queue.contains("value=\"dismissed\" checked"));
    let r = app
        .post(
            &format!("/complaints/{k}/decide"),
            &[("decision", "评审过程和评分符合采购文件规定，投诉不成立。")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let again = r.into_string().await.unwrap();
    assert!(
        again.contains("评审过程和评分符合采购文件规定")
            && again.contains("请选择投诉成立或不成立")
    );
    // The facts found and the reasons are written apart from the decision: 9 characters are
    // too few, 10 are enough; nothing is decided by a refused form.
    let findings_short = "经调取评审录像核实。";
    assert_eq!(findings_short.chars().count(), 10);
    let decide = |findings: &'static str| {
        vec![
            ("outcome", "dismissed"),
            ("findings", findings),
            ("decision", "评审过程和评分符合采购文件规定，投诉不成立。"),
        ]
    };
    let r = app
        .post(
            &format!("/complaints/{k}/decide"),
            &decide("经调取评审录像核实"),
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let again = html_unescape(&r.into_string().await.unwrap());
    assert!(
        again.contains("请写明查明的事实和理由") && again.contains("value=\"dismissed\" checked")
    );
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM complaints WHERE id = {k} AND decided_at IS NULL"
        ))
        .await,
        1
    );
    let r = app
        .post(&format!("/complaints/{k}/decide"), &decide(findings_short))
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // The decision is a numbered 投诉处理决定书, public, with its reasons and remedies, the
    // issuing body and its contact.
    let (s, doc) = app.get(&format!("/complaints/{k}/decision")).await;
    assert_eq!(s, Status::Ok);
    let number: String = app
        .text(&format!(
            "SELECT number FROM document_numbers WHERE kind = 'complaint_decision' AND subject_id = {k}"
        ))
        .await;
    assert!(
        number.starts_with("财采投决字〔") && number.ends_with("〕第1号"),
        "{number}"
    );
    for part in [
        "投诉处理决定书",
        number.as_str(),
        "经调取评审录像核实。",
        "驳回投诉",
        "申请行政复议",
        "提起行政诉讼",
    ] {
        assert!(doc.contains(part), "{part} in {doc}");
    }
    app.logout().await;
    let (s, public_doc) = app.get(&format!("/complaints/{k}/decision")).await;
    assert_eq!(s, Status::Ok, "complaint decisions are published");
    assert!(public_doc.contains(number.as_str()));
    // The public finds it from the project.
    let (_, project) = app.get("/projects/NB-AWARD-01").await;
    assert!(project.contains(&format!("href=\"/complaints/{k}/decision\"")));
    app.login_as(SUPERVISOR).await;
    let (_, dash) = app.get("/dashboard").await;
    assert!(!dash.contains("投诉处理期限"), "decided: no longer waiting");
    assert!(app
        .last_mail_to(CHARITY.0)
        .await
        .unwrap()
        .1
        .contains("投诉不成立"));
    app.logout().await;
    app.login_as(PURCHASER).await;
    // The plan must add up; a term over a year needs its reason; nothing is written otherwise.
    let mut bad = good.clone();
    bad[9] = ("value[2]", "20");
    let r = app.post(&contract, &bad).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .await
        .unwrap()
        .contains("各期比例合计须为 100%"));
    let mut long = good.clone();
    long[2] = ("ends_on", "2028-12-31");
    let r = app.post(&contract, &long).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("须说明理由"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM contracts").await, 0);
    let r = app.post(&contract, &good).await;
    assert_eq!(r.status(), Status::SeeOther);
    let kid = app.scalar("SELECT MAX(id) FROM contracts").await;
    assert_eq!(
        r.headers().get_one("Location"),
        Some(format!("/contracts/{kid}").as_str())
    );
    app.logout().await;
    let (s, page) = app.get(&format!("/contracts/{kid}")).await;
    assert_eq!(s, Status::Ok, "public without login");
    for needle in [
        "¥114,000.00",
        "¥152,000.00",
        "中期评估",
        "2027年12月31日",
        "应于以下时间前报财政部门备案",
    ] {
        assert!(page.contains(needle), "{needle} on the contract page");
    }
    assert!(app
        .last_mail_to(NGO_ADMIN.0)
        .await
        .unwrap()
        .1
        .contains("合同已签订并公开"));
    app.login_as(PURCHASER).await;
    let file = format!("/purchase/contracts/{kid}/filing");
    let r = app.post(&file, &[("reference", "")]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = app.post(&file, &[("reference", "NBCZ-BA-2026-001")]).await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, page) = app.get(&format!("/contracts/{kid}")).await;
    assert!(page.contains("已报财政部门备案"));
    // Signed: the winner can no longer be passed over.
    let r = app
        .post(
            &format!("{award}/pass"),
            &[
                ("winner", &winner),
                ("kind", "refused"),
                ("reason", "放弃签约"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE status = 'contracted' AND number = $1",
            "NB-AWARD-01"
        )
        .await,
        1
    );
}

#[rocket::async_test]
async fn silence_confirms_the_first_ranked_and_a_refusal_passes_to_the_next_with_its_reason() {
    let app = TestApp::spawn().await;
    let (id, _) = scored_tender(&app, "NB-AWARD-02").await;
    let pr = Procurement::of(state(&app));
    // Reported Sunday 20 December: the 5 working days end with Friday the 25th.
    app.clock.set(datetime!(2026-12-25 15:00 UTC));
    pr.run_awards().await.unwrap();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM awards WHERE confirmed_at IS NOT NULL")
            .await,
        0
    );
    // The award as a purchaser's page read it just before the rule of silence confirmed it.
    let (stale_p, stale_a) = {
        let mut c = app.db.acquire().await.unwrap();
        let p = huoban::db::projects::by_id(&mut c, id)
            .await
            .unwrap()
            .unwrap();
        let a = huoban::procurement::award::award_of(&mut c, &p)
            .await
            .unwrap()
            .unwrap();
        (p, a)
    };
    app.clock.set(datetime!(2026-12-25 16:00 UTC));
    pr.run_awards().await.unwrap();
    // Confirming from that stale read is refused by the compare-and-set on `confirmed_at`:
    // no second notice, no winner added twice.
    {
        let mut tx = app.db.begin_write().await.unwrap();
        assert_eq!(
            pr.confirm(&mut tx, &stale_p, &stale_a, Some(1))
                .await
                .unwrap(),
            Err("err-award-confirmed")
        );
        tx.commit().await.unwrap();
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM award_winners").await, 1);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM awards WHERE confirmed_at IS NOT NULL AND confirmed_by IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM project_events WHERE kind = 'awarded_by_rule'")
            .await,
        1
    );
    let first = app
        .scalar("SELECT MIN(id) FROM award_winners")
        .await
        .to_string();
    // The first notice, numbered when first printed.
    let (_, before) = app.get("/projects/NB-AWARD-02/award").await;
    assert!(
        before.contains("采中公字〔") && before.contains("第1号"),
        "{before}"
    );
    let pass = format!("/purchase/projects/{id}/award/pass");
    let r = app
        .post(
            &pass,
            &[("winner", &first), ("kind", "refused"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM award_winners").await, 1);
    let r = app
        .post(
            &pass,
            &[
                ("winner", &first),
                ("kind", "refused"),
                ("reason", "中标人书面表示放弃签订合同"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, notice) = app.get("/projects/NB-AWARD-02/award").await;
    assert!(notice.contains("放弃签订合同：中标人书面表示放弃签订合同"));
    // The renewed notice is a new document with its own number.
    assert!(
        notice.contains("第2号") && !notice.contains("第1号"),
        "{notice}"
    );
    // The second-ranked (the volunteers, 385,000) now wins.
    let winner: i64 = app
        .scalar("SELECT org_id FROM award_winners WHERE status = 'winner'")
        .await;
    assert_eq!(winner, 3);
    assert!(notice.contains("¥385,000.00"));
}

#[rocket::async_test]
async fn a_programme_funds_applicants_in_rank_order_within_its_budget_each_with_an_agreement() {
    let app = TestApp::spawn().await;
    let mut fields =
        crate::procurement::project_fields("NB-FUND-01", "programme", "2026-12-20T10:00");
    for (k, v) in fields.iter_mut() {
        match *k {
            "title" => *v = "2027 年社区公益创投",
            "budget" => *v = "500,000.00",
            "max_price" => *v = "",
            "price_weight" => *v = "0",
            "criterion_max" if *v == "40" => *v = "60",
            "criterion_max" => *v = "40",
            _ => {}
        }
    }
    // Technical totals 85, 75, 50 for requests of 200,000, 250,000 and 150,000.
    let marks = [("50", "35"), ("45", "30"), ("30", "20")];
    let (id, _) =
        crate::review::scored_with(&app, &fields, ["200000", "250000", "150000"], marks, "3").await;
    let award = format!("/purchase/projects/{id}/award");
    let r = app.post(&format!("{award}/confirm"), &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    // 200,000 + 250,000 of 500,000: the third (150,000) no longer fits.
    let funded: Vec<(i64, i64)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT org_id, amount_fen FROM award_winners WHERE status = 'winner' ORDER BY rank",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    let sun = sunshine(&app).await;
    assert_eq!(funded, vec![(sun, 20_000_000), (3, 25_000_000)]);
    // The volunteers decline: the charity's 150,000 fits what is left (300,000).
    let w3 = app
        .scalar("SELECT id FROM award_winners WHERE org_id = 3")
        .await
        .to_string();
    let r = app
        .post(
            &format!("{award}/pass"),
            &[
                ("winner", &w3),
                ("kind", "refused"),
                ("reason", "项目负责人离职，无法实施"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM award_winners WHERE status = 'winner' AND org_id = 4")
            .await,
        1
    );
    app.clock.set(datetime!(2026-12-22 02:00 UTC));
    let contract = format!("/purchase/projects/{id}/contracts");
    let winners: Vec<(i64, i64)> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_as(
            "SELECT id, amount_fen FROM award_winners WHERE status = 'winner' ORDER BY rank",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap()
    };
    for (i, (w, amount)) in winners.iter().enumerate() {
        let half = format!("{}", amount / 200);
        let w = w.to_string();
        let r = app
            .post(
                &contract,
                &[
                    ("winner", w.as_str()),
                    ("starts_on", "2027-01-01"),
                    ("ends_on", "2027-12-31"),
                    ("mode", "amount"),
                    ("value[0]", half.as_str()),
                    ("condition[0]", "signing"),
                    ("value[1]", half.as_str()),
                    ("condition[1]", "acceptance"),
                ],
            )
            .await;
        assert_eq!(r.status(), Status::SeeOther);
        let status = int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE status = 'contracted' AND number = $1",
            "NB-FUND-01",
        )
        .await;
        assert_eq!(
            status,
            i64::from(i == 1),
            "contracted once every funded applicant signed"
        );
    }
    let kid = app.scalar("SELECT MIN(id) FROM contracts").await;
    let (_, page) = app.get(&format!("/contracts/{kid}")).await;
    assert!(page.contains("资助协议") && page.contains("¥100,000.00"));
}

#[rocket::async_test]
async fn panelists_who_have_not_submitted_are_reminded_once_and_inquiries_get_a_three_day_clock() {
    let app = TestApp::spawn().await;
    let (id, bids) =
        crate::review::opened_project(&app, "NB-REMIND-01", ["380000", "385000", "372500"]).await;
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let pass: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    app.post(&format!("/purchase/projects/{id}/qualification"), &pass)
        .await;
    let r = app
        .post(&format!("/purchase/projects/{id}/panel"), &[("size", "3")])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let pr = Procurement::of(state(&app));
    // Each drawn expert sees the seat on the dashboard, due by the end of the next working day.
    let expert = app
        .scalar("SELECT COUNT(*) FROM panel_members m JOIN users u ON u.id = m.user_id WHERE u.email = 'expert@demo.huoban.cn'")
        .await;
    if expert == 1 {
        app.logout().await;
        app.login_as(EXPERT).await;
        let dash = html_unescape(&app.get("/dashboard").await.1);
        assert!(
            dash.contains("评标：先作回避声明") && dash.contains("12月21日"),
            "{dash}"
        );
        app.logout().await;
        app.login_as(PURCHASER).await;
    }
    // Drawn on Sunday the 20th: nobody is reminded before the end of Monday the 21st.
    app.clock.set(datetime!(2026-12-21 15:00 UTC));
    pr.run_awards().await.unwrap();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM panel_members WHERE reminded_at IS NOT NULL")
            .await,
        0
    );
    app.clock.set(datetime!(2026-12-21 16:00 UTC));
    pr.run_awards().await.unwrap();
    pr.run_awards().await.unwrap();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM panel_members WHERE reminded_at IS NOT NULL")
            .await,
        3
    );
    let reminders = app
        .scalar("SELECT COUNT(*) FROM mail_outbox WHERE body_text LIKE '%尚未提交%'")
        .await;
    assert_eq!(reminders, 3, "one each");
    // An inquiry by a bidder on Tuesday the 22nd (Beijing): answered by the end of Friday the 25th.
    app.logout().await;
    app.login_as(CHARITY).await;
    let r = app
        .post(
            "/projects/NB-REMIND-01/challenges/4",
            &[
                ("kind", "inquiry"),
                ("target", "process"),
                ("body", "请问评审结果预计何时公布？"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let due = app
        .scalar("SELECT due_at FROM challenges ORDER BY id DESC LIMIT 1")
        .await;
    assert_eq!(
        due,
        huoban::platform::clock::to_ms(datetime!(2026-12-25 16:00 UTC))
    );
    assert_eq!(
        app.scalar("SELECT suspends FROM challenges ORDER BY id DESC LIMIT 1")
            .await,
        0
    );
    // Another organization's member cannot read or file on the charity's page.
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let (s, _) = app.get("/projects/NB-REMIND-01/challenges/4").await;
    assert_eq!(s, Status::Forbidden);
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (_, page) = app.get(&format!("/purchase/projects/{id}/award")).await;
    assert!(page.contains("请问评审结果预计何时公布") && page.contains("答复期限"));
}

#[rocket::async_test]
async fn without_an_answer_a_complaint_waits_for_the_answer_period_and_signing_late_is_flagged() {
    let app = TestApp::spawn().await;
    let (id, _) = scored_tender(&app, "NB-AWARD-03").await;
    let award = format!("/purchase/projects/{id}/award");
    let r = app.post(&format!("{award}/confirm"), &[]).await;
    assert_eq!(r.status(), Status::SeeOther);
    app.clock.set(datetime!(2026-12-22 02:00 UTC));
    app.logout().await;
    app.login_as(CHARITY).await;
    let page = "/projects/NB-AWARD-03/challenges/4";
    let r = app
        .post(
            page,
            &[
                ("kind", "challenge"),
                ("target", "process"),
                ("step", "qualification"),
                ("body", "开标后资格审查未通知我方结果，程序不当。"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let ch = app.scalar("SELECT MAX(id) FROM challenges").await;
    let complaint = format!("{page}/{ch}/complaint");
    let body = [("body", "采购人逾期未答复质疑，请监督部门处理。")];
    // Before the answer period ends (7 working days: end of 31 December), no complaint.
    let r = app.post(&complaint, &body).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("答复期满前"));
    app.clock.set(datetime!(2026-12-31 16:30 UTC));
    let r = app.post(&complaint, &body).await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "no answer came: the complaint is open"
    );
    assert_eq!(app.scalar(DEMO_EXCLUDED_COMPLAINTS).await, 1);
    let r = app.post(&complaint, &body).await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "one complaint per challenge"
    );
    // More than 30 days after the award notice, the purchaser is warned the contract is late.
    app.clock.set(datetime!(2027-01-21 02:00 UTC));
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (_, page) = app.get(&award).await;
    assert!(page.contains("已超过期限") && page.contains("暂停签订合同"));
}

/// An open tender scored, awarded to sunshine (¥380,000.00) and signed with a plan of 30% on
/// signing, 40% after the "中期评估" review and 30% after final acceptance; the clock stands at
/// 22 December 2026 and the purchaser is signed in. The contract's id.
pub async fn signed_contract(app: &TestApp, number: &str) -> i64 {
    let (id, _) = scored_tender(app, number).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/award/confirm"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.clock.set(datetime!(2026-12-22 02:00 UTC));
    let winner = int(
        app,
        "SELECT w.id FROM award_winners w JOIN awards a ON a.id = w.award_id JOIN projects p ON p.id = a.project_id \
         WHERE p.number = $1 AND w.status = 'winner'",
        number,
    )
    .await
    .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/contracts"),
            &[
                ("winner", winner.as_str()),
                ("starts_on", "2027-01-01"),
                ("ends_on", "2027-12-31"),
                ("mode", "percent"),
                ("value[0]", "30"),
                ("condition[0]", "signing"),
                ("value[1]", "40"),
                ("condition[1]", "review"),
                ("review[1]", "中期评估"),
                ("value[2]", "30"),
                ("condition[2]", "acceptance"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    int(
        app,
        "SELECT k.id FROM contracts k JOIN projects p ON p.id = k.project_id WHERE p.number = $1",
        number,
    )
    .await
}

/// 实施条例 art. 53 (issue 22, item 8): a challenge to the process runs 7 working days from the
/// end of the step it names, so the qualification result opens its own window after the
/// opening's has closed; a step not yet ended cannot be challenged; the step must be named.
#[rocket::async_test]
async fn a_process_challenge_runs_seven_working_days_from_the_end_of_the_step_it_names() {
    let app = TestApp::spawn().await;
    // Opened on Sunday 20 December, 10:00 Beijing: its window ends with Tuesday the 29th.
    let (id, bids) =
        crate::review::opened_project(&app, "NB-STEP-01", ["380000", "385000", "372500"]).await;
    // Qualified on Monday the 21st, 10:00 Beijing: its window ends with Wednesday the 30th.
    app.clock.set(datetime!(2026-12-21 02:00 UTC));
    let pass: Vec<(String, String)> = bids
        .iter()
        .map(|b| (format!("decision[{b}]"), "pass".to_string()))
        .collect();
    let pass: Vec<(&str, &str)> = pass.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app
        .post(&format!("/purchase/projects/{id}/qualification"), &pass)
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    app.login_as(CHARITY).await;
    let page = "/projects/NB-STEP-01/challenges/4";
    let file = |step: &'static str| {
        let app = &app;
        async move {
            let mut f = vec![
                ("kind", "challenge"),
                ("target", "process"),
                (
                    "body",
                    "资格审查未说明我方资格证明文件的审查标准，程序不当。",
                ),
            ];
            if !step.is_empty() {
                f.push(("step", step));
            }
            let r = app.post(page, &f).await;
            let status = r.status();
            (status, r.into_string().await.unwrap_or_default())
        }
    };
    let (_, form) = app.get(page).await;
    assert!(
        form.contains("资格审查结果") && form.contains("质疑截止"),
        "{form}"
    );
    // The last moment of Wednesday the 30th in Beijing.
    app.clock.set(datetime!(2026-12-30 15:59:59 UTC));
    let (s, body) = file("").await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(body.contains("请选择所质疑的采购环节"), "{body}");
    let (s, body) = file("opening").await;
    assert_eq!(
        s,
        Status::UnprocessableEntity,
        "the opening's window closed on the 29th"
    );
    assert!(body.contains("已超过提出质疑的期限"));
    let (s, body) = file("compliance").await;
    assert_eq!(s, Status::UnprocessableEntity, "no compliance result yet");
    assert!(body.contains("尚未发生"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM challenges WHERE project_id IN (SELECT id FROM projects WHERE number = 'NB-STEP-01')")
            .await,
        0
    );
    let (s, _) = file("qualification").await;
    assert_eq!(
        s,
        Status::SeeOther,
        "within the qualification's 7 working days"
    );
    let step = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar::<_, String>("SELECT step FROM challenges ORDER BY id DESC LIMIT 1")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(step, "qualification");
    let (_, own) = app.get(page).await;
    assert!(own.contains("采购过程（资格审查结果）"), "{own}");
    // One second into Thursday the 31st in Beijing, that window has closed too.
    app.clock.set(datetime!(2026-12-30 16:00:01 UTC));
    let (s, body) = file("qualification").await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(body.contains("已超过提出质疑的期限"));
}
