//! The registry's daily job (DOMAIN §2): reminders 30 days before an annual report is due, the
//! abnormal-activity list for reports not filed, its automatic end after 6 months when nothing
//! remains to rectify, and the serious-violation list. Run by the job runner once a day (never
//! by page views); idempotent — a second run the same day changes nothing. Each batch of
//! changes is one transaction with one audit entry. Also the registrar's changes to one
//! organization's credit record (inspection outcomes, penalties, listings, revocation) and the
//! organization's own filings (annual reports, change and deregistration applications).

use crate::db::credit as credit_store;
use crate::db::{settings, Conn};
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::domain::credit::{self, Penalty, PenaltyKind};
use crate::domain::lang::Lang;
use crate::domain::money::Money;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::OrgId;
use crate::platform::ids::UserId;
use crate::platform::mail::Recipient;
use crate::registry::listings;
use crate::registry::Registry;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use time::Date;

const BATCH: usize = 400;

/// The annual-report due day of each type, from the settings in force.
pub fn due_setting(org_type: &str) -> &'static str {
    match org_type {
        "social_group" => "registry.annual_report_due.social_group",
        "foundation" => "registry.annual_report_due.foundation",
        _ => "registry.annual_report_due.service_institution",
    }
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct DailyReport {
    pub reminded: usize,
    pub listed_abnormal: usize,
    pub removed_abnormal: usize,
    pub listed_serious: usize,
    pub removed_serious: usize,
}

