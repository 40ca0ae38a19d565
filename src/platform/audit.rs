//! The tamper-evident audit trail. Every state change writes one entry in its own transaction:
//! who, what, which entity, a summary (ids and digests, never secrets, passwords, tokens or
//! sealed content), the previous entry's hash, its own hash and an HMAC under a key held in
//! configuration. `verify` checks the chain, the HMACs and the published heads, and names the
//! first bad entry.

use crate::db::audit::{self as store, AuditRow};
use crate::db::{Backend, Conn, Db};
use crate::domain::chain;
use crate::platform::config::KeyMaterial;
use crate::platform::ids::UserId;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    /// A background job or a start-up step.
    System,
    /// An operator at the command line.
    Cli,
    /// Someone not signed in (sign-up, password reset by mail).
    Anonymous,
}

impl Actor {
    fn label(self) -> String {
        match self {
            Actor::User(u) => format!("user:{u}"),
            Actor::System => "system".into(),
            Actor::Cli => "cli".into(),
            Actor::Anonymous => "anonymous".into(),
        }
    }

    fn user_id(self) -> Option<i64> {
        match self {
            Actor::User(u) => Some(u.0),
            _ => None,
        }
    }
}

/// Appends entries with the configured HMAC key.
#[derive(Debug, Clone)]
pub struct Auditor {
    key: KeyMaterial,
    backend: Backend,
}

/// The formula new entries are chained with: every column of the entry. Format 1 (entries
/// written before migration 0041) covered the sequence number, time, actor label, action, entity,
/// entity id and summary; format 2 adds the actor's user id, the HMAC key id, the previous hash
/// and the format itself, so no column of an entry can change without breaking its hash.
pub const FORMAT: i64 = 2;

/// The text an entry's hash and HMAC are taken over (canonical JSON), in the entry's format;
/// `None` for a format this version does not know.
pub fn canonical_text(row: &AuditRow, summary: &Value) -> Option<String> {
    match row.format {
        1 => Some(chain::canonical_json(&json!({
            "seq": row.seq, "at": row.at, "actor": row.actor, "action": row.action,
            "entity": row.entity, "entity_id": row.entity_id, "summary": summary,
        }))),
        2 => Some(chain::canonical_json(&json!({
            "format": 2, "seq": row.seq, "at": row.at,
            "actor": row.actor, "actor_user_id": row.actor_user_id,
            "action": row.action, "entity": row.entity, "entity_id": row.entity_id,
            "summary": summary, "hmac_key_id": row.hmac_key_id, "prev_hash": row.prev_hash,
        }))),
        _ => None,
    }
}

impl Auditor {
    pub fn new(key: KeyMaterial, backend: Backend) -> Auditor {
        Auditor { key, backend }
    }

