//! Huoban 伙伴: the library behind the `huoban` binary. `app::build` assembles the Rocket
//! application that the binary serves and the integration tests drive.

pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod award;
pub mod bench_setup;
pub mod bidding;
pub mod calendars;
pub mod challenge;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contract;
pub mod db;
pub mod deadlines;
pub mod delivery;
pub mod demo;
pub mod demo_eval;
pub mod demo_procurement;
pub mod domain;
pub mod error;
pub mod eval_daily;
pub mod evaluation;
pub mod i18n;
pub mod ids;
pub mod import;
pub mod jobs;
pub mod ledger;
pub mod mail;
pub mod membership;
pub mod ocds;
pub mod opendata;
pub mod panel;
pub mod panel_scoring;
pub mod performance;
pub mod procedure;
pub mod procurement;
pub mod registry;
pub mod review;
pub mod scale;
pub mod sealing;
pub mod supervision;
pub mod supplier;
pub mod web;

pub use error::{AppError, AppResult};
