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
use crate::domain::milestone::Milestone;
use crate::domain::performance::ReviewStatus;
use crate::platform::error::{AppError, AppResult};
use crate::procurement::Procurement;
use serde::Serialize;
use serde_json::json;
use time::Date;

const DAY_MS: i64 = 86_400_000;

use super::store::ledger as store;
pub use super::store::ledger::{addons, changes, entries, LedgerEntry};

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

/// The payment cap: the settlement after a termination, otherwise the amount plus add-ons.
pub async fn cap(c: &mut Conn, k: &Contract) -> AppResult<i64> {
    let (_, settlement) = store::termination(c, k.id).await?;
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
    /// Its lifecycle state (waiting, blocked, payable, partly paid, paid).
    pub status: InstallmentStatus,
    #[serde(skip)]
    pub facts: InstallmentFacts,
    /// Days past the payment term while payable and not fully paid.
    pub overdue_days: Option<i64>,
}

pub async fn states(
    c: &mut Conn,
    k: &Contract,
    plan: &[Installment],
    list: &[LedgerEntry],
    now: i64,
    term_days: i64,
) -> AppResult<Vec<InstallmentState>> {
    let reviews = store::submitted_reviews(c, k.id).await?;
    let accepted = store::accepted_at(c, k.id).await?;
    let read = Read {
        plan,
        list,
        reviews: &reviews,
        accepted,
    };
    Ok(states_of(k, &read, now, term_days))
}

/// What the installments' states are worked out from, as read: the plan, the ledger entries,
/// the submitted reviews oldest first (milestone, grade, submitted, rectified) and the final
/// acceptance.
struct Read<'a> {
    plan: &'a [Installment],
    list: &'a [LedgerEntry],
    reviews: &'a [(String, String, i64, Option<i64>)],
    accepted: Option<i64>,
}

