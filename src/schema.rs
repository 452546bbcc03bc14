//! The JSON Schema of flow files: the fixed keys of a flow, its trigger and its steps, and for
//! each card kind the schema of its `with:` (generated from the card's config type).

use flow_card::Registry;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// Each card's `with:` schema (in registry order) and the shared definitions they refer to.
pub fn card_schemas(registry: &Registry) -> (Vec<Value>, Value) {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let schemas = registry
        .cards()
        .iter()
        .map(|spec| registry.card_schema(spec, &mut generator).to_value())
        .collect();
    let defs: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    (schemas, Value::Object(defs))
}

fn duration() -> Value {
    json!({
        "description": "a duration such as 500ms, 30s, 5m, 1h30m, or a number of seconds",
        "anyOf": [
            { "type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$|^[0-9]+$" },
            { "type": "integer", "minimum": 0 }
        ]
    })
}

/// The whole schema.
pub fn flow_schema(registry: &Registry) -> Value {
    let (schemas, card_defs) = card_schemas(registry);
    let mut defs = match card_defs {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let kinds: Vec<&str> = registry.cards().iter().map(|c| c.kind).collect();
    let mut branches = Vec::new();
    for (spec, schema) in registry.cards().iter().zip(schemas) {
        let name = format!("with.{}", spec.kind);
        let mut schema = schema;
        if let Value::Object(m) = &mut schema {
            m.entry("description")
                .or_insert_with(|| Value::String(spec.summary.to_string()));
        }
        defs.insert(name.clone(), schema);
        branches.push(json!({
            "if": { "properties": { "card": { "const": spec.kind } }, "required": ["card"] },
            "then": { "properties": { "with": { "$ref": format!("#/$defs/{name}") } } }
        }));
    }
    defs.insert("duration".into(), duration());
    defs.insert(
        "type_name".into(),
        json!({ "type": "string", "pattern": "^(text|number|boolean|date|object|any|list(<.+>)?)$",
                "description": "text, number, boolean, date, object, any or list<T>" }),
    );
    defs.insert(
        "step".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "card"],
            "properties": {
                "id": { "type": "string", "pattern": "^[a-z_][a-z0-9_]*$", "description": "the step's name; later steps read its output as {{ id.field }}" },
                "card": { "enum": kinds, "description": "the card kind (`flowctl cards` lists them)" },
                "with": { "description": "the card's inputs" },
                "if": { "description": "a condition template; when false the step is skipped" },
                "after": { "type": "array", "items": { "type": "string" }, "description": "steps this step waits for; [] opts an effect out of the written order" },
                "retry": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "attempts": { "type": "integer", "minimum": 1, "maximum": 100 },
                        "backoff": { "$ref": "#/$defs/duration" },
                        "max_backoff": { "$ref": "#/$defs/duration" }
                    }
                },
                "timeout": { "$ref": "#/$defs/duration" },
                "on_error": { "enum": ["fail", "continue"] },
                "description": { "type": "string" }
            },
            "allOf": branches
        }),
    );
    block_defs(&mut defs);
    defs.insert(
        "trigger".into(),
        json!({
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": false,
            "properties": {
                "api_endpoint": {
                    "type": ["object", "null"],
                    "additionalProperties": false,
                    "properties": {
                        "alias": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$" },
                        "security": {
                            "type": "object", "additionalProperties": false,
                            "properties": {
                                "client_token": { "type": "string" },
                                "public": { "type": "boolean" },
                                "hmac": {
                                    "type": "object", "additionalProperties": false, "required": ["secret"],
                                    "properties": {
                                        "preset": { "enum": ["github", "slack", "stripe", "standard_webhooks"] },
                                        "secret": { "type": "string" }, "header": { "type": "string" }, "prefix": { "type": "string" },
                                        "timestamp_header": { "type": "string" }, "tolerance": { "$ref": "#/$defs/duration" }
                                    }
                                }
                            }
                        },
                        "accept": { "enum": ["json", "any"] },
                        "dedupe": {
                            "type": "object", "additionalProperties": false, "required": ["key"],
                            "properties": { "key": { "type": "string" }, "window": { "$ref": "#/$defs/duration" } }
                        },
                        "rate_limit": {
                            "type": "object", "additionalProperties": false, "required": ["per_second"],
                            "properties": { "per_second": { "type": "number", "exclusiveMinimum": 0 }, "burst": { "type": "integer", "minimum": 1 } }
                        },
                        "sync_timeout": { "$ref": "#/$defs/duration" }
                    }
                },
                "okta_event_hook": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["events", "security"],
                    "properties": {
                        "events": { "type": "array", "minItems": 1, "items": { "type": "string", "pattern": "^[a-z0-9_.]+$" }, "description": "the Okta event types that start a run" },
                        "security": {
                            "type": "object", "additionalProperties": false, "required": ["secret"],
                            "properties": { "header": { "type": "string" }, "secret": { "type": "string" } }
                        }
                    }
                },
                "schedule": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["cron"],
                    "properties": {
                        "cron": { "type": "string", "description": "5 fields (minute hour day month weekday), or 6 with seconds first" },
                        "timezone": { "type": "string", "description": "an IANA time zone (default UTC)" }
                    }
                },
                "helper": {
                    "type": ["object", "null"],
                    "additionalProperties": false,
                    "properties": {
                        "inputs": { "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/type_name" } }
                    }
                }
            }
        }),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/flowctl/flowctl/docs/flow.schema.json",
        "title": "flowctl flow",
        "description": "A flowctl flow file: one trigger and a list of steps.",
        "type": "object",
        "additionalProperties": false,
        "required": ["flow", "trigger", "steps"],
        "properties": {
            "flow": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "description": "the flow's name, unique in the project" },
            "description": { "type": "string" },
            "trigger": { "$ref": "#/$defs/trigger" },
            "history": {
                "type": "object", "additionalProperties": false,
                "properties": { "save_data": { "type": "boolean" }, "retention": { "$ref": "#/$defs/duration" } }
            },
            "steps": { "type": "array", "items": { "$ref": "#/$defs/step_or_block" } }
        },
        "$defs": Value::Object(defs)
    })
}

