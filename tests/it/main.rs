//! One integration binary. Every test builds the real application on its own fresh database

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! (in-memory SQLite by default, a new PostgreSQL database with `HUOBAN_TEST_DATABASE_URL`).

mod helpers;

mod accounts;
mod cli;
mod csrf;
mod guards;
mod i18n;
mod orgs;
mod pages;
mod parity;
mod settings;
