//! The public directory: no login, 1- and 2-character queries, exact USCC, filters, profiles
//! without personal data.

use crate::helpers::*;
use huoban::db::orgs::{self, NewOrg};
use rocket::http::Status;

async fn add_org(
    app: &TestApp,
    name: &str,
    district: &str,
    org_type: &str,
    uscc: Option<&str>,
    checksum_ok: bool,
) {
    let mut c = app.db.acquire().await.unwrap();
    orgs::insert(
        &mut c,
        NewOrg {
            name,
            org_type,
            category: "community_service",
            district_code: district,
            status: "registered",
            uscc,
            uscc_checksum_ok: checksum_ok,
            authority_id: None,
            registered_on: Some("2020-01-02"),
            legal_representative: Some("张三"),
            domicile: Some("宁波市某路 1 号"),
            charity: false,
            now: 0,
        },
    )
    .await
    .unwrap();
}

fn count_in(page: &str) -> Option<i64> {
    let start = page.find("共 ")? + "共 ".len();
    page[start..].split(' ').next()?.parse().ok()
}

async fn search(app: &TestApp, query: &str) -> (i64, String) {
    let (status, page) = app.get(&format!("/directory?{query}")).await;
    assert_eq!(status, Status::Ok, "{query}");
    (count_in(&page).unwrap_or(-1), page)
}

#[rocket::async_test]
async fn short_chinese_queries_find_organizations_without_login() {
    let app = TestApp::spawn().await;
    add_org(
        &app,
        "宁波市江北区社工发展促进会",
        "330205",
        "social_group",
        None,
        true,
    )
    .await;
    add_org(
        &app,
        "象山县夕阳红养老服务中心",
        "330225",
        "social_service_institution",
        None,
        true,
    )
    .await;
    let enc = |s: &str| encode(&[("q", s)]);
    assert_eq!(search(&app, &enc("社工")).await.0, 1);
    assert_eq!(
        search(&app, &enc("养老")).await.0,
        2,
        "乐龄养老 and 夕阳红养老"
    );
    assert_eq!(search(&app, &enc("宁波")).await.0, 5);
    assert_eq!(search(&app, &enc("老")).await.0, 2, "one character");
    assert_eq!(
        search(&app, &enc("养老服务中心")).await.0,
        2,
        "longer queries are checked whole"
    );
    assert_eq!(
        search(&app, &enc("养老 服务")).await.0,
        2,
        "spaces do not matter"
    );
    assert_eq!(
        search(&app, &enc("服务养老")).await.0,
        0,
        "the whole query must appear"
    );
    assert_eq!(search(&app, &enc("魑魅")).await.0, 0);
    let (_, page) = search(&app, &enc("社工")).await;
    assert!(page.contains("宁波市江北区社工发展促进会"));
}

#[rocket::async_test]
async fn an_exact_code_finds_its_organization_and_legacy_codes_are_flagged() {
    let app = TestApp::spawn().await;
    add_org(
        &app,
        "福建早期机构",
        "330200",
        "social_group",
        Some("91350100M0001TGQXM"),
        false,
    )
    .await;
    let (n, page) = search(&app, &encode(&[("q", "91350100m0001tgqxm")])).await;
    assert_eq!(n, 1);
    assert!(page.contains("历史代码，校验位不符"));
    let sunshine: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT uscc FROM organizations WHERE name LIKE '%阳光%'")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    assert!(
        huoban::domain::uscc::Uscc::parse(&sunshine).is_ok(),
        "demo codes are issued with both checks"
    );
    let (n, page) = search(&app, &encode(&[("q", &sunshine)])).await;
    assert_eq!(n, 1);
    assert!(page.contains("宁波市海曙区阳光社会工作服务中心"));
}

