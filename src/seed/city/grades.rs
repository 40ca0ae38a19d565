//! stub

use super::City;
use crate::seed::DemoError;

pub async fn run(_city: &mut City) -> Result<(), DemoError> {
    Ok(())
}
