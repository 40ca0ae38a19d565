//! Government purchase of services (DOMAIN §5): the procurement methods with their minimum
//! windows, clarification margins, minimum bids and price-weight ranges; the earliest lawful
//! deadline; the technical criteria that must add up to 100 × (1 − w); the deadline an
//! amendment that affects bid preparation moves to; and who may take part in a procurement
//! project or a special-fund programme. Pure rules: times are `OffsetDateTime`, days are
//! counted on the working-day calendar where the method says so.

use crate::domain::calendar::{end_of_day, shanghai_date, Calendar};
use crate::domain::evaluation::Grade;
use time::{Duration, OffsetDateTime};

/// How a span is counted: calendar days, or working days on the published calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Days(i64),
    WorkingDays(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    OpenTender,
    Consultation,
    Negotiation,
    Quotation,
    SingleSource,
    InvitedTender,
    /// A special-fund programme (专项资金 / 公益创投) run by civil affairs, outside the
    /// procurement law: applications against published criteria, price weight 0 allowed.
    Programme,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Method::OpenTender,
        Method::Consultation,
        Method::Negotiation,
        Method::Quotation,
        Method::SingleSource,
        Method::InvitedTender,
        Method::Programme,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Method::OpenTender => "open_tender",
            Method::Consultation => "consultation",
            Method::Negotiation => "negotiation",
            Method::Quotation => "quotation",
            Method::SingleSource => "single_source",
            Method::InvitedTender => "invited_tender",
            Method::Programme => "programme",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.code() == s.trim())
    }

    pub fn label_key(self) -> String {
        format!("method-{}", self.code().replace('_', "-"))
    }

    /// The methods this version runs; the others are listed as not yet offered.
    pub fn offered(self) -> bool {
        matches!(
            self,
            Method::OpenTender | Method::Consultation | Method::Programme
        )
    }

    pub fn is_procurement(self) -> bool {
        self != Method::Programme
    }

    /// From the notice to the deadline, at least (87号令 and 214号; DOMAIN §5).
    pub fn minimum_window(self) -> Span {
        match self {
            Method::OpenTender | Method::InvitedTender => Span::Days(20),
            Method::Consultation => Span::Days(10),
            Method::Negotiation | Method::Quotation => Span::WorkingDays(3),
            Method::SingleSource => Span::WorkingDays(5),
            // A programme follows the consultation window: civil affairs publishes its
            // programmes at least as long as the shortest competitive procedure.
            Method::Programme => Span::Days(10),
        }
    }

    /// An amendment that affects bid preparation, published with less than this left before
    /// the deadline, moves the deadline to keep it.
    pub fn clarification_margin(self) -> Span {
        match self {
            Method::OpenTender | Method::InvitedTender => Span::Days(15),
            Method::Consultation | Method::Programme => Span::Days(5),
            Method::Negotiation | Method::Quotation | Method::SingleSource => Span::WorkingDays(3),
        }
    }

    /// The fewest bids that may be opened; `consultation_min` is the setting (3, or 2 for
    /// purchased services).
    pub fn minimum_bids(self, consultation_min: i64) -> i64 {
        match self {
            Method::Consultation => consultation_min,
            Method::SingleSource => 1,
            Method::Programme => 1,
            _ => 3,
        }
    }

    /// The price weight w, in percent, the method allows for services.
    pub fn price_weight_range(self) -> (i64, i64) {
        match self {
            Method::Consultation => (10, 30),
            Method::OpenTender | Method::InvitedTender => (10, 100),
            Method::Programme => (0, 30),
            Method::Negotiation | Method::Quotation | Method::SingleSource => (100, 100),
        }
    }
}

/// The project documents stay available at least this many working days (87号令 27).
pub const DOCUMENT_WORKING_DAYS: u32 = 5;

/// A procurement intention is published at least this many days before the notice: the
/// default of the dated setting `procurement.intention_days` (财库〔2020〕10号, 三: "原则上不得
/// 晚于采购活动开始前30日").
pub const INTENTION_DAYS: i64 = 30;

