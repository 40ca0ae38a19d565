//! argon2id password hashes. The parameters come from configuration (tests use cheap ones);
//! the PHC string records them, so hashes made with other parameters still verify.

use crate::platform::config::HashParams;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

fn hasher(p: HashParams) -> Result<Argon2<'static>, String> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, None).map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash(password: &str, p: HashParams) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    hasher(p)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// `hash` on the blocking pool: argon2 is deliberately slow and must not stall the request
/// workers.
pub async fn hash_off_thread(password: &str, p: HashParams) -> Result<String, String> {
    let password = password.to_string();
    rocket::tokio::task::spawn_blocking(move || hash(&password, p))
        .await
        .map_err(|e| e.to_string())?
}

/// `verify` on the blocking pool.
pub async fn verify_off_thread(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_string(), stored.to_string());
    rocket::tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the account does not exist, so that a
/// login attempt takes the same time whether or not the email is registered.
pub fn dummy_hash(p: HashParams) -> String {
    hash("not-a-password-anyone-has", p).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let p = HashParams {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        };
        let h = hash("correct horse battery", p).unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("Correct horse battery", &h));
        assert!(!verify("anything", "not a phc string"));
    }
}
