//! Service purchase I (DOMAIN §5) end to end: a purchaser's project form refuses what the law
//! refuses (a deadline inside the window with the earliest lawful date, region and grade
//! restrictions on procurement, criteria that do not add up); organizations obtain the
//! documents and ask; a marked late amendment moves the deadline and reaches each organization
//! that obtained the documents; sealed bids are replaced, withdrawn, refused after the
//! deadline, never visible to anyone else, and opened with digests matching the receipts.

use crate::evaluation_flow::{exec, int, switch};
use crate::helpers::*;
use huoban::platform::app::AppState;
use huoban::procurement::Procurement;
use rocket::http::{ContentType, Status};
use time::macros::datetime;

pub const CHARITY: (&str, &str) = ("charity@demo.huoban.cn", "demo-charity-2026");
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\n% proposal annex\ntrailer << >>\n%%EOF\n";
pub const PROPOSAL: &str =
    "我们以社区为单位组建服务团队，提供每周两次上门探访和助餐服务，配备持证社工四名。";

pub fn project_fields<'a>(
    number: &'a str,
    method: &'a str,
    deadline: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("number", number),
        ("title", "海曙区居家养老上门服务项目"),
        ("category", "elderly-care"),
        (
            "requirements",
            "为辖区内 300 名高龄独居老人提供上门探访、助餐、助洁和紧急呼叫响应服务，服务期一年。",
        ),
        ("budget", "400,000.00"),
        ("max_price", "390000"),
        ("method", method),
        ("price_weight", "30"),
        ("tie_rule", "random"),
        ("grade_use", "equal_conditions"),
        ("deadline", deadline),
        ("criterion_name", "服务方案"),
        ("criterion_max", "40"),
        ("criterion_guidance", "方案完整、针对性强"),
        ("criterion_name", "团队与经验"),
        ("criterion_max", "30"),
        ("criterion_guidance", "持证社工比例、同类项目经验"),
    ]
}

pub fn state(app: &TestApp) -> &AppState {
    app.client.rocket().state::<AppState>().expect("state")
}

/// Creates and publishes a project as the signed-in purchaser; returns its id.
pub async fn publish_project(app: &TestApp, number: &str, method: &str, deadline: &str) -> i64 {
    let r = app
        .post(
            "/purchase/projects",
            &project_fields(number, method, deadline),
        )
        .await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "{}",
        r.into_string().await.unwrap_or_default()
    );
    let id = int(app, "SELECT id FROM projects WHERE number = $1", number).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let status = int(
        app,
        "SELECT COUNT(*) FROM projects WHERE status = 'published' AND number = $1",
        number,
    )
    .await;
    assert_eq!(status, 1, "published");
    id
}

pub fn bid_body(
    token: &str,
    price: &str,
    proposal: &str,
    file: Option<&[u8]>,
) -> (ContentType, Vec<u8>) {
    let files: Vec<Part<'_>> = file
        .map(|bytes| Part {
            field: "files",
            filename: "方案.pdf",
            content_type: "application/pdf",
            bytes,
        })
        .into_iter()
        .collect();
    crate::helpers::multipart(
        &[("_csrf", token), ("price", price), ("proposal", proposal)],
        &files,
    )
}

/// Submits a bid as the signed-in organization admin: (status, page).
pub async fn bid(
    app: &TestApp,
    number: &str,
    org: i64,
    price: &str,
    file: Option<&[u8]>,
) -> (Status, String) {
    let token = app.csrf().await;
    let (ct, body) = bid_body(&token, price, PROPOSAL, file);
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

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)?;
    Some(&s[i..i + j])
}

