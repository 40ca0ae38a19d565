//! The city's organizations: several hundred across the 11 divisions, the three types and the
//! four directly registering categories, each with its legal representative as administrator
//! (an account nobody knows the password of) and members without accounts; a few
//! deregistered long ago. Then the year's registry work through the services: annual reports
//! (most on time, some late, some never), the daily job listing the missing ones as abnormal,
//! the registrars' inspection outcomes (some left waiting), one organization revoked.

use super::{step, City, CityOrg};
use crate::db::directory::UnitKind;
use crate::db::orgs::{self, MemberKind, NewMembership};
use crate::db::{applications as apps, users};
use crate::domain::division::NINGBO;
use crate::domain::registration::OrgType;
use crate::domain::uscc::Uscc;
use crate::platform::ids::{OrgId, PersonId, UserId};
use crate::platform::scale::{forms, BRANDS, FIELDS, GIVEN, STREETS, SURNAMES};
use crate::registry::supervision::ReportFiling;
use crate::registry::Registry;
use crate::seed::DemoError;
use std::collections::HashSet;

/// How many organizations the city has besides the demo's own.
pub const COUNT: usize = 320;
/// Their serials: far above the authorities' blocks, which the registration service issues from.
const SERIAL_BASE: u32 = 700_000;
const CATEGORIES: [&str; 4] = [
    "community_service",
    "charity",
    "industry_association",
    "science_technology",
];

fn person(city: &mut City) -> String {
    let s = SURNAMES[city.below(SURNAMES.len())];
    let g = GIVEN[city.below(GIVEN.len())];
    format!("{s}{g}")
}

