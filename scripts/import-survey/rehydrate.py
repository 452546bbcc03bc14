#!/usr/bin/env python3
"""Turns survey records (the structure of Okta Workflows exports, see README.md) back into
export files in the real envelope format, so that `flowctl import` can be measured on them:
`rehydrate.py RECORDS OUT`."""
import json, os, sys

def field(f, index):
    value = {"type": f.get("type", "string"), "collection": bool(f.get("collection", False)),
             "data": rehydrate_data(f)}
    if f.get("proxy") is not None:
        value["proxy"] = f["proxy"]
    md = {"index": index}
    for k in ("displayname", "custom", "path", "srcMethodId", "srcOutputId", "wormholeMethodId"):
        if f.get(k) is not None:
            md[k] = f[k]
    if f.get("choices"):
        md["choices"] = [{"value": c, "label": str(c)} for c in f["choices"]]
    return {"id": f.get("id"), "group": f.get("group"), "key": f.get("key"), "value": value,
            "required": False, "ref": False, "metadata": md, "flags": f.get("flags", "d")}

def rehydrate_data(f):
    d = f.get("data")
    if f.get("type") == "flo" and isinstance(d, dict) and ("cards" in d or "methods" in d):
        return flow_data(d)
    return d

def card(c):
    parts = c["address"].split(":")
    inputs = {f["id"]: field(f, i) for i, f in enumerate(c.get("inputs", []))}
    outputs = {f["id"]: field(f, i) for i, f in enumerate(c.get("outputs", []))}
    pins = {}
    for p in c.get("pins", []):
        transform = None
        if p.get("convert"):
            transform = {p["out"]: {"convert": p["convert"], "forceWrapArray": False, "dest": p["out"]}}
        pins.setdefault(p["out"], {}).setdefault(p["to"], []).append({"input": p["input"], "transform": transform})
    joins = {}
    for k, outs in (c.get("joins") or {}).items():
        joins[k] = [{"output": o.get("output") if isinstance(o, dict) else o, "transform": None} for o in outs]
    policy = c.get("policy") or {"type": "finish"}
    if isinstance(policy, dict) and policy.get("type") == "handler" and isinstance(policy.get("flo"), dict):
        policy = {"type": "handler", "flo": flow_data(policy["flo"]), "merge": "join"}
    return {
        "joins": joins, "address": c["address"],
        "parents": {"version": {"address": ":".join(parts[:-1])}, "channel": {"address": ":".join(parts[:-2])}},
        "uuid": c["uuid"], "branches": c.get("branches") or {},
        "node": {"key": parts[-1], "data": {"name": c.get("name", "")},
                 "model": {"type": "method", "key": parts[-1], "displayed": c.get("displayed", True),
                           "webhook": c.get("webhook", False), "timeout": 30000,
                           "policy": {"error": policy},
                           "metadata": {"id": None, "name": c.get("kind_name") or c.get("name", ""), "description": None},
                           "config": c.get("config"),
                           "inputs": {"extensible": False, "data": inputs},
                           "outputs": {"extensible": False, "data": outputs},
                           "comments": {"title": "", "markdown": ""} if c.get("comment") else None}},
        "pins": pins,
    }

def flow_data(f):
    cards = f.get("cards", f.get("methods", []))
    orderings = f.get("orderings", [])
    if isinstance(orderings, dict):
        orderings = list(orderings.values())
    return {"id": None, "uuid": f.get("uuid"),
            "display": {"isCallable": any(c["address"].endswith(":callable") for c in cards)},
            "tree": {"id": 2, "name": "empty"},
            "methods": [card(c) for c in cards],
            "orderings": {f"e{i}": list(e) for i, e in enumerate(orderings)},
            "model": {}, "cron": f.get("cron") or {}, "security_level": f.get("security_level"),
            "log": True, "scheduled": bool(f.get("scheduled", False))}

def export(rec):
    flos = {}
    for f in rec.get("flows", []):
        flos[f["uuid"]] = {"id": f["uuid"], "name": f.get("name") or "flow", "description": "", "data": flow_data(f)}
    configs = {c["id"]: {"id": c["id"], "name": c.get("name"), "module": c.get("module"), "data": None}
               for c in rec.get("configs", [])}
    tables = {t["id"]: {"id": t["id"], "name": t.get("name"), "description": "",
                        "data": {"class": "simple", "group_id": "g",
                                 "structure": [{"name": col.get("name"), "type": col.get("type", "str"), "default": None}
                                               for col in t.get("columns", [])]}}
              for t in rec.get("tables", [])}
    return {"type": "flopack", "version": rec.get("version") or "1.2.0", "created": "2026-01-01T00:00:00.000Z",
            "flags": {"auto-transform": True, "looseBooleans": True, "looseStrings": True, "looseNulls": True},
            "data": {"flos": flos, "configs": configs, "tables": tables, "groups": {}}}

if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".json"):
            continue
        try:
            rec = json.load(open(os.path.join(src, name)))
            out = export(rec)
        except Exception as e:
            print(f"{name}: bad record: {e}", file=sys.stderr)
            continue
        json.dump(out, open(os.path.join(dst, name[:-5] + ".flopack"), "w"), indent=1)
