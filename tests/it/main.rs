//! Integration tests: the real server, the real national data, SQLite and
//! PostgreSQL, and headless Chromium. One test binary so that the national
//! catalogue is imported once per engine and copied for each test.

mod support;

mod accounts;
mod api;
mod bad_text;
mod browser;
mod contract;
mod demandes;
mod download;
mod espace;
mod events;
mod freshness;
mod guidance;
mod import_malformed;
mod import_real;
mod integration_form;
mod lifecycle;
mod metrics;
mod operations;
mod outages;
mod pages;
mod partners_api;
mod placements;
mod privacy;
mod proconnect;
mod producers;
mod reach;
mod relevance;
mod request_delivery;
mod request_input;
mod resilience;
mod routes;
mod search;
mod security;
mod statistiques;
mod territory;