/// Writes the organizations, back-dated: there is no service for an organization registered
/// before the system existed (as `seed::load` records the demo's own).
pub async fn run(city: &mut City) -> Result<(), DemoError> {
    let now = city.now_ms();
    let mut tx = city.state.db.begin_write().await?;
    let city_authority = crate::db::directory::id_by_code(&mut tx, UnitKind::Authority, "nb-city")
        .await?
        .ok_or_else(|| DemoError::Invalid("authority nb-city".into()))?;
    let haishu = crate::db::directory::id_by_code(&mut tx, UnitKind::Authority, "nb-haishu")
        .await?
        .ok_or_else(|| DemoError::Invalid("authority nb-haishu".into()))?;
    let mut names: HashSet<String> = HashSet::new();
    let last_year = super::beijing_day(city.state.clock.now()).year() - 1;
    for i in 0..COUNT {
        let district = NINGBO[i % NINGBO.len()];
        let org_type = match city.below(100) {
            0..=47 => OrgType::ServiceInstitution,
            48..=89 => OrgType::SocialGroup,
            _ => OrgType::Foundation,
        };
        let category = match (org_type, city.below(10)) {
            (OrgType::SocialGroup, 0..=3) => CATEGORIES[2],
            (_, 0..=1) => CATEGORIES[3],
            (_, 2..=4) => CATEGORIES[1],
            _ => CATEGORIES[0],
        };
        let region = if district.0 == "330200" {
            "宁波市".to_string()
        } else {
            format!("宁波市{}", district.1)
        };
        let name = loop {
            let street = if city.below(3) == 0 {
                STREETS[city.below(STREETS.len())]
            } else {
                ""
            };
            let brand = BRANDS[city.below(BRANDS.len())];
            let field = FIELDS[city.below(FIELDS.len())];
            let form = forms(org_type)[city.below(5)];
            let n = format!("{region}{street}{brand}{field}{form}");
            if names.insert(n.clone()) {
                break n;
            }
        };
        let (authority, division) = if district.0 == "330203" {
            (haishu, "330203")
        } else {
            (city_authority, "330200")
        };
        let serial = SERIAL_BASE + u32::try_from(i).unwrap_or(0);
        let uscc = Uscc::issue(org_type.civil_type(), division, serial)
            .map_err(|e| DemoError::Invalid(format!("USCC: {e:?}")))?;
        // Six of them ended long ago (deregistered after dissolving).
        let status = if i % 53 == 17 {
            "deregistered"
        } else {
            "registered"
        };
        let year = 2004 + i32::try_from(city.below(18)).unwrap_or(0);
        let registered_on = format!("{year}-{:02}-{:02}", 1 + city.below(12), 1 + city.below(28));
        let rep = person(city);
        let domicile = format!(
            "{region}{}路{}号",
            BRANDS[city.below(BRANDS.len())],
            1 + city.below(300)
        );
        let charity = category == "charity" && city.below(3) == 0;
        let id = orgs::insert(
            &mut tx,
            orgs::NewOrg {
                name: &name,
                org_type: org_type.code(),
                category,
                district_code: district.0,
                status,
                uscc: Some(uscc.as_str()),
                uscc_checksum_ok: true,
                authority_id: Some(authority),
                registered_on: Some(&registered_on),
                legal_representative: Some(&rep),
                domicile: Some(&domicile),
                charity,
                now,
            },
        )
        .await?;
        for (kind, on) in [("registered", registered_on.clone())].into_iter().chain(
            (status == "deregistered").then(|| ("deregistered", format!("{last_year}-03-15"))),
        ) {
            apps::add_org_event(
                &mut tx,
                apps::NewOrgEvent {
                    org: id,
                    on_date: &on,
                    kind,
                    public: true,
                    application: None,
                    detail: if kind == "registered" {
                        uscc.as_str()
                    } else {
                        ""
                    },
                    now,
                },
            )
            .await?;
        }
        // The legal representative administers the organization's account.
        let email = format!("org{:03}@ngo.demo.huoban.cn", i + 1);
        let admin = users::create_confirmed(&mut tx, &email, &rep, &city.hash, now).await?;
        let person_id = users::person_of(&mut tx, admin).await?;
        orgs::add(
            &mut tx,
            NewMembership {
                org: id,
                person: person_id,
                user: Some(admin),
                kind: MemberKind::Admin,
                joined_on: &registered_on,
                created_by: None,
                now,
            },
        )
        .await?;
        for _ in 0..1 + city.below(3) {
            let who = person(city);
            let p: PersonId = users::insert_person(&mut tx, &who, None, now).await?;
            orgs::add(
                &mut tx,
                NewMembership {
                    org: id,
                    person: p,
                    user: None,
                    kind: MemberKind::Member,
                    joined_on: &registered_on,
                    created_by: None,
                    now,
                },
            )
            .await?;
        }
        city.orgs
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .push(CityOrg {
                id: id.0,
                name,
                admin: admin.0,
                district: district.0,
                org_type: org_type.code(),
                status,
                charity,
            });
    }
    tx.commit().await?;
    city.count(|s| s.organizations = COUNT);
    Ok(())
}

