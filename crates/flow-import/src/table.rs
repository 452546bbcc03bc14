//! The mapping table: one entry per Okta card (by address `<module>:<key>`), saying which
//! flowctl card it becomes and how its inputs and outputs map — or why it cannot be converted
//! yet. Supporting another Okta card is one more entry here.

/// One Okta card.
#[derive(Debug)]
pub struct Entry {
    /// `<module>:<key>` of the address (`okta:readUser`, `string:compose`).
    pub address: &'static str,
    /// The card's name in the Okta console.
    pub okta: &'static str,
    /// What it becomes.
    pub map: Map,
}

/// What an Okta card becomes.
#[derive(Debug)]
pub enum Map {
    /// A flowctl card, input by input.
    Card(CardMap),
    /// A card the converter handles itself (triggers, layout cards, reads, iterators,
    /// templates).
    Special(Special),
    /// Not convertible yet, and why (the report shows the reason).
    Unsupported(&'static str),
}

/// A card mapped field by field.
#[derive(Debug)]
pub struct CardMap {
    /// The flowctl card kind.
    pub card: &'static str,
    /// The connector whose connection the step uses (`okta`, `slack`), if any.
    pub connection: Option<&'static str>,
    /// flowctl input → where its value comes from.
    pub args: &'static [(&'static str, Arg)],
    /// Okta output (`Group/key`, `key`, or `Group/*` for every key of a group) → the path in
    /// the flowctl output (`""`: the whole output; `*` is replaced by the key).
    pub outputs: &'static [(&'static str, &'static str)],
    /// Okta inputs with no counterpart that may be dropped without changing what the card
    /// does (display options). Any other input that carries a value blocks the conversion.
    pub ignore: &'static [&'static str],
}

