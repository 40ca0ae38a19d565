//! The working-day calendar (DOMAIN §5): weekdays minus public holidays plus the adjusted
//! working weekends. A year is official when the State Council's table for it is loaded (kept
//! in the database, see `crate::platform::calendars`), otherwise provisional, computed from the law
//! (`holiday_law`): never weekdays only. Deadlines are computed on dates in Asia/Shanghai and
//! stored as UTC instants or dates, each with the versions it was computed from (`Due`).

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{macros::format_description, Date, Duration, OffsetDateTime, Time, UtcOffset, Weekday};

/// Asia/Shanghai. China has kept UTC+8 without daylight saving since 1991, so a fixed offset
/// is exact for every date this system handles (and needs no time-zone database).
pub const SHANGHAI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The tables shipped with the application: loaded into the database as official at first
/// start (see `calendars::ensure_built_in`), and the calendar of unit tests.
pub const BUILT_IN: &[&str] = &[
    include_str!("../../seeds/calendar/2025.toml"),
    include_str!("../../seeds/calendar/2026.toml"),
];

/// The years a table may be loaded for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// One year's working-day table: official (a State Council notice as loaded, `version` its
/// row) or provisional (computed from the law, never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearTable {
    pub year: i32,
    pub official: bool,
    /// The notice, e.g. 国办发明电〔2025〕7号; for a provisional year the law.
    pub reference: String,
    pub holidays: BTreeSet<Date>,
    pub adjusted_working_days: BTreeSet<Date>,
    /// The stored version (row id); 0 for a table not stored.
    pub version: i64,
}

/// The calendar in force: the official tables loaded, and the law for every other year.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearTable>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("calendar table is not valid TOML: {0}")]
    Toml(String),
    #[error("not a date (YYYY-MM-DD): {0}")]
    BadDate(String),
    #[error("the year must be between 2000 and 2100: {0}")]
    BadYear(i32),
    #[error("the notice's reference is missing")]
    NoReference,
    #[error("date {0} is outside the table's year {1}")]
    WrongYear(Date, i32),
    #[error("{0} is both a holiday and an adjusted working day")]
    Both(Date),
    #[error("adjusted working day {0} is not a Saturday or a Sunday")]
    NotWeekend(Date),
}

impl CalendarError {
    /// The message catalogue key of the error, for pages; `date` names the date at fault.
    pub fn message_key(&self) -> &'static str {
        match self {
            CalendarError::Toml(_) => "err-cal-toml",
            CalendarError::BadDate(_) => "err-cal-bad-date",
            CalendarError::BadYear(_) => "err-cal-year",
            CalendarError::NoReference => "err-cal-reference",
            CalendarError::WrongYear(..) => "err-cal-wrong-year",
            CalendarError::Both(_) => "err-cal-both",
            CalendarError::NotWeekend(_) => "err-cal-not-weekend",
        }
    }

    /// The date (or text) the error names.
    pub fn subject(&self) -> String {
        match self {
            CalendarError::Toml(s) | CalendarError::BadDate(s) => s.clone(),
            CalendarError::BadYear(y) => y.to_string(),
            CalendarError::NoReference => String::new(),
            CalendarError::WrongYear(d, _)
            | CalendarError::Both(d)
            | CalendarError::NotWeekend(d) => iso_date(*d),
        }
    }
}

#[derive(Deserialize)]
struct RawTable {
    year: i32,
    source: String,
    holidays: Vec<String>,
    adjusted_working_days: Vec<String>,
}

fn parse_date(s: &str) -> Result<Date, CalendarError> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| CalendarError::BadDate(s.trim().to_string()))
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    parse_date(s).ok()
}

pub fn iso_date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// One item of a table: a date, or a range `from..to` (both included).
fn expand(item: &str, into: &mut BTreeSet<Date>) -> Result<(), CalendarError> {
    let (from, to) = match item.split_once("..") {
        Some((a, b)) => (parse_date(a)?, parse_date(b)?),
        None => {
            let d = parse_date(item)?;
            (d, d)
        }
    };
    if to < from || (to - from).whole_days() > 366 {
        return Err(CalendarError::BadDate(item.trim().to_string()));
    }
    let mut d = from;
    while d <= to {
        into.insert(d);
        d = d
            .next_day()
            .ok_or_else(|| CalendarError::BadDate(item.to_string()))?;
    }
    Ok(())
}