/// The year's annual reports and what follows them. The report year is the last one whose
/// due day (31 May of the next year) lies inside the history at least four months before its
/// end, so the late filings and the inspections have happened; any that would fall after the
/// loading instant wait.
pub async fn reports(city: &City) -> Result<(), DemoError> {
    let end = city.today;
    let year = if end.month() as u8 >= 10 {
        end.year() - 1
    } else {
        end.year() - 2
    };
    let due = format!("{}-05-31", year + 1);
    let due_day = crate::domain::calendar::parse_iso_date(&due)
        .ok_or_else(|| DemoError::Invalid(format!("due day {due}")))?;
    let days_before = |d: time::Date| (end - d).whole_days();
    let live: Vec<CityOrg> = city
        .orgs()
        .iter()
        .filter(|o| o.status == "registered")
        .cloned()
        .collect();
    // 85 in 100 file on time (March to May), 8 late (after the listing), the rest never.
    let mut on_time = Vec::new();
    let mut late = Vec::new();
    for o in &live {
        match city.below(100) {
            0..=84 => on_time.push((o.clone(), 1 + city.below(85) as i64)),
            85..=92 => late.push((o.clone(), 20 + city.below(60) as i64)),
            _ => {}
        }
    }
    on_time.sort_by_key(|(_, d)| -d);
    for (o, before) in &on_time {
        city.at(days_before(due_day) + before, 10, 0).await;
        file(city, o, year, &due).await?;
    }
    // The day after the due day the daily job lists whoever has not filed.
    city.at(days_before(due_day) - 1, 1, 30).await;
    crate::registry::supervision::run_daily(&Registry::of(&city.state))
        .await
        .map_err(step("daily registry job"))?;
    late.sort_by_key(|(_, d)| *d);
    for (o, after) in &late {
        if city.when(days_before(due_day) - after, 15, 0).await {
            file(city, o, year, &due).await?;
        }
    }
    // The registrars inspect the reports through the summer; the last thirty wait.
    let registrar = city.user("registrar@demo.huoban.cn")?;
    let haishu = city.user("registrar.haishu@demo.huoban.cn")?;
    let filed: Vec<(i64, i64, &'static str, bool)> = {
        let mut c = city.state.db.acquire().await?;
        let mut out = Vec::new();
        for (o, _) in on_time.iter().chain(late.iter()) {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM annual_reports WHERE org_id = $1 AND year = $2")
                    .bind(o.id)
                    .bind(i64::from(year))
                    .fetch_optional(&mut *c)
                    .await?;
            if let Some(id) = id {
                out.push((o.id, id, o.district, o.charity));
            }
        }
        out
    };
    let inspected = filed.len().saturating_sub(30);
    for (n, (org, report, district, charity)) in filed.iter().take(inspected).enumerate() {
        let n = i64::try_from(n).unwrap_or(0);
        if !city.when(days_before(due_day) - 30 - n / 4, 14, 0).await {
            break;
        }
        let outcome = match (charity, city.below(20)) {
            (true, _) => "received",
            (_, 0) => "unqualified",
            (_, 1..=2) => "basically_qualified",
            _ => "qualified",
        };
        let by = if *district == "330203" {
            haishu
        } else {
            registrar
        };
        Registry::of(&city.state)
            .record_outcome(by, OrgId(*org), *report, outcome)
            .await
            .map_err(step("inspection outcome"))?;
    }
    // One organization revoked for grave violations after an investigation.
    let target = live
        .iter()
        .rev()
        .find(|o| o.district != "330203" && !on_time.iter().any(|(x, _)| x.id == o.id))
        .or_else(|| live.last())
        .cloned()
        .ok_or_else(|| DemoError::Invalid("no organization to revoke".into()))?;
    if !city.when(days_before(due_day) - 75, 10, 30).await {
        city.at(1, 10, 30).await;
    }
    let authority = {
        let mut c = city.state.db.acquire().await?;
        crate::db::directory::id_by_code(&mut c, UnitKind::Authority, "nb-city").await?
    };
    Registry::of(&city.state)
        .revoke(
            registrar,
            OrgId(target.id),
            authority,
            "inactive_one_year",
            "自取得登记证书之日起一年以上未开展业务活动，且未按规定报送年度工作报告，经核查属实。",
        )
        .await
        .map_err(step("revocation"))?;
    if let Some(o) = city
        .orgs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter_mut()
        .find(|o| o.id == target.id)
    {
        o.status = "revoked";
    }
    Ok(())
}

async fn file(city: &City, o: &CityOrg, year: i32, due: &str) -> Result<(), DemoError> {
    let summary = format!(
        "{year} 年度工作报告：{}全年开展服务活动，财务收支、人员变动和重大事项情况如实报告。",
        o.name
    );
    Registry::of(&city.state)
        .file_report(
            UserId(o.admin),
            OrgId(o.id),
            i64::from(year),
            Some(due),
            &summary,
            &ReportFiling::default(),
        )
        .await
        .map_err(step("annual report"))
}
