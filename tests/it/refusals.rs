//! Issue 25, items 2, 3 and 6: a rule refusal is said on the form with what was typed (never as
//! a system error), an error page's title says it is an error, a fault carries a reference the
//! admin finds in the log, and no page names two elements with one id.

use crate::helpers::*;
use crate::registry::REGISTRAR_HAISHU;
use rocket::http::{Header, Status};

async fn exec(app: &TestApp, sql: &'static str) {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query(sql).execute(&mut *c).await.unwrap();
}

/// The `<option>` values of the `<select id="year">` on a page.
fn year_options(body: &str) -> Vec<String> {
    let Some(start) = body.find(r#"<select id="year""#) else {
        return Vec::new();
    };
    let end = body[start..]
        .find("</select>")
        .map_or(body.len(), |e| start + e);
    body[start..end]
        .split(r#"<option value=""#)
        .skip(1)
        .filter_map(|o| o.split('"').next().map(str::to_string))
        .collect()
}

#[rocket::async_test]
async fn the_report_form_offers_only_years_not_yet_filed_and_says_when_the_next_opens() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    // Organization 1 filed 2023, 2024 and 2025 (demo data): nothing is due.
    let (status, body) = app.get("/orgs/1/registry").await;
    assert_eq!(status, Status::Ok);
    assert!(year_options(&body).is_empty(), "{:?}", year_options(&body));
    assert!(body.contains("现在可报送的年度：无"), "{body}");
    assert!(body.contains("2026 年度报告自"), "{body}");
    assert!(
        body.contains("2025 年度（"),
        "the filed years are listed: {body}"
    );
    // With 2025 not filed, it alone is offered (2023 and 2024 stay filed).
    exec(
        &app,
        "DELETE FROM annual_reports WHERE org_id = 1 AND year = 2025",
    )
    .await;
    let (_, body) = app.get("/orgs/1/registry").await;
    let start = body.find("report-file").unwrap_or(0);
    assert_eq!(
        year_options(&body),
        vec!["2025".to_string()],
        "{}",
        &body[start..]
    );
    assert!(!body.contains("现在可报送的年度：无"));
}