impl YearTable {
    /// A table in the format of `seeds/calendar/` (TOML: year, source, holidays,
    /// adjusted_working_days), validated.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| CalendarError::Toml(e.to_string()))?;
        Self::build(
            raw.year,
            &raw.source,
            raw.holidays.iter().map(String::as_str),
            raw.adjusted_working_days.iter().map(String::as_str),
        )
    }

    /// A table from its parts, validated: the year in range, a reference, every date inside
    /// the year, every adjusted working day a Saturday or Sunday, no date both.
    pub fn build<'a>(
        year: i32,
        reference: &str,
        holidays: impl IntoIterator<Item = &'a str>,
        adjusted: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, CalendarError> {
        if !YEARS.contains(&year) {
            return Err(CalendarError::BadYear(year));
        }
        // One line: a notice's reference, whatever spacing or line breaks it came with.
        let reference = reference.split_whitespace().collect::<Vec<_>>().join(" ");
        if reference.is_empty() {
            return Err(CalendarError::NoReference);
        }
        let mut hs = BTreeSet::new();
        for item in holidays.into_iter().filter(|s| !s.trim().is_empty()) {
            expand(item, &mut hs)?;
        }
        let mut ws = BTreeSet::new();
        for item in adjusted.into_iter().filter(|s| !s.trim().is_empty()) {
            expand(item, &mut ws)?;
        }
        if let Some(d) = hs.iter().chain(ws.iter()).find(|d| d.year() != year) {
            return Err(CalendarError::WrongYear(*d, year));
        }
        if let Some(d) = hs.intersection(&ws).next() {
            return Err(CalendarError::Both(*d));
        }
        if let Some(d) = ws.iter().find(|d| !is_weekend(**d)) {
            return Err(CalendarError::NotWeekend(*d));
        }
        Ok(YearTable {
            year,
            official: true,
            reference,
            holidays: hs,
            adjusted_working_days: ws,
            version: 0,
        })
    }

    /// The provisional table of `year`, from the law.
    pub fn provisional(year: i32) -> Self {
        YearTable {
            year,
            official: false,
            reference: crate::domain::holiday_law::LAW.to_string(),
            holidays: crate::domain::holiday_law::holidays(year),
            adjusted_working_days: BTreeSet::new(),
            version: 0,
        }
    }

    /// The table in the format `YearTable::parse` reads, ranges collapsed.
    pub fn to_toml(&self) -> String {
        let quote = |v: Vec<String>| {
            v.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "year = {}\nsource = {}\nholidays = [{}]\nadjusted_working_days = [{}]\n",
            self.year,
            toml::Value::String(self.reference.clone()),
            quote(ranges(&self.holidays)),
            quote(ranges(&self.adjusted_working_days)),
        )
    }

    /// The version's part of a basis: `2026@3`, or `2027@p` for a provisional year.
    pub fn tag(&self) -> String {
        if self.official {
            format!("{}@{}", self.year, self.version)
        } else {
            format!("{}@p", self.year)
        }
    }
}

/// Consecutive dates written as ranges (`2026-02-15..2026-02-23`).
pub fn ranges(days: &BTreeSet<Date>) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Option<(Date, Date)> = None;
    for d in days {
        run = match run {
            Some((a, b)) if b.next_day() == Some(*d) => Some((a, *d)),
            Some((a, b)) => {
                out.push(range_text(a, b));
                Some((*d, *d))
            }
            None => Some((*d, *d)),
        };
    }
    if let Some((a, b)) = run {
        out.push(range_text(a, b));
    }
    out
}

fn range_text(a: Date, b: Date) -> String {
    if a == b {
        iso_date(a)
    } else {
        format!("{}..{}", iso_date(a), iso_date(b))
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// A period a clock runs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The nth working day after the start day.
    WorkingDays(u32),
    /// The nth day after the start day; with `roll`, a last day that is not a working day
    /// moves to the next working day.
    Days { days: u32, roll: bool },
}

impl Period {
    pub fn kind(self) -> &'static str {
        match self {
            Period::WorkingDays(_) => "working",
            Period::Days { .. } => "calendar",
        }
    }

    pub fn days(self) -> u32 {
        match self {
            Period::WorkingDays(n) | Period::Days { days: n, .. } => n,
        }
    }

    pub fn roll(self) -> bool {
        matches!(self, Period::Days { roll: true, .. })
    }

    pub fn from_parts(kind: &str, days: u32, roll: bool) -> Period {
        match kind {
            "working" => Period::WorkingDays(days),
            _ => Period::Days { days, roll },
        }
    }
}

