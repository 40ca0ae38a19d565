//! The OCDS feed's keyset (issue 24 item 3, issue 26 item 4): which releases come next, read
//! from the append-only `project_events` through its `(at)` index (whose entries end with the
//! row id, so `(at, id)` is the index order) without building any release. A release is keyed
//! by the event it comes from: `(at, event id, 1)`; a process's planning release (its
//! procurement intention) by the process's first release event, `(at, event id, 0)`, so it
//! enters the feed when the process becomes public rather than at the intention's older date
//! (behind a harvester's cursor). The releases themselves are built by `opendata::ocds`.

use super::Conn;

/// A position in the feed: `(at, event id, 0 intention | 1 event)`, ordered as a tuple.
pub type Key = (i64, i64, i64);

/// (at, event id, project, round, intention, its publication).
type EventRow = (i64, i64, i64, i64, Option<i64>, Option<i64>);

/// One release event of a public process, in feed order.
pub struct Row {
    pub at: i64,
    pub event: i64,
    pub project: i64,
    pub round: i64,
    /// The process's procurement intention and its publication time, when this is the
    /// process's first release event (its planning release is keyed here).
    pub intention: Option<(i64, i64)>,
}

/// `kind IN (...)` over the event kinds that make a release (constants, not input).
fn kinds(kinds: &[&str]) -> String {
    let list: Vec<String> = kinds.iter().map(|k| format!("'{k}'")).collect();
    list.join(", ")
}

/// The query of `after` (its plan is tested: `tests/it/plans.rs`).
pub fn after_sql(release_kinds: &[&str]) -> String {
    let k = kinds(release_kinds);
    format!(
        "SELECT e.at, e.id, e.project_id, e.round, \
         CASE WHEN p.intention_id IS NOT NULL AND e.id = \
           (SELECT MIN(f.id) FROM project_events f WHERE f.project_id = e.project_id AND f.kind IN ({k})) \
         THEN i.id END AS intention, i.published_at \
         FROM project_events e JOIN projects p ON p.id = e.project_id \
         LEFT JOIN intentions i ON i.id = p.intention_id \
         WHERE e.kind IN ({k}) AND NOT (p.status = 'draft' AND p.round = 1) \
         AND e.at >= $1 AND (e.at > $1 OR e.id > $2 OR (e.id = $2 AND $3 < 1)) \
         ORDER BY e.at, e.id LIMIT $4"
    )
}

/// Up to `limit` release events after `after` (and at or after `from`, in ms), in key order.
/// An event keyed exactly at `after` is returned when its intention part was served and its
/// event part was not (the caller skips what is not after the cursor).
pub async fn after(
    c: &mut Conn,
    release_kinds: &[&str],
    after: Key,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    let sql = after_sql(release_kinds);
    let rows: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(after.0)
        .bind(after.1)
        .bind(after.2)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(at, event, project, round, i, published)| Row {
            at,
            event,
            project,
            round,
            intention: i.zip(published),
        })
        .collect())
}

/// The public processes with a release dated in `[from, to)` (ms), by id: those with a
/// release event then, and those whose procurement intention was published then.
pub async fn projects_dated(
    c: &mut Conn,
    release_kinds: &[&str],
    from: i64,
    to: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let k = kinds(release_kinds);
    let sql = format!(
        "SELECT p.id FROM projects p WHERE NOT (p.status = 'draft' AND p.round = 1) AND p.id IN (\
         SELECT e.project_id FROM project_events e WHERE e.kind IN ({k}) AND e.at >= $1 AND e.at < $2 \
         UNION SELECT q.id FROM projects q JOIN intentions i ON i.id = q.intention_id \
         WHERE i.published_at >= $1 AND i.published_at < $2) ORDER BY p.id"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to)
        .fetch_all(&mut *c)
        .await
}

/// The years (as Beijing reckons them, from `first` and `last` release event) the feed spans:
/// the earliest and latest release event times, if any.
pub async fn span(c: &mut Conn, release_kinds: &[&str]) -> Result<Option<(i64, i64)>, sqlx::Error> {
    // Each end read from the `(at)` index's end, stopping at the first release event: MIN and
    // MAX under a kind filter read every event (1.1 s for `/data` at 100,000 processes).
    let k = kinds(release_kinds);
    let end = |dir: &str| {
        format!("SELECT at FROM project_events WHERE kind IN ({k}) ORDER BY at {dir} LIMIT 1")
    };
    let first: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(end("ASC")))
        .fetch_optional(&mut *c)
        .await?;
    let last: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(end("DESC")))
        .fetch_optional(&mut *c)
        .await?;
    Ok(first.zip(last))
}
