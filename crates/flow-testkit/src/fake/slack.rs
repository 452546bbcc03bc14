//! The fake Slack server: public handle, channels and recorded messages.
//!
//! It serves the Web API under `/api/` (`chat.postMessage`, `auth.test`, `users.lookupByEmail`,
//! `users.info`, `conversations.open`, `conversations.invite`, `conversations.list`,
//! `chat.update`, `chat.delete`, `reactions.add`; other methods answer `unknown_method`) and incoming webhooks under `/services/{team}/{service}/{secret}`.
//! See [`SlackFault`] for fault injection; faults are applied before authentication.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use serde_json::Value;

use super::faults::{FaultQueue, SlackFault};
use super::record::Recorded;
use super::slack_api::handle;
use super::util::{ServerHandle, bind_loopback, lock, random_alnum, spawn_server};

/// The fake workspace id, also the team segment of the webhook URL.
pub(crate) const TEAM_ID: &str = "T0FAKE";
/// The service segment of the webhook URL.
pub(crate) const WEBHOOK_SERVICE: &str = "B0FAKE";
/// The bot's user id.
pub(crate) const BOT_USER_ID: &str = "U0FAKEBOT";
/// The bot id.
pub(crate) const BOT_ID: &str = "B0FAKEBOT";

/// A chat.postMessage call the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedMessage {
    /// The `channel` argument as sent (an id, `#name` or `name`).
    pub channel: String,
    /// The resolved channel id.
    pub channel_id: String,
    /// The `text` argument exactly as received (after JSON or form decoding), if any.
    pub text: Option<String>,
    /// The `blocks` argument (parsed JSON), if any.
    pub blocks: Option<Value>,
    /// The `thread_ts` argument, if any.
    pub thread_ts: Option<String>,
    /// The `ts` the fake assigned.
    pub ts: String,
    /// All arguments as a JSON object (form fields become strings; the token is removed).
    pub payload: Value,
}

/// A channel in the fake workspace.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) archived: bool,
    pub(crate) bot_is_member: bool,
    /// Member user ids besides the bot (`conversations.invite` adds to it).
    pub(crate) members: Vec<String>,
}

/// A member of the fake workspace, for `users.lookupByEmail`.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) name: String,
}

/// Mutable state of the fake workspace.
#[derive(Debug)]
pub(crate) struct SlackState {
    pub(crate) channels: Vec<Channel>,
    pub(crate) members: Vec<Member>,
    pub(crate) messages: Vec<PostedMessage>,
    pub(crate) webhook_messages: Vec<Value>,
    pub(crate) requests: Vec<Recorded>,
    pub(crate) faults: FaultQueue<SlackFault>,
    /// The last `ts` handed out, as (seconds, sequence).
    pub(crate) last_ts: (u64, u32),
    /// Minimum spacing between posts to one channel; `None` disables the limiter.
    pub(crate) channel_interval: Option<Duration>,
    pub(crate) last_post: HashMap<String, Instant>,
    /// The most channels one `conversations.list` page holds, whatever `limit` asks.
    pub(crate) page_size: Option<usize>,
    /// Messages removed by `chat.delete`, as (channel id, ts).
    pub(crate) deleted: Vec<(String, String)>,
    /// The text `chat.update` last gave a message, by (channel id, ts).
    pub(crate) updated: HashMap<(String, String), String>,
    /// Reactions added by `reactions.add`, as (channel id, ts, name).
    pub(crate) reactions: Vec<(String, String, String)>,
}

/// State shared between the handle and the server task.
pub(crate) struct SlackShared {
    pub(crate) base_url: String,
    pub(crate) bot_token: String,
    pub(crate) webhook_secret: String,
    pub(crate) state: Mutex<SlackState>,
}

/// A fake Slack workspace served over HTTP on `127.0.0.1`.
///
/// Cheap to clone; all clones share the same state. It starts with one channel,
/// `#security-alerts` (`C0SECALERTS`), not archived, with the bot as a member.
#[derive(Clone)]
pub struct FakeSlack {
    shared: Arc<SlackShared>,
    server: Arc<ServerHandle>,
}

