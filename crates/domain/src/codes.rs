//! Stable codes of the domain's enums (statuses, roles, outcomes): one
//! macro writes each enum's codes once, with `Display`, `FromStr`,
//! `TryFrom<String>` (database rows) and `Serialize` (the API).

/// Why a code read from the database or a form is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("code inconnu « {0} »")]
pub struct UnknownCode(pub String);

/// Declares a code enum: stable snake_case codes (database, API, forms)
/// with `Display`, `FromStr` and `TryFrom<String>` (sqlx rows), and the one
/// place those strings are written.
#[macro_export]
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::codes::UnknownCode;
            fn from_str(s: &str) -> Result<Self, $crate::codes::UnknownCode> {
                match s { $($code => Ok($name::$variant),)* _ => Err($crate::codes::UnknownCode(s.to_string())) }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::codes::UnknownCode;
            fn try_from(s: String) -> Result<Self, $crate::codes::UnknownCode> {
                s.parse()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}
