//! A procurement round's evaluation panel: the draw (seed, candidates, exclusions), the seats
//! and their status (compare-and-set on `seated`), a seated panelist's declaration, scoring
//! sheet and reminder. The panel and scoring services (`procurement::panel`,
//! `procurement::panel_scoring`) keep their transactions, decisions, audit and mail.

use super::Conn;

/// A panel as stored: (id, seed, size, candidates JSON, excluded JSON, drawn_at).
pub type PanelRow = (i64, String, i64, String, String, i64);

/// A panel member with the user's name: (id, user, name, kind, status, reason, replaces).
pub type MemberRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
);

/// A seat with its project: (member, user, status, declared_at, submitted_at, project).
pub type SeatRow = (i64, i64, String, Option<i64>, Option<i64>, i64);

/// The panel drawn for a project's round, if any.
pub async fn of_round(
    c: &mut Conn,
    project: i64,
    round: i64,
) -> Result<Option<PanelRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, seed, size, candidates, excluded, drawn_at FROM panels WHERE project_id = $1 AND round = $2",
    )
    .bind(project)
    .bind(round)
    .fetch_optional(&mut *c)
    .await
}

/// Every member of the panel, seated or recused, in the order seated.
pub async fn members(c: &mut Conn, panel: i64) -> Result<Vec<MemberRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.user_id, u.display_name, m.kind, m.status, m.reason, m.replaces FROM panel_members m \
         JOIN users u ON u.id = m.user_id WHERE m.panel_id = $1 ORDER BY m.id",
    )
    .bind(panel)
    .fetch_all(&mut *c)
    .await
}

pub struct NewPanel<'a> {
    pub project: i64,
    pub round: i64,
    pub seed: &'a str,
    pub size: i64,
    /// JSON
    pub candidates: &'a str,
    /// JSON
    pub excluded: &'a str,
    pub drawn_by: i64,
    pub drawn_at: i64,
}

/// Records a draw; the panel's id.
pub async fn add(c: &mut Conn, p: &NewPanel<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO panels (project_id, round, seed, size, candidates, excluded, drawn_by, drawn_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(p.project)
    .bind(p.round)
    .bind(p.seed)
    .bind(p.size)
    .bind(p.candidates)
    .bind(p.excluded)
    .bind(p.drawn_by)
    .bind(p.drawn_at)
    .fetch_one(&mut *c)
    .await
}

/// Seats a user on the panel (`kind`: expert | representative), replacing a recused member.
pub async fn add_member(
    c: &mut Conn,
    panel: i64,
    user: i64,
    kind: &str,
    replaces: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO panel_members (panel_id, user_id, kind, status, replaces, seated_at) VALUES ($1, $2, $3, 'seated', $4, $5)",
    )
    .bind(panel)
    .bind(user)
    .bind(kind)
    .bind(replaces)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records a seated member's recusal with the reason: compare-and-set on `seated`; whether it
/// applied.
pub async fn recuse(
    c: &mut Conn,
    member: i64,
    reason: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE panel_members SET status = 'recused', reason = $2, recused_at = $3 WHERE id = $1 AND status = 'seated'")
        .bind(member)
        .bind(reason)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// A seat with its project.
pub async fn seat(c: &mut Conn, member: i64) -> Result<Option<SeatRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.user_id, m.status, m.declared_at, m.submitted_at, p.project_id FROM panel_members m \
         JOIN panels p ON p.id = m.panel_id WHERE m.id = $1",
    )
    .bind(member)
    .fetch_optional(&mut *c)
    .await
}

/// The user's seats on panels, newest first: (member, project number, title, status).
pub async fn seats_of(
    c: &mut Conn,
    user: i64,
) -> Result<Vec<(i64, String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, pr.number, pr.title, m.status FROM panel_members m JOIN panels p ON p.id = m.panel_id \
         JOIN projects pr ON pr.id = p.project_id WHERE m.user_id = $1 ORDER BY m.id DESC",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await
}

/// The member's scores: (bid, criterion position, hundredths).
pub async fn scores_of(c: &mut Conn, member: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT bid_id, pos, centi FROM panel_scores WHERE member_id = $1")
        .bind(member)
        .fetch_all(&mut *c)
        .await
}

