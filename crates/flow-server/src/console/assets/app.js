// The flowctl console: renders the pages from the JSON API under /console/api/.
// Data is always set as text (textContent), never parsed as HTML.
"use strict";

const FOLD_AT = 2000; // characters of JSON above which a value starts folded

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function api(path, options) {
  const resp = await fetch("/console/api/" + path, Object.assign({ credentials: "same-origin" }, options));
  if (resp.status === 401) {
    // The session ended: the page itself now answers with the sign-in form.
    window.location.reload();
    throw new Error("signed out");
  }
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(body.error || ("HTTP " + resp.status));
  return body;
}

function ms(v) {
  if (v === null || v === undefined) return "…";
  if (v < 1000) return v.toFixed(v < 10 ? 1 : 0) + " ms";
  if (v < 60000) return (v / 1000).toFixed(2) + " s";
  return (v / 60000).toFixed(1) + " min";
}

function badge(s) {
  return el("span", { class: "status status-" + s }, s);
}

function runLink(id) {
  return el("a", { href: "/console/executions/" + encodeURIComponent(id) }, id);
}

function problem(main, err) {
  main.append(el("p", { class: "error", role: "alert" }, err.message));
}

// A value shown as JSON, folded when big.
function value(label, v) {
  const text = typeof v === "string" ? v : JSON.stringify(v, null, 2);
  const big = text.length > FOLD_AT;
  return el("details", { open: !big },
    el("summary", {}, label + (big ? " (" + text.length.toLocaleString() + " characters)" : "")),
    el("pre", {}, text));
}

// ---- executions ---------------------------------------------------------------------------

function toRfc3339(local) {
  if (!local) return "";
  const d = new Date(local);
  return isNaN(d) ? "" : d.toISOString();
}

async function executionsPage(main) {
  const params = new URLSearchParams(window.location.search);
  const field = (name, label, input) => el("div", {}, el("label", { for: "f-" + name }, label), input);
  const statusSelect = el("select", { id: "f-status", name: "status" },
    ["", "queued", "running", "succeeded", "failed", "stopped"].map(s =>
      el("option", { value: s, selected: params.get("status") === s }, s || "any")));
  const flowSelect = el("select", { id: "f-flow", name: "flow" }, el("option", { value: "" }, "any"));
  const form = el("form", { class: "filters", method: "get", action: "/console/", role: "search" },
    field("flow", "Flow", flowSelect),
    field("status", "Status", statusSelect),
    field("since", "Started after", el("input", { id: "f-since", name: "since", type: "datetime-local", value: params.get("since") || "" })),
    field("until", "Started before", el("input", { id: "f-until", name: "until", type: "datetime-local", value: params.get("until") || "" })),
    field("q", "Trigger contains", el("input", { id: "f-q", name: "q", type: "search", value: params.get("q") || "" })),
    el("div", {}, el("button", { type: "submit" }, "Filter")));
  const live = el("span", { class: "live", "aria-live": "polite" }, "");
  const tbody = el("tbody", {});
  const table = el("table", { class: "runs" },
    el("thead", {}, el("tr", {}, ["Started", "Flow", "Status", "Duration", "Answer", "Execution", "Error"].map(h => el("th", { scope: "col" }, h)))),
    tbody);
  const more = el("button", { type: "button", class: "secondary", hidden: true }, "Older runs");
  main.replaceChildren(el("h1", {}, "Executions"), form, el("p", {}, live), table, el("div", { class: "pager" }, more));

  api("flows").then(body => {
    for (const f of body.flows) {
      flowSelect.append(el("option", { value: f.name, selected: params.get("flow") === f.name }, f.name));
    }
  }).catch(() => {});

  const query = new URLSearchParams();
  for (const k of ["flow", "status", "q"]) if (params.get(k)) query.set(k, params.get(k));
  for (const k of ["since", "until"]) if (params.get(k)) query.set(k, toRfc3339(params.get(k)));
  let next = null;
  let paged = false;

  function row(r) {
    return el("tr", { "data-id": r.execution_id },
      el("td", {}, r.started_at),
      el("td", {}, r.flow),
      el("td", {}, badge(r.status)),
      el("td", {}, ms(r.duration_ms)),
      el("td", {}, r.response_status === null || r.response_status === undefined ? "" : String(r.response_status)),
      el("td", { class: "id" }, runLink(r.execution_id)),
      el("td", {}, r.error ? el("span", { class: "status-failed" }, r.error) : ""));
  }

  async function load(before) {
    const q = new URLSearchParams(query);
    if (before) q.set("before", before);
    const body = await api("executions?" + q.toString());
    if (!before) tbody.replaceChildren();
    tbody.append(...body.executions.map(row));
    if (!before && body.executions.length === 0) {
      tbody.append(el("tr", {}, el("td", { colspan: 7 }, "No runs match.")));
    }
    next = body.next;
    more.hidden = !next;
  }

  more.addEventListener("click", () => {
    paged = true;
    load(next).catch(e => problem(main, e));
  });
  try {
    await load(null);
  } catch (e) {
    problem(main, e);
    return;
  }
  // Live: a run starting or ending reloads the first page (unless older pages are open).
  const feed = new EventSource("/console/api/feed");
  let pending = null;
  const refresh = () => {
    if (paged || pending) return;
    pending = setTimeout(() => { pending = null; load(null).catch(() => {}); }, 250);
  };
  feed.addEventListener("open", () => { live.className = "live on"; live.textContent = "Live"; });
  feed.addEventListener("error", () => { live.className = "live"; live.textContent = "Reconnecting…"; });
  feed.addEventListener("run", refresh);
  feed.addEventListener("lagged", refresh);
}