#[rocket::async_test]
async fn filters_narrow_the_results_and_unknown_values_are_ignored() {
    let app = TestApp::spawn().await;
    let (n, page) = search(&app, "org_type=foundation").await;
    assert_eq!(n, 1);
    assert!(
        page.contains("宁波市慈善助学基金会") && !page.contains("宁波市志愿者协会"),
        "the rows listed are filtered too"
    );
    let (_, page) = search(
        &app,
        &format!("{}&district=330212", encode(&[("q", "宁波")])),
    )
    .await;
    assert!(page.contains("乐龄养老") && !page.contains("阳光社会工作"));
    assert_eq!(search(&app, "district=330203").await.0, 1);
    assert_eq!(
        search(
            &app,
            &format!("{}&district=330212", encode(&[("q", "宁波")]))
        )
        .await
        .0,
        1
    );
    assert_eq!(
        search(&app, "category=charity&org_type=social_group")
            .await
            .0,
        1
    );
    assert_eq!(search(&app, "status=revoked").await.0, 0);
    assert_eq!(
        search(&app, "district=%27%3B--&org_type=x&page=-3").await.0,
        4,
        "nonsense is no filter"
    );
    assert_eq!(search(&app, "page=99999").await.0, 4);
}

#[rocket::async_test]
async fn a_profile_shows_registered_facts_and_no_personal_data() {
    let app = TestApp::spawn().await;
    let (status, page) = app.get("/organizations/1").await;
    assert_eq!(status, Status::Ok);
    for fact in [
        "宁波市海曙区阳光社会工作服务中心",
        "钱社工",
        "宁波市海曙区中山西路 88 号",
        "宁波市海曙区民政局",
        "2019年4月16日",
    ] {
        assert!(page.contains(fact), "{fact}");
    }
    assert!(!page.contains("ngo@demo.huoban.cn"), "no personal contact");
    let (status, _) = app.get("/organizations/9999").await;
    assert_eq!(status, Status::NotFound);
}