#[rocket::async_test]
async fn a_year_already_filed_is_refused_on_the_form_with_its_date_and_the_text_kept() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    // 2024 is still to file, so the form is there; 2025 was filed on 15 April 2026.
    exec(
        &app,
        "DELETE FROM annual_reports WHERE org_id = 1 AND year = 2024",
    )
    .await;
    let before = app
        .scalar("SELECT COUNT(*) FROM annual_reports WHERE org_id = 1")
        .await;
    let r = app
        .post(
            "/orgs/1/annual-reports",
            &[
                ("year", "2025"),
                ("summary", "全年开展社区服务 120 次"),
                ("supervisor_reviewed_on", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::Conflict,
        "a rule's refusal, on the form"
    );
    let body = r.into_string().await.unwrap_or_default();
    assert!(
        body.contains("2025 年度报告已于 2026年4月15日"),
        "the refusal says when it was filed: {body}"
    );
    assert!(body.contains("不能重复报送"));
    assert!(!body.contains("系统出现问题"));
    assert!(
        body.contains("全年开展社区服务 120 次</textarea>"),
        "what was typed is kept"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM annual_reports WHERE org_id = 1")
            .await,
        before,
        "nothing written"
    );
}

#[rocket::async_test]
async fn a_change_application_that_fails_keeps_every_field_typed() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let r = app
        .post(
            "/orgs/1/changes",
            &[
                ("domicile", "海曙区新街 8 号"),
                ("funds", "十万"),
                ("changed_on", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap_or_default();
    assert!(body.contains(r#"value="海曙区新街 8 号""#), "{body}");
    assert!(body.contains(r#"value="十万""#));
    assert!(body.contains(r#"value="2026-11-20""#));
}

#[rocket::async_test]
async fn a_rule_refusal_is_not_titled_a_system_error_and_offers_the_way_back() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR_HAISHU).await;
    let ok = app
        .post(
            "/registry/orgs/1/revoke",
            &[("ground", "fraud"), ("reason", "提交虚假验资报告")],
        )
        .await;
    assert!(
        ok.status() == Status::SeeOther || ok.status() == Status::Ok,
        "{}",
        ok.status()
    );
    let token = app.csrf().await;
    let r = app
        .client
        .post("/registry/orgs/1/revoke")
        .header(rocket::http::ContentType::Form)
        .header(Header::new("Host", "localhost"))
        .header(Header::new("Referer", "http://localhost/registry/orgs/1"))
        .body(encode(&[
            ("_csrf", &token),
            ("_confirmed", "yes"),
            ("ground", "fraud"),
            ("reason", "again"),
        ]))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Conflict);
    let body = r.into_string().await.unwrap_or_default();
    assert!(!body.contains("系统出现问题"), "{body}");
    assert!(body.contains("<title>错误：无法办理"), "{body}");
    assert!(
        // (Tera writes the slashes of an attribute as &#x2F;.)
        body.contains(r#"class="button" href="&#x2F;registry&#x2F;orgs&#x2F;1""#),
        "a way back to the page it came from: {body}"
    );
    // Another site's page is never offered as the way back.
    let token = app.csrf().await;
    let r = app
        .client
        .post("/registry/orgs/1/revoke")
        .header(rocket::http::ContentType::Form)
        .header(Header::new("Host", "localhost"))
        .header(Header::new(
            "Referer",
            "http://evil.example/registry/orgs/1",
        ))
        .body(encode(&[
            ("_csrf", &token),
            ("_confirmed", "yes"),
            ("ground", "fraud"),
            ("reason", "again"),
        ]))
        .dispatch()
        .await;
    let body = r.into_string().await.unwrap_or_default();
    assert!(!body.contains("evil.example"));
    assert!(!body.contains(r#"class="button" href="#));
}

#[rocket::async_test]
async fn an_error_page_s_title_starts_with_error_in_both_languages() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/organizations/999999").await;
    assert_eq!(status, Status::NotFound);
    assert!(body.contains("<title>错误：找不到该页面"), "{body}");
    let r = app
        .client
        .get("/organizations/999999")
        .header(Header::new("Accept-Language", "en"))
        .dispatch()
        .await;
    let body = r.into_string().await.unwrap_or_default();
    assert!(body.contains("<title>Error: Page not found"), "{body}");
}

#[test]
fn a_fault_reference_is_short_readable_and_varies() {
    let a = huoban::platform::error::fault_reference();
    assert_eq!(a.len(), 11, "{a}");
    assert_eq!(&a[6..7], "-");
    assert!(a[..6].chars().all(|c| c.is_ascii_digit()), "{a}");
    // No 0/O, 1/I/L to misread on the telephone.
    assert!(a[7..].chars().all(|c| !"01OIL".contains(c)), "{a}");
    let many: std::collections::HashSet<String> = (0..50)
        .map(|_| huoban::platform::error::fault_reference()[7..].to_string())
        .collect();
    assert!(many.len() > 40, "the tails vary: {}", many.len());
}

/// Every `id="…"` value of a page.
fn ids(body: &str) -> Vec<String> {
    body.split(" id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_string))
        .collect()
}

#[rocket::async_test]
async fn no_id_is_used_twice_on_the_registrar_s_record_page() {
    let app = TestApp::spawn().await;
    for (who, path) in [
        (REGISTRAR_HAISHU, "/registry/orgs/1"),
        (REGISTRAR, "/registry/orgs/3"),
    ] {
        app.login_as(who).await;
        let (status, body) = app.get(path).await;
        assert_eq!(status, Status::Ok, "{path}");
        let all = ids(&body);
        let mut seen = std::collections::HashSet::new();
        let twice: Vec<&String> = all.iter().filter(|i| !seen.insert(*i)).collect();
        assert!(twice.is_empty(), "{path}: {twice:?}");
        assert!(all.iter().any(|i| i == "revoke_reason") || !body.contains("/revoke\""));
        app.logout().await;
    }
    app.login_as(REGISTRAR_HAISHU).await;
    // A missing revocation reason is shown at the revocation's own field.
    let r = app
        .post(
            "/registry/orgs/1/revoke",
            &[("ground", "fraud"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap_or_default();
    assert!(body.contains(r##"href="#revoke_reason""##), "{body}");
    assert!(body.contains(r#"id="revoke_reason-error""#));
    assert!(!body.contains(r#"id="penalty_reason-error""#));
}

#[rocket::async_test]
async fn an_irreversible_action_asks_for_confirmation_first_and_writes_nothing_until_then() {
    let app = TestApp::spawn().await;
    app.login_as(REGISTRAR_HAISHU).await;
    let status = || app.text("SELECT status FROM organizations WHERE id = 1");
    assert_eq!(status().await, "registered");
    let r = app
        .post_unconfirmed(
            "/registry/orgs/1/revoke",
            &[("ground", "fraud"), ("reason", "提交虚假验资报告 <b>")],
        )
        .await;
    assert_eq!(r.status(), Status::Ok, "a question, not an error");
    let body = r.into_string().await.unwrap_or_default();
    assert!(body.contains("<title>请确认：撤销登记"), "{body}");
    assert!(body.contains("此操作不能撤销"));
    assert!(body.contains("登记证书失效"), "the consequence is stated");
    assert!(
        body.contains("提交虚假验资报告 &lt;b&gt;"),
        "the reason is shown once more, escaped"
    );
    assert!(body.contains(r#"name="_confirmed" value="yes""#));
    assert!(body.contains(r#"name="ground" value="fraud""#));
    assert!(body.contains(r#"action="&#x2F;registry&#x2F;orgs&#x2F;1&#x2F;revoke""#));
    assert_eq!(
        status().await,
        "registered",
        "nothing written before the confirmation"
    );
    // Anything but "yes" is no confirmation: the same question again, still nothing written.
    let r = app
        .post_unconfirmed(
            "/registry/orgs/1/revoke",
            &[("ground", "fraud"), ("reason", "x"), ("_confirmed", "true")],
        )
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert!(r
        .into_string()
        .await
        .unwrap_or_default()
        .contains("请确认：撤销登记"));
    assert_eq!(status().await, "registered");
    // The confirmation page's own form, as sent by its button.
    let token = extract_csrf(&body).expect("the confirmation carries the token");
    let r = app
        .post_raw(
            "/registry/orgs/1/revoke",
            &encode(&[
                ("_csrf", &token),
                ("ground", "fraud"),
                ("reason", "提交虚假验资报告 <b>"),
                ("_confirmed", "yes"),
            ]),
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(status().await, "revoked");
}

#[rocket::async_test]
async fn every_action_listed_as_irreversible_is_a_route_of_the_application() {
    let app = TestApp::spawn().await;
    let posts: Vec<String> = app
        .client
        .rocket()
        .routes()
        .filter(|r| r.method == rocket::http::Method::Post)
        .map(|r| r.uri.path().to_string())
        .collect();
    for a in huoban::web::confirm::IRREVERSIBLE {
        assert!(
            posts.iter().any(|p| p == a.route),
            "{} is no route",
            a.route
        );
        for lang in [
            huoban::domain::lang::Lang::ZhCn,
            huoban::domain::lang::Lang::En,
        ] {
            for key in [a.action, a.consequence] {
                let text = huoban::platform::i18n::t(lang, key);
                assert!(
                    !text.is_empty() && text != key,
                    "{key} has no {lang:?} text"
                );
            }
        }
    }
}

#[rocket::async_test]
async fn a_history_is_readable_for_every_entity_a_staff_page_links_to() {
    let app = TestApp::spawn().await;
    // An application with a trail: started and filled in by a person, through the pages.
    app.login_as(NGO_MEMBER).await;
    let id = crate::registry::complete_application(
        &app,
        "宁波市江北区历史可读社会工作服务中心",
        "100000",
        false,
    )
    .await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    let (status, body) = app.get(&format!("/history/application/{id}")).await;
    assert_eq!(status, Status::Ok);
    let rows = body.split("<tbody>").nth(1).unwrap_or_default();
    assert!(rows.contains("<tr>"), "{body}");
    assert!(!rows.contains("{&quot;"), "no raw JSON: {rows}");
    // No epoch milliseconds: every 13-digit run would be one.
    let digits = rows
        .split(|c: char| !c.is_ascii_digit())
        .filter(|d| d.len() >= 12)
        .count();
    assert_eq!(digits, 0, "{rows}");
    assert!(body.contains("申请 "), "the entity is named in words");
    assert!(rows.contains("创建申请"), "actions in words: {rows}");
    // Projects and contracts have their history too (linked from the purchaser's pages).
    app.logout().await;
    app.login_as(PURCHASER).await;
    for (entity, sql) in [
        ("project", "SELECT MIN(id) FROM projects"),
        ("contract", "SELECT COALESCE(MIN(id), 0) FROM contracts"),
    ] {
        let id = app.scalar(sql).await;
        let (status, _) = app.get(&format!("/history/{entity}/{id}")).await;
        assert_eq!(status, Status::Ok, "{entity}");
    }
    let (_, manage) = app.get("/purchase/projects/1").await;
    assert!(
        manage.contains("/history/project/1"),
        "linked from the project"
    );
}

#[test]
fn an_english_count_of_one_is_singular() {
    use huoban::domain::lang::Lang;
    use huoban::platform::i18n::t_args;
    let one = t_args(Lang::En, "tasks-left-days", &[("n", "1".into())]);
    let two = t_args(Lang::En, "tasks-left-days", &[("n", "2".into())]);
    assert_eq!(one, "1 day left");
    assert_eq!(two, "2 days left");
    // A number with a leading zero or sign stays text as typed.
    assert_eq!(
        t_args(Lang::En, "tasks-left-days", &[("n", "01".into())]),
        "01 days left"
    );
}

#[rocket::async_test]
async fn a_refused_panel_draw_keeps_the_size_and_the_representative_ticked() {
    let app = TestApp::spawn().await;
    let (id, bids) =
        crate::review::opened_project(&app, "NB-KEEP-01", ["380000", "385000", "372500"]).await;
    crate::review::qualify(&app, id, &bids).await;
    let purchaser = app
        .scalar_of(&format!(
            "SELECT id FROM users WHERE email = '{}'",
            PURCHASER.0
        ))
        .await
        .to_string();
    // Someone who is not a purchaser of the department: refused, nothing drawn.
    let r = app
        .post(
            &format!("/purchase/projects/{id}/panel"),
            &[
                ("size", "4"),
                ("representative", purchaser.as_str()),
                ("representative", "999999"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap_or_default();
    assert!(
        body.contains(&format!(
            r#"id="rep-{purchaser}" name="representative" value="{purchaser}" checked"#
        )),
        "the representative stays ticked: {body}"
    );
    assert!(body.contains(r#"name="size" type="number" class="short" value="4""#));
    assert_eq!(
        app.scalar_of(&format!("SELECT COUNT(*) FROM panel_members m JOIN panels p ON p.id = m.panel_id WHERE p.project_id = {id}"))
            .await,
        0
    );
}

#[rocket::async_test]
async fn a_sign_up_refused_for_its_password_keeps_the_id_number_typed() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/signup",
            &[
                ("display_name", "王小明"),
                ("email", "keep-id@example.cn"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("id_number", "11010519491231002X"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let body = r.into_string().await.unwrap_or_default();
    assert!(body.contains(r#"value="11010519491231002X""#), "{body}");
    assert!(body.contains(r#"value="keep-id@example.cn""#));
}

#[rocket::async_test]
async fn an_organization_s_admin_reaches_its_registration_record_from_the_dashboard() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let (_, dash) = app.get("/dashboard").await;
    assert!(dash.contains(r#"href="/orgs/1/registry""#), "{dash}");
    assert!(dash.contains("登记事项与年度报告"));
}

/// Issue 25, item 2: announcing during the notice period is said on the round's page, with the
/// day the notice ends and the day announcing opens (409), and nothing is announced.
#[rocket::async_test]
async fn announcing_during_the_notice_says_when_it_ends_on_the_round_page() {
    use crate::evaluation_flow::{round_id, scored_application, switch};
    let app = TestApp::spawn().await;
    let id = scored_application(&app).await;
    let round = round_id(&app).await;
    crate::evaluation_dossier::in_notice(&app, id, round).await;
    let to = app
        .text(&format!(
            "SELECT notice_to FROM eval_rounds WHERE id = {round}"
        ))
        .await;
    switch(&app, EVALUATION).await;
    let r = app
        .post(&format!("/evaluation/rounds/{round}/announce"), &[])
        .await;
    assert_eq!(r.status(), Status::Conflict);
    let body = r.into_string().await.unwrap_or_default();
    assert!(
        !body.contains("系统出现问题") && !body.contains("无法办理"),
        "{body}"
    );
    let day = |iso: &str| {
        let d = huoban::domain::calendar::parse_iso_date(iso).expect("a date");
        huoban::web::filters::date_text(d, "zh-CN")
    };
    let next = huoban::domain::calendar::parse_iso_date(&to)
        .and_then(|d| d.next_day())
        .map(|d| huoban::web::filters::date_text(d, "zh-CN"))
        .expect("the next day");
    assert!(
        body.contains(&format!("公示期至 {} 结束", day(&to))) && body.contains(&next),
        "the rule and when it can be done: {body}"
    );
    assert!(body.contains(r##"<a href="#announce">"##), "in the summary");
    assert!(body.contains(r#"id="announce-error""#));
    assert_eq!(
        app.text(&format!(
            "SELECT status FROM eval_rounds WHERE id = {round}"
        ))
        .await,
        "notice",
        "nothing announced"
    );
    assert_eq!(crate::accessibility::problems(&body), Vec::<String>::new());
}

/// A draft whose deadline the legal minimum has overtaken is refused on its own form, at its
/// deadline, with the earliest lawful one (409); it stays a draft.
#[rocket::async_test]
async fn publishing_a_draft_with_too_short_a_period_says_the_earliest_deadline_at_the_field() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    // Open tender: 20 days. Saved on 28 November with a deadline of 18 December 10:00 (the
    // earliest then), published a day later: 19 December is the earliest.
    let fields =
        crate::procurement::project_fields("NB-SHORT-01", "open_tender", "2026-12-18T10:00");
    let r = app.post("/purchase/projects", &fields).await;
    assert_eq!(r.status(), Status::SeeOther, "saved as a draft");
    let id = app
        .scalar_of("SELECT id FROM projects WHERE number = 'NB-SHORT-01'")
        .await;
    app.clock.set(time::macros::datetime!(2026-11-29 02:00 UTC));
    let r = app
        .post(&format!("/purchase/projects/{id}/publish"), &[])
        .await;
    assert_eq!(r.status(), Status::Conflict);
    let body = r.into_string().await.unwrap_or_default();
    assert!(
        body.contains("截止时间早于法定最短期限，不能发布"),
        "{body}"
    );
    assert!(
        body.contains("2026-12-19 10:00"),
        "the earliest deadline: {body}"
    );
    assert!(body.contains("请把截止时间改到此后并保存，再发布"));
    assert!(body.contains(r#"id="deadline-error""#), "at the deadline");
    assert!(
        body.contains(r#"value="2026-12-18T10:00""#),
        "the draft's values"
    );
    assert_eq!(
        app.text(&format!("SELECT status FROM projects WHERE id = {id}"))
            .await,
        "draft"
    );
    assert_eq!(crate::accessibility::problems(&body), Vec::<String>::new());
}

/// An admin revoking their own admin role is told on their page who may do it (409).
#[rocket::async_test]
async fn revoking_one_s_own_admin_role_is_refused_on_one_s_own_page() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let grant = app
        .scalar_of(&format!(
            "SELECT g.id FROM role_grants g JOIN users u ON u.id = g.user_id \
             WHERE u.email = '{}' AND g.role = 'admin' AND g.revoked_at IS NULL",
            ADMIN.0
        ))
        .await;
    let r = app
        .post(&format!("/admin/grants/{grant}/revoke"), &[])
        .await;
    assert_eq!(r.status(), Status::Conflict);
    let body = r.into_string().await.unwrap_or_default();
    assert!(body.contains("不能撤销自己的系统管理员角色，请由另一位管理员操作"));
    assert!(body.contains(r#"id="grants-error""#) && body.contains(r##"href="#grants""##));
    assert!(!body.contains("无法办理"));
    assert_eq!(
        app.scalar_of(&format!(
            "SELECT COUNT(*) FROM role_grants WHERE id = {grant} AND revoked_at IS NULL"
        ))
        .await,
        1
    );
}

/// A second change application while one is handled is refused on the form with what was
/// typed and where to follow the first (409), and nothing is filed.
#[rocket::async_test]
async fn a_second_change_while_one_is_handled_is_refused_on_the_form_with_the_input() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let fields = [
        ("domicile", "海曙区新街 8 号"),
        ("changed_on", "2026-11-20"),
    ];
    let r = app.post("/orgs/1/changes", &fields).await;
    assert_eq!(r.status(), Status::SeeOther, "the first is filed");
    let count = || app.scalar("SELECT COUNT(*) FROM applications WHERE kind = 'change'");
    let before = count().await;
    let r = app
        .post(
            "/orgs/1/changes",
            &[
                ("domicile", "海曙区新街 10 号"),
                ("changed_on", "2026-11-21"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::Conflict);
    let body = r.into_string().await.unwrap_or_default();
    assert!(body.contains("已有一件变更登记申请正在办理"), "{body}");
    assert!(body.contains("可在“登记申请”中查看其进度"));
    assert!(
        body.contains(r#"value="海曙区新街 10 号""#),
        "what was typed is kept"
    );
    assert!(body.contains(r#"id="change-error""#) && body.contains(r##"href="#change""##));
    assert_eq!(crate::accessibility::problems(&body), Vec::<String>::new());
    assert_eq!(count().await, before, "nothing filed");
}
