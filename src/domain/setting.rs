//! Rule parameters that DOMAIN.md marks *(config)*: their keys, kinds, defaults and bounds.
//! Values live in the settings table with history; every decision records the settings
//! version it used. A key not listed here cannot be stored.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    Choice {
        options: &'static [&'static str],
    },
    /// A day of the year, `MM-DD`.
    MonthDay,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Definition {
    pub key: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    /// DOMAIN.md section the rule comes from.
    pub source: &'static str,
}

const fn int(
    key: &'static str,
    min: i64,
    max: i64,
    default: &'static str,
    source: &'static str,
) -> Definition {
    Definition {
        key,
        kind: Kind::Int { min, max },
        default,
        source,
    }
}
const fn flag(key: &'static str, default: &'static str, source: &'static str) -> Definition {
    Definition {
        key,
        kind: Kind::Bool,
        default,
        source,
    }
}
const fn day(key: &'static str, default: &'static str, source: &'static str) -> Definition {
    Definition {
        key,
        kind: Kind::MonthDay,
        default,
        source,
    }
}

pub const DEFINITIONS: &[Definition] = &[
    int(
        "registry.service_institution_min_funds_yuan",
        0,
        100_000_000,
        "30000",
        "§2",
    ),
    int("registry.decision_days", 1, 365, "60", "§2"),
    Definition {
        key: "registry.decision_day_kind",
        kind: Kind::Choice {
            options: &["calendar", "working"],
        },
        default: "calendar",
        source: "§2",
    },
    day("registry.annual_report_due.social_group", "05-31", "§2"),
    day(
        "registry.annual_report_due.service_institution",
        "05-31",
        "§2",
    ),
    day("registry.annual_report_due.foundation", "03-31", "§2"),
    day("registry.first_year_cutoff", "06-30", "§2"),
    // The first report year the daily job enforces: earlier years were kept outside this
    // system (a register imported at cut-over has no report history to check).
    int("registry.credit_first_year", 2000, 2100, "2025", "§2"),
    // A change registration is applied for within 30 days of the change (社团条例 art. 18,
    // 民非条例 art. 15), a deregistration within 15 days of the end of liquidation (社团条例
    // art. 21, 民非条例 art. 16, 基金会条例 art. 18).
    int("registry.change_registration_days", 1, 365, "30", "§2"),
    int("registry.deregistration_days", 1, 365, "15", "§2"),
    // An organization with a supervising unit has its annual report reviewed by the unit first
    // (初审, 社团条例 art. 28; 民非条例 art. 23), by 31 March.
    day("registry.supervisor_review_due", "03-31", "§2"),
    // 39号令 (社会组织评估管理办法): an organization graded 4A or above may use a simplified
    // annual inspection; the lowest grade that may ("none": nobody).
    Definition {
        key: "registry.simplified_inspection_min_grade",
        kind: Kind::Choice {
            options: &["4a", "5a", "none"],
        },
        default: "4a",
        source: "§2",
    },
    // 民政部令60 art. 13: an abnormal listing whose rectification is verified is removed
    // within 5 working days of the verification (自查实之日起5个工作日内).
    int("credit.removal_working_days", 1, 30, "5", "§2"),
    flag("evaluation.upgrade_allowed", "false", "§4"),
    Definition {
        key: "evaluation.aggregate",
        kind: Kind::Choice {
            options: &["mean", "trimmed_mean"],
        },
        default: "mean",
        source: "§4",
    },
    int("evaluation.notice_days", 1, 60, "7", "§4"),
    int("evaluation.threshold.5a", 0, 1000, "950", "§4"),
    int("evaluation.threshold.4a", 0, 1000, "900", "§4"),
    int("evaluation.threshold.3a", 0, 1000, "850", "§4"),
    int("evaluation.threshold.2a", 0, 1000, "800", "§4"),
    int("evaluation.threshold.1a", 0, 1000, "700", "§4"),
    flag("evaluation.bar.missed_inspection", "false", "§4"),
    flag("evaluation.bar.basic_pass_twice", "false", "§4"),
    flag("evaluation.bar.open_investigation", "false", "§4"),
    flag("evaluation.bar.unexecuted_penalty", "false", "§4"),
    int("procurement.consultation_min_bids", 2, 3, "3", "§5"),
    // 87号令 art. 47: a tender's panel has at least 7 members when the budget reaches this
    // amount (yuan); dated, so a project keeps the amount in force at its notice.
    int(
        "procurement.panel_seven_budget_yuan",
        1,
        100_000_000_000,
        "10000000",
        "§5",
    ),
    int("performance.threshold.excellent", 0, 100, "90", "§6"),
    int("performance.threshold.good", 0, 100, "80", "§6"),
    int("performance.threshold.fair", 0, 100, "60", "§6"),
    int("payment.term_days", 1, 60, "30", "§6"),
    // What an organization may keep in uploaded files (registration, evaluation, deliverables),
    // in KiB; 500 MiB by default.
    int(
        "storage.org_quota_kib",
        1,
        1_000_000_000,
        "512000",
        "SECURITY.md",
    ),
    // Years in which a 差 performance review bars an applicant from programmes (0: never).
    int("performance.poor_bar_years", 0, 10, "0", "§6"),
    // Calendar-day periods that end on a holiday or weekend move to the next working day
    // (off: the period ends on its day, as the statutes count it).
    flag("calendar.roll.registry_decision", "false", "§2"),
    flag("calendar.roll.bid_window", "false", "§5"),
    flag("calendar.roll.contract_signing", "false", "§5"),
    // Experts disagree on an item when their scores differ by more than this percentage of
    // its maximum (DOMAIN §4 gives 30%; 39号令 fixes no figure, so it is the bureau's to set).
    // Dated: a round keeps the value in force when it opened (issue 22, item 14).
    int("evaluation.disagreement_percent", 1, 100, "30", "§4"),
    // 财库〔2020〕10号 (三、公开时间): the 采购意向 is published "原则上不得晚于采购活动开始前30
    // 日"; a project published sooner after its intention records the purchaser's reason.
    int("procurement.intention_days", 0, 365, "30", "§5"),
    // 政府采购法 art. 27: a procurement whose budget reaches the 公开招标数额标准 (yuan) uses
    // 公开招标 unless the procurement supervisor approved another method before it starts.
    // 2,000,000 yuan is the services threshold of the State Council's 2020 list (国办发〔2019〕55
    // 号, 四: "单项采购金额达到200万元以上的，必须采用公开招标方式"); provinces set their own
    // for local budgets, hence a dated setting.
    int(
        "procurement.open_tender_yuan",
        1,
        100_000_000_000,
        "2000000",
        "§5",
    ),
    // The threshold for one service category (yuan); 0: the general one above.
    int(
        "procurement.open_tender_yuan.elderly-care",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.child-welfare",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.disability",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.social-assistance",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.community-governance",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.social-work",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.volunteer",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.health-promotion",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.legal-aid",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    int(
        "procurement.open_tender_yuan.evaluation-services",
        0,
        100_000_000_000,
        "0",
        "§5",
    ),
    // 政府采购促进中小企业发展管理办法 (财库〔2020〕46号) art. 9: a small or micro enterprise's
    // price is evaluated less this percentage; 财库〔2022〕19号 raised the range for goods and
    // services from 6–10 % to 10–20 %. Dated: a project uses the value in force at its notice.
    int("procurement.sme_price_deduction_pct", 10, 20, "10", "§5"),
    // 87号令 art. 60: a bidder asked to explain a markedly low price answers in writing within
    // a reasonable time; here, this many hours from the panel's request.
    int("procurement.low_price_answer_hours", 1, 168, "24", "§5"),
    // Sessions (issue 23): a staff session ends after 30 idle minutes, any other after two
    // idle hours (a bidder filling a long form), and every session 12 hours after sign-in.
    int(
        "auth.session_idle_minutes.staff",
        5,
        720,
        "30",
        "SECURITY.md",
    ),
    int(
        "auth.session_idle_minutes.other",
        5,
        720,
        "120",
        "SECURITY.md",
    ),
    int("auth.session_absolute_hours", 1, 168, "12", "SECURITY.md"),
    // Sign-in throttling: failures of one (account, address) pair before it backs off, and the
    // failures one address may make in 15 minutes (an office behind one NAT address).
    int("auth.login_free_failures", 2, 50, "5", "SECURITY.md"),
    int(
        "auth.address_failures_per_15min",
        10,
        100_000,
        "100",
        "security",
    ),
    // Password-reset mails per account per hour; public objections and questions per address
    // per hour.
    int("auth.reset_mails_per_hour", 1, 50, "3", "SECURITY.md"),
    int("auth.public_posts_per_hour", 1, 10_000, "20", "SECURITY.md"),
    // Issue 26 item 4: the expensive public endpoints (the OCDS feed and bulk files) one
    // client address may have running at once; one more is answered 429.
    int("opendata.expensive_per_address", 1, 64, "2", "SECURITY.md"),
];

pub fn definition(key: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.key == key)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingProblem {
    UnknownKey,
    NotANumber,
    OutOfRange {
        min: i64,
        max: i64,
    },
    NotABool,
    NotAnOption,
    NotADay,
    /// Thresholds of one ladder must fall strictly from the top grade down.
    LadderOrder(&'static str),
}

impl SettingProblem {
    pub fn message_key(&self) -> &'static str {
        match self {
            SettingProblem::UnknownKey => "err-setting-unknown",
            SettingProblem::NotANumber => "err-setting-number",
            SettingProblem::OutOfRange { .. } => "err-setting-range",
            SettingProblem::NotABool => "err-setting-bool",
            SettingProblem::NotAnOption => "err-setting-option",
            SettingProblem::NotADay => "err-setting-day",
            SettingProblem::LadderOrder(_) => "err-setting-ladder",
        }
    }
}

/// Parses a submitted value into its canonical text form.
pub fn normalize(key: &str, raw: &str) -> Result<String, SettingProblem> {
    let def = definition(key).ok_or(SettingProblem::UnknownKey)?;
    let raw = raw.trim();
    match def.kind {
        Kind::Int { min, max } => {
            let n: i64 = raw.parse().map_err(|_| SettingProblem::NotANumber)?;
            if n < min || n > max {
                return Err(SettingProblem::OutOfRange { min, max });
            }
            Ok(n.to_string())
        }
        Kind::Bool => match raw {
            "true" | "1" | "on" | "yes" => Ok("true".into()),
            "false" | "0" | "off" | "no" => Ok("false".into()),
            _ => Err(SettingProblem::NotABool),
        },
        Kind::Choice { options } => options
            .iter()
            .find(|o| **o == raw)
            .map(|o| o.to_string())
            .ok_or(SettingProblem::NotAnOption),
        Kind::MonthDay => {
            let (m, d) = raw.split_once('-').ok_or(SettingProblem::NotADay)?;
            let (m, d): (u8, u8) = (
                m.parse().map_err(|_| SettingProblem::NotADay)?,
                d.parse().map_err(|_| SettingProblem::NotADay)?,
            );
            let month = time::Month::try_from(m).map_err(|_| SettingProblem::NotADay)?;
            // 2024 is a leap year, so 02-29 is accepted as a day that exists.
            time::Date::from_calendar_date(2024, month, d).map_err(|_| SettingProblem::NotADay)?;
            Ok(format!("{m:02}-{d:02}"))
        }
    }
}

const LADDERS: &[&[&str]] = &[
    &[
        "evaluation.threshold.5a",
        "evaluation.threshold.4a",
        "evaluation.threshold.3a",
        "evaluation.threshold.2a",
        "evaluation.threshold.1a",
    ],
    &[
        "performance.threshold.excellent",
        "performance.threshold.good",
        "performance.threshold.fair",
    ],
];

/// Checks rules that span several keys, on the full set of values that would be in force.
pub fn check_consistency(values: &BTreeMap<String, String>) -> Result<(), SettingProblem> {
    for ladder in LADDERS {
        let nums: Vec<i64> = ladder
            .iter()
            .map(|k| values.get(*k).and_then(|v| v.parse().ok()).unwrap_or(0))
            .collect();
        if nums.windows(2).any(|w| w[0] <= w[1]) {
            return Err(SettingProblem::LadderOrder(ladder[0]));
        }
    }
    Ok(())
}

pub fn defaults() -> BTreeMap<String, String> {
    DEFINITIONS
        .iter()
        .map(|d| (d.key.to_string(), d.default.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_valid_and_the_defaults_are_consistent() {
        for d in DEFINITIONS {
            assert_eq!(
                normalize(d.key, d.default).as_deref(),
                Ok(d.default),
                "{}",
                d.key
            );
        }
        assert_eq!(check_consistency(&defaults()), Ok(()));
    }

    #[test]
    fn values_are_checked_against_their_kind() {
        assert_eq!(
            normalize("payment.term_days", "61"),
            Err(SettingProblem::OutOfRange { min: 1, max: 60 })
        );
        assert_eq!(normalize("payment.term_days", " 45 ").as_deref(), Ok("45"));
        assert_eq!(
            normalize("payment.term_days", "4.5"),
            Err(SettingProblem::NotANumber)
        );
        assert_eq!(
            normalize("registry.first_year_cutoff", "2-30"),
            Err(SettingProblem::NotADay)
        );
        assert_eq!(
            normalize("registry.first_year_cutoff", "7-1").as_deref(),
            Ok("07-01")
        );
        assert_eq!(
            normalize("evaluation.aggregate", "median"),
            Err(SettingProblem::NotAnOption)
        );
        assert_eq!(
            normalize("no.such.key", "1"),
            Err(SettingProblem::UnknownKey)
        );
    }

    #[test]
    fn a_threshold_ladder_must_fall() {
        let mut v = defaults();
        v.insert("evaluation.threshold.4a".into(), "960".into());
        assert_eq!(
            check_consistency(&v),
            Err(SettingProblem::LadderOrder("evaluation.threshold.5a"))
        );
    }
}
