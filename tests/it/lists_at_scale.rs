//! Lists read through an index and stopped at what is shown (issue 26 item 2): a unit's
//! project list (`/purchase`) merged from one index range per department and agency, and the
//! directory's grade filter started from the grades. Each is checked against the same answer
//! worked out here from all the rows.

use crate::helpers::*;
use huoban::db::projects::{self, Worked};
use huoban::db::search::{self, Filters};
use rocket::http::Status;
use sqlx::{Column, Row};

/// A copy of a project: (number, department, agency, notice, creation, status).
type Planned<'a> = (&'a str, i64, Option<i64>, Option<i64>, i64, &'a str);

/// A copy of project `from` with a new number, unit, dates and status.
async fn copy_project(app: &TestApp, from: i64, planned: Planned<'_>) {
    let (number, department, agency, notice_at, created_at, status) = planned;
    let mut c = app.db.acquire().await.expect("conn");
    let row = sqlx::query("SELECT * FROM projects WHERE id = $1")
        .bind(from)
        .fetch_one(&mut *c)
        .await
        .expect("a project to copy");
    let cols: Vec<String> = row
        .columns()
        .iter()
        .map(|k| k.name().to_string())
        .filter(|k| k != "id")
        .collect();
    let values: Vec<String> = cols
        .iter()
        .map(|k| match k.as_str() {
            "number" => format!("'{number}'"),
            "department_id" => department.to_string(),
            "agency_id" => agency.map_or("NULL".into(), |a| a.to_string()),
            "notice_at" => notice_at.map_or("NULL".into(), |a| a.to_string()),
            "created_at" => created_at.to_string(),
            "status" => format!("'{status}'"),
            "intention_id" => "NULL".into(),
            other => other.to_string(),
        })
        .collect();
    let sql = format!(
        "INSERT INTO projects ({}) SELECT {} FROM projects WHERE id = {from}",
        cols.join(", "),
        values.join(", ")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *c)
        .await
        .expect("copy");
}