impl fmt::Debug for FakeSlack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token and the webhook secret are deliberately left out.
        f.debug_struct("FakeSlack")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeSlack {
    /// Binds `127.0.0.1:0` and starts serving from a spawned tokio task.
    ///
    /// Must be called from within a tokio runtime (e.g. a `#[tokio::test]`).
    pub async fn start() -> std::io::Result<FakeSlack> {
        let (listener, addr) = bind_loopback().await?;
        let state = SlackState {
            channels: vec![Channel {
                id: "C0SECALERTS".into(),
                name: "security-alerts".into(),
                archived: false,
                bot_is_member: true,
                members: Vec::new(),
            }],
            members: Vec::new(),
            messages: Vec::new(),
            webhook_messages: Vec::new(),
            requests: Vec::new(),
            faults: FaultQueue::default(),
            last_ts: (0, 0),
            channel_interval: None,
            last_post: HashMap::new(),
            page_size: None,
            deleted: Vec::new(),
            updated: HashMap::new(),
            reactions: Vec::new(),
        };
        let shared = Arc::new(SlackShared {
            base_url: format!("http://{addr}"),
            bot_token: format!("xoxb-{}-{}", random_alnum(12), random_alnum(24)),
            webhook_secret: random_alnum(24),
            state: Mutex::new(state),
        });
        let router = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let server = spawn_server(listener, addr, router);
        Ok(FakeSlack {
            shared,
            server: Arc::new(server),
        })
    }

    /// Requests being handled right now (parked at a gate or delayed ones included).
    pub fn in_flight(&self) -> usize {
        self.server.in_flight().now()
    }

    /// The most requests handled at once since the start or [`FakeSlack::reset_max_in_flight`].
    pub fn max_in_flight(&self) -> usize {
        self.server.in_flight().max()
    }

    /// Starts [`FakeSlack::max_in_flight`] again from the requests in flight now.
    pub fn reset_max_in_flight(&self) {
        self.server.in_flight().reset_max();
    }

    /// The Web API base, `http://127.0.0.1:PORT/api` (methods are `…/api/chat.postMessage`).
    pub fn api_url(&self) -> String {
        format!("{}/api", self.shared.base_url)
    }

    /// The server root, `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// TCP connections the fake has accepted so far: with keep-alive, far fewer than requests.
    pub fn connections_accepted(&self) -> u64 {
        self.server.connections()
    }

    /// The valid bot token (`xoxb-…`), sent as `Authorization: Bearer <token>`.
    pub fn token(&self) -> String {
        self.shared.bot_token.clone()
    }

    /// Adds or replaces (by id) a channel. A leading `#` in `name` is ignored.
    pub fn add_channel(&self, name: &str, id: &str, archived: bool, bot_is_member: bool) {
        let channel = Channel {
            id: id.to_owned(),
            name: name.trim_start_matches('#').to_owned(),
            archived,
            bot_is_member,
            members: Vec::new(),
        };
        let mut state = lock(&self.shared.state);
        state.channels.retain(|c| c.id != id);
        state.channels.push(channel);
    }

    /// Adds or replaces (by id) a workspace member that `users.lookupByEmail` finds by
    /// `email` (compared without regard to case); `name` is their handle.
    pub fn add_member(&self, id: &str, email: &str, name: &str) {
        let member = Member {
            id: id.to_owned(),
            email: email.to_owned(),
            name: name.to_owned(),
        };
        let mut state = lock(&self.shared.state);
        state.members.retain(|m| m.id != id);
        state.members.push(member);
    }

    /// Whether `chat.delete` removed the message `ts` of channel `channel_id`.
    pub fn is_deleted(&self, channel_id: &str, ts: &str) -> bool {
        lock(&self.shared.state)
            .deleted
            .iter()
            .any(|(c, t)| c == channel_id && t == ts)
    }

    /// The text `chat.update` last gave the message `ts` of channel `channel_id`.
    pub fn updated_text(&self, channel_id: &str, ts: &str) -> Option<String> {
        lock(&self.shared.state)
            .updated
            .get(&(channel_id.to_owned(), ts.to_owned()))
            .cloned()
    }

    /// Reactions added with `reactions.add`, as (channel id, ts, name), in order.
    pub fn reactions(&self) -> Vec<(String, String, String)> {
        lock(&self.shared.state).reactions.clone()
    }

    /// Caps the channels of one `conversations.list` page (to see paging with few channels).
    pub fn set_list_page_size(&self, size: usize) {
        lock(&self.shared.state).page_size = Some(size.max(1));
    }

    /// The member ids of channel `id` besides the bot (empty for an unknown channel).
    pub fn channel_members(&self, id: &str) -> Vec<String> {
        lock(&self.shared.state)
            .channels
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.members.clone())
            .unwrap_or_default()
    }

    /// Removes every channel (the default `#security-alerts` too): posting anywhere then
    /// answers `channel_not_found` until [`FakeSlack::add_channel`] adds one.
    pub fn remove_channels(&self) {
        lock(&self.shared.state).channels.clear();
    }

    /// Accepted chat.postMessage calls, in order.
    pub fn messages(&self) -> Vec<PostedMessage> {
        lock(&self.shared.state).messages.clone()
    }

    /// The incoming-webhook URL: `http://127.0.0.1:PORT/services/T0FAKE/B0FAKE/<secret>`.
    pub fn webhook_url(&self) -> String {
        format!(
            "{}/services/{TEAM_ID}/{WEBHOOK_SERVICE}/{}",
            self.shared.base_url, self.shared.webhook_secret
        )
    }

    /// Accepted webhook bodies, in order.
    pub fn webhook_messages(&self) -> Vec<Value> {
        lock(&self.shared.state).webhook_messages.clone()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.state).requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.state).requests.clear();
    }

    /// Queues a fault for the next requests to any path.
    pub fn fault(&self, fault: SlackFault) {
        lock(&self.shared.state).faults.push(None, fault);
    }

    /// Queues a fault for the next requests whose raw path starts with `path_prefix`
    /// (e.g. `"/api/chat.postMessage"` or `"/services/"`).
    pub fn fault_on(&self, path_prefix: &str, fault: SlackFault) {
        lock(&self.shared.state)
            .faults
            .push(Some(path_prefix.to_owned()), fault);
    }

    /// Drops all queued faults.
    pub fn clear_faults(&self) {
        lock(&self.shared.state).faults.clear();
    }

    /// Enables (`Some(interval)`) or disables (`None`, the default) a per-channel limiter:
    /// a post within `interval` of the previous accepted post to the same channel (or the same
    /// webhook) gets 429 with `Retry-After` in whole seconds (at least 1).
    pub fn set_channel_rate_limit(&self, interval: Option<Duration>) {
        let mut state = lock(&self.shared.state);
        state.channel_interval = interval;
        state.last_post.clear();
    }
}
