//! Evaluation's share of the daily job: reminders to experts 3 days before the scoring
//! deadline, expired grades recorded, and downgrades proposed for a failed annual inspection,
//! two 基本合格 in a row or an administrative penalty (the officer confirms each).

use crate::db::evaluation as store;
use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::evaluation::Evaluation;
use crate::platform::audit::Actor;
use crate::platform::error::AppResult;
use serde_json::json;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct EvalDaily {
    pub reminders: usize,
    pub expired: usize,
    pub proposed: usize,
}

/// Proposes every downgrade that a grade in force on `day` calls for, once each (also right
/// after a registrar records an inspection outcome or a penalty); returns how many are new.
pub async fn propose_downgrades(c: &mut Conn, day: &str, now: i64) -> Result<usize, sqlx::Error> {
    let mut n = 0;
    for cause in store::downgrade_causes() {
        for (grade, org, detail) in store::downgrade_grounds(c, cause, day).await? {
            if store::propose_downgrade(c, org, grade, cause, &detail, day, now).await? {
                n += 1;
            }
        }
    }
    Ok(n)
}

impl Evaluation<'_> {
    pub async fn run_daily(&self) -> AppResult<EvalDaily> {
        let mut report = EvalDaily::default();
        let today = self.today();
        let day = iso_date(today);
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        // Reminders: unsubmitted, unrecused assignments of rounds whose deadline is 0–3 days away.
        for round in store::rounds(&mut tx, None).await? {
            let Some(due) = parse_iso_date(&round.scoring_due) else {
                continue;
            };
            let left = (due - today).whole_days();
            if round.status != crate::domain::eval_life::RoundStatus::Open
                || !(0..=3).contains(&left)
            {
                continue;
            }
            for a in store::assignments_of_round(&mut tx, round.id).await? {
                if a.submitted_at.is_some() || a.recused_at.is_some() {
                    continue;
                }
                let first = crate::db::reminders::add_once(
                    &mut tx,
                    &format!("eval_scoring:{}", a.id),
                    a.org_id,
                    round.year,
                    now,
                )
                .await?;
                if first {
                    self.mail(
                        &mut tx,
                        a.expert_user_id,
                        json!({ "event": "reminder", "round": round.title, "org": a.org_name,
                                "due": round.scoring_due, "assignment": a.id }),
                    )
                    .await?;
                    report.reminders += 1;
                }
            }
        }
        // An expired grade's certificate is void at once and due back within 15 days (issue
        // 22, item 15; 39号令 art. 30 as the ministry applies it).
        for (id, grade) in store::lapsed_grades(&mut tx, &day).await? {
            let due = crate::domain::evaluation::Grade::parse(&grade)
                .and_then(|g| crate::domain::evaluation::certificate_return_due(g, today))
                .map(iso_date);
            if store::end_grade(&mut tx, id, &day, "expired", due.as_deref()).await? {
                report.expired += 1;
            }
        }
        report.proposed = propose_downgrades(&mut tx, &day, now).await?;
        if report != EvalDaily::default() {
            self.audit(
                &mut tx,
                Actor::System,
                "evaluation.daily",
                ("eval_daily", 0),
                json!({ "day": day, "reminders": report.reminders, "expired": report.expired,
                        "proposed": report.proposed }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(report)
    }
}
