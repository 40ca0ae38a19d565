//! A procurement panelist's seat: the declaration and the scoring sheet (the draw and the
//! seats' status are written by `panel`).

use super::Conn;

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