fn add_span(cal: &Calendar, at: OffsetDateTime, span: Span) -> OffsetDateTime {
    match span {
        Span::Days(d) => at + Duration::days(d),
        Span::WorkingDays(n) => {
            // The end of the nth working day after the day of `at`.
            end_of_day(cal.add_working_days(shanghai_date(at), n))
        }
    }
}

/// A bid's lifecycle (DOMAIN §5): sealed until the deadline, when the opening reads it; before
/// the deadline the bidder may replace it with a new sealed bid or withdraw it. Ended bids stay
/// on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BidStatus {
    Sealed,
    Replaced,
    Withdrawn,
}

impl BidStatus {
    pub fn code(self) -> &'static str {
        match self {
            BidStatus::Sealed => "sealed",
            BidStatus::Replaced => "replaced",
            BidStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<BidStatus> {
        [BidStatus::Sealed, BidStatus::Replaced, BidStatus::Withdrawn]
            .into_iter()
            .find(|b| b.code() == s)
    }
}

impl serde::Serialize for BidStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// What ends a sealed bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidAction {
    /// A new sealed bid from the same bidder takes its place.
    Replace,
    Withdraw,
}

/// The bid's one transition: only a sealed bid ends, only while the window is open
/// (`open`: before the deadline, under the project's lock).
pub fn bid_transition(
    from: BidStatus,
    action: BidAction,
    open: bool,
) -> Result<BidStatus, &'static str> {
    match (from, open) {
        (BidStatus::Sealed, true) => Ok(match action {
            BidAction::Replace => BidStatus::Replaced,
            BidAction::Withdraw => BidStatus::Withdrawn,
        }),
        (BidStatus::Sealed, false) => Err("err-bid-late"),
        _ => Err("err-bid-ended"),
    }
}

/// An opening's result: enough bids to open them, or too few (the round fails and the bids
/// stay sealed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpeningOutcome {
    Opened,
    Failed,
}

