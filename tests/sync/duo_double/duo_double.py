#!/usr/bin/env python3
# A DUO test double for balie-inbox's DUO client (issue 17, item 4): a real HTTPS server with mutual TLS
# that loads DUO's MAP/PVT/Z-route OpenAPI (openapi.yml next to it) at start, validates every request
# against it (path, method, parameters and headers, body) and against DUO's PVT business rules, answers
# as the spec says (400 without body, 403 with a Foutmelding list, 404), can be told to fail (--faults),
# and appends one JSON line per request to --log so tests can assert "exactly one valid PUT /pvt".
import argparse
import datetime
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import yaml

API_VERSION = "1.0.0"
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def make_format_checker():
    fc = jsonschema.FormatChecker()

    @fc.checks("uuid")
    def _uuid(v):
        return not isinstance(v, str) or bool(UUID_RE.match(v))

    @fc.checks("date", raises=ValueError)
    def _date(v):  # full-date of RFC 3339 only (Python 3.11's fromisoformat takes more)
        if not isinstance(v, str):
            return True
        if not DATE_RE.match(v):
            raise ValueError("not YYYY-MM-DD")
        datetime.date.fromisoformat(v)
        return True

    return fc


def elfproef(bsn):
    if not re.fullmatch(r"\d{9}", bsn) or bsn == "000000000":
        return False
    s = sum((9 - i) * int(bsn[i]) for i in range(8)) - int(bsn[8])
    return s % 11 == 0


def add_months(d, n):
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    last = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return datetime.date(y, m, min(d.day, last))


