//! The city's evaluation through the evaluation services: two rounds of the civil affairs
//! bureau finished last year (applications, three experts each who declare and score, the
//! committee, the public notice, the announcement), so their grades are in force from this
//! January; and this year's round open, its applications at every step: just applied, with
//! experts assigned who have not declared, and scored by all three, waiting for the committee.

use super::{step, City, CityOrg};
use crate::db::directory::UnitKind;
use crate::db::eval_panel;
use crate::db::evaluation as store;
use crate::domain::scoring::Entry;
use crate::evaluation::{CommitteeDecision, Evaluation, Meeting, NewRoundForm};
use crate::platform::ids::{OrgId, UserId};
use crate::seed::DemoError;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::{Date, Month};

const EXPERTS: [&str; 3] = [
    "expert@demo.huoban.cn",
    "expert2@demo.huoban.cn",
    "expert3@demo.huoban.cn",
];

/// A round's calendar, in days back from the loading day.
struct Dates {
    open: i64,
    apply_to: i64,
    scoring_due: i64,
}

pub async fn run(city: &City) -> Result<(), DemoError> {
    let authority = {
        let mut c = city.state.db.acquire().await?;
        crate::db::directory::id_by_code(&mut c, UnitKind::Authority, "nb-city")
            .await?
            .ok_or_else(|| DemoError::Invalid("authority nb-city".into()))?
    };
    // The city authority's organizations, registered long ago, in the generator's order.
    let pool: Vec<CityOrg> = city
        .orgs()
        .iter()
        .filter(|o| o.status == "registered" && o.district != "330203")
        .cloned()
        .collect();
    let jan1 = Date::from_calendar_date(city.today.year(), Month::January, 1)
        .map_err(|e| DemoError::Invalid(e.to_string()))?;
    let anchor = (city.today - jan1).whole_days();
    let last_year = city.today.year() - 1;
    let rounds = [
        (
            format!("{last_year}年度宁波市社会组织等级评估（第一批）"),
            Dates {
                open: anchor + 290,
                apply_to: anchor + 260,
                scoring_due: anchor + 230,
            },
            &pool[0..12],
        ),
        (
            format!("{last_year}年度宁波市社会组织等级评估（第二批）"),
            Dates {
                open: anchor + 120,
                apply_to: anchor + 90,
                scoring_due: anchor + 60,
            },
            &pool[12..24],
        ),
    ];
    for (title, d, orgs) in rounds {
        let id = open(city, authority, last_year, &title, &d).await?;
        finish(city, id, &d, orgs).await?;
    }
    // This year's round: open until a fortnight from now.
    let title = format!("{}年度宁波市社会组织等级评估", city.today.year());
    let d = Dates {
        open: 45,
        apply_to: -15,
        scoring_due: -45,
    };
    let id = open(city, authority, i64::from(city.today.year()), &title, &d).await?;
    // Ten apply. The annual reports run alongside (the timeline): an organization listed
    // by then for a missing report may not apply, and the next one in the pool does.
    let mut candidates = pool[24..].iter();
    let mut apps = Vec::new();
    for n in 0..10 {
        city.at(40 - 3 * n, 10, 0).await;
        let mut next = None;
        for o in candidates.by_ref() {
            if !listed(city, o.id).await? {
                next = Some(o);
                break;
            }
        }
        let Some(o) = next else { break };
        apps.push(apply(city, id, o).await?);
    }
    // The first four get their experts; two of them are scored by all three.
    for (n, app) in apps.iter().take(4).enumerate() {
        city.at(3, 9, 0).await;
        assign(city, *app).await?;
        if n < 2 {
            city.at(2, 10 + u8::try_from(n).unwrap_or(0), 0).await;
            score(city, *app).await?;
        }
    }
    Ok(())
}

/// On the abnormal or the serious list now.
async fn listed(city: &City, org: i64) -> Result<bool, DemoError> {
    let mut c = city.state.db.acquire().await?;
    Ok(crate::db::orgs::on_list(&mut c, org, "abnormal").await?
        || crate::db::orgs::on_list(&mut c, org, "serious").await?)
}

async fn open(
    city: &City,
    authority: i64,
    year: impl Into<i64>,
    title: &str,
    d: &Dates,
) -> Result<i64, DemoError> {
    city.at(d.open, 9, 0).await;
    Evaluation::of(&city.state)
        .open_round(
            city.user("evaluation@demo.huoban.cn")?,
            &NewRoundForm {
                authority,
                year: year.into(),
                title,
                apply_from: city.day(d.open),
                apply_to: city.day(d.apply_to),
                scoring_due: city.day(d.scoring_due),
            },
        )
        .await
        .map_err(step("round"))
}

