//! The bid-evaluation panel (DOMAIN §5): drawn at random from the expert library (the users
//! holding the expert role) after the qualification review, with the method's size (odd, at
//! least 5 for an open tender and 3 for a consultation or programme), the purchaser's
//! representatives at most a third, and everyone excluded who in the last 3 years was a member
//! or officer of a bidder. The seed, the candidates and the exclusions are recorded, so the draw
//! can be replayed; a recused panelist is replaced by the next candidate in the seed's order.

use crate::db::panel::{self as store, NewPanel};
use crate::db::projects::Project;
use crate::db::Conn;
use crate::domain::award::SeatStatus;
use crate::domain::award::{self, PanelProblem};
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::platform::audit::Actor;
use crate::platform::error::AppResult;
use crate::platform::ids::UserId;
use crate::procurement::Procurement;
use serde::Serialize;
use serde_json::json;
use time::Duration;

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub kind: String,
    pub status: crate::domain::award::SeatStatus,
    pub reason: Option<String>,
    pub replaces: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub id: i64,
    pub round: i64,
    pub seed: String,
    pub size: i64,
    pub candidates: Vec<i64>,
    pub excluded: Vec<(i64, String)>,
    pub drawn_at: i64,
    pub members: Vec<Member>,
}

/// The smallest panel for the project: a tender's 5, or 7 when its budget reaches the amount
/// in force at its publication (`procurement.panel_seven_budget_yuan`, read with the settings
/// version the publication recorded) or the purchaser marked it technically complex (87号令
/// art. 47); 3 for the other methods.
pub async fn minimum_size(c: &mut Conn, p: &Project, now: i64) -> AppResult<usize> {
    let tender = matches!(p.method.as_str(), "open_tender" | "invited_tender");
    let s = crate::procurement::publication::rules_of(c, p, now).await?;
    let yuan = s
        .int("procurement.panel_seven_budget_yuan")
        .unwrap_or(10_000_000);
    Ok(award::panel_minimum(
        tender,
        p.budget_fen,
        yuan.saturating_mul(100),
        p.technically_complex,
    ))
}

pub async fn panel_of(c: &mut Conn, p: &Project) -> AppResult<Option<Panel>> {
    let row = store::of_round(c, p.id, p.round).await?;
    let Some((id, seed, size, candidates, excluded, drawn_at)) = row else {
        return Ok(None);
    };
    let members = store::members(c, id).await?;
    Ok(Some(Panel {
        id,
        round: p.round,
        seed,
        size,
        candidates: serde_json::from_str(&candidates).unwrap_or_default(),
        excluded: serde_json::from_str(&excluded).unwrap_or_default(),
        drawn_at,
        members: members
            .into_iter()
            .map(|(id, user_id, name, kind, status, reason, replaces)| {
                Ok(Member {
                    id,
                    user_id,
                    name,
                    kind,
                    status: SeatStatus::parse(&status).ok_or_else(|| {
                        crate::platform::error::AppError::Internal(format!(
                            "seat status {status:?}"
                        ))
                    })?,
                    reason,
                    replaces,
                })
            })
            .collect::<AppResult<_>>()?,
    }))
}

/// The organizations whose bids passed the qualification review and the price check.
pub async fn valid_bidders(c: &mut Conn, p: &Project) -> AppResult<Vec<i64>> {
    Ok(crate::procurement::review::rows(c, p)
        .await?
        .into_iter()
        .filter(|r| r.price_ok && r.qualified == Some(true))
        .map(|r| r.bid.org_id)
        .collect())
}

