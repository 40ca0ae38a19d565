//! Sealed bids and the opening (DOMAIN §5). A bid is sealed before the write transaction;
//! inside it the project row is locked and the server's clock is read under the lock, the same
//! lock the opening takes, so no bid lands after the opening began. Before the deadline only
//! the bidding organization's own requests decrypt its bid; audit entries carry the bid id
//! only, and no mail or log line carries a price or proposal.

use crate::db::bidders;
use crate::db::bids::{self as store, NewBid, OpenedBid, Opening};
use crate::db::projects::{self as projects, Project};
use crate::db::Conn;
use crate::domain::award::EnterpriseSize;
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::evaluation::Grade;
use crate::domain::money::Money;
use crate::domain::procurement::{self as rules, Bidder, Conditions, Excluded};
use crate::domain::procurement::{BidAction, OpeningOutcome};
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::sealing::{new_file_id, new_salt, BidContent, BidFile, Sealed, Sealer};
use crate::procurement::{from_ms, Procurement};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A file of a bid before sealing.
pub struct PlainFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// The required qualification document it is (`Requirement::key`), if any.
    pub requirement: Option<String>,
}

pub struct BidInput {
    pub price: Money,
    pub proposal: String,
    pub files: Vec<PlainFile>,
}

/// The refusal of a price above the published limit (the route states the limit).
pub const PRICE_OVER_LIMIT: &str = "err-bid-over-limit";

/// What the bidder keeps: the time, the digest and the salt. No content.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub bid_id: i64,
    /// The bid's number as the bidder sees it (random, `db::bids::new_reference`).
    pub reference: String,
    pub submitted_at: i64,
    pub digest: String,
    pub salt: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpeningResult {
    pub outcome: String,
    pub bid_count: i64,
}

pub fn conditions(p: &Project) -> Conditions {
    Conditions {
        division: p.city_division.clone(),
        min_grade: p.min_grade.as_deref().and_then(Grade::parse),
        passed_inspection: p.need_inspection,
    }
}

/// When an envelope stops taking bids: the deadline for the responses, the final-quote
/// deadline for a consultation's final quotes.
pub fn window_end(p: &Project, envelope: &str) -> Option<i64> {
    match envelope {
        "final" => p.final_deadline_at,
        _ => p.deadline_at,
    }
}

/// Whether the project takes bids in this envelope at `now` (server time, under the lock).
pub fn accepts(p: &Project, envelope: &str, now: i64) -> bool {
    let status = if envelope == "final" {
        crate::domain::project::Status::Opened
    } else {
        crate::domain::project::Status::Published
    };
    p.status == status && window_end(p, envelope).is_some_and(|d| now < d)
}

/// Whether the organization's response was opened in this round (only they quote finally).
pub async fn was_opened(c: &mut Conn, p: &Project, org: i64) -> AppResult<bool> {
    Ok(store::opened_in_round(c, p.id, p.round, org).await?)
}

/// A bid's canonical content with a fresh salt, and its ciphertext.
pub fn seal(
    sealer: &Sealer,
    p: &Project,
    org: i64,
    envelope: &str,
    price: Money,
    proposal: &str,
    files: Vec<BidFile>,
) -> AppResult<(BidContent, Sealed)> {
    seal_declared(sealer, p, org, envelope, (price, proposal), files, None)
}

/// `seal` with the enterprise size the bid's 中小企业声明函 declares, sealed in the content.
pub fn seal_declared(
    sealer: &Sealer,
    p: &Project,
    org: i64,
    envelope: &str,
    (price, proposal): (Money, &str),
    files: Vec<BidFile>,
    sme: Option<EnterpriseSize>,
) -> AppResult<(BidContent, Sealed)> {
    let content = BidContent {
        v: 1,
        project: p.number.clone(),
        round: p.round,
        org,
        envelope: envelope.into(),
        price: price.decimal().to_string(),
        proposal: proposal.replace("\r\n", "\n"),
        files,
        sme: sme.map(|s| s.code().to_string()),
        salt: new_salt(),
    };
    let sealed = sealer
        .seal_bid(p.id, &content)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((content, sealed))
}

