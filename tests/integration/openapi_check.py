"""Checks a real HTTP answer of callbackd against docs/openapi.yaml: the path and method must be documented, the
status listed for that operation, the content type one it declares, and a JSON body valid against its schema
(OpenAPI 3.0's `nullable` read as JSON Schema's "null" type). Server.request() runs it on every answer, so
each integration case that talks to the REST API also tests the spec (Debian python3-jsonschema, python3-yaml).
"""
import json
import os
import re

import jsonschema
import yaml

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "openapi.yaml")
_spec = None


def _load():
    global _spec
    if _spec is None:
        with open(SPEC_PATH, encoding="utf-8") as f:
            _spec = yaml.safe_load(f)
    return _spec


def _resolve(node, spec):
    """The node with every $ref inlined and `nullable: true` turned into JSON Schema."""
    if isinstance(node, list):
        return [_resolve(n, spec) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(target, spec)
    out = {k: _resolve(v, spec) for k, v in node.items() if k not in ("nullable", "example", "writeOnly")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
        if "allOf" in out or "$ref" in node:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _operation(spec, method, path):
    """The documented operation for a concrete path; literal paths win over templated ones."""
    path = path.split("?", 1)[0]
    candidates = []
    for template, item in spec["paths"].items():
        params = {p["name"]: p for p in item.get("parameters", [])}
        regex = "^" + re.sub(r"\{([^}]+)\}", lambda m: "(?P<%s>[^/]+)" % m.group(1), template) + "$"
        m = re.match(regex, path)
        if not m:
            continue
        ok = True
        for name, value in m.groupdict().items():
            schema = params.get(name, {}).get("schema", {})
            if schema.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
                ok = False
            if "pattern" in schema and not re.search(schema["pattern"], value):
                ok = False
        if ok:
            candidates.append((template.count("{"), template, item))
    if not candidates:
        return None, None
    candidates.sort(key=lambda c: c[0])
    _, template, item = candidates[0]
    return template, item.get(method.lower())


def problems(method, path, status, content_type, text):
    """A list of ways the answer departs from the spec (empty: it conforms)."""
    spec = _load()
    template, op = _operation(spec, method, path)
    where = f"{method} {path} -> {status}"
    if template is None:
        # Unknown routes all answer 404 with the error shape; OpenAPI cannot list what does not exist.
        if status == 404:
            return _check_body(where, spec["components"]["schemas"]["Error"], text, spec)
        return [f"{where}: path not documented in docs/openapi.yaml"]
    if op is None:
        return [] if status in (404, 405) else [f"{where}: method not documented for {template}"]
    responses = op.get("responses", {})
    doc = responses.get(str(status)) or responses.get("default")
    if doc is None:
        return [f"{where}: status {status} not documented for {method} {template} (has {sorted(responses)})"]
    doc = _resolve(doc, spec)
    content = doc.get("content")
    if not content:
        return [] if not text else [f"{where}: documented without a body, but sent {text[:80]!r}"]
    base_type = (content_type or "").split(";")[0].strip()
    if base_type not in content:
        return [f"{where}: content type {base_type!r} not among {sorted(content)}"]
    if base_type != "application/json":
        return []
    return _check_body(where, content[base_type].get("schema", {}), text, spec)


def _check_body(where, schema, text, spec):
    try:
        body = json.loads(text) if text else None
    except json.JSONDecodeError:
        return [f"{where}: body is not JSON: {text[:80]!r}"]
    validator = jsonschema.Draft202012Validator(_resolve(schema, spec))
    return [f"{where}: {'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
            for e in validator.iter_errors(body)]
