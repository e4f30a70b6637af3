#!/usr/bin/env python3
# Build step of balie-inbox: converts sync/openapi.yaml to the JSON that GET /v1/openapi.json serves
# and writes it as a C++ source file (a raw string literal) plus the plain .json next to it.
#   openapi-json.py IN.yaml OUT.cpp OUT.json
import json
import sys

import yaml

src, out_cpp, out_json = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    doc = yaml.safe_load(f)
text = json.dumps(doc, ensure_ascii=False, indent=1, default=str)
with open(out_json, "w", encoding="utf-8") as f:
    f.write(text + "\n")
delim = "OPENAPI"
assert ")" + delim + '"' not in text
with open(out_cpp, "w", encoding="utf-8") as f:
    f.write("// Generated from sync/openapi.yaml by sync/tools/openapi-json.py; do not edit.\n")
    f.write("namespace balie::inbox {\n")
    f.write("extern const char* const kOpenApiJson;\n")
    f.write('const char* const kOpenApiJson = R"' + delim + "(" + text + ")" + delim + '";\n')
    f.write("}  // namespace balie::inbox\n")
