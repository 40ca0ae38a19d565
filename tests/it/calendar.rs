//! The working-day calendar as data (issue 19): a year without an official table is provisional
//! from the law (never Monday to Friday only), due dates computed from it say so, and loading
//! the official table recomputes every due date ahead that depended on it — later when the
//! table says so, never earlier than what the parties were told, dates already passed left
//! alone — with the old and new date audited, in the entity's history and mailed.

use crate::helpers::*;
use crate::procurement::CHARITY;
use rocket::http::Status;
use time::macros::datetime;

async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    let mut c = app.db.acquire().await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *c)
        .await
        .unwrap()
}

fn end_of(y: i32, m: u8, d: u8) -> i64 {
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
    huoban::platform::clock::to_ms(huoban::domain::calendar::end_of_day(date))
}

/// Loads a 2027 table as the admin does (signed in afresh): the form, the check page, then the
/// confirmation. The admin stays signed in.
async fn load_2027(app: &TestApp, reference: &str, holidays: &str, working: &str) -> String {
    app.logout().await;
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/calendar/preview",
            &[
                ("year", "2027"),
                ("reference", reference),
                ("holidays", holidays),
                ("adjusted_working_days", working),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::Ok);
    let check = r.into_string().await.unwrap();
    let start = check.find("name=\"table\" value=\"").unwrap() + "name=\"table\" value=\"".len();
    let end = start + check[start..].find('"').unwrap();
    let table = html_unescape(&check[start..end]);
    let r = app.post("/admin/calendar", &[("table", &table)]).await;
    assert_eq!(r.status(), Status::SeeOther, "{check}");
    check
}

