//! The working-day calendar (DOMAIN §5): weekdays minus public holidays plus the adjusted
//! working weekends, one table per year as data in `seeds/calendar/`. Deadlines are computed
//! on dates in Asia/Shanghai and stored as UTC instants.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{macros::format_description, Date, Duration, OffsetDateTime, Time, UtcOffset, Weekday};

/// Asia/Shanghai. China has kept UTC+8 without daylight saving since 1991, so a fixed offset
/// is exact for every date this system handles (and needs no time-zone database).
pub const SHANGHAI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The tables shipped with the application.
const BUILT_IN: &[&str] = &[
    include_str!("../../seeds/calendar/2025.toml"),
    include_str!("../../seeds/calendar/2026.toml"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearTable {
    pub year: i32,
    pub source: String,
    pub holidays: BTreeSet<Date>,
    pub adjusted_working_days: BTreeSet<Date>,
}

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
    #[error("date {0} is outside the table's year {1}")]
    WrongYear(Date, i32),
    #[error("{0} is both a holiday and an adjusted working day")]
    Both(Date),
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
        .map_err(|_| CalendarError::BadDate(s.to_string()))
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    parse_date(s).ok()
}

pub fn iso_date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

impl YearTable {
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| CalendarError::Toml(e.to_string()))?;
        let mut holidays = BTreeSet::new();
        for item in &raw.holidays {
            let (from, to) = match item.split_once("..") {
                Some((a, b)) => (parse_date(a)?, parse_date(b)?),
                None => {
                    let d = parse_date(item)?;
                    (d, d)
                }
            };
            let mut d = from;
            while d <= to {
                holidays.insert(d);
                d = d
                    .next_day()
                    .ok_or_else(|| CalendarError::BadDate(item.clone()))?;
            }
        }
        let adjusted = raw
            .adjusted_working_days
            .iter()
            .map(|s| parse_date(s))
            .collect::<Result<BTreeSet<_>, _>>()?;
        for d in holidays.iter().chain(adjusted.iter()) {
            if d.year() != raw.year {
                return Err(CalendarError::WrongYear(*d, raw.year));
            }
        }
        if let Some(d) = holidays.intersection(&adjusted).next() {
            return Err(CalendarError::Both(*d));
        }
        Ok(YearTable {
            year: raw.year,
            source: raw.source,
            holidays,
            adjusted_working_days: adjusted,
        })
    }
}

impl Calendar {
    /// The calendar with every table shipped in `seeds/calendar/`.
    pub fn built_in() -> Result<Self, CalendarError> {
        let mut cal = Calendar::default();
        for text in BUILT_IN {
            cal.add(YearTable::parse(text)?);
        }
        Ok(cal)
    }

    pub fn add(&mut self, table: YearTable) {
        self.years.insert(table.year, table);
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = &YearTable> {
        self.years.values()
    }

    /// Years in `from..=to` that have no table: those count weekdays only, and the admin is
    /// warned.
    pub fn missing_years(&self, from: i32, to: i32) -> Vec<i32> {
        (from..=to).filter(|y| !self.has_year(*y)).collect()
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        if let Some(t) = self.years.get(&d.year()) {
            if t.holidays.contains(&d) {
                return false;
            }
            if t.adjusted_working_days.contains(&d) {
                return true;
            }
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
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
    fn a_year_without_a_table_counts_weekdays_and_is_reported() {
        let c = cal();
        assert_eq!(c.missing_years(2025, 2027), vec![2027]);
        // 1 Jan 2027 is a Friday: without a table it counts as a working day.
        assert!(c.is_working_day(date!(2027 - 01 - 01)));
        assert!(!c.is_working_day(date!(2027 - 01 - 02)));
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