/// Where a flowctl input's value comes from.
#[derive(Debug)]
pub enum Arg {
    /// The first of these Okta inputs (`Group/key` or `key`) that has a value or a wire.
    Input(&'static [&'static str]),
    /// Text with `{Group/key}` holes filled from Okta inputs (e.g. an API path).
    Text(&'static str),
    /// A constant.
    Const(Konst),
    /// An Okta option translated value by value; an option not listed blocks the conversion.
    Choice(&'static str, &'static [(&'static str, Konst)]),
    /// Every input no other argument of the card reads, in the card's order, as a list (the
    /// extensible inputs of And, Or, Merge Lists, Zip). Written last.
    Rest,
}

/// A constant value in the table.
#[derive(Debug, Clone, Copy)]
pub enum Konst {
    /// Text.
    Str(&'static str),
    /// A whole number.
    Num(i64),
    /// A boolean.
    Bool(bool),
    /// Leave the flowctl input out (an option whose meaning is its default).
    Omit,
}

/// Cards the converter handles with code of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// API Endpoint event card → `trigger: api_endpoint`.
    ApiEndpoint,
    /// Helper Flow / Scheduled Flow event card → `trigger: helper` / `trigger: schedule`.
    Callable,
    /// Close → `http.close`.
    Close,
    /// Comment → a YAML comment above the next step.
    Comment,
    /// Noop → nothing.
    Noop,
    /// The hidden object expand node → a template path into its source.
    Expand,
    /// Get Multiple → template paths into its object.
    GetMultiple,
    /// Compose → `text.compose` with each `{{{placeholder}}}` a template.
    Compose,
    /// Concatenate → `text.compose` of the parts.
    Concat,
    /// Object Construct → `object.construct` (dotted keys become nested fields).
    Construct,
    /// Assign → `object.construct`; each output is a field of it.
    Assign,
    /// List Construct → a YAML list of the items, written where it is read.
    ListConstruct,
    /// For Each → `list.for_each`.
    ForEach,
    /// For Each – Ignore Errors → `list.for_each` with `on_item_error: continue`.
    ForEachIgnoreErrors,
    /// Map → `list.map`.
    ListMap,
    /// Filter Custom → `list.filter_custom`.
    FilterCustom,
    /// Formula → `number.formula`: its `{{{placeholder}}}` inputs become named `values`.
    Formula,
    /// Call Flow → `flow.call`.
    CallFlow,
    /// Call Flow Async → `flow.call` with `on_error: continue` (flowctl waits for it).
    CallFlowAsync,
    /// Return → `flow.return`.
    Return,
    /// Return Raw → `http.close` (endpoint flows).
    ReturnRaw,
    /// Return Error → `flow.fail`.
    Throw,
    /// Return Error If → `flow.fail` with `if:`.
    ThrowIf,
    /// Continue If → `flow.continue_if`.
    ContinueIf,
    /// If/Else → the `if:` of the steps in its branches.
    IfElse,
    /// If/ElseIf → a `branch:` block, a case per group.
    IfElseIf,
    /// Assign If → a `branch:` block whose arms set its value.
    AssignIf,
    /// Join (after an If/Else) → reads whichever branch ran.
    Join,
    /// If Error → its blocks' steps, guarded by the Try steps' errors.
    TryCatch,
    /// Tables Search Rows → `table.search_rows` (`limit: 1` for the first matching row).
    SearchRows,
    /// The other Tables cards → this `table.*` card (a row's values by column, its id).
    TableRow(&'static str),
    /// Tables Export to CSV → `table.export_csv` (its File Content is the CSV text).
    ExportCsv,
    /// Tables Read Table → no step: its Column Schema is a constant, the table's declared
    /// columns (`{ name, type }` each, by their Okta names).
    ReadTable,
    /// Reduce → `list.reduce`: its helper flow called per item with the memo.
    Reduce,
    /// Merge → `object.merge` of its objects, in order.
    Merge,
    /// Lookup → `flow.lookup`: its custom inputs are the cases.
    Lookup,
    /// Wait For → `flow.wait` for its amount of time.
    Wait,
    /// Repeat → `flow.repeat` of its helper flow.
    Repeat,
    /// HMAC → `crypto.hmac` under the `hmac_key` connection's secret (Okta's key value, read
    /// from a table in the templates, becomes a secret from the environment).
    Hmac,
    /// Delegated Flow (run by an admin from the Okta Admin Console, or by Identity Security
    /// Posture Management) → `trigger: helper` with its inputs.
    Delegated,
    /// Opsgenie's Build Participant Object → the participant object, built where it is read
    /// (it makes no request).
    OpsgenieParticipant,
    /// Opsgenie's Build Time Restriction Object → the restriction object, built where it is
    /// read (it makes no request).
    OpsgenieTimeRestriction,
    /// Google Workspace Admin's Assign License to User / Unassign License from User → this
    /// `google_workspace.*` card, for the one license of the card's list.
    GoogleLicense(&'static str),
}

impl Special {
    /// The flowctl card kinds this card becomes (none for triggers, layout cards and blocks).
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Special::Close | Special::ReturnRaw => &["http.close"],
            Special::Compose | Special::Concat => &["text.compose"],
            Special::Construct | Special::Assign => &["object.construct"],
            Special::ListConstruct => &["list.construct"],
            Special::GetMultiple => &["object.get_multiple"],
            Special::ForEach | Special::ForEachIgnoreErrors => &["list.for_each"],
            Special::ListMap => &["list.map"],
            Special::FilterCustom => &["list.filter_custom"],
            Special::Formula => &["number.formula"],
            Special::CallFlow => &["flow.call"],
            Special::CallFlowAsync => &["flow.call_async", "flow.call"],
            Special::Return => &["flow.return"],
            Special::Throw | Special::ThrowIf => &["flow.fail"],
            Special::ContinueIf => &["flow.continue_if"],
            Special::AssignIf => &["flow.assign_if"],
            Special::SearchRows => &["table.search_rows"],
            Special::TableRow(card) => match card {
                "table.create_row" => &["table.create_row"],
                "table.update_row" => &["table.update_row"],
                "table.delete_row" => &["table.delete_row"],
                "table.read_row" => &["table.read_row"],
                _ => &["table.clear"],
            },
            Special::ExportCsv => &["table.export_csv"],
            Special::Reduce => &["list.reduce"],
            Special::Merge => &["object.merge"],
            Special::Lookup => &["flow.lookup"],
            Special::Wait => &["flow.wait"],
            Special::Repeat => &["flow.repeat"],
            Special::Hmac => &["crypto.hmac"],
            Special::GoogleLicense(card) => match card {
                "google_workspace.assign_license" => &["google_workspace.assign_license"],
                "google_workspace.remove_license" => &["google_workspace.remove_license"],
                _ => &[],
            },
            Special::ApiEndpoint
            | Special::Callable
            | Special::Delegated
            | Special::Comment
            | Special::Noop
            | Special::Expand
            | Special::IfElse
            | Special::IfElseIf
            | Special::Join
            | Special::TryCatch
            | Special::OpsgenieParticipant
            | Special::OpsgenieTimeRestriction
            | Special::ReadTable => &[],
        }
    }
}

/// An Okta user's outputs (Read User and the other user cards) → the fields of Okta's user
/// object.
pub const OKTA_USER_OUTPUTS: &[(&str, &str)] = &[
    ("System Properties/ID", "id"),
    ("System Properties/Status", "status"),
    ("System Properties/Created", "created"),
    ("System Properties/Activated", "activated"),
    ("System Properties/Status Changed", "statusChanged"),
    ("System Properties/Last Login", "lastLogin"),
    ("System Properties/Last Updated", "lastUpdated"),
    ("System Properties/Password Changed", "passwordChanged"),
    ("System Properties/Credentials", "credentials"),
    ("Profile Properties/*", "profile.*"),
];

const OPERATORS: &[(&str, Konst)] = &[
    ("==", Konst::Str("eq")),
    ("===", Konst::Str("eq")),
    ("!=", Konst::Str("ne")),
    ("!==", Konst::Str("ne")),
    (">", Konst::Str("gt")),
    (">=", Konst::Str("gte")),
    ("<", Konst::Str("lt")),
    ("<=", Konst::Str("lte")),
    ("has", Konst::Str("contains")),
    ("doesn't have", Konst::Str("not_contains")),
    ("in", Konst::Str("in")),
    ("not in", Konst::Str("not_in")),
    ("is empty", Konst::Str("is_empty")),
    ("is not empty", Konst::Str("is_not_empty")),
];

/// Okta's time units (as shown, and as stored lower case) → flowctl's.
const UNITS: &[(&str, Konst)] = &[
    ("Seconds", Konst::Str("seconds")),
    ("Minutes", Konst::Str("minutes")),
    ("Hours", Konst::Str("hours")),
    ("Days", Konst::Str("days")),
    ("Weeks", Konst::Str("weeks")),
    ("Months", Konst::Str("months")),
    ("Years", Konst::Str("years")),
    ("seconds", Konst::Str("seconds")),
    ("minutes", Konst::Str("minutes")),
    ("hours", Konst::Str("hours")),
    ("days", Konst::Str("days")),
    ("weeks", Konst::Str("weeks")),
    ("months", Konst::Str("months")),
    ("years", Konst::Str("years")),
];

const YES_NO: &[(&str, Konst)] = &[("Yes", Konst::Bool(true)), ("No", Konst::Bool(false))];

/// The output of a card with one output, whatever Okta named it (`?`: the card's only output).
const ONE_OUTPUT: &[(&str, &str)] = &[("output", ""), ("?", "")];

/// A function card (no connection) whose only output is the flowctl card's whole output.
const fn pure(
    address: &'static str,
    okta: &'static str,
    card: &'static str,
    args: &'static [(&'static str, Arg)],
) -> Entry {
    Entry {
        address,
        okta,
        map: Map::Card(CardMap {
            card,
            connection: None,
            args,
            outputs: ONE_OUTPUT,
            ignore: &[],
        }),
    }
}

// Okta's input keys for the function cards below follow the ones observed in real exports
// (`string` for a text, `list`, `object`, `path`, `a`/`b`); where a card's keys were not seen,
// each argument lists the likely keys, and any input the entry does not name still blocks the
// card, so a wrong guess is reported, never converted wrongly.
const TEXT: Arg = Arg::Input(&["string", "text", "input"]);
const LIST: Arg = Arg::Input(&["list", "input"]);
const OBJECT: Arg = Arg::Input(&["object", "input"]);
const NUMBER: Arg = Arg::Input(&["number", "a", "value", "input"]);
const A: Arg = Arg::Input(&["a", "value a", "list 1", "list1", "first"]);
const B: Arg = Arg::Input(&["b", "value b", "list 2", "list2", "second"]);
const PATTERN: Arg = Arg::Input(&["pattern", "regex", "regular expression", "expression"]);
const ZONE: Arg = Arg::Input(&["timezone", "time zone", "zone", "tz"]);

/// An entry of one of the HTTP connector's method cards (`httpfunctions:get`, …): Raw Request's
/// fields with the method fixed.
macro_rules! http_method {
    ($address:literal, $okta:literal, $method:literal) => {
        card(
            $address,
            $okta,
            CardMap {
                card: "http.request",
                connection: None,
                args: &[
                    ("method", Arg::Const(Konst::Str($method))),
                    ("url", Arg::Input(&["Request/URL"])),
                    ("query", Arg::Input(&["Request/Query"])),
                    ("headers", Arg::Input(&["Request/Headers"])),
                    ("body", Arg::Input(&["Request/Body"])),
                ],
                outputs: &[
                    ("Response/Status Code", "status"),
                    ("Response/Headers", "headers"),
                    ("Response/Body", "body"),
                ],
                ignore: &[],
            },
        )
    };
}

/// Every Okta card the importer knows, one entry each.
pub static TABLE: &[Entry] = &[
    // Events and flow control.
    special("http:accept", "API Endpoint", Special::ApiEndpoint),
    special("http:close", "Close", Special::Close),
    special("http:delegated", "Delegated Flow", Special::Delegated),
    special("control:callable", "Helper Flow", Special::Callable),
    special("control:comment", "Comment", Special::Comment),
    special("control:noop", "Noop", Special::Noop),
    special("control:return", "Return", Special::Return),
    special("control:returnRaw", "Return Raw", Special::ReturnRaw),
    special("control:throw", "Return Error", Special::Throw),
    special("control:throwIf", "Return Error If", Special::ThrowIf),
    special("control:continueIf", "Continue If", Special::ContinueIf),
    special("control:spawn", "Call Flow", Special::CallFlow),
    special("control:run", "Call Flow Async", Special::CallFlowAsync),
    special("control:let", "Assign", Special::Assign),
    special("control:if", "If/Else", Special::IfElse),
    special("control:branch", "If/ElseIf", Special::IfElseIf),
    special("control:join", "Join", Special::Join),
    special("control:tryCatch", "If Error", Special::TryCatch),
    special("control:assignIf", "Assign If", Special::AssignIf),
    special("control:lookup", "Lookup", Special::Lookup),
    special("control:wait", "Wait For", Special::Wait),
    // Seen in a public template: Wait Until (`control:until`) takes `date`.
    special("control:until", "Wait Until", Special::Wait),
    unsupported(
        "control:pause",
        "Pause",
        "flowctl has no Pause/Resume (a flow cannot wait for an outside call to resume it)",
    ),
    special("control:times", "Repeat", Special::Repeat),
    // JSON.
    card(
        "json:parse",
        "JSON Parse",
        CardMap {
            card: "json.parse",
            connection: None,
            args: &[("text", Arg::Input(&["string"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    card(
        "json:stringify",
        "JSON Stringify",
        CardMap {
            card: "json.stringify",
            connection: None,
            args: &[("value", Arg::Input(&["object"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    // Objects.
    card(
        "object:get",
        "Object Get",
        CardMap {
            card: "object.get",
            connection: None,
            args: &[
                ("object", Arg::Input(&["object"])),
                ("path", Arg::Input(&["path"])),
            ],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    special("object:pick", "Get Multiple", Special::GetMultiple),
    special("object:expand", "(hidden object field)", Special::Expand),
    special("object:construct", "Object Construct", Special::Construct),
    special("object:merge", "Merge", Special::Merge),
    pure(
        "object:set",
        "Object Set",
        "object.set",
        &[
            ("object", OBJECT),
            ("path", Arg::Input(&["path", "key"])),
            ("value", Arg::Input(&["value"])),
        ],
    ),
    pure(
        "object:mapToList",
        "Map to List",
        "object.map_to_list",
        &[("object", OBJECT)],
    ),
    pure(
        "object:values",
        "Object Values",
        "object.values",
        &[("object", OBJECT)],
    ),
    pure(
        "object:keys",
        "Object Keys",
        "object.keys",
        &[("object", OBJECT)],
    ),
    pure(
        "object:clearEmpty",
        "Clear Empty",
        "object.clear_empty",
        &[("object", OBJECT)],
    ),
    pure(
        "object:remove",
        "Object Remove",
        "object.remove",
        &[("object", OBJECT), ("keys", Arg::Input(&["keys", "paths"]))],
    ),
    // Text.
    special("string:compose", "Compose", Special::Compose),
    special("string:concat", "Concatenate", Special::Concat),
    // Split's keys are observed in the public templates; the others follow the same
    // layout (`string` in, `output` out). An input the entry does not name still blocks the card.
    card(
        "string:split",
        "Split",
        CardMap {
            card: "text.split",
            connection: None,
            args: &[
                ("text", Arg::Input(&["string"])),
                ("separator", Arg::Input(&["delimiter"])),
            ],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    card(
        "string:toLowerCase",
        "To Lower Case",
        CardMap {
            card: "text.lower",
            connection: None,
            args: &[("text", Arg::Input(&["string"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    card(
        "string:trim",
        "Trim",
        CardMap {
            card: "text.trim",
            connection: None,
            args: &[("text", Arg::Input(&["string"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    // Seen in a public template: `string` ("look in"), `src` ("look for"), `dest` ("replace
    // with"), `global` ("all instances", a boolean) and `sensitive` ("case sensitive").
    pure(
        "string:replace",
        "Replace",
        "text.replace",
        &[
            ("text", TEXT),
            ("find", Arg::Input(&["src"])),
            ("replace", Arg::Input(&["dest"])),
            ("all", Arg::Input(&["global"])),
            ("case_sensitive", Arg::Input(&["sensitive"])),
        ],
    ),
    pure(
        "string:replacePattern",
        "Replace Pattern",
        "text.replace_pattern",
        &[
            ("text", TEXT),
            ("pattern", PATTERN),
            (
                "replace",
                Arg::Input(&["replace", "replacement", "replace with", "with"]),
            ),
        ],
    ),
    pure(
        "string:toUpperCase",
        "To Upper Case",
        "text.upper",
        &[("text", TEXT)],
    ),
    pure(
        "string:find",
        "Find",
        "text.find",
        &[
            ("text", TEXT),
            // Seen in a public template: `substr` is what to look for.
            (
                "find",
                Arg::Input(&["substr", "find", "search", "search for", "value"]),
            ),
            ("start", Arg::Input(&["start", "start index", "from"])),
        ],
    ),
    // Seen in a public template: the address key `match` is Find Pattern, `string` ("look
    // in") and `target` ("look for", a pattern) → `output`, the position.
    pure(
        "string:match",
        "Find Pattern",
        "text.search",
        &[("text", TEXT), ("pattern", Arg::Input(&["target"]))],
    ),
    // Seen in the public templates: Find Last takes `string`, `substr` (what to look for) and
    // `index` (where to start looking back from; none in the templates, and a set one blocks
    // the card).
    pure(
        "string:lastIndexOf",
        "Find Last",
        "text.find_last",
        &[
            ("text", TEXT),
            (
                "find",
                Arg::Input(&["substr", "target", "find", "search", "value"]),
            ),
        ],
    ),
    pure(
        "string:findPattern",
        "Find Pattern",
        "text.find_pattern",
        &[("text", TEXT), ("pattern", PATTERN)],
    ),
    pure(
        // Seen in a public template: the address key is `substr`, the inputs `string`,
        // `start` ("start at") and `end` ("end before").
        "string:substr",
        "Text Segment",
        "text.segment",
        &[
            ("text", TEXT),
            ("start", Arg::Input(&["start"])),
            ("end", Arg::Input(&["end"])),
        ],
    ),
    pure(
        "string:pad",
        "Pad",
        "text.pad",
        &[
            ("text", TEXT),
            ("length", Arg::Input(&["length", "size"])),
            ("fill", Arg::Input(&["fill", "pad", "padding", "character"])),
        ],
    ),
    // Seen in the public templates: Random (`string:random`) takes `length` → `output`; Find
    // Email (`string:email`) takes `string` → `email`.
    pure(
        "string:random",
        "Random",
        "text.random",
        &[("length", Arg::Input(&["length"]))],
    ),
    card(
        "string:email",
        "Find Email",
        CardMap {
            card: "text.find_email",
            connection: None,
            args: &[("text", Arg::Input(&["string"]))],
            outputs: &[("email", ""), ("output", "")],
            ignore: &[],
        },
    ),
    // Seen in a public template: Base64 (`string:base64`) encodes `string` → `output`.
    pure(
        "string:base64",
        "Base64",
        "text.base64_encode",
        &[("text", TEXT)],
    ),
    pure(
        "string:base64Encode",
        "Base64 Encode",
        "text.base64_encode",
        &[("text", TEXT)],
    ),
    pure(
        "string:base64Decode",
        "Base64 Decode",
        "text.base64_decode",
        &[("text", TEXT)],
    ),
    pure(
        "string:urlEncode",
        "URL Encode",
        "text.url_encode",
        &[("text", TEXT)],
    ),
    pure(
        "string:urlDecode",
        "URL Decode",
        "text.url_decode",
        &[("text", TEXT)],
    ),
    card(
        "string:length",
        "Text Length",
        CardMap {
            card: "text.length",
            connection: None,
            args: &[("text", Arg::Input(&["string"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    // Lists.
    special("list:each", "For Each", Special::ForEach),
    special(
        "list:asyncEach",
        "For Each – Ignore Errors",
        Special::ForEachIgnoreErrors,
    ),
    special("list:map", "Map", Special::ListMap),
    special("list:construct", "List Construct", Special::ListConstruct),
    card(
        "list:join",
        "List to Text",
        CardMap {
            card: "list.to_text",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("separator", Arg::Input(&["delimiter"])),
            ],
            outputs: &[("string", "")],
            ignore: &[],
        },
    ),
    card(
        "list:length",
        "Length",
        CardMap {
            card: "list.length",
            connection: None,
            args: &[("list", Arg::Input(&["list"]))],
            outputs: &[("length", "")],
            ignore: &[],
        },
    ),
    card(
        "list:pluck",
        "Pluck",
        CardMap {
            card: "list.pluck",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("key", Arg::Input(&["key"])),
            ],
            outputs: &[("values", "")],
            ignore: &[],
        },
    ),
    card(
        "list:at",
        "At",
        CardMap {
            card: "list.at",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("index", Arg::Input(&["index"])),
            ],
            outputs: &[("item", "")],
            ignore: &[],
        },
    ),
    card(
        "list:shift",
        "Get First Item",
        // Seen in the public templates: `item` is the first item, `list` the rest (a template
        // joins it as a last name after the first).
        CardMap {
            card: "list.shift",
            connection: None,
            args: &[("list", Arg::Input(&["list"]))],
            outputs: &[("item", "item"), ("list", "rest")],
            ignore: &[],
        },
    ),
    card(
        "list:pop",
        "Get Last Item",
        CardMap {
            card: "list.at",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("index", Arg::Const(Konst::Num(-1))),
            ],
            outputs: &[("item", "")],
            ignore: &[],
        },
    ),
    card(
        "list:sortBy",
        "Sort",
        CardMap {
            card: "list.sort",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("path", Arg::Input(&["path"])),
            ],
            outputs: &[("sorted list", ""), ("output", "")],
            ignore: &[],
        },
    ),
    card(
        "list:uniqueBy",
        "Remove Duplicates",
        CardMap {
            card: "list.unique",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("path", Arg::Input(&["path"])),
            ],
            outputs: &[("unique list", ""), ("output", "")],
            ignore: &[],
        },
    ),
    card(
        "list:filterBy",
        "Filter",
        CardMap {
            card: "list.filter",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("path", Arg::Input(&["path"])),
                ("operator", Arg::Choice("operator", OPERATORS)),
                ("value", Arg::Input(&["comparison"])),
            ],
            outputs: &[("list", ""), ("output", "")],
            ignore: &[],
        },
    ),
    card(
        "list:findBy",
        "Find",
        CardMap {
            card: "list.find",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("path", Arg::Input(&["path"])),
                ("operator", Arg::Choice("operator", OPERATORS)),
                ("value", Arg::Input(&["comparison"])),
            ],
            outputs: &[("item", "item"), ("index", "index")],
            ignore: &[],
        },
    ),
    special("list:filter", "Filter Custom", Special::FilterCustom),
    special("list:reduce", "Reduce", Special::Reduce),
    card(
        "list:sample",
        "Sample",
        CardMap {
            card: "list.sample",
            connection: None,
            args: &[
                ("list", Arg::Input(&["list"])),
                ("count", Arg::Input(&["amount"])),
            ],
            outputs: &[("samples", "")],
            ignore: &[],
        },
    ),
    pure(
        "list:includes",
        "Includes",
        "list.includes",
        &[
            ("list", LIST),
            ("value", Arg::Input(&["value", "item", "search", "find"])),
        ],
    ),
    // Okta's Flatten flattens every level; Collapse one. Seen in a public template: Flatten's
    // input is `lists`, its output `list`.
    pure(
        "list:flatten",
        "Flatten",
        "list.flatten",
        &[
            ("list", Arg::Input(&["lists", "list", "input"])),
            ("deep", Arg::Const(Konst::Bool(true))),
        ],
    ),
    pure(
        "list:collapse",
        "Collapse",
        "list.flatten",
        &[("list", LIST)],
    ),
    pure(
        "list:union",
        "Union",
        "list.union",
        &[
            ("list", Arg::Input(&["list 1", "list1", "a", "list"])),
            ("other", B),
        ],
    ),
    pure(
        "list:intersection",
        "Intersection",
        "list.intersection",
        &[
            ("list", Arg::Input(&["list 1", "list1", "a", "list"])),
            ("other", B),
        ],
    ),
    pure(
        "list:difference",
        "Difference",
        "list.difference",
        &[
            ("list", Arg::Input(&["list 1", "list1", "a", "list"])),
            ("other", B),
        ],
    ),
    // Seen in the public templates: Add to End (`list:push`) takes `list` and `item` and
    // gives `list`, the list with the item at its end.
    pure(
        "list:push",
        "Add to End",
        "list.append",
        &[("list", LIST), ("item", Arg::Input(&["item"]))],
    ),
    pure(
        "list:append",
        "Append",
        "list.append",
        &[("list", LIST), ("item", Arg::Input(&["item", "value"]))],
    ),
    pure(
        "list:merge",
        "Merge Lists",
        "list.merge",
        &[("lists", Arg::Rest)],
    ),
    pure("list:reverse", "Reverse", "list.reverse", &[("list", LIST)]),
    pure(
        "list:slice",
        "Slice",
        "list.slice",
        &[
            ("list", LIST),
            ("start", Arg::Input(&["start", "begin", "from"])),
            ("end", Arg::Input(&["end", "to"])),
        ],
    ),
    pure("list:zip", "Zip", "list.zip", &[("lists", Arg::Rest)]),
    // Numbers and dates.
    // Add's keys (`a`, `b` → `output`) are observed; the other math cards share its layout.
    // A third number (Add is extensible) has no counterpart, so it blocks the card.
    card(
        "math:add",
        "Add",
        CardMap {
            card: "number.add",
            connection: None,
            args: &[("a", Arg::Input(&["a"])), ("b", Arg::Input(&["b"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    card(
        "math:subtract",
        "Subtract",
        CardMap {
            card: "number.subtract",
            connection: None,
            args: &[("a", Arg::Input(&["a"])), ("b", Arg::Input(&["b"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    card(
        "math:multiply",
        "Multiply",
        CardMap {
            card: "number.multiply",
            connection: None,
            args: &[("a", Arg::Input(&["a"])), ("b", Arg::Input(&["b"]))],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    card(
        "math:divide",
        "Divide",
        CardMap {
            card: "number.divide",
            connection: None,
            // Seen in the public templates: `decimals` ("Number of decimal points") rounds the
            // quotient. Its other output, `percentage`, has no counterpart (reading it blocks).
            args: &[
                ("a", Arg::Input(&["a"])),
                ("b", Arg::Input(&["b"])),
                ("places", Arg::Input(&["decimals"])),
            ],
            outputs: &[("output", "")],
            ignore: &[],
        },
    ),
    // Now: `output` (a date) as the templates' Scheduled Flow reports read it; an input the
    // entry does not name (a format, a zone) still blocks the card.
    card(
        "date:now",
        "Now",
        CardMap {
            card: "date.now",
            connection: None,
            args: &[],
            // Okta's Now has `date` (a Date) and `iso` (its ISO 8601 text) besides parts of
            // the time (`hour`, `day`, …), which have no counterpart and block the card when
            // read.
            outputs: &[("date", ""), ("iso", ""), ("output", "")],
            ignore: &[],
        },
    ),
    // Subtract (`date:subtract`) seen in a public template: `start`, `scale` (the amount),
    // `unit` (lower case: `days`). Add (`date:add`) is taken to have the same keys; any other
    // input with a value blocks the card.
    card(
        "date:add",
        "Add to Date",
        CardMap {
            card: "date.add",
            connection: None,
            args: &[
                ("date", Arg::Input(&["date", "start"])),
                ("amount", Arg::Input(&["scale", "amount", "add", "offset"])),
                ("unit", Arg::Choice("unit", UNITS)),
            ],
            outputs: &[("output", ""), ("date", ""), ("result", "")],
            ignore: &[],
        },
    ),
    card(
        "date:subtract",
        "Subtract from Date",
        CardMap {
            card: "date.subtract",
            connection: None,
            args: &[
                ("date", Arg::Input(&["date", "start"])),
                (
                    "amount",
                    Arg::Input(&["scale", "amount", "subtract", "offset"]),
                ),
                ("unit", Arg::Choice("unit", UNITS)),
            ],
            outputs: &[("output", ""), ("date", ""), ("result", "")],
            ignore: &[],
        },
    ),
    // Seen in the public templates: Date to Text's date is `start`.
    pure(
        "date:format",
        "Date to Text",
        "date.format",
        &[
            ("date", Arg::Input(&["start", "date", "input"])),
            ("format", Arg::Input(&["format"])),
            ("zone", ZONE),
        ],
    ),
    // Seen in a public template: UNIX (`date:unix`) takes `start` and gives `output`, the
    // milliseconds since 1970 (Okta's reference), which is `unix` of `date.convert`.
    card(
        "date:unix",
        "UNIX",
        CardMap {
            card: "date.convert",
            connection: None,
            args: &[("date", Arg::Input(&["start"]))],
            outputs: &[("output", "unix")],
            ignore: &[],
        },
    ),
    // Seen in a public template: EPOCH (`date:epoch`) takes `start` and gives `output`, the
    // seconds since 1970, which is `epoch` of `date.convert`.
    card(
        "date:epoch",
        "EPOCH",
        CardMap {
            card: "date.convert",
            connection: None,
            args: &[("date", Arg::Input(&["start"]))],
            outputs: &[("output", "epoch")],
            ignore: &[],
        },
    ),
    // Seen in a public template: Text to Date's text is `start`, its format `format` (`x`,
    // milliseconds since 1970, is one).
    pure(
        "date:parse",
        "Text to Date",
        "date.parse",
        &[
            ("text", Arg::Input(&["start", "string", "text"])),
            ("format", Arg::Input(&["format"])),
            ("zone", ZONE),
        ],
    ),
    // Seen in a public template: Convert (`date:fromISO`) takes `start`, `format` and `zone`
    // and gives the date (`date`, here `zoned`: the same instant with the zone's offset) and
    // its forms `iso`, `epoch` (seconds), `unix` (milliseconds), `human` and `custom` (in
    // `format`), which `date.convert` gives by the same names.
    card(
        "date:fromISO",
        "Convert",
        CardMap {
            card: "date.convert",
            connection: None,
            args: &[
                ("date", Arg::Input(&["start"])),
                ("format", Arg::Input(&["format"])),
                ("zone", Arg::Input(&["zone"])),
            ],
            outputs: &[
                ("date", "zoned"),
                ("iso", "iso"),
                ("epoch", "epoch"),
                ("unix", "unix"),
                ("human", "human"),
                ("custom", "custom"),
            ],
            ignore: &[],
        },
    ),
    // Seen in a public template: Difference (`date:diff`) takes `start` (shown as "end date")
    // and `end` (shown as "start date") and gives the time from `end` to `start` in every unit
    // (`days`, `hours`, …, with fractions: the template rounds the days). Months and years
    // have no exact length; reading them blocks the card.
    card(
        "date:diff",
        "Difference",
        CardMap {
            card: "date.elapsed",
            connection: None,
            args: &[
                ("start", Arg::Input(&["end"])),
                ("end", Arg::Input(&["start"])),
            ],
            outputs: &[
                ("milliseconds", "milliseconds"),
                ("seconds", "seconds"),
                ("minutes", "minutes"),
                ("hours", "hours"),
                ("days", "days"),
            ],
            ignore: &[],
        },
    ),
    special("math:expression", "Formula", Special::Formula),
    // Seen in the public templates: the key comes from a table; flowctl keeps it in a
    // `kind: key` connection instead.
    special("crypto:hmac", "HMAC", Special::Hmac),
    // Numbers: the other math cards.
    pure(
        "math:abs",
        "Absolute Value",
        "number.absolute",
        &[("number", NUMBER)],
    ),
    pure(
        "math:ceil",
        "Ceiling",
        "number.ceiling",
        &[("number", NUMBER)],
    ),
    pure("math:floor", "Floor", "number.floor", &[("number", NUMBER)]),
    pure(
        "math:round",
        "Round",
        "number.round",
        &[
            ("number", NUMBER),
            (
                "places",
                Arg::Input(&["places", "precision", "decimal places", "digits", "b"]),
            ),
        ],
    ),
    pure(
        "math:sqrt",
        "Square Root",
        "number.square_root",
        &[("number", NUMBER)],
    ),
    pure(
        "math:pow",
        "Power",
        "number.power",
        &[
            ("a", Arg::Input(&["a", "base", "number"])),
            ("b", Arg::Input(&["b", "exponent", "power"])),
        ],
    ),
    pure(
        "math:mod",
        "Remainder",
        "number.remainder",
        &[("a", A), ("b", B)],
    ),
    pure("math:sum", "Sum", "number.sum", &[("list", LIST)]),
    pure(
        "math:average",
        "Average",
        "number.average",
        &[("list", LIST)],
    ),
    pure("math:max", "Max", "number.max", &[("list", LIST)]),
    pure("math:min", "Min", "number.min", &[("list", LIST)]),
    pure(
        "math:random",
        "Random Number",
        "number.random",
        &[
            ("min", Arg::Input(&["min", "from", "low", "minimum"])),
            ("max", Arg::Input(&["max", "to", "high", "maximum"])),
        ],
    ),
    pure(
        "string:toNumber",
        "Text to Number",
        "number.parse",
        &[("text", TEXT)],
    ),
    // True/False.
    pure(
        "boolean:and",
        "And",
        "boolean.and",
        &[("values", Arg::Rest)],
    ),
    pure("boolean:or", "Or", "boolean.or", &[("values", Arg::Rest)]),
    pure(
        "boolean:not",
        "Not",
        "boolean.not",
        &[("value", Arg::Input(&["a", "value", "input"]))],
    ),
    pure("boolean:xor", "Xor", "boolean.xor", &[("a", A), ("b", B)]),
    pure(
        "boolean:compare",
        "Compare",
        "boolean.compare",
        &[
            ("a", Arg::Input(&["left-operand", "a", "value a"])),
            ("operator", Arg::Choice("operator", OPERATORS)),
            ("b", Arg::Input(&["right-operand", "b", "value b"])),
        ],
    ),
    // Okta connector.
    card(
        "okta:readUser",
        "Okta Read User",
        CardMap {
            card: "okta.read_user",
            connection: Some("okta"),
            args: &[("user", Arg::Input(&["User/ID or Login", "ID or Login"]))],
            outputs: OKTA_USER_OUTPUTS,
            ignore: &[],
        },
    ),
    card(
        "okta:clearUserSessions",
        "Okta Clear User Sessions",
        CardMap {
            card: "okta.clear_user_sessions",
            connection: Some("okta"),
            args: &[
                ("user_id", Arg::Input(&["User/ID", "ID"])),
                (
                    "revoke_oauth_tokens",
                    Arg::Input(&["User/Revoke oauthTokens?", "Revoke oauthTokens?"]),
                ),
            ],
            outputs: &[("Output/Status Code", "status_code")],
            ignore: &[],
        },
    ),
    card(
        "okta:suspendUser",
        "Okta Suspend User",
        CardMap {
            card: "okta.suspend_user",
            connection: Some("okta"),
            args: &[(
                "user_id",
                Arg::Input(&["User/ID or Login", "User/ID", "ID or Login", "ID"]),
            )],
            outputs: &[
                ("Output/Status Code", "status_code"),
                ("Status Code", "status_code"),
            ],
            ignore: &[],
        },
    ),
    card(
        "okta:unsuspendUser",
        "Okta Unsuspend User",
        CardMap {
            card: "okta.unsuspend_user",
            connection: Some("okta"),
            args: &[(
                "user_id",
                Arg::Input(&["User/ID or Login", "User/ID", "ID or Login", "ID"]),
            )],
            outputs: &[
                ("Output/Status Code", "status_code"),
                ("Status Code", "status_code"),
            ],
            ignore: &[],
        },
    ),
    card(
        "okta:addNewUserToGroup",
        "Okta Add User to Group",
        CardMap {
            card: "okta.api_request",
            connection: Some("okta"),
            args: &[
                ("method", Arg::Const(Konst::Str("PUT"))),
                (
                    "path",
                    Arg::Text("/api/v1/groups/{Group/id}/users/{User/id}"),
                ),
            ],
            outputs: &[("Result/status", "status")],
            ignore: &[],
        },
    ),
    card(
        "okta:removeUserFromGroup",
        "Okta Remove User from Group",
        CardMap {
            card: "okta.api_request",
            connection: Some("okta"),
            args: &[
                ("method", Arg::Const(Konst::Str("DELETE"))),
                (
                    "path",
                    Arg::Text("/api/v1/groups/{Group/id}/users/{User/id}"),
                ),
            ],
            outputs: &[("Result/status", "status")],
            ignore: &[],
        },
    ),
    // Observed in the public templates: the status to match under `Inputs`, the Result Set
    // option, the users under `Result/Users` (Okta's user fields, named its own way).
    card(
        "okta:listUsersWithFilter",
        "Okta List Users with Filter",
        CardMap {
            card: "okta.list_users",
            connection: Some("okta"),
            args: &[
                ("filter", Arg::Text("status eq \"{Inputs/status}\"")),
                (
                    "limit",
                    Arg::Choice(
                        "parameters/resultSet",
                        &[
                            ("First 200 Records", Konst::Num(200)),
                            ("All Matching Records", Konst::Omit),
                        ],
                    ),
                ),
            ],
            outputs: &[("Result/Users", "")],
            ignore: &[],
        },
    ),
    unsupported(
        "okta:getUsersGroups",
        "Okta Get User's Groups",
        "needs the Okta action `okta.get_users_groups` (not in this flowctl yet)",
    ),
    unsupported(
        "okta:hTTPRequest",
        "Okta Custom API Action",
        "goes to `okta.api_request` by name when flowctl passes its cards (`flowctl import` does)",
    ),
    // Slack connector.
    card(
        "slack:sendMessageToChannel2",
        "Slack Send Message to Channel",
        CardMap {
            card: "slack.send_message",
            connection: Some("slack"),
            args: &[
                ("channel", Arg::Input(&["parameters/channel"])),
                (
                    "text",
                    Arg::Input(&["Message/Text", "Message/Notification Message"]),
                ),
                ("blocks", Arg::Input(&["Message/Blocks"])),
                ("thread_ts", Arg::Input(&["Message/Thread Timestamp"])),
                ("unfurl_links", Arg::Choice("parameters/links", YES_NO)),
            ],
            outputs: &[("Message/Timestamp", "ts")],
            // "Use Channel ID Instead?" (the channel is an id either way), "Send as bot?"
            // (a bot token always posts as the bot), the Slackbot name, the message type
            // (the filled input says it).
            ignore: &[
                "parameters/useId",
                "parameters/bot",
                "Slackbot/Name",
                "parameters/messageType",
            ],
        },
    ),
    // HTTP connector (no connection: Okta's Raw Request takes auth in its headers).
    card(
        "httpfunctions:raw",
        "HTTP Raw Request",
        CardMap {
            card: "http.request",
            connection: None,
            args: &[
                ("method", Arg::Input(&["Request/Method"])),
                ("url", Arg::Input(&["Request/URL"])),
                ("query", Arg::Input(&["Request/Query"])),
                ("headers", Arg::Input(&["Request/Headers"])),
                ("body", Arg::Input(&["Request/Body"])),
            ],
            outputs: &[
                ("Response/Status Code", "status"),
                ("Response/Headers", "headers"),
                ("Response/Body", "body"),
            ],
            ignore: &[],
        },
    ),
    // Seen in the public templates: HTTP Post and Get have Raw Request's fields without the
    // Method; Put, Patch and Delete follow them.
    http_method!("httpfunctions:post", "HTTP Post", "POST"),
    http_method!("httpfunctions:get", "HTTP Get", "GET"),
    http_method!("httpfunctions:put", "HTTP Put", "PUT"),
    http_method!("httpfunctions:patch", "HTTP Patch", "PATCH"),
    http_method!("httpfunctions:delete", "HTTP Delete", "DELETE"),
    // Opsgenie connector: cards that build an object the rotation cards take, with no request
    // (seen in a public template: `parameters/participantType`, `Participant/identifierType`
    // and `identifier` → `Result/Participant`; `parameters/restrictionType` and the
    // `Restriction` fields → `Result/Time Restriction`).
    special(
        "opsgenie:buildParticipantObject",
        "Opsgenie Build Participant Object",
        Special::OpsgenieParticipant,
    ),
    special(
        "opsgenie:buildTimeRestrictionsObject",
        "Opsgenie Build Time Restriction Object",
        Special::OpsgenieTimeRestriction,
    ),
    // Google Workspace Admin connector: the license cards take a list of licenses, flowctl's
    // one (seen in the public templates: `Product/licenses`, `User/id`).
    special(
        "googledirectory:assignALicenseToUser",
        "Google Workspace Admin Assign License to User",
        Special::GoogleLicense("google_workspace.assign_license"),
    ),
    special(
        "googledirectory:unassignLicenseFromUser",
        "Google Workspace Admin Unassign License from User",
        Special::GoogleLicense("google_workspace.remove_license"),
    ),
    // Tables.
    special(
        "stash:searchRows2",
        "Tables Search Rows",
        Special::SearchRows,
    ),
    special(
        "stash:searchRows",
        "Tables Search Rows",
        Special::SearchRows,
    ),
    special(
        "stash:createRow",
        "Tables Create Row",
        Special::TableRow("table.create_row"),
    ),
    special(
        "stash:updateRow",
        "Tables Update Row",
        Special::TableRow("table.update_row"),
    ),
    special(
        "stash:deleteRows",
        "Tables Delete Rows",
        Special::TableRow("table.delete_row"),
    ),
    special(
        "stash:deleteRow",
        "Tables Delete Row",
        Special::TableRow("table.delete_row"),
    ),
    special(
        "stash:readRow",
        "Tables Read Row",
        Special::TableRow("table.read_row"),
    ),
    special(
        "stash:clearTable",
        "Tables Clear Table",
        Special::TableRow("table.clear"),
    ),
    special(
        "stash:clear",
        "Tables Clear Table",
        Special::TableRow("table.clear"),
    ),
    special(
        "stash:exportToCSV",
        "Tables Export to CSV",
        Special::ExportCsv,
    ),
    special("stash:readTable", "Tables Read Table", Special::ReadTable),
];

const fn special(address: &'static str, okta: &'static str, s: Special) -> Entry {
    Entry {
        address,
        okta,
        map: Map::Special(s),
    }
}

const fn card(address: &'static str, okta: &'static str, c: CardMap) -> Entry {
    Entry {
        address,
        okta,
        map: Map::Card(c),
    }
}

const fn unsupported(address: &'static str, okta: &'static str, why: &'static str) -> Entry {
    Entry {
        address,
        okta,
        map: Map::Unsupported(why),
    }
}

/// flowctl cards that name Okta cards in their documentation but that no Okta card is
/// converted to, and why.
pub const NOT_IMPORTED: &[(&str, &str)] = &[
    (
        "crypto.jwt_sign",
        "Okta's JWT Sign holds its key as text in the flow (a `kind: key` connection in flowctl), and its export address was not seen",
    ),
    (
        "crypto.jwt_verify",
        "Okta's JWT Verify holds its key as text in the flow (a `kind: key` connection in flowctl), and its export address was not seen",
    ),
    (
        "date.difference",
        "Okta's Difference (`date:diff`) gives every unit at once, with fractions: it becomes `date.elapsed`; `date.difference` counts whole units",
    ),
    (
        "text.match",
        "Okta's Match: its export address was not seen (the key `match` is Find Pattern, which becomes `text.search`)",
    ),
    (
        "number.compare",
        "Okta's True/False Compare becomes `boolean.compare`, which compares values of any kind",
    ),
    (
        "csv.create",
        "Okta's To CSV writes a file (a value of type `file`), which flowctl has no counterpart for",
    ),
    (
        "table.import_csv",
        "Okta's Import CSV reads a file (a value of type `file`), which flowctl has no counterpart for",
    ),
];

/// The entry for `<module>:<key>`, compared exactly.
pub fn lookup(key: &str) -> Option<&'static Entry> {
    TABLE.iter().find(|e| e.address == key)
}

/// Why a card with no entry cannot be converted.
pub fn unknown_reason(key: &str, address: &str) -> String {
    if address.starts_with("root:channels:") {
        let app = key.split(':').next().unwrap_or(key);
        format!("no flowctl card for this `{app}` connector action yet")
    } else {
        format!("no flowctl card for `{key}` yet")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The connectors whose cards are Rust cards of the registry (found by name, as YAML
    /// connector actions are).
    const CONNECTORS: &[&str] = &[
        "okta",
        "slack",
        "google_workspace",
        "microsoft365",
        "github",
        "google_sheets",
        "google_drive",
    ];

    #[test]
    fn one_entry_per_address() {
        let mut seen = HashSet::new();
        for e in TABLE {
            assert!(seen.insert(e.address), "two entries for {}", e.address);
            assert!(e.address.contains(':') && !e.okta.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn mapped_cards_name_flowctl_kinds_and_their_inputs() {
        for e in TABLE {
            let Map::Card(c) = &e.map else { continue };
            assert!(c.card.contains('.'), "{}: {}", e.address, c.card);
            assert_eq!(
                c.connection.is_some(),
                c.card.starts_with("okta.") || c.card.starts_with("slack."),
                "{}",
                e.address
            );
            let mut names = HashSet::new();
            for (name, arg) in c.args {
                assert!(names.insert(*name), "{}: `{name}` twice", e.address);
                if let Arg::Text(t) = arg {
                    assert!(t.contains('{') && t.contains('}'), "{}: {t}", e.address);
                }
            }
            assert!(!c.outputs.is_empty(), "{} maps no output", e.address);
        }
    }

    /// The input names of a registry card (the properties of its `with:` schema).
    fn inputs_of(schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema) -> Vec<String> {
        let mut g = schemars::SchemaGenerator::default();
        let schema = schema(&mut g);
        schema
            .as_value()
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every kind an entry converts to.
    fn kinds_of(e: &Entry) -> Vec<&'static str> {
        match &e.map {
            Map::Card(c) => vec![c.card],
            Map::Special(s) => s.kinds().to_vec(),
            Map::Unsupported(_) => Vec::new(),
        }
    }

    #[test]
    fn every_card_the_table_names_is_in_the_registry_with_those_inputs() {
        let registry = flow_cards::registry();
        for e in TABLE {
            for kind in kinds_of(e) {
                let spec = registry.cards().iter().find(|s| s.kind == kind);
                let Some(spec) = spec else {
                    panic!(
                        "{} maps to `{kind}`, which the registry does not have",
                        e.address
                    );
                };
                if let Map::Card(c) = &e.map
                    && c.card == kind
                    && c.connection.is_none()
                {
                    let inputs = inputs_of(spec.schema);
                    for (name, _) in c.args {
                        assert!(
                            inputs.iter().any(|i| i == name),
                            "{}: `{kind}` has no input `{name}` ({inputs:?})",
                            e.address
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_card_with_an_okta_name_is_reachable_from_the_table() {
        let registry = flow_cards::registry();
        let reachable: HashSet<&str> = TABLE.iter().flat_map(kinds_of).collect();
        let mut missing = Vec::new();
        for b in flow_cards::documented() {
            let kind = b.spec.kind;
            // Connector cards are found by their Okta name (kinds.rs), not by the table.
            let connector = flow_cards::connector::action_doc(&registry, kind).is_some()
                || kind
                    .split('.')
                    .next()
                    .is_some_and(|c| CONNECTORS.contains(&c));
            if b.doc.okta.is_empty() || connector || reachable.contains(kind) {
                continue;
            }
            if NOT_IMPORTED
                .iter()
                .any(|(k, why)| *k == kind && !why.is_empty())
            {
                continue;
            }
            missing.push(format!("{kind} ({})", b.doc.okta.join(", ")));
        }
        assert!(
            missing.is_empty(),
            "not reachable from the table: {missing:#?}"
        );
        for (kind, _) in NOT_IMPORTED {
            assert!(
                !reachable.contains(kind),
                "`{kind}` is listed as not imported, but the table maps to it"
            );
        }
    }

    #[test]
    fn lookups_and_unknown_cards() {
        assert!(
            matches!(lookup("okta:readUser").map(|e| &e.map), Some(Map::Card(c)) if c.card == "okta.read_user")
        );
        assert!(matches!(
            lookup("control:pause").map(|e| &e.map),
            Some(Map::Unsupported(r)) if r.contains("Pause")
        ));
        assert!(lookup("okta:nope").is_none());
        assert_eq!(
            unknown_reason(
                "zoom:createMeeting",
                "root:channels:http:zoom:1.0.0:createMeeting"
            ),
            "no flowctl card for this `zoom` connector action yet"
        );
    }
}