/// Opens the sealed bids of a round on `c` (the caller holds the project lock): fewer than
/// the minimum fails the round and leaves them sealed; otherwise each is decrypted, checked
/// against its receipt digest and copied to the public opening record. Records the opening,
/// the project's new status and the public event.
pub async fn record_opening(
    c: &mut Conn,
    sealer: &Sealer,
    p: &Project,
    sealed: &[store::Bid],
    envelope: &str,
    now: i64,
) -> AppResult<Opening> {
    let count = i64::try_from(sealed.len()).unwrap_or(i64::MAX);
    let outcome = OpeningOutcome::of(count, p.min_bids);
    let failed = outcome == OpeningOutcome::Failed;
    let mut o = Opening {
        id: 0,
        project_id: p.id,
        round: p.round,
        envelope: envelope.into(),
        opened_at: now,
        outcome,
        bid_count: count,
        min_bids: p.min_bids,
    };
    o.id = store::add_opening(c, &o).await?;
    let mut record = Vec::new();
    if !failed {
        for b in sealed {
            let content = sealer
                .open_bid(p.id, b.round, b.org_id, &b.envelope, &b.sealed)
                .map_err(|e| AppError::Internal(format!("bid {} does not open: {e}", b.id)))?;
            if content.digest() != b.digest {
                return Err(AppError::Internal(format!("bid {} digest mismatch", b.id)));
            }
            let price = Money::parse(&content.price)
                .map_err(|_| AppError::Internal(format!("bid {} price", b.id)))?;
            let (name, uscc) = bidders::name_and_uscc(c, b.org_id).await?;
            let ob = OpenedBid {
                bid_id: b.id,
                org_id: b.org_id,
                org_name: name,
                uscc,
                price_fen: price.fen(),
                digest: b.digest.clone(),
                submitted_at: b.submitted_at,
                sme: content.sme.clone(),
            };
            store::add_opened(c, o.id, &ob).await?;
            record.push(ob);
        }
    }
    let action = if envelope == "final" {
        crate::domain::project::Action::OpenFinal { enough: !failed }
    } else {
        crate::domain::project::Action::Open { enough: !failed }
    };
    projects::advance(c, p, action, now).await?;
    let kind = match (envelope, failed) {
        ("final", true) => "final_failed",
        ("final", false) => "final_opened",
        (_, true) => "failed",
        _ => "opened",
    };
    projects::add_event(
        c,
        p.id,
        p.round,
        kind,
        &json!({ "opening": o.id, "bid_count": count, "min_bids": p.min_bids, "bids": record }),
        None,
        now,
    )
    .await?;
    Ok(o)
}

/// What the rules need to know about a would-be bidder, on the project's deadline date.
pub async fn bidder(c: &mut Conn, org: i64, on: &str) -> AppResult<Bidder> {
    let (status, district) = bidders::standing(c, org).await?.ok_or(AppError::NotFound)?;
    let serious = crate::db::orgs::on_list(c, org, "serious").await?;
    let grades = bidders::grades_on(c, org, on).await?;
    // The last annual inspection due on that date: the previous year's, once 31 May passed.
    let (year, md) = on.split_at(4);
    let year: i64 = year.parse().unwrap_or(0);
    let due_year = if md > "-05-31" { year - 1 } else { year - 2 };
    let outcome = bidders::inspection(c, org, due_year).await?;
    Ok(Bidder {
        active: crate::domain::org_life::OrgStatus::parse(&status).is_some_and(|s| s.active()),
        supplier: crate::domain::org_life::OrgStatus::parse(&status)
            == Some(crate::domain::org_life::OrgStatus::Supplier),
        serious_list: serious,
        district_code: Some(district),
        grade: grades.iter().filter_map(|g| Grade::parse(g)).max(),
        inspection_passed: outcome.is_some_and(|o| o != "unqualified"),
    })
}

/// Why a bid may not carry this size declaration (46号 art. 2: only enterprises are small
/// and medium enterprises; the policy is procurement's, declared with the response).
async fn declaration_problem(
    c: &mut Conn,
    p: &Project,
    org: i64,
    envelope: &str,
    sme: Option<EnterpriseSize>,
) -> AppResult<Option<&'static str>> {
    if sme.is_none() {
        return Ok(None);
    }
    if p.kind == "programme" || envelope != "initial" {
        return Ok(Some("err-bid-sme-not-here"));
    }
    if bidders::org_type(c, org).await?.as_deref() != Some("enterprise") {
        return Ok(Some("err-bid-sme-enterprise"));
    }
    Ok(None)
}

