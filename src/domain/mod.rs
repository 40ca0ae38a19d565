//! Pure rules: no Rocket, no sqlx. Newtypes that parse, calendars, roles, settings.

pub mod application;
pub mod award;
pub mod calendar;
pub mod chain;
pub mod credit;
pub mod division;
pub mod email;
pub mod eval_life;
pub mod evaluation;
pub mod holiday_law;
pub mod id_number;
pub mod lang;
pub mod ledger;
pub mod money;
pub mod org_name;
pub mod password;
pub mod performance;
pub mod procurement;
pub mod project;
pub mod registration;
pub mod role;
pub mod scoring;
pub mod search;
pub mod setting;
pub mod standard;
pub mod uscc;