#[rocket::async_test]
async fn a_unit_s_project_list_is_newest_first_across_its_department_and_agency_each_once() {
    let app = TestApp::spawn().await;
    let from = app.scalar("SELECT MIN(id) FROM projects").await;
    let dept = app.scalar("SELECT MIN(id) FROM departments").await;
    let other = app
        .scalar_of(&format!(
            "SELECT MIN(id) FROM departments WHERE id <> {dept}"
        ))
        .await;
    let agency = app.scalar("SELECT MIN(id) FROM agencies").await;
    assert!(other > 0 && agency > 0, "two departments and an agency");
    // Ties on the sort key (the same notice time) are broken by id, newest first; a project
    // without a notice sorts by its creation; a cancelled one is listed, a status not asked
    // for is not; one of the department's own projects is also entrusted to the agency.
    let plan: Vec<Planned> = vec![
        ("LS-01", dept, None, Some(5_000), 1_000, "published"),
        ("LS-02", dept, None, None, 7_000, "draft"),
        ("LS-03", other, Some(agency), Some(6_000), 1_000, "opened"),
        ("LS-04", other, None, Some(9_000), 1_000, "published"),
        ("LS-05", dept, Some(agency), Some(8_000), 1_000, "cancelled"),
        ("LS-06", dept, None, Some(8_000), 1_000, "awarded"),
        (
            "LS-07",
            other,
            Some(agency),
            Some(8_000),
            1_000,
            "contracted",
        ),
        ("LS-08", dept, None, Some(9_500), 1_000, "failed"),
        ("LS-09", other, Some(agency), None, 3_000, "draft"),
    ];
    for planned in &plan {
        copy_project(&app, from, *planned).await;
    }
    let statuses = [
        "draft",
        "published",
        "opened",
        "awarded",
        "contracted",
        "cancelled",
    ];
    let mut c = app.db.acquire().await.expect("conn");
    let all = projects::list(&mut c, &statuses, None, None, 10_000)
        .await
        .expect("all");
    let mine = |p: &&projects::Project| p.department_id == dept || p.agency_id == Some(agency);
    let expected: Vec<String> = all.iter().filter(mine).map(|p| p.number.clone()).collect();
    // The unfiltered list is itself newest first by (notice or creation, id).
    let key = |p: &projects::Project| (p.notice_at.unwrap_or(p.created_at), p.id);
    assert!(all.windows(2).all(|w| key(&w[0]) > key(&w[1])));
    for limit in [1, 2, 3, 5, 100] {
        let got: Vec<String> = projects::list(
            &mut c,
            &statuses,
            Some(Worked {
                departments: &[dept],
                agencies: &[agency],
            }),
            None,
            limit,
        )
        .await
        .expect("the unit's list")
        .into_iter()
        .map(|p| p.number)
        .collect();
        let want: Vec<String> = expected.iter().take(limit as usize).cloned().collect();
        assert_eq!(got, want, "limit {limit}");
    }
    let got: Vec<String> = projects::list(
        &mut c,
        &statuses,
        Some(Worked {
            departments: &[dept],
            agencies: &[agency],
        }),
        None,
        100,
    )
    .await
    .expect("list")
    .into_iter()
    .map(|p| p.number)
    .filter(|n| n.starts_with("LS-"))
    .collect();
    assert_eq!(
        got,
        ["LS-07", "LS-06", "LS-05", "LS-02", "LS-03", "LS-01", "LS-09"],
        "ties at 8,000 newest id first; LS-02 by its creation; LS-04 is another department's; \
         LS-08 is failed (not asked for); LS-05 (the department's and the agency's) once"
    );
    // Page by page (`/purchase?after=`), each page starting after the last one's key: the
    // same projects in the same order, each once, whatever the page size; the unfiltered list
    // too.
    for size in [1, 2, 3, 7] {
        for unit in [true, false] {
            let worked = Worked {
                departments: &[dept],
                agencies: &[agency],
            };
            let mut paged: Vec<String> = Vec::new();
            let mut before = None;
            loop {
                let page = projects::list(&mut c, &statuses, unit.then_some(worked), before, size)
                    .await
                    .expect("a page");
                assert!(page.len() <= size as usize);
                paged.extend(page.iter().map(|p| p.number.clone()));
                match page.last() {
                    Some(p) if page.len() == size as usize => before = Some(projects::list_key(p)),
                    _ => break,
                }
            }
            let want: Vec<String> = if unit {
                expected.clone()
            } else {
                all.iter().map(|p| p.number.clone()).collect()
            };
            assert_eq!(paged, want, "pages of {size}, unit {unit}");
        }
    }
    let none = projects::list(
        &mut c,
        &statuses,
        Some(Worked {
            departments: &[],
            agencies: &[],
        }),
        None,
        100,
    )
    .await
    .expect("no unit");
    assert!(none.is_empty());
}

#[rocket::async_test]
async fn the_grade_filter_pages_graded_organizations_by_id_each_once_with_an_exact_count() {
    let app = TestApp::spawn_city().await;
    let day = "2026-11-28";
    // A second, overlapping 4A row for one organization (re-announced), an expired 4A and an
    // ended 4A: the first is counted once, the others not at all.
    let twice = app
        .scalar("SELECT MIN(org_id) FROM org_grades WHERE grade = '4a'")
        .await;
    assert!(twice > 0, "the city has 4A organizations");
    let mut c = app.db.acquire().await.expect("conn");
    let extra = [
        (twice, "2026-01-01", "2029-12-31", None),
        (1, "2020-01-01", "2026-11-27", None),
        (2, "2026-01-01", "2029-12-31", Some("2026-11-28")),
        (3, "2026-11-28", "2026-11-28", None),
    ];
    for (org, from, to, ended) in extra {
        sqlx::query(
            "INSERT INTO org_grades (org_id, grade, announced_on, valid_from, valid_to, ended_on, created_at) \
             VALUES ($1, '4a', $2, $2, $3, $4, 0)",
        )
        .bind(org)
        .bind(from)
        .bind(to)
        .bind(ended)
        .execute(&mut *c)
        .await
        .expect("grade");
    }
    // Worked out from every row: organizations with a 4A in force on the day, by id.
    let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT org_id, valid_from, valid_to, ended_on FROM org_grades WHERE grade = '4a'",
    )
    .fetch_all(&mut *c)
    .await
    .expect("grades");
    let mut want: Vec<i64> = rows
        .iter()
        .filter(|(_, f, t, e)| {
            f.as_str() <= day && t.as_str() >= day && e.as_deref().is_none_or(|e| e > day)
        })
        .map(|(o, ..)| *o)
        .collect();
    want.sort_unstable();
    want.dedup();
    assert!(want.contains(&twice) && want.contains(&3), "{want:?}");
    assert!(!want.contains(&2), "an ended grade is not in force");
    assert!(want.len() > 4, "several 4A organizations: {want:?}");
    let filters = Filters::default();
    let mut seen = Vec::new();
    for offset in (0..want.len() as i64 + 3).step_by(3) {
        let page = search::search_graded(&mut c, "", &filters, "4a", day, offset, 3)
            .await
            .expect("page");
        assert_eq!(page.count, want.len() as i64, "exact count");
        seen.extend(page.hits.iter().map(|h| h.id.0));
    }
    assert_eq!(seen, want, "every graded organization once, by id");
    // With a name: only those whose name holds it.
    let name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(twice)
        .fetch_one(&mut *c)
        .await
        .expect("name");
    let word: String = name.chars().take(4).collect();
    let page = search::search_graded(&mut c, &word, &filters, "4a", day, 0, 50)
        .await
        .expect("named");
    assert!(page.hits.iter().any(|h| h.id.0 == twice));
    assert!(page.hits.iter().all(|h| h.name.contains(&word)));
    assert_eq!(page.count, page.hits.len() as i64);
}

