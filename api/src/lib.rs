//! The Alliance reconstruction API.
//!
//! Dependencies point one way: `http -> schema -> <concept>::query ->
//! <concept>::service -> entity`. Resolvers are thin; SQL lives in the services,
//! which take any connection so that they run inside transactions and tests.

pub mod admission;
pub mod assistance;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod codelists;
pub mod codes;
pub mod compiled;
pub mod config;
pub mod db;
pub mod documents;
pub mod dream;
pub mod error;
pub mod export;
pub mod feed;
pub mod governance;
pub mod graphql;
pub mod graphql_http;
pub mod guard;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod lifecycle;
pub mod loader;
pub mod member;
pub mod metrics;
pub mod money;
pub mod node;
pub mod pagination;
pub mod partnership;
pub mod pipeline;
pub mod policy;
pub mod project;
pub mod ratelimit;
pub mod responses;
pub mod schema;
pub mod seed;
pub mod sql;
pub mod startup;
pub mod telemetry;
pub mod territory;
pub mod validation;
pub mod viewer;
pub mod ws;
