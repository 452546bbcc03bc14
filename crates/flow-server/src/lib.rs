//! The HTTP trigger server: every `api_endpoint` flow served at
//! `POST`/`GET /api/flo/<flow>/invoke`; `okta_event_hook` flows at the same path (Okta's
//! verification, then one queued run per listed event of a delivery, deduplicated by `uuid`); and
//! `schedule` flows fired into the queue ([`schedule_loop`]).
//!
//! A request is authenticated (client token in constant time, or an HMAC signature over the raw
//! body with an optional timestamp against replays, in flowctl's scheme or a sender's preset),
//! held to limits (body size, read timeouts, unauthenticated reads per endpoint and per client,
//! then — only once authenticated — per-flow rate and a place in the queue), checked (`accept:
//! json`), deduplicated (`dedupe`, keys tagged with their type), and queued: committed to the
//! store (or a bounded memory queue) and run when one of `max_in_flight` run slots is free,
//! oldest first ([`RunQueue`]). A flow whose `http.close` reads only the request is answered at
//! acceptance ([`close_at_acceptance`]); otherwise the caller gets the `http.close` answer the
//! moment that step runs (with `x-execution-id`), or the end-of-run answer, or 504 after the
//! sync timeout while the run goes on — exactly one answer per request. The service is built
//! apart from the socket ([`router`]), so tests drive it in-process; [`serve`] adds the socket,
//! header timeouts and graceful shutdown.

mod auth;
pub use auth::{Refusal, sign};
mod clock;
mod close;
pub mod console;
pub use clock::{Clock, ManualClock, SystemClock};
mod dedupe;
mod durable;
mod front;
mod hook;
mod invoke;
mod listen;
mod live;
mod log;
mod metrics;
mod queue;
mod rate;
mod rejection;
mod routes;
mod schedule;
mod state;
mod timers;

pub use close::{answer_now, close_at_acceptance};
pub use console::Console;
pub use dedupe::{DedupeOutcome, DedupeStore, MemoryDedupe, encode_key};
pub use durable::{Durable, LEASE, resume_loop, resume_tick, stored_input};
pub use hook::EVENT_DEDUPE_WINDOW;
pub use listen::{ListenOptions, serve};
pub use live::{Endpoint, Hook, Live, Scheduled, StartError};
pub use log::{LogFormat, Logger};
pub use metrics::Metrics;
pub use queue::RunQueue;
pub use rejection::Rejection;
pub use routes::router;
pub use schedule::{fire_schedules, schedule_loop};
pub use state::{Limits, NOT_READY_AFTER_COMMIT_FAILURE, NotReady, ServerState};
