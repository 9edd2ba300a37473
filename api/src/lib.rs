//! The Alliance reconstruction API.
//!
//! Dependencies point one way: `server -> pipeline -> schema -> <concept>::query ->
//! <concept>::service -> entity`. Resolvers are thin; SQL lives in the services,
//! which take any connection so that they run inside transactions and tests.

pub(crate) mod admission;
pub(crate) mod assistance;
pub mod audit;
pub mod auth;
pub mod cli;
pub(crate) mod codelists;
pub mod codes;
pub(crate) mod compiled;
pub mod config;
pub mod db;
pub(crate) mod documents;
pub mod dream;
pub(crate) mod error;
pub mod export;
pub(crate) mod feed;
pub(crate) mod governance;
pub(crate) mod graphql;
pub mod guard;
pub(crate) mod i18n;
pub mod ids;
pub(crate) mod lifecycle;
pub(crate) mod loader;
pub(crate) mod member;
pub(crate) mod metrics;
pub mod money;
pub(crate) mod node;
pub mod pagination;
pub(crate) mod partnership;
pub(crate) mod pipeline;
pub mod policy;
pub(crate) mod project;
pub(crate) mod ratelimit;
pub(crate) mod responses;
pub mod schema;
pub mod seed;
pub mod server;
pub(crate) mod sql;
pub mod telemetry;
pub(crate) mod territory;
pub(crate) mod validation;
pub(crate) mod viewer;
