"""The issabel dialect: Issabel PBX's /pbxapi (IssabelFoundation/framework), as pbxtop sees it.

Wire behaviour follows shared/contracts/jade-sark-issabel.md sections 4 and 5:
- login POST /pbxapi/authenticate (form or JSON body, only the configured user, default
  admin) -> HS256 JWTs; 403 with an empty body for bad credentials or tokens;
- an expired access token gets HTTP 200 {"status": "expired"};
- GET /pbxapi/authenticate/renewtoken?refresh_token=&access_token= (always HTTP 200): new
  tokens with "status":"authorized", {"status": "expired", "type": "refresh"}, or
  {"status": "unauthorized"}; a refresh token's signature is not checked, only its expiry;
- GET envelopes {"status":"success","results":[...]} with every scalar a string and "/"
  escaped as PHP does; an unknown extension's detail is an empty results array;
- writes: 201 + Location (built from the request URI) with an empty body, PUT upsert for
  extensions, PUT update-only (404) for ring groups, bulk DELETE of a comma list that stops
  at the first missing id, ring-group writes read JSON only with Content-Type exactly
  application/json, a ring-group DELETE without a JSON body is a 400;
- errors {"status":"fail","errors":[{"status":"422","source":...,"detail":...}]}, 400 when
  codes are mixed, 409 when a number is used by any extension, ring group or queue;
- "reload" is read from the JSON body only: every write applies the configuration unless
  the body has reload other than 1/"1"/"true" (an extension DELETE always applies);
- /pbxapi/manager/*: raw AMI event arrays or {"status":"ok|error","message":...}, always
  HTTP 200; {"status":"error","reason":"Could not connect to AMI"} while AMI is down (and
  500 error envelopes from the REST resources);
- queueadd/queueremove/queuepause/queueunpause with AMI's own messages: a pause reason is
  kept while paused (state "members" shows it as PausedReason), only dynamic members can be
  removed ("Not dynamic"), "Not there" / "Interface not found" for a missing member, "No such
  queue", "Already there".
"""

import base64
import copy
import hashlib
import hmac
import json
import math
import random
import re
import time
import urllib.parse

import issabel_seed as seed
from simcore import (Dialect, Response, opt_bool, opt_nonneg_int, opt_pos_float, parse_options,
                     register)

JSON_CT = "application/json;charset=utf-8"
HTML_CT = "text/html; charset=UTF-8"
CORS = [("Access-Control-Allow-Origin", "*")]
DEFAULT_PASSWORD = "amp111"
CHURN_MIN, CHURN_MAX = 2, 10

TECHS = ("sip", "pjsip", "iax2", "virtual", "dahdi", "custom")
RECORDING = ("dontcare", "always", "never")
STRATEGIES = ("ringall", "ringall-prim", "hunt", "hunt-prim", "memoryhunt", "memoryhunt-prim",
              "firstavailable", "firstnotonphone")
CHANGE_CID = ("default", "fixed", "extern", "did", "forcedid")
MOH_RINGING = ("Ring", "default", "none")
CHECKBOXES = ("confirm_calls", "skip_busy_agent", "ignore_call_forward_settings",
              "enable_call_pickup")
EXT_ENUMS = {"recording." + k: RECORDING for k in seed.RECORDING_KEYS}
EXT_ENUMS.update({"device_options.nat": ("yes", "no", "never", "route"),
                  "device_options.dtmf_mode": ("rfc2833", "inband", "auto", "info",
                                               "shortinfo")})
EXT_GROUPS = ("callerid_override", "voicemail", "destination", "extension_options", "recording",
              "followme", "device_options", "dictation")
EXT_SCALARS = ("name", "secret", "context", "dial", "sip_alias", "language")
RG_LIST_KEYS = ("id", "name", "extension", "extension_list", "strategy", "change_callerid",
                "fixed_callerid")
MANAGER_ACTIONS = {
    "status": ["channel"], "queuestatus": ["queue"], "hangup": ["channel", "cause"],
    "queueadd": ["queue", "interface", "penalty", "paused", "membername", "stateinterface"],
    "queueremove": ["queue", "interface"], "queuepause": ["queue", "interface", "reason"],
    "queueunpause": ["queue", "interface"],
}


def pbxtop_config(opts):
    """The lines a pbxtop config needs for a backend of this dialect run with `opts` (the
    NAME=TYPE,key=val options); used by the test harness and `pbxtop demo`."""
    return "username = %s\npassword = %s\n" % (opts.get("user", "admin"),
                                                opts.get("password", DEFAULT_PASSWORD))