// ---- one execution ------------------------------------------------------------------------

function exchanges(list) {
  const box = el("div", {});
  for (const x of list) {
    const head = [x.method, x.url, "→", x.status ?? "no answer", "(" + ms(x.duration_ms) + ")",
      x.attempt > 1 ? "attempt " + x.attempt : "", x.rehearsal ? "rehearsed" : ""].filter(Boolean).join(" ");
    const parts = [el("summary", {}, head)];
    if (x.headers && x.headers.length) parts.push(value("Headers", Object.fromEntries(x.headers)));
    if (x.body !== undefined && x.body !== null) parts.push(value("Body", x.body));
    if (x.error) parts.push(el("p", { class: "error" }, x.error));
    box.append(el("details", { class: "exchange" }, parts));
  }
  return box;
}

function stepView(step, depth) {
  const failed = step.status === "failed";
  const summary = el("summary", {},
    el("b", {}, step.id), " · ", step.card, " · ", badge(step.status),
    " · ", step.attempts + (step.attempts === 1 ? " attempt" : " attempts"), " · ", ms(step.duration_ms));
  const body = [summary];
  if (step.error) body.push(el("div", { class: "error", role: "alert" }, typeof step.error === "string" ? step.error : JSON.stringify(step.error, null, 2)));
  if (step.reason) body.push(el("p", {}, "Skipped: " + step.reason));
  if (step.input) body.push(value("Inputs", step.input));
  if (step.output !== undefined && step.output !== null) body.push(value("Output", step.output));
  if (step.retries && step.retries.length) body.push(value("Retries", step.retries));
  if (step.http && step.http.length) body.push(el("h3", {}, "HTTP"), exchanges(step.http));
  if (step.children && step.children.length) {
    body.push(el("h3", {}, "Helper runs (" + step.children.length + ")"));
    for (const child of step.children) body.push(childView(child, depth + 1));
  }
  if (step.children_omitted) {
    const o = step.children_omitted;
    body.push(el("p", { class: "hint" }, "Not kept: " + o.succeeded + " succeeded, " + o.failed + " failed, " + o.stopped + " stopped"));
  }
  return el("details", { class: "step" + (failed ? " failed" : ""), open: failed || depth === 0 }, body);
}

function childView(run, depth) {
  const label = [run.flow, run.index !== undefined ? "#" + run.index : "", "·", run.status, "·", ms(run.duration_ms)].filter(Boolean).join(" ");
  const parts = [el("summary", {}, "Helper run ", el("b", {}, label))];
  if (run.error) parts.push(el("div", { class: "error", role: "alert" }, runError(run.error)));
  if (run.inputs) parts.push(value("Inputs", run.inputs));
  for (const s of run.steps) parts.push(stepView(s, depth));
  if (run.output !== null && run.output !== undefined) parts.push(value("Output", run.output));
  return el("details", { class: "child", "data-flow": run.flow }, parts);
}

function runError(e) {
  return (e.step ? e.step + ": " : "") + e.message + (e.kind ? " (" + e.kind + ")" : "");
}

function runView(record) {
  const parts = [
    el("div", { class: "meta" },
      el("span", {}, "Flow ", el("b", {}, record.flow)),
      el("span", {}, "Status ", badge(record.status)),
      el("span", {}, "Started ", el("b", {}, record.started_at)),
      el("span", {}, "Duration ", el("b", {}, ms(record.duration_ms))),
      record.dry_run ? el("span", {}, el("b", {}, "dry run")) : null,
      el("span", {}, "Execution ", el("b", {}, record.execution_id))),
  ];
  if (record.error) parts.push(el("div", { class: "error", role: "alert" }, runError(record.error)));
  if (record.trigger) parts.push(value("Trigger", record.trigger));
  if (record.inputs) parts.push(value("Inputs", record.inputs));
  if (record.response) parts.push(value("Answer (" + record.response.status + ")", record.response));
  parts.push(el("h2", {}, "Steps"));
  for (const s of record.steps) parts.push(stepView(s, 0));
  if (record.output !== null && record.output !== undefined) parts.push(value("Output", record.output));
  return el("div", {}, parts);
}