    /// Writes one entry on `c`, the transaction of the change it records.
    pub async fn record(
        &self,
        c: &mut Conn,
        at: i64,
        actor: Actor,
        action: &str,
        entity: (&str, String),
        summary: Value,
    ) -> Result<(), sqlx::Error> {
        let for_update = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let (head_seq, head_hash) = store::lock_head(c, for_update).await?;
        let summary_text = chain::canonical_json(&summary);
        let mut row = AuditRow {
            seq: head_seq + 1,
            at,
            actor_user_id: actor.user_id(),
            actor: actor.label(),
            action: action.to_string(),
            entity: entity.0.to_string(),
            entity_id: entity.1,
            summary: summary_text,
            hash: String::new(),
            hmac: String::new(),
            prev_hash: head_hash,
            hmac_key_id: self.key.id.clone(),
            format: FORMAT,
        };
        let text = canonical_text(&row, &summary).unwrap_or_default();
        row.hash = chain::entry_hash(&row.prev_hash, &text);
        row.hmac = chain::entry_hmac(&self.key.bytes, &row.prev_hash, &text);
        store::append(c, &row).await
    }
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: i64,
    pub head_hash: String,
    /// The entry count of the newest published head (database or heads file), if any.
    pub newest_published: Option<i64>,
    /// The first problem, naming the entry.
    pub problem: Option<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Checks the whole chain: contiguous sequence numbers, each entry's link to the previous, its
/// hash and its HMAC (with the key whose id it records, in the formula of its format), the head
/// row, and every published head (in the database and, if given, in the external heads file)
/// against the entry it names; the trail must reach the newest published head.
pub async fn verify(
    db: &Db,
    keys: &[KeyMaterial],
    heads_file: Option<&str>,
) -> Result<Report, sqlx::Error> {
    let mut c = db.acquire().await?;
    let by_id: BTreeMap<&str, &KeyMaterial> = keys.iter().map(|k| (k.id.as_str(), k)).collect();
    let mut prev = chain::GENESIS.to_string();
    let mut prev_format = 1;
    let mut expected_seq = 1;
    let mut hashes: BTreeMap<i64, String> = BTreeMap::new();
    let mut problem = None;
    'pages: loop {
        let page = store::page(&mut c, expected_seq, 1000).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if let Some(p) = check_row(&row, expected_seq, &prev, prev_format, &by_id) {
                problem = Some(p);
                break 'pages;
            }
            prev = row.hash.clone();
            prev_format = row.format;
            hashes.insert(row.seq, row.hash);
            expected_seq += 1;
        }
    }
    let entries = expected_seq - 1;
    if problem.is_none() {
        let (head_seq, head_hash) = store::head(&mut c).await?;
        if head_seq != entries || !chain::same_hex(&head_hash, &prev) {
            problem = Some(format!(
                "the head row says entry {head_seq} but the chain ends at entry {entries}: entries were removed or added outside the application"
            ));
        }
    }
    let mut newest_published = None;
    if problem.is_none() {
        let mut published: Vec<(String, i64, String)> = store::published(&mut c)
            .await?
            .into_iter()
            .map(|p| (format!("published head of {}", p.day), p.seq, p.hash))
            .collect();
        if let Some(path) = heads_file {
            match std::fs::read_to_string(path) {
                Ok(text) => published.extend(
                    parse_heads_file(&text)
                        .into_iter()
                        .map(|(day, seq, hash)| (format!("head of {day} in {path}"), seq, hash)),
                ),
                Err(e) => problem = Some(format!("cannot read the heads file {path}: {e}")),
            }
        }
        // The chain only grows, so the newest head is the one counting the most entries: it is
        // checked first, and the trail must reach it.
        published.sort_by_key(|(_, seq, _)| std::cmp::Reverse(*seq));
        newest_published = published.first().map(|(_, seq, _)| *seq);
        for (what, seq, hash) in published {
            if problem.is_some() {
                break;
            }
            if seq == 0 {
                continue;
            }
            match hashes.get(&seq) {
                None => {
                    problem = Some(format!(
                        "{what} names entry {seq}, which is missing: the trail was truncated (it has {entries} entries)"
                    ));
                }
                Some(h) if !chain::same_hex(h, &hash) => {
                    problem = Some(format!(
                        "{what} does not match entry {seq}: history was rewritten"
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(Report {
        entries,
        head_hash: prev,
        newest_published,
        problem,
    })
}

fn check_row(
    row: &AuditRow,
    expected_seq: i64,
    prev: &str,
    prev_format: i64,
    keys: &BTreeMap<&str, &KeyMaterial>,
) -> Option<String> {
    let seq = row.seq;
    if seq != expected_seq {
        return Some(format!(
            "entry {expected_seq} is missing (the next entry is {seq})"
        ));
    }
    if !chain::same_hex(&row.prev_hash, prev) {
        return Some(format!(
            "entry {seq} does not link to entry {}: an entry before it was changed or removed",
            seq - 1
        ));
    }
    if row.format < prev_format {
        return Some(format!(
            "entry {seq} claims the older format {} after an entry of format {prev_format}: it was altered",
            row.format
        ));
    }
    // The actor's label and user id say the same, so an entry of format 1 (whose hash covers
    // only the label) cannot be made to name another user either.
    let label_user = row
        .actor
        .strip_prefix("user:")
        .and_then(|id| id.parse::<i64>().ok());
    if label_user != row.actor_user_id {
        return Some(format!(
            "entry {seq} ({} on {} {}) was altered: its actor `{}` and user id {} disagree",
            row.action,
            row.entity,
            row.entity_id,
            row.actor,
            row.actor_user_id
                .map_or_else(|| "(none)".to_string(), |u| u.to_string())
        ));
    }
    let summary: Value = match serde_json::from_str(&row.summary) {
        Ok(v) => v,
        Err(_) => return Some(format!("entry {seq} has a summary that is not JSON")),
    };
    let Some(text) = canonical_text(row, &summary) else {
        return Some(format!(
            "entry {seq} has format {}, which this version does not know",
            row.format
        ));
    };
    if !chain::same_hex(&chain::entry_hash(prev, &text), &row.hash) {
        return Some(format!(
            "entry {seq} ({} on {} {}) was altered: its hash does not match its content",
            row.action, row.entity, row.entity_id
        ));
    }
    let Some(key) = keys.get(row.hmac_key_id.as_str()) else {
        return Some(format!(
            "entry {seq} was signed with key `{}`, which is not configured",
            row.hmac_key_id
        ));
    };
    if !chain::same_hex(&chain::entry_hmac(&key.bytes, prev, &text), &row.hmac) {
        return Some(format!(
            "entry {seq} has a wrong HMAC: the chain was recomputed without the audit key"
        ));
    }
    None
}

/// Lines `day seq hash` (what the publishing job appends).
pub fn parse_heads_file(text: &str) -> Vec<(String, i64, String)> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let day = it.next()?.to_string();
            let seq = it.next()?.parse().ok()?;
            let hash = it.next()?.to_string();
            Some((day, seq, hash))
        })
        .collect()
}

/// The line the publishing job writes for a head.
pub fn heads_file_line(day: &str, seq: i64, hash: &str) -> String {
    format!("{day} {seq} {hash}\n")
}
