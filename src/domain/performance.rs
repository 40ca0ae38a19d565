//! Performance reviews (绩效评价, DOMAIN §6), pure: the template in
//! `seeds/performance_review.toml` (four indicator groups plus beneficiary satisfaction, 100
//! points), the survey score, the total and the grade 优/良/中/差 (`excellent`, `good`, `fair`,
//! `poor`) from the settings' thresholds, intervals closed below.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const TEMPLATE: &str = include_str!("../../seeds/performance_review.toml");

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Item {
    pub key: String,
    pub zh: String,
    pub en: String,
    pub max: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Group {
    pub key: String,
    pub zh: String,
    pub en: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Question {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Template {
    pub version: i64,
    pub satisfaction_max: i64,
    pub groups: Vec<Group>,
    pub questions: Vec<Question>,
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let t: Template = toml::from_str(text).map_err(|e| e.to_string())?;
        let sum: i64 = t
            .groups
            .iter()
            .flat_map(|g| g.items.iter().map(|i| i.max))
            .sum::<i64>()
            + t.satisfaction_max;
        if sum != 100 {
            return Err(format!("the review template adds up to {sum}, not 100"));
        }
        if t.questions.is_empty() {
            return Err("the survey has no questions".into());
        }
        Ok(t)
    }

    /// The shipped template (checked by a unit test).
    pub fn shipped() -> &'static Template {
        static T: OnceLock<Template> = OnceLock::new();
        T.get_or_init(|| {
            Template::parse(TEMPLATE).unwrap_or_else(|_| Template {
                version: 0,
                satisfaction_max: 100,
                groups: Vec::new(),
                questions: vec![Question {
                    zh: String::new(),
                    en: String::new(),
                }],
            })
        })
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.groups.iter().flat_map(|g| g.items.iter())
    }
}

/// A survey's answers (each 1–5) as a share of the maximum, in percent rounded half-up to 2
/// places. `None` for answers out of range or a wrong count.
pub fn survey_percent(answers: &[i64], questions: usize) -> Option<Decimal> {
    if answers.len() != questions || answers.iter().any(|a| !(1..=5).contains(a)) {
        return None;
    }
    let sum: i64 = answers.iter().sum();
    Some(crate::domain::award::round2(
        Decimal::from(sum * 100) / Decimal::from(questions as i64 * 5),
    ))
}

/// The satisfaction points: the mean of the surveys' percentages times the maximum, rounded.
pub fn satisfaction(percentages: &[Decimal], max: i64) -> Option<Decimal> {
    if percentages.is_empty() {
        return None;
    }
    let mean = percentages.iter().sum::<Decimal>() / Decimal::from(percentages.len() as i64);
    Some(crate::domain::award::round2(
        mean * Decimal::from(max) / Decimal::from(100),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub excellent: i64,
    pub good: i64,
    pub fair: i64,
}

/// The grade of a total: 优 ≥ excellent, 良 ≥ good, 中 ≥ fair, 差 below.
pub fn grade(total: Decimal, t: Thresholds) -> &'static str {
    if total >= Decimal::from(t.excellent) {
        "excellent"
    } else if total >= Decimal::from(t.good) {
        "good"
    } else if total >= Decimal::from(t.fair) {
        "fair"
    } else {
        "poor"
    }
}

/// A performance review's lifecycle (DOMAIN §6): opened at a milestone, surveys issued and
/// answered while it is open, submitted once with its grade; a 差 grade blocks payment until
/// the purchaser records a rectification decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    /// Opened: surveys may be issued and answered; the reviewer scores.
    Open,
    /// Submitted 中 or better: the milestone's installment is payable.
    Passed,
    /// Submitted 差: payment waits for the purchaser's rectification decision.
    Poor,
    /// 差, with the rectification decision recorded: payment resumes.
    Rectified,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Open,
        ReviewStatus::Passed,
        ReviewStatus::Poor,
        ReviewStatus::Rectified,
    ];

    /// The state the stored columns describe: submitted or not, the grade, a rectification.
    pub fn of(submitted: bool, grade: Option<&str>, rectified: bool) -> ReviewStatus {
        match (submitted, grade == Some("poor"), rectified) {
            (false, _, _) => ReviewStatus::Open,
            (true, true, false) => ReviewStatus::Poor,
            (true, true, true) => ReviewStatus::Rectified,
            (true, false, _) => ReviewStatus::Passed,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Passed => "passed",
            ReviewStatus::Poor => "poor",
            ReviewStatus::Rectified => "rectified",
        }
    }

    /// Whether this review holds back the contract's next payments.
    pub fn blocks_payment(self) -> bool {
        self == ReviewStatus::Poor
    }

    /// Whether the milestone's installment may be paid on this review.
    pub fn releases_payment(self) -> bool {
        matches!(self, ReviewStatus::Passed | ReviewStatus::Rectified)
    }

    /// Who acts next on a waiting review.
    pub fn responsible(self) -> Option<ReviewParty> {
        match self {
            ReviewStatus::Open => Some(ReviewParty::Reviewer),
            ReviewStatus::Poor => Some(ReviewParty::Purchaser),
            ReviewStatus::Passed | ReviewStatus::Rectified => None,
        }
    }
}

