//! One integration binary. Every test builds the real application on its own fresh database
//! (in-memory SQLite by default, a new PostgreSQL database with `HUOBAN_TEST_DATABASE_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod front_door;
mod helpers;

mod accessibility;
mod accounts;
mod agency;
mod architecture;
mod audit;
mod authz;
mod award;
mod bid_reading;
mod calendar;
mod city_more;
mod cli;
mod csrf;
mod datasets_more;
mod delivery;
mod directory;
mod documents;
mod eval_law;
mod evaluation;
mod evaluation_dossier;
mod evaluation_flow;
mod evaluation_rules;
mod expert_pools;
mod guards;
mod i18n;
mod import;
mod instances;
mod ledger;
mod lists_at_scale;
mod living_demo;
mod mail;
mod ocds;
mod ocds_events;
mod ocds_feed;
mod ocds_identity;
mod opendata;
mod orgs;
mod overview_paging;
mod pages;
mod parity;
mod performance;
mod plans;
mod procurement;
mod procurement_docs;
mod publication;
mod qual_docs;
mod ranking;
mod refusals;
mod registry;
mod registry_decisions;
mod registry_law;
mod related;
mod review;
mod security_audit;
mod security_input;
mod security_sessions;
mod settings;
mod smtp;
mod supervision;
mod suppliers;
mod suspension;
