//! Slack cards written in Rust: post with the Web API (`chat.postMessage`) or an incoming
//! webhook, DM a user, update a message. Template values in `text` are escaped for Slack, so
//! event data cannot post `<!channel>` or a fake link. The other Slack cards (find a user,
//! invite, delete, reactions, channels, `slack.api_request`) are data:
//! `crates/flow-cards/connectors/slack.yaml`, on the same `slack` connection.

pub mod api;
pub mod connection;
pub mod message;

cards!(send_message, webhook, send_message_to_user, update_message);