impl Serialize for ReviewStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Who a waiting review waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewParty {
    /// The reviewer named on the review (the purchaser's own officer or a third party).
    Reviewer,
    /// The purchasing department, for the rectification decision.
    Purchaser,
}

/// What moves a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// `n` one-time survey links.
    IssueSurveys { n: usize },
    /// A beneficiary answers one link.
    AnswerSurvey,
    /// The reviewer submits; the grade follows the total.
    Submit { poor: bool },
    /// The purchaser's rectification decision, `chars` long.
    Rectify { chars: usize },
}

/// What a transition tells the service to do besides writing the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewEvent {
    None,
    /// The installments waiting for this milestone became payable: tell the finance officers.
    Payable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRefusal {
    Submitted,
    SurveyCount,
    SurveyClosed,
    NotPoor,
    Rectified,
    DecisionTooShort,
}

impl ReviewRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            ReviewRefusal::Submitted => "err-review-submitted",
            ReviewRefusal::SurveyCount => "err-survey-count",
            ReviewRefusal::SurveyClosed => "err-survey-closed",
            ReviewRefusal::NotPoor => "err-rectify-not-poor",
            ReviewRefusal::Rectified => "err-rectify-done",
            ReviewRefusal::DecisionTooShort => "err-rectify-decision",
        }
    }
}

/// The most survey links issued at once, and the shortest rectification decision.
pub const MAX_SURVEYS: usize = 200;
pub const MIN_DECISION_CHARS: usize = 10;

