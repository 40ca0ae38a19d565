//! Pure rules: no Rocket, no sqlx. Newtypes that parse, calendars, roles, settings.

/// A status enum's codes: `code`, `parse`, `ALL`, and serialization as the code.
macro_rules! codes {
    ($name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.code() == s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

pub mod application;
pub mod award;
pub mod calendar;
pub mod chain;
pub mod challenge;
pub mod credit;
pub mod division;
pub mod docnum;
pub mod email;
pub mod eval_life;
pub mod evaluation;
pub mod holiday_law;
pub mod id_number;
pub mod lang;
pub mod ledger;
pub mod milestone;
pub mod money;
pub mod org_life;
pub mod org_name;
pub mod password;
pub mod performance;
pub mod procurement;
pub mod procurement_docs;
pub mod project;
pub mod qualdocs;
pub mod registration;
pub mod related;
pub mod role;
pub mod scoring;
pub mod search;
pub mod setting;
pub mod standard;
pub mod text;
pub mod uscc;
