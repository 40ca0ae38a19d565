//! The platform every area stands on: the application and its configuration, the clock
//! and calendars, audit, authentication, mail, jobs, messages, ids and errors, the CLI.

pub mod app;
pub mod audit;
pub mod auth;
pub mod calendars;
pub mod cli;
pub mod clock;
pub mod config;
pub mod documents;
pub mod draws;
pub mod error;
pub mod files;
pub mod i18n;
pub mod ids;
pub mod jobs;
pub mod kept;
pub mod mail;
pub mod scale;

pub mod accounts;
pub mod admin;
pub mod limits;
pub mod sessions;
pub mod signin;
