//! The connector file format as serde types: what a connector YAML file may say. Templates
//! are [`Tpl`] handles, compiled while the file decodes (see [`super::load`]); everything else
//! is plain data. `docs/connector-format.md` is the reference.

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// The marker name of a template in a connector file.
pub const TPL_MARKER: &str = "$flowctl::connector_tpl";

/// A value that may hold `{{ }}` templates, compiled when the file loads; holds its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tpl(pub u32);

impl<'de> Deserialize<'de> for Tpl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or template")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
                Ok(v)
            }
        }
        let v = d.deserialize_newtype_struct(TPL_MARKER, V)?;
        u32::try_from(v)
            .map(Tpl)
            .map_err(|_| de::Error::custom("too many templates"))
    }
}

impl JsonSchema for Tpl {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Template")
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "a value; text may hold {{ }} templates" })
    }
}

/// A whole connector file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorDef {
    /// The connector's name: the connection kind in `flowctl.yaml` and the card prefix.
    pub connector: String,
    /// The human name (Okta Workflows' connector name).
    pub title: String,
    /// One line on what it connects to.
    #[serde(default)]
    pub summary: String,
    /// The vendor's API reference.
    #[serde(default)]
    pub docs: Option<String>,
    /// The keys a connection of this kind takes in `flowctl.yaml`.
    #[serde(default)]
    pub settings: IndexMap<String, SettingDef>,
    /// The API's base URL, a template over `settings`.
    pub base_url: Tpl,
    /// Authentication alternatives: the first whose settings are all set is used.
    #[serde(default)]
    pub auth: Vec<AuthDef>,
    /// Headers sent on every request (templates over `settings`).
    #[serde(default)]
    pub headers: IndexMap<String, Tpl>,
    /// Requests in flight per connection (a `max_concurrency` setting overrides it).
    #[serde(default)]
    pub max_concurrency: Option<u32>,
    /// A header sent on retries with the number of earlier attempts (`x-okta-retry-count`).
    #[serde(default)]
    pub retry_count_header: Option<String>,
    /// How the API signals "slow down".
    #[serde(default)]
    pub rate_limit: Option<RateLimitDef>,
    /// How an error answer becomes the card error's message and code.
    #[serde(default)]
    pub errors: Option<ErrorsDef>,
    /// The paging styles list actions use.
    #[serde(default)]
    pub paging: Option<PagingDef>,
    /// `<connector>.api_request` (Custom API Action): generated unless `false`.
    #[serde(default)]
    pub api_request: Option<ApiRequestDef>,
    /// The actions; each becomes card `<connector>.<action>`.
    #[serde(default)]
    pub actions: IndexMap<String, ActionDef>,
}

/// One setting of a connection.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingDef {
    /// What it is, for docs and messages.
    #[serde(default)]
    pub doc: String,
    /// A secret: must be written as `${env:NAME}`, masked in every record.
    #[serde(default)]
    pub secret: bool,
    /// Must be given (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// A secret may also be written literally (still masked); for settings that always
    /// allowed it (Okta's `token`).
    #[serde(default)]
    pub allow_literal: bool,
    /// Must be an http(s) URL.
    #[serde(default)]
    pub url: bool,
    /// The value when it is not given.
    #[serde(default)]
    pub default: Option<String>,
}

fn yes() -> bool {
    true
}

/// An authentication alternative.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthDef {
    /// `authorization: Bearer <value>`.
    Bearer(Tpl),
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: Tpl,
        /// The password.
        password: Tpl,
    },
    /// Any header: `{ name: authorization, value: "SSWS {{ settings.token }}" }`.
    Header {
        /// The header's name.
        name: String,
        /// Its value.
        value: Tpl,
    },
    /// OAuth 2.0 client credentials (client secret or `private_key_jwt`).
    OauthClientCredentials(IndexMap<String, Tpl>),
    /// OAuth 2.0 refresh token grant.
    OauthRefreshToken(IndexMap<String, Tpl>),
    /// A Google service account (signed JWT bearer grant).
    GoogleServiceAccount(IndexMap<String, Tpl>),
    /// HTTP basic credentials exchanged at a URL for a bearer token (Jamf Pro's `POST
    /// /api/v1/auth/token`), cached until shortly before it expires.
    BasicTokenExchange(TokenExchangeDef),
}

