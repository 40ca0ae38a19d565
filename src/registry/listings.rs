//! The credit lists one listing at a time (民政部令60, 社会组织信用信息管理办法): a listing with
//! its public event and the notice mailed to the organization's administrators (the reason, the
//! conditions for removal and how to object); the triggers a registrar's decisions carry (a
//! warning or a fine under 50,000 yuan: art. 10(5); a change registration revoked for fraud:
//! art. 14(2)); a serious listing closing the abnormal ones; the organization's objections and
//! removal requests; and the registrar's verification of a rectification, which starts the 5
//! working days within which the listing is removed (art. 13), and the removal.

use crate::db::credit::{self as store, NewListing, NewRequest};
use crate::db::{settings, Conn};
use crate::domain::calendar::{iso_date, Period};
use crate::domain::credit::{self, PenaltyKind};
use crate::domain::lang::Lang;
use crate::domain::money::Money;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::i18n;
use crate::platform::ids::{ApplicationId, OrgId, UserId};
use crate::platform::mail::{Mailer, Recipient};
use crate::registry::supervision::add_event;
use crate::registry::Registry;
use serde_json::json;

/// Lists the organization in the caller's transaction: the listing, its public event and the
/// notice to the organization. A serious listing ends the organization's open abnormal
/// listings (removal `moved_serious`): 民政部令60 art. 14 — an organization on the serious list
/// is taken off the abnormal list (one list at a time). Returns the listing's id.
pub async fn list(c: &mut Conn, mailer: &Mailer, l: &NewListing<'_>, now: i64) -> AppResult<i64> {
    let id = store::add_listing(c, l, now).await?;
    add_event(c, l.org, l.on, &format!("listed_{}", l.list), now).await?;
    if l.list == "serious" && store::end_abnormal_for_serious(c, l.org, l.on).await? > 0 {
        add_event(c, l.org, l.on, "removed_abnormal", now).await?;
    }
    notify(c, mailer, l, now).await?;
    Ok(id)
}

/// The listing notice to each administrator in their language: the list, the reason, the
/// conditions for removal (art. 13 for the abnormal list, art. 16 for the serious) and where
/// to object or ask for removal.
async fn notify(c: &mut Conn, mailer: &Mailer, l: &NewListing<'_>, now: i64) -> AppResult<()> {
    for r in crate::db::orgs::admin_recipients(c, l.org.0).await? {
        let lang = Lang::parse(&r.preferred_lang).unwrap_or_default();
        let data = json!({
            "org": r.org_name, "org_id": l.org.0, "list": l.list, "on": l.on, "year": l.year,
            "list_name": i18n::t(lang, &format!("list-{}", l.list)),
            "reason": i18n::t(lang, &format!("listing-{}", l.reason)),
        });
        mailer
            .queue(
                c,
                Recipient {
                    addr: &r.email,
                    user: Some(UserId(r.user_id)),
                    lang,
                },
                "credit_listing",
                &data,
                now,
            )
            .await?;
    }
    Ok(())
}

/// The abnormal listing a penalty gives at once (民政部令60 art. 10(5)), in the penalty's
/// transaction: none while the organization is on the serious list.
pub async fn list_for_penalty(
    c: &mut Conn,
    mailer: &Mailer,
    org: OrgId,
    penalty: (i64, PenaltyKind, Option<Money>),
    on: &str,
    now: i64,
) -> AppResult<Option<i64>> {
    let (id, kind, amount) = penalty;
    let Some(reason) = credit::abnormal_reason(kind, amount) else {
        return Ok(None);
    };
    if store::open_on(c, org, "serious").await? > 0 {
        return Ok(None);
    }
    let detail = format!("penalty:{id}");
    let l = NewListing {
        org,
        list: "abnormal",
        reason,
        year: None,
        on,
        detail: &detail,
    };
    Ok(Some(list(c, mailer, &l, now).await?))
}