impl OpeningOutcome {
    /// `count` bids against the method's minimum.
    pub fn of(count: i64, min_bids: i64) -> OpeningOutcome {
        if count < min_bids {
            OpeningOutcome::Failed
        } else {
            OpeningOutcome::Opened
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            OpeningOutcome::Opened => "opened",
            OpeningOutcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OpeningOutcome> {
        [OpeningOutcome::Opened, OpeningOutcome::Failed]
            .into_iter()
            .find(|o| o.code() == s)
    }
}

impl serde::Serialize for OpeningOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The earliest lawful deadline for a notice published at `notice`: the method's minimum
/// window and, for tenders, consultations and programmes (whose documents are sold or
/// obtained for at least 5 working days: 87号令 27, 214号 10), no earlier than the end of
/// the fifth working day. With `roll` (a setting), a window of calendar days whose last day
/// is not a working day ends on the next working day.
pub fn earliest_deadline(
    cal: &Calendar,
    method: Method,
    notice: OffsetDateTime,
    roll: bool,
) -> OffsetDateTime {
    let mut window = add_span(cal, notice, method.minimum_window());
    if roll && matches!(method.minimum_window(), Span::Days(_)) {
        let day = shanghai_date(window);
        window += cal.working_day_on_or_after(day) - day;
    }
    match method.minimum_window() {
        Span::Days(_) => window.max(add_span(
            cal,
            notice,
            Span::WorkingDays(DOCUMENT_WORKING_DAYS),
        )),
        Span::WorkingDays(_) => window,
    }
}

/// The deadline after an amendment published at `at`: unchanged when it does not affect bid
/// preparation or leaves the margin, otherwise moved to keep the margin.
pub fn deadline_after_amendment(
    cal: &Calendar,
    method: Method,
    deadline: OffsetDateTime,
    at: OffsetDateTime,
    affects: bool,
) -> OffsetDateTime {
    if !affects {
        return deadline;
    }
    let keep = add_span(cal, at, method.clarification_margin());
    deadline.max(keep)
}

/// Days from the intention's publication to the notice, counted by their dates in Beijing (the
/// day of publication is not counted: 民法典 art. 201).
pub fn days_after_intention(intention_published: OffsetDateTime, notice: OffsetDateTime) -> i64 {
    (shanghai_date(notice) - shanghai_date(intention_published)).whole_days()
}

/// Whether the intention came early enough: published at least `days` days before the notice
/// (财库〔2020〕10号, 三; `days` is the setting `procurement.intention_days`). "原则上" allows an
/// exception, which the purchaser gives a reason for at publication.
pub fn intention_in_time(
    intention_published: OffsetDateTime,
    notice: OffsetDateTime,
    days: i64,
) -> bool {
    days_after_intention(intention_published, notice) >= days
}

/// 政府采购法 art. 27: a procurement whose budget reaches the open-tender threshold
/// ("达到公开招标数额标准", so from the threshold itself) is procured by 公开招标; another method
/// needs the procurement supervisor's approval before the procurement starts. A programme is
/// not procurement.
pub fn needs_method_approval(method: Method, budget_fen: i64, threshold_fen: i64) -> bool {
    method.is_procurement() && method != Method::OpenTender && budget_fen >= threshold_fen
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CriteriaProblem {
    None,
    Sum { expected_centi: i64, got_centi: i64 },
    ItemMax,
}

/// Technical maxima in hundredths of a point must each be positive and add up to
/// 100 × (1 − w), w in percent.
pub fn check_criteria(price_weight_pct: i64, maxima_centi: &[i64]) -> CriteriaProblem {
    let expected = (100 - price_weight_pct) * 100;
    if expected > 0 && maxima_centi.is_empty() {
        return CriteriaProblem::Sum {
            expected_centi: expected,
            got_centi: 0,
        };
    }
    if maxima_centi.iter().any(|m| *m <= 0 || *m > 10_000) {
        return CriteriaProblem::ItemMax;
    }
    let got: i64 = maxima_centi.iter().sum();
    if got != expected {
        return CriteriaProblem::Sum {
            expected_centi: expected,
            got_centi: got,
        };
    }
    CriteriaProblem::None
}

/// How a project may use the organization grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradeUse {
    None,
    /// A published scoring criterion.
    Criterion,
    /// The priority "under equal conditions".
    EqualConditions,
    /// A programme's entry condition (special funds only).
    Entry,
}

impl GradeUse {
    pub fn code(self) -> &'static str {
        match self {
            GradeUse::None => "none",
            GradeUse::Criterion => "criterion",
            GradeUse::EqualConditions => "equal_conditions",
            GradeUse::Entry => "entry",
        }
    }

    pub fn parse(s: &str) -> Option<GradeUse> {
        [
            GradeUse::None,
            GradeUse::Criterion,
            GradeUse::EqualConditions,
            GradeUse::Entry,
        ]
        .into_iter()
        .find(|g| g.code() == s.trim())
    }
}

/// The entry conditions a project sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Registration in this division (a prefix of the district code, e.g. "3302").
    pub division: Option<String>,
    pub min_grade: Option<Grade>,
    pub passed_inspection: bool,
}

/// Why a project's conditions are not allowed for its method (实施条例 20: procurement may not
/// restrict by region or by grade).
pub fn condition_problems(method: Method, c: &Conditions) -> Vec<&'static str> {
    let mut out = Vec::new();
    if method.is_procurement() {
        if c.division.is_some() {
            out.push("err-project-restrict-region");
        }
        if c.min_grade.is_some() {
            out.push("err-project-restrict-grade");
        }
        if c.passed_inspection {
            out.push("err-project-restrict-inspection");
        }
    }
    out
}

