//! Evaluation work: the expert's sheets and panel seats, the evaluation officer's
//! applications, rounds, objections, downgrades and void certificates to be returned.

use super::{date, Push};
use crate::db::Conn;
use crate::deadlines::store::queue as store;
use crate::domain::calendar::parse_iso_date;

/// An expert's evaluation sheets (declare first, then score) and procurement panel seats.
pub(super) async fn expert(c: &mut Conn, user: i64, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, Option<i64>, String, String)> = store::expert_sheets(c, user).await?;
    for (id, declared, org, due) in p.capped("queue-expert-sheet", "/scoring", rows) {
        let what = if declared.is_some() {
            "queue-expert-sheet"
        } else {
            "queue-expert-declare"
        };
        p.add(what, id, org, date(&due), format!("/scoring/{id}"));
    }
    let seats: Vec<(i64, Option<i64>, String, i64)> = store::panel_seats(c, user).await?;
    for (id, declared, title, drawn_at) in p.capped("queue-panel-score", "", seats) {
        let what = if declared.is_some() {
            "queue-panel-score"
        } else {
            "queue-panel-declare"
        };
        // The sheet is due by the end of the working day after the panel was drawn (the
        // reminder goes out then).
        let due = crate::procurement::award::end_of_working_days(p.cal, drawn_at, 1);
        // The end of that day is the next day's first moment: the last day is the one before.
        let due = crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(due - 1));
        p.add(what, id, title, Some((due, true)), format!("/panel/{id}"));
    }
    Ok(())
}

pub(super) async fn evaluation_officer(
    c: &mut Conn,
    authorities: &[i64],
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    // Applications that still need experts (three who have not stepped aside).
    let apps: Vec<(i64, String, String)> =
        store::applications_without_experts(c, authorities).await?;
    for (id, org, due) in p.capped("queue-eval-assign", "/evaluation", apps) {
        p.add(
            "queue-eval-assign",
            id,
            org,
            date(&due),
            format!("/evaluation/applications/{id}"),
        );
    }
    // Rounds by phase: ready for the committee, for the notice, for the announcement.
    let rounds: Vec<(i64, String, String, Option<String>, i64, i64)> =
        store::rounds_in_progress(c, authorities).await?;
    // The round's next step, asked of its lifecycle: whichever action it would take now.
    for (id, title, status, notice_to, apps, in_review) in
        p.capped("queue-eval-committee", "/evaluation", rounds)
    {
        use crate::domain::eval_life::{round_transition, RoundAction, RoundStatus};
        let Some(status) = RoundStatus::parse(&status) else {
            continue;
        };
        let link = format!("/evaluation/rounds/{id}");
        let notice_ended = notice_to
            .as_deref()
            .and_then(parse_iso_date)
            .is_some_and(|d| d < p.today);
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        let next = [
            (
                RoundAction::HoldCommittee {
                    applications: count(apps),
                    in_review: count(in_review),
                },
                "queue-eval-committee",
            ),
            (RoundAction::PublishNotice, "queue-eval-notice"),
            (
                RoundAction::Announce {
                    notice_ended,
                    unanswered: 0,
                },
                "queue-eval-announce",
            ),
        ]
        .into_iter()
        .find(|(a, _)| round_transition(status, *a).is_ok());
        if let Some((_, what)) = next {
            p.add(what, id, title, None, link);
        }
    }
    let objections: Vec<(i64, String, String)> = store::open_objections(c, authorities).await?;
    for (id, org, due) in p.capped("queue-eval-objection", "/evaluation/objections", objections) {
        p.add(
            "queue-eval-objection",
            id,
            org,
            date(&due),
            "/evaluation/objections".into(),
        );
    }
    // A void certificate is due back within 15 days of its grade's end (issue 22, item 15).
    let certificates = store::certificates_to_return(c, authorities).await?;
    for (id, org, due) in p.capped(
        "queue-eval-certificate-return",
        "/evaluation/downgrades#certificates",
        certificates,
    ) {
        p.add(
            "queue-eval-certificate-return",
            id,
            org,
            date(&due),
            "/evaluation/downgrades#certificates".into(),
        );
    }
    let downgrades: Vec<(i64, String)> = store::undecided_downgrades(c).await?;
    for (id, org) in p.capped("queue-eval-downgrade", "/evaluation/downgrades", downgrades) {
        p.add(
            "queue-eval-downgrade",
            id,
            org,
            None,
            "/evaluation/downgrades".into(),
        );
    }
    Ok(())
}