/// Basic credentials exchanged for a bearer token.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenExchangeDef {
    /// The URL POSTed to with `authorization: Basic …` (a template over `settings`).
    pub url: Tpl,
    /// The user name.
    pub username: Tpl,
    /// The password.
    pub password: Tpl,
    /// The answer's field holding the token, a dotted path (default `token`).
    #[serde(default)]
    pub token: Option<String>,
    /// The answer's field holding the expiry, a dotted path (default `expires`): an RFC 3339
    /// time or a number (seconds from now, Unix seconds or Unix milliseconds).
    #[serde(default)]
    pub expires: Option<String>,
}

/// Rate-limit signals.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitDef {
    /// Statuses retried after the signalled wait (default `[429]`).
    #[serde(default = "default_statuses")]
    pub statuses: Vec<u16>,
    /// A header with seconds (or an HTTP date) to wait.
    #[serde(default)]
    pub retry_after: Option<String>,
    /// A header with the time the window resets, and one with the requests left in it.
    #[serde(default)]
    pub reset: Option<ResetDef>,
    /// Waits for one request before giving up (default 5).
    #[serde(default = "default_waits")]
    pub max_waits: u32,
    /// The longest wait in seconds (default 60).
    #[serde(default = "default_max_wait")]
    pub max_wait: u64,
}

fn default_statuses() -> Vec<u16> {
    vec![429]
}
fn default_waits() -> u32 {
    5
}
fn default_max_wait() -> u64 {
    60
}

/// Window headers.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetDef {
    /// The header with the reset time.
    pub header: String,
    /// The header with the requests left; at 0 every request of the connection waits.
    #[serde(default)]
    pub remaining: Option<String>,
    /// How the reset time is written.
    #[serde(default)]
    pub format: ResetFormat,
}

/// How a reset header is written.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ResetFormat {
    /// Unix seconds.
    #[default]
    EpochSeconds,
    /// Seconds from now.
    Seconds,
}

/// Error answers.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorsDef {
    /// The message, over `{ status, headers, body }`.
    #[serde(default)]
    pub message: Option<Tpl>,
    /// The vendor's error code.
    #[serde(default)]
    pub code: Option<Tpl>,
    /// Extra details appended to the message in parentheses: a list of texts, or of objects
    /// whose `cause_field` is the text.
    #[serde(default)]
    pub causes: Option<Tpl>,
    /// The field of each cause object that holds its text.
    #[serde(default)]
    pub cause_field: Option<String>,
    /// An answer that fails by its body although its status is 2xx (Slack's `200 {"ok":
    /// false}`): a template over `{ status, headers, body }`; a true value makes the answer an
    /// error like a non-2xx one (`"{{ eq body.ok false }}"`).
    #[serde(default)]
    pub when: Option<Tpl>,
    /// The error kind of vendor codes (per `code`): `{ users_not_found: not_found, ratelimited:
    /// rate_limited }`; a code not listed takes the kind of the status.
    #[serde(default)]
    pub kinds: IndexMap<String, ErrorKindDef>,
}

/// The kind of a card error, as a vendor code maps to it (`errors.kinds`).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKindDef {
    /// The thing asked for does not exist.
    NotFound,
    /// The credential was refused.
    Unauthorized,
    /// The credential lacks a permission.
    Forbidden,
    /// The object is in a state that does not allow the action.
    InvalidState,
    /// Slow down: retried after the answer's `Retry-After` (else a second).
    RateLimited,
    /// The service failed: retried.
    #[serde(rename = "server_error")]
    Server,
    /// Refused for another reason.
    Remote,
    /// The request's values are wrong.
    Input,
}

impl ErrorKindDef {
    /// The card error kind.
    pub fn kind(self) -> flow_card::ErrorKind {
        use flow_card::ErrorKind as K;
        match self {
            ErrorKindDef::NotFound => K::NotFound,
            ErrorKindDef::Unauthorized => K::Unauthorized,
            ErrorKindDef::Forbidden => K::Forbidden,
            ErrorKindDef::InvalidState => K::InvalidState,
            ErrorKindDef::RateLimited => K::RateLimited,
            ErrorKindDef::Server => K::Server,
            ErrorKindDef::Remote => K::Remote,
            ErrorKindDef::Input => K::Input,
        }
    }
}

/// A paging style.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PagingStyle {
    /// RFC 8288 `Link: <…>; rel="next"`.
    Link,
    /// A cursor read from each answer and sent back as a parameter.
    Cursor,
    /// An offset parameter advanced by the items seen.
    Offset,
    /// A page number parameter.
    Page,
    /// The next page's URL read from each answer (Graph's `@odata.nextLink`, Salesforce's
    /// `nextRecordsUrl`), kept on the connection's host.
    NextUrl,
}