/// What the application knows about a would-be bidder on the deadline.
#[derive(Debug, Clone, Default)]
pub struct Bidder {
    /// Registered and not revoked or deregistered.
    pub active: bool,
    /// A supplier from outside the registry, checked by staff: may take part in procurement,
    /// not in special-fund programmes.
    pub supplier: bool,
    pub serious_list: bool,
    pub district_code: Option<String>,
    /// The best grade in force on the deadline.
    pub grade: Option<Grade>,
    pub inspection_passed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Excluded {
    NotActive,
    SupplierInProgramme,
    SeriousList,
    Region,
    Grade,
    Inspection,
    /// A programme, when the settings bar it: a 差 performance review in the last N years.
    PoorPerformance,
}

impl Excluded {
    pub fn message_key(self) -> &'static str {
        match self {
            Excluded::NotActive => "err-bid-not-active",
            Excluded::SupplierInProgramme => "err-bid-supplier-programme",
            Excluded::SeriousList => "err-bid-serious-list",
            Excluded::Region => "err-bid-region",
            Excluded::Grade => "err-bid-grade",
            Excluded::Inspection => "err-bid-inspection",
            Excluded::PoorPerformance => "err-bid-poor-performance",
        }
    }
}

/// Why a bidder may not take part: both kinds exclude the serious violation list; only a
/// programme may apply its entry conditions.
pub fn exclusions(method: Method, c: &Conditions, b: &Bidder) -> Vec<Excluded> {
    let mut out = Vec::new();
    if b.supplier && !method.is_procurement() {
        out.push(Excluded::SupplierInProgramme);
    } else if !b.active && !b.supplier {
        out.push(Excluded::NotActive);
    }
    if b.serious_list {
        out.push(Excluded::SeriousList);
    }
    if method.is_procurement() {
        return out;
    }
    if let Some(prefix) = &c.division {
        if !b
            .district_code
            .as_deref()
            .is_some_and(|d| d.starts_with(prefix.as_str()))
        {
            out.push(Excluded::Region);
        }
    }
    if let Some(min) = c.min_grade {
        if b.grade.is_none_or(|g| g < min) {
            out.push(Excluded::Grade);
        }
    }
    if c.passed_inspection && !b.inspection_passed {
        out.push(Excluded::Inspection);
    }
    out
}

/// A project number: 4–40 characters of A–Z, 0–9 and `-`, URL-safe and never changed.
pub fn valid_number(s: &str) -> bool {
    (4..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// What decides whether a person may read a bid's proposal and files (issue 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReaderFacts {
    /// The bid is in an opening record: its envelope was opened at the deadline.
    pub opened: bool,
    /// A member of the organization that submitted it.
    pub bidder: bool,
    /// Their seat on the round's panel, if seated: whether they declared no conflict.
    pub seat: Option<bool>,
    /// They run the project's procedure: the purchaser, or the agency it is entrusted to.
    pub procurer: bool,
    /// A procurement supervisor, with a complaint on the project to decide.
    pub supervisor_with_complaint: bool,
}

/// In what capacity a bid was read (recorded with each read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadCapacity {
    Bidder,
    Panelist,
    Procurer,
    Supervisor,
}

impl ReadCapacity {
    pub fn code(self) -> &'static str {
        match self {
            ReadCapacity::Bidder => "bidder",
            ReadCapacity::Panelist => "panelist",
            ReadCapacity::Procurer => "procurer",
            ReadCapacity::Supervisor => "supervisor",
        }
    }

    pub fn parse(s: &str) -> Option<ReadCapacity> {
        [
            ReadCapacity::Bidder,
            ReadCapacity::Panelist,
            ReadCapacity::Procurer,
            ReadCapacity::Supervisor,
        ]
        .into_iter()
        .find(|c| c.code() == s)
    }
}

/// Why a bid may not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadRefusal {
    /// Not opened: it stays sealed to everyone but its bidder (and nobody learns it exists).
    Sealed,
    /// A seated panelist who has not yet declared no conflict of interest.
    Undeclared,
    /// Not among those who judge it.
    NotJudge,
}

