//! `okta.suspend_user`: `POST /api/v1/users/{id}/lifecycle/suspend` (the shared logic is in
//! [`super::lifecycle`]).

use super::lifecycle::{Lifecycle, lifecycle_spec};
use flow_card::CardSpec;
use flow_card::{CardDoc, Example};

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    build: |cx| {
        Some(Box::new(Lifecycle::new(
            cx.config()?,
            "suspend",
            "SUSPENDED",
        )))
    },
    ..lifecycle_spec(
        "okta.suspend_user",
        "Suspend an Okta user (already suspended is success)",
    )
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Suspends a user (already `SUSPENDED` is success).
Output: `{ status_code, already }`. `already: true` means the user was already in the target
state: that counts as success. A user in any other state (`DEPROVISIONED`, `STAGED`, …) is an
`invalid_state` error that names the state.

It takes `connection:`, the name of an `okta` connection (`E0214` when it does not exist,
`E0215` when it is of another kind). The exact requests are in
[connectors.md](connectors.md#okta). In a dry run nothing is sent: the output is a rehearsal."#,
    okta: &["Okta - Suspend User"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: okta, user_id: 00u1 }"#,
            r#"{"status_code": 200, "already": false}"#,
        ),
        Example::rejected(
            "A connection of another kind",
            r#"{ connection: slack, user_id: 00u1 }"#,
            "E0215",
        ),
    ],
};
