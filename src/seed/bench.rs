//! Set-up and checks for `bench/bid_crunch.py` (hidden CLI commands): bidders — organizations
//! with a confirmed admin each — and a published consultation whose deadline is seconds away;
//! afterwards, a check that every stored bid of the project decrypts and matches its digest.

use crate::db::orgs::MemberKind;
use crate::db::projects::{self as store, Criterion, NewProject};
use crate::db::{orgs, users, Db};
use crate::platform::audit::Actor;
use crate::platform::clock::Clock;
use crate::platform::config::Resolved;
use crate::platform::ids::{OrgId, PersonId};
use crate::procurement::sealing::Sealer;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Creates `n` bidders (admins of registered organizations that have no members yet) and a
/// published consultation closing `deadline_secs` from now. Prints the project number, the
/// deadline and one `email org` line per bidder.
pub async fn bidders(
    db: &Db,
    resolved: &Resolved,
    clock: &Clock,
    n: i64,
    deadline_secs: i64,
    password: &str,
) -> Result<(), String> {
    let hash = crate::platform::auth::password::hash(password, resolved.config.password_hash)?;
    let now = clock.now_ms();
    let mut tx = db.begin_write().await.map_err(err)?;
    let free: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM organizations o WHERE status = 'registered' AND NOT EXISTS \
         (SELECT 1 FROM memberships m WHERE m.org_id = o.id) ORDER BY id LIMIT $1",
    )
    .bind(n)
    .fetch_all(&mut *tx)
    .await
    .map_err(err)?;
    if (free.len() as i64) < n {
        return Err(format!(
            "only {} organizations without members; run `huoban demo --orgs {n}` first",
            free.len()
        ));
    }
    let mut lines = Vec::new();
    for (i, org) in free.iter().enumerate() {
        let email = format!("bidder{i}@bench.huoban.test");
        let user = users::create_confirmed(&mut tx, &email, "投标人", &hash, now)
            .await
            .map_err(err)?;
        let person: i64 = sqlx::query_scalar("SELECT person_id FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        orgs::add(
            &mut tx,
            orgs::NewMembership {
                org: OrgId(*org),
                person: PersonId(person),
                user: Some(user),
                kind: MemberKind::Admin,
                joined_on: "2020-01-01",
                created_by: None,
                now,
            },
        )
        .await
        .map_err(err)?;
        lines.push(format!("{email} {org}"));
    }
    let department: i64 = sqlx::query_scalar("SELECT MIN(id) FROM departments")
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
    let creator: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users")
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
    let number = format!("BENCH-{now}");
    let deadline = now + deadline_secs * 1000;
    let id = store::create(
        &mut tx,
        &NewProject {
            number: &number,
            kind: "procurement",
            department_id: department,
            title: "投标高峰压力测试项目",
            category_code: "social-work",
            requirements: "压力测试：截止前最后 60 秒内大量投标。".repeat(2).as_str(),
            budget_fen: 100_000_000,
            max_price_fen: None,
            method: "consultation",
            price_weight_pct: 30,
            tie_rule: "random",
            grade_use: "none",
            intention_id: None,
            city_division: None,
            min_grade: None,
            need_inspection: false,
            min_bids: 3,
            notice_at: Some(now),
            deadline_at: Some(deadline),
            technically_complex: false,
        },
        creator,
        now,
    )
    .await
    .map_err(err)?;
    store::set_criteria(
        &mut tx,
        id,
        &[Criterion {
            name: "服务方案".into(),
            max_centi: 7000,
            guidance: String::new(),
        }],
    )
    .await
    .map_err(err)?;
    let draft = crate::db::projects::by_id(&mut tx, id)
        .await
        .map_err(err)?
        .ok_or_else(|| err("the project just created"))?;
    crate::db::projects::advance(
        &mut tx,
        &draft,
        crate::domain::project::Action::Publish,
        draft.created_at,
    )
    .await
    .map_err(|e| err(e.to_string()))?;
    crate::platform::app::auditor(resolved, db)
        .record(
            &mut tx,
            now,
            Actor::Cli,
            "bench.bidders",
            ("project", id.to_string()),
            serde_json::json!({ "bidders": n }),
        )
        .await
        .map_err(err)?;
    tx.commit().await.map_err(err)?;
    println!("project {number}");
    println!("deadline_ms {deadline}");
    for l in lines {
        println!("{l}");
    }
    Ok(())
}

/// Decrypts every bid of the project (every status) and compares it with its digest. Prints
/// `bid digest ok|BAD` per bid and a summary; fails if any is bad.
pub async fn verify(db: &Db, resolved: &Resolved, number: &str) -> Result<(), String> {
    let sealer = Sealer::new(&resolved.keys.bid_sealing);
    let mut c = db.acquire().await.map_err(err)?;
    let p = store::by_number(&mut c, number)
        .await
        .map_err(err)?
        .ok_or("no such project")?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM bids WHERE project_id = $1 ORDER BY id")
        .bind(p.id)
        .fetch_all(&mut *c)
        .await
        .map_err(err)?;
    let (mut ok, mut bad) = (0, 0);
    for id in ids {
        let Some(b) = crate::db::bids::by_id(&mut c, id).await.map_err(err)? else {
            continue;
        };
        let good = sealer
            .open_bid(p.id, b.round, b.org_id, &b.envelope, &b.sealed)
            .is_ok_and(|content| content.digest() == b.digest);
        println!(
            "{} {} {} {}",
            b.id,
            b.digest,
            b.submitted_at,
            if good { "ok" } else { "BAD" }
        );
        if good {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    println!("verified {ok} bad {bad}");
    if bad > 0 {
        return Err(format!("{bad} bid(s) do not decrypt to their digest"));
    }
    Ok(())
}
