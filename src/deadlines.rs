//! The register of stored due dates a calendar can move (`deadlines`): each clock records the
//! day it counts from, its period and the calendar versions it was computed from. When a year's
//! official table is loaded or replaced, every due date still ahead whose versions differ is
//! recomputed here in the loading transaction: moved later when the new table says so, kept
//! when the new date would be earlier than what the parties were told (a period someone relies
//! on is never shortened), written back to the entity, audited with the old and new date, put
//! in the entity's history and mailed to those it affects. Dates already passed are not touched.

use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date, Calendar, Period};
use crate::domain::lang::Lang;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use crate::platform::error::AppResult;
use crate::platform::ids::{ApplicationId, UserId};
use crate::platform::mail::{Mailer, Recipient};
use serde::Serialize;
use serde_json::json;
use time::Date;

mod backfill;
pub mod digest;
mod queue;
pub use queue::calendar_years_due;
pub mod store;
mod tasks;
pub use backfill::{backfill, unregistered, Unregistered};
pub use tasks::{sort, tasks, Counts, Scope, Task, TaskCount};

/// The stored due dates that follow the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueClock {
    /// 5 working days to accept or send the correction notice (行政许可法 32).
    AcceptBy,
    /// The registration decision (working days, or calendar days that may roll).
    Decision,
    /// 5 working days for the purchaser to confirm the first-ranked (87号令 68).
    AwardConfirm,
    /// The award notice's 1 working day.
    AwardNotice,
    /// The answer to an inquiry (3) or a challenge (7 working days).
    Answer,
    /// The finance department's 30 working days on a complaint.
    ComplaintDecision,
    /// Filing the contract within 7 working days of signing.
    ContractFiling,
}

const ALL: [DueClock; 7] = [
    DueClock::AcceptBy,
    DueClock::Decision,
    DueClock::AwardConfirm,
    DueClock::AwardNotice,
    DueClock::Answer,
    DueClock::ComplaintDecision,
    DueClock::ContractFiling,
];

impl DueClock {
    pub fn code(self) -> &'static str {
        match self {
            DueClock::AcceptBy => "accept_by",
            DueClock::Decision => "decision",
            DueClock::AwardConfirm => "award_confirm",
            DueClock::AwardNotice => "award_notice",
            DueClock::Answer => "answer",
            DueClock::ComplaintDecision => "complaint_decision",
            DueClock::ContractFiling => "contract_filing",
        }
    }

    pub fn parse(s: &str) -> Option<DueClock> {
        ALL.into_iter().find(|c| c.code() == s)
    }

    /// The audit trail's entity name.
    fn entity(self) -> &'static str {
        match self {
            DueClock::AcceptBy | DueClock::Decision => "application",
            DueClock::AwardConfirm | DueClock::AwardNotice => "award",
            DueClock::Answer => "challenge",
            DueClock::ComplaintDecision => "complaint",
            DueClock::ContractFiling => "contract",
        }
    }
}

/// Records (or re-records) how a stored due date was computed: called in the transaction that
/// writes the date to the entity.
pub use store::record;

/// A stored due date as a new calendar gives it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub clock: DueClock,
    pub entity_id: i64,
    pub old: String,
    /// The date kept: the recomputed one, or the old one when that would be earlier.
    pub new: String,
    /// What the new calendar alone gives.
    pub computed: String,
    pub basis: String,
    pub provisional: bool,
    /// Whether the clock still runs (its date is written back and its parties told).
    pub running: bool,
}

impl Change {
    pub fn moved(&self) -> bool {
        self.new != self.old
    }
}

/// What `cal` would change: every due date on or after `today` whose calendar versions differ
/// from the ones `cal` gives. Reads only.
pub async fn changes(c: &mut Conn, cal: &Calendar, today: Date) -> AppResult<Vec<Change>> {
    let mut out = Vec::new();
    for clock in ALL {
        for r in store::ahead(c, clock, today).await? {
            let (Some(start), Some(old_day)) =
                (parse_iso_date(&r.start_on), parse_iso_date(&r.due_on))
            else {
                continue;
            };
            let period = Period::from_parts(
                &r.span_kind,
                u32::try_from(r.span_days).unwrap_or(0),
                r.roll,
            );
            let due = cal.due(start, period);
            if due.basis == r.basis {
                continue;
            }
            out.push(Change {
                clock,
                entity_id: r.entity_id,
                new: iso_date(due.on.max(old_day)),
                computed: iso_date(due.on),
                old: r.due_on,
                basis: due.basis,
                provisional: due.provisional,
                running: r.running,
            });
        }
    }
    Ok(out)
}

