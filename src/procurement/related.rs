//! Related suppliers (政府采购法实施条例 art. 18): an organization declares its person in charge
//! and the units that directly control or manage it or that it directly controls or manages;
//! with the legal representative the registry already holds, these decide whether two bidders
//! are related. The second of two related bidders is refused at sealing with the reason (not
//! the other's name: who bid stays secret until the opening); a pair found after both sealed
//! (a declaration made later, a change of legal representative) is flagged on the
//! qualification page, where the purchaser decides.

use crate::db::relations::{self as store, Declared, NewDeclaration};
use crate::db::Conn;
use crate::domain::related::{self as rules, Flag, Party, Relation};
use crate::platform::audit::Actor;
use crate::platform::error::AppResult;
use crate::platform::ids::UserId;
use crate::procurement::Procurement;
use serde_json::json;
use std::collections::HashMap;

/// The refusal at sealing, by relation.
pub fn refusal(r: Relation) -> &'static str {
    match r {
        Relation::SameHead => "err-bid-related-same_head",
        Relation::Control => "err-bid-related-control",
    }
}

/// What is known of one organization for the rule.
pub async fn party(c: &mut Conn, org: i64) -> AppResult<Party> {
    let (_, uscc) = store::identity(c, org).await?;
    let mut p = Party {
        org,
        uscc,
        heads: store::registry_heads(c, org).await?,
        ..Party::default()
    };
    for d in store::current(c, org).await? {
        match d.kind.as_str() {
            "head" => p.heads.push(d.value),
            "controlled_by" => p.controlled_by.push(d.value),
            "controls" => p.controls.push(d.value),
            _ => {}
        }
    }
    Ok(p)
}

/// How the organization is related to one that has already sealed a bid in the round, if it is.
pub async fn related_to_sealed(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
) -> AppResult<Option<Relation>> {
    let me = party(c, org).await?;
    for other in store::sealed_bidders(c, project, round).await? {
        if other == org {
            continue;
        }
        if let Some(r) = rules::relation(&me, &party(c, other).await?) {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// The related pairs among opened bids (`(bid, org, org name)`): bid → the others it is
/// related to.
pub async fn flags(
    c: &mut Conn,
    bids: &[(i64, i64, String)],
) -> AppResult<HashMap<i64, Vec<Flag>>> {
    let mut parties = Vec::new();
    for (_, org, _) in bids {
        parties.push(party(c, *org).await?);
    }
    let mut out: HashMap<i64, Vec<Flag>> = HashMap::new();
    for (i, j, relation) in rules::pairs(&parties) {
        out.entry(bids[i].0).or_default().push(Flag {
            other: bids[j].2.clone(),
            relation,
        });
        out.entry(bids[j].0).or_default().push(Flag {
            other: bids[i].2.clone(),
            relation,
        });
    }
    Ok(out)
}

/// A declaration as the organization's admin makes it, parsed by the route: the ID number is
/// already a keyed hash, a unit's code already a checked USCC.
pub struct Declaration<'a> {
    pub kind: &'a str,
    pub value: &'a str,
    pub label: &'a str,
}

pub async fn declared(c: &mut Conn, org: i64) -> AppResult<Vec<Declared>> {
    Ok(store::current(c, org).await?)
}

impl Procurement<'_> {
    /// Records a declaration; a new person in charge ends the one before. `Ok(Err(key))` is a
    /// refusal shown on the form.
    pub async fn declare_relation(
        &self,
        org: i64,
        d: &Declaration<'_>,
        user: UserId,
    ) -> AppResult<Result<i64, &'static str>> {
        if !rules::KINDS.contains(&d.kind) {
            return Ok(Err("err-related-kind"));
        }
        let len = d.label.trim().chars().count();
        if !(2..=100).contains(&len) {
            return Ok(Err("err-related-label"));
        }
        let mut tx = self.db.begin_write().await?;
        let (_, own) = store::identity(&mut tx, org).await?;
        if d.kind != "head" && own.as_deref() == Some(d.value) {
            return Ok(Err("err-related-self"));
        }
        let now = self.clock.now_ms();
        let current = store::current(&mut tx, org).await?;
        if d.kind != "head"
            && current
                .iter()
                .any(|x| x.kind == d.kind && x.value == d.value)
        {
            return Ok(Err("err-related-duplicate"));
        }
        if d.kind == "head" {
            store::end_kind(&mut tx, org, "head", user.0, now).await?;
        }
        let id = store::add(
            &mut tx,
            &NewDeclaration {
                org,
                kind: d.kind,
                value: d.value,
                label: d.label.trim(),
                by: user.0,
                at: now,
            },
        )
        .await?;
        // The audit names the kind only: an ID number's hash is not a summary.
        self.audit(
            &mut tx,
            Actor::User(user),
            "org.relation_declared",
            ("organization", org),
            json!({ "declaration": id, "kind": d.kind }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Ends one of the organization's declarations; whether there was one in force.
    pub async fn end_relation(&self, org: i64, id: i64, user: UserId) -> AppResult<bool> {
        let mut tx = self.db.begin_write().await?;
        let ended = store::end(&mut tx, id, org, user.0, self.clock.now_ms()).await?;
        if ended {
            self.audit(
                &mut tx,
                Actor::User(user),
                "org.relation_ended",
                ("organization", org),
                json!({ "declaration": id }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ended)
    }
}