/// Blocks (`branch:`, `try:`) and their arms; a list of steps holds steps and blocks.
fn block_defs(defs: &mut Map<String, Value>) {
    let steps = json!({ "type": "array", "items": { "$ref": "#/$defs/step_or_block" } });
    let outputs =
        json!({ "type": "object", "description": "values read after the block as {{ id.name }}" });
    defs.insert(
        "step_or_block".into(),
        json!({ "anyOf": [{ "$ref": "#/$defs/step" }, { "$ref": "#/$defs/block" }] }),
    );
    defs.insert(
        "arm".into(),
        json!({ "type": "object", "additionalProperties": false, "required": ["steps"],
                "properties": { "steps": steps, "outputs": outputs } }),
    );
    defs.insert(
        "case".into(),
        json!({ "type": "object", "additionalProperties": false, "required": ["when", "steps"],
                "properties": { "when": { "description": "a condition template" }, "steps": steps, "outputs": outputs } }),
    );
    defs.insert(
        "block".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["id"],
            "properties": {
                "id": { "type": "string", "pattern": "^[a-z_][a-z0-9_]*$", "description": "the block's name; later steps read its outputs as {{ id.name }}" },
                "description": { "type": "string" },
                "branch": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/case" }, "description": "cases; the first whose `when` holds runs (Okta's If/ElseIf)" },
                "else": { "$ref": "#/$defs/arm" },
                "try": { "$ref": "#/$defs/arm", "description": "steps whose failure is caught (Okta's If Error)" },
                "catch": { "$ref": "#/$defs/arm", "description": "runs when a step of `try` failed, with `error` in scope" }
            },
            "oneOf": [
                { "required": ["branch"], "not": { "anyOf": [{ "required": ["try"] }, { "required": ["catch"] }] } },
                { "required": ["try"], "not": { "anyOf": [{ "required": ["branch"] }, { "required": ["else"] }] } }
            ]
        }),
    );
}
