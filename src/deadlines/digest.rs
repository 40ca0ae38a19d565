//! The daily reminder: once a Beijing day, each person with work waiting gets one mail listing
//! it, built from the same list as their dashboard, in their language. A person is mailed at
//! most once a day (the day is recorded with the mail in one transaction).

use super::{tasks, Scope, Task};
use crate::db::{orgs, roles, users, Db};
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::lang::Lang;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::calendars::Calendars;
use crate::platform::clock::Clock;
use crate::platform::error::AppResult;
use crate::platform::i18n::{t, t_args};
use crate::platform::mail::{Mailer, Recipient};
use serde_json::json;

/// One line of the digest, already in the reader's language.
fn line(lang: Lang, k: &Task) -> serde_json::Value {
    if k.is_more() {
        // A list cut short: which kind, and where the rest is.
        let cap = super::store::queue::CAP.to_string();
        let link = if k.link.is_empty() {
            "/dashboard"
        } else {
            k.link.as_str()
        };
        return json!({ "what": t(lang, &k.subject), "subject": t_args(lang, "tasks-more", &[("n", cap)]),
                       "due_on": "", "left": t(lang, "tasks-more-all"), "working": false, "at": null,
                       "overdue": false, "link": link });
    }
    let left = if k.due_on.is_empty() {
        t(lang, "tasks-no-due")
    } else {
        let key = match (k.days_left < 0, k.working) {
            (true, true) => "tasks-overdue-working",
            (true, false) => "tasks-overdue-days",
            (false, true) => "tasks-left-working",
            (false, false) => "tasks-left-days",
        };
        t_args(lang, key, &[("n", k.days_left.abs().to_string())])
    };
    json!({ "what": t(lang, &k.what), "subject": k.subject, "due_on": k.due_on,
            "left": left, "working": k.working, "at": k.at, "overdue": !k.due_on.is_empty() && k.days_left < 0, "link": k.link })
}

/// Mails today's digest to everyone with work waiting who has not had it today; how many.
pub async fn send(
    db: &Db,
    clock: &Clock,
    calendars: &Calendars,
    mailer: &Mailer,
) -> AppResult<usize> {
    let now = clock.now_ms();
    let today = shanghai_date(clock.now());
    let day = iso_date(today);
    let cal = calendars.now();
    let people: Vec<i64> = {
        let mut c = db.acquire().await?;
        super::store::digest_recipients(&mut c, &day).await?
    };
    let mut sent = 0;
    for id in people {
        let mut tx = db.begin_write().await?;
        let Some(user) = users::by_id(&mut tx, crate::platform::ids::UserId(id)).await? else {
            continue;
        };
        let who = CurrentUser {
            grants: roles::active_for_user(&mut tx, user.id).await?,
            memberships: orgs::active_for_user(&mut tx, user.id).await?,
            user,
        };
        let list = tasks(&mut tx, &Scope::of(&who), &cal, today, now).await?;
        if list.is_empty() {
            continue;
        }
        if !super::store::claim_digest(&mut tx, id, &day, list.len(), now).await? {
            continue;
        }
        let lang = Lang::parse(&who.user.preferred_lang).unwrap_or(Lang::ZhCn);
        let overdue = list
            .iter()
            .filter(|k| !k.due_on.is_empty() && k.days_left < 0)
            .count();
        mailer
            .queue(
                &mut tx,
                Recipient {
                    addr: &who.user.email,
                    user: Some(who.user.id),
                    lang,
                },
                "digest",
                &json!({ "name": who.user.display_name, "day": day, "count": super::TaskCount::of(&list).shown(),
                         "overdue": overdue,
                         "tasks": list.iter().map(|k| line(lang, k)).collect::<Vec<_>>() }),
                now,
            )
            .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