/// `/purchase` lists 50 projects a page, newest first, with a link to the older ones and back
/// to the newest; a key that is not one is refused, not taken for the first page.
#[rocket::async_test]
async fn the_purchaser_s_list_pages_through_every_project_once() {
    let app = TestApp::spawn().await;
    app.login_as(PURCHASER).await;
    let email = PURCHASER.0;
    let dept = app
        .scalar_of(&format!(
            "SELECT MIN(g.department_id) FROM role_grants g JOIN users u ON u.id = g.user_id \
             WHERE u.email = '{email}' AND g.department_id IS NOT NULL"
        ))
        .await;
    let from = app
        .scalar_of(&format!(
            "SELECT MIN(id) FROM projects WHERE department_id = {dept}"
        ))
        .await;
    for n in 0..60 {
        let number = format!("PG-{n:02}");
        copy_project(
            &app,
            from,
            (&number, dept, None, Some(1_000 + n), 1_000, "published"),
        )
        .await;
    }
    let listed = |body: &str| -> Vec<String> {
        body.split("\">PG-")
            .skip(1)
            .map(|s| format!("PG-{}", &s[..2]))
            .collect()
    };
    let (s, first) = app.get("/purchase").await;
    assert_eq!(s, Status::Ok);
    assert_eq!(first.matches("<a href=\"/purchase/projects/").count(), 50);
    assert!(!first.contains("回到第一页"));
    let next = first
        .split("href=\"/purchase?after=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link to the older projects")
        .to_string();
    let (s, second) = app.get(&format!("/purchase?after={next}")).await;
    assert_eq!(s, Status::Ok);
    assert!(second.contains("href=\"/purchase\""), "back to the newest");
    let total = app
        .scalar_of(&format!(
            "SELECT COUNT(*) FROM projects WHERE department_id = {dept} OR agency_id IN \
             (SELECT g.agency_id FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.email = '{email}')"
        ))
        .await;
    let mut seen = listed(&first);
    seen.extend(listed(&second));
    let mut page = second;
    let mut rows = 50 + page.matches("<a href=\"/purchase/projects/").count() as i64;
    while let Some(n) = page
        .split("href=\"/purchase?after=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(str::to_string)
    {
        page = app.get(&format!("/purchase?after={n}")).await.1;
        rows += page.matches("<a href=\"/purchase/projects/").count() as i64;
        seen.extend(listed(&page));
    }
    assert_eq!(rows, total, "every project once");
    let want: Vec<String> = (0..60).rev().map(|n| format!("PG-{n:02}")).collect();
    assert_eq!(seen, want, "newest first, each once");
    for bad in ["x", "12", "12-x", "-", "9223372036854775808-1"] {
        let (s, _) = app.get(&format!("/purchase?after={bad}")).await;
        assert_eq!(s, Status::BadRequest, "{bad}");
    }
}

/// A person's work list shows at most `CAP` rows of a kind (issue 26: a department's 50,000
/// contracts to accept were read and sorted on every page's count): at the cap every row and no
/// note; one past it the same rows, a row saying there are more with a link to the full list,
/// and the navigation's number as a floor ("+").
#[rocket::async_test]
async fn a_kind_of_work_lists_its_first_hundred_and_says_there_are_more() {
    let app = TestApp::spawn().await;
    let cap = i64::try_from(huoban::deadlines::store::queue::CAP).expect("cap");
    let dept = app
        .scalar(
            "SELECT g.department_id FROM role_grants g JOIN users u ON u.id = g.user_id \
             WHERE u.email = 'purchaser@demo.huoban.cn' AND g.role = 'purchaser' \
             AND g.revoked_at IS NULL ORDER BY g.id LIMIT 1",
        )
        .await;
    let drafts = app
        .scalar_of(&format!(
            "SELECT COUNT(*) FROM projects WHERE department_id = {dept} AND status = 'draft'"
        ))
        .await;
    assert!(drafts < cap, "{drafts} drafts already");
    let from = app.scalar("SELECT MIN(id) FROM projects").await;
    for i in drafts..cap {
        let number = format!("CAP-{i:03}");
        copy_project(&app, from, (&number, dept, None, None, 1_000 + i, "draft")).await;
    }
    // (items, "more" rows, the navigation's number ends with "+")
    let read = |page: String| {
        let page = html_unescape(&page);
        let items = page
            .matches("<td>采购项目草稿待发布</td><td><a href=")
            .count();
        let more = page
            .matches("<tr class=\"more-row\"><td>采购项目草稿待发布</td>")
            .count();
        let floor = page
            .split("class=\"nav-count\">")
            .nth(1)
            .is_some_and(|n| n.split('<').next().is_some_and(|n| n.ends_with('+')));
        (items, more, floor)
    };
    app.login_as(PURCHASER).await;
    let (s, page) = app.get("/dashboard").await;
    assert_eq!(s, Status::Ok);
    assert_eq!(read(page), (100, 0, false), "at the cap");
    app.logout().await;

    copy_project(&app, from, ("CAP-XTRA", dept, None, None, 999, "draft")).await;
    app.login_as(PURCHASER).await;
    let (_, page) = app.get("/dashboard").await;
    assert!(
        html_unescape(&page).contains("<a href=\"/purchase\">查看全部</a>"),
        "the full list is linked"
    );
    assert_eq!(read(page), (100, 1, true), "one past the cap");
    // The one left out is the newest (the list is the oldest drafts, by id).
    let (_, page) = app.get("/dashboard").await;
    assert!(!page.contains("CAP-XTRA"));
}

/// The administrator's account list (issue 26: every account, each with a query for its roles,
/// on one page): 50 a page by id, every account once across the pages, each with its roles;
/// a search by address or name, case-insensitive, where `%` and `_` are only characters.
#[rocket::async_test]
async fn the_administrator_s_account_list_pages_and_searches() {
    let app = TestApp::spawn().await;
    let person = app.scalar("SELECT MIN(person_id) FROM users").await;
    let mut c = app.db.acquire().await.expect("conn");
    for i in 0..120 {
        let (email, name) = if i == 0 {
            ("percent@example.cn".to_string(), "百分之%".to_string())
        } else {
            (
                format!("pager-{i:03}@example.cn"),
                format!("分页用户{i:03}"),
            )
        };
        sqlx::query(
            "INSERT INTO users (person_id, email, display_name, preferred_lang, password_hash, \
             session_epoch, created_at) VALUES ($1, $2, $3, 'zh-CN', 'x', 0, 0)",
        )
        .bind(person)
        .bind(email)
        .bind(name)
        .execute(&mut *c)
        .await
        .expect("user");
    }
    drop(c);
    let all: Vec<i64> = {
        let mut c = app.db.acquire().await.expect("conn");
        sqlx::query_scalar("SELECT id FROM users ORDER BY id")
            .fetch_all(&mut *c)
            .await
            .expect("ids")
    };
    let ids = |page: &str| -> Vec<i64> {
        page.split("<a href=\"/admin/users/")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse().ok())
            .collect()
    };
    let next = |page: &str| -> Option<String> {
        let page = html_unescape(page);
        let tail = page.split("rel=\"next\"").next()?;
        let href = tail.rsplit("href=\"").next()?;
        page.contains("rel=\"next\"")
            .then(|| href.split('"').next().unwrap_or_default().to_string())
    };
    app.login_as(ADMIN).await;
    let (s, first) = app.get("/admin/users").await;
    assert_eq!(s, Status::Ok);
    assert_eq!(ids(&first).len(), 50);
    assert!(first.contains("采购人"), "roles are shown");
    let mut seen = ids(&first);
    let mut at = next(&first);
    while let Some(href) = at {
        let (s, page) = app.get(&href).await;
        assert_eq!(s, Status::Ok, "{href}");
        let got = ids(&page);
        assert!(got.len() <= 50 && !got.is_empty(), "{href}");
        seen.extend(got);
        at = next(&page);
    }
    assert_eq!(seen, all, "every account once, in id order");
    // The search, case-insensitive: pager-110 … pager-119.
    let (_, page) = app.get("/admin/users?q=PAGER-11").await;
    assert_eq!(ids(&page).len(), 10);
    assert!(next(&page).is_none());
    // By name, paged with the query kept: 分页用户001 … 119 are 119 rows.
    let (_, page) = app.get("/admin/users?q=%E5%88%86%E9%A1%B5").await;
    assert_eq!(ids(&page).len(), 50);
    assert!(
        next(&page).is_some_and(|h| h.starts_with("/admin/users?q=")),
        "the search is kept"
    );
    // `%` is a character, not a wildcard.
    let (_, page) = app.get("/admin/users?q=%25").await;
    assert_eq!(ids(&page).len(), 1);
    let (_, page) = app.get("/admin/users?q=_").await;
    assert_eq!(ids(&page).len(), 0);
    let (s, _) = app.get("/admin/users?after=abc").await;
    assert_eq!(s, Status::BadRequest);
}

