//! What a new password must be. Hashing lives in `auth::password`.

pub const MIN_LEN: usize = 10;

#[derive(Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    SameAsEmail,
}

impl PasswordProblem {
    pub fn message_key(&self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "err-password-short",
            PasswordProblem::TooLong => "err-password-long",
            PasswordProblem::SameAsEmail => "err-password-email",
        }
    }
}

pub fn check_new_password(password: &str, email: &str) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(PasswordProblem::TooShort);
    }
    if n > 200 {
        return Err(PasswordProblem::TooLong);
    }
    if password.eq_ignore_ascii_case(email.trim()) {
        return Err(PasswordProblem::SameAsEmail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_boundaries() {
        assert_eq!(
            check_new_password("123456789", "a@b.cn"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check_new_password("1234567890", "a@b.cn"), Ok(()));
        assert_eq!(check_new_password("一二三四五六七八九十", "a@b.cn"), Ok(()));
        assert_eq!(
            check_new_password("li@example.cn", "LI@example.cn"),
            Err(PasswordProblem::SameAsEmail)
        );
    }
}