async fn apply(city: &City, round: i64, o: &CityOrg) -> Result<i64, DemoError> {
    Evaluation::of(&city.state)
        .apply(
            UserId(o.admin),
            OrgId(o.id),
            o.org_type,
            round,
            "本组织近三年规范运作，内部治理、工作绩效和社会评价情况见自评报告。",
            &[],
        )
        .await
        .map_err(step("application"))
}

async fn assign(city: &City, app: i64) -> Result<(), DemoError> {
    let officer = city.user("evaluation@demo.huoban.cn")?;
    for e in EXPERTS {
        let (a, r) = app_and_round(city, app).await?;
        Evaluation::of(&city.state)
            .assign_expert(&a, &r, Some(city.staff(e)?), officer)
            .await
            .map_err(step("assignment"))?
            .map_err(|k| super::refused("assignment", k))?;
    }
    Ok(())
}

async fn app_and_round(city: &City, app: i64) -> Result<(store::EvalApp, store::Round), DemoError> {
    let mut c = city.state.db.acquire().await?;
    let a = store::app_by_id(&mut c, app)
        .await?
        .ok_or_else(|| DemoError::Invalid(format!("application {app}")))?;
    let r = store::round_by_id(&mut c, a.round_id)
        .await?
        .ok_or_else(|| DemoError::Invalid("round".into()))?;
    Ok((a, r))
}

/// Each assigned expert declares no conflict and submits a sheet.
async fn score(city: &City, app: i64) -> Result<(), DemoError> {
    let (a, _) = app_and_round(city, app).await?;
    let (assignments, standard) = {
        let mut c = city.state.db.acquire().await?;
        let list = eval_panel::assignments_of_app(&mut c, app).await?;
        let s = Evaluation::of(&city.state)
            .standard_of(&mut c, &a)
            .await
            .map_err(step("standard"))?;
        (list, s)
    };
    let share = 80 + city.below(17) as i64;
    for s in assignments {
        let mut entries = BTreeMap::new();
        let own = Decimal::new(share + city.below(4) as i64, 2);
        for item in standard.items() {
            let v = (item.max * own).round_dp(1);
            entries.insert(
                item.code.clone(),
                Entry {
                    score: Some(v),
                    comment: String::new(),
                },
            );
        }
        let svc = Evaluation::of(&city.state);
        let by = UserId(s.expert_user_id);
        svc.declare_conflict(by, s.id, None)
            .await
            .map_err(step("declaration"))?;
        svc.save_scores(by, &s, &entries, true)
            .await
            .map_err(step("scores"))?;
    }
    Ok(())
}

/// Applications, experts, scores, the committee, the notice and the announcement.
async fn finish(city: &City, round: i64, d: &Dates, orgs: &[CityOrg]) -> Result<(), DemoError> {
    let mut apps = Vec::new();
    for (n, o) in orgs.iter().enumerate() {
        city.at(d.open - 2 - i64::try_from(n).unwrap_or(0) * 2, 10, 0)
            .await;
        apps.push(apply(city, round, o).await?);
    }
    for (n, app) in apps.iter().enumerate() {
        city.at(d.apply_to - 3, 9, u8::try_from(n).unwrap_or(0))
            .await;
        assign(city, *app).await?;
    }
    for (n, app) in apps.iter().enumerate() {
        city.at(d.apply_to - 8 - i64::try_from(n).unwrap_or(0), 15, 0)
            .await;
        score(city, *app).await?;
    }
    // The committee after the scoring's due day: seven members, six present, five for each.
    city.at(d.scoring_due - 5, 14, 0).await;
    let (_, r) = app_and_round(city, apps[0]).await?;
    let decided: Vec<CommitteeDecision> = {
        let mut c = city.state.db.acquire().await?;
        store::apps_of_round(&mut c, round)
            .await?
            .into_iter()
            .map(|a| {
                let grade = a
                    .proposed_grade
                    .as_deref()
                    .and_then(crate::domain::evaluation::Grade::parse)
                    .map(crate::domain::evaluation::Grade::code);
                (a.id, grade, 5, String::new())
            })
            .collect()
    };
    let officer = city.user("evaluation@demo.huoban.cn")?;
    Evaluation::of(&city.state)
        .hold_committee(
            officer,
            &r,
            &Meeting {
                held_on: city.day(d.scoring_due - 5),
                members: 7,
                present: 6,
                applications: decided.len(),
                in_review: 0,
                decided: &decided,
            },
        )
        .await
        .map_err(step("committee"))?;
    city.at(d.scoring_due - 6, 10, 0).await;
    let (_, r) = app_and_round(city, apps[0]).await?;
    Evaluation::of(&city.state)
        .publish_notice(officer, &r)
        .await
        .map_err(step("notice"))?;
    // The announcement the day after the notice ends.
    let days = r.notice_days.max(1);
    city.at(d.scoring_due - 6 - days - 1, 10, 0).await;
    Evaluation::of(&city.state)
        .announce(round, officer)
        .await
        .map_err(step("announcement"))?;
    Ok(())
}
