//! Performance reviews and beneficiary surveys (DOMAIN §6): the purchaser opens a review at a
//! milestone (mid-term, final — the name an installment waits for), by itself or a third-party
//! reviewer; issues one-time survey links (no login; each answers once); the reviewer scores
//! the template's indicators and the surveys give the satisfaction points; the grade follows
//! the settings' thresholds. A 差 result blocks the next installment until the purchaser
//! records a rectification decision. Results are public on the contract page.

use crate::db::{settings, Conn};
use crate::delivery::contract::{self, Contract};
use crate::domain::performance::{
    self as rules, ReviewAction, ReviewEvent, ReviewStatus, Template, Thresholds,
};
use crate::platform::audit::Actor;
use crate::platform::auth::tokens;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::Procurement;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::str::FromStr;

use super::store::reviews as store;
pub use super::store::reviews::{
    assigned_to, by_id, history_of_org, of_contract, poor_since, HistoryLine, Review,
};

/// The survey behind a token: (link id, review id, the contract's title, answered).
pub async fn survey_of(c: &mut Conn, token: &str) -> AppResult<Option<(i64, i64, String, bool)>> {
    store::survey_of_digest(c, &tokens::digest(token)).await
}

/// The grade ladder in force at `now` and the settings version it came from (a review records
/// the version it was graded under: DOMAIN's "the value in force recorded on each decision").
pub async fn thresholds(c: &mut Conn, now: i64) -> AppResult<(Thresholds, i64)> {
    let s = settings::snapshot(c, now).await?;
    Ok((
        Thresholds {
            excellent: s.int("performance.threshold.excellent").unwrap_or(90),
            good: s.int("performance.threshold.good").unwrap_or(80),
            fair: s.int("performance.threshold.fair").unwrap_or(60),
        },
        s.version,
    ))
}

