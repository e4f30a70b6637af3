#!/usr/bin/env python3
# Validates JSON documents against a JSON Schema (draft 2020-12) with python3-jsonschema, for tests
# that check generated documents (health.json) against store/schemas/. Exit 0 valid, 1 invalid
# (each error on stderr with its path), 2 usage or unreadable input.
import json
import sys

try:
    import jsonschema
except ImportError:
    print("validate_schema.py: python3-jsonschema is not installed (scripts/packages.txt)", file=sys.stderr)
    sys.exit(2)

if len(sys.argv) < 3:
    print("usage: validate_schema.py SCHEMA.json DOCUMENT.json...", file=sys.stderr)
    sys.exit(2)
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    # Schemas next to this one are found by their $id (sync/schemas/ refer to each other), never fetched.
    import os
    store = {}
    folder = os.path.dirname(os.path.abspath(sys.argv[1]))
    for name in os.listdir(folder):
        if name.endswith(".schema.json"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                other = json.load(f)
            if "$id" in other:
                store[other["$id"]] = other
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
    bad = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            print(f"{path}: /{'/'.join(str(p) for p in e.path)}: {e.message}", file=sys.stderr)
            bad += 1
except (OSError, ValueError, jsonschema.SchemaError) as e:
    print(f"validate_schema.py: {e}", file=sys.stderr)
    sys.exit(2)
sys.exit(1 if bad else 0)