/// One kind of change to many organizations, committed in batches.
async fn in_batches(
    reg: &Registry<'_>,
    ids: &[i64],
    action: &str,
    detail: serde_json::Value,
    mut apply: impl for<'c> FnMut(
        &'c mut Conn,
        i64,
    ) -> rocket::futures::future::BoxFuture<'c, AppResult<()>>,
) -> AppResult<()> {
    for chunk in ids.chunks(BATCH) {
        let mut tx = reg.db.begin_write().await?;
        for id in chunk {
            apply(&mut tx, *id).await?;
        }
        reg.auditor
            .record(
                &mut tx,
                reg.clock.now_ms(),
                Actor::System,
                action,
                ("organizations", format!("{} organization(s)", chunk.len())),
                json!({ "organizations": chunk, "detail": detail }),
            )
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Runs every step for `today` (Beijing date).
pub async fn run_daily(reg: &Registry<'_>) -> AppResult<DailyReport> {
    let today = reg.today();
    let mut report = DailyReport::default();
    let snapshot = {
        let mut c = reg.db.acquire().await?;
        settings::snapshot(&mut c, reg.clock.now_ms()).await?
    };
    let cutoff = snapshot
        .get("registry.first_year_cutoff")
        .unwrap_or("06-30")
        .to_string();
    let first_year = snapshot
        .int("registry.credit_first_year")
        .and_then(|y| i32::try_from(y).ok())
        .unwrap_or(2025);
    for org_type in ["social_group", "social_service_institution", "foundation"] {
        let md = snapshot
            .get(due_setting(org_type))
            .unwrap_or("05-31")
            .to_string();
        for year in (today.year() - 3).max(first_year)..today.year() {
            let Some(due) = credit::report_due(year, &md) else {
                continue;
            };
            let last_registration = format!("{year}-{cutoff}");
            if due < today {
                report.listed_abnormal +=
                    list_missing(reg, org_type, year, &last_registration, today).await?;
            } else if due <= today.saturating_add(time::Duration::days(30)) {
                report.reminded += remind(reg, org_type, year, &last_registration, due).await?;
            }
        }
    }
    report.removed_abnormal = end_abnormal(reg, today).await?;
    let (listed, removed) = serious(reg, today).await?;
    report.listed_serious = listed;
    report.removed_serious = removed;
    Ok(report)
}

async fn without_report(
    reg: &Registry<'_>,
    org_type: &str,
    year: i32,
    last_registration: &str,
    besides: credit_store::Besides,
) -> AppResult<Vec<i64>> {
    let mut c = reg.db.acquire().await?;
    Ok(
        credit_store::orgs_without_report(&mut c, org_type, year, last_registration, besides)
            .await?,
    )
}

/// Lists on the abnormal-activity list every organization whose report for `year` is overdue.
async fn list_missing(
    reg: &Registry<'_>,
    org_type: &str,
    year: i32,
    last_registration: &str,
    today: Date,
) -> AppResult<usize> {
    let ids = without_report(
        reg,
        org_type,
        year,
        last_registration,
        credit_store::Besides::Listed,
    )
    .await?;
    let on = iso_date(today);
    let now = reg.clock.now_ms();
    let mailer = std::sync::Arc::new(reg.mailer.clone());
    in_batches(
        reg,
        &ids,
        "credit.listed",
        json!({ "list": "abnormal", "reason": "annual_report_missing", "year": year }),
        |c, id| {
            let on = on.clone();
            let mailer = mailer.clone();
            Box::pin(async move {
                let l = credit_store::NewListing {
                    org: OrgId(id),
                    list: "abnormal",
                    reason: "annual_report_missing",
                    year: Some(year),
                    on: &on,
                    detail: "",
                };
                listings::list(c, &mailer, &l, now).await.map(|_| ())
            })
        },
    )
    .await?;
    Ok(ids.len())
}

/// A public event on the organization's record.
pub async fn add_event(c: &mut Conn, org: OrgId, on: &str, kind: &str, now: i64) -> AppResult<()> {
    crate::db::applications::add_org_event(
        c,
        crate::db::applications::NewOrgEvent {
            org,
            on_date: on,
            kind,
            public: true,
            application: None,
            detail: "",
            now,
        },
    )
    .await?;
    Ok(())
}

/// Mails each organization's administrators 30 days (or less) before a report is due, once.
async fn remind(
    reg: &Registry<'_>,
    org_type: &str,
    year: i32,
    last_registration: &str,
    due: Date,
) -> AppResult<usize> {
    let ids = without_report(
        reg,
        org_type,
        year,
        last_registration,
        credit_store::Besides::Reminded,
    )
    .await?;
    let now = reg.clock.now_ms();
    let due_text = iso_date(due);
    for chunk in ids.chunks(BATCH) {
        let mut tx = reg.db.begin_write().await?;
        for &id in chunk {
            crate::db::reminders::add_annual_report(&mut tx, id, year, now).await?;
            for r in crate::db::orgs::admin_recipients(&mut tx, id).await? {
                let data =
                    json!({ "org": r.org_name, "org_id": id, "year": year, "due": due_text });
                reg.mailer
                    .queue(
                        &mut tx,
                        Recipient {
                            addr: &r.email,
                            user: Some(crate::platform::ids::UserId(r.user_id)),
                            lang: Lang::parse(&r.preferred_lang).unwrap_or_default(),
                        },
                        "annual_report_reminder",
                        &data,
                        now,
                    )
                    .await?;
            }
        }
        reg.auditor
            .record(
                &mut tx,
                now,
                Actor::System,
                "annual_report.reminded",
                ("organizations", format!("{} organization(s)", chunk.len())),
                json!({ "organizations": chunk, "year": year, "due": due_text }),
            )
            .await?;
        tx.commit().await?;
    }
    Ok(ids.len())
}

struct Open {
    id: i64,
    org: i64,
    reason: String,
    listed_on: String,
}

async fn open_listings(c: &mut Conn, list: &str) -> AppResult<Vec<Open>> {
    let rows = credit_store::open_listings(c, list).await?;
    let mut out = Vec::new();
    for r in rows {
        let filed = r.filed;
        let reason = r.reason;
        // A missing report is rectified once it is filed, a penalty's listing has nothing to
        // rectify (民政部令60 art. 13); other causes stay until a registrar verifies the
        // rectification and removes the listing.
        let reason = if (reason == "annual_report_missing" && filed > 0)
            || credit::nothing_to_rectify(&reason)
        {
            "rectified".to_string()
        } else {
            reason
        };
        out.push(Open {
            id: r.id,
            org: r.org_id,
            reason,
            listed_on: r.listed_on,
        });
    }
    Ok(out)
}

/// Ends abnormal listings 6 months after the latest listing event, only when nothing remains
/// to rectify.
async fn end_abnormal(reg: &Registry<'_>, today: Date) -> AppResult<usize> {
    let open = {
        let mut c = reg.db.acquire().await?;
        open_listings(&mut c, "abnormal").await?
    };
    let mut by_org: BTreeMap<i64, Vec<&Open>> = BTreeMap::new();
    for o in &open {
        by_org.entry(o.org).or_default().push(o);
    }
    let mut ending: Vec<i64> = Vec::new();
    let mut listing_ids: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (org, list) in &by_org {
        let latest = list
            .iter()
            .filter_map(|o| parse_iso_date(&o.listed_on))
            .max();
        let clear = list.iter().all(|o| o.reason == "rectified");
        if latest.is_some_and(|l| credit::abnormal_ends(l, today, clear)) {
            ending.push(*org);
            listing_ids.insert(*org, list.iter().map(|o| o.id).collect());
        }
    }
    let on = iso_date(today);
    let now = reg.clock.now_ms();
    let listing_ids = std::sync::Arc::new(listing_ids);
    in_batches(
        reg,
        &ending,
        "credit.removed",
        json!({ "list": "abnormal", "removal": "automatic" }),
        |c, id| {
            let on = on.clone();
            let ids = listing_ids.get(&id).cloned().unwrap_or_default();
            Box::pin(async move {
                // Only the listings read above: one added since restarts the clock. Each ends
                // by compare-and-set; one ended meanwhile stays as it was ended, and the public
                // record tells of a removal only when this run made one.
                let mut ended = false;
                for listing in ids {
                    ended |= credit_store::end_listing(c, listing, &on).await?;
                }
                if !ended {
                    return Ok(());
                }
                add_event(c, OrgId(id), &on, "removed_abnormal", now).await
            })
        },
    )
    .await?;
    Ok(ending.len())
}

/// Lists on the serious-violation list on its events; ends a listing 2 years after the last.
async fn serious(reg: &Registry<'_>, today: Date) -> AppResult<(usize, usize)> {
    let mut c = reg.db.acquire().await?;
    let rows = credit_store::all_penalties(&mut c).await?;
    let mut penalties: BTreeMap<i64, Vec<Penalty>> = BTreeMap::new();
    for r in rows {
        let Some(kind) = PenaltyKind::parse(&r.kind) else {
            continue;
        };
        let Some(on) = parse_iso_date(&r.decided_on) else {
            continue;
        };
        let amount = r.amount_fen;
        penalties.entry(r.org_id).or_default().push(Penalty {
            kind,
            on,
            amount: amount.map(Money::from_fen),
        });
    }
    let mut abnormal: BTreeMap<i64, Vec<(Date, Option<Date>)>> = BTreeMap::new();
    let spans =
        credit_store::abnormal_spans(&mut c, &iso_date(credit::add_months(today, -24))).await?;
    for (org, listed, removed) in spans {
        if let Some(d) = parse_iso_date(&listed) {
            let end = removed.as_deref().and_then(parse_iso_date);
            abnormal.entry(org).or_default().push((d, end));
        }
    }
    let serious_open: BTreeMap<i64, i64> = open_listings(&mut c, "serious")
        .await?
        .into_iter()
        .map(|o| (o.org, o.id))
        .collect();
    drop(c);
    let mut orgs: Vec<i64> = penalties.keys().copied().collect();
    orgs.extend(abnormal.keys().copied());
    orgs.extend(serious_open.keys().copied());
    orgs.sort_unstable();
    orgs.dedup();
    let mut to_list: Vec<(i64, &'static str)> = Vec::new();
    let mut to_end: Vec<i64> = Vec::new();
    for org in orgs {
        let p = penalties.get(&org).map(Vec::as_slice).unwrap_or(&[]);
        let spans = abnormal.get(&org).map(Vec::as_slice).unwrap_or(&[]);
        let events = credit::serious_events(p, spans, today);
        let latest = events.iter().map(|(_, d)| *d).max();
        match (serious_open.contains_key(&org), events.first(), latest) {
            (false, Some((why, _)), Some(l)) if !credit::serious_ends(l, today) => {
                to_list.push((org, why));
            }
            (true, _, latest) if latest.is_none_or(|l| credit::serious_ends(l, today)) => {
                to_end.push(org);
            }
            _ => {}
        }
    }
    let on = iso_date(today);
    let now = reg.clock.now_ms();
    let reasons: BTreeMap<i64, &'static str> = to_list.iter().copied().collect();
    let ids: Vec<i64> = to_list.iter().map(|(o, _)| *o).collect();
    let mailer = std::sync::Arc::new(reg.mailer.clone());
    in_batches(
        reg,
        &ids,
        "credit.listed",
        json!({ "list": "serious" }),
        |c, id| {
            let on = on.clone();
            let why = reasons.get(&id).copied().unwrap_or("serious");
            let mailer = mailer.clone();
            Box::pin(async move {
                // Moving to the serious list ends the abnormal listings (民政部令60 art. 14).
                let l = credit_store::NewListing {
                    org: OrgId(id),
                    list: "serious",
                    reason: why,
                    year: None,
                    on: &on,
                    detail: "",
                };
                listings::list(c, &mailer, &l, now).await.map(|_| ())
            })
        },
    )
    .await?;
    in_batches(
        reg,
        &to_end,
        "credit.removed",
        json!({ "list": "serious", "removal": "automatic" }),
        |c, id| {
            let on = on.clone();
            Box::pin(async move {
                // Only the listings still open end; the public record tells of a removal only
                // when this run made one.
                if credit_store::end_serious(c, id, &on).await? == 0 {
                    return Ok(());
                }
                add_event(c, OrgId(id), &on, "removed_serious", now).await
            })
        },
    )
    .await?;
    Ok((ids.len(), to_end.len()))
}

/// What an annual report's filing states besides its summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReportFiling {
    /// The day the supervising unit did its preliminary review (初审).
    pub supervisor_reviewed_on: Option<Date>,
    /// Filed for the simplified inspection.
    pub simplified: bool,
}

/// A registrar's penalty or investigation, as decided.
pub struct PenaltyDecision<'a> {
    pub kind: PenaltyKind,
    pub decided_on: Date,
    pub amount: Option<Money>,
    pub authority: Option<i64>,
    pub reason: &'a str,
}

/// The registrar's changes to an organization's credit record and the organization's own
/// filings: each one transaction with its audit entry and, where the record shows it, a public
/// event.
impl Registry<'_> {
    /// The one audit entry of a change to an organization's record, and the commit.
    async fn record_changed(
        &self,
        mut tx: crate::db::Tx,
        by: UserId,
        org: OrgId,
        action: &str,
        summary: serde_json::Value,
    ) -> AppResult<()> {
        self.auditor
            .record(
                &mut tx,
                self.clock.now_ms(),
                Actor::User(by),
                action,
                ("org", org.to_string()),
                summary,
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the inspection outcome of an annual report (a grade downgrade it causes is
    /// proposed at once).
    pub async fn record_outcome(
        &self,
        by: UserId,
        org: OrgId,
        report: i64,
        outcome: &str,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let version = settings::snapshot(&mut tx, now).await?.version;
        if !credit_store::set_outcome(&mut tx, org, report, outcome, &today, by, version).await? {
            return Err(AppError::NotFound);
        }
        add_event(&mut tx, org, &today, &format!("inspection_{outcome}"), now).await?;
        let proposed = crate::evaluation::daily::propose_downgrades(&mut tx, &today, now).await?;
        self.record_changed(
            tx,
            by,
            org,
            "annual_report.outcome",
            json!({ "report": report, "outcome": outcome, "downgrades_proposed": proposed }),
        )
        .await
    }

    /// Records a penalty or an investigation.
    pub async fn record_penalty(
        &self,
        by: UserId,
        org: OrgId,
        p: &PenaltyDecision<'_>,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let id = credit_store::add_penalty(
            &mut tx,
            &credit_store::NewPenalty {
                org,
                kind: p.kind.code(),
                decided_on: &iso_date(p.decided_on),
                amount_fen: p.amount.map(Money::fen),
                authority: p.authority,
                reason: p.reason,
                by,
                now,
            },
        )
        .await?;
        add_event(
            &mut tx,
            org,
            &iso_date(p.decided_on),
            &format!("penalty_{}", p.kind.code()),
            now,
        )
        .await?;
        let today = iso_date(self.today());
        // 民政部令60 art. 10(5): a warning or a fine under 50,000 yuan lists on the abnormal
        // list at once, with its notice.
        let listing = super::listings::list_for_penalty(
            &mut tx,
            self.mailer,
            org,
            (id, p.kind, p.amount),
            &today,
            now,
        )
        .await?;
        let proposed = crate::evaluation::daily::propose_downgrades(&mut tx, &today, now).await?;
        self.record_changed(
            tx,
            by,
            org,
            "penalty.recorded",
            json!({ "penalty": id, "kind": p.kind.code(), "amount_fen": p.amount.map(Money::fen),
                    "downgrades_proposed": proposed, "listing": listing }),
        )
        .await
    }

    /// Closes an open investigation.
    pub async fn close_investigation(&self, by: UserId, org: OrgId, penalty: i64) -> AppResult<()> {
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        if !credit_store::close_investigation(&mut tx, org, penalty, &today).await? {
            return Err(AppError::Conflict("err-reg-action-state"));
        }
        self.record_changed(tx, by, org, "penalty.closed", json!({ "penalty": penalty }))
            .await
    }

    /// Revokes a registration (撤销登记) on `ground`: the organization's waiting applications
    /// end with it, and the revocation is a penalty on its record.
    pub async fn revoke(
        &self,
        by: UserId,
        org: OrgId,
        authority: Option<i64>,
        ground: &str,
        reason: &str,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        crate::db::orgs::advance(&mut tx, org, crate::domain::org_life::OrgAction::Revoke).await?;
        // Pending changes or deregistration of a revoked organization end with it.
        crate::db::applications::withdraw_open_of_org(&mut tx, org, now).await?;
        credit_store::add_revocation(
            &mut tx,
            org,
            &today,
            authority,
            &format!("{ground}: {reason}"),
            by,
            now,
        )
        .await?;
        add_event(&mut tx, org, &today, "revoked", now).await?;
        self.record_changed(
            tx,
            by,
            org,
            "org.revoked",
            json!({ "ground": ground, "reason": reason }),
        )
        .await
    }

    /// Files the organization's annual report for `year`, due on `due_on`: with the day of the
    /// supervising unit's preliminary review where there is one, and the simplified inspection
    /// where asked for and the organization's grade allows it (`ReportFiling`).
    pub async fn file_report(
        &self,
        by: UserId,
        org: OrgId,
        year: i64,
        due_on: Option<&str>,
        summary: &str,
        filing: &ReportFiling,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let (unit, _, grades) = crate::db::orgs::inspection_facts(&mut tx, org, &today)
            .await?
            .ok_or(AppError::NotFound)?;
        if !unit.is_empty() && filing.supervisor_reviewed_on.is_none() {
            return Err(AppError::Conflict("err-report-review-missing"));
        }
        let snapshot = settings::snapshot(&mut tx, now).await?;
        let min = snapshot
            .get("registry.simplified_inspection_min_grade")
            .unwrap_or("4a");
        if filing.simplified && !credit::simplified_allowed(&grades, min) {
            return Err(AppError::Conflict("err-report-simplified"));
        }
        let filed = credit_store::file_report(
            &mut tx,
            &credit_store::NewReport {
                org,
                year,
                due_on: due_on.unwrap_or(""),
                filed_on: &today,
                filed_by: by,
                summary,
                supervisor_reviewed_on: filing.supervisor_reviewed_on.map(iso_date).as_deref(),
                simplified: filing.simplified,
                now,
            },
        )
        .await?;
        if !filed {
            return Err(AppError::Conflict("err-report-filed"));
        }
        self.auditor
            .record(
                &mut tx,
                self.clock.now_ms(),
                Actor::User(by),
                "annual_report.filed",
                ("org", org.to_string()),
                json!({ "year": year, "late": due_on.is_some_and(|d| d < today.as_str()),
                        "supervisor_reviewed_on": filing.supervisor_reviewed_on.map(iso_date),
                        "simplified": filing.simplified }),
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a change or deregistration application for the organization, submitted at once.
    /// `event_on` is the day of the underlying change (a change registration is due within 30
    /// days: 社团条例 art. 18, 民非条例 art. 15) or of the end of liquidation (deregistration
    /// within 15 days: 社团条例 art. 21, 民非条例 art. 16, 基金会条例 art. 18); a filing after
    /// the period (calendar days from the next day, a last day off work rolling to the next
    /// working day: 民法典 arts. 201, 203) is flagged for the registrar, not refused.
    pub async fn open_org_application(
        &self,
        by: UserId,
        org: OrgId,
        kind: &str,
        changes: serde_json::Value,
        event_on: Date,
    ) -> AppResult<crate::platform::ids::ApplicationId> {
        use crate::db::applications::{self as store, Value};
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let key = if kind == "deregistration" {
            "registry.deregistration_days"
        } else {
            "registry.change_registration_days"
        };
        let days = settings::snapshot(&mut tx, now)
            .await?
            .int(key)
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(if kind == "deregistration" { 15 } else { 30 });
        let cal = self.calendars.exact(&mut tx).await?;
        let last_day = cal
            .due(
                event_on,
                crate::domain::calendar::Period::Days { days, roll: true },
            )
            .on;
        let filed_late = self.today() > last_day;
        let o = crate::db::orgs::registered(&mut tx, org).await?;
        if !crate::domain::org_life::OrgStatus::parse(&o.status).is_some_and(|s| s.active()) {
            return Err(AppError::Conflict("err-reg-action-state"));
        }
        if store::open_of_org(&mut tx, org, kind).await? > 0 {
            return Err(AppError::Conflict("err-change-pending"));
        }
        let id = store::create(&mut tx, by, o.authority, now).await?;
        // Created as a draft and submitted at once, through the lifecycle.
        let step = crate::domain::application::Step::Submit;
        store::advance(
            &mut tx,
            id,
            crate::domain::application::Status::Draft,
            step,
            false,
            now,
        )
        .await?
        .ok_or(AppError::Conflict("err-app-not-editable"))?;
        let received = self.today();
        let accept_by = self.accept_clock(&mut tx, id, received).await?;
        store::set(
            &mut tx,
            id,
            &[
                ("kind", Value::Text(kind.into())),
                ("org_id", Value::OptInt(Some(org.0))),
                ("name", Value::Text(o.name)),
                ("org_type", Value::Text(o.org_type)),
                ("category", Value::Text(o.category)),
                ("district_code", Value::Text(o.district_code)),
                ("charity", Value::Int(o.charity)),
                ("changes", Value::OptText(Some(changes.to_string()))),
                ("event_on", Value::OptText(Some(iso_date(event_on)))),
                ("filed_late", Value::Int(i64::from(filed_late))),
                ("received_on", Value::Text(iso_date(received))),
                ("submitted_at", Value::OptInt(Some(now))),
                ("accept_by", accept_by),
            ],
            now,
        )
        .await?;
        store::add_event(&mut tx, id, now, Some(by), "submitted", None).await?;
        let app = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        self.audit(
            &mut tx,
            Actor::User(by),
            "application.submitted",
            &app,
            json!({ "kind": kind, "org": org, "changes": changes, "event_on": iso_date(event_on),
                    "last_day": iso_date(last_day), "filed_late": filed_late }),
        )
        .await?;
        self.notify(&mut tx, &app, "submitted").await?;
        tx.commit().await?;
        Ok(id)
    }
}

impl Registry<'_> {
    /// A registrar files a community social organization (备案) with its street office.
    pub async fn record_filing(
        &self,
        by: UserId,
        filing: &crate::db::filings::NewFiling<'_>,
    ) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        let id = crate::db::filings::insert(&mut tx, filing).await?;
        self.auditor
            .record(
                &mut tx,
                self.clock.now_ms(),
                Actor::User(by),
                "filing.recorded",
                ("community_filing", id.to_string()),
                json!({ "name": filing.name, "district": filing.district_code }),
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }
}
