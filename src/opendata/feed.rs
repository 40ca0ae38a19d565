//! The OCDS release feed at scale (issue 24 item 3, issue 26 item 2): a page of releases is
//! found by keyset over the release events (`db::ocds_feed`), so its cost depends neither on
//! the page's position nor on how many processes there are, and only the processes on the page
//! are built, read together in a fixed number of queries (`ocds::inputs::many`) and made by
//! `ocds::build`, the same code as every other release: the feed holds exactly the releases
//! the bulk file holds, with the same content, whatever that content becomes. Nothing is stored:
//! there is no second copy of a release to fall out of date.
//!
//! Order: by key `(at, event id, part)` (see `db::ocds_feed`), which is the release's date for
//! every release but a planning one (keyed by its process's first public event). New events
//! get later keys, so a cursor (`after`) stays valid while data is added, and a harvest that
//! follows `links.next` to the end sees every release exactly once.

use crate::db::ocds_feed::{self as store, Key};
use crate::db::projects;
use crate::db::Conn;
use crate::opendata::ocds;
use crate::platform::error::AppResult;
use serde_json::Value;
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;

/// One page of the feed and the key of its last release when more follow.
pub struct Page {
    pub releases: Vec<Value>,
    pub next: Option<Key>,
}

/// What a page needs built: a release of a process, known by its id.
struct Want {
    key: Key,
    project: i64,
    what: Part,
}

enum Part {
    Intention(i64),
    Event { event: i64, round: i64 },
}

/// Up to `size` releases after `after` (or from the start), dated at or after `since` (ms).
pub async fn page(
    c: &mut Conn,
    prefix: &str,
    since: Option<i64>,
    after: Option<Key>,
    size: usize,
) -> AppResult<Page> {
    let mut cursor = after.unwrap_or((i64::MIN, i64::MIN, i64::MIN));
    if let Some(s) = since {
        if s > cursor.0 {
            cursor = (s, i64::MIN, i64::MIN);
        }
    }
    let rows = store::after(c, ocds::RELEASE_KINDS, cursor, size as i64 + 1).await?;
    let mut wants = Vec::new();
    for r in rows {
        if let Some((i, published)) = r.intention {
            let key = (r.at, r.event, 0);
            if key > cursor && since.is_none_or(|s| published >= s) {
                wants.push(Want {
                    key,
                    project: r.project,
                    what: Part::Intention(i),
                });
            }
        }
        let key = (r.at, r.event, 1);
        if key > cursor {
            wants.push(Want {
                key,
                project: r.project,
                what: Part::Event {
                    event: r.event,
                    round: r.round,
                },
            });
        }
    }
    // Every row gives at least one release after the cursor, so more than `size` wanted means
    // more follow; fewer means the feed ends here.
    let more = wants.len() > size;
    wants.truncate(size);
    let next = if more {
        wants.last().map(|w| w.key)
    } else {
        None
    };
    // The processes on the page, read together (`ocds::inputs::many`: a fixed number of
    // queries for the page) and each built once; only the wanted releases are kept.
    let mut order: Vec<i64> = Vec::new();
    for w in &wants {
        if !order.contains(&w.project) {
            order.push(w.project);
        }
    }
    let found = projects::by_ids(c, &order).await?;
    let refs: Vec<&projects::Project> = found.iter().collect();
    let inputs = ocds::inputs::many(c, &refs).await?;
    let mut built: HashMap<String, Value> = HashMap::new();
    let mut ids: Vec<Option<String>> = vec![None; wants.len()];
    for p in &found {
        let Some(input) = inputs.get(&p.id) else {
            continue;
        };
        let oc = ocds::ocid(prefix, &p.number);
        let mine: Vec<(usize, String)> = wants
            .iter()
            .enumerate()
            .filter(|(_, w)| w.project == p.id)
            .map(|(n, w)| {
                let id = match w.what {
                    Part::Intention(i) => format!("{oc}-intention-{i}"),
                    Part::Event { event, round } => {
                        format!("{}-{event}", ocds::round_ocid(&oc, round))
                    }
                };
                (n, id)
            })
            .collect();
        for r in ocds::build(prefix, p, input) {
            if let Some(id) = r["id"].as_str() {
                if mine.iter().any(|(_, m)| m == id) {
                    built.insert(id.to_string(), r);
                }
            }
        }
        for (n, id) in mine {
            ids[n] = Some(id);
        }
    }
    let mut releases = Vec::with_capacity(wants.len());
    for id in ids.into_iter().flatten() {
        match built.remove(&id) {
            Some(r) => releases.push(r),
            None => log::warn!("ocds feed: release {id} is keyed but was not built"),
        }
    }
    Ok(Page { releases, next })
}

/// The public processes with a release dated in `[from, to)` (ms), by id.
pub async fn processes_dated(c: &mut Conn, from: i64, to: i64) -> AppResult<Vec<i64>> {
    Ok(store::projects_dated(c, ocds::RELEASE_KINDS, from, to).await?)
}

/// A process's releases dated in `[from, to)` (ms); none if it is gone.
pub async fn releases_dated(
    c: &mut Conn,
    prefix: &str,
    project: i64,
    from: i64,
    to: i64,
) -> AppResult<Vec<Value>> {
    let Some(p) = projects::by_id(c, project).await? else {
        return Ok(Vec::new());
    };
    let range = from as i128 * 1_000_000..to as i128 * 1_000_000;
    Ok(ocds::releases(c, prefix, &p)
        .await?
        .into_iter()
        .filter(|r| {
            r["date"]
                .as_str()
                .and_then(|d| time::OffsetDateTime::parse(d, &Rfc3339).ok())
                .is_some_and(|d| range.contains(&d.unix_timestamp_nanos()))
        })
        .collect())
}

/// The years (Beijing) from the earliest to the latest release event, newest first.
pub async fn years(c: &mut Conn) -> AppResult<Vec<i32>> {
    let Some((first, last)) = store::span(c, ocds::RELEASE_KINDS).await? else {
        return Ok(Vec::new());
    };
    let year = |ms: i64| {
        crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(ms)).year()
    };
    Ok((year(first)..=year(last)).rev().collect())
}

/// The instants (ms) a Beijing year starts and ends.
pub fn year_range(year: i32) -> Option<(i64, i64)> {
    let start = |y: i32| {
        time::Date::from_calendar_date(y, time::Month::January, 1)
            .ok()
            .map(|d| {
                d.midnight()
                    .assume_offset(time::macros::offset!(+8))
                    .unix_timestamp()
                    * 1000
            })
    };
    Some((start(year)?, start(year + 1)?))
}
