//! `okta_event_hook` and `schedule` flows from the command line: `flowctl run` on a delivery
//! (one run per listed event) and on a schedule (one run, now); their compile errors.

use crate::common::{self, Run};
use serde_json::Value;

const HOOK_FLOW: &str = "examples/okta-event-hook/okta-joiner-notice.yaml";
const DELIVERY: &str = "examples/events/okta/event-hook-delivery.json";

#[test]
fn run_takes_a_delivery_and_runs_each_listed_event() {
    let r = Run::new(&["run", HOOK_FLOW, "--input", DELIVERY, "--dry-run", "--json"])
        .run()
        .ok();
    // With --json, one record per run, one after another.
    let records: Vec<Value> = serde_json::Deserializer::from_str(&r.stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    let seen: Vec<(String, String)> = records
        .iter()
        .map(|rec| {
            assert_eq!(rec["status"], "succeeded");
            let steps = rec["steps"].as_array().unwrap();
            let message = steps.iter().find(|s| s["id"] == "message").unwrap();
            // The run's trigger is its event and the delivery, nothing of the other events.
            let body: Value =
                serde_json::from_str(rec["trigger"]["body"].as_str().unwrap()).unwrap();
            assert_eq!(
                body["delivery"]["id"],
                "3f6a1c52-8d0e-4b7a-9e21-5c4d7b8a9f10"
            );
            (
                body["event"]["uuid"].as_str().unwrap().to_string(),
                message["output"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let seen: Vec<(&str, &str)> = seen.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        seen,
        vec![
            (
                "7c9d2e41-f6a8-11ee-9b1c-0b5e2f4a6d81",
                "New Okta user *Nina Hire* (nina.hire@example.com) by Ada Admin at 2026-03-02T09:14:58.120Z.\n"
            ),
            (
                "9b2f5a13-f6a8-11ee-9b1c-5e7a2c3d8e03",
                "*Nina Hire* (nina.hire@example.com) was added to *Finance* by Ada Admin at 2026-03-02T09:14:59.377Z.\n"
            ),
            (
                "ac3a6b24-f6a8-11ee-9b1c-7f8b3d4e9f14",
                "New Okta user *Omar Contractor* (omar.contractor@example.com) by HR Provisioning at 2026-03-02T09:14:59.810Z.\n"
            ),
        ]
    );
    assert!(
        r.stderr
            .contains("5 event(s), 3 of a type `okta-joiner-notice` lists: one run each"),
        "{}",
        r.stderr
    );
    // The trace heads each run with its event.
    let r = Run::new(&["run", HOOK_FLOW, "--input", DELIVERY, "--dry-run"])
        .run()
        .ok();
    assert!(
        r.stdout.starts_with(
            "── event 1/3: user.lifecycle.create 7c9d2e41-f6a8-11ee-9b1c-0b5e2f4a6d81\n"
        )
    );
    assert_eq!(r.stdout.matches("✓ succeeded").count(), 3, "{}", r.stdout);
}

#[test]
fn run_refuses_what_is_not_a_delivery() {
    let r = Run::new(&["run", HOOK_FLOW, "--input", "-", "--dry-run"])
        .stdin("{\"events\": []}")
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("-: not an Okta event hook delivery: `data` is missing"),
        "{}",
        r.stderr
    );
}

const SCHEDULED: &str = "flow: nightly\ntrigger:\n  schedule: { cron: \"0 2 * * *\", timezone: Europe/Berlin }\nsteps:\n  - id: done\n    card: flow.return\n    with: { outputs: { at: \"{{ trigger.scheduled_at }}\", zone: \"{{ trigger.timezone }}\" } }\n";

#[test]
fn run_runs_a_scheduled_flow_once_now() {
    let dir = common::project(
        "scheduled",
        "flows: flows\n",
        &[("flows/nightly.yaml", SCHEDULED.as_bytes())],
    );
    let r = Run::new(&["run", "nightly", "--json"]).dir(&dir).run().ok();
    let rec: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rec["status"], "succeeded");
    assert_eq!(rec["output"]["zone"], "Europe/Berlin");
    // Now, in the schedule's zone: `+01:00` or `+02:00`.
    let at = rec["output"]["at"].as_str().unwrap();
    assert!(at.ends_with("+01:00") || at.ends_with("+02:00"), "{at}");
}

#[test]
fn bad_cron_zone_and_event_fields_are_compile_errors_with_positions() {
    let bad = "flow: nightly\ntrigger:\n  schedule: { cron: \"0 25 * * *\", timezone: Europe/Berlin }\nsteps: []\n";
    let zone = "flow: zoned\ntrigger:\n  schedule: { cron: \"0 2 * * *\", timezone: Europe/Berlim }\nsteps: []\n";
    let field = "flow: hook\ntrigger:\n  okta_event_hook:\n    events: [user.lifecycle.create]\n    security: { secret: s }\nsteps:\n  - id: who\n    card: text.compose\n    with: { template: \"{{ trigger.event.actr.id }} {{ trigger.delivery.when }}\" }\n  - { id: done, card: flow.return, with: { outputs: { who: \"{{ who }}\" } } }\n";
    let dir = common::project(
        "bad-triggers",
        "flows: flows\n",
        &[
            ("flows/nightly.yaml", bad.as_bytes()),
            ("flows/zoned.yaml", zone.as_bytes()),
            ("flows/hook.yaml", field.as_bytes()),
        ],
    );
    let r = Run::new(&["validate"]).dir(&dir).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    for expected in [
        "error[E0006]: `0 25 * * *` is not a cron pattern: Component error: Number out of bounds.\n --> flows/nightly.yaml:3:21\n",
        "error[E0006]: `Europe/Berlim` is not a known time zone\n --> flows/zoned.yaml:3:44\n",
        "error[E0205]: `trigger.event` has no field `actr`\n --> flows/hook.yaml:9:41\n",
        "help: did you mean `actor`?",
        "error[E0205]: `trigger.delivery` has no field `when`\n --> flows/hook.yaml:9:72\n",
        "error: 4 errors, 0 warnings",
    ] {
        assert!(r.stderr.contains(expected), "{expected}\n{}", r.stderr);
    }
}
