#!/usr/bin/env python3
"""Writes the structure of a real Okta Workflows export as a survey record (the inverse of
`rehydrate.py`): `to_record.py EXPORT.flopack RECORD.json`. Used to check that a record keeps
what the importer reads: the import of `rehydrate(to_record(x))` must equal that of `x`."""
import json, sys

def short(d):
    if isinstance(d, str) and len(d) > 400:
        return d[:400]
    return d

def field(f):
    v = f.get("value") or {}
    md = f.get("metadata") or {}
    out = {"id": f.get("id"), "key": f.get("key")}
    if f.get("group") is not None:
        out["group"] = f["group"]
    if v.get("type", "string") != "string":
        out["type"] = v.get("type")
    if v.get("collection"):
        out["collection"] = True
    d = v.get("data")
    if v.get("type") == "flo" and isinstance(d, dict) and "methods" in d:
        out["data"] = flow(d)
    elif d not in (None, "", {}, []):
        out["data"] = short(d)
    if v.get("proxy") is not None:
        out["proxy"] = v["proxy"]
    for k in ("displayname", "custom", "path", "srcMethodId", "srcOutputId", "wormholeMethodId"):
        if md.get(k) is not None:
            out[k] = md[k]
    if md.get("choices"):
        out["choices"] = [c.get("value") if isinstance(c, dict) else c for c in md["choices"]]
    if f.get("flags", "d") != "d":
        out["flags"] = f.get("flags")
    return out

def card(m):
    model = m["node"]["model"]
    out = {"address": m["address"], "uuid": m["uuid"], "name": m["node"].get("data", {}).get("name", "")}
    kind = (model.get("metadata") or {}).get("name")
    if kind and kind != out["name"]:
        out["kind_name"] = kind
    if not model.get("displayed", True):
        out["displayed"] = False
    if model.get("webhook"):
        out["webhook"] = True
    policy = (model.get("policy") or {}).get("error")
    if policy and policy != {"type": "finish"}:
        if policy.get("type") == "handler" and isinstance(policy.get("flo"), dict):
            policy = {"type": "handler", "flo": flow(policy["flo"])}
        out["policy"] = policy
    if model.get("config") is not None:
        out["config"] = model["config"]
    if model.get("comments"):
        out["comment"] = True
    out["inputs"] = [field(f) for f in sorted((model.get("inputs") or {}).get("data", {}).values(),
                                               key=lambda f: (f.get("metadata") or {}).get("index", 0))]
    out["outputs"] = [field(f) for f in sorted((model.get("outputs") or {}).get("data", {}).values(),
                                                key=lambda f: (f.get("metadata") or {}).get("index", 0))]
    pins = []
    for out_id, targets in (m.get("pins") or {}).items():
        for to, conns in targets.items():
            for c in conns:
                p = {"out": out_id, "to": to, "input": c.get("input")}
                t = c.get("transform") or {}
                conv = next((x.get("convert") for x in t.values() if isinstance(x, dict) and x.get("convert")), None)
                if conv:
                    p["convert"] = conv
                pins.append(p)
    if pins:
        out["pins"] = pins
    joins = {k: [o.get("output") if isinstance(o, dict) else o for o in v] for k, v in (m.get("joins") or {}).items() if v}
    if joins:
        out["joins"] = joins
    if m.get("branches"):
        out["branches"] = m["branches"]
    return out

def flow(d):
    out = {"uuid": d.get("uuid"), "cards": [card(m) for m in d.get("methods", [])]}
    orderings = d.get("orderings") or {}
    if isinstance(orderings, dict):
        orderings = list(orderings.values())
    if orderings:
        out["orderings"] = orderings
    if d.get("cron"):
        out["cron"] = d["cron"]
    if d.get("scheduled"):
        out["scheduled"] = True
    if d.get("security_level") is not None:
        out["security_level"] = d["security_level"]
    return out

def record(x):
    data = x.get("data") or {}
    flows = []
    for f in (data.get("flos") or {}).values():
        r = flow(f.get("data") or {})
        r["uuid"] = r.get("uuid") or f.get("id")
        r["name"] = f.get("name")
        flows.append(r)
    return {"version": x.get("version"), "flows": flows,
            "configs": [{"id": c.get("id"), "name": c.get("name"), "module": c.get("module")}
                        for c in (data.get("configs") or {}).values()],
            "tables": [{"id": t.get("id"), "name": t.get("name"),
                        "columns": [{"name": s.get("name"), "type": s.get("type")}
                                    for s in ((t.get("data") or {}).get("structure") or [])]}
                       for t in (data.get("tables") or {}).values()]}

if __name__ == "__main__":
    x = json.load(open(sys.argv[1]))
    json.dump(record(x), open(sys.argv[2], "w"), indent=1)
