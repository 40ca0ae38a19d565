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

/// Each cause's query: (grade id, org id, detail) of grades in force announced before it.
const CAUSES: [(&str, &str); 3] = [
    (
        "inspection_failed",
        "SELECT g.id, g.org_id, CAST(r.year AS TEXT) FROM org_grades g JOIN annual_reports r ON r.org_id = g.org_id \
         WHERE g.ended_on IS NULL AND g.valid_to >= $1 AND r.outcome = 'unqualified' AND r.outcome_on >= g.announced_on",
    ),
    (
        "basic_pass_twice",
        "SELECT g.id, g.org_id, CAST(r.year AS TEXT) FROM org_grades g JOIN annual_reports r ON r.org_id = g.org_id \
         JOIN annual_reports p ON p.org_id = r.org_id AND p.year = r.year - 1 \
         WHERE g.ended_on IS NULL AND g.valid_to >= $1 AND r.outcome = 'basically_qualified' \
         AND p.outcome = 'basically_qualified' AND r.outcome_on >= g.announced_on",
    ),
    (
        "penalty",
        "SELECT g.id, g.org_id, CAST(p.id AS TEXT) FROM org_grades g JOIN penalties p ON p.org_id = g.org_id \
         WHERE g.ended_on IS NULL AND g.valid_to >= $1 AND p.kind <> 'investigation' AND p.decided_on >= g.announced_on",
    ),
];

/// Proposes every downgrade that a grade in force on `day` calls for, once each (also right
/// after a registrar records an inspection outcome or a penalty); returns how many are new.
pub async fn propose_downgrades(c: &mut Conn, day: &str, now: i64) -> Result<usize, sqlx::Error> {
    let mut n = 0;
    for (cause, sql) in CAUSES {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(day.to_string())
            .fetch_all(&mut *c)
            .await?;
        for (grade, org, detail) in rows {
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
                let first = sqlx::query(
                    "INSERT INTO reminders (kind, org_id, year, sent_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (kind, org_id, year) DO NOTHING",
                )
                .bind(format!("eval_scoring:{}", a.id))
                .bind(a.org_id)
                .bind(round.year)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
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
        for id in store::lapsed_grades(&mut tx, &day).await? {
            if store::end_grade(&mut tx, id, &day, "expired").await? {
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
