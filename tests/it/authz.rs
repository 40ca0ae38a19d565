//! The authorization matrix (`src/web/authz.rs`), cell by cell: every route as every demo role,
//! with a valid CSRF token so that a refusal can only mean the role.

use crate::helpers::*;
use huoban::domain::role::Role;
use huoban::web::authz::{rule_for, Who, MATRIX};
use rocket::http::{Method, Status};

/// An identity and what it is in the demo data (org 1 is the one the NGO users belong to).
struct Identity {
    login: Option<(String, String)>,
    roles: Vec<String>,
    org1_admin: bool,
    org1_member: bool,
    /// A registrar of the city bureau, which application 1 (the NGO admin's draft) is made to.
    city_registrar: bool,
    /// A registrar of the Haishu bureau, which organization 1 is registered with.
    haishu_registrar: bool,
}

fn identities() -> Vec<Identity> {
    let mut v = vec![Identity {
        login: None,
        roles: vec![],
        org1_admin: false,
        org1_member: false,
        city_registrar: false,
        haishu_registrar: false,
    }];
    for u in huoban::seed::data().unwrap().users {
        v.push(Identity {
            org1_admin: u.email == NGO_ADMIN.0,
            org1_member: u.email == NGO_ADMIN.0 || u.email == NGO_MEMBER.0,
            city_registrar: u
                .roles
                .iter()
                .any(|r| r.role == "registrar" && r.unit.as_deref() == Some("nb-city")),
            haishu_registrar: u
                .roles
                .iter()
                .any(|r| r.role == "registrar" && r.unit.as_deref() == Some("nb-haishu")),
            roles: u.roles.iter().map(|r| r.role.clone()).collect(),
            login: Some((u.email, u.password)),
        });
    }
    // Identities that differ only by name (the second and third demo experts) decide every
    // cell alike: keep the first of each kind.
    let mut seen = Vec::new();
    v.retain(|i| {
        let mut roles = i.roles.clone();
        roles.sort();
        let key = (
            i.login.is_some(),
            roles,
            i.org1_admin,
            i.org1_member,
            i.city_registrar,
            i.haishu_registrar,
        );
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    v
}

fn allowed(who: Who, id: &Identity) -> bool {
    let signed_in = id.login.is_some();
    match who {
        Who::Anyone => true,
        Who::SignedIn => signed_in,
        Who::Role(r) => id.roles.iter().any(|x| *x == r.code()),
        Who::AnyStaff => !id.roles.is_empty(),
        // Project 1 in the demo data is entrusted to the demo agency.
        Who::Procurer => id
            .roles
            .iter()
            .any(|x| x == "purchaser" || x == "procurement_agency"),
        Who::OrgMember => id.org1_member,
        Who::OrgAdmin => id.org1_admin,
        // Membership 2 in the demo data is the plain member's own.
        Who::OrgAdminOrSelf => id.org1_member,
        Who::Applicant => id.org1_admin,
        Who::RegistrarOfApplication => id.city_registrar,
        Who::RegistrarOfOrg => id.haishu_registrar,
        Who::ApplicationReader => id.org1_admin || id.city_registrar,
    }
}

async fn app_as(id: &Identity) -> TestApp {
    let app = TestApp::spawn().await;
    if let Some((email, password)) = &id.login {
        app.login_as((email, password)).await;
    }
    app
}

/// Calls one route as the identity `app` is signed in as. Returns whether the call was refused
/// for who the caller is.
async fn refused(app: &TestApp, method: Method, path: &str) -> (bool, Status) {
    let r = if method == Method::Get {
        app.client.get(path.to_string()).dispatch().await
    } else {
        app.post(path, &plausible_fields(path)).await
    };
    let status = r.status();
    assert!(status.code < 500, "{method} {path}: {status}");
    let to_login = r
        .headers()
        .get_one("Location")
        .is_some_and(|l| l.starts_with("/login?next="));
    let csrf = r
        .into_string()
        .await
        .unwrap_or_default()
        .contains("页面已过期或表单来源无法验证");
    assert!(
        !csrf,
        "{method} {path}: refused for its CSRF token although it had a valid one"
    );
    (
        status == Status::Unauthorized || status == Status::Forbidden || to_login,
        status,
    )
}

#[test]
fn every_registered_route_has_a_row_in_the_matrix() {
    let rocket = rocket::async_test(async {
        TestApp::spawn()
            .await
            .client
            .rocket()
            .routes()
            .map(|r| (r.method.to_string(), r.uri.to_string()))
            .collect::<Vec<_>>()
    });
    let missing: Vec<String> = rocket
        .iter()
        .filter(|(m, u)| rule_for(m, u).is_none())
        .map(|(m, u)| format!("{m} {u}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in src/web/authz.rs: {missing:?}"
    );
    let stale: Vec<String> = MATRIX
        .iter()
        .filter(|r| !rocket.iter().any(|(m, u)| m == r.method && u == r.uri))
        .map(|r| format!("{} {}", r.method, r.uri))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
}

/// GETs change nothing, so one application per identity serves every GET row, and so do the POST
/// cells the matrix refuses (a refusal writes nothing; one that does not refuse is a failure
/// anyway). Each POST cell the matrix allows runs on its own fresh application, so that what
/// one call changes cannot decide the next. `part` of `parts` takes every `parts`-th row, so
/// that the POST rows (the slowest test) run as several tests side by side.
async fn check_rows(method: &str, part: usize, parts: usize) {
    let ids = identities();
    let mut failures = Vec::new();
    let mut shared = Vec::new();
    for id in &ids {
        shared.push(app_as(id).await);
    }
    let rows = MATRIX.iter().filter(|r| r.method == method);
    for rule in rows.skip(part).step_by(parts) {
        let path = concrete(rule.uri);
        for (i, id) in ids.iter().enumerate() {
            let m = if method == "GET" {
                Method::Get
            } else {
                Method::Post
            };
            let expected = allowed(rule.who, id);
            let fresh;
            let app = match shared.get(i) {
                Some(app) if method == "GET" || !expected => app,
                _ => {
                    fresh = app_as(id).await;
                    &fresh
                }
            };
            let (was_refused, status) = refused(app, m, &path).await;
            if was_refused == expected {
                let who = id
                    .login
                    .as_ref()
                    .map(|l| l.0.as_str())
                    .unwrap_or("anonymous");
                failures.push(format!(
                    "{method} {path} as {who}: expected {}, got {status}",
                    if expected { "allowed" } else { "refused" }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "matrix cells that do not hold:\n{}",
        failures.join("\n")
    );
}

#[rocket::async_test]
async fn every_get_cell_of_the_matrix_holds() {
    check_rows("GET", 0, 1).await;
}

#[rocket::async_test]
async fn every_post_cell_of_the_matrix_holds_first_third() {
    check_rows("POST", 0, 3).await;
}

#[rocket::async_test]
async fn every_post_cell_of_the_matrix_holds_second_third() {
    check_rows("POST", 1, 3).await;
}

#[rocket::async_test]
async fn every_post_cell_of_the_matrix_holds_last_third() {
    check_rows("POST", 2, 3).await;
}

#[test]
fn every_staff_role_appears_in_the_demo_identities() {
    let ids = identities();
    for r in Role::ALL {
        assert!(
            ids.iter().any(|i| i.roles.iter().any(|x| x == r.code())),
            "{r:?}"
        );
    }
}

/// A census path for a matrix row: `concrete`'s, with the demo's real keys where a made-up one
/// would only measure a 404 (the demo's opened project, its contract, a dataset file, a year).
fn census_path(uri: &str) -> String {
    let path = concrete(uri);
    let real = [
        ("/projects/1", "/projects/NBMZ-2026-018"),
        ("/data/1", "/data/projects.csv"),
        ("/ocds/bulk/1", "/ocds/bulk/2026.json"),
        ("/ocds/records/1", "/ocds/records/ocds-huoban-NBMZ-2026-018"),
        ("/admin/calendar/1", "/admin/calendar/2026"),
        ("/history/1/1", "/history/org/1"),
    ];
    for (from, to) in real {
        if let Some(rest) = path.strip_prefix(from) {
            if rest.is_empty() || rest.starts_with('/') {
                return format!("{to}{rest}");
            }
        }
    }
    path
}

/// The page census's route list (`bench/census.sh`): every GET row of the matrix as a path with
/// the first demo identity allowed to call it (none: anyone may) and all the others allowed,
/// written to
/// `target/census-routes.json`, so the census follows the matrix as routes are added.
#[test]
fn the_census_route_list_follows_the_matrix() {
    let ids = identities();
    let mut rows = Vec::new();
    for r in MATRIX.iter().filter(|r| r.method == "GET") {
        let id = ids
            .iter()
            .find(|i| allowed(r.who, i))
            .unwrap_or_else(|| panic!("{}: nobody may call it", r.uri));
        // Every identity allowed, first the first: the census tries them in turn when the
        // first one's page is not there for it (another organization's contract, say).
        let logins: Vec<_> = ids
            .iter()
            .filter(|i| allowed(r.who, i))
            .map(|i| i.login.as_ref().map(|(e, p)| [e, p]))
            .collect();
        rows.push(serde_json::json!({
            "uri": r.uri,
            "path": census_path(r.uri),
            "login": id.login.as_ref().map(|(e, p)| [e, p]),
            "logins": logins,
        }));
    }
    assert_eq!(
        rows.len(),
        MATRIX.iter().filter(|r| r.method == "GET").count()
    );
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    std::fs::create_dir_all(&dir).expect("target dir");
    std::fs::write(
        format!("{dir}/census-routes.json"),
        serde_json::to_vec_pretty(&rows).expect("json"),
    )
    .expect("write the census route list");
}
