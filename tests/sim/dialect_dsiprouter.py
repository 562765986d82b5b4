"""The dsiprouter dialect: dSIPRouter's Flask API (/api/v1) as pbxtop sees it, with the
media server routes that reach FusionPBX domains and extensions (v0.642-v0.78).

Wire behaviour follows shared/contracts/ngcp-dsiprouter.md section 2:
- "Authorization: <word> <token>" (split on one space, the word is not checked); a 401
  {"error":"http","msg":"Unauthorized"} for a bad token; from v0.75 the DSIP_CORE license
  gate answers 401 "Unauthorized - Core Subscription Required..." before the token is
  looked at; a client whose Accept takes text/html (or sends none, or */*) gets the HTML
  login page with 401 (inferred: Werkzeug's accept matching takes */* for text/html).
- Flask jsonify bodies: compact, sorted keys, trailing newline; 200 for every success.
- Media server answers use the old envelope {data,error,kamreload,msg}; `data` of the
  GET lists is a list holding one list. Endpoint groups and stats use createApiResponse
  (with dsipreload) from v0.73; older error bodies are only {error,msg}.
- Write validation: unknown key -> 400 "Request data argument 'k' not recognized", exact
  type check -> 400 "... not valid" (true is no int, "1234" is no int), query-string
  arguments merged into the body as lists (so they always fail), a missing key -> 500
  KeyError {"error":"server","msg":"'k'"}. No duplicate check on POST; PUT of an unknown
  extension -> 500 (PostgreSQL); DELETE succeeds whether or not the row exists.
- Unknown config_id -> 500 "Configuration doesn't exist"; extension list of an unknown
  domain -> 500 "list index out of range"; unknown routes and (v0.79) every media server
  route -> Werkzeug's HTML 404 with no auth check; wrong method -> HTML 405.
"""

import json
import re

import dsiprouter_seed as seed
from simcore import Dialect, Response, opt_bool, parse_options, register

JSON_CT = ("Content-Type", "application/json")
HTML_CT = ("Content-Type", "text/html; charset=utf-8")
SERVER = ("Server", "nginx")
LICENSE_MSG = ("Unauthorized - Core Subscription Required. Purchase from "
               "https://dopensource.com/product/dsiprouter-core/")
HTML_404 = ("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
            "<p>The requested URL was not found on the server. If you entered the URL manually "
            "please check your spelling and try again.</p>\n")
HTML_405 = ("<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
            "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested "
            "URL.</p>\n")
LOGIN_PAGE = ("<!DOCTYPE html>\n<html>\n<head><title>dSIPRouter | Login</title></head>\n<body>\n"
              "<form method=\"POST\" action=\"/login\">\n<input type=\"hidden\" name=\"csrf_token\""
              " value=\"sim\">\n<input name=\"username\"><input name=\"password\" type=\"password\">"
              "\n</form>\n</body>\n</html>\n")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}\Z")
VERSIONS = ("0.642", "0.70", "0.72", "0.73", "0.74", "0.75", "0.76", "0.77", "0.78", "0.79")

# POST /mediaserver/extension: every key, its exact type, in the order the handler reads them.
EXT_POST = [("config_id", int), ("domain_id", str), ("extension", str), ("password", str),
            ("enabled", bool), ("account_code", str), ("outbound_caller_number", str),
            ("outbound_caller_name", str), ("vm_enabled", bool), ("vm_password", int),
            ("vm_notify_email", str), ("call_timeout", int)]
EXT_PUT = [("config_id", int), ("domain_id", str), ("extension", str), ("password", str),
           ("enabled", bool), ("account_code", str), ("outbound_caller_number", str),
           ("outbound_caller_name", str), ("call_timeout", int)]
EXT_PUT_ALSO = [("vm_enabled", bool), ("vm_password", int), ("vm_notify_email", str)]
EXT_DELETE = [("config_id", int), ("domain_id", str), ("extension", str)]
DOM_POST = [("name", str), ("config_id", int), ("enabled", bool), ("description", str),
            ("cos", str), ("settings", dict)]
DOM_PUT = [("config_id", int), ("domain_id", str), ("name", str), ("enabled", bool),
           ("description", str)]
