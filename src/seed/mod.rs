//! Demo data from `seeds/demo.toml`: one user per role with printed passwords, two authorities,
//! two purchasing departments, an agency and a few organizations. Loaded in one transaction
//! into a new database in demo mode, or by `huoban demo`.

pub mod bench;
pub mod city;
pub mod complaint;
pub mod eval;
pub mod procurement;

use crate::db::directory::{self, UnitKind};
use crate::db::documents::{self, IssuerRef};
use crate::db::orgs::{self, MemberKind, NewMembership};
use crate::db::{meta, roles, settings, users, Db};
use crate::domain::registration::OrgType;
use crate::domain::role::Role;
use crate::domain::uscc::Uscc;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::clock::Clock;
use crate::platform::config::{HashParams, Resolved};
use serde::Deserialize;
use std::collections::HashMap;

const DEMO: &str = include_str!("../../seeds/demo.toml");
const LOADED_KEY: &str = "demo_loaded";

#[derive(Deserialize)]
pub struct DemoData {
    authorities: Vec<AuthoritySeed>,
    departments: Vec<UnitSeed>,
    agencies: Vec<UnitSeed>,
    organizations: Vec<OrgSeed>,
    pub users: Vec<UserSeed>,
    uscc_blocks: Vec<BlockSeed>,
    applications: Vec<ApplicationSeed>,
    annual_reports: Vec<ReportSeed>,
    #[serde(default)]
    eval_rounds: Vec<crate::seed::eval::RoundSeed>,
    #[serde(default)]
    grades: Vec<crate::seed::eval::GradeSeed>,
    #[serde(default)]
    eval_results: Vec<crate::seed::eval::ResultSeed>,
    /// The procurement supervisor (the finance department) as it signs complaint decisions.
    supervisor: Option<SupervisorSeed>,
}

/// The issuer printed under complaint decisions.
#[derive(Deserialize)]
struct SupervisorSeed {
    name_zh: String,
    name_en: String,
    phone: String,
    address: String,
}

/// An annual report already filed (and inspected, when `outcome` is set).
#[derive(Deserialize)]
struct ReportSeed {
    org: String,
    year: i64,
    due_on: String,
    filed_on: String,
    outcome: Option<String>,
}

/// Serials an authority issues subject identifiers from.
#[derive(Deserialize)]
struct BlockSeed {
    authority: String,
    first: i64,
    last: i64,
}

/// A draft application, part filled in, so the demo shows the task list.
#[derive(Deserialize)]
struct ApplicationSeed {
    applicant: String,
    authority: String,
    name: String,
    org_type: String,
    category: String,
    district_code: String,
    domicile: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    sections_done: String,
}

#[derive(Deserialize)]
struct AuthoritySeed {
    code: String,
    name_zh: String,
    name_en: String,
    division_code: String,
    level: String,
    /// The contact printed under the authority's notices.
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
}

#[derive(Deserialize)]
struct UnitSeed {
    code: String,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    /// The unit's own unified social credit code (organs and public institutions have one).
    uscc: Option<String>,
    #[serde(default)]
    district_code: String,
}

#[derive(Deserialize)]
struct OrgSeed {
    key: String,
    name: String,
    org_type: String,
    category: String,
    district_code: String,
    status: String,
    /// The registering authority's code; its division and this serial make the USCC.
    authority: String,
    serial: u32,
    registered_on: String,
    legal_representative: String,
    domicile: String,
    #[serde(default)]
    charity: bool,
}

#[derive(Deserialize)]
pub struct UserSeed {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub roles: Vec<RoleSeed>,
    #[serde(default)]
    memberships: Vec<MembershipSeed>,
    /// An expert's libraries (procurement, evaluation) and service categories.
    #[serde(default)]
    expert_pools: Vec<String>,
    #[serde(default)]
    expert_categories: Vec<String>,
}

#[derive(Deserialize)]
pub struct RoleSeed {
    pub role: String,
    pub unit: Option<String>,
}

#[derive(Deserialize)]
struct MembershipSeed {
    org: String,
    kind: String,
    joined_on: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("seeds/demo.toml: {0}")]
    Parse(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
}

pub fn data() -> Result<DemoData, DemoError> {
    toml::from_str(DEMO).map_err(|e| DemoError::Parse(e.to_string()))
}

