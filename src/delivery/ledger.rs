//! The disbursement ledger (DOMAIN §6): a finance officer records a payment against a payable
//! installment — amount, value date, voucher, payee account, invoice, approving purchaser —
//! under a lock on the contract, so two requests for the last remaining amount cannot both
//! pass; a retried or double-submitted form carries the same idempotency key and yields the
//! one entry. Entries are never edited or deleted (the database refuses); a mistake is
//! corrected by a reversal that points at the original, with a reason. Add-on purchases (at
//! most 10% of the amount) add an installment; a termination settles the cap.

use crate::db::Conn;
use crate::delivery::contract::{self, Contract, Installment};
use crate::delivery::rules::{Action, Refusal as Life};
use crate::domain::calendar::iso_date;
use crate::domain::ledger::{
    self as rules, Entry, InstallmentAction, InstallmentFacts, InstallmentStatus, Refusal,
};
use crate::domain::performance::ReviewStatus;
use crate::platform::error::{AppError, AppResult};
use crate::procurement::Procurement;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub contract_id: i64,
    pub installment_pos: i64,
    pub amount_fen: i64,
    pub value_date: String,
    pub voucher_no: String,
    pub payee_account: String,
    pub invoice_no: String,
    pub approved_by: i64,
    pub approved_name: String,
    pub recorded_at: i64,
    pub reverses_id: Option<i64>,
    pub reason: Option<String>,
}

const ENTRY: &str = "SELECT e.id, e.contract_id, e.installment_pos, e.amount_fen, e.value_date, e.voucher_no, \
    e.payee_account, e.invoice_no, e.approved_by, u.display_name AS approved_name, e.recorded_at, e.reverses_id, e.reason \
    FROM ledger_entries e JOIN users u ON u.id = e.approved_by";

fn entry(r: &AnyRow) -> Result<LedgerEntry, sqlx::Error> {
    Ok(LedgerEntry {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        installment_pos: r.try_get("installment_pos")?,
        amount_fen: r.try_get("amount_fen")?,
        value_date: r.try_get("value_date")?,
        voucher_no: r.try_get("voucher_no")?,
        payee_account: r.try_get("payee_account")?,
        invoice_no: r.try_get("invoice_no")?,
        approved_by: r.try_get("approved_by")?,
        approved_name: r.try_get("approved_name")?,
        recorded_at: r.try_get("recorded_at")?,
        reverses_id: r.try_get("reverses_id")?,
        reason: r.try_get("reason")?,
    })
}

pub async fn entries(c: &mut Conn, contract: i64) -> AppResult<Vec<LedgerEntry>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE e.contract_id = $1 ORDER BY e.id"
    )))
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
}

/// The entry an idempotency key already recorded; a key is used once in the whole ledger.
async fn by_key(c: &mut Conn, key: &str) -> AppResult<Option<LedgerEntry>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE e.idempotency_key = $1"
    )))
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.as_ref().map(entry).transpose()?)
}

fn rule_entries(list: &[LedgerEntry]) -> Vec<Entry> {
    list.iter()
        .map(|e| Entry {
            id: e.id,
            installment: e.installment_pos,
            amount_fen: e.amount_fen,
            reverses: e.reverses_id,
        })
        .collect()
}

/// The sum of the add-on purchases.
pub async fn addons(c: &mut Conn, contract: i64) -> AppResult<i64> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM contract_changes WHERE contract_id = $1 AND kind = 'addon'",
    )
    .bind(contract)
    .fetch_one(&mut *c)
    .await?;
    Ok(n.unwrap_or(0))
}

