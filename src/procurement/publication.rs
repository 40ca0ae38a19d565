//! What publishing a project decides by the rules in force (issue 22, items 3, 10 and 14): the
//! settings version a project's rules are read with from its publication on, the reason a
//! project is published soon after its 采购意向, and the procurement supervisor's approval of a
//! method other than 公开招标 for a budget that reaches the open-tender threshold.

use crate::db::method_approvals::{self as approvals, Approval, NewApproval};
use crate::db::projects::{self as store, Project};
use crate::db::settings::Snapshot;
use crate::db::Conn;
use crate::domain::procurement::{self as rules, Method};
use crate::platform::audit::Actor;
use crate::platform::clock::from_ms;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::Procurement;
use serde_json::json;
use time::OffsetDateTime;

/// The settings a project's rules are read with: once it is published, those in force at its
/// publication as that publication recorded them (`projects.settings_version`; a value changed
/// later, even with an earlier date, does not reach it); a draft reads those in force `now`.
/// A project published before versions were recorded reads those valid at its notice.
pub async fn rules_of(c: &mut Conn, p: &Project, now: i64) -> AppResult<Snapshot> {
    Ok(match (p.settings_version, p.notice_at) {
        (Some(version), Some(at)) => Snapshot {
            version,
            values: crate::db::settings::as_used(c, version, at).await?,
        },
        (_, at) => crate::db::settings::snapshot(c, at.unwrap_or(now)).await?,
    })
}

/// The open-tender threshold of the category in fen: its own setting when set (not 0), the
/// general one otherwise (政府采购法 art. 27; `procurement.open_tender_yuan[.<category>]`).
pub fn open_tender_threshold_fen(s: &Snapshot, category: &str) -> i64 {
    let own = s
        .int(&format!("procurement.open_tender_yuan.{category}"))
        .filter(|y| *y > 0);
    let yuan = own
        .or_else(|| s.int("procurement.open_tender_yuan"))
        .unwrap_or(2_000_000);
    yuan.saturating_mul(100)
}

/// Why a publication was refused (nothing is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishRefusal {
    /// The deadline is too soon: the earliest lawful one.
    Deadline(OffsetDateTime),
    /// Published `after` days after its intention, fewer than `days`, without a reason.
    IntentionReason { days: i64, after: i64 },
    /// The method needs the supervisor's approval first: the threshold (fen) the budget reaches.
    MethodApproval { threshold_fen: i64 },
}

/// What the publication records besides the notice.
pub struct Decided {
    pub settings_version: i64,
    pub intention_late_reason: Option<String>,
    pub approval: Option<Approval>,
}

/// A reason is 5 to 2000 characters of text.
pub fn reason_ok(reason: &str) -> bool {
    (5..=2000).contains(&reason.chars().count())
}

/// The checks of publication at `now` with the settings `s` in force then.
pub async fn check(
    c: &mut Conn,
    p: &Project,
    s: &Snapshot,
    now: OffsetDateTime,
    intention_reason: Option<&str>,
) -> AppResult<Result<Decided, PublishRefusal>> {
    let now_ms = crate::platform::clock::to_ms(now);
    // 财库〔2020〕10号 (三、公开时间): "原则上不得晚于采购活动开始前30日" — an exception is
    // allowed, not silence: publishing sooner needs the purchaser's reason, shown on the notice.
    let mut late_reason = None;
    if let Some(id) = p.intention_id.filter(|_| p.kind == "procurement") {
        let i = store::intention_by_id(c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let days = s
            .int("procurement.intention_days")
            .unwrap_or(rules::INTENTION_DAYS);
        let published = from_ms(i.published_at);
        if !rules::intention_in_time(published, now, days) {
            match intention_reason.map(str::trim).filter(|r| reason_ok(r)) {
                Some(r) => late_reason = Some(r.to_string()),
                None => {
                    return Ok(Err(PublishRefusal::IntentionReason {
                        days,
                        after: rules::days_after_intention(published, now),
                    }))
                }
            }
        }
    }
    // 政府采购法 art. 27: a budget reaching the threshold is procured by 公开招标 unless the
    // supervisor approved another method before the procurement starts (its publication).
    let method = Method::parse(&p.method).ok_or(AppError::Internal(p.method.clone()))?;
    let threshold_fen = open_tender_threshold_fen(s, &p.category_code);
    let mut approval = None;
    if rules::needs_method_approval(method, p.budget_fen, threshold_fen) {
        approval = approvals::in_force(c, p.id, p.round, &p.method, now_ms).await?;
        if approval.is_none() {
            return Ok(Err(PublishRefusal::MethodApproval { threshold_fen }));
        }
    }
    Ok(Ok(Decided {
        settings_version: s.version,
        intention_late_reason: late_reason,
        approval,
    }))
}

/// A draft waiting for the supervisor: its method needs approval at the threshold in force.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Waiting {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub department: String,
    pub category: String,
    pub method: String,
    pub budget_fen: i64,
    pub threshold_fen: i64,
    pub approval: Option<Approval>,
}

