//! The purchaser's project form: parsing and checking every field, with messages for each, into
//! a project and its technical criteria. Used for creating and for editing drafts.

use crate::db::projects::{Category, Criterion, NewProject};
use crate::domain::calendar::SHANGHAI;
use crate::domain::evaluation::Grade;
use crate::domain::lang::Lang;
use crate::domain::money::Money;
use crate::domain::procurement::{self as rules, Conditions, CriteriaProblem, GradeUse, Method};
use crate::domain::qualdocs::{self, Requirement};
use crate::platform::i18n;
use crate::web::forms::{positive_money, text, FormErrors};
use rocket::FromForm;
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;
use time::{OffsetDateTime, PrimitiveDateTime};

#[derive(FromForm, Serialize, Default, Clone)]
pub struct ProjectForm {
    pub department: Option<i64>,
    pub number: Option<String>,
    pub title: Option<String>,
    pub category: Option<String>,
    pub requirements: Option<String>,
    pub budget: Option<String>,
    pub max_price: Option<String>,
    pub method: Option<String>,
    pub price_weight: Option<String>,
    pub tie_rule: Option<String>,
    pub grade_use: Option<String>,
    pub intention: Option<i64>,
    pub deadline: Option<String>,
    pub city_division: Option<String>,
    pub min_grade: Option<String>,
    pub need_inspection: Option<bool>,
    pub criterion_name: Vec<String>,
    pub criterion_max: Vec<String>,
    pub criterion_guidance: Vec<String>,
    /// The ticked checklist documents (`QualDoc` codes).
    pub qual_doc: Vec<String>,
    /// The documents the project adds, one name a line.
    pub qual_added: Vec<String>,
    /// 技术复杂: a tender's panel then has at least 7 members (87号令 art. 47).
    pub technically_complex: Option<bool>,
}

/// A checked form, owning its strings.
pub struct Checked {
    pub department: i64,
    pub number: String,
    pub title: String,
    pub category: String,
    pub requirements: String,
    pub budget_fen: i64,
    pub max_price_fen: Option<i64>,
    pub method: Method,
    pub price_weight_pct: i64,
    pub tie_rule: String,
    pub grade_use: String,
    pub intention: Option<i64>,
    pub deadline_at: i64,
    pub conditions: Conditions,
    pub criteria: Vec<Criterion>,
    pub qual_docs: Vec<Requirement>,
    pub technically_complex: bool,
}

impl Checked {
    pub fn project(&self, min_bids: i64) -> NewProject<'_> {
        NewProject {
            number: &self.number,
            kind: if self.method.is_procurement() {
                "procurement"
            } else {
                "programme"
            },
            department_id: self.department,
            title: &self.title,
            category_code: &self.category,
            requirements: &self.requirements,
            budget_fen: self.budget_fen,
            max_price_fen: self.max_price_fen,
            method: self.method.code(),
            price_weight_pct: self.price_weight_pct,
            tie_rule: &self.tie_rule,
            grade_use: &self.grade_use,
            intention_id: self.intention,
            city_division: self.conditions.division.as_deref(),
            min_grade: self.conditions.min_grade.map(Grade::code),
            need_inspection: self.conditions.passed_inspection,
            min_bids,
            notice_at: None,
            deadline_at: Some(self.deadline_at),
            technically_complex: self.technically_complex,
        }
    }
}

/// `2026-12-20T09:30` (a datetime-local field) as Beijing time.
pub fn parse_local(s: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let s = s.trim();
    let s = if s.len() > 16 { &s[..16] } else { s };
    PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(|p| p.assume_offset(SHANGHAI))
}

