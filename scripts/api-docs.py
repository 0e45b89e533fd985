#!/usr/bin/env python3
"""api-docs.py [OPENAPI] — the API reference (docs/api.md) generated from
docs/openapi.yaml, printed on standard output: every operation grouped by
tag, with its parameters, request fields and answers. `make docs` writes
it; tests/docs/api.test.mjs checks that docs/api.md is what this prints."""
import sys

import yaml

SRC = sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


def deref(doc, node):
    """Follow local $refs (#/components/...) to what they name."""
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def cell(text):
    """One Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text or "").split()).replace("|", "\\|")


def type_of(doc, schema):
    s = deref(doc, schema or {})
    if "$ref" in (schema or {}):
        name = schema["$ref"].rsplit("/", 1)[1]
    else:
        name = None
    t = s.get("type", "object" if "properties" in s else "")
    if t == "array":
        return f"array of {type_of(doc, s.get('items'))}"
    if "enum" in s:
        return " \\| ".join(f"`{v}`" for v in s["enum"])
    if name and t == "object":
        return name
    if s.get("format"):
        t += f" ({s['format']})"
    if s.get("nullable"):
        t += ", nullable"
    return t or "any"


def fields(doc, schema):
    s = deref(doc, schema)
    props = s.get("properties")
    if not props:
        return []
    required = set(s.get("required", []))
    rows = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    for name, p in props.items():
        pd = deref(doc, p)
        bounds = []
        for k, label in (("minLength", "min length"), ("maxLength", "max length"),
                         ("minimum", "min"), ("maximum", "max")):
            if k in pd:
                bounds.append(f"{label} {pd[k]}")
        meaning = cell(pd.get("description", ""))
        if bounds:
            meaning = (meaning + " " if meaning else "") + f"({', '.join(bounds)})"
        rows.append(f"| `{name}` | {cell(type_of(doc, p))} | "
                    f"{'yes' if name in required else ''} | {meaning} |")
    return rows


def operation(doc, path, method, op, shared_params):
    out = [f"### `{method.upper()} {path}`", ""]
    if op.get("summary"):
        out += [op["summary"].strip().rstrip(".") + ".", ""]
    if op.get("description"):
        out += [op["description"].strip(), ""]
    if op.get("security") == []:
        out += ["No authentication.", ""]
    params = [deref(doc, p) for p in shared_params + op.get("parameters", [])]
    if params:
        out += ["| parameter | in | type | meaning |", "| --- | --- | --- | --- |"]
        for p in params:
            out.append(f"| `{p['name']}` | {p['in']} | "
                       f"{cell(type_of(doc, p.get('schema')))} | "
                       f"{cell(p.get('description', ''))} |")
        out.append("")
    body = deref(doc, op.get("requestBody", {}))
    schema = (body.get("content", {}).get("application/json", {})
              .get("schema"))
    if schema:
        rows = fields(doc, schema)
        out += (["Request body:", ""] + rows + [""]) if rows else \
            [f"Request body: {type_of(doc, schema)}.", ""]
    out += ["| answer | meaning |", "| --- | --- |"]
    for code, r in op.get("responses", {}).items():
        out.append(f"| {code} | {cell(deref(doc, r).get('description', ''))} |")
    return out + [""]


def main():
    doc = yaml.safe_load(open(SRC))
    by_tag = {}
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((path, method, op, shared))
    tags = [t["name"] for t in doc.get("tags", [])]
    tags += sorted(t for t in by_tag if t not in tags)
    out = ["# API reference", "",
           f"Generated from `docs/openapi.yaml` by `scripts/api-docs.py` "
           f"(`make docs`); do not edit by hand. {doc['info']['title']} "
           f"{doc['info']['version']}.", "", doc["info"]["description"].strip(),
           "", "## Contents", ""]
    out += [f"- [{t}](#{t.lower().replace(' ', '-')}) "
            f"({len(by_tag[t])} operations)" for t in tags if t in by_tag]
    out.append("")
    descr = {t["name"]: t.get("description", "") for t in doc.get("tags", [])}
    for t in tags:
        if t not in by_tag:
            continue
        out += [f"## {t}", ""]
        if descr.get(t):
            out += [descr[t].strip(), ""]
        for path, method, op, shared in by_tag[t]:
            out += operation(doc, path, method, op, shared)
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")


main()
