//! The council hub: accounts and devices, sync (push/pull), audit log. Storage is behind one
//! trait ([`Store`]) with an embedded SQLite backend (the default) and a PostgreSQL one; the
//! HTTP API is [`server`], started with [`serve`] on a listener and a shutdown signal.

pub mod clock;
pub mod config;
pub mod model;
pub mod postgres;
pub mod rate;
pub mod secret;
pub mod server;
pub mod sqlite;
pub mod store;

pub use clock::Clock;
pub use config::HubConfig;
pub use server::{AppState, router, serve};
pub use store::{SharedStore, Store, open};