DOM_DELETE = [("config_id", int), ("domain_id", str)]
# Keys of one extension row in the GET list (the password is never returned).
EXT_LIST_KEYS = ("account_code", "call_timeout", "domain_uuid", "enabled", "extension",
                 "extensions_id", "outbound_caller_name", "outbound_caller_number",
                 "user_context")
DEFAULT_TOKEN = "dsip-sim-token-7Qf3xZ"

ROUTES = [
    (r"/api/v1/endpointgroups", "groups", ("GET",)),
    (r"/api/v1/endpointgroups/([^/]+)", "group", ("GET", "DELETE")),
    (r"/api/v1/kamailio/stats", "kamstats", ("GET",)),
    (r"/api/v1/stats", "stats", ("GET",)),
    (r"/api/v1/mediaserver/domain/?", "domains_noid", ("GET",)),
    (r"/api/v1/mediaserver/domain", "domain_write", ("POST", "PUT", "DELETE")),
    (r"/api/v1/mediaserver/domain/([^/]+)", "domains", ("GET",)),
    (r"/api/v1/mediaserver/domain/([^/]+)/([^/]+)", "domain", ("GET",)),
    (r"/api/v1/mediaserver/extension", "ext_write", ("POST", "PUT", "DELETE")),
    (r"/api/v1/mediaserver/extension/([^/]+)/([^/]+)", "exts", ("GET",)),
    (r"/api/v1/mediaserver/extension/([^/]+)/([^/]+)/([^/]+)", "ext", ("GET",)),
]
ROUTES = [(re.compile(p + r"\Z"), stem, methods) for p, stem, methods in ROUTES]


class ApiError(Exception):
    """showApiError: error kind ("http", "db", "server"), status and message."""

    def __init__(self, status, kind, msg):
        super().__init__(msg)
        self.status, self.kind, self.msg = status, kind, msg