#[rocket::async_test]
async fn the_form_refuses_what_the_law_refuses() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    // Consultation: 10 days, and the documents 5 working days, from now (Sat 28 Nov 10:00).
    let mut f = project_fields("NB-TEST-001", "consultation", "2026-12-07T10:00");
    let r = app.post("/purchase/projects", &f).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap();
    assert!(body.contains("截止时间早于法定最短期限"), "{body}");
    assert!(
        body.contains("2026-12-08 10:00"),
        "the earliest lawful deadline is named"
    );
    // Open tender needs 20 days.
    f = project_fields("NB-TEST-001", "open_tender", "2026-12-09T10:00");
    let body = app
        .post("/purchase/projects", &f)
        .await
        .into_string()
        .await
        .unwrap();
    assert!(body.contains("2026-12-18 10:00"), "{body}");
    // Procurement may not restrict by region or grade; the criteria must add up to 70.
    f = project_fields("NB-TEST-001", "consultation", "2026-12-20T10:00");
    f.push(("city_division", "3302"));
    f.push(("min_grade", "3a"));
    f[12] = ("criterion_max", "35");
    let r = app.post("/purchase/projects", &f).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap();
    assert!(body.contains("不得以地域限制参与"), "{body}");
    assert!(body.contains("不得以评估等级限制参与"));
    assert!(body.contains("65 &#x2F; 70"), "criteria sum shown");
    // A price weight outside consultation's 10–30%, an unoffered method, bad money.
    let mut f = project_fields("NB-TEST-001", "consultation", "2026-12-20T10:00");
    f[7] = ("price_weight", "40");
    f[4] = ("budget", "1,000.005");
    let body = app
        .post("/purchase/projects", &f)
        .await
        .into_string()
        .await
        .unwrap();
    assert!(
        body.contains("价格权重超出该方式允许的范围") && body.contains("10%–30%"),
        "{body}"
    );
    assert!(body.contains("金额最多精确到分"), "money message");
    let f = project_fields("NB-TEST-001", "quotation", "2026-12-20T10:00");
    let body = app
        .post("/purchase/projects", &f)
        .await
        .into_string()
        .await
        .unwrap();
    assert!(body.contains("暂未提供该采购方式"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM projects WHERE number LIKE 'NB-%'")
            .await,
        0,
        "nothing written"
    );
    // A programme may set the same conditions.
    let mut f = project_fields("NB-PROG-001", "programme", "2026-12-20T10:00");
    f.push(("city_division", "3302"));
    f.push(("min_grade", "3a"));
    f[7] = ("price_weight", "0");
    f[12] = ("criterion_max", "70");
    let r = app.post("/purchase/projects", &f).await;
    assert_eq!(r.status(), Status::SeeOther);
    // Without an intention 30 days earlier, the project page warns once published.
    let id = publish_project(&app, "NB-TEST-002", "consultation", "2026-12-20T10:00").await;
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(page.contains("没有在公告前至少 30 日公开的采购意向"));
    // Published criteria are frozen.
    let r = app
        .post(
            &format!("/purchase/projects/{id}"),
            &project_fields("X", "consultation", "2026-12-20T10:00"),
        )
        .await;
    assert_eq!(r.status(), Status::Conflict);
}