/// Paging parameters.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PagingDef {
    /// The default style of list actions.
    #[serde(default)]
    pub style: Option<PagingStyle>,
    /// Cursor paging.
    #[serde(default)]
    pub cursor: Option<CursorDef>,
    /// Offset paging.
    #[serde(default)]
    pub offset: Option<OffsetDef>,
    /// Page-number paging.
    #[serde(default)]
    pub page: Option<OffsetDef>,
    /// Next-URL paging.
    #[serde(default)]
    pub next_url: Option<NextUrlDef>,
    /// The most pages one run follows (default 1000).
    #[serde(default)]
    pub max_pages: Option<u32>,
}

/// Cursor paging.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CursorDef {
    /// The query parameter the cursor is sent in.
    pub param: String,
    /// The next cursor, over `{ status, headers, body }`; empty or null ends.
    pub next: Tpl,
}

/// Next-URL paging: each answer names the next page's URL.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NextUrlDef {
    /// The next page's URL, over `{ status, headers, body }`: an absolute URL on the base URL's
    /// host, a path from that host (`/services/data/…`), or a path under the base URL; empty or
    /// null ends. Any other host is refused.
    pub next: Tpl,
}

/// Offset or page-number paging.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffsetDef {
    /// The query parameter of the offset (or page number).
    pub param: String,
    /// The query parameter of the page size.
    #[serde(default)]
    pub size_param: Option<String>,
    /// The page size (default 100).
    #[serde(default)]
    pub size: Option<u64>,
    /// The first offset or page (default 0 for offsets, 1 for pages).
    #[serde(default)]
    pub start: Option<u64>,
    /// The total number of items, over `{ status, headers, body }`, when the API says it.
    #[serde(default)]
    pub total: Option<Tpl>,
    /// Whether more items follow, over `{ status, headers, body }` (PagerDuty's `more`):
    /// `false` ends the list; null (not said) leaves it to the other rules.
    #[serde(default)]
    pub more: Option<Tpl>,
}

/// The generated `api_request` card.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiRequestDef {
    /// Generate it (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Paths must start with one of these (e.g. `/api/`); empty allows any path.
    #[serde(default)]
    pub path_prefixes: Vec<String>,
    /// The Okta Workflows card it stands for.
    #[serde(default)]
    pub okta: Vec<String>,
}

/// What an action does to the world.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EffectDef {
    /// Reads only.
    Reads,
    /// Changes something.
    Writes,
}

/// One action: a card.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    /// The vendor's / Okta Workflows' card name.
    #[serde(default)]
    pub title: Option<String>,
    /// One line on what it does.
    pub summary: String,
    /// Paragraphs for the card reference.
    #[serde(default)]
    pub description: Option<String>,
    /// reads or writes.
    pub effect: EffectDef,
    /// The card's inputs (its `with:` keys besides `connection`).
    #[serde(default)]
    pub inputs: IndexMap<String, InputDef>,
    /// The request.
    pub request: RequestDef,
    /// Answers beyond 2xx that count as success.
    #[serde(default)]
    pub success: Vec<SuccessDef>,
    /// The card's output.
    #[serde(default)]
    pub output: Option<OutputDef>,
    /// Follow pages in this style (a list action).
    #[serde(default)]
    pub paging: Option<PagingStyle>,
    /// Where each page's records are, over `{ status, headers, body }` (default `{{ body }}`).
    #[serde(default)]
    pub items: Option<Tpl>,
    /// The dry-run output (a template over `inputs`); default built from the output type.
    #[serde(default)]
    pub rehearsal: Option<Tpl>,
    /// The rehearsed answer's body for a dry run (a template over `inputs`), mapped like a real
    /// answer; used when `rehearsal` is not given.
    #[serde(default)]
    pub rehearsal_body: Option<Tpl>,
    /// The status of the rehearsed answer in a dry run's record (default 200).
    #[serde(default)]
    pub rehearsal_status: Option<u16>,
    /// Messages for error statuses or vendor codes: `{ 404: "no user {{ inputs.user }}",
    /// users_not_found: "…" }`, prefixed to the API's message.
    #[serde(default)]
    pub error_messages: IndexMap<String, Tpl>,
    /// Okta Workflows cards this action stands for.
    #[serde(default)]
    pub okta: Vec<String>,
    /// Where the outputs of those Okta cards are in this action's output, for `flowctl import`
    /// where its own rules find no field: the Okta output (`Group/key` or `key`, as the export
    /// names it) → a dotted path of declared fields (`{ "Incident/System ID": sys_id }`). For a
    /// list action, the path is in each record: where a record Okta streams to a helper, or
    /// the first of them, has the field of that name.
    #[serde(default)]
    pub okta_outputs: IndexMap<String, String>,
    /// Examples: inputs, the request they make, an answer and the output it gives. Each runs
    /// as a test against a local fake answering with `answer` (see
    /// `docs/connector-format.md`).
    #[serde(default)]
    pub examples: Vec<ExampleDef>,
}

