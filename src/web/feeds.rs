//! Atom feeds (RFC 4287) for new projects and award notices: public, the newest 50 entries,
//! each entry's id a stable URL built from the project's event.

use crate::opendata::ocds::date;
use crate::platform::app::AppState;
use crate::platform::error::AppResult;
use rocket::http::ContentType;
use rocket::{get, routes, Route, State};

pub fn routes() -> Vec<Route> {
    routes![projects, awards]
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

type Row = (i64, i64, String, String, String, String);

async fn feed(
    state: &AppState,
    kinds: &str,
    path: &str,
    title: &str,
    link: fn(&str) -> String,
) -> AppResult<(ContentType, String)> {
    let mut c = state.db.acquire().await?;
    let rows: Vec<Row> = crate::db::projects::feed_events(&mut c, kinds).await?;
    let base = state.config.public_url.trim_end_matches('/');
    let updated = rows
        .first()
        .map_or_else(|| date(state.clock.now_ms()), |r| date(r.1));
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>{base}{path}</id>\n<title>{}</title>\n<updated>{updated}</updated>\n\
         <link rel=\"self\" href=\"{base}{path}\"/>\n<author><name>伙伴 Huoban</name></author>\n",
        esc(title)
    );
    for (id, at, number, t, department, requirements) in rows {
        let href = format!("{base}{}", link(&number));
        let summary: String = requirements.chars().take(200).collect();
        out.push_str(&format!(
            "<entry>\n<id>{href}#event-{id}</id>\n<title>{} · {}</title>\n<updated>{}</updated>\n\
             <link href=\"{href}\"/>\n<author><name>{}</name></author>\n<summary>{}</summary>\n</entry>\n",
            esc(&number),
            esc(&t),
            date(at),
            esc(&department),
            esc(&summary)
        ));
    }
    out.push_str("</feed>\n");
    Ok((ContentType::new("application", "atom+xml"), out))
}

#[get("/feeds/projects.atom")]
async fn projects(state: &State<AppState>) -> AppResult<(ContentType, String)> {
    feed(
        state,
        crate::db::projects::FEED_PUBLISHED,
        "/feeds/projects.atom",
        "伙伴 · 新发布的政府购买服务项目",
        |n| format!("/projects/{n}"),
    )
    .await
}

#[get("/feeds/awards.atom")]
async fn awards(state: &State<AppState>) -> AppResult<(ContentType, String)> {
    feed(
        state,
        crate::db::projects::FEED_AWARDED,
        "/feeds/awards.atom",
        "伙伴 · 中标（成交）结果公告",
        |n| format!("/projects/{n}/award"),
    )
    .await
}