#[rocket::async_test]
async fn an_exact_code_with_a_filter_that_excludes_it_finds_nothing() {
    let app = TestApp::spawn().await;
    let code: String = {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query_scalar("SELECT uscc FROM organizations WHERE id = 1")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    assert_eq!(
        search(&app, &format!("{}&status=revoked", encode(&[("q", &code)])))
            .await
            .0,
        0
    );
}

#[rocket::async_test]
async fn organizations_recorded_without_an_index_are_indexed_at_start() {
    let app = TestApp::spawn().await;
    {
        let mut c = app.db.acquire().await.unwrap();
        sqlx::query("INSERT INTO organizations (name, org_type, district_code, status, created_at) VALUES ('宁波市古琴研究会', 'social_group', '330200', 'registered', 0)")
            .execute(&mut *c)
            .await
            .unwrap();
    }
    assert_eq!(search(&app, &encode(&[("q", "古琴")])).await.0, 0);
    let mut c = app.db.acquire().await.unwrap();
    assert_eq!(huoban::db::search::index_missing(&mut c).await.unwrap(), 1);
    drop(c);
    // index_missing runs at start, before any page is cached; model the restart.
    app.page_cache().clear();
    assert_eq!(search(&app, &encode(&[("q", "古琴")])).await.0, 1);
}

#[rocket::async_test]
async fn a_cached_page_follows_every_change_and_keeps_the_language_switch_working() {
    let app = TestApp::spawn().await;
    let url = format!("/directory?{}", encode(&[("q", "阳光")]));
    let (_, first) = app.get(&url).await;
    assert!(
        first.contains("宁波市海曙区阳光社会工作服务中心")
            && first.contains("tag tag-green\">正常")
    );
    let (_, cached) = app.get(&url).await;
    assert_eq!(cached, first, "the second visit is the kept page");
    // The page holds nothing of the visitor (no form token); its language switch, a link,
    // works from the kept page and back.
    assert!(!cached.contains("_csrf"));
    let r = app.client.get(language_link(&cached)).dispatch().await;
    assert_eq!(r.status(), rocket::http::Status::SeeOther);
    assert_eq!(r.headers().get_one("Location"), Some(url.as_str()));
    let (_, english) = app.get(&url).await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Directory"));
    let r = app.client.get(language_link(&english)).dispatch().await;
    assert_eq!(r.headers().get_one("Location"), Some(url.as_str()));
    let (_, back) = app.get(&url).await;
    assert_eq!(back, first);
    app.login_as(crate::registry::REGISTRAR_HAISHU).await;
    let r = app
        .post(
            "/registry/orgs/1/revoke",
            &[("ground", "fraud"), ("reason", "测试")],
        )
        .await;
    assert_eq!(r.status(), rocket::http::Status::SeeOther);
    app.logout().await;
    let (_, after) = app.get(&url).await;
    assert!(
        after.contains("tag tag-grey\">已撤销") && !after.contains("tag tag-green\">正常"),
        "the cached page was replaced after the change"
    );
}

/// Longer queries over thousands of generated organizations give what a plain scan gives: the
/// first page in id order and the count capped at 1,000 — whichever index answers them (on
/// PostgreSQL the pair index for common text, the trigram index for rare text).
#[rocket::async_test]
async fn longer_queries_match_a_plain_scan_at_scale() {
    let app = TestApp::spawn().await;
    let auditor = huoban::platform::app::auditor(&app.resolved, &app.db);
    huoban::platform::scale::generate_orgs(&app.db, 6000, &app.clock, &auditor, |_| {})
        .await
        .unwrap();
    let mut checked = 0;
    for q in [
        "养老服务",
        "社会工作服务中心",
        "海曙区阳光",
        "宁波市慈善",
        "志愿服务协会",
        "慈溪市",
        "余姚市阳光",
        "镇海区社区",
    ] {
        let norm = huoban::domain::org_name::normalize(q);
        let mut c = app.db.acquire().await.unwrap();
        let all: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM organizations WHERE name_norm LIKE $1 ORDER BY id")
                .bind(format!("%{norm}%"))
                .fetch_all(&mut *c)
                .await
                .unwrap();
        let page = huoban::db::search::search(
            &mut c,
            app.db.backend,
            q,
            &huoban::db::search::Filters::default(),
            0,
            20,
        )
        .await
        .unwrap();
        let ids: Vec<i64> = page.hits.iter().map(|h| h.id.0).collect();
        assert_eq!(ids, all.iter().take(20).copied().collect::<Vec<_>>(), "{q}");
        assert_eq!(page.capped, all.len() > 1000, "{q}");
        if page.capped {
            assert!(page.count > 1000, "{q}");
        } else {
            assert_eq!(page.count, all.len() as i64, "{q}");
        }
        checked += all.len();
    }
    assert!(checked > 0, "the queries match something");
}

/// A project page kept for anonymous visitors while it takes bids is served only until its
/// deadline: from that instant it says bids are closed, with nothing written in between (the
/// copy is taken from the cache before the project is read, so time is part of what it keeps).
#[rocket::async_test]
async fn a_kept_project_page_stops_taking_bids_at_its_deadline() {
    let app = TestApp::spawn().await;
    let (number, deadline): (String, i64) = sqlx::query_as(
        "SELECT number, deadline_at FROM projects WHERE status = 'published' AND deadline_at > $1 \
         ORDER BY deadline_at LIMIT 1",
    )
    .bind(app.clock.now_ms())
    .fetch_one(&app.db.pool)
    .await
    .expect("a project taking bids");
    let at = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).expect("ms")
    };
    let url = format!("/projects/{number}");
    let (_, first) = app.get(&url).await;
    assert!(first.contains("id=\"take-part\""), "{first}");
    let kept = app.page_cache().len();
    app.clock.set(at(deadline - 1));
    let (_, still) = app.get(&url).await;
    assert_eq!(still, first, "the kept copy, a millisecond before");
    assert_eq!(app.page_cache().len(), kept);
    app.clock.set(at(deadline));
    let (_, closed) = app.get(&url).await;
    assert!(
        !closed.contains("id=\"take-part\""),
        "closed at the deadline"
    );
    app.clock.set(at(deadline + 1));
    let (_, after) = app.get(&url).await;
    assert_eq!(after, closed, "the closed page is kept from then on");
}
