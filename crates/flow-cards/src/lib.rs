//! flowctl's built-in cards, one file each, and the connectors they use.
//!
//! [`BUILTIN`] and [`CONNECTORS`] are the explicit lists the registry is built from: adding a
//! card is one file and one line here. This is the only crate that speaks HTTP to the outside
//! ([`ReqwestTransport`]).

pub mod conn;
pub mod flow;
pub mod http;
pub mod json;
pub mod list;
pub mod object;
pub mod okta;
pub mod retry_after;
pub mod slack;
pub mod table;
pub mod text;
pub mod util;

pub use http::transport::ReqwestTransport;

use flow_card::{CardSpec, ConnectorSpec, Registry};

/// Every built-in card.
pub static BUILTIN: &[&CardSpec] = &[
    &http::close::SPEC,
    &http::request::SPEC,
    &flow::ret::SPEC,
    &flow::fail::SPEC,
    &flow::continue_if::SPEC,
    &flow::call::SPEC,
    &json::parse::SPEC,
    &json::stringify::SPEC,
    &object::get::SPEC,
    &object::construct::SPEC,
    &list::to_text::SPEC,
    &list::length::SPEC,
    &list::pluck::SPEC,
    &list::filter::SPEC,
    &list::find::SPEC,
    &list::unique::SPEC,
    &list::sort::SPEC,
    &list::at::SPEC,
    &list::for_each::SPEC,
    &list::map::SPEC,
    &text::compose::SPEC,
    &okta::read_user::SPEC,
    &okta::clear_user_sessions::SPEC,
    &okta::lifecycle::SUSPEND,
    &okta::lifecycle::UNSUSPEND,
    &okta::api_request::SPEC,
    &slack::send_message::SPEC,
    &slack::webhook::SPEC,
    &table::create_row::SPEC,
    &table::read_row::SPEC,
    &table::update_row::SPEC,
    &table::upsert_row::SPEC,
    &table::delete_row::SPEC,
    &table::search_rows::SPEC,
    &table::count::SPEC,
    &table::clear::SPEC,
    &table::for_each::SPEC,
    &table::import_csv::SPEC,
    &table::export_csv::SPEC,
];

/// Every built-in connector.
pub static CONNECTORS: &[&ConnectorSpec] = &[
    &okta::connection::CONNECTOR,
    &slack::connection::CONNECTOR,
    &slack::connection::WEBHOOK_CONNECTOR,
    &http::connection::CONNECTOR,
];

/// The registry of every built-in card and connector.
pub fn registry() -> Registry {
    Registry::new(BUILTIN, CONNECTORS)
}