class Spec:
    """The OpenAPI document: operations by (method, path template) and schema validation."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.version = self.doc["info"]["version"]
        self.checker = make_format_checker()
        self.routes = []
        for tmpl, item in self.doc["paths"].items():
            rx = "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(tmpl)) + "$"
            self.routes.append((re.compile(rx), tmpl, item))

    def resolve(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            node = self.doc
            for part in obj["$ref"].lstrip("#/").split("/"):
                node = node[part]
            obj = node
        return obj

    def errors(self, value, schema):
        full = dict(schema)
        full["components"] = self.doc.get("components", {})
        v = jsonschema.Draft4Validator(full, format_checker=self.checker)
        return [e.message for e in v.iter_errors(value)]

    def match(self, path):
        for rx, tmpl, item in self.routes:
            m = rx.match(path)
            if m:
                return tmpl, item, m.groupdict()
        return None, None, None


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.faults = [f for f in (args.faults or "").split(",") if f]
        self.messages = {}  # berichtId -> (fingerprint, status, body)
        self.pvt = {}  # bsn -> {"datum":..., "verwijtbaar":..., "bron":...}
        self.persons = {}
        if args.persons:
            with open(args.persons, encoding="utf-8") as f:
                self.persons = json.load(f)
        # A restarted double remembers what it accepted (its log).
        if os.path.exists(args.log):
            with open(args.log, encoding="utf-8") as f:
                for line in f:
                    e = json.loads(line)
                    if e.get("outcome") in ("accepted", "rejected") and e.get("berichtId"):
                        self.messages[e["berichtId"]] = (e["fingerprint"], e["status"], e.get("answer", ""))
                    if e.get("outcome") == "accepted":
                        self.pvt[e["bsn"]] = {"datum": e["body"].get("datumOndertekeningPvt"),
                                              "verwijtbaar": e["body"].get("verwijtbaar"), "bron": e["bron"]}

    def next_fault(self):
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def log(self, entry):
        with self.lock, open(self.args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def today(self):
        # DUO's "today" is the Dutch calendar day (Europe/Amsterdam), as balie-inbox's; the process's own
        # time zone (UTC here) put "today" a day behind between 23:00 and 24:00 UTC, so a signing dated
        # today in the Netherlands was refused as lying in the future.
        if self.args.today:
            return datetime.date.fromisoformat(self.args.today)
        return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Amsterdam")).date()

    def person(self, bsn):
        if bsn in self.persons:
            return self.persons[bsn]
        if self.args.persons:
            return None
        return {"termijn_start": "2020-01-01", "termijn_eind": "2099-01-01"}


def pvt_rule_errors(st, bsn, bron, body):
    """DUO's PVT business rules (README, 'Participatieverklaringstraject (PVT)') the double can check."""
    p = st.person(bsn)
    errs = []
    prev = st.pvt.get(bsn)
    if prev and prev["bron"] != bron:
        errs.append("Bij een wijziging moet de Datum ondertekening PVT eerder door uw gemeente zijn geleverd")
    if p.get("pip_bron") and p["pip_bron"] != bron:
        errs.append("Uw gemeente moet een actuele PIP hebben voor de inburgeringsplichtige")
    zroute = p.get("zroute")
    datum_s = body.get("datumOndertekeningPvt")
    verw = body.get("verwijtbaar")
    if datum_s is None:
        if zroute:
            errs.append("De datum ondertekening PVT mag niet leeg zijn als de datum afronding Z-route is geregistreerd")
        return errs
    datum = datetime.date.fromisoformat(datum_s)
    start = datetime.date.fromisoformat(p["termijn_start"])
    eind = datetime.date.fromisoformat(p["termijn_eind"])
    if zroute and p.get("zroute_voldaan"):
        errs.append("De inburgeringsplicht is al voldaan via de Z-route")
    if datum < start:
        errs.append("De datum ondertekening PVT mag niet voor de startdatum van de inburgeringstermijn liggen")
    if zroute and datum > datetime.date.fromisoformat(zroute):
        errs.append("De datum ondertekening PVT mag niet na de datum afronding Z-route liggen")
    if datum > st.today():
        errs.append("De datum ondertekening PVT mag niet in de toekomst liggen")
    overschrijding = datum >= eind  # DUO's einddatum is exclusive
    if verw is None and overschrijding:
        errs.append("Verwijtbaar ontbreekt terwijl de inburgeringstermijn is overschreden")
    if verw is not None and datum < eind:
        errs.append("Verwijtbaar mag niet geleverd worden als de datum ondertekening PVT voor de einddatum ligt")
    if verw == "Nee" and datum > add_months(eind, 2):
        errs.append("Verwijtbaar mag alleen Nee zijn als de einddatum van de inburgeringstermijn binnen twee maanden valt")
    if verw == "Ja" and not overschrijding:
        errs.append("Verwijtbaar mag alleen Ja zijn bij een overschrijding van de inburgeringstermijn")
    return errs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "duo-double"

    def log_message(self, fmt, *a):  # quiet; the JSON log is the record
        pass

    def answer(self, status, body=None, bericht_id=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("API-Version", self.server.spec.version)
        if bericht_id:
            self.send_header("berichtId", bericht_id)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return status, body

    def do_GET(self):
        self.handle_any("get")

    def do_PUT(self):
        self.handle_any("put")

    def do_POST(self):
        self.handle_any("post")

    def do_DELETE(self):
        self.handle_any("delete")

    def handle_any(self, method):
        st, spec = self.server.state, self.server.spec
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        entry = {"method": method.upper(), "path": self.path, "berichtId": self.headers.get("berichtId"),
                 "bron": self.headers.get("bron"), "doel": self.headers.get("doel"), "t": time.time()}
        fault = st.next_fault() if method == "put" else None
        if fault:
            entry["fault"] = fault
        if fault == "drop":  # read the request, answer nothing, close
            entry.update(outcome="fault", status=0)
            st.log(entry)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault in ("500", "502", "503"):
            entry.update(outcome="fault", status=int(fault))
            st.log(entry)
            self.answer(int(fault))
            return
        if fault == "malformed":  # 200 that is not DUO's answer: no API-Version, no berichtId, garbage body
            entry.update(outcome="fault", status=200)
            st.log(entry)
            data = b"<html>proxy error{"
            self.send_response_only(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if fault == "slow":  # answer after the client gave up, having processed nothing
            entry.update(outcome="fault", status=0)
            st.log(entry)
            time.sleep(st.args.slow_seconds)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, outcome, body, extra = self.process(method, raw, entry)
        entry.update(extra)
        entry.update(status=status, outcome=outcome)
        if body is not None:
            entry["answer"] = body
        st.log(entry)
        if fault == "hang":  # processed and logged; the answer comes late (the client may be gone)
            time.sleep(st.args.slow_seconds)
        try:
            self.answer(status, body, entry.get("berichtId"))
        except OSError:
            pass

    def process(self, method, raw, entry):
        st, spec = self.server.state, self.server.spec
        path = self.path.split("?", 1)[0]
        # DUO's base path /v{major} is not in the OpenAPI (README, "Basis pad URI").
        base = "/v" + spec.version.split(".")[0]
        if not path.startswith(base + "/"):
            return 404, "invalid", None, {"errors": ["path outside the base path " + base]}
        path = path[len(base):]
        tmpl, item, params = spec.match(path)
        if tmpl is None:
            return 404, "invalid", None, {"errors": ["no such path in the OpenAPI"]}
        op = item.get(method)
        if op is None:
            return 405, "invalid", None, {"errors": ["method not in the OpenAPI for " + tmpl]}
        errors = []
        values = {}
        for pref in op.get("parameters", []):
            p = spec.resolve(pref)
            if p["in"] == "path":
                v = params.get(p["name"])
            elif p["in"] == "header":
                v = self.headers.get(p["name"])
            else:
                v = None
            values[p["name"]] = v
            if v is None:
                if p.get("required"):
                    errors.append("missing required %s parameter %s" % (p["in"], p["name"]))
                continue
            errors += ["%s: %s" % (p["name"], m) for m in spec.errors(v, p["schema"])]
        body = None
        rb = spec.resolve(op.get("requestBody")) if op.get("requestBody") else None
        if rb:
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if ctype not in rb["content"]:
                errors.append("Content-Type %r is not one of %s" % (ctype, list(rb["content"])))
            elif not raw and rb.get("required"):
                errors.append("request body required")
            else:
                try:
                    body = json.loads(raw)
                except ValueError as e:
                    errors.append("body is not JSON: %s" % e)
                else:
                    errors += ["body: " + m for m in spec.errors(body, rb["content"][ctype]["schema"])]
        elif raw:
            errors.append("this operation takes no body")
        extra = {"operation": op.get("operationId"), "body": body}
        bsn = values.get("bsn") or ""
        extra["bsn"] = bsn
        if errors:
            extra["errors"] = errors
            return 400, "invalid", None, extra
        if not elfproef(bsn):
            extra["errors"] = ["BSN fails the elfproef"]
            return 400, "invalid", None, extra
        bid = values.get("berichtId")
        fp = json.dumps({"m": method, "p": path, "b": body, "bron": values.get("bron")}, sort_keys=True)
        extra["fingerprint"] = fp
        with st.lock:
            seen = st.messages.get(bid)
        if seen:
            if seen[0] != fp:
                extra["errors"] = ["berichtId reused for a different message"]
                return 400, "invalid", None, extra
            return seen[1], "repeat", seen[2] or None, extra  # the same message again: the same answer
        if st.person(bsn) is None:
            return 404, "unknown_person", None, extra
        if op.get("operationId") == "getPvtByBsn":
            reg = st.pvt.get(bsn)
            return (200, "read", {"datumOndertekeningPvt": reg["datum"]}, extra) if reg else (404, "read", None, extra)
        if op.get("operationId") != "updatePvtByBsn":
            extra["errors"] = ["the double implements the PVT operations only"]
            return 404, "invalid", None, extra
        rule_errors = pvt_rule_errors(st, bsn, values.get("bron"), body)
        if st.args.oin and values.get("doel") != st.args.oin:
            rule_errors.insert(0, "Doel OIN is niet het OIN van DUO")
        if rule_errors:
            # DUO's Foutmelding texts; the first names the person as DUO's answers may (BSN echoed).
            answer = [{"fouttekst": ("BSN %s: %s" % (bsn, m))[:200]} for m in rule_errors][:20]
            with st.lock:
                st.messages[bid] = (fp, 403, answer)
            return 403, "rejected", answer, extra
        with st.lock:
            st.messages[bid] = (fp, 200, "")
            st.pvt[bsn] = {"datum": body.get("datumOndertekeningPvt"), "verwijtbaar": body.get("verwijtbaar"),
                           "bron": values.get("bron")}
        return 200, "accepted", None, extra


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--spec", default=os.path.join(here, "openapi.yml"))
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--today", help="DUO's today (YYYY-MM-DD); default the real date")
    ap.add_argument("--persons", help="JSON {bsn: {termijn_start, termijn_eind, zroute?, pip_bron?}}; "
                                      "without it every elfproef-valid BSN is known with a current term")
    ap.add_argument("--faults", help="comma list consumed by successive PUTs: 500,502,503,drop,slow,malformed,hang")
    ap.add_argument("--oin", help="DUO's own OIN: the doel header must name it")
    ap.add_argument("--slow-seconds", type=float, default=3.0)
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")  # Balie's TLS policy: AEAD with ECDHE only
    ctx.load_cert_chain(args.cert, args.key)
    ctx.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: the municipality's certificate
    ctx.load_verify_locations(args.client_ca)
    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.spec = Spec(args.spec)
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