/// The review's one transition function.
pub fn review_transition(
    from: ReviewStatus,
    action: ReviewAction,
) -> Result<(ReviewStatus, ReviewEvent), ReviewRefusal> {
    use ReviewAction as A;
    use ReviewStatus as S;
    match (from, action) {
        (S::Open, A::IssueSurveys { n }) if (1..=MAX_SURVEYS).contains(&n) => {
            Ok((S::Open, ReviewEvent::None))
        }
        (S::Open, A::IssueSurveys { .. }) => Err(ReviewRefusal::SurveyCount),
        (_, A::IssueSurveys { .. }) => Err(ReviewRefusal::Submitted),
        (S::Open, A::AnswerSurvey) => Ok((S::Open, ReviewEvent::None)),
        (_, A::AnswerSurvey) => Err(ReviewRefusal::SurveyClosed),
        (S::Open, A::Submit { poor: true }) => Ok((S::Poor, ReviewEvent::None)),
        (S::Open, A::Submit { poor: false }) => Ok((S::Passed, ReviewEvent::Payable)),
        (_, A::Submit { .. }) => Err(ReviewRefusal::Submitted),
        (S::Poor, A::Rectify { chars }) if chars >= MIN_DECISION_CHARS => {
            Ok((S::Rectified, ReviewEvent::Payable))
        }
        (S::Poor, A::Rectify { .. }) => Err(ReviewRefusal::DecisionTooShort),
        (S::Rectified, A::Rectify { .. }) => Err(ReviewRefusal::Rectified),
        (S::Open | S::Passed, A::Rectify { .. }) => Err(ReviewRefusal::NotPoor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_template_adds_up_to_100() {
        let t = Template::parse(TEMPLATE);
        assert!(t.is_ok(), "{t:?}");
        let t = Template::shipped();
        assert_eq!(
            t.items().map(|i| i.max).sum::<i64>() + t.satisfaction_max,
            100
        );
        assert_eq!(t.groups.len(), 4);
    }

    #[test]
    fn surveys_and_grades() {
        assert_eq!(
            survey_percent(&[5, 5, 5, 5, 5], 5),
            Some(Decimal::from(100))
        );
        assert_eq!(survey_percent(&[4, 4, 4, 4, 3], 5), Some(Decimal::from(76)));
        assert_eq!(survey_percent(&[4, 4, 4, 4, 6], 5), None);
        assert_eq!(survey_percent(&[4, 4], 5), None);
        // Two surveys at 100% and 76%: mean 88% of 15 points = 13.20.
        let s = satisfaction(&[Decimal::from(100), Decimal::from(76)], 15);
        assert_eq!(s, Some(Decimal::new(1320, 2)));
        let t = Thresholds {
            excellent: 90,
            good: 80,
            fair: 60,
        };
        assert_eq!(grade(Decimal::from(90), t), "excellent");
        assert_eq!(grade(Decimal::new(8999, 2), t), "good");
        assert_eq!(grade(Decimal::from(60), t), "fair");
        assert_eq!(grade(Decimal::new(5999, 2), t), "poor");
    }

    #[test]
    fn a_review_is_submitted_once_and_a_poor_one_rectified_once() {
        use ReviewAction as A;
        use ReviewStatus as S;
        assert_eq!(
            review_transition(S::Open, A::Submit { poor: false }),
            Ok((S::Passed, ReviewEvent::Payable))
        );
        assert_eq!(
            review_transition(S::Open, A::Submit { poor: true }),
            Ok((S::Poor, ReviewEvent::None))
        );
        assert_eq!(
            review_transition(S::Passed, A::Submit { poor: true }),
            Err(ReviewRefusal::Submitted)
        );
        // Survey links: 1 to 200 at once, only while open.
        assert!(review_transition(S::Open, A::IssueSurveys { n: 1 }).is_ok());
        assert!(review_transition(S::Open, A::IssueSurveys { n: 200 }).is_ok());
        assert_eq!(
            review_transition(S::Open, A::IssueSurveys { n: 0 }),
            Err(ReviewRefusal::SurveyCount)
        );
        assert_eq!(
            review_transition(S::Open, A::IssueSurveys { n: 201 }),
            Err(ReviewRefusal::SurveyCount)
        );
        assert_eq!(
            review_transition(S::Poor, A::AnswerSurvey),
            Err(ReviewRefusal::SurveyClosed)
        );
        // The rectification decision: 10 characters at least, on a 差 review, once.
        assert_eq!(
            review_transition(S::Poor, A::Rectify { chars: 9 }),
            Err(ReviewRefusal::DecisionTooShort)
        );
        assert_eq!(
            review_transition(S::Poor, A::Rectify { chars: 10 }),
            Ok((S::Rectified, ReviewEvent::Payable))
        );
        assert_eq!(
            review_transition(S::Rectified, A::Rectify { chars: 10 }),
            Err(ReviewRefusal::Rectified)
        );
        assert_eq!(
            review_transition(S::Passed, A::Rectify { chars: 10 }),
            Err(ReviewRefusal::NotPoor)
        );
        assert_eq!(ReviewStatus::of(false, Some("poor"), true), S::Open);
        assert_eq!(ReviewStatus::of(true, Some("poor"), false), S::Poor);
        assert_eq!(ReviewStatus::of(true, Some("poor"), true), S::Rectified);
        assert_eq!(ReviewStatus::of(true, Some("fair"), false), S::Passed);
    }

    fn review_action() -> impl proptest::strategy::Strategy<Value = ReviewAction> {
        use proptest::prelude::*;
        prop_oneof![
            (0usize..250).prop_map(|n| ReviewAction::IssueSurveys { n }),
            Just(ReviewAction::AnswerSurvey),
            any::<bool>().prop_map(|poor| ReviewAction::Submit { poor }),
            (0usize..20).prop_map(|chars| ReviewAction::Rectify { chars }),
        ]
    }

    proptest::proptest! {
        // Random actions from an opened review: it is submitted at most once, payment is
        // blocked exactly while a 差 review waits, every waiting state has one party to act,
        // and the state always matches what the stored columns would say.
        #[test]
        fn a_review_never_leaves_its_table(actions in proptest::collection::vec(review_action(), 1..40)) {
            let mut s = ReviewStatus::Open;
            let (mut submitted, mut poor, mut rectified) = (false, false, false);
            for a in actions {
                if let Ok((to, event)) = review_transition(s, a) {
                    if let ReviewAction::Submit { poor: p } = a {
                        proptest::prop_assert!(!submitted);
                        submitted = true;
                        poor = p;
                    }
                    if let ReviewAction::Rectify { .. } = a {
                        proptest::prop_assert!(poor && !rectified);
                        rectified = true;
                    }
                    proptest::prop_assert_eq!(event == ReviewEvent::Payable, to.releases_payment() && !s.releases_payment());
                    s = to;
                }
                proptest::prop_assert_eq!(s, ReviewStatus::of(submitted, Some(if poor { "poor" } else { "good" }), rectified));
                proptest::prop_assert_eq!(s.blocks_payment(), submitted && poor && !rectified);
                let waiting = matches!(s, ReviewStatus::Open | ReviewStatus::Poor);
                proptest::prop_assert_eq!(s.responsible().is_some(), waiting);
            }
        }
    }
}
