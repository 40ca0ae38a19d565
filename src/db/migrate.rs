//! The two migration folders, embedded in the binary. `migrations/sqlite` and
//! `migrations/postgres` describe the same schema; a test compares what both end with.

use super::{Backend, Db};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::SqlSafeStr;

struct Step {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        version: 1,
        name: "core",
        sqlite: include_str!("../../migrations/sqlite/0001_core.sql"),
        postgres: include_str!("../../migrations/postgres/0001_core.sql"),
    },
    Step {
        version: 2,
        name: "services",
        sqlite: include_str!("../../migrations/sqlite/0002_services.sql"),
        postgres: include_str!("../../migrations/postgres/0002_services.sql"),
    },
    Step {
        version: 3,
        name: "directory",
        sqlite: include_str!("../../migrations/sqlite/0003_directory.sql"),
        postgres: include_str!("../../migrations/postgres/0003_directory.sql"),
    },
    Step {
        version: 4,
        name: "applications",
        sqlite: include_str!("../../migrations/sqlite/0004_applications.sql"),
        postgres: include_str!("../../migrations/postgres/0004_applications.sql"),
    },
    Step {
        version: 5,
        name: "supervision",
        sqlite: include_str!("../../migrations/sqlite/0005_supervision.sql"),
        postgres: include_str!("../../migrations/postgres/0005_supervision.sql"),
    },
    Step {
        version: 6,
        name: "trigram",
        sqlite: include_str!("../../migrations/sqlite/0006_trigram.sql"),
        postgres: include_str!("../../migrations/postgres/0006_trigram.sql"),
    },
    Step {
        version: 7,
        name: "standards",
        sqlite: include_str!("../../migrations/sqlite/0007_standards.sql"),
        postgres: include_str!("../../migrations/postgres/0007_standards.sql"),
    },
    Step {
        version: 8,
        name: "evaluation",
        sqlite: include_str!("../../migrations/sqlite/0008_evaluation.sql"),
        postgres: include_str!("../../migrations/postgres/0008_evaluation.sql"),
    },
    Step {
        version: 9,
        name: "uscc subject expression",
        sqlite: include_str!("../../migrations/sqlite/0009_uscc_subject_expression.sql"),
        postgres: include_str!("../../migrations/postgres/0009_uscc_subject_expression.sql"),
    },
    Step {
        version: 10,
        name: "procurement",
        sqlite: include_str!("../../migrations/sqlite/0010_procurement.sql"),
        postgres: include_str!("../../migrations/postgres/0010_procurement.sql"),
    },
    Step {
        version: 11,
        name: "final quotes",
        sqlite: include_str!("../../migrations/sqlite/0011_final_quotes.sql"),
        postgres: include_str!("../../migrations/postgres/0011_final_quotes.sql"),
    },
    Step {
        version: 12,
        name: "suppliers",
        sqlite: include_str!("../../migrations/sqlite/0012_suppliers.sql"),
        postgres: include_str!("../../migrations/postgres/0012_suppliers.sql"),
    },
    Step {
        version: 13,
        name: "bid reviews",
        sqlite: include_str!("../../migrations/sqlite/0013_bid_reviews.sql"),
        postgres: include_str!("../../migrations/postgres/0013_bid_reviews.sql"),
    },
    Step {
        version: 14,
        name: "panels",
        sqlite: include_str!("../../migrations/sqlite/0014_panels.sql"),
        postgres: include_str!("../../migrations/postgres/0014_panels.sql"),
    },
    Step {
        version: 15,
        name: "panel scores",
        sqlite: include_str!("../../migrations/sqlite/0015_panel_scores.sql"),
        postgres: include_str!("../../migrations/postgres/0015_panel_scores.sql"),
    },
    Step {
        version: 16,
        name: "awards",
        sqlite: include_str!("../../migrations/sqlite/0016_awards.sql"),
        postgres: include_str!("../../migrations/postgres/0016_awards.sql"),
    },
    Step {
        version: 17,
        name: "delivery",
        sqlite: include_str!("../../migrations/sqlite/0017_delivery.sql"),
        postgres: include_str!("../../migrations/postgres/0017_delivery.sql"),
    },
    Step {
        version: 18,
        name: "bids by project",
        sqlite: include_str!("../../migrations/sqlite/0018_bids_by_project.sql"),
        postgres: include_str!("../../migrations/postgres/0018_bids_by_project.sql"),
    },
    Step {
        version: 19,
        name: "calendar",
        sqlite: include_str!("../../migrations/sqlite/0019_calendar.sql"),
        postgres: include_str!("../../migrations/postgres/0019_calendar.sql"),
    },
    Step {
        version: 20,
        name: "suspension",
        sqlite: include_str!("../../migrations/sqlite/0020_suspension.sql"),
        postgres: include_str!("../../migrations/postgres/0020_suspension.sql"),
    },
    Step {
        version: 21,
        name: "digests",
        sqlite: include_str!("../../migrations/sqlite/0021_digests.sql"),
        postgres: include_str!("../../migrations/postgres/0021_digests.sql"),
    },
    Step {
        version: 22,
        name: "project_agency",
        sqlite: include_str!("../../migrations/sqlite/0022_project_agency.sql"),
        postgres: include_str!("../../migrations/postgres/0022_project_agency.sql"),
    },
    Step {
        version: 23,
        name: "bid_reads",
        sqlite: include_str!("../../migrations/sqlite/0023_bid_reads.sql"),
        postgres: include_str!("../../migrations/postgres/0023_bid_reads.sql"),
    },
    Step {
        version: 24,
        name: "objection_refs",
        sqlite: include_str!("../../migrations/sqlite/0024_objection_refs.sql"),
        postgres: include_str!("../../migrations/postgres/0024_objection_refs.sql"),
    },
    Step {
        version: 25,
        name: "panel_drafts",
        sqlite: include_str!("../../migrations/sqlite/0025_panel_drafts.sql"),
        postgres: include_str!("../../migrations/postgres/0025_panel_drafts.sql"),
    },
    Step {
        version: 26,
        name: "qual_docs",
        sqlite: include_str!("../../migrations/sqlite/0026_qual_docs.sql"),
        postgres: include_str!("../../migrations/postgres/0026_qual_docs.sql"),
    },
    Step {
        version: 27,
        name: "procurement_documents",
        sqlite: include_str!("../../migrations/sqlite/0027_procurement_documents.sql"),
        postgres: include_str!("../../migrations/postgres/0027_procurement_documents.sql"),
    },
    Step {
        version: 28,
        name: "documents",
        sqlite: include_str!("../../migrations/sqlite/0028_documents.sql"),
        postgres: include_str!("../../migrations/postgres/0028_documents.sql"),
    },
    Step {
        version: 29,
        name: "registry_law",
        sqlite: include_str!("../../migrations/sqlite/0029_registry_law.sql"),
        postgres: include_str!("../../migrations/postgres/0029_registry_law.sql"),
    },
    Step {
        version: 30,
        name: "eval_law",
        sqlite: include_str!("../../migrations/sqlite/0030_eval_law.sql"),
        postgres: include_str!("../../migrations/postgres/0030_eval_law.sql"),
    },
    Step {
        version: 31,
        name: "project_publication",
        sqlite: include_str!("../../migrations/sqlite/0031_project_publication.sql"),
        postgres: include_str!("../../migrations/postgres/0031_project_publication.sql"),
    },
    Step {
        version: 32,
        name: "ranking",
        sqlite: include_str!("../../migrations/sqlite/0032_ranking.sql"),
        postgres: include_str!("../../migrations/postgres/0032_ranking.sql"),
    },
    Step {
        version: 33,
        name: "challenge_steps",
        sqlite: include_str!("../../migrations/sqlite/0033_challenge_steps.sql"),
        postgres: include_str!("../../migrations/postgres/0033_challenge_steps.sql"),
    },
    Step {
        version: 36,
        name: "expert_pools",
        sqlite: include_str!("../../migrations/sqlite/0036_expert_pools.sql"),
        postgres: include_str!("../../migrations/postgres/0036_expert_pools.sql"),
    },
    Step {
        version: 37,
        name: "low_prices",
        sqlite: include_str!("../../migrations/sqlite/0037_low_prices.sql"),
        postgres: include_str!("../../migrations/postgres/0037_low_prices.sql"),
    },
    Step {
        version: 38,
        name: "org_relations",
        sqlite: include_str!("../../migrations/sqlite/0038_org_relations.sql"),
        postgres: include_str!("../../migrations/postgres/0038_org_relations.sql"),
    },
    Step {
        version: 39,
        name: "sessions",
        sqlite: include_str!("../../migrations/sqlite/0039_sessions.sql"),
        postgres: include_str!("../../migrations/postgres/0039_sessions.sql"),
    },
    Step {
        version: 40,
        name: "rate_limits",
        sqlite: include_str!("../../migrations/sqlite/0040_rate_limits.sql"),
        postgres: include_str!("../../migrations/postgres/0040_rate_limits.sql"),
    },
    Step {
        version: 41,
        name: "audit_coverage",
        sqlite: include_str!("../../migrations/sqlite/0041_audit_coverage.sql"),
        postgres: include_str!("../../migrations/postgres/0041_audit_coverage.sql"),
    },
    Step {
        version: 43,
        name: "bid_references",
        sqlite: include_str!("../../migrations/sqlite/0043_bid_references.sql"),
        postgres: include_str!("../../migrations/postgres/0043_bid_references.sql"),
    },
    Step {
        version: 47,
        name: "unit_identity",
        sqlite: include_str!("../../migrations/sqlite/0047_unit_identity.sql"),
        postgres: include_str!("../../migrations/postgres/0047_unit_identity.sql"),
    },
    Step {
        version: 50,
        name: "open_installments",
        sqlite: include_str!("../../migrations/sqlite/0050_open_installments.sql"),
        postgres: include_str!("../../migrations/postgres/0050_open_installments.sql"),
    },
    Step {
        version: 52,
        name: "project_lists",
        sqlite: include_str!("../../migrations/sqlite/0052_project_lists.sql"),
        postgres: include_str!("../../migrations/postgres/0052_project_lists.sql"),
    },
    Step {
        version: 53,
        name: "lookups_at_scale",
        sqlite: include_str!("../../migrations/sqlite/0053_lookups_at_scale.sql"),
        postgres: include_str!("../../migrations/postgres/0053_lookups_at_scale.sql"),
    },
    Step {
        version: 54,
        name: "statistics_spans",
        sqlite: include_str!("../../migrations/sqlite/0054_statistics_spans.sql"),
        postgres: include_str!("../../migrations/postgres/0054_statistics_spans.sql"),
    },
    Step {
        version: 55,
        name: "spending_totals",
        sqlite: include_str!("../../migrations/sqlite/0055_spending_totals.sql"),
        postgres: include_str!("../../migrations/postgres/0055_spending_totals.sql"),
    },
    Step {
        version: 56,
        name: "contracts_department",
        sqlite: include_str!("../../migrations/sqlite/0056_contracts_department.sql"),
        postgres: include_str!("../../migrations/postgres/0056_contracts_department.sql"),
    },
    Step {
        version: 57,
        name: "installments_payable",
        sqlite: include_str!("../../migrations/sqlite/0057_installments_payable.sql"),
        postgres: include_str!("../../migrations/postgres/0057_installments_payable.sql"),
    },
    Step {
        version: 58,
        name: "work_lists",
        sqlite: include_str!("../../migrations/sqlite/0058_work_lists.sql"),
        postgres: include_str!("../../migrations/postgres/0058_work_lists.sql"),
    },
    Step {
        version: 59,
        name: "winners_to_sign",
        sqlite: include_str!("../../migrations/sqlite/0059_winners_to_sign.sql"),
        postgres: include_str!("../../migrations/postgres/0059_winners_to_sign.sql"),
    },
    Step {
        version: 60,
        name: "authority_names",
        sqlite: include_str!("../../migrations/sqlite/0060_authority_names.sql"),
        postgres: include_str!("../../migrations/postgres/0060_authority_names.sql"),
    },
    Step {
        version: 61,
        name: "facet_sums",
        sqlite: include_str!("../../migrations/sqlite/0061_facet_sums.sql"),
        postgres: include_str!("../../migrations/postgres/0061_facet_sums.sql"),
    },
    Step {
        version: 62,
        name: "payable_since_in_index",
        sqlite: include_str!("../../migrations/sqlite/0062_payable_since_in_index.sql"),
        postgres: include_str!("../../migrations/postgres/0062_payable_since_in_index.sql"),
    },
];

pub fn migrator(backend: Backend) -> Migrator {
    let migrations = STEPS
        .iter()
        .map(|s| {
            let sql = match backend {
                Backend::Sqlite => s.sqlite,
                Backend::Postgres => s.postgres,
            };
            Migration::new(
                s.version,
                s.name.into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

pub async fn run(db: &Db) -> Result<(), sqlx::migrate::MigrateError> {
    migrator(db.backend).run(&db.pool).await
}

/// A digest of every migration's text, so test templates built from an older schema are
/// never reused.
pub fn fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for s in STEPS {
        h.update(s.sqlite.as_bytes());
        h.update(s.postgres.as_bytes());
    }
    hex::encode(&h.finalize()[..6])
}