/// The registration check's similar names: the authority's names containing a text, found
/// either from the authority's own names or from the rarest pair's postings (whichever is
/// fewer), are exactly those worked out from every organization, whichever way is taken; an
/// organization of another authority or of none is never among them.
#[rocket::async_test]
async fn the_names_an_authority_registered_are_found_either_way_each_once() {
    let app = TestApp::spawn_city().await;
    let mut c = app.db.acquire().await.expect("conn");
    let all: Vec<(Option<i64>, String, String)> =
        sqlx::query_as("SELECT authority_id, name, name_norm FROM organizations")
            .fetch_all(&mut *c)
            .await
            .expect("organizations");
    let authorities: Vec<i64> = {
        let mut a: Vec<i64> = all.iter().filter_map(|r| r.0).collect();
        a.sort_unstable();
        a.dedup();
        a
    };
    assert!(authorities.len() >= 2, "{authorities:?}");
    let (mut by_authority, mut by_gram) = (0, 0);
    for text in [
        "服务",
        "服务中心",
        "社会工作",
        "协会",
        "宁波市",
        "养老",
        "古琴",
        "无此名称",
    ] {
        let norm = huoban::domain::org_name::normalize(text);
        let postings: i64 = text
            .chars()
            .collect::<Vec<_>>()
            .windows(2)
            .map(|w| w.iter().collect::<String>())
            .map(|g| {
                all.iter()
                    .filter(|r| huoban::domain::org_name::normalize(&r.1).contains(&g))
                    .count() as i64
            })
            .min()
            .unwrap_or(0);
        for &a in &authorities {
            let mut want: Vec<String> = all
                .iter()
                .filter(|r| r.0 == Some(a) && r.2.contains(&norm))
                .map(|r| r.1.clone())
                .collect();
            want.sort();
            let mut got = search::names_containing(&mut c, a, text, 1000)
                .await
                .expect("names");
            got.sort();
            assert_eq!(got, want, "{text} in authority {a}");
            let registered = all.iter().filter(|r| r.0 == Some(a)).count() as i64;
            if postings > 0 && registered < postings {
                by_authority += 1;
            } else if postings > 0 {
                by_gram += 1;
            }
        }
    }
    assert!(by_authority > 0 && by_gram > 0, "{by_authority} {by_gram}");
    // The limit holds on the authority's own names.
    let big = authorities[0];
    let got = search::names_containing(&mut c, big, "宁波", 3)
        .await
        .expect("names");
    assert_eq!(got.len(), 3);
}
