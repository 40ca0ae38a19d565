//! The demo's evaluation data: rounds (one open, one past its notice), an application scored
//! by three experts and decided, and a grade from an earlier round.

use crate::db::users;
use crate::platform::ids::OrgId;
use crate::seed::DemoError;
use serde::Deserialize;

/// An application already scored by three experts and decided by the committee: each
/// expert's `deductions` are taken off the first items in order (each commented).
#[derive(Deserialize)]
pub struct ResultSeed {
    pub round: String,
    pub org: String,
    pub applicant: String,
    pub self_assessment: String,
    pub experts: Vec<String>,
    pub deductions: Vec<i64>,
    pub votes: i64,
}

/// An evaluation round already opened, with the default thresholds and rules.
#[derive(Deserialize)]
pub struct RoundSeed {
    pub authority: String,
    pub year: i64,
    pub title: String,
    pub apply_from: String,
    pub apply_to: String,
    pub scoring_due: String,
    pub opened_by: String,
    #[serde(default)]
    pub stage: Option<StageSeed>,
}

/// A round past its committee meeting: in the notice stage with these dates.
#[derive(Deserialize)]
pub struct StageSeed {
    pub committee_on: String,
    pub committee_members: i64,
    pub committee_present: i64,
    pub notice_from: String,
    pub notice_to: String,
}
/// A grade announced in an earlier round (before this system).
#[derive(Deserialize)]
pub struct GradeSeed {
    pub org: String,
    pub grade: String,
    pub announced_on: String,
}

/// Records a decided application: three experts' submitted scores, the proposal, the decision.
pub async fn seed_result(
    tx: &mut crate::db::Conn,
    round: i64,
    org: OrgId,
    res: &ResultSeed,
    now: i64,
) -> Result<(), DemoError> {
    use crate::db::evaluation as ev;
    use rust_decimal::Decimal;
    let (org_type, category): (String, String) =
        sqlx::query_as("SELECT org_type, category FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_one(&mut *tx)
            .await?;
    let r = ev::round_by_id(tx, round)
        .await?
        .ok_or_else(|| DemoError::Invalid(format!("no round {round}")))?;
    let (standard_id, standard) = crate::evaluation::standard_for(tx, &org_type, &category, &r)
        .await
        .map_err(|e| DemoError::Invalid(format!("no standard for {org_type}: {e}")))?;
    let applicant = users::by_email(tx, &res.applicant)
        .await?
        .ok_or_else(|| DemoError::Invalid(format!("unknown user {}", res.applicant)))?;
    let app = ev::create_app(
        tx,
        round,
        org.0,
        standard_id,
        applicant.id.0,
        &res.self_assessment,
        now,
    )
    .await?;
    let mut sheets = Vec::new();
    for (email, deduct) in res.experts.iter().zip(&res.deductions) {
        let expert = users::by_email(tx, email)
            .await?
            .ok_or_else(|| DemoError::Invalid(format!("unknown expert {email}")))?;
        ev::assign(tx, app, expert.id.0, applicant.id.0, None, now).await?;
        let a: i64 = sqlx::query_scalar(
            "SELECT id FROM eval_assignments WHERE eval_application_id = $1 AND expert_user_id = $2",
        )
        .bind(app)
        .bind(expert.id.0)
        .fetch_one(&mut *tx)
        .await?;
        ev::declare(tx, a, None, now).await?;
        let mut left = Decimal::from(*deduct);
        let mut sheet = std::collections::BTreeMap::new();
        for item in standard.items() {
            let off = left.min(item.max);
            left -= off;
            let score = item.max - off;
            let comment = if off > Decimal::ZERO {
                "（演示数据）材料不完整，酌情扣分"
            } else {
                ""
            };
            ev::save_score(
                tx,
                &ev::Score {
                    assignment_id: a,
                    item_code: item.code.clone(),
                    centi: crate::evaluation::centi(score),
                    comment: comment.into(),
                },
                now,
            )
            .await?;
            sheet.insert(item.code.clone(), score);
        }
        ev::submit(tx, a, now).await?;
        sheets.push(sheet);
    }
    let o = crate::domain::scoring::outcome(
        &standard,
        &sheets,
        &crate::domain::scoring::Method::default(),
    );
    let grade = o.proposed.map(crate::domain::evaluation::Grade::code);
    ev::set_proposal(
        tx,
        app,
        crate::evaluation::centi(o.total),
        grade,
        None,
        &o.flagged.join(","),
    )
    .await?;
    let (members, present, on): (Option<i64>, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT committee_members, committee_present, committee_on FROM eval_rounds WHERE id = $1",
    )
    .bind(round)
    .fetch_one(&mut *tx)
    .await?;
    ev::record_decision(
        tx,
        &ev::NewDecision {
            app,
            body: "committee",
            grade,
            members: members.unwrap_or(0),
            present: present.unwrap_or(0),
            votes_for: res.votes,
            reason: None,
            objection: None,
            by: None,
            on: on.as_deref().unwrap_or(""),
            at: now,
        },
    )
    .await?;
    Ok(())
}
