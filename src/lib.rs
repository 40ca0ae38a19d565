//! Huoban 伙伴: the library behind the `huoban` binary. `platform::app::build` assembles the Rocket
//! application that the binary serves and the integration tests drive.

pub mod db;
pub mod deadlines;
pub mod delivery;
pub mod domain;
pub mod evaluation;
pub mod opendata;
pub mod platform;
pub mod procurement;
pub mod registry;
pub mod seed;
pub mod web;

pub use platform::error::{AppError, AppResult};