/// Records the seated panelist's declaration of no conflict.
pub async fn declare(c: &mut Conn, member: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE panel_members SET declared_at = $2 WHERE id = $1")
        .bind(member)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Marks the sheet submitted, once and only while seated; `false` otherwise.
pub async fn submit(c: &mut Conn, member: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE panel_members SET submitted_at = $2 WHERE id = $1 AND submitted_at IS NULL AND status = 'seated'")
        .bind(member)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// One score of a sheet: a bid's points on the criterion at `pos`, in hundredths.
pub async fn add_score(
    c: &mut Conn,
    member: i64,
    bid: i64,
    pos: i64,
    centi: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO panel_scores (member_id, bid_id, pos, centi) VALUES ($1, $2, $3, $4)")
        .bind(member)
        .bind(bid)
        .bind(pos)
        .bind(centi)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The seated panelists not yet submitted nor reminded on the opened projects' current panels:
/// (member, user, project, drawn_at).
pub async fn unreminded(c: &mut Conn) -> Result<Vec<(i64, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.user_id, pn.project_id, pn.drawn_at FROM panel_members m JOIN panels pn ON pn.id = m.panel_id \
         JOIN projects p ON p.id = pn.project_id AND p.round = pn.round \
         WHERE m.status = 'seated' AND m.submitted_at IS NULL AND m.reminded_at IS NULL AND p.status = 'opened'",
    )
    .fetch_all(&mut *c)
    .await
}

/// Records the reminder to score, once: compare-and-set on `reminded_at`; whether it applied.
pub async fn mark_reminded(c: &mut Conn, member: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE panel_members SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL",
    )
    .bind(member)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Replaces a panelist's draft sheet with `cells` (cell, value as typed).
pub async fn save_draft(
    c: &mut Conn,
    member: i64,
    cells: &[(String, String)],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM panel_drafts WHERE member_id = $1")
        .bind(member)
        .execute(&mut *c)
        .await?;
    for (cell, value) in cells {
        sqlx::query(
            "INSERT INTO panel_drafts (member_id, cell, value, saved_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(member)
        .bind(cell)
        .bind(value)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// A panelist's draft sheet: (cell, value), and when it was saved.
pub async fn draft_of(
    c: &mut Conn,
    member: i64,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT cell, value, saved_at FROM panel_drafts WHERE member_id = $1 ORDER BY cell",
    )
    .bind(member)
    .fetch_all(&mut *c)
    .await
}

/// Removes a panelist's draft (their sheet is submitted).
pub async fn clear_draft(c: &mut Conn, member: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM panel_drafts WHERE member_id = $1")
        .bind(member)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The ranking's draw seed and when it was drawn, once drawn (issue 22, item 1).
pub async fn rank_seed(c: &mut Conn, panel: i64) -> Result<Option<(String, i64)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT rank_seed, rank_seed_at FROM panels WHERE id = $1")
            .bind(panel)
            .fetch_optional(&mut *c)
            .await?;
    Ok(row.and_then(|(s, at)| Some((s?, at?))))
}

/// Records the ranking's draw seed, once: compare-and-set on a missing seed; whether it applied.
pub async fn set_rank_seed(
    c: &mut Conn,
    panel: i64,
    seed: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE panels SET rank_seed = $2, rank_seed_at = $3 WHERE id = $1 AND rank_seed IS NULL",
    )
    .bind(panel)
    .bind(seed)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The panel of a seat, and whether every seated member of it has submitted.
pub async fn all_submitted(c: &mut Conn, member: i64) -> Result<(i64, bool), sqlx::Error> {
    let (panel, waiting): (i64, i64) = sqlx::query_as(
        "SELECT m.panel_id, CAST((SELECT COUNT(*) FROM panel_members o WHERE o.panel_id = m.panel_id \
         AND o.status = 'seated' AND o.submitted_at IS NULL) AS BIGINT) FROM panel_members m WHERE m.id = $1",
    )
    .bind(member)
    .fetch_one(&mut *c)
    .await?;
    Ok((panel, waiting == 0))
}
