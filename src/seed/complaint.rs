//! A complaint case in the demo (issue 21 item 5), so the procurement supervisor has a file to
//! decide: on the opened tender, one bidder challenged the process two days after the opening,
//! the purchaser answered two days later, and the bidder complained yesterday. The complaint's
//! 30 working days run from its filing; the register of clocks picks it up at start.

use crate::db::challenges::{self, NewChallenge, NewComplaint};
use crate::db::projects;
use crate::db::Conn;
use crate::domain::calendar::{end_of_day, shanghai_date, Calendar};
use crate::platform::clock::{from_ms, to_ms};
use crate::platform::error::{AppError, AppResult};
use serde_json::json;

const DAY: i64 = 24 * 3600 * 1000;

/// The end of the `n`th working day after the day of `at` (Beijing), by the shipped calendar.
fn working_days_after(at: i64, n: u32) -> AppResult<i64> {
    let cal = Calendar::built_in().map_err(|e| AppError::Internal(format!("calendar: {e}")))?;
    let day = cal.add_working_days(shanghai_date(from_ms(at)), n);
    Ok(to_ms(end_of_day(day)))
}

pub async fn seed(c: &mut Conn, project_number: &str, org: i64, now: i64) -> AppResult<()> {
    let user: i64 = sqlx::query_scalar(
        "SELECT MIN(user_id) FROM memberships WHERE org_id = $1 AND user_id IS NOT NULL",
    )
    .bind(org)
    .fetch_one(&mut *c)
    .await?;
    let purchaser: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind("purchaser@demo.huoban.cn")
        .fetch_one(&mut *c)
        .await?;
    let p = projects::by_number(c, project_number)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo project {project_number}")))?;
    let opened = crate::db::bids::openings(c, p.id)
        .await?
        .into_iter()
        .map(|o| o.opened_at)
        .min()
        .ok_or_else(|| AppError::Internal("the demo tender has no opening".into()))?;
    let filed = opened + 2 * DAY;
    let due = working_days_after(filed, 7)?;
    let ch = challenges::add(
        c,
        &NewChallenge {
            project: p.id,
            round: p.round,
            org,
            user,
            kind: "challenge",
            target: "process",
            step: Some("opening"),
            body: "开标记录显示我方投标文件递交时间晚于实际递交时间约两小时，可能影响评审对我方响应及时性的判断。请采购人核实递交记录并说明开标过程是否符合采购文件规定。",
            filed_at: filed,
            due_at: due,
            suspends: true,
        },
    )
    .await?;
    projects::add_event(
        c,
        p.id,
        p.round,
        "challenge",
        &json!({ "challenge": ch, "target": "process", "due_at": due, "suspends": true }),
        None,
        filed,
    )
    .await?;
    let answered = filed + 2 * DAY;
    challenges::answer(
        c,
        ch,
        "经核对电子交易系统日志，开标记录中的递交时间为系统生成的加密文件上传完成时间，与贵方所述的开始上传时间不同；递交时间不作为评审因素，开标过程符合采购文件第四章规定。质疑事项不成立。",
        purchaser,
        answered,
    )
    .await?;
    projects::add_event(
        c,
        p.id,
        p.round,
        "challenge_answered",
        &json!({ "challenge": ch, "late": false }),
        Some(purchaser),
        answered,
    )
    .await?;
    let complained = now - DAY;
    let complaint_due = working_days_after(complained, 30)?;
    let k = challenges::add_complaint(
        c,
        &NewComplaint {
            challenge: ch,
            project: p.id,
            org,
            user,
            body: "采购人的答复未提供系统日志原件，也未说明递交时间记录口径在采购文件中的依据。请监督部门调取电子交易系统日志，核实开标记录是否准确，并审查评审中是否使用了递交时间。",
            filed_at: complained,
            due_at: complaint_due,
        },
    )
    .await?;
    projects::add_event(
        c,
        p.id,
        p.round,
        "complaint",
        &json!({ "complaint": k, "challenge": ch, "due_at": complaint_due }),
        None,
        complained,
    )
    .await?;
    Ok(())
}