impl Procurement<'_> {
    /// The drafts whose method needs the supervisor's approval at the thresholds in force now,
    /// each with its approval if it has one.
    pub async fn method_approval_queue(&self) -> AppResult<Vec<Waiting>> {
        let now = self.clock.now_ms();
        let mut c = self.db.acquire().await?;
        let s = crate::db::settings::snapshot(&mut c, now).await?;
        let lowest = s
            .values
            .keys()
            .filter(|k| k.starts_with("procurement.open_tender_yuan."))
            .filter_map(|k| s.int(k).filter(|y| *y > 0))
            .chain(s.int("procurement.open_tender_yuan"))
            .min()
            .unwrap_or(2_000_000)
            .saturating_mul(100);
        let mut out = Vec::new();
        for (id, number, title, department, category, method, budget_fen) in
            approvals::drafts_from(&mut c, lowest).await?
        {
            let threshold_fen = open_tender_threshold_fen(&s, &category);
            let Some(m) = Method::parse(&method) else {
                continue;
            };
            if !rules::needs_method_approval(m, budget_fen, threshold_fen) {
                continue;
            }
            let round = store::by_id(&mut c, id)
                .await?
                .map(|p| p.round)
                .unwrap_or(1);
            let approval = approvals::in_force(&mut c, id, round, &method, now).await?;
            out.push(Waiting {
                id,
                number,
                title,
                department,
                category,
                method,
                budget_fen,
                threshold_fen,
                approval,
            });
        }
        Ok(out)
    }

    /// The supervisor approves the draft's method for its budget with the reason (政府采购法
    /// art. 27): refused unless the project is a draft whose method needs it.
    pub async fn approve_method(
        &self,
        project: i64,
        reason: &str,
        user: UserId,
    ) -> AppResult<Result<i64, &'static str>> {
        if !reason_ok(reason) {
            return Ok(Err("err-method-approval-reason"));
        }
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let p = store::lock(&mut tx, project, self.db.for_update())
            .await?
            .ok_or(AppError::NotFound)?;
        let s = crate::db::settings::snapshot(&mut tx, now).await?;
        let method = Method::parse(&p.method).ok_or(AppError::Internal(p.method.clone()))?;
        if p.status != crate::domain::project::Status::Draft
            || !rules::needs_method_approval(
                method,
                p.budget_fen,
                open_tender_threshold_fen(&s, &p.category_code),
            )
        {
            return Ok(Err("err-method-approval-not-needed"));
        }
        let id = approvals::add(
            &mut tx,
            &NewApproval {
                project: p.id,
                round: p.round,
                method: &p.method,
                budget_fen: p.budget_fen,
                reason,
                by: user.0,
                at: now,
            },
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "project.method_approved",
            ("project", p.id),
            json!({ "approval": id, "method": p.method, "budget_fen": p.budget_fen, "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }
}

/// What the purchaser's draft page and the notice show of the publication's rules.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Standing {
    /// The settings version the rules are read with (in force now for a draft).
    pub settings_version: i64,
    /// The intention's minimum days, and the days from the intention to now (a draft) or to
    /// the notice.
    pub intention_days: i64,
    pub days_after_intention: Option<i64>,
    /// A draft published now would need the reason.
    pub reason_needed: bool,
    /// The open-tender threshold of the project's category (fen) and whether its method needs
    /// the supervisor's approval.
    pub threshold_fen: i64,
    pub approval_needed: bool,
    /// The approval recorded before the notice (or by now, for a draft).
    pub approval: Option<Approval>,
}

pub async fn standing(c: &mut Conn, p: &Project, now: i64) -> AppResult<Standing> {
    let s = rules_of(c, p, now).await?;
    let at = p.notice_at.unwrap_or(now);
    let intention_days = s
        .int("procurement.intention_days")
        .unwrap_or(rules::INTENTION_DAYS);
    let days_after_intention = match p.intention_id {
        Some(id) => store::intention_by_id(c, id)
            .await?
            .map(|i| rules::days_after_intention(from_ms(i.published_at), from_ms(at))),
        None => None,
    };
    let threshold_fen = open_tender_threshold_fen(&s, &p.category_code);
    let approval_needed = Method::parse(&p.method)
        .is_some_and(|m| rules::needs_method_approval(m, p.budget_fen, threshold_fen));
    let approval = if approval_needed {
        approvals::in_force(c, p.id, p.round, &p.method, at).await?
    } else {
        None
    };
    Ok(Standing {
        settings_version: s.version,
        intention_days,
        days_after_intention,
        reason_needed: p.kind == "procurement"
            && days_after_intention.is_some_and(|d| d < intention_days),
        threshold_fen,
        approval_needed,
        approval,
    })
}