/// Termination state of a contract: (terminated_at, settlement).
async fn termination(c: &mut Conn, contract: i64) -> AppResult<(Option<i64>, Option<i64>)> {
    Ok(
        sqlx::query_as("SELECT terminated_at, settlement_fen FROM contracts WHERE id = $1")
            .bind(contract)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// The payment cap: the settlement after a termination, otherwise the amount plus add-ons.
pub async fn cap(c: &mut Conn, k: &Contract) -> AppResult<i64> {
    let (_, settlement) = termination(c, k.id).await?;
    Ok(match settlement {
        Some(s) => s,
        None => k.amount_fen + addons(c, k.id).await?,
    })
}

/// When each installment's condition was met, if it was, and whether an unrectified 差 review
/// blocks payment.
#[derive(Debug, Clone, Serialize)]
pub struct InstallmentState {
    pub pos: i64,
    pub amount_fen: i64,
    pub condition: String,
    pub review_name: Option<String>,
    pub paid_fen: i64,
    pub payable_since: Option<i64>,
    pub blocked: bool,
    pub payable: bool,
    /// Its lifecycle state (waiting, blocked, payable, partly paid, paid).
    pub status: InstallmentStatus,
    #[serde(skip)]
    pub facts: InstallmentFacts,
    /// Days past the payment term while payable and not fully paid.
    pub overdue_days: Option<i64>,
}

/// The latest submitted review per milestone: (milestone, grade, submitted_at, rectified_at).
async fn reviews(
    c: &mut Conn,
    contract: i64,
) -> AppResult<Vec<(String, String, i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT r.milestone, r.grade, r.submitted_at, x.decided_at FROM perf_reviews r \
         LEFT JOIN rectifications x ON x.review_id = r.id \
         WHERE r.contract_id = $1 AND r.submitted_at IS NOT NULL ORDER BY r.submitted_at, r.id",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?)
}

pub async fn states(
    c: &mut Conn,
    k: &Contract,
    plan: &[Installment],
    list: &[LedgerEntry],
    now: i64,
    term_days: i64,
) -> AppResult<Vec<InstallmentState>> {
    let done: Vec<(String, ReviewStatus, i64, Option<i64>)> = reviews(c, k.id)
        .await?
        .into_iter()
        .map(|(milestone, grade, submitted, rectified)| {
            let status = ReviewStatus::of(true, Some(&grade), rectified.is_some());
            (milestone, status, submitted, rectified)
        })
        .collect();
    let blocked = done.iter().any(|r| r.1.blocks_payment());
    let accepted: Option<i64> =
        sqlx::query_scalar("SELECT accepted_at FROM contracts WHERE id = $1")
            .bind(k.id)
            .fetch_one(&mut *c)
            .await?;
    let ruled = rule_entries(list);
    Ok(plan
        .iter()
        .map(|i| {
            // The milestone's latest submitted review decides a review installment.
            let review = done
                .iter()
                .rev()
                .find(|r| Some(&r.0) == i.review_name.as_ref())
                .map(|r| (r.1, r.2, r.3));
            let since = rules::Condition::parse(&i.condition)
                .and_then(|cond| rules::met_at(cond, k.signed_at, accepted, review));
            let facts = InstallmentFacts {
                amount_fen: i.amount_fen,
                paid_fen: rules::paid_on(&ruled, i.pos),
                met_at: since,
                blocked,
            };
            let status = InstallmentStatus::of(&facts);
            let overdue_days = since
                .filter(|s| status.payable() && now > s + term_days * DAY_MS)
                .map(|s| (now - s) / DAY_MS - term_days);
            InstallmentState {
                pos: i.pos,
                amount_fen: i.amount_fen,
                condition: i.condition.clone(),
                review_name: i.review_name.clone(),
                paid_fen: facts.paid_fen,
                payable_since: since,
                blocked,
                payable: since.is_some() && !blocked,
                status,
                facts,
                overdue_days,
            }
        })
        .collect())
}

pub struct Payment<'a> {
    pub contract: i64,
    pub installment: i64,
    pub amount_fen: i64,
    pub value_date: Date,
    pub voucher_no: &'a str,
    pub payee_account: &'a str,
    pub invoice_no: &'a str,
    pub approved_by: i64,
    pub key: &'a str,
}

/// The outcome of recording: the entry, and whether this request created it (false: the
/// same idempotency key had already recorded it).
pub type Recorded = (i64, bool);

async fn lock_contract(p: &Procurement<'_>, c: &mut Conn, id: i64) -> AppResult<Contract> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM contracts WHERE id = $1 {}",
        p.db.for_update()
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?
    .ok_or(AppError::NotFound)?;
    contract::by_id(c, id).await?.ok_or(AppError::NotFound)
}

impl Procurement<'_> {
    /// Records a payment. `Ok(Err(refusal))` is a refusal shown on the form; nothing written.
    pub async fn record_payment(
        &self,
        pay: &Payment<'_>,
        user: i64,
        term_days: i64,
    ) -> AppResult<Result<Recorded, Refusal>> {
        let mut tx = self.db.begin_write().await?;
        let k = lock_contract(self, &mut tx, pay.contract).await?;
        if let Some(e) = by_key(&mut tx, pay.key).await? {
            // The same request again: its entry. A key from another request is not reused.
            if e.contract_id == k.id
                && e.reverses_id.is_none()
                && e.installment_pos == pay.installment
            {
                return Ok(Ok((e.id, false)));
            }
            return Ok(Err(Refusal::NotPayable));
        }
        let standing = crate::delivery::standing(&mut tx, &k, self.calendars.today()).await?;
        if standing.check(&Action::Pay).is_err() {
            return Ok(Err(Refusal::Suspended));
        }
        let list = entries(&mut tx, k.id).await?;
        let plan = contract::installments(&mut tx, k.id).await?;
        let now = self.clock.now_ms();
        let st = states(&mut tx, &k, &plan, &list, now, term_days).await?;
        let Some(s) = st.iter().find(|s| s.pos == pay.installment) else {
            return Ok(Err(Refusal::NotPayable));
        };
        let cap = cap(&mut tx, &k).await?;
        let action = InstallmentAction::Pay {
            amount_fen: pay.amount_fen,
        };
        if let Err(r) =
            rules::installment_transition(s.pos, &s.facts, &rule_entries(&list), cap, action)
        {
            return Ok(Err(r));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ledger_entries (contract_id, installment_pos, amount_fen, value_date, voucher_no, payee_account, \
             invoice_no, approved_by, recorded_by, recorded_at, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(k.id)
        .bind(s.pos)
        .bind(pay.amount_fen)
        .bind(iso_date(pay.value_date))
        .bind(pay.voucher_no)
        .bind(pay.payee_account)
        .bind(pay.invoice_no)
        .bind(pay.approved_by)
        .bind(user)
        .bind(now)
        .bind(pay.key)
        .fetch_one(&mut *tx)
        .await?;
        // The public history has the amount and the date, never the account.
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "payment",
                data: json!({ "contract": k.id, "installment": s.pos, "amount_fen": pay.amount_fen,
                     "value_date": iso_date(pay.value_date) }),
                action: "ledger.payment",
                entity: ("contract", k.id),
                summary: json!({ "entry": id, "installment": s.pos, "amount_fen": pay.amount_fen }),
            },
        )
        .await?;
        for admin in Procurement::org_admins(&mut tx, k.org_id).await? {
            self.mail(
                &mut tx,
                admin,
                json!({ "event": "payment", "title": k.title, "number": k.number,
                        "amount": crate::domain::money::Money::from_fen(pay.amount_fen).grouped(),
                        "value_date": iso_date(pay.value_date), "link": format!("contracts/{}", k.id) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok((id, true)))
    }

    /// Reverses a payment with a reason (the same idempotency rule).
    pub async fn reverse_payment(
        &self,
        contract: i64,
        original: i64,
        reason: &str,
        key: &str,
        user: i64,
    ) -> AppResult<Result<Recorded, &'static str>> {
        if reason.trim().chars().count() < 4 {
            return Ok(Err("err-reversal-reason"));
        }
        let mut tx = self.db.begin_write().await?;
        let k = lock_contract(self, &mut tx, contract).await?;
        if let Some(e) = by_key(&mut tx, key).await? {
            if e.contract_id == k.id && e.reverses_id == Some(original) {
                return Ok(Ok((e.id, false)));
            }
            return Ok(Err("err-pay-key"));
        }
        let list = entries(&mut tx, k.id).await?;
        let Some(o) = list.iter().find(|e| e.id == original) else {
            return Ok(Err("err-pay-unknown-original"));
        };
        let now = self.clock.now_ms();
        let plan = contract::installments(&mut tx, k.id).await?;
        let st = states(&mut tx, &k, &plan, &list, now, 0).await?;
        let Some(s) = st.iter().find(|s| s.pos == o.installment_pos) else {
            return Ok(Err("err-pay-unknown-original"));
        };
        let cap = cap(&mut tx, &k).await?;
        let action = InstallmentAction::Reverse { original };
        let r =
            match rules::installment_transition(s.pos, &s.facts, &rule_entries(&list), cap, action)
            {
                Ok((_, r)) => r,
                Err(e) => return Ok(Err(e.message_key())),
            };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ledger_entries (contract_id, installment_pos, amount_fen, value_date, voucher_no, payee_account, \
             invoice_no, approved_by, recorded_by, recorded_at, idempotency_key, reverses_id, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(k.id)
        .bind(r.installment)
        .bind(r.amount_fen)
        .bind(&o.value_date)
        .bind(&o.voucher_no)
        .bind(&o.payee_account)
        .bind(&o.invoice_no)
        .bind(o.approved_by)
        .bind(user)
        .bind(now)
        .bind(key)
        .bind(original)
        .bind(reason.trim())
        .fetch_one(&mut *tx)
        .await?;
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "payment_reversed",
                data: json!({ "contract": k.id, "installment": r.installment, "amount_fen": r.amount_fen,
                     "reverses": original, "reason": reason.trim() }),
                action: "ledger.reversal",
                entity: ("contract", k.id),
                summary: json!({ "entry": id, "reverses": original }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok((id, true)))
    }
}

impl Procurement<'_> {
    /// An add-on purchase (at most 10% of the signed amount in all), with its reason: a new
    /// installment of that amount with its condition.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_on(
        &self,
        contract: i64,
        amount_fen: i64,
        condition: &str,
        review_name: Option<&str>,
        reason: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        if reason.trim().chars().count() < 4 {
            return Ok(Err("err-change-reason"));
        }
        if !matches!(condition, "signing" | "review" | "acceptance")
            || (condition == "review" && review_name.is_none_or(|r| r.trim().chars().count() < 2))
        {
            return Ok(Err("err-plan-condition"));
        }
        let mut tx = self.db.begin_write().await?;
        let k = lock_contract(self, &mut tx, contract).await?;
        let standing = crate::delivery::standing(&mut tx, &k, self.calendars.today()).await?;
        if let Err(r) = standing.check(&Action::AddOn) {
            return Ok(Err(r.message_key()));
        }
        let before = addons(&mut tx, k.id).await?;
        if let Err(r) = rules::check_addon(k.amount_fen, before, amount_fen) {
            return Ok(Err(r.message_key()));
        }
        let now = self.clock.now_ms();
        sqlx::query(
            "INSERT INTO contract_changes (contract_id, kind, amount_fen, reason, by_user_id, at) VALUES ($1, 'addon', $2, $3, $4, $5)",
        )
        .bind(k.id)
        .bind(amount_fen)
        .bind(reason.trim())
        .bind(user)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let pos: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(pos), 0) + 1 FROM installments WHERE contract_id = $1",
        )
        .bind(k.id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO installments (contract_id, pos, amount_fen, condition, review_name) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(k.id)
        .bind(pos)
        .bind(amount_fen)
        .bind(condition)
        .bind(review_name.map(str::trim).filter(|_| condition == "review"))
        .execute(&mut *tx)
        .await?;
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "contract_addon",
                data: json!({ "contract": k.id, "amount_fen": amount_fen, "reason": reason.trim(), "installment": pos }),
                action: "contract.addon",
                entity: ("contract", k.id),
                summary: json!({ "amount_fen": amount_fen, "installment": pos }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Terminates the contract with a reason, settling the payment cap (not below what has
    /// been paid, not above the current cap).
    pub async fn terminate(
        &self,
        contract: i64,
        settlement_fen: i64,
        reason: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        if reason.trim().chars().count() < 4 {
            return Ok(Err("err-change-reason"));
        }
        let mut tx = self.db.begin_write().await?;
        let k = lock_contract(self, &mut tx, contract).await?;
        let standing = crate::delivery::standing(&mut tx, &k, self.calendars.today()).await?;
        if let Err(r) = standing.check(&Action::Terminate) {
            return Ok(Err(r.message_key()));
        }
        let list = entries(&mut tx, k.id).await?;
        let cap = cap(&mut tx, &k).await?;
        if let Err(r) = rules::check_termination(&rule_entries(&list), cap, settlement_fen) {
            return Ok(Err(r.message_key()));
        }
        let now = self.clock.now_ms();
        sqlx::query("UPDATE contracts SET terminated_at = $2, settlement_fen = $3 WHERE id = $1 AND terminated_at IS NULL")
            .bind(k.id)
            .bind(now)
            .bind(settlement_fen)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO contract_changes (contract_id, kind, amount_fen, reason, by_user_id, at) VALUES ($1, 'termination', $2, $3, $4, $5)",
        )
        .bind(k.id)
        .bind(settlement_fen)
        .bind(reason.trim())
        .bind(user)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "contract_terminated",
                data: json!({ "contract": k.id, "settlement_fen": settlement_fen, "reason": reason.trim() }),
                action: "contract.terminated",
                entity: ("contract", k.id),
                summary: json!({ "settlement_fen": settlement_fen }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Records the final acceptance (验收), once, when the lifecycle allows it: every milestone
    /// accepted, the term ended or a reason for completing early, nothing suspending it.
    /// Installments after acceptance become payable.
    pub async fn accept_final(
        &self,
        contract: i64,
        early_reason: &str,
        user: i64,
    ) -> AppResult<Result<(), Life>> {
        let mut tx = self.db.begin_write().await?;
        let k = lock_contract(self, &mut tx, contract).await?;
        let standing = crate::delivery::standing(&mut tx, &k, self.calendars.today()).await?;
        let reason = Some(early_reason.trim()).filter(|r| !r.is_empty());
        let (_, events) = match standing.check(&Action::AcceptFinal {
            early_reason: reason.map(str::to_string),
        }) {
            Ok(t) => t,
            Err(r) => return Ok(Err(r)),
        };
        let early = events
            .iter()
            .any(|e| matches!(e, crate::delivery::rules::Event::Accepted { early: true }));
        let reason = reason.filter(|_| early);
        let now = self.clock.now_ms();
        if !crate::delivery::store::set_accepted(&mut tx, k.id, user, now, reason).await? {
            return Ok(Err(Life::Accepted));
        }
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "contract_accepted",
                data: json!({ "contract": k.id, "early": early, "early_reason": reason }),
                action: "contract.accepted",
                entity: ("contract", k.id),
                summary: json!({ "early": early }),
            },
        )
        .await?;
        self.mail_payable(&mut tx, &k, None).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}

/// What a contract page shows of the money: the cap, paid, remaining, each installment's
/// state and the entries.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub cap_fen: i64,
    pub addons_fen: i64,
    pub paid_fen: i64,
    pub remaining_fen: i64,
    pub installments: Vec<InstallmentState>,
    pub entries: Vec<LedgerEntry>,
    pub terminated_at: Option<i64>,
    pub accepted_at: Option<i64>,
    /// Where the contract stands in its lifecycle (suspended, and why).
    pub standing: crate::delivery::Standing,
}

pub async fn summary(c: &mut Conn, k: &Contract, now: i64) -> AppResult<Summary> {
    let term = crate::db::settings::snapshot(c, now)
        .await?
        .int("payment.term_days")
        .unwrap_or(30);
    let list = entries(c, k.id).await?;
    let plan = contract::installments(c, k.id).await?;
    let installments = states(c, k, &plan, &list, now, term).await?;
    let cap_fen = cap(c, k).await?;
    let paid_fen = rules::paid(&rule_entries(&list));
    let (terminated_at, _) = termination(c, k.id).await?;
    let accepted_at: Option<i64> =
        sqlx::query_scalar("SELECT accepted_at FROM contracts WHERE id = $1")
            .bind(k.id)
            .fetch_one(&mut *c)
            .await?;
    Ok(Summary {
        cap_fen,
        addons_fen: addons(c, k.id).await?,
        paid_fen,
        remaining_fen: cap_fen - paid_fen,
        installments,
        entries: list,
        terminated_at,
        accepted_at,
        standing: crate::delivery::standing(
            c,
            k,
            crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(now)),
        )
        .await?,
    })
}

/// The contract changes (add-ons and termination), oldest first: (kind, amount, reason, at).
pub async fn changes(c: &mut Conn, contract: i64) -> AppResult<Vec<(String, i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT kind, amount_fen, reason, at FROM contract_changes WHERE contract_id = $1 ORDER BY id",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?)
}
