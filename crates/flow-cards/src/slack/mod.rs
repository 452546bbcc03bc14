//! Slack cards: post with the Web API (`chat.postMessage`) or an incoming webhook. Template
//! values in `text` are escaped for Slack, so event data cannot post `<!channel>` or a fake link.

pub mod connection;
pub mod message;

cards!(send_message, webhook);