async function executionPage(main, id) {
  let record;
  try {
    record = await api("executions/" + encodeURIComponent(id));
  } catch (e) {
    main.replaceChildren(el("h1", {}, "Execution"));
    problem(main, e);
    return;
  }
  const dry = el("input", { type: "checkbox", id: "dry-run" });
  const replay = el("button", { type: "button", id: "replay" }, "Replay");
  const result = el("div", { "aria-live": "polite" });
  replay.addEventListener("click", async () => {
    replay.disabled = true;
    result.replaceChildren(el("p", {}, "Replaying…"));
    try {
      const body = await api("executions/" + encodeURIComponent(id) + "/replay" + (dry.checked ? "?dry_run=true" : ""), { method: "POST" });
      if (body.dry_run) {
        result.replaceChildren(el("h2", {}, "Dry run"), runView(body.record));
      } else {
        const link = runLink(body.execution_id);
        link.id = "replayed";
        result.replaceChildren(el("p", {}, "Queued as ", link));
        link.focus();
      }
    } catch (e) {
      result.replaceChildren(el("p", { class: "error", role: "alert" }, e.message));
    } finally {
      replay.disabled = false;
    }
  });
  main.replaceChildren(
    el("h1", {}, record.flow + " · " + record.status),
    el("div", { class: "actions" }, replay, el("span", {}, dry, " ", el("label", { for: "dry-run" }, "Dry run (rehearse every effect; not stored)"))),
    result,
    runView(record));
}

// ---- flows --------------------------------------------------------------------------------

async function flowsPage(main) {
  main.replaceChildren(el("h1", {}, "Flows"));
  let body;
  try {
    body = await api("flows");
  } catch (e) {
    problem(main, e);
    return;
  }
  for (const f of body.flows) {
    const t = f.trigger;
    const trigger = t.kind === "api_endpoint"
      ? el("span", {}, "Endpoint ", el("code", {}, window.location.origin + t.url), " (" + t.security + ")")
      : el("span", {}, "Helper, inputs: " + (t.inputs.join(", ") || "none"));
    const graph = el("ol", { class: "graph", "aria-label": "Steps in order" },
      f.steps.map(s => el("li", {}, el("b", {}, s.id), el("small", {}, s.card), s.after.length ? el("small", {}, "after " + s.after.join(", ")) : null)));
    const runs = f.last_runs.length
      ? el("table", { class: "runs" }, el("tbody", {}, f.last_runs.map(r =>
        el("tr", {}, el("td", {}, r.started_at), el("td", {}, badge(r.status)), el("td", {}, ms(r.duration_ms)), el("td", { class: "id" }, runLink(r.execution_id))))))
      : el("p", { class: "hint" }, body.history ? "No runs yet." : "Run history is off.");
    main.append(el("section", { class: "card", "aria-labelledby": "flow-" + f.name },
      el("h2", { id: "flow-" + f.name }, f.name),
      f.description ? el("p", {}, f.description) : null,
      el("p", {}, trigger),
      graph,
      el("h3", {}, "Last runs"),
      runs,
      el("p", {}, el("a", { href: "/console/?flow=" + encodeURIComponent(f.name) }, "All runs of " + f.name))));
  }
}

// ---- queue --------------------------------------------------------------------------------

async function queuePage(main) {
  const refresh = el("button", { type: "button", class: "secondary" }, "Refresh");
  const box = el("div", { "aria-live": "polite" });
  main.replaceChildren(el("h1", {}, "Queue"), el("div", { class: "actions" }, refresh), box);
  async function load() {
    try {
      const q = await api("queue");
      box.replaceChildren(
        el("div", { class: "meta" },
          el("span", {}, "Queued ", el("b", {}, q.queued + " of " + q.max)),
          el("span", {}, "Running ", el("b", {}, q.in_flight + " of " + q.max_in_flight))),
        q.flows.length
          ? el("table", {}, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Flow"), el("th", { scope: "col" }, "Waiting"), el("th", { scope: "col" }, "Oldest waited"))),
            el("tbody", {}, q.flows.map(f => el("tr", {}, el("td", {}, f.flow), el("td", {}, String(f.depth)), el("td", {}, ms(f.oldest_age_ms))))))
          : el("p", {}, "Nothing is waiting."));
    } catch (e) {
      box.replaceChildren();
      problem(box, e);
    }
  }
  refresh.addEventListener("click", load);
  await load();
}

// ---- routing ------------------------------------------------------------------------------

function route() {
  const main = document.getElementById("main");
  const path = window.location.pathname;
  let page = "executions";
  if (path === "/console/flows") page = "flows";
  else if (path === "/console/queue") page = "queue";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.nav === page) a.setAttribute("aria-current", "page");
  }
  const m = path.match(/^\/console\/executions\/([^/]+)$/);
  if (m) return executionPage(main, decodeURIComponent(m[1]));
  if (page === "flows") return flowsPage(main);
  if (page === "queue") return queuePage(main);
  return executionsPage(main);
}

document.addEventListener("DOMContentLoaded", route);