impl Procurement<'_> {
    /// Draws the panel of the current round. `Ok(Err(key))` is a refusal for the form.
    pub async fn draw_panel(
        &self,
        c: &mut Conn,
        p: &Project,
        size: usize,
        representatives: &[i64],
        user: i64,
    ) -> AppResult<Result<i64, &'static str>> {
        if p.status != crate::domain::project::Status::Opened {
            return Ok(Err("err-panel-not-now"));
        }
        if panel_of(c, p).await?.is_some() {
            return Ok(Err("err-panel-drawn"));
        }
        let bidders = valid_bidders(c, p).await?;
        if bidders.is_empty() {
            return Ok(Err("err-panel-review-first"));
        }
        let minimum = minimum_size(c, p, self.clock.now_ms()).await?;
        match award::panel_problem(size, minimum, representatives.len()) {
            Some(PanelProblem::Size { .. }) => return Ok(Err("err-panel-size")),
            Some(PanelProblem::Representatives { .. }) => {
                return Ok(Err("err-panel-representatives"))
            }
            _ => {}
        }
        let since = iso_date(shanghai_date(self.clock.now()) - Duration::days(3 * 365));
        let mut candidates = Vec::new();
        let mut excluded: Vec<(i64, String)> = Vec::new();
        // Only the procurement library's experts of the project's service category (issue 22,
        // item 20).
        for (expert, person) in crate::db::experts::with_persons(c, &p.category_code).await? {
            if representatives.contains(&expert) {
                continue;
            }
            candidates.push(expert);
            for org in &bidders {
                if let Some(how) =
                    crate::db::eval_panel::worked_for(c, person, *org, &since).await?
                {
                    excluded.push((expert, format!("{how}:{org}")));
                    break;
                }
            }
        }
        let seed = self.draws.next_seed();
        let out: Vec<i64> = excluded.iter().map(|e| e.0).collect();
        let drawn = match award::draw_panel(&candidates, &out, size - representatives.len(), seed) {
            Ok(d) => d,
            Err(_) => return Ok(Err("err-panel-candidates")),
        };
        let now = self.clock.now_ms();
        let id = store::add(
            c,
            &NewPanel {
                project: p.id,
                round: p.round,
                seed: &seed.to_string(),
                size: size as i64,
                candidates: &json!(candidates).to_string(),
                excluded: &json!(excluded).to_string(),
                drawn_by: user,
                drawn_at: now,
            },
        )
        .await?;
        let seats = drawn
            .iter()
            .map(|u| (*u, "expert"))
            .chain(representatives.iter().map(|u| (*u, "representative")));
        for (member, kind) in seats {
            seat(c, id, member, kind, None, now).await?;
            self.mail(
                c,
                member,
                json!({ "event": "panel", "title": p.title, "number": p.number, "link": "scoring" }),
            )
            .await?;
        }
        self.audit(
            c,
            Actor::User(UserId(user)),
            "panel.drawn",
            ("project", p.id),
            json!({ "panel": id, "seed": seed.to_string(), "candidates": candidates, "excluded": excluded, "drawn": drawn }),
        )
        .await?;
        Ok(Ok(id))
    }

    /// Records a panelist's recusal and seats the next candidate in the seed's order (an
    /// expert) in the same transaction; refused when no candidate is left.
    pub async fn recuse(
        &self,
        c: &mut Conn,
        p: &Project,
        member: i64,
        reason: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let Some(panel) = panel_of(c, p).await? else {
            return Ok(Err("err-panel-not-now"));
        };
        let Some(m) = panel
            .members
            .iter()
            .find(|m| m.id == member && m.status == SeatStatus::Seated)
        else {
            return Ok(Err("err-panel-member"));
        };
        let now = self.clock.now_ms();
        let mut replacement = None;
        if m.kind == "expert" {
            let used: Vec<i64> = panel.members.iter().map(|m| m.user_id).collect();
            let out: Vec<i64> = panel.excluded.iter().map(|e| e.0).chain(used).collect();
            let seed: u64 = panel.seed.parse().unwrap_or(0);
            match award::draw_panel(&panel.candidates, &out, 1, seed) {
                Ok(next) => replacement = next.first().copied(),
                Err(_) => return Ok(Err("err-panel-no-replacement")),
            }
        }
        // Compare-and-set on the seat's status (the first write of this step): a member who
        // left the seat meanwhile is reported, and no replacement is drawn twice.
        if !store::recuse(c, member, reason, now).await? {
            return Ok(Err("err-panel-member"));
        }
        if let Some(next) = replacement {
            seat(c, panel.id, next, "expert", Some(member), now).await?;
            self.mail(
                c,
                next,
                json!({ "event": "panel", "title": p.title, "number": p.number, "link": "scoring" }),
            )
            .await?;
        }
        self.audit(
            c,
            Actor::User(UserId(user)),
            "panel.recused",
            ("project", p.id),
            json!({ "member": member, "reason": reason, "replacement": replacement }),
        )
        .await?;
        Ok(Ok(()))
    }
}

async fn seat(
    c: &mut Conn,
    panel: i64,
    user: i64,
    kind: &str,
    replaces: Option<i64>,
    now: i64,
) -> AppResult<()> {
    Ok(store::add_member(c, panel, user, kind, replaces, now).await?)
}

impl Procurement<'_> {
    /// The procurement supervisor keeps an expert's fields, libraries (procurement review,
    /// evaluation: issue 22, item 20) and service categories in the library panels are drawn
    /// from; only a current expert has them. Unknown libraries and categories are dropped.
    pub async fn set_expert_fields(
        &self,
        by: UserId,
        expert: i64,
        fields: &str,
        pools: &[String],
        categories: &[String],
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if !crate::db::experts::is_expert(&mut tx, expert).await? {
            return Err(crate::platform::error::AppError::NotFound);
        }
        let pools: Vec<&str> = crate::db::experts::POOLS
            .into_iter()
            .filter(|p| pools.iter().any(|q| q == p))
            .collect();
        let categories: Vec<String> = crate::db::projects::service_category_codes(&mut tx)
            .await?
            .into_iter()
            .filter(|k| categories.contains(k))
            .collect();
        crate::db::experts::set_fields(&mut tx, expert, fields, by.0, now).await?;
        crate::db::experts::set_pools_and_categories(&mut tx, expert, &pools, &categories, now)
            .await?;
        self.auditor
            .record(
                &mut tx,
                self.clock.now_ms(),
                Actor::User(by),
                "expert.fields",
                ("user", expert.to_string()),
                json!({ "fields": fields, "pools": pools, "categories": categories }),
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
