//! Tera filters for dates and times: Beijing time, written the way each language writes it.

use crate::clock::from_ms;
use crate::domain::calendar::SHANGHAI;
use rocket_dyn_templates::tera::{self, Value};
use std::collections::HashMap;

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
    let t = from_ms(ms).to_offset(SHANGHAI);
    let s = match lang_of(args) {
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
    };
    Ok(Value::String(s))
}

/// `{{ fen | money }}`: an amount in fen as ¥1,234,567.00.
pub fn money(value: &Value, _args: &HashMap<String, Value>) -> tera::Result<Value> {
    match value.as_i64() {
        Some(f) => Ok(Value::String(format!(
            "¥{}",
            crate::domain::money::Money::from_fen(f).grouped()
        ))),
        None => Ok(Value::String(String::new())),
    }
}

/// `{{ "2026-11-28" | date(lang=page.lang) }}`: a calendar date.
pub fn date(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let Some(d) = value
        .as_str()
        .and_then(crate::domain::calendar::parse_iso_date)
    else {
        return Ok(value.clone());
    };
    let s = match lang_of(args) {
        "en" => format!(
            "{} {} {}",
            d.day(),
            MONTHS[usize::from(u8::from(d.month())) - 1],
            d.year()
        ),
        _ => format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()),
    };
    Ok(Value::String(s))
}
