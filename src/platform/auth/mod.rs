//! Who is asking and what they may do: password hashing, sessions in private cookies checked
//! against a per-user epoch, layered role guards, CSRF protection of every state change.

pub mod csrf;
pub mod guards;
pub mod password;
pub mod session;
pub mod tokens;
