//! The papers behind the committee's decision (issue 21): every submitted expert's sheet of
//! an application side by side, for the round's evaluation officers, and the round's
//! aggregate sheet the committee decides from. Read only.

use super::{from_centi, Evaluation, PROPOSAL_EXPERTS};
use crate::db::evaluation::{self as store, Assignment, EvalApp, Round, Score};
use crate::db::{standards, Conn};
use crate::domain::evaluation::Grade;
use crate::domain::scoring::{self, Cell, Sheet};
use crate::domain::standard::Standard;
use crate::platform::error::{AppError, AppResult};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

/// An expert whose sheet is a column: the assignment and the expert's name.
#[derive(Debug, Clone, Serialize)]
pub struct SheetExpert {
    pub assignment_id: i64,
    pub name: String,
}

/// An application's sheets side by side: one column per expert who has submitted.
#[derive(Debug, Clone, Serialize)]
pub struct ExpertSheets {
    pub experts: Vec<SheetExpert>,
    pub sheet: Sheet,
    /// The proposed grade, once enough experts have submitted for a proposal.
    pub proposed: Option<&'static str>,
    pub enough: bool,
}

/// One expert's total on the committee's aggregate sheet.
#[derive(Debug, Clone, Serialize)]
pub struct ExpertTotal {
    pub name: String,
    pub total: Decimal,
}

/// One application on the committee's aggregate sheet.
#[derive(Debug, Clone, Serialize)]
pub struct CommitteeRow {
    pub app_id: i64,
    pub org_name: String,
    pub status: crate::domain::eval_life::AppStatus,
    /// Each submitted expert's total, in the order they were assigned.
    pub expert_totals: Vec<ExpertTotal>,
    /// The aggregate total and the proposed grade, once enough experts have submitted.
    pub total: Option<Decimal>,
    pub proposed: Option<&'static str>,
    pub enough: bool,
    pub flagged: usize,
}

/// The sheets of the submitted (and not recused) `assignments` from their `scores`.
fn side_by_side(
    standard: &Standard,
    round: &Round,
    assignments: &[&Assignment],
    scores: &[&Score],
) -> ExpertSheets {
    let mut per: BTreeMap<i64, BTreeMap<String, Cell>> = BTreeMap::new();
    for s in scores {
        per.entry(s.assignment_id).or_default().insert(
            s.item_code.clone(),
            Cell {
                score: from_centi(s.centi),
                comment: s.comment.clone(),
            },
        );
    }
    let submitted: Vec<&&Assignment> = assignments
        .iter()
        .filter(|a| a.submitted_at.is_some() && a.recused_at.is_none())
        .collect();
    let columns: Vec<BTreeMap<String, Cell>> = submitted
        .iter()
        .map(|a| per.remove(&a.id).unwrap_or_default())
        .collect();
    let sheet = scoring::sheet(standard, &columns, &super::method(round));
    let enough = sheet.outcome.experts >= PROPOSAL_EXPERTS;
    ExpertSheets {
        experts: submitted
            .iter()
            .map(|a| SheetExpert {
                assignment_id: a.id,
                name: a.expert_name.clone(),
            })
            .collect(),
        proposed: sheet.outcome.proposed.filter(|_| enough).map(Grade::code),
        enough,
        sheet,
    }
}

impl Evaluation<'_> {
    /// Every submitted expert's scores and comments for the application, side by side.
    pub async fn sheets(
        &self,
        c: &mut Conn,
        app: &EvalApp,
        round: &Round,
    ) -> AppResult<ExpertSheets> {
        let standard = self.standard_of(c, app).await?;
        let assignments = store::assignments_of_app(c, app.id).await?;
        let scores = store::submitted_scores(c, app.id).await?;
        Ok(side_by_side(
            &standard,
            round,
            &assignments.iter().collect::<Vec<_>>(),
            &scores.iter().collect::<Vec<_>>(),
        ))
    }

    /// The round's aggregate sheet: for each application the experts' totals, the aggregate,
    /// the proposed grade and how many items the experts disagree on.
    pub async fn committee_sheet(
        &self,
        c: &mut Conn,
        round: &Round,
    ) -> AppResult<Vec<CommitteeRow>> {
        let apps = store::apps_of_round(c, round.id).await?;
        let assignments = store::assignments_of_round(c, round.id).await?;
        let scores = store::submitted_scores_of_round(c, round.id).await?;
        let mut standards_by_id: HashMap<i64, Standard> = HashMap::new();
        let mut rows = Vec::new();
        for app in &apps {
            let standard = match standards_by_id.entry(app.standard_id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let body = standards::body(c, app.standard_id).await?;
                    e.insert(Standard::parse(&body).map_err(|e| AppError::Internal(e.to_string()))?)
                }
            };
            let mine: Vec<&Assignment> =
                assignments.iter().filter(|a| a.app_id == app.id).collect();
            let theirs: Vec<&Score> = scores
                .iter()
                .filter(|(a, _)| *a == app.id)
                .map(|(_, s)| s)
                .collect();
            let s = side_by_side(standard, round, &mine, &theirs);
            rows.push(CommitteeRow {
                app_id: app.id,
                org_name: app.org_name.clone(),
                status: app.status,
                total: s.enough.then_some(s.sheet.outcome.total),
                proposed: s.proposed,
                enough: s.enough,
                flagged: s.sheet.outcome.flagged.len(),
                expert_totals: s
                    .experts
                    .iter()
                    .zip(&s.sheet.totals)
                    .map(|(e, t)| ExpertTotal {
                        name: e.name.clone(),
                        total: *t,
                    })
                    .collect(),
            });
        }
        Ok(rows)
    }
}