/// A due date and the calendar versions it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub on: Date,
    /// The tags of every year the count crossed (`2026@3 2027@p`); empty for a calendar-day
    /// period that does not roll (no calendar moves it).
    pub basis: String,
    pub provisional: bool,
}

impl Calendar {
    /// The calendar of the tables shipped with the application (unit tests; the application
    /// reads its tables from the database).
    pub fn built_in() -> Result<Self, CalendarError> {
        let mut cal = Calendar::default();
        for text in BUILT_IN {
            cal.add(YearTable::parse(text)?);
        }
        Ok(cal)
    }

    /// Adds or replaces an official year.
    pub fn add(&mut self, table: YearTable) {
        self.years.insert(table.year, table);
    }

    /// Whether `year` has an official table.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The official tables.
    pub fn years(&self) -> impl Iterator<Item = &YearTable> {
        self.years.values()
    }

    /// The table in force for `year`: official, or provisional from the law.
    pub fn table(&self, year: i32) -> std::borrow::Cow<'_, YearTable> {
        match self.years.get(&year) {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => std::borrow::Cow::Owned((*provisional(year)).clone()),
        }
    }

    /// Years in `from..=to` that have no official table: their dates are provisional.
    pub fn missing_years(&self, from: i32, to: i32) -> Vec<i32> {
        (from..=to).filter(|y| !self.has_year(*y)).collect()
    }

    /// Whether a date counted from a day in `from_year` to one in `to_year` crossed a
    /// provisional year.
    pub fn provisional_between(&self, from_year: i32, to_year: i32) -> bool {
        (from_year.min(to_year)..=to_year).any(|y| !self.has_year(y))
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        let (holiday, adjusted) = match self.years.get(&d.year()) {
            Some(t) => (
                t.holidays.contains(&d),
                t.adjusted_working_days.contains(&d),
            ),
            None => (provisional(d.year()).holidays.contains(&d), false),
        };
        if holiday {
            return false;
        }
        adjusted || !is_weekend(d)
    }

    /// The `n`th working day after `d` (`d` itself not counted). `n = 0` gives `d`.
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.saturating_add(Duration::days(1));
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// `d` if it is a working day, else the next working day.
    pub fn working_day_on_or_after(&self, d: Date) -> Date {
        let mut day = d;
        while !self.is_working_day(day) {
            day = day.saturating_add(Duration::days(1));
        }
        day
    }

    /// Working days in the half-open interval (`from`, `to`]: how many working days have
    /// passed from `from` to `to`. Zero when `to <= from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            day = day.saturating_add(Duration::days(1));
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }

    /// The last day of `period` counted from `start`, with the versions it depends on.
    pub fn due(&self, start: Date, period: Period) -> Due {
        let on = match period {
            Period::WorkingDays(n) => self.add_working_days(start, n),
            Period::Days { days, roll } => {
                let d = start.saturating_add(Duration::days(i64::from(days)));
                if roll {
                    self.working_day_on_or_after(d)
                } else {
                    d
                }
            }
        };
        if let Period::Days { roll: false, .. } = period {
            return Due {
                on,
                basis: String::new(),
                provisional: false,
            };
        }
        let tags: Vec<String> = (start.year()..=on.year())
            .map(|y| self.table(y).tag())
            .collect();
        Due {
            on,
            basis: tags.join(" "),
            provisional: self.provisional_between(start.year(), on.year()),
        }
    }
}

/// The provisional table of a year, computed once per process (the law does not change while
/// it runs).
fn provisional(year: i32) -> std::sync::Arc<YearTable> {
    use std::sync::{Arc, Mutex, OnceLock, PoisonError};
    static MEMO: OnceLock<Mutex<BTreeMap<i32, Arc<YearTable>>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Mutex::default);
    if let Some(t) = memo
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&year)
    {
        return t.clone();
    }
    let t = Arc::new(YearTable::provisional(year));
    memo.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(year, t.clone());
    t
}

/// The calendar date in Asia/Shanghai of an instant.
pub fn shanghai_date(t: OffsetDateTime) -> Date {
    t.to_offset(SHANGHAI).date()
}