/// Parses the reviewer's scores: every item within [0, max] with at most 2 decimals.
pub fn check_scores(
    t: &Template,
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Decimal>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut bad = Vec::new();
    for i in t.items() {
        match raw
            .get(&i.key)
            .map(|v| v.trim())
            .and_then(|v| Decimal::from_str(v).ok())
        {
            Some(v) if v.scale() <= 2 && v >= Decimal::ZERO && v <= Decimal::from(i.max) => {
                out.insert(i.key.clone(), v);
            }
            _ => bad.push(i.key.clone()),
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(bad)
    }
}

impl Procurement<'_> {
    /// Opens a review of the contract at a milestone, by the purchaser or a third party.
    pub async fn open_review(
        &self,
        k: &Contract,
        milestone: &str,
        reviewer: i64,
        third_party: bool,
        user: i64,
    ) -> AppResult<Result<i64, &'static str>> {
        let milestone = match crate::domain::milestone::Milestone::parse(milestone) {
            Ok(m) => m,
            Err(key) => return Ok(Err(key)),
        };
        let mut tx = self.db.begin_write().await?;
        let open = store::open_reviews_at(&mut tx, k.id, milestone.as_str()).await?;
        if open > 0 {
            return Ok(Err("err-review-open"));
        }
        let now = self.clock.now_ms();
        let id = store::insert_review(
            &mut tx,
            &store::NewReview {
                contract: k.id,
                milestone: &milestone,
                third_party,
                reviewer,
                at: now,
            },
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "review.opened",
            ("contract", k.id),
            json!({ "review": id, "milestone": milestone, "third_party": third_party }),
        )
        .await?;
        if third_party {
            self.mail(
                &mut tx,
                reviewer,
                json!({ "event": "review_due", "title": k.title, "number": k.number,
                "milestone": milestone, "link": format!("reviews/{id}") }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Issues `n` one-time survey links for an open review: the plain tokens, shown once.
    pub async fn issue_surveys(
        &self,
        r: &Review,
        n: usize,
        user: i64,
    ) -> AppResult<Result<Vec<String>, &'static str>> {
        if let Err(e) = rules::review_transition(r.status, ReviewAction::IssueSurveys { n }) {
            return Ok(Err(e.message_key()));
        }
        let mut tx = self.db.begin_write().await?;
        let now = self.clock.now_ms();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let t = tokens::new_token();
            store::insert_survey_link(&mut tx, r.id, &tokens::digest(&t), user, now).await?;
            out.push(t);
        }
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "review.surveys_issued",
            ("perf_review", r.id),
            json!({ "links": n }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(out))
    }

    /// A beneficiary's answers, once per link, while the review is open.
    pub async fn answer_survey(
        &self,
        token: &str,
        answers: &[i64],
    ) -> AppResult<Result<(), &'static str>> {
        let t = Template::shipped();
        let Some(pct) = rules::survey_percent(answers, t.questions.len()) else {
            return Ok(Err("err-survey-answers"));
        };
        let mut tx = self.db.begin_write().await?;
        let Some((link, review, _, answered)) = survey_of(&mut tx, token).await? else {
            return Err(AppError::NotFound);
        };
        if answered {
            return Ok(Err("err-survey-answered"));
        }
        let open = store::submitted_at(&mut tx, review).await?;
        let Some(submitted) = open else {
            return Err(AppError::NotFound);
        };
        // Only the open/closed distinction matters to a survey.
        let status = ReviewStatus::of(submitted.is_some(), None, false);
        if let Err(e) = rules::review_transition(status, ReviewAction::AnswerSurvey) {
            return Ok(Err(e.message_key()));
        }
        let centi: i64 = (pct * Decimal::from(100)).trunc().try_into().unwrap_or(0);
        let n = store::answer_survey_link(
            &mut tx,
            link,
            self.clock.now_ms(),
            &serde_json::to_string(answers).unwrap_or_default(),
            centi,
        )
        .await?;
        if n != 1 {
            return Ok(Err("err-survey-answered"));
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The reviewer submits: the scores, the satisfaction from the answered surveys (or, with
    /// none, the reviewer's own figure), the total and the grade. Once.
    pub async fn submit_review(
        &self,
        r: &Review,
        scores: &BTreeMap<String, Decimal>,
        satisfaction_without_survey: Option<Decimal>,
        user: i64,
    ) -> AppResult<Result<String, &'static str>> {
        if r.status != ReviewStatus::Open {
            return Ok(Err(rules::ReviewRefusal::Submitted.message_key()));
        }
        let t = Template::shipped();
        let mut tx = self.db.begin_write().await?;
        let pcts = store::answered_survey_scores(&mut tx, r.id).await?;
        let pcts: Vec<Decimal> = pcts.into_iter().map(|c| Decimal::new(c, 2)).collect();
        let satisfaction = match rules::satisfaction(&pcts, t.satisfaction_max) {
            Some(s) => s,
            None => match satisfaction_without_survey {
                Some(s)
                    if s >= Decimal::ZERO
                        && s <= Decimal::from(t.satisfaction_max)
                        && s.scale() <= 2 =>
                {
                    s
                }
                _ => return Ok(Err("err-review-satisfaction")),
            },
        };
        let total = scores.values().sum::<Decimal>() + satisfaction;
        let now = self.clock.now_ms();
        let (ladder, settings_version) = thresholds(&mut tx, now).await?;
        let grade = rules::grade(total, ladder);
        let (_, event) = match rules::review_transition(
            r.status,
            ReviewAction::Submit {
                poor: grade == "poor",
            },
        ) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.message_key())),
        };
        let centi =
            |d: Decimal| -> i64 { (d * Decimal::from(100)).trunc().try_into().unwrap_or(0) };
        let n = store::submit_review(
            &mut tx,
            r.id,
            &store::Submission {
                scores: &serde_json::to_string(scores).unwrap_or_default(),
                survey_centi: centi(satisfaction),
                total_centi: centi(total),
                grade,
                settings_version,
                at: now,
            },
        )
        .await?;
        if n != 1 {
            return Ok(Err("err-review-submitted"));
        }
        let k = contract::by_id(&mut tx, r.contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "review",
                data: json!({ "contract": k.id, "review": r.id, "milestone": r.milestone, "total": total.to_string(),
                     "grade": grade, "surveys": pcts.len(), "settings_version": settings_version }),
                action: "review.submitted",
                entity: ("perf_review", r.id),
                summary: json!({ "total": total.to_string(), "grade": grade, "settings_version": settings_version }),
            },
        )
        .await?;
        for admin in Procurement::org_admins(&mut tx, k.org_id).await? {
            self.mail(
                &mut tx,
                admin,
                json!({ "event": "review_result", "title": k.title, "number": k.number,
                "milestone": r.milestone, "total": total.to_string(), "grade": grade,
                "link": format!("contracts/{}", k.id) }),
            )
            .await?;
        }
        if event == ReviewEvent::Payable {
            self.mail_payable(&mut tx, &k, Some(&r.milestone)).await?;
        }
        tx.commit().await?;
        Ok(Ok(grade.to_string()))
    }

    /// Tells the finance officers that installments waiting for this review (or for the
    /// acceptance, `None`) are payable.
    pub async fn mail_payable(
        &self,
        c: &mut Conn,
        k: &Contract,
        review: Option<&str>,
    ) -> AppResult<()> {
        let waiting = store::installments_waiting_for(c, k.id, review).await?;
        if waiting == 0 {
            return Ok(());
        }
        let officers = store::finance_officers(c).await?;
        for u in officers {
            self.mail(
                c,
                u,
                json!({ "event": "payable", "title": k.title, "number": k.number,
                "link": format!("finance/contracts/{}", k.id) }),
            )
            .await?;
        }
        Ok(())
    }

    /// The purchaser's rectification decision on a 差 review: payment resumes.
    pub async fn rectify(
        &self,
        r: &Review,
        decision: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let chars = decision.trim().chars().count();
        let (_, event) = match rules::review_transition(r.status, ReviewAction::Rectify { chars }) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.message_key())),
        };
        let mut tx = self.db.begin_write().await?;
        let now = self.clock.now_ms();
        let n = store::insert_rectification(&mut tx, r.id, decision.trim(), user, now).await?;
        if n != 1 {
            return Ok(Err("err-rectify-done"));
        }
        let k = contract::by_id(&mut tx, r.contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "rectification",
                data: json!({ "contract": k.id, "review": r.id, "decision": decision.trim() }),
                action: "review.rectified",
                entity: ("perf_review", r.id),
                summary: json!({}),
            },
        )
        .await?;
        if event == ReviewEvent::Payable {
            self.mail_payable(&mut tx, &k, Some(&r.milestone)).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }
}