/// Who applies the changes, and on whose behalf.
pub struct Teller<'a> {
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
    pub actor: Actor,
    /// The table that caused the change, named in the history and the mails.
    pub reference: &'a str,
    pub year: i32,
}

/// Applies `changes` on `c` (the loading transaction): the register and, for running clocks
/// that moved, the entity's column, an audit entry with the old and new date, the entity's
/// history and a mail to each party.
pub async fn apply(c: &mut Conn, changes: &[Change], t: &Teller<'_>) -> AppResult<usize> {
    let now = t.clock.now_ms();
    let mut moved = 0;
    for ch in changes {
        store::set_due(
            c,
            ch.clock,
            ch.entity_id,
            &ch.new,
            &ch.basis,
            ch.provisional,
            now,
        )
        .await?;
        if !ch.running || !ch.moved() {
            continue;
        }
        let Some(new_day) = parse_iso_date(&ch.new) else {
            continue;
        };
        store::write_back(c, ch.clock, ch.entity_id, new_day).await?;
        t.auditor
            .record(
                c,
                now,
                t.actor,
                "deadline.recomputed",
                (ch.clock.entity(), ch.entity_id.to_string()),
                json!({ "clock": ch.clock.code(), "old": ch.old, "new": ch.new,
                        "basis": ch.basis, "calendar_year": t.year, "reference": t.reference }),
            )
            .await?;
        let note = format!("{} → {}（{}）", ch.old, ch.new, t.reference);
        let parties = parties(c, ch.clock, ch.entity_id).await?;
        if let Some(app) = parties.application {
            crate::db::applications::add_event(
                c,
                ApplicationId(app),
                now,
                None,
                "deadline_moved",
                Some(&note),
            )
            .await?;
        }
        if let Some((project, round)) = parties.project {
            crate::db::projects::add_event(
                c,
                project,
                round,
                "deadline_moved",
                &json!({ "clock": ch.clock.code(), "old": ch.old, "new": ch.new, "reference": t.reference }),
                None,
                now,
            )
            .await?;
        }
        for (user, link) in parties.users {
            let Some(u) = crate::db::users::by_id(c, UserId(user)).await? else {
                continue;
            };
            let data = json!({
                "clock": ch.clock.code(), "title": parties.title, "old": ch.old, "new": ch.new,
                "provisional": ch.provisional, "reference": t.reference, "year": t.year,
                "link": link,
            });
            t.mailer
                .queue(
                    c,
                    Recipient {
                        addr: &u.email,
                        user: Some(u.id),
                        lang: Lang::parse(&u.preferred_lang).unwrap_or_default(),
                    },
                    "deadline_moved",
                    &data,
                    now,
                )
                .await?;
        }
        moved += 1;
    }
    Ok(moved)
}

/// Those a due date concerns: the entity's history, and the people told of it, each with the
/// page where they see it.
struct Parties {
    application: Option<i64>,
    project: Option<(i64, i64)>,
    users: Vec<(i64, String)>,
    title: String,
}

async fn parties(c: &mut Conn, clock: DueClock, id: i64) -> Result<Parties, sqlx::Error> {
    if matches!(clock, DueClock::AcceptBy | DueClock::Decision) {
        let (applicant, name) = store::applicant_of(c, id).await?;
        return Ok(Parties {
            application: Some(id),
            project: None,
            users: vec![(applicant, format!("applications/{id}"))],
            title: name,
        });
    }
    let p = store::project_of(c, clock, id).await?;
    // The purchaser works the clock on the award page; a bidder reads it on its own pages.
    let mut users: Vec<(i64, String)> = vec![(
        p.created_by,
        format!("purchase/projects/{}/award", p.project),
    )];
    if let Some((party, org)) = p.party {
        users.push((party, format!("projects/{}/challenges/{org}", p.number)));
    }
    if clock == DueClock::AwardNotice {
        // The bidders of the round: the challenge window on the result opens when it ends.
        let admins = store::bidder_admins(c, p.project, p.round).await?;
        users.extend(
            admins
                .into_iter()
                .map(|u| (u, format!("projects/{}/award", p.number))),
        );
    }
    // One mail a person (a purchaser who also bids keeps the purchaser's link).
    let mut seen = std::collections::BTreeSet::new();
    users.retain(|(u, _)| seen.insert(*u));
    Ok(Parties {
        application: None,
        project: Some((p.project, p.round)),
        users,
        title: p.title,
    })
}