/// The value a datetime-local field shows for an instant.
pub fn local_value(ms: i64) -> String {
    let t = crate::platform::clock::from_ms(ms).to_offset(SHANGHAI);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn points_centi(s: &str) -> Option<i64> {
    let d = Decimal::from_str(s.trim()).ok()?;
    if d.scale() > 2 || d.is_sign_negative() {
        return None;
    }
    (d * Decimal::from(100)).trunc().try_into().ok()
}

pub struct Context<'a> {
    pub lang: Lang,
    pub departments: &'a [i64],
    pub categories: &'a [Category],
    pub now: OffsetDateTime,
    pub calendar: &'a crate::domain::calendar::Calendar,
    /// Whether a window of calendar days rolls off a holiday (`calendar.roll.bid_window`).
    pub roll: bool,
    /// Whether the number is checked (a new project) or kept (editing a draft).
    pub new_number: bool,
}

pub fn check(f: &ProjectForm, cx: &Context<'_>) -> Result<Checked, FormErrors> {
    let lang = cx.lang;
    let mut e = FormErrors::default();
    let department = f
        .department
        .filter(|d| cx.departments.contains(d))
        .or_else(|| (cx.departments.len() == 1).then(|| cx.departments[0]));
    if department.is_none() {
        e.add(lang, "department", "err-project-department");
    }
    let number = text(&f.number).to_uppercase();
    if cx.new_number && !rules::valid_number(&number) {
        e.add(lang, "number", "err-project-number");
    }
    let title = text(&f.title).to_string();
    if title.is_empty() || title.chars().count() > 200 {
        e.add(lang, "title", "err-project-title");
    }
    let category = text(&f.category).to_string();
    if !cx.categories.iter().any(|c| c.code == category) {
        e.add(lang, "category", "err-project-category");
    }
    let requirements = text(&f.requirements).to_string();
    if requirements.chars().count() < 20 || requirements.chars().count() > 20_000 {
        e.add(lang, "requirements", "err-project-requirements");
    }
    let budget = positive_money(
        &mut e,
        lang,
        "budget",
        text(&f.budget),
        "err-project-budget",
    )
    .map(Money::fen);
    let max_price = match text(&f.max_price) {
        "" => None,
        s => positive_money(&mut e, lang, "max_price", s, "err-project-budget").map(Money::fen),
    };
    if let (Some(b), Some(m)) = (budget, max_price) {
        if m > b {
            e.add(lang, "max_price", "err-project-max-over-budget");
        }
    }
    let method = Method::parse(text(&f.method));
    match method {
        None => e.add(lang, "method", "err-project-method"),
        Some(m) if !m.offered() => e.add(lang, "method", "err-project-method-not-offered"),
        _ => {}
    }
    let weight = text(&f.price_weight).parse::<i64>().ok();
    if let (Some(m), w) = (method, weight) {
        let (lo, hi) = m.price_weight_range();
        if !w.is_some_and(|w| (lo..=hi).contains(&w)) {
            e.add_text(
                "price_weight",
                format!("{} {lo}%–{hi}%", i18n::t(lang, "err-project-weight")),
            );
        }
    }
    // 87号令 art. 68: the documents state how tied candidates are decided. The old "higher
    // technical score" rule could never decide (equal totals and prices give equal technical
    // totals) and is not offered any more; projects that published it still read.
    let tie_rule = match text(&f.tie_rule) {
        "" | "random" => "random",
        "criteria" => "criteria",
        _ => {
            e.add(lang, "tie_rule", "err-project-tie-rule");
            "random"
        }
    };
    let grade_use = GradeUse::parse(text(&f.grade_use)).unwrap_or(GradeUse::None);
    if grade_use == GradeUse::Entry && method.is_some_and(Method::is_procurement) {
        e.add(lang, "grade_use", "err-project-restrict-grade");
    }
    let deadline = parse_local(text(&f.deadline));
    match (deadline, method) {
        (None, _) => e.add(lang, "deadline", "err-project-deadline"),
        (Some(d), Some(m)) => {
            let earliest = rules::earliest_deadline(cx.calendar, m, cx.now, cx.roll);
            if d < earliest {
                e.add_text(
                    "deadline",
                    format!(
                        "{} {}",
                        i18n::t(lang, "err-project-deadline-early"),
                        crate::procurement::shanghai_time(crate::platform::clock::to_ms(earliest))
                    ),
                );
            }
        }
        _ => {}
    }
    let division = match text(&f.city_division) {
        "" => None,
        s if s.len() >= 2 && s.len() <= 6 && s.chars().all(|c| c.is_ascii_digit()) => {
            Some(s.to_string())
        }
        _ => {
            e.add(lang, "city_division", "err-project-division");
            None
        }
    };
    let min_grade = match text(&f.min_grade) {
        "" => None,
        s => match Grade::parse(s) {
            Some(g) => Some(g),
            None => {
                e.add(lang, "min_grade", "err-project-min-grade");
                None
            }
        },
    };
    let conditions = Conditions {
        division,
        min_grade,
        passed_inspection: f.need_inspection.unwrap_or(false),
    };
    if let Some(m) = method {
        for key in rules::condition_problems(m, &conditions) {
            e.add(lang, "conditions", key);
        }
    }
    let mut criteria = Vec::new();
    let mut bad_item = false;
    for (i, name) in f.criterion_name.iter().enumerate() {
        let name = name.trim();
        let max = f
            .criterion_max
            .get(i)
            .map(String::as_str)
            .unwrap_or("")
            .trim();
        let guidance = f.criterion_guidance.get(i).map(|g| g.trim()).unwrap_or("");
        if name.is_empty() && max.is_empty() && guidance.is_empty() {
            continue;
        }
        match points_centi(max) {
            Some(c) if !name.is_empty() && name.chars().count() <= 200 => {
                criteria.push(Criterion {
                    name: name.to_string(),
                    max_centi: c,
                    guidance: guidance.chars().take(2000).collect(),
                })
            }
            _ => bad_item = true,
        }
    }
    if bad_item {
        e.add(lang, "criteria", "err-project-criterion");
    } else if let Some(w) = weight {
        let maxima: Vec<i64> = criteria.iter().map(|c| c.max_centi).collect();
        match rules::check_criteria(w, &maxima) {
            CriteriaProblem::None => {}
            CriteriaProblem::ItemMax => e.add(lang, "criteria", "err-project-criterion"),
            CriteriaProblem::Sum {
                expected_centi,
                got_centi,
            } => e.add_text(
                "criteria",
                format!(
                    "{} {} / {}",
                    i18n::t(lang, "err-project-criteria-sum"),
                    Decimal::new(got_centi, 2).normalize(),
                    Decimal::new(expected_centi, 2).normalize()
                ),
            ),
        }
    }
    let qual_docs = match qualdocs::check_list(&f.qual_doc, &f.qual_added) {
        Ok(list) => list,
        Err(problems) => {
            for p in problems {
                e.add(lang, "qual_docs", p.message_key());
            }
            Vec::new()
        }
    };
    match (e.is_empty(), department, budget, method, weight, deadline) {
        (true, Some(department), Some(budget_fen), Some(method), Some(w), Some(d)) => Ok(Checked {
            department,
            number,
            title,
            category,
            requirements,
            budget_fen,
            max_price_fen: max_price,
            method,
            price_weight_pct: w,
            tie_rule: tie_rule.into(),
            grade_use: grade_use.code().into(),
            intention: f.intention.filter(|i| *i > 0),
            deadline_at: crate::platform::clock::to_ms(d),
            conditions,
            criteria,
            qual_docs,
            technically_complex: f.technically_complex.unwrap_or(false),
        }),
        _ => {
            if e.is_empty() {
                e.add(lang, "form", "err-form-incomplete");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times() {
        let t = parse_local("2026-12-20T09:30").unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            local_value(crate::platform::clock::to_ms(t)),
            "2026-12-20T09:30"
        );
        assert!(parse_local("20 Dec").is_none());
        assert_eq!(points_centi("12.5"), Some(1250));
        assert_eq!(points_centi("1.234"), None);
        assert_eq!(points_centi("-1"), None);
    }
}
