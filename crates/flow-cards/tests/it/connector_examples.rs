//! Connector `examples:` run as tests: every example of every built-in connector goes through
//! its action card against a local fake answering with the example's answer; a wrong example
//! is caught, and a malformed one is a load error naming the action.

use flow_cards::connector::{
    Connector, ExampleProblem, builtin, load_project_connector, run_examples,
};
use std::collections::BTreeSet;

/// Every example of every built-in connector holds: the request sent is the one documented and
/// the output (or error) is the one documented.
#[tokio::test]
async fn every_builtin_connector_example_holds() {
    let mut count = 0;
    let mut wrong = Vec::new();
    let mut with_examples = BTreeSet::new();
    for c in builtin() {
        let (n, failures) = run_examples(c).await;
        if n > 0 {
            with_examples.insert(c.def.connector.clone());
        }
        count += n;
        wrong.extend(failures.iter().map(ToString::to_string));
    }
    assert!(
        wrong.is_empty(),
        "{} of {count} examples:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    for name in [
        "okta",
        "jira",
        "microsoft365",
        "github",
        "okta_devices",
        "google_drive",
        "google_sheets",
        "auth0",
        "salesforce",
        "jamf",
        "servicenow",
        "openai",
        "shopify",
        "marketo",
    ] {
        assert!(with_examples.contains(name), "{name} has no example");
    }
    assert!(count >= 15, "{count} examples");
}

const TOY: &str = r#"
connector: toy
title: Toy
settings:
  base_url: { url: true }
base_url: "{{ settings.base_url }}"
errors: { message: "{{ body.message }}" }
actions:
  get_thing:
    summary: Read a thing
    effect: reads
    inputs: { id: { type: text }, expand: { type: text, required: false } }
    request: { method: GET, path: "/things/{id}", query: { expand: "{{ inputs.expand }}" } }
    output: { value: "{{ body.thing }}", type: { name: text } }
    examples:
"#;

/// The toy connector with `examples` (YAML list items indented for `examples:`), loaded as a
/// project's connector file is.
fn toy(examples: &str) -> Result<&'static Connector, String> {
    let text = format!("{TOY}{examples}");
    load_project_connector("connectors/toy.yaml", &text).map_err(|d| {
        d.iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// The runner holds examples to what they say: a right one passes; a wrong output, path,
/// query, or a success where an error is documented, each fail with the difference.
#[tokio::test]
async fn examples_that_do_not_hold_are_reported() {
    let c = toy(r#"
      - title: right
        with: { id: "a b", expand: all }
        request: { method: GET, path: /things/a%20b, query: { expand: all } }
        answer: { body: { thing: { name: Widget } } }
        output: { name: Widget }
      - title: wrong output
        with: { id: a }
        request: { method: GET, path: /things/a }
        answer: { body: { thing: { name: Widget } } }
        output: { name: Gadget }
      - title: wrong path
        with: { id: a }
        request: { method: GET, path: /things/b }
        answer: { body: { thing: { name: Widget } } }
        output: { name: Widget }
      - title: wrong query
        with: { id: a, expand: all }
        request: { method: GET, path: /things/a, query: { expand: none } }
        answer: { body: { thing: { name: Widget } } }
        output: { name: Widget }
      - title: an error documented
        with: { id: a }
        request: { method: GET, path: /things/a }
        answer: { status: 404, body: { message: no such thing } }
        error: "Toy answered 404: no such thing"
      - title: an error that does not come
        with: { id: a }
        request: { method: GET, path: /things/a }
        answer: { body: { thing: { name: Widget } } }
        error: no such thing
"#)
    .unwrap();
    let (count, failures) = run_examples(c).await;
    assert_eq!(count, 6);
    let titles: Vec<&str> = failures.iter().map(|f| f.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "wrong output",
            "wrong path",
            "wrong query",
            "an error that does not come"
        ],
        "{failures:?}"
    );
    let problems: Vec<String> = failures.iter().map(|f| f.problem.to_string()).collect();
    assert!(problems[0].contains(r#"the example says {"name":"Gadget"}"#));
    assert!(problems[1].contains("sent GET /things/a"));
    assert!(problems[2].contains(r#"sent the query {"expand":"all"}"#));
    assert_eq!(
        failures[3].problem,
        ExampleProblem::NoError(r#"{"name":"Widget"}"#.into())
    );
    assert_eq!(failures[0].card, "toy.get_thing");
}

/// An example naming an unknown input, lacking a required one, with another method, or with
/// both or neither of `output` and `error`, does not load; the message names the action.
#[test]
fn malformed_examples_are_load_errors_naming_the_action() {
    let err = toy(r#"
      - title: bad
        with: { expand: all, colour: red }
        request: { method: POST, path: things }
        answer: { status: 99 }
"#)
    .err()
    .unwrap_or_default();
    for want in [
        "action `get_thing`: example `bad`: `with` names `colour`, which is not an input",
        "action `get_thing`: example `bad`: `with` lacks the required input `id`",
        "`request.method` is `POST`, the action sends GET",
        "`request.path` must start with `/`",
        "`answer.status` 99 is not an HTTP status",
        "give exactly one of `output` and `error`",
    ] {
        assert!(err.contains(want), "{want} not in:\n{err}");
    }
    let err = toy("      - { title: t, with: { id: a }, request: { method: GET, path: /things/a }, answer: {}, output: 1, extra: 2 }\n")
        .err()
        .unwrap_or_default();
    assert!(err.contains("extra"), "{err}");
}

/// A request with two of `body`, `form` and `text` does not load.
#[test]
fn a_request_with_two_bodies_is_a_load_error() {
    let text = r#"
connector: twobodies
title: Two bodies
base_url: "https://example.com"
actions:
  post_thing:
    summary: Post a thing
    effect: writes
    inputs: { name: { type: text } }
    request: { method: POST, path: /things, body: { name: "{{ inputs.name }}" }, text: "{{ inputs.name }}" }
"#;
    let err = load_project_connector("connectors/twobodies.yaml", text)
        .err()
        .map(|d| {
            d.iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    assert!(
        err.contains("a request has one of `body`, `form` and `text`"),
        "{err}"
    );
}
