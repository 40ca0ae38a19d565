//! The working-day calendar for admins (`/admin/calendar`): the years in force (official or
//! provisional) with every version loaded, a year's month grid, and loading the State Council's
//! notice for a year — entered or uploaded, checked, shown as a month grid with the due dates
//! it would move, then saved on confirmation.

use crate::deadlines::Change;
use crate::domain::calendar::{iso_date, CalendarError, YearTable, YEARS};
use crate::domain::lang::Lang;
use crate::platform::app::AppState;
use crate::platform::audit::Actor;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::Admin;
use crate::platform::calendars::{self, Loader};
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::web::attachments::{read_upload, Upload};
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, FormErrors};
use crate::web::template::Template;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use serde::Serialize;
use serde_json::json;
use time::{Date, Duration, Month, Weekday};

pub fn routes() -> Vec<Route> {
    routes![overview, year, preview, confirm]
}

/// A table file is small; anything larger is not a holiday notice.
const MAX_FILE: u64 = 64 * 1024;

#[derive(Serialize)]
struct Cell {
    day: u8,
    /// holiday | working (an adjusted working weekend) | weekend | day
    kind: &'static str,
    iso: String,
}

#[derive(Serialize)]
struct MonthGrid {
    month: u8,
    /// Weeks from Monday; `None` pads the first and last week.
    weeks: Vec<Vec<Option<Cell>>>,
    holidays: usize,
    working: usize,
}

/// The twelve months of a table, for the grid.
fn grid(t: &YearTable) -> Vec<MonthGrid> {
    let mut out = Vec::new();
    for m in 1..=12u8 {
        let Ok(month) = Month::try_from(m) else {
            continue;
        };
        let Ok(first) = Date::from_calendar_date(t.year, month, 1) else {
            continue;
        };
        let mut weeks = Vec::new();
        let mut week: Vec<Option<Cell>> = (0..first.weekday().number_days_from_monday())
            .map(|_| None)
            .collect();
        let (mut holidays, mut working) = (0, 0);
        let mut d = first;
        while d.month() == month {
            let kind = if t.holidays.contains(&d) {
                holidays += 1;
                "holiday"
            } else if t.adjusted_working_days.contains(&d) {
                working += 1;
                "working"
            } else if matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
                "weekend"
            } else {
                "day"
            };
            week.push(Some(Cell {
                day: d.day(),
                kind,
                iso: iso_date(d),
            }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
            d = d.saturating_add(Duration::days(1));
        }
        if !week.is_empty() {
            week.resize_with(7, || None);
            weeks.push(week);
        }
        out.push(MonthGrid {
            month: m,
            weeks,
            holidays,
            working,
        });
    }
    out
}

fn table_json(t: &YearTable) -> serde_json::Value {
    json!({
        "year": t.year, "official": t.official, "reference": t.reference, "version": t.version,
        "holidays": crate::domain::calendar::ranges(&t.holidays),
        "adjusted_working_days": crate::domain::calendar::ranges(&t.adjusted_working_days),
        "holiday_count": t.holidays.len(), "working_count": t.adjusted_working_days.len(),
    })
}

/// The message for a table that does not hold, naming the date at fault.
fn calendar_message(lang: Lang, e: &CalendarError) -> String {
    i18n::t_args(lang, e.message_key(), &[("date", e.subject())])
}

fn change_json(c: &Change) -> serde_json::Value {
    json!({
        "clock": c.clock.code(), "entity_id": c.entity_id, "old": c.old, "new": c.new,
        "computed": c.computed, "kept": c.computed < c.old, "moved": c.moved(),
        "provisional": c.provisional,
    })
}

async fn overview_view(
    page: &Page,
    state: &AppState,
    errors: FormErrors,
    values: serde_json::Value,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let cal = state.calendars.exact(&mut c).await?;
    let versions = crate::db::calendar::versions(&mut c).await?;
    let today = state.calendars.today();
    let mut years: Vec<serde_json::Value> = cal.years().map(table_json).collect();
    for y in cal.missing_years(today.year(), today.year() + 1) {
        years.push(table_json(&cal.table(y)));
    }
    years.sort_by_key(|y| std::cmp::Reverse(y["year"].as_i64().unwrap_or(0)));
    Ok(page.render(
        "admin/calendar",
        json!({
            "years": years, "versions": versions, "errors": errors, "values": values,
            "next_year": today.year() + 1,
            "missing": crate::web::dashboard::calendar_warnings(state),
        }),
    ))
}

/// `year` fills the form's year (the year page's "load this year" link).
#[get("/admin/calendar?<year>")]
async fn overview(
    page: Page,
    state: &State<AppState>,
    _admin: Admin<'_>,
    year: Option<i32>,
) -> AppResult<Template> {
    let values = match year.filter(|y| YEARS.contains(y)) {
        Some(y) => json!({ "year": y }),
        None => json!({}),
    };
    overview_view(&page, state, FormErrors::default(), values).await
}

#[get("/admin/calendar/<y>")]
async fn year(
    page: Page,
    state: &State<AppState>,
    _admin: Admin<'_>,
    y: i32,
) -> AppResult<Template> {
    if !YEARS.contains(&y) {
        return Err(AppError::NotFound);
    }
    let mut c = state.db.acquire().await?;
    let cal = state.calendars.exact(&mut c).await?;
    let t = cal.table(y);
    let statutory: Vec<_> = crate::domain::holiday_law::statutory_days(y)
        .into_iter()
        .map(|(d, name)| json!({ "date": iso_date(d), "festival": name }))
        .collect();
    Ok(page.render(
        "admin/calendar_year",
        json!({ "table": table_json(&t), "months": grid(&t), "statutory": statutory }),
    ))
}

#[derive(FromForm)]
pub struct TableForm<'r> {
    year: Option<String>,
    reference: Option<String>,
    holidays: Option<String>,
    adjusted_working_days: Option<String>,
    file: Option<Upload<'r>>,
}