impl Procurement<'_> {
    /// Why this organization may not bid on the project (empty: it may).
    pub async fn exclusions(
        &self,
        c: &mut Conn,
        p: &Project,
        org: i64,
    ) -> AppResult<Vec<Excluded>> {
        let on = iso_date(shanghai_date(from_ms(
            p.deadline_at.unwrap_or(self.clock.now_ms()),
        )));
        let b = bidder(c, org, &on).await?;
        let mut out = rules::exclusions(Self::method(p)?, &conditions(p), &b);
        // Programmes may count a poor performance record against an applicant (DOMAIN §6);
        // procurement may not shut a supplier out for it.
        if p.kind == "programme" {
            let now = self.clock.now_ms();
            let years = crate::db::settings::snapshot(c, now)
                .await?
                .int("performance.poor_bar_years")
                .unwrap_or(0);
            if years > 0
                && crate::delivery::performance::poor_since(c, org, now - years * 365 * 86_400_000)
                    .await?
            {
                out.push(Excluded::PoorPerformance);
            }
        }
        Ok(out)
    }

    fn bid_dir(&self) -> std::path::PathBuf {
        self.uploads.join("bids")
    }

    /// Seals and stores a bid (replacing the organization's earlier one). `Ok(Err(key))` is a
    /// refusal the bidder is shown: late, closed, or excluded.
    pub async fn submit_bid(
        &self,
        p: &Project,
        org: i64,
        user: i64,
        envelope: &str,
        input: BidInput,
    ) -> AppResult<Result<Receipt, &'static str>> {
        self.submit_declared_bid(p, org, user, envelope, input, None)
            .await
    }

    /// `submit_bid` with the enterprise size the bid's 中小企业声明函 declares, sealed with it
    /// (issue 22, item 5): only in a procurement's response, and only from an enterprise.
    pub async fn submit_declared_bid(
        &self,
        p: &Project,
        org: i64,
        user: i64,
        envelope: &str,
        input: BidInput,
        sme: Option<EnterpriseSize>,
    ) -> AppResult<Result<Receipt, &'static str>> {
        {
            let mut c = self.db.acquire().await?;
            if let Some(key) = declaration_problem(&mut c, p, org, envelope, sme).await? {
                return Ok(Err(key));
            }
            if let Some(why) = self.exclusions(&mut c, p, org).await?.first() {
                return Ok(Err(why.message_key()));
            }
            // A price above the published maximum or the budget could only ever be invalid
            // (87号令 art. 63): refused now, with the limit, before anything is written.
            if !crate::procurement::review::price_ok(p, input.price.fen()) {
                return Ok(Err(PRICE_OVER_LIMIT));
            }
            // Required documents are checked before any file is written; the route names them.
            let keys = input.files.iter().filter_map(|f| f.requirement.as_deref());
            if !self
                .missing_docs(&mut c, p, envelope, keys)
                .await?
                .is_empty()
            {
                return Ok(Err("err-qualdoc-incomplete"));
            }
        }
        let mut files = Vec::new();
        let mut written = Vec::new();
        let dir = self.bid_dir();
        for f in &input.files {
            let id = new_file_id();
            let sealed = self
                .sealer
                .seal_file(p.id, &id, &f.bytes)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let path = dir.join(&id);
            let d = dir.clone();
            let write = rocket::tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                use std::io::Write;
                crate::platform::files::create_dir_private(&d)?;
                let mut f = crate::platform::files::create_new_private(&path)?;
                f.write_all(&sealed)?;
                f.sync_all()
            })
            .await;
            if !matches!(write, Ok(Ok(()))) {
                self.discard(&written);
                return Err(AppError::Internal(
                    "a sealed bid file was not written".into(),
                ));
            }
            written.push(id.clone());
            files.push(BidFile {
                id,
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                size: i64::try_from(f.bytes.len()).unwrap_or(i64::MAX),
                sha256: hex::encode(Sha256::digest(&f.bytes)),
                requirement: f.requirement.clone(),
            });
        }
        let (content, sealed) = seal_declared(
            self.sealer,
            p,
            org,
            envelope,
            (input.price, &input.proposal),
            files,
            sme,
        )?;
        let digest = content.digest();
        let mut tx = self.db.begin_write().await?;
        let locked = projects::lock(&mut tx, p.id, self.db.for_update()).await?;
        // The clock is read under the project lock: the opening reads it under the same lock.
        let now = self.clock.now_ms();
        let mut open = locked
            .as_ref()
            .is_some_and(|l| l.round == p.round && accepts(l, envelope, now));
        if open && envelope == "final" {
            open = was_opened(&mut tx, p, org).await?;
        }
        if !open {
            drop(tx);
            self.discard(&written);
            let late = locked.is_some_and(|l| window_end(&l, envelope).is_some_and(|d| now >= d));
            return Ok(Err(if late {
                "err-bid-late"
            } else {
                "err-project-closed"
            }));
        }
        // Two related suppliers may not both bid for one contract (实施条例 art. 18): the
        // second is refused, under the lock, so two cannot slip in together.
        if envelope == "initial" {
            if let Some(r) =
                crate::procurement::related::related_to_sealed(&mut tx, p.id, p.round, org).await?
            {
                drop(tx);
                self.discard(&written);
                return Ok(Err(crate::procurement::related::refusal(r)));
            }
        }
        if let Err(key) = store::end_sealed(
            &mut tx,
            p.id,
            p.round,
            org,
            envelope,
            BidAction::Replace,
            open,
            now,
        )
        .await?
        {
            drop(tx);
            self.discard(&written);
            return Ok(Err(key));
        }
        let (id, reference) = store::insert(
            &mut tx,
            &NewBid {
                project: p.id,
                round: p.round,
                org,
                envelope,
                user,
                sealed: &sealed,
                digest: &digest,
                at: now,
            },
        )
        .await?;
        for f in &written {
            store::add_file(&mut tx, f, id, now).await?;
        }
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "bid.sealed",
            ("bid", id),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Receipt {
            bid_id: id,
            reference,
            submitted_at: now,
            digest,
            salt: content.salt,
        }))
    }

    fn discard(&self, ids: &[String]) {
        for id in ids {
            let _ = std::fs::remove_file(self.bid_dir().join(id));
        }
    }

    /// Withdraws the organization's sealed bid before the deadline.
    pub async fn withdraw_bid(
        &self,
        p: &Project,
        org: i64,
        user: i64,
        envelope: &str,
    ) -> AppResult<Result<(), &'static str>> {
        let mut tx = self.db.begin_write().await?;
        let locked = projects::lock(&mut tx, p.id, self.db.for_update()).await?;
        let now = self.clock.now_ms();
        let open = locked.is_some_and(|l| accepts(&l, envelope, now));
        let id = match store::end_sealed(
            &mut tx,
            p.id,
            p.round,
            org,
            envelope,
            BidAction::Withdraw,
            open,
            now,
        )
        .await?
        {
            Ok(Some(id)) => id,
            Ok(None) if !open => return Ok(Err("err-bid-late")),
            Ok(None) => return Err(AppError::NotFound),
            Err(key) => return Ok(Err(key)),
        };
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "bid.withdrawn",
            ("bid", id),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Decrypts the organization's own sealed bid (for its own pages only).
    pub async fn own_bid(
        &self,
        c: &mut Conn,
        p: &Project,
        org: i64,
        envelope: &str,
    ) -> AppResult<Option<(store::Bid, BidContent)>> {
        let Some(b) = store::sealed_of(c, p.id, p.round, org, envelope).await? else {
            return Ok(None);
        };
        let content = self
            .sealer
            .open_bid(p.id, b.round, org, envelope, &b.sealed)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Some((b, content)))
    }

    /// Opens a project whose deadline has passed. Idempotent: a project already opened (or
    /// not yet due) is left alone and `None` returned.
    pub async fn open(&self, project: i64) -> AppResult<Option<OpeningResult>> {
        let mut tx = self.db.begin_write().await?;
        let Some(p) = projects::lock(&mut tx, project, self.db.for_update()).await? else {
            return Ok(None);
        };
        let now = self.clock.now_ms();
        let envelope = if p.status == crate::domain::project::Status::Published
            && p.deadline_at.is_some_and(|d| now >= d)
        {
            "initial"
        } else if p.status == crate::domain::project::Status::Opened
            && p.final_deadline_at.is_some_and(|d| now >= d)
            && !store::openings(&mut tx, p.id)
                .await?
                .iter()
                .any(|o| o.round == p.round && o.envelope == "final")
        {
            "final"
        } else {
            return Ok(None);
        };
        let sealed = store::sealed_for_opening(&mut tx, p.id, p.round, envelope).await?;
        let o = record_opening(&mut tx, self.sealer, &p, &sealed, envelope, now).await?;
        let (count, failed) = (o.bid_count, o.outcome == OpeningOutcome::Failed);
        self.audit(
            &mut tx,
            Actor::System,
            "project.opened",
            ("project", p.id),
            json!({ "round": p.round, "envelope": envelope, "outcome": o.outcome, "bids": count }),
        )
        .await?;
        // Each bidder is told on its own; a failed round's bids stay sealed.
        for b in &sealed {
            let submitter = store::submitter(&mut tx, b.id).await?;
            self.mail(
                &mut tx,
                submitter,
                json!({ "event": "opening", "title": p.title, "number": p.number, "failed": failed,
                        "final": envelope == "final",
                        "link": format!("projects/{}#opening", p.number) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(OpeningResult {
            outcome: o.outcome.code().into(),
            bid_count: count,
        }))
    }

    /// The opening job: every project past its deadline, then the 3-day reminders.
    pub async fn run_due(&self) -> AppResult<usize> {
        let due = {
            let mut c = self.db.acquire().await?;
            let now = self.clock.now_ms();
            let mut ids = projects::due_for_opening(&mut c, now).await?;
            ids.extend(projects::due_for_final(&mut c, now).await?);
            ids
        };
        let mut opened = 0;
        for id in due {
            match self.open(id).await {
                Ok(Some(_)) => opened += 1,
                Ok(None) => {}
                Err(e) => log::error!("opening project {id}: {e}"),
            }
        }
        self.remind().await?;
        Ok(opened)
    }
}
