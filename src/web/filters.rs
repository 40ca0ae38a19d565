//! Tera filters for dates and times: Beijing time, written the way each language writes it.

use crate::domain::calendar::SHANGHAI;
use crate::platform::clock::from_ms;
use std::collections::HashMap;
use tera::{self, Value};

fn lang_of(args: &HashMap<String, Value>) -> &str {
    args.get("lang").and_then(Value::as_str).unwrap_or("zh-CN")
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `{{ ms | datetime(lang=page.lang) }}`: an instant in epoch milliseconds.
pub fn datetime(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let Some(ms) = value.as_i64() else {
        return Ok(Value::String(String::new()));
    };
    Ok(Value::String(datetime_text(ms, lang_of(args))))
}

/// An instant (epoch milliseconds) in Beijing time: 2027年1月5日 09:30 / 5 Jan 2027 09:30.
pub fn datetime_text(ms: i64, lang: &str) -> String {
    let t = from_ms(ms).to_offset(SHANGHAI);
    match lang {
        "en" => format!(
            "{} {} {} {:02}:{:02}",
            t.day(),
            MONTHS[usize::from(u8::from(t.month())) - 1],
            t.year(),
            t.hour(),
            t.minute()
        ),
        _ => format!(
            "{}年{}月{}日 {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
    }
}

/// `{{ fen | money }}`: an amount in fen as ¥1,234,567.00.
/// Fen as an integer, or an amount in yuan as text (a `Money` serialized), grouped.
pub fn money(value: &Value, _args: &HashMap<String, Value>) -> tera::Result<Value> {
    use crate::domain::money::Money;
    let amount = value
        .as_i64()
        .map(Money::from_fen)
        .or_else(|| value.as_str().and_then(|s| Money::parse(s).ok()));
    Ok(Value::String(
        amount.map_or_else(String::new, |m| format!("¥{}", m.grouped())),
    ))
}

/// `{{ "2026-11-28" | date(lang=page.lang) }}`: a calendar date.
pub fn date(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let Some(d) = value
        .as_str()
        .and_then(crate::domain::calendar::parse_iso_date)
    else {
        return Ok(value.clone());
    };
    Ok(Value::String(date_text(d, lang_of(args))))
}

/// A calendar date the way each language writes it: 2026年12月5日 / 5 Dec 2026.
pub fn date_text(d: time::Date, lang: &str) -> String {
    match lang {
        "en" => format!(
            "{} {} {}",
            d.day(),
            MONTHS[usize::from(u8::from(d.month())) - 1],
            d.year()
        ),
        _ => format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()),
    }
}

/// `{{ district | division(lang=page.lang) }}`: a Ningbo division (its code or its Chinese name)
/// named in the page's language.
pub fn division(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    match value.as_str() {
        Some(s) => Ok(Value::String(crate::domain::division::name_for(
            s,
            lang_of(args) == "en",
        ))),
        None => Ok(value.clone()),
    }
}

const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A date with its day of the week: 2027年1月5日（周二） / Tue 5 Jan 2027.
pub fn day_text(d: time::Date, lang: &str) -> String {
    let wd = usize::from(d.weekday().number_days_from_monday());
    match lang {
        "en" => format!(
            "{} {} {} {}",
            WEEKDAYS_EN[wd],
            d.day(),
            MONTHS[usize::from(u8::from(d.month())) - 1],
            d.year()
        ),
        _ => format!(
            "{}年{}月{}日（{}）",
            d.year(),
            u8::from(d.month()),
            d.day(),
            WEEKDAYS_ZH[wd]
        ),
    }
}

/// A due date as stored: an ISO date (the end of that day), or an instant in epoch
/// milliseconds (an end of day when it falls on midnight in Beijing). The day it ends on, and
/// the time when it is not the end of the day.
fn due_parts(value: &Value) -> Option<(time::Date, Option<(u8, u8)>)> {
    if let Some(d) = value
        .as_str()
        .and_then(crate::domain::calendar::parse_iso_date)
    {
        return Some((d, None));
    }
    let t = from_ms(value.as_i64()?).to_offset(SHANGHAI);
    if (t.hour(), t.minute(), t.second()) == (0, 0, 0) {
        return Some((t.date().previous_day()?, None));
    }
    Some((t.date(), Some((t.hour(), t.minute()))))
}

fn due_string(d: time::Date, time: Option<(u8, u8)>, provisional: bool, lang: &str) -> String {
    let mut s = day_text(d, lang);
    match (time, lang) {
        (Some((h, m)), "en") => s.push_str(&format!(", {h:02}:{m:02}")),
        (Some((h, m)), _) => s.push_str(&format!(" {h:02}:{m:02}")),
        (None, "en") => s.push_str(", end of day"),
        (None, _) => s.push_str("24:00"),
    }
    if provisional {
        s.push_str(match lang {
            "en" => " (provisional: the year's official holiday table is not loaded yet)",
            _ => "（暂定：该年度国务院节假日安排尚未载入）",
        });
    }
    s
}

/// `{{ "2027-01-31" | day(lang=page.lang) }}`: a date with its day of the week.
pub fn day(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    match value
        .as_str()
        .and_then(crate::domain::calendar::parse_iso_date)
    {
        Some(d) => Ok(Value::String(day_text(d, lang_of(args)))),
        None => Ok(value.clone()),
    }
}

/// `{{ due | due(lang=page.lang) }}`: a due date counted in working days (an ISO date or an
/// end-of-day instant), with its day of the week, marked provisional when the count crossed a
/// year whose official table is not loaded (pass `working=false` for a calendar-day period,
/// which no holiday table moves).
pub fn due(
    calendars: std::sync::Arc<crate::platform::calendars::Calendars>,
) -> impl Fn(&Value, &HashMap<String, Value>) -> tera::Result<Value> + Send + Sync {
    move |value, args| {
        let Some((d, time)) = due_parts(value) else {
            return Ok(value.clone());
        };
        let working = args.get("working").and_then(Value::as_bool).unwrap_or(true);
        let provisional = working && calendars.provisional(d);
        Ok(Value::String(due_string(
            d,
            time,
            provisional,
            lang_of(args),
        )))
    }
}

#[cfg(test)]
mod due_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_due_date_reads_as_its_last_day_with_the_weekday() {
        assert_eq!(
            day_text(date!(2027 - 01 - 05), "zh-CN"),
            "2027年1月5日（周二）"
        );
        assert_eq!(day_text(date!(2027 - 01 - 05), "en"), "Tue 5 Jan 2027");
        // The end of 5 January is midnight starting the 6th in Beijing (16:00 UTC on the 5th).
        let end = Value::from(1_799_164_800_000_i64);
        assert_eq!(due_parts(&end), Some((date!(2027 - 01 - 05), None)));
        assert_eq!(
            due_string(date!(2027 - 01 - 05), None, true, "zh-CN"),
            "2027年1月5日（周二）24:00（暂定：该年度国务院节假日安排尚未载入）"
        );
        assert_eq!(
            due_string(date!(2027 - 01 - 05), Some((9, 30)), false, "en"),
            "Tue 5 Jan 2027, 09:30"
        );
        assert_eq!(
            due_string(date!(2027 - 01 - 05), None, true, "en"),
            "Tue 5 Jan 2027, end of day (provisional: the year's official holiday table is not loaded yet)"
        );
        assert_eq!(
            due_parts(&Value::from("2027-01-05")),
            Some((date!(2027 - 01 - 05), None))
        );
    }

    #[test]
    fn money_groups_fen_and_yuan_text_alike_and_leaves_anything_else_empty() {
        let none = HashMap::new();
        let m = |v: Value| money(&v, &none).ok().unwrap_or(Value::Null);
        assert_eq!(m(Value::from(38_123_456)), Value::from("¥381,234.56"));
        assert_eq!(m(Value::from("381234.56")), Value::from("¥381,234.56"));
        assert_eq!(m(Value::from("0.01")), Value::from("¥0.01"));
        assert_eq!(m(Value::from("abc")), Value::from(""));
        assert_eq!(m(Value::Null), Value::from(""));
    }
}