/// The installments' states from what was read (`states`, `payable_now_many`).
fn states_of(k: &Contract, read: &Read<'_>, now: i64, term_days: i64) -> Vec<InstallmentState> {
    let done: Vec<(String, ReviewStatus, i64, Option<i64>)> = read
        .reviews
        .iter()
        .map(|(milestone, grade, submitted, rectified)| {
            let status = ReviewStatus::of(true, Some(grade), rectified.is_some());
            (milestone.clone(), status, *submitted, *rectified)
        })
        .collect();
    let blocked = done.iter().any(|r| r.1.blocks_payment());
    let accepted = read.accepted;
    let ruled = rule_entries(read.list);
    read.plan
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
                status,
                facts,
                overdue_days,
            }
        })
        .collect()
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
    if !store::lock_contract(c, id, p.db.for_update()).await? {
        return Err(AppError::NotFound);
    }
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
        if let Some(e) = store::entry_by_key(&mut tx, pay.key).await? {
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
        let id = store::insert_payment(
            &mut tx,
            &store::NewEntry {
                contract: k.id,
                installment: s.pos,
                amount_fen: pay.amount_fen,
                value_date: &iso_date(pay.value_date),
                voucher_no: pay.voucher_no,
                payee_account: pay.payee_account,
                invoice_no: pay.invoice_no,
                approved_by: pay.approved_by,
                recorded_by: user,
                recorded_at: now,
                key: pay.key,
            },
        )
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
        if let Some(e) = store::entry_by_key(&mut tx, key).await? {
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
        let id = store::insert_reversal(
            &mut tx,
            &store::NewEntry {
                contract: k.id,
                installment: r.installment,
                amount_fen: r.amount_fen,
                value_date: &o.value_date,
                voucher_no: &o.voucher_no,
                payee_account: &o.payee_account,
                invoice_no: &o.invoice_no,
                approved_by: o.approved_by,
                recorded_by: user,
                recorded_at: now,
                key,
            },
            original,
            reason.trim(),
        )
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
        let review = rules::Condition::parse(condition) == Some(rules::Condition::Review);
        if rules::Condition::parse(condition).is_none() {
            return Ok(Err("err-plan-condition"));
        }
        let milestone = match review_name.filter(|_| review).map(Milestone::parse) {
            Some(Ok(m)) => Some(m),
            Some(Err(_)) => return Ok(Err("err-plan-review-name")),
            None if review => return Ok(Err("err-plan-review-name")),
            None => None,
        };
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
        store::insert_addon(
            &mut tx,
            &store::NewChange {
                contract: k.id,
                amount_fen,
                reason: reason.trim(),
                by: user,
                at: now,
            },
        )
        .await?;
        let pos = store::next_installment_pos(&mut tx, k.id).await?;
        super::store::contracts::insert_installment(
            &mut tx,
            k.id,
            pos,
            amount_fen,
            condition,
            milestone.as_ref(),
        )
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
        // Compare-and-set on `terminated_at`: a termination recorded meanwhile is reported,
        // never written over (the lock and the standing above make this the rare case).
        if !store::set_terminated(&mut tx, k.id, now, settlement_fen).await? {
            return Ok(Err(Life::Terminated.message_key()));
        }
        store::insert_termination(
            &mut tx,
            &store::NewChange {
                contract: k.id,
                amount_fen: settlement_fen,
                reason: reason.trim(),
                by: user,
                at: now,
            },
        )
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

/// The contract's installments that can be paid now, each with what is left of it within the
/// contract's cap (`term_days`: the payment term, for the days overdue).
pub async fn payable_now(
    c: &mut Conn,
    k: &Contract,
    now: i64,
    term_days: i64,
) -> AppResult<Vec<(InstallmentState, i64)>> {
    let list = entries(c, k.id).await?;
    let plan = contract::installments(c, k.id).await?;
    let states = states(c, k, &plan, &list, now, term_days).await?;
    let remaining = cap(c, k).await? - rules::paid(&rule_entries(&list));
    Ok(payable_of(states, remaining))
}

/// The payable installments with what can still be paid on each: the installment's rest,
/// within what the contract's cap leaves (`remaining`).
fn payable_of(states: Vec<InstallmentState>, remaining: i64) -> Vec<(InstallmentState, i64)> {
    states
        .into_iter()
        .filter_map(|i| {
            let left = (i.amount_fen - i.paid_fen).min(remaining);
            (i.status.payable() && left > 0).then_some((i, left))
        })
        .collect()
}

/// `payable_now` of each contract of `ids` (a page of an overview), in the order of `ids`,
/// read together: five queries whatever the number of contracts (each contract alone took
/// seven, 280 for a page of the finance overview). A contract not found is left out.
pub async fn payable_now_many(
    c: &mut Conn,
    ids: &[i64],
    now: i64,
    term_days: i64,
) -> AppResult<Vec<(Contract, Vec<(InstallmentState, i64)>)>> {
    use super::store::contracts as kstore;
    let contracts = kstore::by_ids(c, ids).await?;
    let plans = kstore::installments_of(c, ids).await?;
    let entries = store::entries_of(c, ids).await?;
    let reviews = store::submitted_reviews_of(c, ids).await?;
    let facts = store::cap_facts_of(c, ids).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let (Some(k), Some(&(_, _, settlement, accepted, addons))) = (
            contracts.iter().find(|k| k.id == *id),
            facts.iter().find(|f| f.0 == *id),
        ) else {
            continue;
        };
        let plan: Vec<Installment> = plans
            .iter()
            .filter(|(k, _)| k == id)
            .map(|(_, i)| i.clone())
            .collect();
        let list: Vec<LedgerEntry> = entries
            .iter()
            .filter(|e| e.contract_id == *id)
            .cloned()
            .collect();
        let done: Vec<(String, String, i64, Option<i64>)> = reviews
            .iter()
            .filter(|r| r.0 == *id)
            .map(|r| (r.1.clone(), r.2.clone(), r.3, r.4))
            .collect();
        let read = Read {
            plan: &plan,
            list: &list,
            reviews: &done,
            accepted,
        };
        let states = states_of(k, &read, now, term_days);
        // The payment cap (`cap`): the settlement after a termination, otherwise the amount
        // plus add-ons.
        let cap = settlement.unwrap_or(k.amount_fen + addons);
        let remaining = cap - rules::paid(&rule_entries(&list));
        out.push((k.clone(), payable_of(states, remaining)));
    }
    Ok(out)
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
    let (terminated_at, _) = store::termination(c, k.id).await?;
    let accepted_at = store::accepted_at(c, k.id).await?;
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