/// One example of an action: a documented call that runs as a test.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExampleDef {
    /// What it shows.
    pub title: String,
    /// The card's inputs (plain values, no templates).
    #[serde(rename = "with", default)]
    pub inputs: IndexMap<String, serde_json::Value>,
    /// The request the card must send.
    pub request: ExampleRequest,
    /// The API's answer.
    pub answer: ExampleAnswer,
    /// The card's output for that answer (exactly one of `output` and `error`).
    #[serde(default, deserialize_with = "present")]
    pub output: Option<serde_json::Value>,
    /// Text the card's error message contains, for an answer the card fails on.
    #[serde(default)]
    pub error: Option<String>,
}

/// A field that may be `null`: present (even `null`) is `Some`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// The request an example must send.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExampleRequest {
    /// The method.
    pub method: String,
    /// The path after the base URL, inputs encoded as sent (`/api/v1/users/ada%40example.com`).
    pub path: String,
    /// The query parameters, exactly (a list for a repeated one); not checked when left out.
    #[serde(default)]
    pub query: Option<IndexMap<String, serde_json::Value>>,
    /// The body, exactly (JSON, or a form's fields as an object); not checked when left out.
    #[serde(default, deserialize_with = "present")]
    pub body: Option<serde_json::Value>,
}

/// The answer of an example's fake API.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExampleAnswer {
    /// The status (default 200).
    #[serde(default = "ok_status")]
    pub status: u16,
    /// Headers.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// The body, sent as JSON (a text is sent as it is; none sends an empty body).
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

fn ok_status() -> u16 {
    200
}

/// One input of an action.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputDef {
    /// text, number, boolean, date, list, list<T>, object or any.
    #[serde(rename = "type", default = "text_type")]
    pub ty: String,
    /// What it is.
    #[serde(default)]
    pub doc: String,
    /// An example value, for docs.
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    /// Must be given (default true).
    #[serde(default = "yes")]
    pub required: bool,
}

fn text_type() -> String {
    "text".into()
}

/// The request of an action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestDef {
    /// GET, POST, PUT, PATCH or DELETE.
    pub method: String,
    /// The path after the base URL; `{name}` is input `name` as one encoded path segment.
    pub path: String,
    /// Query parameters; null values are left out.
    #[serde(default)]
    pub query: IndexMap<String, Tpl>,
    /// Extra headers.
    #[serde(default)]
    pub headers: IndexMap<String, Tpl>,
    /// A JSON body; keys whose value is null are left out.
    #[serde(default)]
    pub body: Option<Tpl>,
    /// A form body (application/x-www-form-urlencoded) instead of `body`.
    #[serde(default)]
    pub form: Option<IndexMap<String, Tpl>>,
    /// A text body sent as it is (a multipart upload), instead of `body` or `form`; its
    /// content type is `headers`' `content-type`, else `text/plain; charset=utf-8`.
    #[serde(default)]
    pub text: Option<Tpl>,
}

/// An answer that counts as success.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuccessDef {
    /// The status it must have (any when absent: a rule with only `code` also accepts a
    /// 2xx answer that fails by its body, per `errors.when`).
    #[serde(default)]
    pub status: Option<u16>,
    /// The vendor error code it must have (per `errors.code`).
    #[serde(default)]
    pub code: Option<String>,
    /// Text the body must contain.
    #[serde(default)]
    pub cause_contains: Option<String>,
    /// A condition over `{ status, headers, body, inputs }` that must be true
    /// (`"{{ not (contains inputs.users \",\") }}"`).
    #[serde(default)]
    pub when: Option<Tpl>,
    /// The output then (over `{ status, headers, body, inputs }`); default: the action's.
    #[serde(default)]
    pub output: Option<Tpl>,
}

/// The output of an action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputDef {
    /// A template over `{ status, headers, body, inputs }` (default `{{ body }}`).
    #[serde(default)]
    pub value: Option<Tpl>,
    /// The output type: a type name, or a mapping of field names to types (nested).
    #[serde(rename = "type", default)]
    pub ty: Option<serde_json::Value>,
    /// Object types are closed (default open).
    #[serde(default)]
    pub closed: bool,
}