#[rocket::async_test]
async fn an_intention_thirty_days_ahead_clears_the_warning() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let r = app
        .post(
            "/purchase/intentions",
            &[
                ("i_title", "居家养老上门服务"),
                ("category", "elderly-care"),
                ("i_budget", "400000"),
                ("need", "高龄独居老人上门服务一年"),
                ("i_planned_month", "2027-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let intention = app
        .scalar("SELECT MAX(id) FROM intentions")
        .await
        .to_string();
    let (_, public) = app.get("/intentions").await;
    assert!(public.contains("居家养老上门服务"));
    app.clock.set(datetime!(2026-12-28 02:00 UTC));
    let mut f = project_fields("NB-TEST-003", "consultation", "2027-01-20T10:00");
    f.push(("intention", &intention));
    let r = app.post("/purchase/projects", &f).await;
    assert_eq!(r.status(), Status::SeeOther);
    let id = app.scalar("SELECT MAX(id) FROM projects").await;
    app.post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(
        !page.contains("没有在公告前至少 30 日公开的采购意向"),
        "30 days: no warning"
    );
}

#[rocket::async_test]
async fn documents_questions_and_a_late_marked_amendment_move_the_deadline() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-TEST-010", "consultation", "2026-12-20T10:00").await;
    switch(&app, NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let r = app
        .post("/projects/NB-TEST-010/obtain", &[("org", &org.to_string())])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (s, docs) = app
        .get(&format!("/projects/NB-TEST-010/documents?org={org}"))
        .await;
    assert_eq!(s, Status::Ok);
    assert!(docs.contains("服务方案"));
    let r = app
        .post(
            "/projects/NB-TEST-010/questions",
            &[
                ("org", &org.to_string()),
                ("question", "助餐服务是否包含节假日？"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    // Charity obtains too; volunteers does not.
    switch(&app, CHARITY).await;
    let charity = int(
        &app,
        "SELECT org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1",
        CHARITY.0,
    )
    .await;
    app.post(
        "/projects/NB-TEST-010/obtain",
        &[("org", &charity.to_string())],
    )
    .await;
    // The public sees the question, pseudonymized.
    app.logout().await;
    let (_, public) = app.get("/projects/NB-TEST-010").await;
    assert!(public.contains("助餐服务是否包含节假日") && public.contains("提问人 1"));
    assert!(
        !public.contains("阳光社会工作服务中心"),
        "the asker is not named"
    );
    // An answer that changes nothing moves nothing, even when late.
    app.login_as(PURCHASER).await;
    app.clock.set(datetime!(2026-12-17 02:00 UTC));
    let pr = Procurement::of(state(&app));
    // The demo's consultation closes in the same window; its asker is reminded too.
    assert_eq!(pr.remind().await.unwrap(), 3);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM reminders WHERE kind = $1",
            &format!("bid_deadline:{id}:1"),
        )
        .await,
        2,
        "both who obtained the documents"
    );
    assert_eq!(pr.remind().await.unwrap(), 0, "once");
    let (_, reminder) = app.last_mail_to(CHARITY.0).await.expect("reminder");
    assert!(
        reminder.contains("将于 2026-12-20 10:00 截止投标"),
        "{reminder}"
    );
    let q = app.scalar("SELECT MAX(id) FROM project_questions").await;
    let before = int(
        &app,
        "SELECT deadline_at FROM projects WHERE number = $1",
        "NB-TEST-010",
    )
    .await;
    let r = app
        .post(
            &format!("/purchase/projects/{id}/questions/{q}"),
            &[("answer", "包含法定节假日。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT deadline_at FROM projects WHERE number = $1",
            "NB-TEST-010"
        )
        .await,
        before
    );
    let (_, mail) = app.last_mail_to(NGO_ADMIN.0).await.expect("answer mail");
    assert!(mail.contains("包含法定节假日"));
    // A marked amendment 3 days before the deadline keeps consultation's 5-day margin.
    let r = app
        .post(
            &format!("/purchase/projects/{id}/amendments"),
            &[
                ("body", "服务对象增加至 350 名，请相应调整方案。"),
                ("affects", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let after = int(
        &app,
        "SELECT deadline_at FROM projects WHERE number = $1",
        "NB-TEST-010",
    )
    .await;
    assert_eq!(
        after,
        huoban::platform::clock::to_ms(datetime!(2026-12-22 02:00 UTC)),
        "now + 5 days"
    );
    for who in [NGO_ADMIN.0, CHARITY.0] {
        let (_, body) = app.last_mail_to(who).await.expect("amendment mail");
        assert!(
            body.contains("顺延") && body.contains("2026-12-22 10:00"),
            "{who}: {body}"
        );
        assert!(
            !body.contains("阳光") && !body.contains("慈善"),
            "no other recipient is named"
        );
    }
    let to_one: i64 = int(
        &app,
        "SELECT COUNT(*) FROM mail_outbox WHERE to_addr LIKE $1 AND body_text LIKE '%350%'",
        "%,%",
    )
    .await;
    assert_eq!(to_one, 0, "each notice has one recipient");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE body_text LIKE '%350 名%'")
            .await,
        2
    );
    // Unmarked amendment: unchanged.
    app.post(
        &format!("/purchase/projects/{id}/amendments"),
        &[("body", "更正联系电话。")],
    )
    .await;
    assert_eq!(
        int(
            &app,
            "SELECT deadline_at FROM projects WHERE number = $1",
            "NB-TEST-010"
        )
        .await,
        after
    );
    // Cancel with a public reason.
    let r = app
        .post(
            &format!("/purchase/projects/{id}/cancel"),
            &[("reason", "预算调整，项目取消。")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    let (_, public) = app.get("/projects/NB-TEST-010").await;
    assert!(public.contains("预算调整，项目取消。") && public.contains("已终止"));
}

#[rocket::async_test]
async fn sealed_bids_are_secret_until_opening_and_match_their_receipts() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    publish_project(&app, "NB-TEST-020", "consultation", "2026-12-20T10:00").await;
    switch(&app, NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    // Bad input: a clear message, nothing stored.
    let (s, page) = bid(&app, "NB-TEST-020", org, "abc", None).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("error-summary"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bids WHERE project_id > 2")
            .await,
        0
    );
    let (s, page) = bid(&app, "NB-TEST-020", org, "381,234.50", Some(PDF)).await;
    assert_eq!(s, Status::Ok, "{page}");
    let first = between(&page, "id=\"receipt-digest\">", "<")
        .expect("receipt digest")
        .to_string();
    // Replace it: one sealed bid, the first marked replaced.
    let (_, page) = bid(&app, "NB-TEST-020", org, "379999.99", Some(PDF)).await;
    let digest = between(&page, "id=\"receipt-digest\">", "<")
        .expect("digest")
        .to_string();
    assert_ne!(first, digest);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bids WHERE status = 'sealed' AND project_id > 2")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bids WHERE status = 'replaced'")
            .await,
        1
    );
    let (_, own) = app.get(&format!("/projects/NB-TEST-020/bid/{org}")).await;
    assert!(
        own.contains("¥379,999.99"),
        "the organization reads its own bid"
    );
    // Nobody else can: the purchaser, an admin, another organization, the public, guessed URLs.
    let bid_id = app.scalar("SELECT MAX(id) FROM bids").await;
    let file_id: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM bid_files ORDER BY stored_at DESC LIMIT 1")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    let secret_words = [
        "379999",
        "379,999",
        "阳光社会工作服务中心",
        "上门探访和助餐",
    ];
    for who in [Some(PURCHASER), Some(ADMIN), Some(CHARITY), None] {
        app.logout().await;
        if let Some(w) = who {
            app.login_as(w).await;
        }
        for path in [
            "/projects/NB-TEST-020".to_string(),
            "/projects".to_string(),
            "/purchase".to_string(),
            format!(
                "/purchase/projects/{}",
                int(
                    &app,
                    "SELECT id FROM projects WHERE number = $1",
                    "NB-TEST-020"
                )
                .await
            ),
            format!("/projects/NB-TEST-020/bid/{org}"),
            format!("/projects/NB-TEST-020/bid/{org}/receipt/{bid_id}"),
            format!("/projects/NB-TEST-020/bid/{org}/files/{file_id}"),
            format!("/history/bid/{bid_id}"),
            "/api/v1/projects".to_string(),
        ] {
            let (s, body) = app.get(&path).await;
            for w in secret_words {
                assert!(!body.contains(w), "{who:?} read {w} at {path} ({s})");
            }
            assert!(!body.contains(&digest), "{who:?} saw the digest at {path}");
            if path.starts_with("/projects/") && path.contains("/bid/") {
                assert!(
                    s == Status::NotFound
                        || s == Status::Forbidden
                        || s == Status::SeeOther
                        || s == Status::Unauthorized,
                    "{who:?} {path}: {s}"
                );
            }
        }
    }
    // The database, the outbox, the audit log and the upload folder hold no price or text.
    let mut c = app.db.acquire().await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT sealed, nonce FROM bids")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    for (sealed, _) in &rows {
        // The price as typed (a shorter digit run can occur by chance in encoded ciphertext).
        assert!(!sealed.contains("379999") && !sealed.contains("上门"));
    }
    let dump: Vec<String> = sqlx::query_scalar(
        "SELECT summary FROM audit_log UNION ALL SELECT body_text FROM mail_outbox UNION ALL SELECT data FROM project_events",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    for text in &dump {
        for w in ["379999", "381234", "上门探访和助餐"] {
            assert!(!text.contains(w), "{w} in {text}");
        }
    }
    drop(c);
    let dir = app
        .resolved
        .config
        .uploads_dir
        .clone()
        .unwrap()
        .join("bids");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(8).any(|w| w == b"proposal") && !bytes.starts_with(b"%PDF"));
    }
    // Two more bidders through the same service, then the deadline passes.
    let p = {
        let mut c = app.db.acquire().await.unwrap();
        huoban::db::projects::by_number(&mut c, "NB-TEST-020")
            .await
            .unwrap()
            .unwrap()
    };
    let pr = Procurement::of(state(&app));
    for (other, price) in [(3_i64, "385000"), (4, "372500.5")] {
        let input = huoban::procurement::bidding::BidInput {
            price: huoban::domain::money::Money::parse(price).unwrap(),
            proposal: PROPOSAL.into(),
            files: vec![],
        };
        assert!(pr
            .submit_bid(&p, other, 1, "initial", input)
            .await
            .unwrap()
            .is_ok());
    }
    // Withdraw and submit again before the deadline.
    switch(&app, NGO_ADMIN).await;
    let r = app
        .post(&format!("/projects/NB-TEST-020/bid/{org}/withdraw"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bids WHERE status = 'withdrawn'")
            .await,
        1
    );
    let (_, page) = bid(&app, "NB-TEST-020", org, "379999.99", None).await;
    let digest = between(&page, "id=\"receipt-digest\">", "<")
        .expect("digest")
        .to_string();
    let salt = between(&page, "id=\"receipt-salt\">", "<")
        .expect("salt")
        .to_string();
    // Past the deadline by the server's clock: refused, nothing stored.
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    let before = app
        .scalar("SELECT COUNT(*) FROM bids WHERE project_id > 2")
        .await;
    let (s, page) = bid(&app, "NB-TEST-020", org, "300000", None).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("已过投标截止时间"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bids WHERE project_id > 2")
            .await,
        before
    );
    // Opening, twice: one opening, three bids, the digests as on the receipts.
    assert_eq!(
        pr.run_due().await.unwrap(),
        2,
        "this project and the demo's open one"
    );
    assert_eq!(pr.run_due().await.unwrap(), 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM openings WHERE project_id > 2")
            .await,
        1
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM opening_bids o JOIN openings g ON g.id = o.opening_id WHERE g.project_id > 2").await, 3);
    app.logout().await;
    let (_, public) = app.get("/projects/NB-TEST-020").await;
    assert!(public.contains("阳光社会工作服务中心") && public.contains("¥379,999.99"));
    assert!(public.contains("¥372,500.50") && public.contains(&digest));
    let (_, check) = app
        .get(&format!("/projects/NB-TEST-020/verify?digest={digest}"))
        .await;
    assert!(check.contains("该摘要值在开标记录中"));
    let (_, check) = app
        .get(&format!("/projects/NB-TEST-020/verify?digest={first}"))
        .await;
    assert!(
        check.contains("开标记录中没有这个摘要值"),
        "a replaced bid is not opened"
    );
    // The salt on the receipt recomputes the digest from the canonical content.
    let content = huoban::procurement::sealing::BidContent {
        v: 1,
        project: "NB-TEST-020".into(),
        round: 1,
        org,
        envelope: "initial".into(),
        price: "379999.99".into(),
        proposal: PROPOSAL.into(),
        files: vec![],
        sme: None,
        salt,
    };
    assert_eq!(content.digest(), digest);
    let mail = app.last_mail_to(NGO_ADMIN.0).await.unwrap().1;
    assert!(mail.contains("已开标") && !mail.contains("379"));
}

#[rocket::async_test]
async fn too_few_bids_fail_the_round_which_is_republished_under_the_same_number() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-TEST-030", "open_tender", "2026-12-20T10:00").await;
    switch(&app, NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let (s, _) = bid(&app, "NB-TEST-030", org, "350000", None).await;
    assert_eq!(s, Status::Ok);
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    let pr = Procurement::of(state(&app));
    pr.run_due().await.unwrap();
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE status = 'failed' AND number = $1",
            "NB-TEST-030"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM opening_bids o JOIN openings g ON g.id = o.opening_id WHERE g.project_id > 2").await,
        0,
        "a failed round's bids stay sealed"
    );
    app.logout().await;
    let (_, public) = app.get("/projects/NB-TEST-030").await;
    assert!(public.contains("废标") && public.contains("1 / 3"));
    assert!(!public.contains("阳光社会工作服务中心"));
    app.login_as(PURCHASER).await;
    let r = app
        .post(&format!("/purchase/projects/{id}/republish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT round FROM projects WHERE number = $1",
            "NB-TEST-030"
        )
        .await,
        2
    );
    let r = app
        .post(
            &format!("/purchase/projects/{id}"),
            &project_fields("NB-TEST-030", "open_tender", "2027-01-20T10:00"),
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        int(
            &app,
            "SELECT COUNT(*) FROM projects WHERE status = 'published' AND number = $1",
            "NB-TEST-030"
        )
        .await,
        1
    );
    let (_, public) = app.get("/projects/NB-TEST-030").await;
    assert!(public.contains("重新组织采购"));
}

#[rocket::async_test]
async fn programme_rules_apply_to_programmes_only() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let mut f = project_fields("NB-PROG-010", "programme", "2026-12-20T10:00");
    f.push(("city_division", "3302"));
    f.push(("min_grade", "4a"));
    f[7] = ("price_weight", "0");
    f[12] = ("criterion_max", "70");
    f[9] = ("grade_use", "entry");
    let r = app.post("/purchase/projects", &f).await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "{}",
        r.into_string().await.unwrap_or_default()
    );
    let id = int(
        &app,
        "SELECT id FROM projects WHERE number = $1",
        "NB-PROG-010",
    )
    .await;
    app.post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    // Sunshine (Haishu, no grade) may not apply; the message says why.
    switch(&app, NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let (_, page) = app.get(&format!("/projects/NB-PROG-010/bid/{org}")).await;
    assert!(page.contains("截止日没有达到要求的有效评估等级"), "{page}");
    let (s, page) = bid(&app, "NB-PROG-010", org, "100000", None).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("截止日没有达到要求的有效评估等级"));
    // The same organization may bid on procurement: no grade condition there.
    switch(&app, PURCHASER).await;
    publish_project(&app, "NB-TEST-040", "consultation", "2026-12-20T10:00").await;
    switch(&app, NGO_ADMIN).await;
    let (s, _) = bid(&app, "NB-TEST-040", org, "100000", None).await;
    assert_eq!(s, Status::Ok);
    // The serious violation list excludes from both.
    exec(&app, &format!("INSERT INTO credit_listings (org_id, list, reason, listed_on, created_at) VALUES ({org}, 'serious', 'test', '2026-11-01', 0)")).await;
    let (s, page) = bid(&app, "NB-TEST-040", org, "100000", None).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("严重违法失信名单"));
}

#[rocket::async_test]
async fn the_demo_has_an_open_project_and_an_opened_one_with_three_bids() {
    let app = TestApp::spawn().await;
    let (s, page) = app.get("/projects/NBMZ-2026-018").await;
    assert_eq!(s, Status::Ok);
    for name in [
        "宁波市海曙区阳光社会工作服务中心",
        "¥545,500.00",
        "¥568,000.00",
        "¥589,000.00",
    ] {
        assert!(page.contains(name), "{name}");
    }
    let digests: Vec<String> = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT b.digest FROM bids b JOIN projects p ON p.id = b.project_id WHERE p.number = 'NBMZ-2026-018'")
            .fetch_all(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(digests.len(), 3);
    for d in &digests {
        assert!(page.contains(d.as_str()));
    }
    let (_, list) = app.get("/projects").await;
    assert!(list.contains("NBMZ-2026-031") && !list.contains("NBMZ-2026-018"));
    let (_, closed) = app.get("/projects?status=closed").await;
    assert!(closed.contains("NBMZ-2026-018"));
    app.login_as(NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let (s, page) = app.get(&format!("/projects/NBMZ-2026-031/bid/{org}")).await;
    assert_eq!(s, Status::Ok);
    assert!(page.contains("递交投标") && !page.contains("本机构不能参与本项目"));
    // The demo consultation requires the five checklist documents.
    let (s, page) = bid(&app, "NBMZ-2026-031", org, "385000", None).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(page.contains("投标未提交以下资格证明文件"));
    let docs: Vec<(usize, &[u8])> = (0..5).map(|i| (i, PDF)).collect();
    let (s, _) = crate::qual_docs::bid_with_docs(&app, "NBMZ-2026-031", org, &docs).await;
    assert_eq!(s, Status::Ok);
}

#[rocket::async_test]
async fn followers_hear_of_new_projects_and_intentions_in_their_categories() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let org = crate::evaluation_flow::sunshine(&app).await;
    let r = app
        .post(
            &format!("/orgs/{org}/procurement/follows"),
            &[("category", "legal-aid"), ("category", "no-such")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, page) = app.get(&format!("/orgs/{org}/procurement")).await;
    assert!(page.contains("id=\"cat-legal-aid\" name=\"category\" value=\"legal-aid\" checked"));
    switch(&app, PURCHASER).await;
    let mut f = project_fields("NB-TEST-050", "consultation", "2026-12-20T10:00");
    f[2] = ("category", "legal-aid");
    app.post("/purchase/projects", &f).await;
    let id = int(
        &app,
        "SELECT id FROM projects WHERE number = $1",
        "NB-TEST-050",
    )
    .await;
    app.post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    let (_, mail) = app
        .last_mail_to(NGO_ADMIN.0)
        .await
        .expect("new project mail");
    assert!(mail.contains("NB-TEST-050") && mail.contains("/projects/NB-TEST-050"));
    // A project in a category nobody follows mails no one.
    let before = app.scalar("SELECT COUNT(*) FROM mail_outbox").await;
    publish_project(&app, "NB-TEST-051", "consultation", "2026-12-20T10:00").await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM mail_outbox").await, before);
}

#[rocket::async_test]
async fn a_consultation_opens_sealed_final_quotes_after_the_consultation() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let id = publish_project(&app, "NB-TEST-060", "consultation", "2026-12-20T10:00").await;
    let p = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            let mut c = db.acquire().await.unwrap();
            huoban::db::projects::by_number(&mut c, "NB-TEST-060")
                .await
                .unwrap()
                .unwrap()
        }
    };
    let pr = Procurement::of(state(&app));
    let quote = |price: &str| huoban::procurement::bidding::BidInput {
        price: huoban::domain::money::Money::parse(price).unwrap(),
        proposal: PROPOSAL.into(),
        files: vec![],
    };
    let sunshine = crate::evaluation_flow::sunshine(&app).await;
    let ngo = int(&app, "SELECT id FROM users WHERE email = $1", NGO_ADMIN.0).await;
    for (org, price) in [(sunshine, "380000"), (3, "385000"), (4, "372500")] {
        let user = if org == sunshine { ngo } else { 1 };
        assert!(pr
            .submit_bid(&p(&app).await, org, user, "initial", quote(price))
            .await
            .unwrap()
            .is_ok());
    }
    // No final quote before the call.
    assert_eq!(
        pr.submit_bid(&p(&app).await, 3, 1, "final", quote("360000"))
            .await
            .unwrap()
            .err(),
        Some("err-project-closed")
    );
    app.clock.set(datetime!(2026-12-20 02:00 UTC));
    pr.run_due().await.unwrap();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/final-quotes"),
            &[("final_deadline", "2026-12-20T09:30")],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::UnprocessableEntity,
        "less than an hour away"
    );
    let r = app
        .post(
            &format!("/purchase/projects/{id}/final-quotes"),
            &[("final_deadline", "2026-12-21T10:00")],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let (_, mail) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(mail.contains("最后报价") && mail.contains("2026-12-21 10:00"));
    // Only those whose responses were opened may quote; the quote is sealed like a bid.
    assert!(pr
        .submit_bid(&p(&app).await, 2, 1, "final", quote("1000"))
        .await
        .unwrap()
        .is_err());
    switch(&app, NGO_ADMIN).await;
    let (_, page) = app
        .get(&format!("/projects/NB-TEST-060/bid/{sunshine}"))
        .await;
    assert!(page.contains("递交最后报价"));
    let token = app.csrf().await;
    let (ct, body) = bid_body(&token, "365000", "", None);
    let r = app
        .client
        .post(format!("/projects/NB-TEST-060/bid/{sunshine}/final"))
        .header(ct)
        .body(body)
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    for (org, price) in [(3, "371000"), (4, "366000")] {
        assert!(pr
            .submit_bid(&p(&app).await, org, 1, "final", quote(price))
            .await
            .unwrap()
            .is_ok());
    }
    switch(&app, PURCHASER).await;
    let (_, page) = app.get("/projects/NB-TEST-060").await;
    assert!(
        !page.contains("¥365,000.00"),
        "final quotes stay sealed until their deadline"
    );
    app.clock.set(datetime!(2026-12-21 02:00 UTC));
    assert_eq!(pr.run_due().await.unwrap(), 1);
    assert_eq!(pr.run_due().await.unwrap(), 0);
    let (_, page) = app.get("/projects/NB-TEST-060").await;
    assert!(
        page.contains("¥365,000.00")
            && page.contains("¥366,000.00")
            && page.contains("¥371,000.00")
    );
    assert!(page.contains("最后报价"));
}