/// The items of a list typed into a box: one date or range a line (commas and spaces also
/// separate), `..`, `~` or `至` between the ends of a range.
fn items(s: &str) -> Vec<String> {
    s.split(['\n', ',', '，', '、', ';'])
        .flat_map(|l| {
            let l = l.trim().replace(['～', '~'], "..").replace('至', "..");
            // "2027-01-01 2027-01-02" on one line: two dates.
            if l.contains("..") {
                vec![l.replace(' ', "")]
            } else {
                l.split_whitespace().map(str::to_string).collect()
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// The table the form describes: the uploaded file when there is one, else the fields.
async fn table_of(f: &TableForm<'_>, lang: Lang) -> Result<YearTable, FormErrors> {
    let mut errors = FormErrors::default();
    let has_file = matches!(&f.file, Some(Upload::File(u)) if u.len() > 0)
        || matches!(&f.file, Some(Upload::Refused));
    if has_file {
        let bytes = match read_upload(f.file.as_ref(), MAX_FILE).await {
            Ok(b) => b,
            Err(key) => {
                errors.add(lang, "file", key);
                return Err(errors);
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            errors.add(lang, "file", "err-cal-file-text");
            return Err(errors);
        };
        return YearTable::parse(&text).map_err(|e| {
            errors.add_text("file", calendar_message(lang, &e));
            errors
        });
    }
    let year = match text(&f.year).parse::<i32>() {
        Ok(y) if YEARS.contains(&y) => Some(y),
        _ => {
            errors.add(lang, "year", "err-cal-year-field");
            None
        }
    };
    if text(&f.reference).is_empty() {
        errors.add(lang, "reference", "err-cal-reference");
    }
    let holidays = items(text(&f.holidays));
    if holidays.is_empty() {
        errors.add(lang, "holidays", "err-cal-holidays-empty");
    }
    let (Some(year), true) = (year, errors.is_empty()) else {
        return Err(errors);
    };
    let adjusted = items(text(&f.adjusted_working_days));
    YearTable::build(
        year,
        text(&f.reference),
        holidays.iter().map(String::as_str),
        adjusted.iter().map(String::as_str),
    )
    .map_err(|e| {
        let field = match e {
            CalendarError::NotWeekend(_) => "adjusted_working_days",
            CalendarError::NoReference => "reference",
            CalendarError::BadYear(_) => "year",
            CalendarError::BadDate(ref s) if adjusted.contains(s) => "adjusted_working_days",
            CalendarError::WrongYear(d, _) if adjusted.iter().any(|a| a.contains(&iso_date(d))) => {
                "adjusted_working_days"
            }
            _ => "holidays",
        };
        errors.add_text(field, calendar_message(lang, &e));
        errors
    })
}

#[post("/admin/calendar/preview", data = "<form>")]
async fn preview(
    page: Page,
    state: &State<AppState>,
    _admin: Admin<'_>,
    form: CsrfForm<TableForm<'_>>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let table = match table_of(&f, page.lang).await {
        Ok(t) => t,
        Err(errors) => {
            let values = json!({
                "year": text(&f.year), "reference": text(&f.reference),
                "holidays": text(&f.holidays), "adjusted_working_days": text(&f.adjusted_working_days),
            });
            let t = overview_view(&page, state, errors, values).await?;
            return Ok(Reply::page(Status::UnprocessableEntity, t));
        }
    };
    let mut c = state.db.acquire().await?;
    let (_, changes) = calendars::preview(&mut c, &state.calendars, &table).await?;
    let current = state.calendars.exact(&mut c).await?;
    let replaces = current
        .has_year(table.year)
        .then(|| table_json(&current.table(table.year)));
    let provisional = current.table(table.year);
    let law_missing: Vec<String> = provisional
        .holidays
        .iter()
        .filter(|d| !provisional.official && !table.holidays.contains(d))
        .map(|d| iso_date(*d))
        .collect();
    let running: Vec<_> = changes
        .iter()
        .filter(|c| c.running && c.moved())
        .map(change_json)
        .collect();
    let kept: Vec<_> = changes
        .iter()
        .filter(|c| c.running && !c.moved() && c.computed < c.old)
        .map(change_json)
        .collect();
    Ok(Reply::page(
        Status::Ok,
        page.render(
            "admin/calendar_preview",
            json!({
                "table": table_json(&table), "months": grid(&table), "toml": table.to_toml(),
                "replaces": replaces, "moves": running, "kept": kept,
                "recomputed": changes.len(), "law_missing": law_missing,
            }),
        ),
    ))
}

#[derive(FromForm)]
pub struct ConfirmForm {
    table: Option<String>,
}

#[post("/admin/calendar", data = "<form>")]
async fn confirm(
    page: Page,
    state: &State<AppState>,
    admin: Admin<'_>,
    form: CsrfForm<ConfirmForm>,
) -> AppResult<Reply> {
    let f = form.into_inner();
    let table = match YearTable::parse(text(&f.table)) {
        Ok(t) => t,
        Err(e) => {
            let mut errors = FormErrors::default();
            errors.add_text("holidays", calendar_message(page.lang, &e));
            let t = overview_view(&page, state, errors, json!({})).await?;
            return Ok(Reply::page(Status::UnprocessableEntity, t));
        }
    };
    let loader = Loader {
        db: &state.db,
        calendars: &state.calendars,
        clock: &state.clock,
        auditor: &state.auditor,
        mailer: &state.mailer,
    };
    let done = loader.load(&table, Actor::User(admin.user.id())).await?;
    let message = if done.unchanged {
        i18n::t_args(
            page.lang,
            "flash-cal-unchanged",
            &[("year", table.year.to_string())],
        )
    } else if done.moved == 0 {
        i18n::t_args(
            page.lang,
            "flash-cal-loaded-none",
            &[("year", table.year.to_string())],
        )
    } else {
        i18n::t_args(
            page.lang,
            "flash-cal-loaded",
            &[
                ("year", table.year.to_string()),
                ("moved", done.moved.to_string()),
            ],
        )
    };
    Ok(Reply::flash(
        format!("/admin/calendar/{}", table.year),
        message,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_lists_accept_lines_commas_and_ranges() {
        assert_eq!(
            items("2027-01-01\n2027-02-05..2027-02-11, 2027-10-01 至 2027-10-07\n\n2027-04-05 2027-06-09"),
            vec![
                "2027-01-01",
                "2027-02-05..2027-02-11",
                "2027-10-01..2027-10-07",
                "2027-04-05",
                "2027-06-09"
            ]
        );
    }

    #[test]
    fn a_month_grid_starts_on_monday_and_marks_each_kind() {
        let t = YearTable::build(2027, "x", ["2027-02-05..2027-02-11"], ["2027-02-20"])
            .unwrap_or_else(|e| panic!("{e}"));
        let g = grid(&t);
        assert_eq!(g.len(), 12);
        let feb = &g[1];
        // 1 Feb 2027 is a Monday: no padding.
        assert_eq!(feb.weeks[0][0].as_ref().map(|c| c.day), Some(1));
        assert_eq!(feb.holidays, 7);
        assert_eq!(feb.working, 1);
        let kind = |d: u8| {
            feb.weeks
                .iter()
                .flatten()
                .flatten()
                .find(|c| c.day == d)
                .map(|c| c.kind)
        };
        assert_eq!(kind(5), Some("holiday"));
        assert_eq!(kind(20), Some("working"));
        assert_eq!(kind(21), Some("weekend"));
        assert_eq!(kind(12), Some("day"));
        // January 2027 starts on a Friday: four empty cells first.
        assert!(g[0].weeks[0][..4].iter().all(Option::is_none));
        assert!(g.iter().all(|m| m.weeks.iter().all(|w| w.len() == 7)));
    }
}
