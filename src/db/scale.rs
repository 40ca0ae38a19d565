//! Bulk rows of the generated organizations (`huoban demo --orgs N`): multi-row inserts of the
//! organizations and their name index, written with ids the caller chose.

use super::Conn;
use crate::domain::registration::OrgType;

/// One generated organization, as inserted.
pub struct Generated {
    pub name: String,
    pub org_type: OrgType,
    pub category: &'static str,
    pub district: &'static str,
    pub status: &'static str,
    pub uscc: String,
    pub registered_on: String,
    pub legal_representative: String,
    pub domicile: String,
    pub charity: bool,
}

/// The highest organization id (0 when there is none).
pub async fn max_org_id(c: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM organizations")
        .fetch_one(&mut *c)
        .await
}

/// PostgreSQL only: moves the organizations' id sequence past the ids inserted explicitly.
pub async fn reset_org_sequence(c: &mut Conn) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT setval(pg_get_serial_sequence('organizations', 'id'), (SELECT MAX(id) FROM organizations))")
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Inserts the organizations in one statement, with ids from `first_id` on.
pub async fn insert_orgs(
    c: &mut Conn,
    first_id: i64,
    orgs: &[Generated],
    now: i64,
) -> Result<(), sqlx::Error> {
    // Generated codes are issued ones, so uscc_checksum_ok keeps its default of 1.
    let mut sql = String::from(
        "INSERT INTO organizations (id, name, name_norm, org_type, category, district_code, status, uscc, \
         registered_on, legal_representative, domicile, charity, created_at) VALUES ",
    );
    sql.push_str(&super::placeholders(orgs.len(), 13));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (k, o) in orgs.iter().enumerate() {
        q = q
            .bind(first_id + k as i64)
            .bind(o.name.clone())
            .bind(crate::domain::org_name::normalize(&o.name))
            .bind(o.org_type.code())
            .bind(o.category)
            .bind(o.district)
            .bind(o.status)
            .bind(o.uscc.clone())
            .bind(o.registered_on.clone())
            .bind(o.legal_representative.clone())
            .bind(o.domicile.clone())
            .bind(i64::from(o.charity))
            .bind(now);
    }
    q.execute(&mut *c).await?;
    Ok(())
}

/// Inserts the name index's (gram, id, index into `orgs`) rows in one statement.
pub async fn insert_grams(
    c: &mut Conn,
    pairs: &[(String, i64, usize)],
    orgs: &[Generated],
) -> Result<(), sqlx::Error> {
    let mut sql = String::from("INSERT INTO org_name_grams (gram, org_id, district_code, org_type, status, category) VALUES ");
    sql.push_str(&super::placeholders(pairs.len(), 6));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (g, id, k) in pairs {
        let o = &orgs[*k];
        q = q
            .bind(g.clone())
            .bind(*id)
            .bind(o.district)
            .bind(o.org_type.code())
            .bind(o.status)
            .bind(o.category);
    }
    q.execute(&mut *c).await?;
    Ok(())
}
