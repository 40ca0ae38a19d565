//! A provisional year's holidays from the law itself: 全国年节及纪念日放假办法 (as amended in
//! 2024), for a year whose official table (the State Council's notice, published each November)
//! is not loaded. The lunar dates and the solar term come from `tyme4rs` (6tail's calendar
//! library); a test checks the result against the official tables of 2025 and 2026.
//!
//! What the law fixes (第二条): 元旦 1 January; 春节 除夕 to 正月初三 (4 days); 清明 (the day of
//! the solar term); 劳动节 1–2 May; 端午 (五月初五); 中秋 (八月十五); 国庆 1–3 October. And
//! (第六条) a holiday for all citizens that falls on a Saturday or Sunday is made up on a working
//! day: the next weekday that is not already a holiday. What the law cannot know are the bridge
//! days and the working weekends (调休) each notice arranges, so a provisional year has no
//! adjusted working days.

use std::collections::BTreeSet;
use time::{Date, Duration, Month, Weekday};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::SolarTerm;

/// The reference a provisional year carries, in both languages' documents.
pub const LAW: &str = "全国年节及纪念日放假办法（2024年修订）";

/// The holidays, in order, with the festival each belongs to.
pub fn statutory_days(year: i32) -> Vec<(Date, &'static str)> {
    let mut out = Vec::new();
    let mut push = |d: Option<Date>, name: &'static str| {
        if let Some(d) = d {
            out.push((d, name));
        }
    };
    let ymd = |m: Month, d: u8| Date::from_calendar_date(year, m, d).ok();
    push(ymd(Month::January, 1), "new_year");
    // 春节: 除夕 is the day before 正月初一 (the 29th or the 30th of the twelfth month).
    if let Some(first) = lunar_to_solar(year, 1, 1) {
        for offset in -1..=2 {
            push(first.checked_add(Duration::days(offset)), "spring_festival");
        }
    }
    push(qingming(year), "qingming");
    push(ymd(Month::May, 1), "labour_day");
    push(ymd(Month::May, 2), "labour_day");
    push(lunar_to_solar(year, 5, 5), "dragon_boat");
    push(lunar_to_solar(year, 8, 15), "mid_autumn");
    for d in 1..=3 {
        push(ymd(Month::October, d), "national_day");
    }
    out.sort();
    out
}

/// The holidays of a provisional year: the statutory days and, for each that falls on a
/// weekend, a make-up day off on the next weekday that is not a holiday (第六条).
pub fn holidays(year: i32) -> BTreeSet<Date> {
    let statutory = statutory_days(year);
    let mut set: BTreeSet<Date> = statutory.iter().map(|(d, _)| *d).collect();
    for (d, _) in &statutory {
        if !is_weekend(*d) {
            continue;
        }
        let mut c = *d;
        while let Some(next) = c.next_day() {
            c = next;
            if !is_weekend(c) && !set.contains(&c) {
                if c.year() == year {
                    set.insert(c);
                }
                break;
            }
        }
    }
    set
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn lunar_to_solar(year: i32, month: isize, day: usize) -> Option<Date> {
    if !(1..=9998).contains(&year) {
        return None;
    }
    let s = LunarDay::new(year as isize, month, day)
        .ok()?
        .get_solar_day();
    solar(s.get_year(), s.get_month(), s.get_day())
}

/// 清明: the day of the solar term in Beijing. tyme's term years begin at the winter solstice
/// (冬至, index 0) of the year before, so 清明 is term 7 of `year`.
fn qingming(year: i32) -> Option<Date> {
    if !(1..=9998).contains(&year) {
        return None;
    }
    let s = SolarTerm::from_index(year as isize, 7).get_solar_day();
    solar(s.get_year(), s.get_month(), s.get_day())
}

fn solar(y: isize, m: usize, d: usize) -> Option<Date> {
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_festivals_fall_on_their_known_days() {
        let days = |y| {
            statutory_days(y)
                .into_iter()
                .filter(|(_, n)| *n != "labour_day" && *n != "national_day")
                .map(|(d, _)| d)
                .collect::<Vec<_>>()
        };
        // 2026: 除夕 16 Feb, 清明 5 Apr, 端午 19 Jun, 中秋 25 Sep.
        assert_eq!(
            days(2026),
            vec![
                date!(2026 - 01 - 01),
                date!(2026 - 02 - 16),
                date!(2026 - 02 - 17),
                date!(2026 - 02 - 18),
                date!(2026 - 02 - 19),
                date!(2026 - 04 - 05),
                date!(2026 - 06 - 19),
                date!(2026 - 09 - 25),
            ]
        );
        // 2027: 除夕 5 Feb, 清明 5 Apr, 端午 9 Jun, 中秋 15 Sep.
        assert_eq!(
            days(2027),
            vec![
                date!(2027 - 01 - 01),
                date!(2027 - 02 - 05),
                date!(2027 - 02 - 06),
                date!(2027 - 02 - 07),
                date!(2027 - 02 - 08),
                date!(2027 - 04 - 05),
                date!(2027 - 06 - 09),
                date!(2027 - 09 - 15),
            ]
        );
        // 2025: 清明 on 4 April (the term moves between the 4th and the 5th).
        assert!(days(2025).contains(&date!(2025 - 04 - 04)));
    }

    #[test]
    fn a_holiday_on_a_weekend_is_made_up_on_the_next_free_weekday() {
        let h = holidays(2027);
        // 春节 2027: Fri 5 – Mon 8 Feb; Sat 6 and Sun 7 are made up on Tue 9 and Wed 10.
        for d in [5, 6, 7, 8, 9, 10] {
            assert!(h.contains(
                &date!(2027 - 02 - 01)
                    .replace_day(d)
                    .unwrap_or(date!(2027 - 02 - 01))
            ));
        }
        assert!(!h.contains(&date!(2027 - 02 - 11)));
        // 国庆 2027: Fri 1 – Sun 3 Oct, made up on Mon 4 and Tue 5.
        assert!(h.contains(&date!(2027 - 10 - 04)));
        assert!(h.contains(&date!(2027 - 10 - 05)));
        assert!(!h.contains(&date!(2027 - 10 - 06)));
        // 元旦 2027 is a Friday: nothing to make up.
        assert!(!h.contains(&date!(2027 - 01 - 04)));
    }
}