/// Loads demo data unless it was loaded before or the database already has users.
pub async fn load_if_new(db: &Db, resolved: &Resolved, clock: &Clock) -> Result<bool, DemoError> {
    let mut c = db.acquire().await?;
    if meta::get(&mut c, LOADED_KEY).await?.is_some() || users::count(&mut c).await? > 0 {
        return Ok(false);
    }
    drop(c);
    let auditor = crate::platform::app::auditor(resolved, db);
    let sealer = crate::procurement::sealing::Sealer::new(&resolved.keys.bid_sealing);
    let uploads = resolved.config.uploads_path();
    load(
        db,
        resolved.config.password_hash,
        clock,
        &auditor,
        &sealer,
        &uploads,
    )
    .await?;
    // The city's year on top of the base demo (never inside `load`: the integration tests keep
    // their small fixture).
    city::run(db, resolved, clock).await?;
    Ok(true)
}

/// Loads the demo data in one transaction. Refuses when it was loaded already. The demo bids'
/// sealed files are written under `uploads`.
pub async fn load(
    db: &Db,
    params: HashParams,
    clock: &Clock,
    auditor: &Auditor,
    sealer: &crate::procurement::sealing::Sealer,
    uploads: &std::path::Path,
) -> Result<(), DemoError> {
    let data = data()?;
    let now = clock.now_ms();
    // Hash before the transaction: hashing is slow and holds no lock.
    let mut hashes = HashMap::new();
    for u in &data.users {
        if !hashes.contains_key(&u.password) {
            let h = crate::platform::auth::password::hash(&u.password, params)
                .map_err(DemoError::Invalid)?;
            hashes.insert(u.password.clone(), h);
        }
    }
    let mut tx = db.begin_write().await?;
    if meta::get(&mut tx, LOADED_KEY).await?.is_some() {
        return Err(DemoError::Invalid("demo data is already loaded".into()));
    }
    let mut units: HashMap<String, (UnitKind, i64)> = HashMap::new();
    for a in &data.authorities {
        let id = directory::insert_authority(
            &mut tx,
            &a.code,
            &a.name_zh,
            &a.name_en,
            &a.division_code,
            &a.level,
        )
        .await?;
        documents::set_contact(&mut tx, IssuerRef::Authority(id), &a.phone, &a.address).await?;
        units.insert(a.code.clone(), (UnitKind::Authority, id));
    }
    if let Some(s) = &data.supervisor {
        let body = documents::Issuer {
            name_zh: s.name_zh.clone(),
            name_en: s.name_en.clone(),
            phone: s.phone.clone(),
            address: s.address.clone(),
        };
        documents::set_supervisor(&mut tx, &body).await?;
    }
    for (kind, list) in [
        (UnitKind::Department, &data.departments),
        (UnitKind::Agency, &data.agencies),
    ] {
        for u in list {
            let id = directory::insert_unit(&mut tx, kind, &u.code, &u.name_zh, &u.name_en).await?;
            let who = match kind {
                UnitKind::Agency => IssuerRef::Agency(id),
                _ => IssuerRef::Department(id),
            };
            documents::set_contact(&mut tx, who, &u.phone, &u.address).await?;
            let uscc = match &u.uscc {
                Some(code) => Some(
                    Uscc::parse(code)
                        .map_err(|e| DemoError::Invalid(format!("USCC of {}: {e:?}", u.code)))?,
                ),
                None => None,
            };
            let code = uscc.as_ref().map(Uscc::as_str);
            directory::set_unit_identity(&mut tx, kind, id, code, &u.district_code).await?;
            units.insert(u.code.clone(), (kind, id));
        }
    }
    let mut org_ids = HashMap::new();
    for o in &data.organizations {
        let authority = data
            .authorities
            .iter()
            .find(|a| a.code == o.authority)
            .ok_or_else(|| DemoError::Invalid(format!("unknown authority {}", o.authority)))?;
        let org_type = OrgType::parse(&o.org_type)
            .ok_or_else(|| DemoError::Invalid(format!("type {}", o.org_type)))?;
        let uscc = Uscc::issue(org_type.civil_type(), &authority.division_code, o.serial)
            .map_err(|e| DemoError::Invalid(format!("USCC for {}: {e:?}", o.name)))?;
        let new = orgs::NewOrg {
            name: &o.name,
            org_type: &o.org_type,
            category: &o.category,
            district_code: &o.district_code,
            status: &o.status,
            uscc: Some(uscc.as_str()),
            uscc_checksum_ok: true,
            authority_id: units.get(&o.authority).map(|(_, id)| *id),
            registered_on: Some(&o.registered_on),
            legal_representative: Some(&o.legal_representative),
            domicile: Some(&o.domicile),
            charity: o.charity,
            now,
        };
        let id = orgs::insert(&mut tx, new).await?;
        crate::db::applications::add_org_event(
            &mut tx,
            crate::db::applications::NewOrgEvent {
                org: id,
                on_date: &o.registered_on,
                kind: "registered",
                public: true,
                application: None,
                detail: uscc.as_str(),
                now,
            },
        )
        .await?;
        org_ids.insert(o.key.clone(), id);
    }
    let version = settings::snapshot(&mut tx, now).await?.version;
    for u in &data.users {
        let hash = hashes.get(&u.password).cloned().unwrap_or_default();
        let uid = users::create_confirmed(&mut tx, &u.email, &u.name, &hash, now).await?;
        for r in &u.roles {
            let role = Role::parse(&r.role)
                .ok_or_else(|| DemoError::Invalid(format!("unknown role {}", r.role)))?;
            let unit = match &r.unit {
                Some(code) => Some(
                    *units
                        .get(code)
                        .ok_or_else(|| DemoError::Invalid(format!("unknown unit {code}")))?,
                ),
                None => None,
            };
            let scoped = |k: UnitKind| unit.filter(|(kind, _)| *kind == k).map(|(_, id)| id);
            if UnitKind::for_scope(role.scope()) != unit.map(|(kind, _)| kind) {
                return Err(DemoError::Invalid(format!(
                    "{} needs a unit of its scope's kind",
                    r.role
                )));
            }
            let g = roles::NewGrant {
                user: uid,
                role,
                authority_id: scoped(UnitKind::Authority),
                department_id: scoped(UnitKind::Department),
                agency_id: scoped(UnitKind::Agency),
                granted_by: None,
                settings_version: version,
                now,
            };
            roles::grant_role(&mut tx, &g).await?;
        }
        if !u.expert_pools.is_empty() || !u.expert_categories.is_empty() {
            let pools: Vec<&str> = crate::db::experts::POOLS
                .into_iter()
                .filter(|p| u.expert_pools.iter().any(|q| q == p))
                .collect();
            if pools.len() != u.expert_pools.len() {
                return Err(DemoError::Invalid(format!(
                    "unknown library for {}",
                    u.email
                )));
            }
            crate::db::experts::set_pools_and_categories(
                &mut tx,
                uid.0,
                &pools,
                &u.expert_categories,
                now,
            )
            .await?;
        }
        let person = users::by_id(&mut tx, uid)
            .await?
            .map(|x| x.person_id)
            .ok_or_else(|| DemoError::Invalid("user vanished".into()))?;
        for m in &u.memberships {
            let org = *org_ids
                .get(&m.org)
                .ok_or_else(|| DemoError::Invalid(format!("unknown org {}", m.org)))?;
            let kind = if m.kind == "admin" {
                MemberKind::Admin
            } else {
                MemberKind::Member
            };
            let nm = NewMembership {
                org,
                person,
                user: Some(uid),
                kind,
                joined_on: &m.joined_on,
                created_by: None,
                now,
            };
            orgs::add(&mut tx, nm).await?;
        }
    }
    for r in &data.annual_reports {
        let org = *org_ids
            .get(&r.org)
            .ok_or_else(|| DemoError::Invalid(format!("unknown org {}", r.org)))?;
        sqlx::query(
            "INSERT INTO annual_reports (org_id, year, due_on, filed_on, summary, outcome, outcome_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.0)
        .bind(r.year)
        .bind(&r.due_on)
        .bind(&r.filed_on)
        .bind("（演示数据）年度工作报告")
        .bind(r.outcome.as_deref())
        .bind(r.outcome.as_ref().map(|_| r.filed_on.clone()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for b in &data.uscc_blocks {
        let (_, authority) = *units
            .get(&b.authority)
            .ok_or_else(|| DemoError::Invalid(format!("unknown authority {}", b.authority)))?;
        crate::db::applications::add_block(&mut tx, authority, b.first, b.last, now).await?;
    }
    for a in &data.applications {
        use crate::db::applications::{self as apps, Value};
        let applicant = users::by_email(&mut tx, &a.applicant)
            .await?
            .ok_or_else(|| DemoError::Invalid(format!("unknown applicant {}", a.applicant)))?;
        let (_, authority) = *units
            .get(&a.authority)
            .ok_or_else(|| DemoError::Invalid(format!("unknown authority {}", a.authority)))?;
        let id = apps::create(&mut tx, applicant.id, authority, now).await?;
        let text = |s: &str| Value::Text(s.to_string());
        apps::set(
            &mut tx,
            id,
            &[
                ("name", text(&a.name)),
                ("org_type", text(&a.org_type)),
                ("category", text(&a.category)),
                ("district_code", text(&a.district_code)),
                ("domicile", text(&a.domicile)),
                ("contact_name", text(&a.contact_name)),
                ("contact_phone", text(&a.contact_phone)),
                ("contact_email", text(&a.contact_email)),
                ("sections_done", text(&a.sections_done)),
            ],
            now,
        )
        .await?;
        apps::add_event(&mut tx, id, now, Some(applicant.id), "created", None).await?;
    }
    let mut round_ids = HashMap::new();
    for r in &data.eval_rounds {
        let (_, authority) = *units
            .get(&r.authority)
            .ok_or_else(|| DemoError::Invalid(format!("unknown authority {}", r.authority)))?;
        let by = users::by_email(&mut tx, &r.opened_by)
            .await?
            .ok_or_else(|| DemoError::Invalid(format!("unknown user {}", r.opened_by)))?;
        let th = crate::domain::scoring::format_thresholds(&Default::default());
        let s = crate::db::settings::snapshot(&mut tx, now).await?;
        let id = crate::db::evaluation::create_round(
            &mut tx,
            &crate::db::evaluation::NewRound {
                authority_id: authority,
                year: r.year,
                title: &r.title,
                apply_from: &r.apply_from,
                apply_to: &r.apply_to,
                scoring_due: &r.scoring_due,
                notice_days: s.int("evaluation.notice_days").unwrap_or(7),
                thresholds: &th,
                aggregate: s.get("evaluation.aggregate").unwrap_or("mean"),
                upgrade_allowed: false,
                bars: "",
                settings_version: s.version,
                disagreement_pct: s
                    .int("evaluation.disagreement_percent")
                    .unwrap_or(crate::domain::evaluation::DEFAULT_DISAGREEMENT_PERCENT),
                created_by: by.id.0,
            },
            now,
        )
        .await?;
        if let Some(st) = &r.stage {
            sqlx::query(
                "UPDATE eval_rounds SET status = 'notice', committee_on = $1, committee_members = $2, \
                 committee_present = $3, notice_from = $4, notice_to = $5 WHERE id = $6",
            )
            .bind(&st.committee_on)
            .bind(st.committee_members)
            .bind(st.committee_present)
            .bind(&st.notice_from)
            .bind(&st.notice_to)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        round_ids.insert(r.title.clone(), id);
    }
    for res in &data.eval_results {
        let round = *round_ids
            .get(&res.round)
            .ok_or_else(|| DemoError::Invalid(format!("unknown round {}", res.round)))?;
        let org = *org_ids
            .get(&res.org)
            .ok_or_else(|| DemoError::Invalid(format!("unknown org {}", res.org)))?;
        crate::seed::eval::seed_result(&mut tx, round, org, res, now).await?;
    }
    for g in &data.grades {
        let org = *org_ids
            .get(&g.org)
            .ok_or_else(|| DemoError::Invalid(format!("unknown org {}", g.org)))?;
        let announced = crate::domain::calendar::parse_iso_date(&g.announced_on)
            .ok_or_else(|| DemoError::Invalid(format!("bad date {}", g.announced_on)))?;
        let (from, to) = crate::domain::evaluation::validity(announced);
        crate::db::evaluation::add_grade(
            &mut tx,
            &crate::db::evaluation::NewGrade {
                org_id: org.0,
                app_id: None,
                grade: &g.grade,
                announced_on: &g.announced_on,
                valid_from: &crate::domain::calendar::iso_date(from),
                valid_to: &crate::domain::calendar::iso_date(to),
            },
            now,
        )
        .await?;
    }
    let department = units
        .get("nb-civil-affairs")
        .map(|u| u.1)
        .ok_or_else(|| DemoError::Invalid("unknown department nb-civil-affairs".into()))?;
    let plain: HashMap<String, i64> = org_ids.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    crate::seed::procurement::seed(&mut tx, sealer, uploads, &plain, department, now)
        .await
        .map_err(|e| DemoError::Invalid(format!("service purchase: {e}")))?;
    let complainant = plain
        .get("charity")
        .copied()
        .ok_or_else(|| DemoError::Invalid("unknown organization charity".into()))?;
    crate::seed::complaint::seed(&mut tx, "NBMZ-2026-018", complainant, now)
        .await
        .map_err(|e| DemoError::Invalid(format!("complaint: {e}")))?;
    meta::set(&mut tx, LOADED_KEY, &now.to_string()).await?;
    let summary = serde_json::json!({
        "users": data.users.len(), "organizations": data.organizations.len(),
        "authorities": data.authorities.len(), "departments": data.departments.len(), "agencies": data.agencies.len(),
    });
    auditor
        .record(
            &mut tx,
            now,
            Actor::System,
            "demo.loaded",
            ("demo", "seeds/demo.toml".into()),
            summary,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The demo logins, for printing at start.
pub fn logins() -> Vec<(String, String, String)> {
    let Ok(d) = data() else { return Vec::new() };
    d.users
        .into_iter()
        .map(|u| {
            let what = if u.roles.is_empty() {
                "org member".to_string()
            } else {
                u.roles
                    .iter()
                    .map(|r| r.role.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (u.email, u.password, what)
        })
        .collect()
}
