//! Document numbers (文号) of the notices and decisions the system issues (issue 21 item 6).
//! A number is the issuer's prefix (the registering authority's division code for the civil
//! affairs documents), the kind's word (代字), the year of issue in 〔〕 and the sequence of
//! that kind within that year: `（330203）民登受字〔2026〕第12号`. Sequences are kept per kind and
//! year across the whole system, so a number names one notice even before its prefix is read.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// 受理通知书
    Acceptance,
    /// 一次性补正告知书
    Correction,
    /// 不予受理决定书
    Decline,
    /// 不予登记决定书
    Refusal,
    /// 评估结果公示
    EvalNotice,
    /// 评估结果公告
    EvalResult,
    /// 中标（成交）结果公告
    AwardNotice,
    /// 投诉处理决定书
    ComplaintDecision,
}

codes!(DocKind {
    Acceptance => "acceptance",
    Correction => "correction",
    Decline => "decline",
    Refusal => "refusal",
    EvalNotice => "eval_notice",
    EvalResult => "eval_result",
    AwardNotice => "award_notice",
    ComplaintDecision => "complaint_decision",
});

impl DocKind {
    /// The kind's word (代字) in the number.
    pub fn word(self) -> &'static str {
        match self {
            DocKind::Acceptance => "民登受字",
            DocKind::Correction => "民登补字",
            DocKind::Decline => "民登不受字",
            DocKind::Refusal => "民登不予字",
            DocKind::EvalNotice => "民评公示字",
            DocKind::EvalResult => "民评公告字",
            DocKind::AwardNotice => "采中公字",
            DocKind::ComplaintDecision => "财采投决字",
        }
    }
}

/// Editions of one award's notice: a pass-over publishes a new notice (the next-ranked wins),
/// which is a new document with its own number. The register's subject for edition `e` (the
/// number of winners passed over before it) of award `award`.
pub const AWARD_EDITIONS: i64 = 1_000;

pub fn award_notice_subject(award: i64, edition: i64) -> i64 {
    award * AWARD_EDITIONS + edition.clamp(0, AWARD_EDITIONS - 1)
}

/// A number given to a notice: the text printed on it and the day it was issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocNumber {
    pub number: String,
    pub issued_on: String,
}

/// The year of an ISO date `YYYY-MM-DD` (years 1000–9999), if it is one.
pub fn year_of(issued_on: &str) -> Option<i64> {
    let b = issued_on.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i64 = issued_on.get(0..4)?.parse().ok()?;
    (1000..=9999).contains(&year).then_some(year)
}

/// The number's text. `prefix` is the issuer's division code, or empty.
pub fn format(prefix: &str, kind: DocKind, year: i64, seq: i64) -> String {
    let head = if prefix.is_empty() {
        String::new()
    } else {
        format!("（{prefix}）")
    };
    format!("{head}{}〔{year}〕第{seq}号", kind.word())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_official_document_numbers() {
        assert_eq!(
            format("330203", DocKind::Acceptance, 2026, 12),
            "（330203）民登受字〔2026〕第12号"
        );
        assert_eq!(
            format("", DocKind::ComplaintDecision, 2027, 1),
            "财采投决字〔2027〕第1号"
        );
    }

    #[test]
    fn every_kind_has_its_own_word_and_code() {
        let mut words: Vec<_> = DocKind::ALL.iter().map(|k| k.word()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), DocKind::ALL.len());
        for k in DocKind::ALL {
            assert_eq!(DocKind::parse(k.code()), Some(*k));
        }
        assert_eq!(DocKind::parse("award"), None);
    }

    #[test]
    fn each_edition_of_an_award_notice_is_its_own_subject() {
        assert_eq!(award_notice_subject(7, 0), 7_000);
        assert_eq!(award_notice_subject(7, 1), 7_001);
        assert_eq!(award_notice_subject(7, 999), 7_999);
        // Out of range editions stay within the award's own subjects.
        assert_eq!(award_notice_subject(7, 1_000), 7_999);
        assert_eq!(award_notice_subject(7, -1), 7_000);
        assert_ne!(award_notice_subject(7, 999), award_notice_subject(8, 0));
    }

    #[test]
    fn the_year_comes_from_an_iso_date_only() {
        assert_eq!(year_of("2026-12-31"), Some(2026));
        assert_eq!(year_of("2027-01-01"), Some(2027));
        assert_eq!(year_of("1000-01-01"), Some(1000));
        assert_eq!(year_of("0999-01-01"), None);
        assert_eq!(year_of("2026-1-01"), None);
        assert_eq!(year_of("2026/01/01"), None);
        assert_eq!(year_of("2026-01-011"), None);
        assert_eq!(year_of(""), None);
    }
}
