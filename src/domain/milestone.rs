//! A contract's milestone (履约节点): the name an installment of the payment plan waits for,
//! a performance review is opened at and a deliverable is filed for. One type for all of them,
//! so that a plan can never name a milestone the review form refuses (which would leave its
//! installment unpayable): every path that stores a name parses it here first.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Milestone(String);

impl Milestone {
    pub const MIN_CHARS: usize = 2;
    pub const MAX_CHARS: usize = 30;

    /// The name as typed, trimmed and with runs of white space made one space (so that
    /// "中期  评估" in a plan and "中期 评估" in a review are the same milestone).
    pub fn parse(s: &str) -> Result<Milestone, &'static str> {
        let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = name.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&n) || name.chars().any(char::is_control) {
            return Err("err-review-milestone");
        }
        Ok(Milestone(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Milestone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_to_thirty_characters_trimmed_with_white_space_made_one() {
        assert_eq!(
            Milestone::parse(" 中期  评估 ").map(|m| m.to_string()),
            Ok("中期 评估".into())
        );
        assert!(Milestone::parse("中").is_err());
        assert!(Milestone::parse("中期").is_ok());
        assert!(Milestone::parse(&"评".repeat(30)).is_ok());
        assert!(Milestone::parse(&"评".repeat(31)).is_err());
        assert!(Milestone::parse("   ").is_err());
        assert!(Milestone::parse("中期\u{0}").is_err());
    }
}
