//! Slack cards: post with the Web API (`chat.postMessage`) or an incoming webhook, DM a user,
//! find a user by email, invite to a channel, update and delete messages. Template values in
//! `text` are escaped for Slack, so event data cannot post `<!channel>` or a fake link.

pub mod api;
pub mod connection;
pub mod message;

cards!(
    send_message,
    webhook,
    send_message_to_user,
    find_user_by_email,
    invite_to_channel,
    update_message,
    delete_message
);