/// What an organization files against one of its listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// 异议: the listing is wrong.
    Objection,
    /// 申请移出: the cause is rectified.
    Removal,
}

impl RequestKind {
    pub fn parse(s: &str) -> Option<RequestKind> {
        match s {
            "objection" => Some(RequestKind::Objection),
            "removal" => Some(RequestKind::Removal),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            RequestKind::Objection => "objection",
            RequestKind::Removal => "removal",
        }
    }
}

impl Registry<'_> {
    /// The one audit entry of a change to an organization's listings, and the commit.
    async fn listing_changed(
        &self,
        mut tx: crate::db::Tx,
        actor: Actor,
        org: OrgId,
        action: &str,
        summary: serde_json::Value,
    ) -> AppResult<()> {
        self.auditor
            .record(
                &mut tx,
                self.clock.now_ms(),
                actor,
                action,
                ("org", org.to_string()),
                summary,
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lists an organization on the abnormal-activity list for a cause a registrar finds
    /// (unreachable at its address: art. 10(6); rectification not done: art. 10(3)).
    pub async fn list_abnormal(&self, by: UserId, org: OrgId, reason: &str) -> AppResult<()> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let l = NewListing {
            org,
            list: "abnormal",
            reason,
            year: None,
            on: &today,
            detail: "",
        };
        let id = list(&mut tx, self.mailer, &l, now).await?;
        self.listing_changed(
            tx,
            Actor::User(by),
            org,
            "credit.listed",
            json!({ "listing": id, "list": "abnormal", "reason": reason }),
        )
        .await
    }

    /// Revokes an approved change registration obtained by fraud (弄虚作假办理变更登记): a
    /// penalty on the record and the serious list at once (民政部令60 art. 14(2)), which ends the
    /// organization's abnormal listings. Once per change registration.
    pub async fn revoke_change(
        &self,
        by: UserId,
        org: OrgId,
        app: ApplicationId,
        authority: Option<i64>,
        reason: &str,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let a = crate::db::applications::by_id(&mut tx, app)
            .await?
            .filter(|a| a.org_id == Some(org) && a.kind == "change")
            .ok_or(AppError::NotFound)?;
        if crate::domain::application::Status::parse(&a.status)
            != Some(crate::domain::application::Status::Approved)
        {
            return Err(AppError::Conflict("err-reg-action-state"));
        }
        let detail = format!("application:{}", app.0);
        if store::listed_for(&mut tx, org, "change_revoked", &detail).await? > 0 {
            return Err(AppError::Conflict("err-change-revoked-already"));
        }
        let penalty = store::add_penalty(
            &mut tx,
            &store::NewPenalty {
                org,
                kind: PenaltyKind::ChangeRevoked.code(),
                decided_on: &today,
                amount_fen: None,
                authority,
                reason,
                by,
                now,
            },
        )
        .await?;
        add_event(&mut tx, org, &today, "penalty_change_revoked", now).await?;
        let l = NewListing {
            org,
            list: "serious",
            reason: "change_revoked",
            year: None,
            on: &today,
            detail: &detail,
        };
        let listing = list(&mut tx, self.mailer, &l, now).await?;
        self.listing_changed(
            tx,
            Actor::User(by),
            org,
            "credit.change_revoked",
            json!({ "application": app, "penalty": penalty, "listing": listing, "reason": reason }),
        )
        .await
    }

    /// Records the organization's objection to a listing, or its request to remove one whose
    /// cause it has rectified.
    pub async fn file_listing_request(
        &self,
        by: UserId,
        org: OrgId,
        listing: i64,
        kind: RequestKind,
        statement: &str,
    ) -> AppResult<i64> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let Some((_, _, _)) = store::open_listing(&mut tx, org, listing).await? else {
            return Err(AppError::NotFound);
        };
        let id = store::add_request(
            &mut tx,
            &NewRequest {
                org,
                listing,
                kind: kind.code(),
                statement,
                on: &today,
                by,
                now,
            },
        )
        .await?
        .ok_or(AppError::NotFound)?;
        self.listing_changed(
            tx,
            Actor::User(by),
            org,
            &format!("credit.{}", kind.code()),
            json!({ "listing": listing, "request": id }),
        )
        .await?;
        Ok(id)
    }

    /// The registrar answers an objection (what was found and done), once.
    pub async fn answer_objection(
        &self,
        by: UserId,
        org: OrgId,
        request: i64,
        answer: &str,
    ) -> AppResult<()> {
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        if !store::answer_request(&mut tx, org, request, &today, answer).await? {
            return Err(AppError::Conflict("err-reg-action-state"));
        }
        self.listing_changed(
            tx,
            Actor::User(by),
            org,
            "credit.objection_answered",
            json!({ "request": request }),
        )
        .await
    }

    /// The registrar verifies (查实) that an abnormal listing's cause is rectified: the listing
    /// is to be removed within the working days in force (民政部令60 art. 13: 自查实之日起5个
    /// 工作日内), a clock in the registrar's queue. A missing report is verified only once it is
    /// filed. Returns the last day to remove it.
    pub async fn verify_rectification(
        &self,
        by: UserId,
        org: OrgId,
        listing: i64,
    ) -> AppResult<time::Date> {
        let now = self.clock.now_ms();
        let today = self.today();
        let mut tx = self.db.begin_write().await?;
        let Some((reason, year, list)) = store::open_listing(&mut tx, org, listing).await? else {
            return Err(AppError::NotFound);
        };
        if list != "abnormal" {
            return Err(AppError::Conflict("err-listing-serious"));
        }
        if reason == "annual_report_missing"
            && store::reports_for_year(&mut tx, org, year).await? == 0
        {
            return Err(AppError::Conflict("err-listing-not-rectified"));
        }
        let days = settings::snapshot(&mut tx, now)
            .await?
            .int("credit.removal_working_days")
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(5);
        let cal = self.calendars.exact(&mut tx).await?;
        let remove_by = cal.due(today, Period::WorkingDays(days)).on;
        let on = iso_date(today);
        if !store::verify_listing(&mut tx, org, listing, &on, &iso_date(remove_by)).await? {
            return Err(AppError::Conflict("err-listing-verified"));
        }
        store::answer_removal_requests(&mut tx, listing, &on, "verified").await?;
        self.listing_changed(
            tx,
            Actor::User(by),
            org,
            "credit.verified",
            json!({ "listing": listing, "remove_by": iso_date(remove_by), "working_days": days }),
        )
        .await?;
        Ok(remove_by)
    }

    /// Removes an abnormal listing whose cause is rectified (a missing report only once it is
    /// filed); a serious listing is not removed by hand.
    pub async fn remove_rectified(&self, by: UserId, org: OrgId, listing: i64) -> AppResult<()> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let Some((reason, year, list)) = store::open_listing(&mut tx, org, listing).await? else {
            return Err(AppError::NotFound);
        };
        if list != "abnormal" {
            return Err(AppError::Conflict("err-listing-serious"));
        }
        if reason == "annual_report_missing"
            && store::reports_for_year(&mut tx, org, year).await? == 0
        {
            return Err(AppError::Conflict("err-listing-not-rectified"));
        }
        // Removed meanwhile (by another registrar or the daily job): nothing is open to remove.
        if !store::remove_rectified(&mut tx, listing, &today).await? {
            return Err(AppError::NotFound);
        }
        store::answer_removal_requests(&mut tx, listing, &today, "removed").await?;
        add_event(&mut tx, org, &today, "removed_abnormal", now).await?;
        self.listing_changed(
            tx,
            Actor::User(by),
            org,
            "credit.removed",
            json!({ "listing": listing, "removal": "rectified" }),
        )
        .await
    }
}
