//! MonLycéePro: vocational lycées and companies brought together.
//!
//! The tree reads like the product:
//! - `catalogue`: the lycées, their diplomas and the jobs they lead to;
//! - `download`: fetching the national reference data from its sources;
//! - `import`: loading it into the database;
//! - `guidance`: what each way of working with a lycée involves, for companies;
//! - `web`: pages (DSFR) and the public JSON API;
//! - `storage`: the one database boundary (SQLite or PostgreSQL);
//! - the pure rules (identifiers, geography, routing) live in the
//!   `domain` crate, which does no I/O.

pub mod accounts;
pub mod cache;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod download;
pub mod events;
pub mod guidance;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod markdown;
pub mod partner_api;
pub mod partners;
pub mod placements;
pub mod privacy;
pub mod proconnect;
pub mod refresh;
pub mod requests;
pub mod search;
pub mod security;
pub mod seed;
pub mod showcase;
pub mod stats;
pub mod storage;
pub mod territory;
pub mod web;