/// Who may read a bid: its own bidder always; after the opening (never before), the seated
/// panelists who declared no conflict, those who run the procedure (qualification and
/// compliance), and the supervisor deciding a complaint on the project.
pub fn may_read(f: ReaderFacts) -> Result<ReadCapacity, ReadRefusal> {
    if f.bidder {
        return Ok(ReadCapacity::Bidder);
    }
    if !f.opened {
        return Err(ReadRefusal::Sealed);
    }
    if f.procurer {
        return Ok(ReadCapacity::Procurer);
    }
    match f.seat {
        Some(true) => return Ok(ReadCapacity::Panelist),
        Some(false) if !f.supervisor_with_complaint => return Err(ReadRefusal::Undeclared),
        _ => {}
    }
    if f.supervisor_with_complaint {
        return Ok(ReadCapacity::Supervisor);
    }
    Err(ReadRefusal::NotJudge)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bid_is_read_by_its_judges_only_after_the_opening() {
        let opened = ReaderFacts {
            opened: true,
            ..ReaderFacts::default()
        };
        // Nobody but the bidder before the opening, whoever they are.
        for f in [
            ReaderFacts {
                procurer: true,
                ..ReaderFacts::default()
            },
            ReaderFacts {
                seat: Some(true),
                ..ReaderFacts::default()
            },
            ReaderFacts {
                supervisor_with_complaint: true,
                ..ReaderFacts::default()
            },
            ReaderFacts::default(),
        ] {
            assert_eq!(may_read(f), Err(ReadRefusal::Sealed), "{f:?}");
        }
        assert_eq!(
            may_read(ReaderFacts {
                bidder: true,
                ..ReaderFacts::default()
            }),
            Ok(ReadCapacity::Bidder)
        );
        assert_eq!(
            may_read(ReaderFacts {
                seat: Some(true),
                ..opened
            }),
            Ok(ReadCapacity::Panelist)
        );
        assert_eq!(
            may_read(ReaderFacts {
                seat: Some(false),
                ..opened
            }),
            Err(ReadRefusal::Undeclared)
        );
        assert_eq!(
            may_read(ReaderFacts {
                procurer: true,
                seat: Some(false),
                ..opened
            }),
            Ok(ReadCapacity::Procurer)
        );
        assert_eq!(
            may_read(ReaderFacts {
                supervisor_with_complaint: true,
                ..opened
            }),
            Ok(ReadCapacity::Supervisor)
        );
        assert_eq!(may_read(opened), Err(ReadRefusal::NotJudge));
        for c in [
            ReadCapacity::Bidder,
            ReadCapacity::Panelist,
            ReadCapacity::Procurer,
            ReadCapacity::Supervisor,
        ] {
            assert_eq!(ReadCapacity::parse(c.code()), Some(c));
        }
    }

    use super::*;
    use time::macros::datetime;

    fn cal() -> Calendar {
        match Calendar::built_in() {
            Ok(c) => c,
            Err(e) => panic!("built-in calendar must parse: {e}"),
        }
    }

    #[test]
    fn windows_per_method() {
        let c = cal();
        let notice = datetime!(2026-03-02 09:00 +8);
        assert_eq!(
            earliest_deadline(&c, Method::OpenTender, notice, false),
            datetime!(2026-03-22 09:00 +8)
        );
        assert_eq!(
            earliest_deadline(&c, Method::Consultation, notice, false),
            datetime!(2026-03-12 09:00 +8)
        );
        // Three working days from Friday 2026-04-03: the 4th–6th are Qingming holidays,
        // so the 7th, 8th, 9th; the window ends with the 9th.
        assert_eq!(
            earliest_deadline(&c, Method::Quotation, datetime!(2026-04-03 10:00 +8), false),
            datetime!(2026-04-10 00:00 +8)
        );
    }

    #[test]
    fn a_rolled_window_ends_on_the_next_working_day_only_when_it_ends_on_a_day_off() {
        let c = cal();
        // 20 days from Saturday 12 December 2026, 09:00: Friday 1 January 2027 (元旦).
        let notice = datetime!(2026-12-12 09:00 +8);
        assert_eq!(
            earliest_deadline(&c, Method::OpenTender, notice, false),
            datetime!(2027-01-01 09:00 +8)
        );
        assert_eq!(
            earliest_deadline(&c, Method::OpenTender, notice, true),
            datetime!(2027-01-04 09:00 +8)
        );
        // One day earlier it ends on Thursday 31 December, a working day: unchanged.
        let notice = datetime!(2026-12-11 09:00 +8);
        assert_eq!(
            earliest_deadline(&c, Method::OpenTender, notice, true),
            datetime!(2026-12-31 09:00 +8)
        );
    }

    #[test]
    fn documents_five_working_days_over_the_spring_festival() {
        let c = cal();
        // Notice on Friday 13 February 2026: 14 Feb is an adjusted working Saturday, the
        // 15th–23rd are the holiday, then 24, 25, 26, 27 Feb: the fifth working day is the 27th.
        // Ten calendar days would end on the 23rd, inside the holiday.
        let notice = datetime!(2026-02-13 09:00 +8);
        assert_eq!(
            earliest_deadline(&c, Method::Consultation, notice, false),
            datetime!(2026-02-28 00:00 +8)
        );
    }

    #[test]
    fn amendments_move_the_deadline_only_when_marked_and_late() {
        let c = cal();
        let deadline = datetime!(2026-06-30 09:30 +8);
        let at = datetime!(2026-06-20 15:00 +8);
        assert_eq!(
            deadline_after_amendment(&c, Method::OpenTender, deadline, at, false),
            deadline
        );
        assert_eq!(
            deadline_after_amendment(&c, Method::OpenTender, deadline, at, true),
            datetime!(2026-07-05 15:00 +8)
        );
        assert_eq!(
            deadline_after_amendment(&c, Method::Consultation, deadline, at, true),
            deadline
        );
        let early = datetime!(2026-06-10 15:00 +8);
        assert_eq!(
            deadline_after_amendment(&c, Method::OpenTender, deadline, early, true),
            deadline
        );
    }

    #[test]
    fn intention_thirty_days() {
        // Counted by dates in Beijing: 29 days is too soon, 30 and 31 are in time.
        let p = datetime!(2026-01-01 09:00 +8);
        assert!(!intention_in_time(p, datetime!(2026-01-30 23:59 +8), 30));
        assert!(intention_in_time(p, datetime!(2026-01-31 00:00 +8), 30));
        assert!(intention_in_time(p, datetime!(2026-02-01 09:00 +8), 30));
        assert_eq!(days_after_intention(p, datetime!(2026-01-30 09:00 +8)), 29);
        // Midnight in Beijing is 16:00 UTC the day before.
        assert_eq!(
            days_after_intention(
                datetime!(2025-12-31 16:00 UTC),
                datetime!(2026-01-31 00:00 +8)
            ),
            30
        );
        assert!(!intention_in_time(p, datetime!(2026-01-31 00:00 +8), 31));
    }

    #[test]
    fn another_method_at_the_open_tender_threshold_needs_approval() {
        let threshold = 2_000_000 * 100;
        assert!(needs_method_approval(
            Method::Consultation,
            threshold,
            threshold
        ));
        assert!(needs_method_approval(
            Method::Consultation,
            threshold + 1,
            threshold
        ));
        assert!(!needs_method_approval(
            Method::Consultation,
            threshold - 1,
            threshold
        ));
        assert!(!needs_method_approval(
            Method::OpenTender,
            threshold * 5,
            threshold
        ));
        assert!(!needs_method_approval(
            Method::Programme,
            threshold * 5,
            threshold
        ));
        assert!(needs_method_approval(
            Method::InvitedTender,
            threshold,
            threshold
        ));
    }

    #[test]
    fn criteria_add_up() {
        assert_eq!(check_criteria(30, &[4000, 3000]), CriteriaProblem::None);
        assert_eq!(
            check_criteria(30, &[4000, 2000]),
            CriteriaProblem::Sum {
                expected_centi: 7000,
                got_centi: 6000
            }
        );
        assert_eq!(check_criteria(0, &[10000]), CriteriaProblem::None);
        assert_eq!(check_criteria(30, &[7000, 0]), CriteriaProblem::ItemMax);
        assert_eq!(Method::Consultation.price_weight_range(), (10, 30));
        assert_eq!(Method::Programme.price_weight_range().0, 0);
    }

    #[test]
    fn procurement_may_not_restrict_but_programmes_may() {
        let strict = Conditions {
            division: Some("3302".into()),
            min_grade: Some(Grade::A3),
            passed_inspection: true,
        };
        assert_eq!(condition_problems(Method::OpenTender, &strict).len(), 3);
        assert!(condition_problems(Method::Programme, &strict).is_empty());
        let outsider = Bidder {
            active: true,
            district_code: Some("310101".into()),
            ..Bidder::default()
        };
        assert!(exclusions(Method::OpenTender, &strict, &outsider).is_empty());
        assert_eq!(
            exclusions(Method::Programme, &strict, &outsider),
            vec![Excluded::Region, Excluded::Grade, Excluded::Inspection]
        );
        let local = Bidder {
            active: true,
            district_code: Some("330203".into()),
            grade: Some(Grade::A4),
            inspection_passed: true,
            ..Bidder::default()
        };
        assert!(exclusions(Method::Programme, &strict, &local).is_empty());
        let listed = Bidder {
            serious_list: true,
            ..local
        };
        assert_eq!(
            exclusions(Method::OpenTender, &Conditions::default(), &listed),
            vec![Excluded::SeriousList]
        );
        assert_eq!(
            exclusions(Method::Programme, &strict, &listed),
            vec![Excluded::SeriousList]
        );
    }

    #[test]
    fn numbers() {
        assert!(valid_number("NBMZ-2026-001"));
        assert!(!valid_number("nbmz-2026"));
        assert!(!valid_number("NB/1"));
        assert!(!valid_number("-ABC"));
        assert_eq!(Method::Consultation.minimum_bids(2), 2);
        assert_eq!(Method::OpenTender.minimum_bids(2), 3);
        assert!(!Method::Quotation.offered());
    }

    #[test]
    fn a_bid_ends_once_and_only_before_the_deadline() {
        use BidAction as A;
        use BidStatus as B;
        assert_eq!(bid_transition(B::Sealed, A::Replace, true), Ok(B::Replaced));
        assert_eq!(
            bid_transition(B::Sealed, A::Withdraw, true),
            Ok(B::Withdrawn)
        );
        assert_eq!(
            bid_transition(B::Sealed, A::Withdraw, false),
            Err("err-bid-late")
        );
        assert_eq!(
            bid_transition(B::Withdrawn, A::Withdraw, true),
            Err("err-bid-ended")
        );
        assert_eq!(
            bid_transition(B::Replaced, A::Replace, true),
            Err("err-bid-ended")
        );
        for b in [B::Sealed, B::Replaced, B::Withdrawn] {
            assert_eq!(B::parse(b.code()), Some(b));
        }
    }

    proptest::proptest! {
        // Random replacements, withdrawals and deadline readings by one bidder: at most one
        // sealed bid at any time, an ended bid never comes back, and nothing ends after the
        // deadline.
        #[test]
        fn one_sealed_bid_at_most(steps in proptest::collection::vec((proptest::bool::ANY, proptest::bool::ANY, proptest::bool::ANY), 1..40)) {
            let mut bids: Vec<BidStatus> = Vec::new();
            let mut closed = false;
            for (submit, withdraw, deadline_passes) in steps {
                closed |= deadline_passes;
                let current = bids.iter().position(|b| *b == BidStatus::Sealed);
                if submit && !closed {
                    if let Some(i) = current {
                        bids[i] = bid_transition(bids[i], BidAction::Replace, !closed).map_err(proptest::test_runner::TestCaseError::fail)?;
                    }
                    bids.push(BidStatus::Sealed);
                } else if withdraw {
                    if let Some(i) = current {
                        match bid_transition(bids[i], BidAction::Withdraw, !closed) {
                            Ok(to) => { proptest::prop_assert!(!closed); bids[i] = to; }
                            Err(e) => proptest::prop_assert_eq!(e, "err-bid-late"),
                        }
                    }
                }
                proptest::prop_assert!(bids.iter().filter(|b| **b == BidStatus::Sealed).count() <= 1);
                for b in bids.iter().filter(|b| **b != BidStatus::Sealed) {
                    proptest::prop_assert!(bid_transition(*b, BidAction::Withdraw, true).is_err());
                }
            }
        }
    }
}
