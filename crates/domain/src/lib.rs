//! The pure core of MonLycéePro: identifiers that cannot hold an invalid value,
//! French text folding, geography, the working-day calendar and the product's
//! vocabularies.
//!
//! Nothing here does I/O or knows about HTTP or SQL, so every rule can be
//! unit-tested with plain tables of cases and reused by the importer, the web
//! layer and the routing engine alike.

pub mod codes;
pub mod corrections;

pub mod account;
pub mod action;
pub mod analysis;
pub mod calendar;
pub mod coverage;
pub mod diplomas;
pub mod events;
pub mod fields;
pub mod geo;
pub mod ids;
pub mod level;
pub mod lifecycle;
pub mod matching;
pub mod names;
pub mod placements;
pub mod reach;
pub mod rome;
pub mod routing;
pub mod stats;
pub mod text;

pub use action::ActionType;
pub use geo::Position;
pub use ids::{Cfd, Email, IdError, InseeCode, RomeCode, Siret, Uai};
pub use level::Niveau;