def stringify(value):
    """What Issabel's GET envelope does to every scalar leaf."""
    if isinstance(value, dict):
        return {k: stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    if isinstance(value, bool):
        return "1" if value else ""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def php_json(doc):
    """json_encode(): ASCII with \\u escapes, and "/" escaped as "\\/"."""
    return json.dumps(doc, separators=(",", ":")).replace("/", "\\/").encode()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Jwt:
    """HS256 tokens with Issabel's payload layout."""

    def __init__(self, key):
        self.key = key

    def _sign(self, signing_input):
        return b64url(hmac.new(self.key, signing_input.encode(), hashlib.sha256).digest())

    def encode(self, payload):
        head = b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
        body = b64url(json.dumps(payload, separators=(",", ":")).encode())
        return "%s.%s.%s" % (head, body, self._sign(head + "." + body))

    @staticmethod
    def peek(token):
        """The payload without checking the signature, or None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            payload = json.loads(b64url_decode(parts[1]))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def verify(self, token):
        parts = token.split(".")
        if len(parts) != 3 or not hmac.compare_digest(self._sign(parts[0] + "." + parts[1]),
                                                      parts[2]):
            return None
        return self.peek(token)


def _digits(text):
    return isinstance(text, str) and text.isdigit()


@register("issabel")
class IssabelDialect(Dialect):
    OPTIONS = {
        "user": (str, "admin"),
        "password": (str, DEFAULT_PASSWORD),
        "calls": (opt_nonneg_int, 3),
        "token_ttl": (opt_pos_float, 3600.0),
        "refresh_ttl": (opt_pos_float, 7200.0),
        "renew_refresh_ttl": (opt_pos_float, 86400.0),
        "apply_ms": (opt_nonneg_int, 0),
        "ami": (opt_bool, True),
        "extensions": (opt_nonneg_int, 0),
    }

    def __init__(self, name, opts, rng, services):
        super().__init__(name, opts, rng, services)
        self.opts = parse_options(opts, self.OPTIONS)
        self.reset()

    # ------------------------------------------------------------ plumbing

    def base_headers(self):
        return [("Content-Type", JSON_CT)] + CORS

    def _json(self, status, doc, delay=0.0):
        return Response(status, self.base_headers(), php_json(doc), delay)

    def _raw(self, text, status=200):
        """A hand-built JSON string, echoed without a JSON content type."""
        return Response(status, [("Content-Type", HTML_CT)] + CORS, text.encode())

    def _empty(self, status, headers=(), delay=0.0):
        return Response(status, [("Content-Type", HTML_CT)] + CORS + list(headers), b"", delay)

    def _results(self, results):
        return self._json(200, {"status": "success", "results": stringify(results)})

    def _errors(self, errs):
        """errs: [(status, source or None, detail)]; one code -> that status, mixed -> 400."""
        codes = {e[0] for e in errs}
        status = codes.pop() if len(codes) == 1 else 400
        out = []
        for code, source, detail in errs:
            entry = {"status": str(code)}
            if source is not None:
                entry["source"] = source
            entry["detail"] = detail
            out.append(entry)
        return self._json(status, {"status": "error" if 500 in {e[0] for e in errs} else "fail",
                                   "errors": out})

    def error_response(self, status):
        return self._errors([(status, None, "Simulated failure")])

    def _f3_error(self, req, status, text):
        """Fat-Free's own error page: HTML, or JSON for XMLHttpRequest callers."""
        if req.headers.get("x-requested-with") == "XMLHttpRequest":
            return self._json(status, {"status": "Not Found" if status == 404 else "Error",
                                       "code": status, "text": text, "trace": ""})
        page = "<!DOCTYPE html><html><body><h1>%d</h1><p>%s</p></body></html>" % (status, text)
        return Response(status, [("Content-Type", HTML_CT)], page.encode())

    def handle(self, req):
        if req.path != "/pbxapi" and not req.path.startswith("/pbxapi/"):
            return Response(404, [("Content-Type", HTML_CT)], b"<h1>Not Found</h1>")
        segs = [s for s in req.path[len("/pbxapi"):].split("/") if s]
        if not segs:
            return Response(200, [("Content-Type", HTML_CT)], b"<h1>Issabel PBX API</h1>")
        controller = segs[0]
        if controller == "authenticate":
            return self._authenticate(req, segs[1:])
        refused = self._check_token(req)
        if refused is not None:
            return refused
        if controller == "manager":
            return self._manager(req, segs[1:])
        if controller not in ("extensions", "ringgroups"):
            return self._f3_error(req, 404, "Not Found")
        if not self.ami_up:       # every resource opens an AMI connection first
            return self._errors([(500, "Asterisk Manager", "Unable to connect to manager "
                                  "localhost:5038 (111): Connection refused")])
        if len(segs) >= 3 and segs[1] == "search" and req.method == "GET":
            return self._search(controller, urllib.parse.unquote(segs[2]))
        handler = getattr(self, "_%s_%s" % (controller, req.method.lower()), None)
        if handler is None:
            return self._f3_error(req, 405, "Method Not Allowed")
        return handler(req, urllib.parse.unquote(segs[1]) if len(segs) > 1 else "")

    def _body_json(self, req):
        """json_decode of the body: the object, or None (Could not decode JSON)."""
        try:
            doc = json.loads(req.body.decode("utf-8"))
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None

    def _input(self, req):
        """The generic controllers: JSON only when Content-Type is exactly
        application/json, else the body is read as a form.  None: undecodable JSON."""
        if req.headers.get("content-type") == "application/json":
            return self._body_json(req)
        form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in form.items()}

    def _bad_json(self):
        return self._json(400, {"status": "fail", "errors": [
            {"status": "400", "detail": "Could not decode JSON", "code": 4}]})

    def _location(self, req, number):
        host = req.headers.get("host", "127.0.0.1")
        return "https://%s%s/%s" % (host, req.raw_path, number)

    def _apply(self, req, body):
        """applyChanges: skipped when the body says reload other than 1/"1"/"true"."""
        if isinstance(body, dict) and "reload" in body and body["reload"] not in (1, "1", "true"):
            return 0.0
        self.applies.append({"method": req.method, "path": req.path, "t": time.time()})
        return self.opts["apply_ms"] / 1000.0

    # ------------------------------------------------------- tokens, login

    def _issue(self, refresh_ttl):
        now = time.time()
        access = self.jwt.encode({"iat": int(now), "exp": int(now + self.opts["token_ttl"]),
                                  "data": {"name": "admin"}})
        refresh = self.jwt.encode({"iat": int(now), "exp": int(now + refresh_ttl), "data": []})
        self.access[access] = now + self.opts["token_ttl"]
        self.refresh[refresh] = now + refresh_ttl
        return access, refresh

    def _check_token(self, req):
        header = req.headers.get("authorization")
        if header is None:
            return self._empty(403)
        parts = header.split(" ")
        token = parts[1] if len(parts) > 1 else ""
        exp = self.access.get(token)
        if exp is None or self.jwt.verify(token) is None:
            return self._empty(403)
        if time.time() > exp:
            return self._raw('{"status": "expired"}')
        return None

    def _authenticate(self, req, rest):
        if req.method == "POST" and not rest:
            return self._login(req)
        if req.method == "GET" and rest:
            return self._renew(req)
        if req.method == "GET":
            return self._raw('{"status":"unauthorized"}')
        return self._empty(403)

    def _login(self, req):
        if req.headers.get("content-type", "").split(";")[0].strip() == "application/json":
            body = self._body_json(req) or {}
            user = body.get("user", body.get("username"))
        else:
            body = self._input(req)
            user = body.get("user")
        self.logins += 1
        if user != self.user or body.get("password") != self.password:
            self.logins_refused += 1
            return self._empty(403)
        access, refresh = self._issue(self.opts["refresh_ttl"])
        return self._raw('{"access_token":"%s","expires_in":%d,"refresh_token":"%s",'
                         '"token_type":"Bearer"}' % (access, math.ceil(self.opts["token_ttl"]),
                                                     refresh))

    def _renew(self, req):
        self.renewals += 1
        access = req.query.get("access_token", "")
        refresh = req.query.get("refresh_token", "")
        payload = Jwt.peek(refresh)
        if self.jwt.verify(access) is None or payload is None:
            self.renewals_refused += 1
            return self._raw('{"status": "unauthorized"}')
        exp = self.refresh.get(refresh, payload.get("exp"))
        if not isinstance(exp, (int, float)) or time.time() > exp:
            self.renewals_refused += 1
            return self._raw('{"status": "expired", "type": "refresh"}')
        new_access, new_refresh = self._issue(self.opts["renew_refresh_ttl"])
        return self._raw('{"access_token":"%s","expires_in":%d,"refresh_token":"%s",'
                         '"token_type":"Bearer","status":"authorized"}' % (
                             new_access, math.ceil(self.opts["token_ttl"]), new_refresh))

    # ------------------------------------------------------------ numbers

    def _in_use(self, number):
        return number in self.extensions or number in self.ringgroups or \
            any(q["Queue"] == number for q in self.queue_params)

    @staticmethod
    def _next_free(numbers, initial):
        """The lowest free number just above an existing one (gap filling)."""
        taken = sorted({int(n) for n in numbers if _digits(n)})
        for n in taken:
            if n + 1 not in taken:
                return str(n + 1)
        return initial

    # ------------------------------------------------------------ extensions

    def _ext_list_item(self, ext, fields):
        if fields == "*":
            return copy.deepcopy(ext)
        item = {k: ext[k] for k in ("extension", "name", "dial", "secret", "context", "tech")}
        item.update(voicemail=[], followme=[], dictation=[])
        for name in (f.strip() for f in (fields or "").split(",") if f.strip()):
            group, dot, key = name.partition(".")
            if dot and isinstance(ext.get(group), dict) and key in ext[group]:
                if not isinstance(item.get(group), dict):
                    item[group] = {}
                item[group][key] = ext[group][key]
            elif not dot and name in ext:
                item[name] = ext[name]
        return item

    def _extensions_get(self, req, ext_id):
        if ext_id:                 # unknown: an empty results array, not a 404
            ext = self.extensions.get(ext_id)
            return self._results([] if ext is None else [ext])
        fields = req.query.get("fields")
        return self._results([self._ext_list_item(e, fields) for e in self._sorted_exts()])

    def _search(self, controller, term):
        if controller == "extensions":
            found = [self._ext_list_item(e, None) for e in self._sorted_exts()
                     if term.lower() in e["name"].lower()]
        else:
            found = [{k: g[k] for k in RG_LIST_KEYS} for g in self._sorted_groups()
                     if term.lower() in g["name"].lower()]
        return self._results(found)

    def _validate_extension(self, body):
        errs = []
        if "tech" in body and body["tech"] not in TECHS:
            errs.append((422, "tech", "Not in list of allowed values"))
        for group in ("recording", "device_options", "callerid_override"):
            values = body.get(group)
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                field = "%s.%s" % (group, key)
                if field in EXT_ENUMS and stringify(value) not in EXT_ENUMS[field]:
                    errs.append((422, field, "Not in list of allowed values"))
                if group == "callerid_override" and stringify(value) and \
                        not stringify(value).isdigit():
                    errs.append((422, field, "Only digits allowed"))
        return errs

    def _merge_extension(self, ext, body):
        for key in EXT_SCALARS:
            if key in body and not isinstance(body[key], (dict, list)):
                ext[key] = stringify(body[key])
        for group in EXT_GROUPS:
            if isinstance(body.get(group), dict):
                ext[group].update(stringify(body[group]))

    def _new_extension(self, number, body):
        tech = body.get("tech", "sip")
        ext = seed.make_extension(self.rng, number, "Extension", tech, False, "")
        ext["secret"] = seed.secret(self.rng, 32)
        ext["context"] = "from-internal"
        self._merge_extension(ext, body)
        self.extensions[number] = ext
        return ext

    def _extensions_post(self, req, ext_id):
        if ext_id:
            return self._errors([(400, None, "We refuse to insert a record if a resource id "
                                  "is passed. For updating use the PUT method instead.")])
        body = self._body_json(req)        # extensions always decode JSON
        if body is None:
            return self._bad_json()
        number = stringify(body.get("extension", ""))
        if not number:
            number = self._next_free(self.extensions, "200")
        elif not number.isdigit():
            return self._errors([(422, "extension", "Only digits allowed")])
        if self._in_use(number):
            return self._errors([(409, None, "Extension number already in use")])
        errs = self._validate_extension(body)
        if errs:
            return self._errors(errs)
        self._new_extension(number, body)
        return self._empty(201, [("Location", self._location(req, number))],
                           self._apply(req, body))

    def _extensions_put(self, req, ext_id):
        body = self._body_json(req)
        if body is None:
            return self._bad_json()
        if not ext_id:
            return self._f3_error(req, 405, "Method Not Allowed")
        errs = self._validate_extension(body)
        if errs:
            return self._errors(errs)
        ext = self.extensions.get(ext_id)
        if ext is None:            # an upsert: created with that number
            if not ext_id.isdigit() or self._in_use(ext_id):
                return self._errors([(409, None, "Extension number already in use")])
            self._new_extension(ext_id, body)
            host = req.headers.get("host", "127.0.0.1")
            return self._empty(201, [("Location", "https://%s%s" % (host, req.raw_path))],
                               self._apply(req, body))
        body = {k: v for k, v in body.items() if k != "tech"}     # tech cannot change
        self._merge_extension(ext, body)
        return self._empty(200, (), self._apply(req, body))

    def _extensions_delete(self, req, ids):
        if not ids:
            return self._f3_error(req, 405, "Method Not Allowed")
        for one in ids.split(","):
            if one not in self.extensions:  # stop; the ones before are gone, no apply
                return self._errors([(404, None, "Could not find a record to delete")])
            del self.extensions[one]
        return self._empty(200, (), self._apply(req, None))   # always applies

    def _sorted_exts(self):
        return sorted(self.extensions.values(), key=lambda e: (len(e["extension"]),
                                                                e["extension"]))

    # ------------------------------------------------------------ ring groups

    def _sorted_groups(self):
        return sorted(self.ringgroups.values(), key=lambda g: (len(g["extension"]),
                                                                g["extension"]))

    def _group_list_item(self, group, fields):
        if fields == "*":
            return copy.deepcopy(group)
        item = {k: group[k] for k in RG_LIST_KEYS}
        for name in (f.strip() for f in (fields or "").split(",") if f.strip()):
            if name in group:
                item[name] = group[name]
        return item

    def _ringgroups_get(self, req, gid):
        if gid:
            group = self.ringgroups.get(gid)
            if group is None:
                return self._errors([(404, None, "Record not found")])
            return self._results([group])
        fields = req.query.get("fields")
        return self._results([self._group_list_item(g, fields) for g in self._sorted_groups()])

    def _validate_group(self, body, creating):
        errs = []
        members = body.get("extension_list")
        if creating and (not isinstance(members, list) or not members):
            errs.append((422, "extension_list", "Required field missing"))
        checks = (("strategy", STRATEGIES), ("recording", RECORDING),
                  ("change_callerid", CHANGE_CID), ("music_on_hold_ringing", MOH_RINGING))
        for key, allowed in checks:
            if key in body and stringify(body[key]) not in allowed:
                errs.append((422, key, "Not in list of allowed values"))
        if "ring_time" in body:
            text = stringify(body["ring_time"])
            if not re.fullmatch(r"-?\d+", text):
                errs.append((422, "ring_time", "Only numeric values allowed"))
            elif not 1 <= int(text) <= 300:
                errs.append((422, "ring_time", "Valid range: 1-300"))
        return errs

    def _merge_group(self, group, body):
        for key, value in body.items():
            if key in ("id", "extension", "reload"):
                continue
            if key == "extension_list":
                if isinstance(value, list):
                    group[key] = [stringify(v) for v in value]
            elif key in CHECKBOXES:
                group[key] = "yes" if value in (1, "1", "on", "yes") else "no"
            elif key in group and not isinstance(value, (dict, list)):
                group[key] = stringify(value)

    def _ringgroups_post(self, req, gid):
        if gid:
            return self._errors([(400, None, "We refuse to insert a record if a resource id "
                                  "is passed. For updating use the PUT method instead.")])
        body = self._input(req)
        if body is None:
            return self._bad_json()
        errs = self._validate_group(body, True)
        if errs:
            return self._errors(errs)
        number = stringify(body.get("extension", "")) or self._next_free(self.ringgroups, "600")
        if not number.isdigit():
            return self._errors([(422, "extension", "Only digits allowed")])
        if self._in_use(number):
            return self._errors([(409, None, "Extension number already in use")])
        group = seed.make_ringgroup(number, "", "ringall", 20, [])
        self._merge_group(group, body)
        self.ringgroups[number] = group
        return self._empty(201, [("Location", self._location(req, number))],
                           self._apply(req, body))

    def _ringgroups_put(self, req, gid):
        body = self._input(req)
        if body is None:
            return self._bad_json()
        group = self.ringgroups.get(gid)
        if group is None:
            return self._errors([(404, None, "Could not find a record to update")])
        errs = self._validate_group(body, False)
        if errs:
            return self._errors(errs)
        self._merge_group(group, body)
        return self._empty(200, (), self._apply(req, body))

    def _ringgroups_delete(self, req, ids):
        body = self._body_json(req)     # PHP >= 7: an empty body fails to decode
        if body is None:
            return self._bad_json()
        if not ids:
            return self._f3_error(req, 405, "Method Not Allowed")
        for one in ids.split(","):
            if one not in self.ringgroups:
                return self._errors([(404, None, "Could not find a record to delete")])
            del self.ringgroups[one]
        return self._empty(200, (), self._apply(req, body))

    # ------------------------------------------------------------ manager (live AMI)

    def _manager(self, req, segs):
        action = segs[0].lower() if segs else ""
        if not self.ami_up:
            return self._raw('{"status":"error","reason":"Could not connect to AMI"}')
        q = req.query
        if action == "status":
            events = [e for e in self._status_events()
                      if "channel" not in q or e["Channel"] == q["channel"]]
            return self._json(200, events)
        if action == "queuestatus":
            return self._json(200, self._queue_events(q.get("queue")))
        if action == "hangup":
            return self._hangup(q.get("channel", ""))
        if action in ("queuepause", "queueunpause"):
            return self._pause(q, action == "queuepause")
        if action == "queueremove":
            return self._queue_remove(q)
        if action == "queueadd":
            return self._queue_add(q)
        return self._json(200, MANAGER_ACTIONS)

    def _status_events(self):
        now = time.time()
        out = []
        for chan in self.channels.values():
            event = dict(chan["event"])
            event["Seconds"] = str(max(0, int(now - chan["start"])))
            out.append(event)
        return out

    def _entries(self):
        by_queue = {}
        now = time.time()
        for chan in self.channels.values():
            ev = chan["event"]
            if ev.get("Application") == "Queue":
                by_queue.setdefault(ev["Exten"], []).append((chan["start"], ev))
        out = []
        for queue, waiting in sorted(by_queue.items()):
            for pos, (start, ev) in enumerate(sorted(waiting, key=lambda w: w[0]), 1):
                out.append({"Event": "QueueEntry", "Queue": queue, "Position": str(pos),
                            "Channel": ev["Channel"], "Uniqueid": ev["Uniqueid"],
                            "CallerIDNum": ev["CallerIDNum"],
                            "CallerIDName": ev["CallerIDName"], "ConnectedLineNum": "unknown",
                            "ConnectedLineName": "unknown",
                            "Wait": str(max(0, int(now - start))), "Priority": "0"})
        return out

    def _member_view(self, member):
        """Status and InCall follow the member's own live channels."""
        view = dict(member)
        number = member["Location"].split("/")[1].split("@")[0]
        busy = any(re.match(r"[A-Z0-9]+/%s-" % re.escape(number), name)
                   for name in self.channels)
        view["Status"] = "2" if busy else member["Status"]
        view["InCall"] = "1" if busy else "0"
        return view

    def _queue_events(self, only=None):
        entries = self._entries()
        out = []
        for params in self.queue_params:
            queue = params["Queue"]
            if only is not None and queue != only:
                continue
            view = dict(params)
            view["Calls"] = str(sum(1 for e in entries if e["Queue"] == queue))
            out.append(view)
            out += [self._member_view(m) for m in self.members if m["Queue"] == queue]
            out += [e for e in entries if e["Queue"] == queue]
        return out

    def _hangup(self, name):
        chan = self.channels.get(name)
        if chan is None:
            return self._raw('{"status":"error", "message":"No such channel"}')
        linked = chan["event"]["Linkedid"]
        for other in [n for n, c in self.channels.items() if c["event"]["Linkedid"] == linked]:
            del self.channels[other]
        self.hangups.append(name)
        return self._raw('{"status":"ok", "message":"Channel Hungup"}')

    def _find_member(self, q):
        return next((m for m in self.members if m["Queue"] == q.get("queue")
                     and m["Location"] == q.get("interface")), None)

    def _queue_exists(self, name):
        return any(p["Queue"] == name for p in self.queue_params)

    def _manager_reply(self, ok, message):
        # Issabel pastes the AMI Message into hand-built JSON without escaping it.
        return self._raw('{"status":"%s", "message":"%s"}' % ("ok" if ok else "error", message))

    def _pause(self, q, paused):
        """AMI QueuePause: the reason is kept only while paused (Asterisk clears it on
        unpause); pausing a paused member again replaces its reason."""
        member = self._find_member(q)
        if member is None:
            return self._manager_reply(False, "Interface not found")
        member["Paused"] = "1" if paused else "0"
        member["PausedReason"] = q.get("reason", "") if paused else ""
        if paused:
            member["LastPause"] = str(int(time.time()))
        return self._manager_reply(True, "Interface %s successfully" % (
            "paused" if paused else "unpaused"))

    def _queue_remove(self, q):
        """AMI QueueRemove: only dynamic members (added at run time) can be removed."""
        if not self._queue_exists(q.get("queue")):
            return self._manager_reply(False, "Unable to remove interface from queue: "
                                              "No such queue")
        member = self._find_member(q)
        if member is None:
            return self._manager_reply(False, "Unable to remove interface: Not there")
        if member["Membership"] != "dynamic":
            return self._manager_reply(False, "Unable to remove interface: Not dynamic")
        self.members.remove(member)
        return self._manager_reply(True, "Removed interface from queue")

    @staticmethod
    def _ast_true(value):
        return (value or "").strip().lower() in ("yes", "true", "y", "t", "1", "on")

    @staticmethod
    def _penalty(value):
        """Asterisk reads the penalty with %d and takes 0 for anything unreadable or
        negative."""
        m = re.match(r"\s*([+-]?\d+)", value or "")
        n = int(m.group(1)) if m else 0
        return str(n if 0 <= n < 2 ** 31 else 0)

    def _queue_add(self, q):
        """AMI QueueAdd: Paused is read as a truth word (yes, true, 1, on...)."""
        if not q.get("queue") or not q.get("interface"):
            return self._manager_reply(False, "'Queue' and 'Interface' must be specified.")
        if not self._queue_exists(q["queue"]):
            return self._manager_reply(False, "Unable to add interface to queue: No such queue")
        if self._find_member(q) is not None:
            return self._manager_reply(False, "Unable to add interface: Already there")
        self.members.append({
            "Event": "QueueMember", "Queue": q["queue"],
            "Name": q.get("membername") or q["interface"], "Location": q["interface"],
            "StateInterface": q.get("stateinterface") or q["interface"],
            "Membership": "dynamic", "Penalty": self._penalty(q.get("penalty")),
            "CallsTaken": "0", "LastCall": "0", "LastPause": "0",
            "LoginTime": str(int(time.time())), "InCall": "0", "Status": "1",
            "Paused": "1" if self._ast_true(q.get("paused")) else "0",
            "PausedReason": "", "Wrapuptime": "0"})
        return self._manager_reply(True, "Added interface to queue")

    # ------------------------------------------------------------ seeded state

    def reset(self):
        self.rewind_rng()
        now = time.time()
        self.jwt = Jwt(bytes(self.rng.getrandbits(8) for _ in range(32)))
        self.user, self.password = self.opts["user"], self.opts["password"]
        self.access, self.refresh = {}, {}
        self.logins = self.logins_refused = self.renewals = self.renewals_refused = 0
        self.extensions = seed.seed_extensions(self.rng)
        for i in range(len(self.extensions), self.opts["extensions"]):
            number = str(100000 + i)
            self.extensions[number] = seed.bulk_extension(number)
        self.ringgroups = seed.seed_ringgroups()
        self.queue_params, self.members = seed.seed_queues(self.rng, now)
        self.factory = seed.ChannelFactory(self.rng)
        self.churn_rng = random.Random(self.rng.getrandbits(64))
        self.channels = {}
        kinds = ("inbound_queue", "internal", "ringing", "outbound", "internal")
        for i in range(self.opts["calls"]):
            kind = kinds[i] if i < len(kinds) else self.rng.choice(seed.CALL_KINDS)
            self._add_call(kind, now - self.rng.randint(5, 600))
        self.applies, self.hangups = [], []
        self.ami_up = self.opts["ami"]
        self.churn_on = self.services.churn
        self.next_churn = 0.0

    def _add_call(self, kind, start):
        legs = self.factory.call(kind, start, seed.DIALABLE)
        for event, leg_start in legs:
            self.channels[event["Channel"]] = {"event": event, "start": leg_start}
        return [e for e, _ in legs]

    # ------------------------------------------------------------- churn

    def tick(self, now):
        if not self.churn_on or now < self.next_churn:
            return
        self.next_churn = now + self.churn_rng.uniform(0.7, 2.0)
        count = len(self.channels)
        ringing = [c for c in self.channels.values()
                   if c["event"]["ChannelStateDesc"] in ("Ring", "Ringing")]
        actions = []
        if count < CHURN_MAX:
            actions.append("add")
        if count > CHURN_MIN:
            actions.append("remove")
        if ringing:
            actions.append("answer")
        action = self.churn_rng.choice(actions)
        if action == "add":
            self.factory.rng = self.churn_rng
            self._add_call(self.churn_rng.choice(seed.CALL_KINDS), now)
        elif action == "remove":
            name = self.churn_rng.choice(sorted(self.channels))
            linked = self.channels[name]["event"]["Linkedid"]
            for other in [n for n, c in self.channels.items()
                          if c["event"]["Linkedid"] == linked]:
                del self.channels[other]
        else:
            linked = self.churn_rng.choice(ringing)["event"]["Linkedid"]
            for chan in self.channels.values():
                if chan["event"]["Linkedid"] == linked:
                    chan["event"].update(ChannelState="6", ChannelStateDesc="Up")

    # ------------------------------------------------------- control API

    def dump(self):
        now = time.time()
        return {
            "extensions": self._sorted_exts(),
            "ringgroups": self._sorted_groups(),
            "channels": self._status_events(),
            "queues": [e for e in self._queue_events() if e["Event"] == "QueueParams"],
            "members": [self._member_view(m) for m in self.members],
            "entries": self._entries(),
            "applies": self.applies,
            "hangups": self.hangups,
            "logins": self.logins,
            "logins_refused": self.logins_refused,
            "renewals": self.renewals,
            "renewals_refused": self.renewals_refused,
            "tokens": sum(1 for exp in self.access.values() if exp >= now),
            "ami": self.ami_up,
            "churn": self.churn_on,
            "user": self.user,
        }

    def control(self, op, args):
        ops = {
            "expire_tokens": self._op_expire_tokens,
            "expire_refresh": self._op_expire_refresh,
            "set_credentials": self._op_set_credentials,
            "set_ami": self._op_set_ami,
            "churn": self._op_churn,
            "add_call": self._op_add_call,
            "add_channel": self._op_add_channel,
            "remove_channel": self._op_remove_channel,
            "set_channels": self._op_set_channels,
            "add_extension": self._op_add_extension,
            "remove_extension": self._op_remove_extension,
            "add_ringgroup": self._op_add_ringgroup,
            "remove_ringgroup": self._op_remove_ringgroup,
            "remove_member": self._op_remove_member,
            "rename_extensions": self._op_rename_extensions,
        }
        if op not in ops:
            raise ValueError("unknown op %r; issabel knows %s" % (op, ", ".join(sorted(ops))))
        return ops[op](args)

    def _op_expire_tokens(self, args):
        """Every access token issued so far is expired now (refresh tokens stay good)."""
        for token in self.access:
            self.access[token] = time.time() - 1
        return {"expired": len(self.access)}

    def _op_expire_refresh(self, args):
        for token in self.refresh:
            self.refresh[token] = time.time() - 1
        return {"expired": len(self.refresh)}

    def _op_set_credentials(self, args):
        for key in ("user", "password"):
            if key in args:
                if not isinstance(args[key], str):
                    raise ValueError("%s must be a string" % key)
                setattr(self, key, args[key])
        return {"user": self.user}

    def _op_set_ami(self, args):
        if not isinstance(args.get("up"), bool):
            raise ValueError("up must be true or false")
        self.ami_up = args["up"]
        return {"ami": self.ami_up}

    def _op_churn(self, args):
        if not isinstance(args.get("on"), bool):
            raise ValueError("on must be true or false")
        self.churn_on = args["on"]
        self.next_churn = 0.0
        return {"churn": self.churn_on}

    def _op_add_call(self, args):
        kind = args.get("kind", "internal")
        if kind not in seed.CALL_KINDS:
            raise ValueError("kind must be one of %s" % ", ".join(sorted(set(seed.CALL_KINDS))))
        return self._add_call(kind, time.time() - float(args.get("age", 0)))

    def _op_add_channel(self, args):
        """One channel: a generated leg with `channel` overrides (any keys, any types);
        `age` backdates it in seconds."""
        over = args.get("channel", {})
        if not isinstance(over, dict):
            raise ValueError("channel must be an object of overrides")
        age = args.get("age", 0)
        if not isinstance(age, (int, float)) or isinstance(age, bool) or age < 0:
            raise ValueError("age must be a number of seconds >= 0")
        start = time.time() - age
        event = dict(self.factory.call("internal", start, seed.DIALABLE)[0][0])
        event.update(over)
        name = event.get("Channel")
        if not isinstance(name, str) or not name or name in self.channels:
            raise ValueError("Channel must be a new non-empty string")
        self.channels[name] = {"event": event, "start": start}
        return event

    def _op_remove_channel(self, args):
        name = args.get("channel")
        if name not in self.channels:
            raise ValueError("no channel %r" % (name,))
        del self.channels[name]
        return {"removed": name}

    def _op_set_channels(self, args):
        overrides = args.get("channels")
        if not isinstance(overrides, list):
            raise ValueError("channels must be a list of override objects")
        old, self.channels = self.channels, {}
        try:
            return [self._op_add_channel({"channel": o}) for o in overrides]
        except ValueError:
            self.channels = old
            raise

    def _op_add_extension(self, args):
        """An extension put straight into the database: `extension` holds the fields
        (number required); values are stored as given, so tests can plant odd types."""
        over = args.get("extension")
        if not isinstance(over, dict) or not isinstance(over.get("extension"), str):
            raise ValueError("extension must be an object with an extension number")
        ext = seed.make_extension(self.rng, over["extension"], "Extension",
                                  over.get("tech", "pjsip"), False, "")
        ext.update(over)
        self.extensions[over["extension"]] = ext
        return ext

    def _op_rename_extensions(self, args):
        """Give the listed extensions the name `name` (make bench changes a share of rows)."""
        numbers, name = args.get("extensions"), args.get("name")
        if not isinstance(numbers, list) or not isinstance(name, str):
            raise ValueError("extensions must be a list of numbers and name a string")
        missing = [n for n in numbers if n not in self.extensions]
        if missing:
            raise ValueError("no extension %r" % (missing[0],))
        for number in numbers:
            self.extensions[number]["name"] = name
        return {"renamed": len(numbers)}

    def _op_remove_extension(self, args):
        if self.extensions.pop(args.get("extension"), None) is None:
            raise ValueError("no extension %r" % (args.get("extension"),))
        return {"removed": args["extension"]}

    def _op_add_ringgroup(self, args):
        over = args.get("ringgroup")
        if not isinstance(over, dict) or not isinstance(over.get("extension"), str):
            raise ValueError("ringgroup must be an object with an extension number")
        group = seed.make_ringgroup(over["extension"], "", "ringall", 20, [])
        group.update(over)
        group["id"] = over["extension"]
        self.ringgroups[over["extension"]] = group
        return group

    def _op_remove_ringgroup(self, args):
        if self.ringgroups.pop(args.get("extension"), None) is None:
            raise ValueError("no ring group %r" % (args.get("extension"),))
        return {"removed": args["extension"]}

    def _op_remove_member(self, args):
        """A member gone behind pbxtop's back (another operator, a logout): `queue` and
        `interface` (the Location) name it, static or dynamic."""
        member = self._find_member(args)
        if member is None:
            raise ValueError("no member %r in queue %r" % (args.get("interface"),
                                                          args.get("queue")))
        self.members.remove(member)
        return {"removed": "%s@%s" % (member["Location"], member["Queue"])}