/// An opened consultation `number`, and the charity (a bidder) asking about it on Wednesday 30
/// December 2026, 10:00 in Beijing, when 2027 has no official table yet. The project's id.
async fn inquiry_on_30_december(app: &TestApp, number: &str) -> i64 {
    let (id, _) = crate::review::opened_project(app, number, ["380000", "385000", "372500"]).await;
    app.logout().await;
    app.clock.set(datetime!(2026-12-30 02:00 UTC));
    app.login_as(CHARITY).await;
    let r = app
        .post(
            &format!("/projects/{number}/challenges/4"),
            &[
                ("kind", "inquiry"),
                ("target", "process"),
                ("body", "请问评审结果预计何时公布？"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    id
}

#[rocket::async_test]
async fn an_inquiry_filed_on_30_december_is_due_at_the_end_of_5_january_and_follows_the_official_2027_table(
) {
    let app = TestApp::spawn().await;
    let id = inquiry_on_30_december(&app, "NB-CAL-01").await;
    // 3 working days: Thursday 31 December, then 1 January (元旦, by law) is skipped, Monday 4
    // and Tuesday 5 January. Monday-to-Friday counting gave the end of 4 January.
    assert_eq!(
        app.scalar("SELECT due_at FROM challenges ORDER BY id DESC LIMIT 1")
            .await,
        end_of(2027, 1, 5)
    );
    let basis = strings(&app, "SELECT basis FROM deadlines WHERE clock = 'answer'").await;
    let v2026 = app
        .scalar("SELECT id FROM calendar_years WHERE year = 2026")
        .await;
    assert_eq!(basis, vec![format!("2026@{v2026} 2027@p")]);
    // The purchaser is told the date, marked provisional, and sees it so on the award page.
    let mail = strings(
        &app,
        "SELECT body_text FROM mail_outbox WHERE body_text LIKE '%收到询问%' ORDER BY id DESC",
    )
    .await;
    assert!(
        mail[0].contains("2027年1月5日（周二）24:00（暂定"),
        "{}",
        mail[0]
    );
    let (_, page) = app.get("/projects/NB-CAL-01/challenges/4").await;
    assert!(page.contains("2027年1月5日（周二）24:00（暂定"), "{page}");
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (_, page) = app.get(&format!("/purchase/projects/{id}/award")).await;
    assert!(page.contains("2027年1月5日（周二）24:00（暂定"));

    // The official table makes Monday 4 January a holiday (with Saturday 9 January worked):
    // the answer is now due at the end of Wednesday 6 January.
    let check = load_2027(
        &app,
        "国办发明电〔2026〕99号",
        "2027-01-01..2027-01-04\n2027-02-05..2027-02-13",
        "2027-01-09\n2027-02-20",
    )
    .await;
    assert!(check.contains("data-date=\"2027-01-04\""), "the month grid");
    assert!(
        check.contains("2027年1月6日（周三）"),
        "the move is shown before saving"
    );
    assert_eq!(
        app.scalar("SELECT due_at FROM challenges ORDER BY id DESC LIMIT 1")
            .await,
        end_of(2027, 1, 6)
    );
    let v2027 = app
        .scalar("SELECT id FROM calendar_years WHERE year = 2027")
        .await;
    assert_eq!(
        strings(&app, "SELECT basis FROM deadlines WHERE clock = 'answer'").await,
        vec![format!("2026@{v2026} 2027@{v2027}")]
    );
    assert_eq!(
        app.scalar("SELECT provisional FROM deadlines WHERE clock = 'answer'")
            .await,
        0
    );
    let audit = strings(
        &app,
        "SELECT summary FROM audit_log WHERE action = 'deadline.recomputed'",
    )
    .await;
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].contains("\"old\":\"2027-01-05\"") && audit[0].contains("\"new\":\"2027-01-06\"")
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM project_events WHERE kind = 'deadline_moved'")
            .await,
        1
    );
    // The one who asked and the purchaser who answers are both mailed.
    let moved = strings(
        &app,
        "SELECT to_addr FROM mail_outbox WHERE template = 'deadline_moved' ORDER BY to_addr",
    )
    .await;
    assert_eq!(moved, vec![CHARITY.0.to_string(), PURCHASER.0.to_string()]);
    let (_, body) = app.last_mail_to(CHARITY.0).await.unwrap();
    assert!(
        body.contains("原期限：2027年1月5日（周二）")
            && body.contains("新期限：2027年1月6日（周三）")
    );
    assert!(!body.contains("暂定"));
    // Each is sent to the page where they see the clock.
    assert!(
        body.contains("http://huoban.test/projects/NB-CAL-01/challenges/4"),
        "{body}"
    );
    let (_, body) = app.last_mail_to(PURCHASER.0).await.unwrap();
    assert!(
        body.contains(&format!("http://huoban.test/purchase/projects/{id}/award")),
        "{body}"
    );
    // The purchaser finds the open inquiry, with its clock, on the project's own page.
    app.logout().await;
    app.login_as(PURCHASER).await;
    let (_, page) = app.get(&format!("/purchase/projects/{id}")).await;
    assert!(page.contains(&format!("/purchase/projects/{id}/award#challenges")));
    assert!(page.contains("2027年1月6日（周三）24:00"));

    // A replacement that would bring the date forward (Saturday 2 January worked, 4 January
    // not a holiday) keeps the later date the parties were told; the old version stays.
    let check = load_2027(&app, "国办发明电〔2026〕100号", "2027-01-01", "2027-01-02").await;
    assert!(
        check.contains("2027年1月4日（周一）"),
        "the earlier date is shown as kept"
    );
    assert_eq!(
        app.scalar("SELECT due_at FROM challenges ORDER BY id DESC LIMIT 1")
            .await,
        end_of(2027, 1, 6)
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM calendar_years WHERE year = 2027 AND replaced_at IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE template = 'deadline_moved'")
            .await,
        2,
        "nobody is told of a date that did not move"
    );
    let (_, overview) = app.get("/admin/calendar").await;
    assert!(
        overview.contains("国办发明电〔2026〕99号") && overview.contains("国办发明电〔2026〕100号")
    );

    // Once a date has passed, a new table leaves it alone.
    app.clock.set(datetime!(2027-01-07 02:00 UTC));
    load_2027(
        &app,
        "国办发明电〔2026〕101号",
        "2027-01-01..2027-01-06",
        "",
    )
    .await;
    assert_eq!(
        app.scalar("SELECT due_at FROM challenges ORDER BY id DESC LIMIT 1")
            .await,
        end_of(2027, 1, 6)
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'deadline.recomputed'")
            .await,
        1
    );
}

#[rocket::async_test]
async fn a_registration_received_before_new_year_is_accepted_by_a_provisional_day_until_the_table_moves_it(
) {
    let app = TestApp::spawn().await;
    // Tuesday 29 December 2026: 5 working days are 30, 31 December, 4, 5 and 6 January.
    app.clock.set(datetime!(2026-12-29 02:00 UTC));
    app.login_as(NGO_ADMIN).await;
    let id =
        crate::registry::complete_application(&app, "宁波市江北区跨年测试服务中心", "50000", false)
            .await;
    crate::registry::ok_post(&app, &format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(
        crate::registry::field(&app, id, "accept_by")
            .await
            .as_deref(),
        Some("2027-01-06")
    );
    let (_, page) = app.get(&format!("/applications/{id}")).await;
    assert!(page.contains("2027年1月6日（周三）24:00（暂定"), "{page}");
    load_2027(
        &app,
        "国办发明电〔2026〕99号",
        "2027-01-01..2027-01-04",
        "2027-01-09",
    )
    .await;
    // Monday 4 January is a holiday now: the fifth working day is Thursday 7 January.
    assert_eq!(
        crate::registry::field(&app, id, "accept_by")
            .await
            .as_deref(),
        Some("2027-01-07")
    );
    let (_, body) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(
        body.contains("登记申请受理期限") && body.contains("2027年1月7日（周四）"),
        "{body}"
    );
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let (_, page) = app.get(&format!("/applications/{id}")).await;
    assert!(page.contains("2027年1月7日（周四）24:00") && !page.contains("暂定"));
    assert!(
        page.contains("期限按新的节假日安排重新计算：2027-01-06 → 2027-01-07"),
        "the history"
    );
}

#[rocket::async_test]
async fn a_malformed_table_is_refused_with_a_message_naming_the_date_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    app.login_as(ADMIN).await;
    let before = app.scalar("SELECT COUNT(*) FROM calendar_years").await;
    let refused = [
        (
            "2027-01-01",
            "2027-01-06",
            "调休上班日 2027-01-06 不是星期六或星期日",
        ),
        (
            "2027-01-01\n2028-01-01",
            "",
            "日期 2028-01-01 不在所填年度内",
        ),
        ("2027-01-01", "2026-12-26", "日期 2026-12-26 不在所填年度内"),
        (
            "2027-01-01",
            "2027-01-01",
            "日期 2027-01-01 不能既是放假日又是调休上班日",
        ),
        ("2027-02-30", "", "“2027-02-30”不是有效日期"),
    ];
    for (holidays, working, message) in refused {
        let r = app
            .post(
                "/admin/calendar/preview",
                &[
                    ("year", "2027"),
                    ("reference", "国办发明电〔2026〕99号"),
                    ("holidays", holidays),
                    ("adjusted_working_days", working),
                ],
            )
            .await;
        assert_eq!(r.status(), Status::UnprocessableEntity);
        let body = r.into_string().await.unwrap();
        assert!(body.contains(message), "{message}: {body}");
        assert!(body.contains("error-summary"));
        assert!(
            body.contains(holidays.lines().next().unwrap()),
            "the values are kept"
        );
    }
    // Saturday and Sunday are accepted as adjusted working days (checked, not stored).
    let r = app
        .post(
            "/admin/calendar/preview",
            &[
                ("year", "2027"),
                ("reference", "国办发明电〔2026〕99号"),
                ("holidays", "2027-01-01"),
                ("adjusted_working_days", "2027-01-09\n2027-01-10"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::Ok);
    // A tampered confirmation is checked again.
    let r = app
        .post(
            "/admin/calendar",
            &[(
                "table",
                "year = 2027\nsource = \"x\"\nholidays = [\"2027-01-01\"]\nadjusted_working_days = [\"2027-01-06\"]",
            )],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().await.unwrap().contains("2027-01-06"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM calendar_years").await,
        before
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.loaded'")
            .await,
        1,
        "only the built-in tables, at first start"
    );
    // A provisional year is shown from the law, with its statutory days.
    let (s, page) = app.get("/admin/calendar/2027").await;
    assert_eq!(s, Status::Ok);
    assert!(
        page.contains("暂定") && page.contains("2027年2月5日（周五）") && page.contains("春节")
    );
    // Its "load" link opens the form on that year.
    assert!(page.contains("href=\"/admin/calendar?year=2027#load\""));
    let (_, form) = app.get("/admin/calendar?year=2028").await;
    assert!(
        form.contains("name=\"year\" type=\"number\" value=\"2028\""),
        "{form}"
    );
    let (s, _) = app.get("/admin/calendar/1999").await;
    assert_eq!(s, Status::NotFound);
}

#[rocket::async_test]
async fn calendar_day_periods_show_their_weekday_and_roll_off_a_holiday_only_when_set() {
    let app = TestApp::spawn().await;
    // Accepted on Friday 4 December 2026 (clock set), 60 calendar days end on Tuesday 2
    // February 2027; 58 days end on Sunday 31 January, which rolls to Monday 1 February.
    app.clock.set(datetime!(2026-12-04 02:00 UTC));
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "registry.decision_days"),
                ("value", "58"),
                ("reason", "测试"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let plain =
        crate::registry::complete_application(&app, "宁波市江北区日历一服务中心", "50000", false)
            .await;
    crate::registry::ok_post(&app, &format!("/applications/{plain}/submit"), &[]).await;
    let rolled =
        crate::registry::complete_application(&app, "宁波市江北区日历二服务中心", "50000", false)
            .await;
    crate::registry::ok_post(&app, &format!("/applications/{rolled}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    crate::registry::ok_post(&app, &format!("/registry/applications/{plain}/accept"), &[]).await;
    app.logout().await;
    app.login_as(ADMIN).await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("key", "calendar.roll.registry_decision"),
                ("value", "true"),
                ("reason", "测试"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    app.logout().await;
    app.login_as(REGISTRAR).await;
    crate::registry::ok_post(
        &app,
        &format!("/registry/applications/{rolled}/accept"),
        &[],
    )
    .await;
    assert_eq!(
        crate::registry::field(&app, plain, "decision_due")
            .await
            .as_deref(),
        Some("2027-01-31")
    );
    assert_eq!(
        crate::registry::field(&app, rolled, "decision_due")
            .await
            .as_deref(),
        Some("2027-02-01")
    );
    assert_eq!(
        crate::registry::field(&app, rolled, "decision_day_kind")
            .await
            .as_deref(),
        Some("calendar_roll")
    );
    // The rolled day depends on the 2027 table: provisional until it is loaded.
    let (_, page) = app.get(&format!("/registry/applications/{rolled}")).await;
    assert!(page.contains("2027年2月1日（周一）24:00（暂定"), "{page}");
    let (_, page) = app.get(&format!("/registry/applications/{plain}")).await;
    // A calendar-day period is not provisional: no table moves it.
    assert!(
        page.contains("2027年1月31日（周日）24:00") && !page.contains("暂定"),
        "{page}"
    );
    // Only the rolled one depends on the calendar.
    let v2026 = app
        .scalar("SELECT id FROM calendar_years WHERE year = 2026")
        .await;
    assert_eq!(
        strings(
            &app,
            "SELECT basis FROM deadlines WHERE clock = 'decision' ORDER BY entity_id"
        )
        .await,
        vec![String::new(), format!("2026@{v2026} 2027@p")]
    );
}

#[rocket::async_test]
async fn a_due_date_stored_before_the_register_counted_monday_to_friday_is_caught_up_once() {
    let app = TestApp::spawn().await;
    inquiry_on_30_december(&app, "NB-CAL-02").await;
    // As an earlier version stored it: Monday to Friday (the end of 4 January), unregistered.
    {
        let mut c = app.db.acquire().await.unwrap();
        // Only this inquiry's clock (the demo's complaint keeps its own).
        sqlx::query("DELETE FROM deadlines WHERE clock = 'answer'")
            .execute(&mut *c)
            .await
            .unwrap();
        sqlx::query(
            "UPDATE challenges SET due_at = $1 WHERE id = (SELECT MAX(id) FROM challenges)",
        )
        .bind(end_of(2027, 1, 4))
        .execute(&mut *c)
        .await
        .unwrap();
    }
    let jobs = app.jobs();
    let loader = huoban::platform::calendars::Loader {
        db: &jobs.db,
        calendars: &jobs.calendars,
        clock: &jobs.clock,
        auditor: &jobs.auditor,
        mailer: &jobs.mailer,
    };
    assert_eq!(loader.catch_up().await.unwrap(), 1);
    assert_eq!(
        app.scalar("SELECT due_at FROM challenges ORDER BY id DESC LIMIT 1")
            .await,
        end_of(2027, 1, 5)
    );
    assert_eq!(
        app.scalar("SELECT provisional FROM deadlines WHERE clock = 'answer'")
            .await,
        1
    );
    let (_, body) = app.last_mail_to(CHARITY.0).await.unwrap();
    assert!(
        body.contains("不只按周一至周五计算")
            && body.contains("新期限：2027年1月5日（周二）（仍为暂定"),
        "{body}"
    );
    // Once in line, nothing more happens.
    assert_eq!(loader.catch_up().await.unwrap(), 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE template = 'deadline_moved'")
            .await,
        2
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'deadlines.caught_up'")
            .await,
        1
    );
}

#[rocket::async_test]
async fn the_award_notice_and_the_contract_filing_follow_each_table_loaded_and_bidders_are_told() {
    let app = TestApp::spawn().await;
    let (id, _) = crate::review::scored_tender(&app, "NB-CAL-04").await;
    // Confirmed on Thursday 31 December: one working day of notice, provisionally Monday 4
    // January (元旦 by law).
    app.clock.set(datetime!(2026-12-31 02:00 UTC));
    let r = app
        .post(&format!("/purchase/projects/{id}/award/confirm"), &[])
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        app.scalar("SELECT notice_end_at FROM awards").await,
        end_of(2027, 1, 4)
    );
    let (_, notice) = app.get("/projects/NB-CAL-04/award").await;
    assert!(
        notice.contains("2027年1月4日（周一）24:00（暂定"),
        "{notice}"
    );
    load_2027(
        &app,
        "国办发明电〔2026〕99号",
        "2027-01-01..2027-01-04",
        "2027-01-09",
    )
    .await;
    assert_eq!(
        app.scalar("SELECT notice_end_at FROM awards").await,
        end_of(2027, 1, 5)
    );
    // The bidders (whose window to challenge the result opens then) are told, at the notice.
    let (_, body) = app.last_mail_to(NGO_ADMIN.0).await.unwrap();
    assert!(
        body.contains("中标（成交）结果公告期") && body.contains("/projects/NB-CAL-04/award"),
        "{body}"
    );
    assert!(app
        .last_mail_to(CHARITY.0)
        .await
        .unwrap()
        .1
        .contains("2027年1月5日（周二）"));
    // Signed on Wednesday 6 January: 7 working days to file, to Thursday 14 January (the 9th
    // is a Saturday worked).
    app.logout().await;
    app.login_as(PURCHASER).await;
    app.clock.set(datetime!(2027-01-06 02:00 UTC));
    let winner = app
        .scalar("SELECT id FROM award_winners WHERE status = 'winner'")
        .await
        .to_string();
    let r = app
        .post(
            &format!("/purchase/projects/{id}/contracts"),
            &[
                ("winner", winner.as_str()),
                ("starts_on", "2027-01-15"),
                ("ends_on", "2027-12-31"),
                ("mode", "percent"),
                ("value[0]", "100"),
                ("condition[0]", "signing"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        Status::SeeOther,
        "{}",
        r.into_string().await.unwrap_or_default()
    );
    assert_eq!(
        app.scalar("SELECT filing_due_at FROM contracts").await,
        end_of(2027, 1, 14)
    );
    // A replacement table adds a holiday on Tuesday 12 January: filing is due on the 15th.
    load_2027(
        &app,
        "国办发明电〔2026〕100号",
        "2027-01-01..2027-01-04\n2027-01-12",
        "2027-01-09",
    )
    .await;
    assert_eq!(
        app.scalar("SELECT filing_due_at FROM contracts").await,
        end_of(2027, 1, 15)
    );
    let (_, body) = app.last_mail_to(PURCHASER.0).await.unwrap();
    assert!(
        body.contains("合同备案期限") && body.contains("2027年1月15日（周五）"),
        "{body}"
    );
    // The notice that has ended is left as it was.
    assert_eq!(
        app.scalar("SELECT notice_end_at FROM awards").await,
        end_of(2027, 1, 5)
    );
}

#[rocket::async_test]
async fn another_process_follows_a_table_loaded_elsewhere_on_its_pages_and_in_the_due_dates_it_stores(
) {
    let app = TestApp::spawn().await;
    inquiry_on_30_december(&app, "NB-CAL-03").await;
    let other = app.second_instance().await;
    other.login_as(CHARITY).await;
    let (_, page) = other.get("/projects/NB-CAL-03/challenges/4").await;
    assert!(page.contains("2027年1月5日（周二）24:00（暂定"));
    load_2027(
        &app,
        "国办发明电〔2026〕99号",
        "2027-01-01..2027-01-04",
        "2027-01-09",
    )
    .await;
    // The other process's page shows the moved date as final.
    let (_, page) = other.get("/projects/NB-CAL-03/challenges/4").await;
    assert!(
        page.contains("2027年1月6日（周三）24:00") && !page.contains("暂定"),
        "{page}"
    );
    // And a due date it stores now is computed from the loaded table.
    let r = other
        .post(
            "/projects/NB-CAL-03/challenges/4",
            &[
                ("kind", "inquiry"),
                ("target", "process"),
                ("body", "请问是否需要补充提交服务方案？"),
            ],
        )
        .await;
    assert_eq!(r.status(), Status::SeeOther);
    let v2026 = app
        .scalar("SELECT id FROM calendar_years WHERE year = 2026")
        .await;
    let v2027 = app
        .scalar("SELECT id FROM calendar_years WHERE year = 2027")
        .await;
    assert_eq!(
        strings(
            &app,
            "SELECT basis FROM deadlines WHERE clock = 'answer' ORDER BY entity_id"
        )
        .await,
        vec![format!("2026@{v2026} 2027@{v2027}"); 2]
    );
    assert_eq!(
        app.scalar("SELECT MAX(due_at) FROM challenges").await,
        end_of(2027, 1, 6)
    );
}

#[rocket::async_test]
async fn the_clocks_waiting_on_a_person_are_listed_on_their_dashboard_soonest_first() {
    let app = TestApp::spawn().await;
    let id = inquiry_on_30_december(&app, "NB-CAL-05").await;
    // The applicant's registration, received the same day by the city bureau.
    app.logout().await;
    app.login_as(NGO_ADMIN).await;
    let appl =
        crate::registry::complete_application(&app, "宁波市江北区待办测试服务中心", "50000", false)
            .await;
    crate::registry::ok_post(&app, &format!("/applications/{appl}/submit"), &[]).await;
    app.logout().await;
    // The purchaser: the inquiry's 3 working days (31 Dec, 4 and 5 Jan), provisional.
    app.login_as(PURCHASER).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    // Dated work first, then work with no due date of its own (the opened rounds to review).
    let clock = dash
        .find("询问、质疑答复期限")
        .expect("the inquiry's clock");
    let undated = dash
        .find("开标后：资格审查和符合性审查")
        .expect("the review");
    assert!(clock < undated, "{dash}");
    assert!(dash.contains(&format!(
        "href=\"/purchase/projects/{id}/award#challenges\""
    )));
    assert!(dash.contains("询问、质疑答复期限") && dash.contains("还剩 3 个工作日"));
    assert!(dash.contains("2027年1月5日（周二）24:00（暂定"));
    app.logout().await;
    // The city registrar: the application to accept, by 7 January (30, 31 Dec, 4, 5, 6 Jan
    // counted from the 30th); the Haishu registrar has nothing.
    app.login_as(REGISTRAR).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        dash.contains(&format!("href=\"/registry/applications/{appl}\"")),
        "{dash}"
    );
    assert!(dash.contains("登记申请受理期限") && dash.contains("还剩 5 个工作日"));
    // The registrar's card leads to the queue itself, not a promise.
    assert!(dash.contains("href=\"/registry\"") && !dash.contains("将在此"));
    app.logout().await;
    app.login_as(crate::registry::REGISTRAR_HAISHU).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(
        !dash.contains("登记申请受理期限")
            && !dash.contains(&format!("/registry/applications/{appl}")),
        "not the city bureau's application: {dash}"
    );
    app.logout().await;
    // Past its day the inquiry is overdue, and first.
    app.clock.set(datetime!(2027-01-06 02:00 UTC));
    app.login_as(PURCHASER).await;
    let dash = html_unescape(&app.get("/dashboard").await.1);
    assert!(dash.contains("已逾期 1 个工作日"), "{dash}");
}