/// The end of a Shanghai calendar day as a UTC instant: the first instant of the next day,
/// so "by the end of day d" means `instant < end_of_day(d)`.
pub fn end_of_day(d: Date) -> OffsetDateTime {
    d.saturating_add(Duration::days(1))
        .with_time(Time::MIDNIGHT)
        .assume_offset(SHANGHAI)
        .to_offset(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn cal() -> Calendar {
        match Calendar::built_in() {
            Ok(c) => c,
            Err(e) => panic!("built-in calendar must parse: {e}"),
        }
    }

    #[test]
    fn spring_festival_2026_is_skipped_and_the_adjusted_saturdays_count() {
        let c = cal();
        // Sat 14 Feb and Sat 28 Feb 2026 are adjusted working days; 15-23 Feb are holidays.
        assert!(c.is_working_day(date!(2026 - 02 - 14)));
        assert!(c.is_working_day(date!(2026 - 02 - 28)));
        for d in 15..=23 {
            let day = Date::from_calendar_date(2026, time::Month::February, d);
            assert!(!c.is_working_day(day.unwrap_or(date!(2026 - 02 - 15))));
        }
        // From Fri 13 Feb: 14 (Sat, working), then 24, 25, 26, 27.
        assert_eq!(
            c.add_working_days(date!(2026 - 02 - 13), 5),
            date!(2026 - 02 - 27)
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 02 - 13), 6),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            c.working_days_between(date!(2026 - 02 - 13), date!(2026 - 02 - 27)),
            5
        );
    }

    #[test]
    fn national_day_2026_with_sunday_20_september_and_saturday_10_october() {
        let c = cal();
        assert!(c.is_working_day(date!(2026 - 09 - 20))); // Sunday, adjusted
        assert!(c.is_working_day(date!(2026 - 10 - 10))); // Saturday, adjusted
        assert!(!c.is_working_day(date!(2026 - 09 - 25))); // Mid-Autumn (Friday)
        assert!(!c.is_working_day(date!(2026 - 10 - 05)));
        // From Wed 30 Sep: 1-7 Oct holiday, Thu 8, Fri 9, Sat 10 (adjusted), Mon 12.
        assert_eq!(
            c.add_working_days(date!(2026 - 09 - 30), 3),
            date!(2026 - 10 - 10)
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 09 - 30), 4),
            date!(2026 - 10 - 12)
        );
        // Thu 24 Sep to Mon 28 Sep passes only Mon 28.
        assert_eq!(
            c.working_days_between(date!(2026 - 09 - 24), date!(2026 - 09 - 28)),
            1
        );
    }

    #[test]
    fn a_year_without_a_table_is_provisional_from_the_law_not_weekdays_only() {
        let c = cal();
        assert_eq!(c.missing_years(2025, 2027), vec![2027]);
        // 1 Jan 2027 is a Friday and 元旦 by law: not a working day.
        assert!(!c.is_working_day(date!(2027 - 01 - 01)));
        assert!(!c.is_working_day(date!(2027 - 01 - 02)));
        assert!(c.is_working_day(date!(2027 - 01 - 04)));
        // The inquiry of the issue: filed Wed 30 Dec 2026, 3 working days: 31 Dec, 4 and 5 Jan.
        let due = c.due(date!(2026 - 12 - 30), Period::WorkingDays(3));
        assert_eq!(due.on, date!(2027 - 01 - 05));
        assert!(due.provisional);
        assert_eq!(due.basis, "2026@0 2027@p");
        // One day earlier stays inside 2026 (31 Dec is a Thursday, 1 Jan a holiday).
        let due = c.due(date!(2026 - 12 - 28), Period::WorkingDays(3));
        assert_eq!(due.on, date!(2026 - 12 - 31));
        assert!(!due.provisional);
        assert_eq!(due.basis, "2026@0");
    }

    #[test]
    fn every_statutory_holiday_of_2025_and_2026_is_a_holiday_in_the_official_tables_which_add_bridge_days_and_make_up_working_days_the_law_cannot_know(
    ) {
        let c = cal();
        for year in [2025, 2026] {
            let official = c.table(year).into_owned();
            assert!(official.official);
            let law = YearTable::provisional(year);
            assert!(!law.holidays.is_empty());
            for d in &law.holidays {
                assert!(
                    official.holidays.contains(d),
                    "{d} is a holiday by law but not in the official {year} table"
                );
            }
            // The notices add more (bridge days): the law is a strict subset.
            assert!(official.holidays.len() > law.holidays.len());
            assert!(law.adjusted_working_days.is_empty());
        }
    }

    #[test]
    fn a_calendar_day_period_keeps_its_day_unless_it_rolls_off_a_holiday() {
        let c = cal();
        // 60 days from 2 Dec 2026 end on Sun 31 Jan 2027.
        let plain = c.due(
            date!(2026 - 12 - 02),
            Period::Days {
                days: 60,
                roll: false,
            },
        );
        assert_eq!(plain.on, date!(2027 - 01 - 31));
        assert_eq!(plain.basis, "");
        assert!(!plain.provisional);
        let rolled = c.due(
            date!(2026 - 12 - 02),
            Period::Days {
                days: 60,
                roll: true,
            },
        );
        assert_eq!(rolled.on, date!(2027 - 02 - 01));
        assert!(rolled.provisional);
        // Ending on a working day: rolling changes nothing (30 days from 2 Dec: Fri 1 Jan 2027
        // is 元旦, so take 29: Thu 31 Dec).
        let d = c.due(
            date!(2026 - 12 - 02),
            Period::Days {
                days: 29,
                roll: true,
            },
        );
        assert_eq!(d.on, date!(2026 - 12 - 31));
        let d = c.due(
            date!(2026 - 12 - 02),
            Period::Days {
                days: 30,
                roll: true,
            },
        );
        assert_eq!(d.on, date!(2027 - 01 - 04));
    }

    #[test]
    fn a_malformed_table_is_refused_naming_the_date() {
        let e = YearTable::build(2027, "x", ["2027-01-01"], ["2027-01-06"]);
        assert_eq!(e, Err(CalendarError::NotWeekend(date!(2027 - 01 - 06))));
        assert_eq!(
            CalendarError::NotWeekend(date!(2027 - 01 - 06)).subject(),
            "2027-01-06"
        );
        // Saturday and Sunday are accepted.
        assert!(YearTable::build(2027, "x", ["2027-01-01"], ["2027-01-09", "2027-01-10"]).is_ok());
        assert_eq!(
            YearTable::build(2027, "x", ["2027-12-31..2028-01-01"], []),
            Err(CalendarError::WrongYear(date!(2028 - 01 - 01), 2027))
        );
        assert_eq!(
            YearTable::build(2027, " ", ["2027-01-01"], []),
            Err(CalendarError::NoReference)
        );
        assert_eq!(
            YearTable::build(1999, "x", [], []),
            Err(CalendarError::BadYear(1999))
        );
        assert_eq!(
            YearTable::build(2027, "x", ["2027-02-30"], []),
            Err(CalendarError::BadDate("2027-02-30".into()))
        );
        assert_eq!(
            YearTable::build(2027, "x", ["2027-02-10..2027-02-01"], []),
            Err(CalendarError::BadDate("2027-02-10..2027-02-01".into()))
        );
    }

    #[test]
    fn a_table_written_back_reads_the_same() {
        let c = cal();
        let t = c.table(2026).into_owned();
        let again = YearTable::parse(&t.to_toml()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, t);
        assert!(t.to_toml().contains("\"2026-02-15..2026-02-23\""));
    }

    #[test]
    fn days_are_taken_in_shanghai_time() {
        // 17:00 UTC on 13 Feb is already 01:00 on 14 Feb in Shanghai.
        assert_eq!(
            shanghai_date(datetime!(2026-02-13 17:00 UTC)),
            date!(2026 - 02 - 14)
        );
        assert_eq!(
            end_of_day(date!(2026 - 02 - 27)),
            datetime!(2026-02-27 16:00 UTC)
        );
    }

    #[test]
    fn a_table_that_lists_a_day_twice_is_refused() {
        let t = "year = 2030\nsource = \"x\"\nholidays = [\"2030-01-01\"]\nadjusted_working_days = [\"2030-01-01\"]";
        assert!(matches!(YearTable::parse(t), Err(CalendarError::Both(_))));
        let t =
            "year = 2030\nsource = \"x\"\nholidays = [\"2031-01-01\"]\nadjusted_working_days = []";
        assert!(matches!(
            YearTable::parse(t),
            Err(CalendarError::WrongYear(_, _))
        ));
    }
}