def jsonify(doc):
    """Flask 2.2 jsonify outside debug mode: compact, sorted keys, trailing newline."""
    return (json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n").encode()


def version_num(text):
    if text not in VERSIONS:
        raise ValueError(text)
    return text


def pbxtop_config(opts):
    """The lines a pbxtop config needs for a backend of this dialect run with `opts`: the API
    token goes where other backends keep a password."""
    return "password = %s\n" % opts.get("token", DEFAULT_TOKEN)


@register("dsiprouter")
class DsiprouterDialect(Dialect):
    OPTIONS = {
        "token": (str, DEFAULT_TOKEN),
        "version": (version_num, "0.78"),
        "license": (opt_bool, True),        # v0.75+: a valid DSIP_CORE license
        "bool_columns": (opt_bool, False),  # FusionPBX with boolean "enabled" columns
    }

    def __init__(self, name, opts, rng, services):
        super().__init__(name, opts, rng, services)
        self.opts = parse_options(opts, self.OPTIONS)
        if not self.opts["token"] or " " in self.opts["token"]:
            raise ValueError("token must be non-empty and without spaces")
        self.reset()

    # ------------------------------------------------------------ plumbing

    def _v(self):
        return float(self.version)

    def base_headers(self):
        return [SERVER, JSON_CT]

    def _json(self, status, doc):
        return Response(status, self.base_headers(), jsonify(doc))

    def _html(self, status, text):
        return Response(status, [SERVER, HTML_CT], text.encode())

    def _old_ok(self, data, msg=""):
        """The media server routes' own success envelope (every version)."""
        return self._json(200, {"data": data, "error": "", "kamreload": False, "msg": msg})

    def _api_ok(self, data, msg, kamreload=False):
        """createApiResponse (v0.73+); older releases had no dsipreload."""
        doc = {"data": data, "error": "", "kamreload": kamreload, "msg": msg}
        if self._v() >= 0.73:
            doc["dsipreload"] = False
        return self._json(200, doc)

    def _error(self, status, kind, msg):
        if self._v() >= 0.73:
            doc = {"data": [], "dsipreload": False, "error": kind, "kamreload": False,
                   "msg": msg}
        elif status == 401:
            doc = {"data": [], "error": kind, "kamreload": False, "msg": msg}
        else:
            doc = {"error": kind, "msg": msg}
        return self._json(status, doc)

    def error_response(self, status):
        if status == 404:
            return self._html(404, HTML_404)
        kind = "http" if status < 500 else "server"
        msg = "Unauthorized" if status == 401 else "simulated failure (HTTP %d)" % status
        return self._error(status, kind, msg)

    def handle(self, req):
        matched = [(m, stem, methods) for regex, stem, methods in ROUTES
                   for m in [regex.match(req.path)] if m]
        if not matched:
            return self._html(404, HTML_404)
        allowed = [r for r in matched if req.method in r[2]]
        match, stem, _ = (allowed or matched)[0]
        if stem.startswith(("domain", "ext")) and self._v() >= 0.79:
            return self._html(404, HTML_404)    # the blueprint is no longer registered
        if not allowed:
            return self._html(405, HTML_405)
        denied = self._auth(req)
        if denied is not None:
            return denied
        try:
            return getattr(self, "_%s_%s" % (stem, req.method.lower()))(req, *match.groups())
        except ApiError as exc:
            return self._error(exc.status, exc.kind, exc.msg)

    def _auth(self, req):
        """api_security: the login page for browsers, the license gate, then the token."""
        accept = req.headers.get("accept", "")
        if not accept or "text/html" in accept or "*/*" in accept:
            return self._html(401, LOGIN_PAGE)
        if self._v() >= 0.75 and not self.license:
            return self._error(401, "http", LICENSE_MSG)
        parts = req.headers.get("authorization", "").split(" ")
        if len(parts) != 2 or parts[1] != self.token:
            return self._error(401, "http", "Unauthorized")
        return None

    def _body(self, req, allowed, recognized_word="Request data argument"):
        """getRequestData + the handlers' whitelist and exact type checks."""
        try:
            body = json.loads(req.body.decode("utf-8")) if req.body.strip() else {}
        except ValueError:
            raise ApiError(400, "http", "400 Bad Request: Failed to decode JSON object")
        if not isinstance(body, dict):
            raise ApiError(400, "http", "400 Bad Request: the request body is not an object")
        for key, value in req.query.items():   # query arguments arrive as lists
            body[key] = [value]
        types = dict(allowed)
        for key, value in body.items():
            if key not in types:
                raise ApiError(400, "http", "%s '%s' not recognized" % (recognized_word, key))
            if type(value) != types[key]:       # noqa: E721 - exact, as the server does
                raise ApiError(400, "http", "%s '%s' not valid" % (recognized_word, key))
        return body

    @staticmethod
    def _need(body, key):
        if key not in body:
            raise ApiError(500, "server", "'%s'" % key)
        return body[key]

    # ------------------------------------------------------- endpoint groups

    def _groups_get(self, req):
        data = [{"gwgroupid": g["gwgroupid"], "name": g["name"],
                 "gwlist": ",".join(str(e["gwid"]) for e in g["endpoints"])}
                for g in self.groups]
        return self._api_ok(data, "Endpoint groups found")

    def _find_group(self, gid):
        return next((g for g in self.groups if str(g["gwgroupid"]) == gid), None)

    def _group_get(self, req, gid):
        group = self._find_group(gid)
        if group is None:
            raise ApiError(404, "http", "Endpoint Group Does Not Exist")
        out = dict(group)
        if not out["endpoints"]:
            out.pop("strip")
            out.pop("prefix")
        return self._api_ok([out], "Endpoint group found")

    def _group_delete(self, req, gid):
        group = self._find_group(gid)        # never 404: the query object is never None
        if group is not None:
            self.groups.remove(group)
            cid = group["gwgroupid"]
            self.domains = [d for d in self.domains if d["config_id"] != cid]
        return self._api_ok([], "EndpointGroup deleted", kamreload=True)

    def _kamstats_get(self, req):
        return self._api_ok([dict(self.kamstats)], "Successfully retrieved kamailio stats")

    def _stats_get(self, req):
        if self._v() < 0.79:
            return self._html(404, HTML_404)
        data = {"active_calls": self.kamstats["current"], "alerts": [],
                "queued_messages": self.kamstats["waiting"], "registration_failures": 0}
        return self._api_ok(data, "Successfully retrieved kamailio stats")

    # ------------------------------------------------------- media server

    def _config(self, cid):
        """The FusionPBX connection of endpoint group `cid` (dsip_multidomain_mapping)."""
        group = self._find_group(str(cid))
        if group is None or not group["fusionpbx"]:
            raise ApiError(500, "server", "Configuration doesn't exist")
        return group["gwgroupid"]

    def _domain_rows(self, cid):
        return [d for d in self.domains if d["config_id"] == cid]

    def _enabled(self, flag):
        """A FusionPBX 'enabled' column: text "true"/"false", or a boolean column."""
        on = flag in (True, "true")
        return on if self.bool_columns else ("true" if on else "false")

    def _domain_view(self, d):
        return {"domain_uuid": d["domain_uuid"], "domain_id": d["domain_uuid"],
                "name": d["name"], "enabled": self._enabled(d["enabled"]),
                "description": d["description"]}

    def _domains_noid_get(self, req):
        raise ApiError(500, "server", "The configuration id must be provided")

    def _domains_get(self, req, cid):
        rows = [self._domain_view(d) for d in self._domain_rows(self._config(cid))]
        return self._old_ok([rows], "%d domains were found" % len(rows))

    def _domain_get(self, req, cid, uuid_):
        cid = self._config(cid)
        if not UUID_RE.match(uuid_):
            raise ApiError(500, "server", 'invalid input syntax for type uuid: "%s"' % uuid_)
        rows = [self._domain_view(d) for d in self._domain_rows(cid)
                if d["domain_uuid"] == uuid_.lower()]
        return self._old_ok([rows], "%d domains were found" % len(rows))

    def _domain_write_post(self, req):
        body = self._body(req, DOM_POST)
        cid = self._config(self._need(body, "config_id"))
        name = self._need(body, "name")
        enabled, desc = self._need(body, "enabled"), self._need(body, "description")
        if any(d["name"] == name for d in self.domains):
            raise ApiError(500, "server", "The domain already exists")
        if "settings" in body and "cos" not in body:
            raise ApiError(500, "server",
                           "local variable 'cos' referenced before assignment")
        dom = seed.make_domain(self.rng, cid, name, "true" if enabled else "false", desc)
        self.domains.append(dom)            # committed before cos is read
        self._need(body, "cos")
        return self._old_ok({"domain_id": dom["domain_uuid"]})

    def _domain_write_put(self, req):
        body = self._body(req, DOM_PUT)
        values = [self._need(body, k) for k, _ in DOM_PUT]
        cid = self._config(values[0])
        for d in self._domain_rows(cid):    # unknown domain: a silent no-op
            if d["domain_uuid"] == values[1]:
                d.update(name=values[2], enabled="true" if values[3] else "false",
                         description=values[4])
        return self._old_ok([], "Success")

    def _domain_write_delete(self, req):
        body = self._body(req, DOM_DELETE)
        cid = self._config(self._need(body, "config_id"))
        uuid_ = self._need(body, "domain_id")
        # v_domains and v_dialplans only: the extensions stay behind.
        self.domains = [d for d in self.domains
                        if not (d["config_id"] == cid and d["domain_uuid"] == uuid_)]
        return self._old_ok([], "Success")

    def _find_domain(self, cid, uuid_):
        if not UUID_RE.match(uuid_):
            raise ApiError(500, "server", 'invalid input syntax for type uuid: "%s"' % uuid_)
        dom = next((d for d in self._domain_rows(cid) if d["domain_uuid"] == uuid_.lower()),
                   None)
        if dom is None:
            raise ApiError(500, "server", "list index out of range")
        return dom

    def _ext_view(self, e):
        row = {k: e[k] for k in EXT_LIST_KEYS}
        row["enabled"] = self._enabled(e["enabled"])
        return row

    def _ext_rows(self, cid, uuid_):
        return [e for e in self.extensions
                if e["config_id"] == cid and e["domain_uuid"] == uuid_]

    def _exts_get(self, req, cid, uuid_):
        dom = self._find_domain(self._config(cid), uuid_)
        rows = [self._ext_view(e) for e in self._ext_rows(dom["config_id"], dom["domain_uuid"])]
        return self._old_ok([rows], "%d extensions were found" % len(rows))

    def _ext_get(self, req, cid, uuid_, ext_uuid):
        dom = self._find_domain(self._config(cid), uuid_)
        rows = [self._ext_view(e) for e in self._ext_rows(dom["config_id"], dom["domain_uuid"])
                if e["extensions_id"] == ext_uuid]
        return self._old_ok([rows], "%d extensions were found" % len(rows))

    def _ext_write_post(self, req):
        body = self._body(req, EXT_POST)
        cid = self._config(self._need(body, "config_id"))
        values = {k: self._need(body, k) for k, _ in EXT_POST}
        dom = self._find_domain(cid, values["domain_id"])
        # No duplicate check: a second row with the same number is stored.
        self.extensions.append(seed.make_extension(self.rng, dom, values["extension"], None, True, {
            "password": values["password"], "enabled": "true" if values["enabled"] else "false",
            "account_code": values["account_code"],
            "outbound_caller_number": values["outbound_caller_number"],
            "outbound_caller_name": values["outbound_caller_name"],
            "vm_enabled": values["vm_enabled"], "vm_password": values["vm_password"],
            "vm_notify_email": values["vm_notify_email"], "call_timeout": values["call_timeout"],
        }))
        return self._old_ok([])

    def _ext_write_put(self, req):
        body = self._body(req, EXT_PUT + EXT_PUT_ALSO)
        values = {k: self._need(body, k) for k, _ in EXT_PUT}
        cid = self._config(values["config_id"])
        rows = [e for e in self.extensions if e["config_id"] == cid
                and e["domain_uuid"] == values["domain_id"]
                and e["extension"] == values["extension"]]
        if not rows:
            raise ApiError(500, "server", "invalid input syntax for type uuid: \"None\"\n"
                           "LINE 1: ...WHERE extension_uuid='None'")
        for e in rows:
            e.update(password=values["password"],
                     enabled="true" if values["enabled"] else "false",
                     account_code=values["account_code"],
                     outbound_caller_number=values["outbound_caller_number"],
                     outbound_caller_name=values["outbound_caller_name"],
                     call_timeout=values["call_timeout"])
        return self._old_ok([])

    def _ext_write_delete(self, req):
        body = self._body(req, EXT_DELETE)
        values = {k: self._need(body, k) for k, _ in EXT_DELETE}
        cid = self._config(values["config_id"])
        self.extensions = [e for e in self.extensions if not (
            e["config_id"] == cid and e["domain_uuid"] == values["domain_id"]
            and e["extension"] == values["extension"])]
        return self._old_ok([], "Success")

    # ----------------------------------------------------- seeded state

    def reset(self):
        self.rewind_rng()
        self.groups, self.domains, self.extensions = seed.seed(self.rng)
        self.kamstats = seed.kamailio_stats(self.rng)
        self.token = self.opts["token"]
        self.version = self.opts["version"]
        self.license = self.opts["license"]
        self.bool_columns = self.opts["bool_columns"]
        self.churn_on = self.services.churn
        self.next_churn = 0.0

    def tick(self, now):
        """Churn: the only live data dSIPRouter has are Kamailio's call counters."""
        if not self.churn_on or now < self.next_churn:
            return
        self.next_churn = now + self.rng.uniform(0.7, 2.0)
        st = self.kamstats
        if self.rng.random() < 0.5 and st["current"] < 12:
            st.update(current=st["current"] + 1, created=st["created"] + 1,
                      total=st["total"] + 1)
        elif st["current"] > 0:
            st.update(current=st["current"] - 1, freed=st["freed"] + 1,
                      **{"2xx": st["2xx"] + 1})

    # ------------------------------------------------------- control API

    def dump(self):
        return {
            "version": self.version, "license": self.license, "bool_columns": self.bool_columns,
            "endpointgroups": [{"gwgroupid": g["gwgroupid"], "name": g["name"],
                                "fusionpbx": bool(g["fusionpbx"])} for g in self.groups],
            "domains": [dict(d) for d in self.domains],
            "extensions": [dict(e) for e in self.extensions],
            "kamailio_stats": dict(self.kamstats),
            "churn": self.churn_on,
        }

    def control(self, op, args):
        ops = {
            "set_token": self._op_set_token,
            "set_version": self._op_set_version,
            "set_license": self._op_set_license,
            "set_bool_columns": self._op_set_bool_columns,
            "set_fusionpbx": self._op_set_fusionpbx,
            "add_domain": self._op_add_domain,
            "remove_domain": self._op_remove_domain,
            "add_extension": self._op_add_extension,
            "remove_extension": self._op_remove_extension,
            "churn": self._op_churn,
        }
        if op not in ops:
            raise ValueError("unknown op %r; dsiprouter knows %s" % (op, ", ".join(sorted(ops))))
        return ops[op](args)

    @staticmethod
    def _arg(args, key, typ):
        value = args.get(key)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ValueError("%s must be a %s" % (key, typ.__name__))
        return value

    def _op_set_token(self, args):
        token = self._arg(args, "token", str)
        if not token or " " in token:
            raise ValueError("token must be non-empty and without spaces")
        self.token = token
        return {"token_set": True}

    def _op_set_version(self, args):
        version = self._arg(args, "version", str)
        if version not in VERSIONS:
            raise ValueError("version must be one of %s" % ", ".join(VERSIONS))
        self.version = version
        return {"version": version}

    def _op_set_license(self, args):
        self.license = self._arg(args, "valid", bool)
        return {"license": self.license}

    def _op_set_bool_columns(self, args):
        self.bool_columns = self._arg(args, "on", bool)
        return {"bool_columns": self.bool_columns}

    def _op_set_fusionpbx(self, args):
        group = self._find_group(str(self._arg(args, "gwgroupid", int)))
        if group is None:
            raise ValueError("no endpoint group %r" % args.get("gwgroupid"))
        on = self._arg(args, "enabled", bool)
        group["fusionpbx"] = {"enabled": "1", "dbhost": "203.0.113.99", "dbuser": "fusionpbx",
                              "dbpass": seed.password(self.rng)} if on else {}
        return {"gwgroupid": group["gwgroupid"], "fusionpbx": on}

    def _op_add_domain(self, args):
        cid = self._arg(args, "config_id", int)
        if self._find_group(str(cid)) is None:
            raise ValueError("no endpoint group %d" % cid)
        dom = seed.make_domain(self.rng, cid, self._arg(args, "name", str),
                               args.get("enabled", "true"), args.get("description", ""))
        self.domains.append(dom)
        return dom

    def _op_remove_domain(self, args):
        uuid_ = self._arg(args, "domain_uuid", str)
        before = len(self.domains)
        self.domains = [d for d in self.domains if d["domain_uuid"] != uuid_]
        if len(self.domains) == before:
            raise ValueError("no domain %r" % uuid_)
        return {"removed": uuid_}

    def _op_add_extension(self, args):
        """{domain_uuid, extension, ...any row field}: values are stored as given, so a
        test can send odd types."""
        uuid_ = self._arg(args, "domain_uuid", str)
        dom = next((d for d in self.domains if d["domain_uuid"] == uuid_), None)
        if dom is None:
            raise ValueError("no domain %r" % uuid_)
        extra = {k: v for k, v in args.items() if k not in ("domain_uuid", "extension")}
        ext = seed.make_extension(self.rng, dom, self._arg(args, "extension", str), "New", True,
                                  extra)
        self.extensions.append(ext)
        return ext

    def _op_remove_extension(self, args):
        uuid_ = self._arg(args, "domain_uuid", str)
        number = self._arg(args, "extension", str)
        before = len(self.extensions)
        self.extensions = [e for e in self.extensions
                           if not (e["domain_uuid"] == uuid_ and e["extension"] == number)]
        if len(self.extensions) == before:
            raise ValueError("no extension %r in domain %r" % (number, uuid_))
        return {"removed": before - len(self.extensions)}

    def _op_churn(self, args):
        self.churn_on = self._arg(args, "on", bool)
        self.next_churn = 0.0
        return {"churn": self.churn_on}
