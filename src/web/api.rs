//! The JSON API. Errors under /api are problem documents; a missing login is 401, not a
//! redirect. Later issues add the public open-data endpoints here.

use crate::platform::auth::guards::CurrentUser;
use rocket::serde::json::Json;
use rocket::{get, routes, Route};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    routes![health, me]
}

#[get("/api/v1/health")]
fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The signed-in user and their roles.
#[get("/api/v1/me")]
fn me(user: &CurrentUser) -> Json<Value> {
    let roles: Vec<&str> = user.roles().into_iter().map(|r| r.code()).collect();
    Json(json!({
        "id": user.user.id.0,
        "email": user.user.email,
        "display_name": user.user.display_name,
        "roles": roles,
        "organizations": user.memberships.iter().map(|m| json!({"id": m.org_id.0, "name": m.org_name, "kind": m.kind})).collect::<Vec<_>>(),
    }))
}
