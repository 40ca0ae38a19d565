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
}
