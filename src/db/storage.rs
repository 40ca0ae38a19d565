//! What an organization keeps in the uploads folder, for its storage quota: the files of its
//! registration applications (not removed), its evaluation evidence and its deliverables.

use super::Conn;

/// Bytes stored for `org` (each reference counted, as each is the organization's to keep).
pub async fn org_usage(c: &mut Conn, org: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(\
           (SELECT COALESCE(SUM(a.size_bytes), 0) FROM attachments a \
              JOIN applications p ON p.id = a.application_id \
             WHERE p.org_id = $1 AND a.removed_at IS NULL) \
         + (SELECT COALESCE(SUM(e.size_bytes), 0) FROM eval_evidence e \
              JOIN eval_applications x ON x.id = e.eval_application_id WHERE x.org_id = $1) \
         + (SELECT COALESCE(SUM(f.size), 0) FROM deliverable_files f \
              JOIN deliverables d ON d.id = f.deliverable_id \
              JOIN contracts k ON k.id = d.contract_id WHERE k.org_id = $1) \
         AS BIGINT)",
    )
    .bind(org)
    .fetch_one(&mut *c)
    .await
}
