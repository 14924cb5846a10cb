//! The council hub: accounts and devices, sync (push/pull, by role and team), attachments,
//! audit log. Storage is behind one trait ([`Store`]) with an embedded SQLite backend (the
//! default) and a PostgreSQL one; the HTTP API is [`server`], started with [`serve`] ([`listener`]) on a
//! listener and a shutdown signal; [`admin`] holds the administrators' commands.

pub mod access;
pub mod admin;
pub mod api_error;
pub mod attachments;
pub mod backup;
pub mod casework;
pub mod clock;
pub mod config;
pub mod conflicts;
pub mod console;
pub mod credentials;
pub mod crime;
pub mod data_map;
pub mod hub_change;
pub mod hub_key;
pub mod intake;
pub mod listener;
pub mod mail;
pub mod model;
pub mod openapi;
pub mod openings;
pub mod portal;
pub mod postgres;
pub mod privacy;
pub mod pull;
pub mod purge;
pub mod push;
pub mod rate;
pub mod referrals;
pub mod refusals;
pub mod reports;
pub mod secret;
pub mod server;
pub mod sql;
pub mod sqlite;
pub mod store;
pub mod tls;
pub mod transfer;
pub mod web;

pub use clock::Clock;
pub use config::HubConfig;
pub use listener::{serve, serve_with};
pub use server::{AppState, router};
pub use store::{SharedStore, Store, open, open_with};
