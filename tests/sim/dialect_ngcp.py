"""The ngcp dialect: Sipwise NGCP / sip:provider CE REST API (ngcp-panel, /api/), as
pbxtop sees it.

Wire behaviour follows shared/contracts/ngcp-dsiprouter.md section 1 and the fixtures in
tests/fixtures/ngcp/:
- HTTP Basic against the admin on every request; a 401 is text/plain
  "Authorization required." with WWW-Authenticate; 403 JSON "Banned" after too many
  failures (option ban_after), "Invalid HTTP method for read-only user" (option read_only).
- HAL+JSON, pretty-printed canonically (sorted keys, 3-space indent, "k" : v); ngcp:*
  relations are always arrays; an empty collection has no _embedded at all.
- Pagination: page (default 1) and rows (default 10, no upper bound; option rows_cap
  imitates a server that serves fewer), total_count, next/prev links that repeat the other
  query parameters unescaped; page=0 or rows=0 -> 400.
- Errors are compact {"code":N,"message":...} JSON; 422 for every validation and conflict.
- POST answers 201 with an empty body and a Location (Prefer is ignored); PUT and PATCH
  (application/json-patch+json only) answer 204, or 200 with the item when asked with
  "Prefer: return=representation"; DELETE terminates a subscriber (204), which then
  disappears (404).
- callqueues items have no id field: only _links.self names them.

Messages the contract gives are exact; a few it does not give (marked "inferred") follow
the same pattern.
"""

import base64
import copy
import json
import random
import re
import time
import urllib.parse

import ngcp_seed as seed
from simcore import (Dialect, Response, http_reason, opt_bool, opt_nonneg_int, parse_options,
                     register)

HAL_TYPE = 'application/hal+json; profile="http://purl.org/sipwise/ngcp-api/"; charset=utf-8'
PROFILE = "http://purl.org/sipwise/ngcp-api/"
CURIES = {"href": "http://purl.org/sipwise/ngcp-api/#rel-{rel}", "name": "ngcp",
          "templated": True}
USERNAME_RE = re.compile(r"[A-Za-z0-9+=,;_.~'()!*-]+\Z")
SUB_FILTERS = ("username", "webusername", "domain", "customer_id", "is_pbx_group", "is_admin",
               "is_pbx_pilot", "pbx_extension", "display_name", "external_id")
ORDER_COLUMNS = ("id", "username", "domain", "pbx_extension", "display_name", "customer_id",
                 "status", "create_timestamp", "modify_timestamp")
PATCH_OPS = ("add", "copy", "remove", "replace")
CHURN_MAX = 8

# Collection and item routes: (regex, resource name); ids are checked by the handlers.
ROUTES = [
    (re.compile(r"/api/(subscribers|callqueues|domains|customers|pbxusers)/\Z"), "collection"),
    (re.compile(r"/api/(subscribers|callqueues|domains|customers|pbxusers)\Z"), "noslash"),
    (re.compile(r"/api/(subscribers|callqueues|domains|customers|pbxusers)/([^/]*)\Z"), "item"),
]
ALLOWED = {
    ("subscribers", "collection"): ("GET", "HEAD", "OPTIONS", "POST"),
    ("subscribers", "item"): ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "PUT"),
}
READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


class NgcpError(Exception):
    """An API error: status and the message of its {"code","message"} body."""

    def __init__(self, code, message, headers=()):
        super().__init__(message)
        self.code, self.message, self.headers = code, message, list(headers)


def encode_hal(doc):
    """JSON::to_json(..., {canonical=>1, pretty=>1, utf8=>1}): sorted keys, 3-space indent,
    '"k" : v', UTF-8 as is.  Strings carrying \\udc80-\\udcff go out as raw bytes, so tests
    can send invalid UTF-8."""
    text = json.dumps(doc, indent=3, sort_keys=True, separators=(",", " : "),
                      ensure_ascii=False) + "\n"
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def parse_basic_auth(header):
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except ValueError:
        return None
    user, colon, password = raw.partition(":")
    return (user, password) if colon else None


def pbxtop_config(opts):
    """The lines a pbxtop config needs for a backend of this dialect run with `opts` (the
    NAME=TYPE,key=val options); used by the test harness and `pbxtop demo`."""
    return "username = %s\npassword = %s\n" % (opts.get("user", "administrator"),
                                                opts.get("password", "administrator"))


def link(href):
    return {"href": href}


def as_int(value):
    """A Perl-ish integer: JSON ints and decimal strings; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def as_bool(value):
    """JSON booleans, 0/1 and their strings, as the form turns them into 0/1."""
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    if value in (None, ""):
        return False
    return None


def wildcard_match(pattern, value):
    """NGCP search strings: '*' any run, '?' one character, else exact; $null/$not_null."""
    if pattern == "$null":
        return value is None
    if pattern == "$not_null":
        return value is not None
    if value is None:
        return False
    if isinstance(value, bool):
        value = int(value)
    if "*" in pattern or "?" in pattern:
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        return re.fullmatch(regex, str(value), re.IGNORECASE | re.DOTALL) is not None
    return str(value) == pattern


def validation_error(field, value, errors):
    shown = "*****" if field in ("password", "webpassword") else ("" if value is None else value)
    return NgcpError(422, "Validation failed. field='%s', input='%s', errors='%s'" % (
        field, shown, errors))


@register("ngcp")
class NgcpDialect(Dialect):
    OPTIONS = {
        "user": (str, "administrator"),
        "password": (str, "administrator"),
        "extensions": (opt_nonneg_int, 10),
        "groups": (opt_nonneg_int, 3),
        "callers": (opt_nonneg_int, 3),
        "rows_cap": (opt_nonneg_int, 0),
        "ban_after": (opt_nonneg_int, 0),
        "read_only": (opt_bool, False),
        "show_passwords": (opt_bool, True),
        "sip_autogenerate": (opt_bool, True),
        "ext_max": (opt_nonneg_int, 299),
    }

    def __init__(self, name, opts, rng, services):
        super().__init__(name, opts, rng, services)
        self.base_opts = parse_options(opts, self.OPTIONS)
        if self.base_opts["groups"] and not self.base_opts["extensions"]:
            raise ValueError("groups need extensions to have members")
        self.reset()
        top = max([int(x["pbx_extension"]) for x in self.subs.values()
                   if (x["pbx_extension"] or "").isdigit()] or [0])
        if top > self.base_opts["ext_max"]:
            raise ValueError("ext_max=%d is below the seeded extensions (up to %d)" % (
                self.base_opts["ext_max"], top))

    # ------------------------------------------------------------ plumbing

    def base_headers(self, accept=None):
        ctype = "application/json" if accept == "application/json" else HAL_TYPE
        return [("Content-Type", ctype)]

    def error_response(self, status):
        if status == 401:
            return self._unauthorized()
        if status == 503:
            return Response(503)              # Root.pm's DB check: no body at all
        return self._error(NgcpError(status, http_reason(status) or "Error"))

    def _error(self, err):
        body = json.dumps({"code": err.code, "message": err.message},
                          separators=(",", ":"), ensure_ascii=False) + "\n"
        headers = [("Content-Type", "application/json")] + err.headers
        return Response(err.code, headers, body.encode("utf-8", "surrogateescape"))

    def _unauthorized(self):
        return Response(401, [("Content-Type", "text/plain"),
                              ("WWW-Authenticate", 'Basic realm="api_admin_http"')],
                        b"Authorization required.")

    def _hal(self, req, doc, status=200, headers=()):
        accept = req.headers.get("accept") if req is not None else None
        return Response(status, self.base_headers(accept) + list(headers), encode_hal(doc))

    def handle(self, req):
        denied = self._authenticate(req)
        if denied is not None:
            return denied
        try:
            return self._route(req)
        except NgcpError as err:
            return self._error(err)

    def _authenticate(self, req):
        """Root.pm auto: Basic against the admins, before any routing."""
        creds = parse_basic_auth(req.headers.get("authorization"))
        good = creds == (self.opts["user"], self.opts["password"])
        if self.banned:
            return self._error(NgcpError(403, "Banned"))
        if not good:
            self.failed_auth += 1
            if self.opts["ban_after"] and self.failed_auth >= self.opts["ban_after"]:
                self.banned = True
            return self._unauthorized()
        self.failed_auth = 0
        if self.opts["read_only"] and req.method not in READ_ONLY_METHODS:
            return self._error(NgcpError(403, "Invalid HTTP method for read-only user"))
        return None

    def _route(self, req):
        for regex, shape in ROUTES:
            match = regex.match(req.path)
            if match:
                break
        else:
            raise NgcpError(404, "Invalid resource in request URI")        # inferred
        res = match.group(1)
        if shape == "noslash":
            # CheckTrailingSlash: collections live at ".../" (inferred: a redirect).
            query = urllib.parse.urlsplit(req.raw_path).query
            return Response(301, [("Location", req.path + "/" + ("?" + query if query else ""))])
        allowed = ALLOWED.get((res, shape), ("GET", "HEAD", "OPTIONS"))
        if req.method == "OPTIONS":
            return self._options(req, res, shape, allowed)
        if req.method not in allowed:
            raise NgcpError(405, "Method '%s' not allowed." % req.method,       # inferred
                            [("Allow", ", ".join(allowed))])
        method = "GET" if req.method == "HEAD" else req.method
        if shape == "collection":
            return getattr(self, "_%s_%s" % (res, method.lower()))(req)
        item_id = urllib.parse.unquote(match.group(2))
        if not re.fullmatch(r"[0-9]+", item_id):
            raise NgcpError(400, "Invalid id in request URI")
        return getattr(self, "_%s_item_%s" % (res, method.lower()))(req, int(item_id))

    def _options(self, req, res, shape, allowed):
        headers = [("Allow", ", ".join(allowed))]
        if shape == "collection" and "POST" in allowed:
            headers.append(("Accept-Post", "application/hal+json; "
                            "profile=http://purl.org/sipwise/ngcp-api/#rel-%s" % res))
        body = json.dumps({"methods": list(allowed)}).encode()
        return Response(200, [("Content-Type", "application/json")] + headers, body)

    def _json_body(self, req, media_type):
        """The request entity, after the media type and well-formedness checks."""
        ctype = req.headers.get("content-type", "")
        if ctype.split(";")[0].strip().lower() != media_type:
            raise NgcpError(415, "Unsupported media type '%s', accepting %s only." % (
                ctype, media_type))
        if not req.body.strip():
            raise NgcpError(400, "This request is missing a message body.")
        try:
            return json.loads(req.body.decode("utf-8"))
        except ValueError as exc:
            raise NgcpError(400, "The entity is not a well-formed 'application/json' "
                            "document. %s" % exc) from None

    # ------------------------------------------------------------ collections

    def _paging(self, req):
        """(page, rows): 400 for 0 or junk; rows_cap imitates a server serving fewer."""
        values = []
        for key, default in (("page", 1), ("rows", 10)):
            raw = req.query.get(key)
            value = default if raw is None else as_int(raw)
            if value is None or value <= 0:
                raise NgcpError(400, "Query parameters 'page' and 'rows', when specified, "
                                "must be greater than 0.")
            values.append(value)
        page, rows = values
        if self.opts["rows_cap"]:
            rows = min(rows, self.opts["rows_cap"])
        return page, rows

    def _collection(self, req, res, items, link_items=True):
        """A HAL collection page of items [(id, representation)]."""
        page, rows = self._paging(req)
        total = len(items)
        chunk = items[(page - 1) * rows:page * rows]
        extra = "".join("&%s=%s" % (k, v) for k, v in
                        urllib.parse.parse_qsl(urllib.parse.urlsplit(req.raw_path).query,
                                               keep_blank_values=True)
                        if k not in ("page", "rows"))
        base = "/api/%s/" % res
        links = {"curies": CURIES, "profile": link(PROFILE),
                 "self": link("%s?page=%d&rows=%d%s" % (base, page, rows, extra))}
        if total / rows > page:
            links["next"] = link("%s?page=%d&rows=%d%s" % (base, page + 1, rows, extra))
        if page > 1:
            links["prev"] = link("%s?page=%d&rows=%d%s" % (base, page - 1, rows, extra))
        if link_items and chunk:
            links["ngcp:%s" % res] = [link("%s%d" % (base, i)) for i, _ in chunk]
        doc = {"_links": links, "total_count": total}
        if chunk:                              # Data::HAL: no _embedded for no resources
            doc["_embedded"] = {"ngcp:%s" % res: [r for _, r in chunk]}
        return self._hal(req, doc)

    def _item(self, req, doc):
        """An item GET: the HAL document, plus Link headers (collections send none)."""
        headers = [("Link", '<%s>; rel="%s"' % (v["href"], rel))
                   for rel, v in sorted(doc["_links"].items())
                   if isinstance(v, dict) and rel not in ("curies",)]
        return self._hal(req, doc, headers=headers)

    # ------------------------------------------------------------ subscribers

    def _live(self):
        return [s for s in sorted(self.subs.values(), key=lambda s: s["id"])
                if s["status"] != "terminated"]

    def _customer(self, sub):
        return self.customers.get(sub["customer_id"])

    def _is_pbx(self, sub):
        cust = self._customer(sub)
        return cust is not None and cust["type"] == "pbxaccount"

    def _group_ids_of(self, sid):
        return sorted(g["id"] for g in self._live()
                      if g["is_pbx_group"] and sid in g["pbx_groupmember_ids"])

    def _sub_links(self, sid, sub):
        links = {"collection": link("/api/subscribers/"), "curies": CURIES,
                 "profile": link(PROFILE), "self": link("/api/subscribers/%d" % sid)}
        for rel, href in (("callforwards", "/api/callforwards/%d"),
                          ("calls", "/api/calls/?subscriber_id=%d"),
                          ("reminders", "/api/reminders/?subscriber_id=%d"),
                          ("subscriberpreferences", "/api/subscriberpreferences/%d"),
                          ("subscriberregistrations", "/api/subscriberregistrations/"
                                                      "?subscriber_id=%d"),
                          ("voicemailsettings", "/api/voicemailsettings/%d")):
            links["ngcp:" + rel] = [link(href % sid)]
        links["ngcp:customers"] = [link("/api/customers/%d" % sub["customer_id"])]
        links["ngcp:domains"] = [link("/api/domains/%d" % sub["domain_id"])]
        return links

    def _sub_repr(self, sub):
        """Role/API/Subscribers.pm resource_from_item for an admin: PBX fields only on PBX
        customers, hunt fields only on groups, no webpassword, password if shown."""
        doc = {k: copy.deepcopy(sub[k]) for k in (
            "administrative", "alias_numbers", "create_timestamp", "customer_id",
            "display_name", "domain", "domain_id", "email", "external_id", "id", "lock",
            "modify_timestamp", "primary_number", "profile_id", "profile_set_id", "status",
            "timezone", "username", "uuid", "webusername")}
        if self.opts["show_passwords"]:
            doc["password"] = sub["password"]
        if self._is_pbx(sub):
            doc.update(is_pbx_pilot=sub["is_pbx_pilot"], is_pbx_group=sub["is_pbx_group"],
                       pbx_extension=sub["pbx_extension"],
                       pbx_group_ids=self._group_ids_of(sub["id"]))
            if sub["is_pbx_group"]:
                doc.update(pbx_groupmember_ids=list(sub["pbx_groupmember_ids"]),
                           pbx_hunt_policy=sub["pbx_hunt_policy"],
                           pbx_hunt_timeout=sub["pbx_hunt_timeout"],
                           pbx_hunt_cancel_mode=sub["pbx_hunt_cancel_mode"])
            if sub["administrative"]:
                doc["ext_range_min"], doc["ext_range_max"] = self._ext_range()
        doc["_links"] = self._sub_links(sub["id"], sub)
        return doc

    def _sub_matches(self, sub, query):
        for key in SUB_FILTERS:
            if key not in query:
                continue
            column = {"is_admin": "administrative"}.get(key, key)
            value = sub.get(column)
            if column in ("is_pbx_group", "is_pbx_pilot", "administrative"):
                value = int(bool(value))     # a DB column: 0 for plain SIP accounts too
            if not wildcard_match(query[key], value):
                return False
        return True

    def _ordered(self, subs, query):
        column = query.get("order_by")
        if column not in ORDER_COLUMNS:
            return subs                      # unknown columns are ignored
        desc = query.get("order_by_direction", "asc").lower() == "desc"
        return sorted(subs, key=lambda s: (s[column] is None, s[column] if column in (
            "id", "customer_id") else str(s[column])), reverse=desc)

    def _subscribers_get(self, req):
        subs = [s for s in self._live() if self._sub_matches(s, req.query)]
        items = [(s["id"], self._sub_repr(s)) for s in self._ordered(subs, req.query)]
        return self._collection(req, "subscribers", items)

    def _find_sub(self, sid):
        sub = self.subs.get(sid)
        if sub is None or sub["status"] == "terminated":
            raise NgcpError(404, "Entity 'subscriber' not found.")
        return sub

    def _subscribers_item_get(self, req, sid):
        return self._item(req, self._sub_repr(self._find_sub(sid)))

    def _subscribers_post(self, req):
        body = self._json_body(req, "application/json")
        if not isinstance(body, dict):
            raise NgcpError(400, "The entity is not a well-formed 'application/json' "
                            "document. Expected a JSON object.")      # inferred
        sub = self._validate(body, None)
        groups = self._wanted_groups(sub, body)
        self.subs[sub["id"]] = sub
        self._set_memberships(sub, groups)
        # Legacy collection POST: Prefer is ignored, the body is always empty.
        return Response(201, [("Location", "/api/subscribers/%d" % sub["id"])])

    def _subscribers_item_put(self, req, sid):
        old = self._find_sub(sid)
        body = self._json_body(req, "application/json")
        if not isinstance(body, dict):
            raise NgcpError(400, "The entity is not a well-formed 'application/json' "
                            "document. Expected a JSON object.")      # inferred
        return self._replace(req, old, body)

    def _subscribers_item_patch(self, req, sid):
        old = self._find_sub(sid)
        ops = self._json_body(req, "application/json-patch+json")
        doc = self._sub_repr(old)
        del doc["_links"]
        self._apply_patch(doc, ops)
        return self._replace(req, old, doc)

    def _replace(self, req, old, body):
        """PUT semantics (PATCH ends here too): validate the whole new resource."""
        sub = self._validate(body, old)
        groups = self._wanted_groups(sub, body)
        if sub["status"] == "terminated":
            self._terminate(old)
        else:
            self.subs[old["id"]] = sub
            self._set_memberships(sub, groups)
        if req.headers.get("prefer", "").strip() == "return=representation" \
                and sub["status"] != "terminated":
            return self._hal(req, self._sub_repr(sub),
                             headers=[("Preference-Applied", "return=representation")])
        return Response(204, [("Preference-Applied", "return=minimal")])

    def _subscribers_item_delete(self, req, sid):
        sub = self._find_sub(sid)
        if sub["is_pbx_pilot"] and any(s["customer_id"] == sub["customer_id"] and
                                       s["id"] != sid for s in self._live()):
            raise NgcpError(403, "Cannot terminate pilot subscriber when other subscribers "
                            "exists")
        self._terminate(sub)
        return Response(204)

    def _terminate(self, sub):
        sub["status"] = "terminated"
        sub["modify_timestamp"] = seed.rfc3339(time.time())
        for group in self.subs.values():
            if sub["id"] in group["pbx_groupmember_ids"]:
                group["pbx_groupmember_ids"].remove(sub["id"])
        self.queues.pop(sub["id"], None)

    # ------------------------------------------------------------ JSON Patch

    @staticmethod
    def _pointer(doc, path):
        """(parent container, last key) of an RFC 6901 pointer."""
        if not isinstance(path, str) or not path.startswith("/"):
            raise NgcpError(422, "Invalid PATCH path '%s'" % (path,))      # inferred
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]
        parent = doc
        for part in parts[:-1]:
            if isinstance(parent, list) and part.isdigit() and int(part) < len(parent):
                parent = parent[int(part)]
            elif isinstance(parent, dict) and part in parent:
                parent = parent[part]
            else:
                raise NgcpError(422, "Invalid PATCH path '%s'" % path)     # inferred
        return parent, parts[-1]

    def _apply_patch(self, doc, ops):
        if not isinstance(ops, list):
            raise NgcpError(400, "Body for PATCH must be an array.")
        for op in ops:
            if not isinstance(op, dict) or "op" not in op:
                raise NgcpError(400, "PATCH element must have an 'op' field.")
            if op["op"] not in PATCH_OPS:
                raise NgcpError(400, "Invalid PATCH op '%s', must be one of %s" % (
                    op["op"], ", ".join("'%s'" % o for o in PATCH_OPS)))
            need = {"add": ("path", "value"), "replace": ("path", "value"),
                    "remove": ("path",), "copy": ("from", "path")}[op["op"]]
            missing = [k for k in need if k not in op]
            if missing:
                raise NgcpError(400, "Missing PATCH keys %s" % ", ".join(
                    "'%s'" % k for k in missing))
            self._patch_one(doc, op)

    def _patch_one(self, doc, op):
        parent, key = self._pointer(doc, op["path"])
        if op["op"] == "copy":
            src_parent, src_key = self._pointer(doc, op["from"])
            value = copy.deepcopy(src_parent[src_key] if isinstance(src_parent, dict)
                                  else src_parent[int(src_key)])
        else:
            value = op.get("value")
        if isinstance(parent, list):
            if key == "-" and op["op"] in ("add", "copy"):
                parent.append(value)
                return
            if not key.isdigit() or int(key) > len(parent):
                raise NgcpError(422, "Invalid PATCH path '%s'" % op["path"])   # inferred
            if op["op"] == "remove":
                del parent[int(key)]
            elif op["op"] == "replace":
                parent[int(key)] = value
            else:
                parent.insert(int(key), value)
            return
        if op["op"] == "remove":
            parent.pop(key, None)
        elif op["op"] == "add" and op.get("mode") == "append" and isinstance(parent.get(key),
                                                                                list):
            parent[key] = parent[key] + (value if isinstance(value, list) else [value])
        else:
            parent[key] = value

    # ------------------------------------------------------------ validation

    def _validate(self, body, old):
        """Form/Subscriber + Utils/Subscriber prepare_resource: the stored subscriber a
        POST (old None) or PUT would make, or NgcpError 422."""
        sub = self._base_fields(body, old)
        cust = self.customers[sub["customer_id"]]
        if cust["type"] == "pbxaccount":
            self._check_pbx(sub, body, old)
        else:
            sub.update(is_pbx_pilot=False, is_pbx_group=False, pbx_extension=None,
                       pbx_groupmember_ids=[])
            sub["primary_number"] = self._number(body.get("primary_number"), old)
            if sub["primary_number"] is None:
                raise NgcpError(422, "A primary_number is required for the SIP subscriber.")
        self._check_unique(sub, old)
        return sub

    def _base_fields(self, body, old):
        now = time.time()
        customer_id = as_int(body.get("customer_id"))
        if body.get("customer_id") is None:
            raise validation_error("customer", "", "Customer field is required")
        if old is not None and customer_id != old["customer_id"]:
            raise NgcpError(422, "customer_id can't be changed.")
        if customer_id not in self.customers:
            raise NgcpError(422, "Invalid 'customer_id', doesn't exist.")
        domain_id = self._domain_id(body)
        username = body.get("username")
        if not isinstance(username, str) or not username:
            raise validation_error("username", "", "SIP Username field is required")
        if (len(username) > 127 or not USERNAME_RE.match(username) or username[0] == "."
                or username[-1] == "." or ".." in username):
            raise validation_error("username", username,       # inferred wording
                                   "Invalid characters in SIP Username")
        sub = copy.deepcopy(old) if old is not None else seed.new_subscriber(
            self.rng, self.next_id, customer_id, domain_id, username, now)
        if old is None:
            self.next_id += 1
        sub.update(customer_id=customer_id, domain_id=domain_id,
                   domain=seed.DOMAINS[domain_id], username=username,
                   modify_timestamp=seed.rfc3339(now))
        sub["password"] = self._password(body, old)
        self._simple_fields(sub, body, old)
        return sub

    def _domain_id(self, body):
        if body.get("domain_id") is not None:
            did = as_int(body["domain_id"])
            if did not in seed.DOMAINS:
                raise NgcpError(422, "Invalid 'domain_id', doesn't exist.")   # inferred
            return did
        name = body.get("domain")
        if name is None or name == "":
            raise validation_error("domain", "", "Domain field is required")   # inferred
        for did, dname in seed.DOMAINS.items():
            if dname == name:
                return did
        raise NgcpError(422, "Invalid 'domain', doesn't exist.")             # inferred

    def _password(self, body, old):
        password = body.get("password")
        if password is None and old is not None:
            return old["password"]         # not shown without show_passwords: kept
        if password is None or password == "":
            if self.opts["sip_autogenerate"]:
                return seed.sip_password(self.rng, 16)
            raise validation_error("password", "", "SIP Password field is required")
        if not isinstance(password, str) or not 12 <= len(password) <= 40 \
                or re.search(r"\s", password):
            raise validation_error("password", password,       # inferred wording
                                   "Password must be 12 to 40 characters without spaces")
        return password

    def _simple_fields(self, sub, body, old):
        # A full replacement: what the body leaves out is cleared.
        for key, limit in (("display_name", 128), ("email", 255), ("external_id", 255),
                           ("webusername", 127), ("timezone", 64)):
            value = body.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise validation_error(key, value, "Field should not exceed %d characters"
                                       % limit)                               # inferred
            sub[key] = value
        if body.get("webpassword") is not None:
            sub["webpassword"] = "{hashed}"
        status = body.get("status", "active" if old is None else old["status"])
        if status not in ("active", "locked", "terminated"):
            raise validation_error("status", status, "'%s' is not a valid value" % (status,))
        sub["status"] = status
        if "administrative" in body or old is None:
            admin = as_bool(body.get("administrative"))
            if admin is None:
                raise validation_error("administrative", body.get("administrative"),
                                       "Value must be a boolean")             # inferred
            sub["administrative"] = admin
        if "lock" in body:
            sub["lock"] = None if body["lock"] is None else str(body["lock"])

    def _number(self, value, old):
        """A primary_number object from the request, keeping the stored number_id."""
        if not isinstance(value, dict) or not value.get("sn"):
            return None
        number = {k: str(value.get(k) or "") for k in ("cc", "ac", "sn")}
        if old is not None and old["primary_number"] and all(
                old["primary_number"][k] == number[k] for k in ("cc", "ac", "sn")):
            number["number_id"] = old["primary_number"]["number_id"]
        else:
            number["number_id"] = self.numbers.make("", "", "")["number_id"]
        return number

    def _check_pbx(self, sub, body, old):
        """Utils/Subscriber.pm: pilot first, then extensions; groups and members."""
        cid = sub["customer_id"]
        pilot = next((s for s in self._live() if s["customer_id"] == cid and s["is_pbx_pilot"]
                      and (old is None or s["id"] != old["id"])), None)
        want_pilot = as_bool(body.get("is_pbx_pilot", old["is_pbx_pilot"] if old else False))
        if pilot is None and not want_pilot:
            raise NgcpError(422, "Customer has no pbx pilot subscriber yet and is_pbx_pilot "
                            "is not set.")
        if pilot is not None and want_pilot:
            raise NgcpError(422, "Customer already has a pbx pilot subscriber.")
        sub["is_pbx_pilot"] = bool(want_pilot)
        group = as_bool(body.get("is_pbx_group", old["is_pbx_group"] if old else False))
        sub["is_pbx_group"] = bool(group)
        if sub["is_pbx_pilot"]:
            sub["pbx_extension"] = None
            sub["primary_number"] = self._number(body.get("primary_number"), old)
            if sub["primary_number"] is None:
                raise NgcpError(422, "A primary_number is required for the SIP subscriber.")
        else:
            self._check_extension(sub, body, pilot)
        if sub["is_pbx_group"]:
            self._check_group(sub, body, old)
        else:
            sub["pbx_groupmember_ids"] = []

    def _check_extension(self, sub, body, pilot):
        ext = body.get("pbx_extension")
        if isinstance(ext, int) and not isinstance(ext, bool):
            ext = str(ext)
        if not isinstance(ext, str) or not ext:
            raise NgcpError(422, "A pbx_extension is required if customer is PBX and pilot "
                            "subscriber exists.")
        if any(s["customer_id"] == sub["customer_id"] and s["pbx_extension"] == ext
               and s["id"] != sub["id"] for s in self._live()):
            raise NgcpError(422, "The pbx_extension already exists for this customer.")
        low, high = self._ext_range()
        if ext.isdigit() and not int(low) <= int(ext) <= int(high):
            raise NgcpError(422, "Subscriber's PBX extension is out of customer's extension "
                            "range.")
        sub["pbx_extension"] = ext
        pn = pilot["primary_number"]
        number = {"cc": pn["cc"], "ac": pn["ac"], "sn": pn["sn"] + ext}
        keep = sub["primary_number"]
        if keep and all(keep[k] == number[k] for k in ("cc", "ac", "sn")):
            number["number_id"] = keep["number_id"]
        else:
            number["number_id"] = self.numbers.make("", "", "")["number_id"]
        sub["primary_number"] = number      # whatever was sent: pilot number + extension

    def _ext_range(self):
        return seed.EXT_RANGE[0], str(self.opts["ext_max"])

    def _check_group(self, sub, body, old):
        policy = body.get("pbx_hunt_policy", old["pbx_hunt_policy"] if old else "serial")
        if policy not in seed.HUNT_POLICIES:
            raise validation_error("pbx_hunt_policy", policy, "'%s' is not a valid value"
                                   % (policy,))
        timeout = body.get("pbx_hunt_timeout", old["pbx_hunt_timeout"] if old else None)
        if timeout is not None and (as_int(timeout) is None or as_int(timeout) <= 0):
            raise validation_error("pbx_hunt_timeout", timeout,       # inferred wording
                                   "Value must be a positive integer")
        mode = body.get("pbx_hunt_cancel_mode", old["pbx_hunt_cancel_mode"] if old else "cancel")
        if mode not in seed.CANCEL_MODES:
            raise validation_error("pbx_hunt_cancel_mode", mode, "'%s' is not a valid value"
                                   % (mode,))
        members = body.get("pbx_groupmember_ids",
                           old["pbx_groupmember_ids"] if old else [])
        if not isinstance(members, list):
            raise NgcpError(422, "Invalid pbx_groupmember_ids parameter, must be an array.")
        ids = []
        for m in members:
            mid = as_int(m)
            target = self.subs.get(mid) if mid is not None else None
            if (target is None or target["status"] == "terminated" or target["is_pbx_group"]
                    or target["customer_id"] != sub["customer_id"]):
                raise NgcpError(422, "Invalid id '%s' in pbx_groupmember_ids, does not exist "
                                "for this customer." % (m,))
            ids.append(mid)
        sub.update(pbx_hunt_policy=policy, pbx_hunt_cancel_mode=mode,
                   pbx_hunt_timeout=None if timeout is None else as_int(timeout),
                   pbx_groupmember_ids=sorted(set(ids)))

    def _wanted_groups(self, sub, body):
        """The groups a member asks to be in (pbx_group_ids), checked; None: unchanged."""
        if sub["is_pbx_group"] or "pbx_group_ids" not in body or not self._is_pbx(sub):
            return None
        wanted = body["pbx_group_ids"]
        if not isinstance(wanted, list):
            raise NgcpError(422, "Invalid pbx_group_ids parameter, must be an array.")
        for gid in wanted:
            group = self.subs.get(as_int(gid)) if as_int(gid) is not None else None
            if (group is None or not group["is_pbx_group"] or group["status"] == "terminated"
                    or group["customer_id"] != sub["customer_id"]):
                raise NgcpError(422, "Invalid id '%s' in pbx_group_ids, does not exist for "
                                "this customer." % (gid,))
        return {as_int(g) for g in wanted}

    def _set_memberships(self, sub, ids):
        """pbx_group_ids on a member: the reverse of the groups' member lists."""
        if ids is None:
            return
        for group in self._live():
            if not group["is_pbx_group"]:
                continue
            members = set(group["pbx_groupmember_ids"])
            members.discard(sub["id"])
            if group["id"] in ids:
                members.add(sub["id"])
            group["pbx_groupmember_ids"] = sorted(members)

    def _check_unique(self, sub, old):
        others = [s for s in self._live() if old is None or s["id"] != old["id"]]
        if any(s["username"] == sub["username"] and s["domain_id"] == sub["domain_id"]
               for s in others):
            raise NgcpError(422, "Subscriber already exists.")
        web = sub["webusername"]
        if web and any(s["webusername"] == web and s["domain_id"] == sub["domain_id"]
                       for s in others):
            raise NgcpError(422, "Webusername-Domain combination '%s@%s' already exists."
                            % (web, sub["domain"]))
        pn = sub["primary_number"]
        if pn:
            text = pn["cc"] + pn["ac"] + pn["sn"]
            if any(s["primary_number"] and s["primary_number"]["cc"] + s["primary_number"]["ac"]
                   + s["primary_number"]["sn"] == text for s in others):
                raise NgcpError(422, "Number '%s' already exists." % text)

    # ------------------------------------------------------------ other resources

    def _queue_repr(self, sid, now):
        calls = [dict(c, duration=max(0, int(now - int(c["start_time"]))))
                 for c in self.queues[sid]]
        return {"_links": {"collection": link("/api/callqueues/"), "curies": CURIES,
                           "ngcp:subscribers": [link("/api/subscribers/%d" % sid)],
                           "profile": link(PROFILE),
                           "self": link("/api/callqueues/%d" % sid)},
                "queue": calls, "queue_length": len(calls)}

    def _queue_items(self):
        now = time.time()
        return [(sid, self._queue_repr(sid, now)) for sid in sorted(self.queues)
                if self.queues[sid]]

    def _callqueues_get(self, req):
        # The collection links carry no ngcp:callqueues entries (the item has no such link).
        return self._collection(req, "callqueues", self._queue_items(), link_items=False)

    def _callqueues_item_get(self, req, sid):
        if sid not in self.subs or self.subs[sid]["status"] == "terminated":
            raise NgcpError(404, "Entity 'callqueue' not found.")
        if sid not in self.queues or not self.queues[sid]:
            return self._item(req, {"_links": self._queue_repr(sid, 0)["_links"],
                                    "queue": [], "queue_length": 0})
        return self._item(req, self._queue_repr(sid, time.time()))

    def _domain_repr(self, did):
        return {"_links": {"collection": link("/api/domains/"), "curies": CURIES,
                           "ngcp:domainpreferences": [link("/api/domainpreferences/%d" % did)],
                           "profile": link(PROFILE), "self": link("/api/domains/%d" % did)},
                "domain": seed.DOMAINS[did], "id": did, "reseller_id": 1}

    def _domains_get(self, req):
        return self._collection(req, "domains",
                                [(d, self._domain_repr(d)) for d in sorted(seed.DOMAINS)])

    def _domains_item_get(self, req, did):
        if did not in seed.DOMAINS:
            raise NgcpError(404, "Entity 'domain' not found.")
        return self._item(req, self._domain_repr(did))

    def _customer_repr(self, cid):
        doc = copy.deepcopy(self.customers[cid])
        doc["_links"] = {"collection": link("/api/customers/"), "curies": CURIES,
                         "ngcp:customercontacts": [link("/api/customercontacts/%d"
                                                        % doc["contact_id"])],
                         "profile": link(PROFILE), "self": link("/api/customers/%d" % cid)}
        return doc

    def _customers_get(self, req):
        return self._collection(req, "customers",
                                [(c, self._customer_repr(c)) for c in sorted(self.customers)])

    def _customers_item_get(self, req, cid):
        if cid not in self.customers:
            raise NgcpError(404, "Entity 'customer' not found.")
        return self._item(req, self._customer_repr(cid))

    def _pbxuser_repr(self, sub):
        return {"_links": {"collection": link("/api/pbxusers/"), "curies": CURIES,
                           "ngcp:pbxusers": [link("/api/pbxusers/%d" % sub["id"])],
                           "profile": link(PROFILE),
                           "self": link("/api/pbxusers/%d" % sub["id"])},
                "display_name": sub["display_name"], "domain": sub["domain"], "id": sub["id"],
                "pbx_extension": sub["pbx_extension"],
                "primary_number": copy.deepcopy(sub["primary_number"]),
                "username": sub["username"]}

    def _pbxusers_list(self):
        return [s for s in self._live() if self._is_pbx(s) and not s["is_pbx_group"]]

    def _pbxusers_get(self, req):
        return self._collection(req, "pbxusers",
                                [(s["id"], self._pbxuser_repr(s)) for s in self._pbxusers_list()])

    def _pbxusers_item_get(self, req, sid):
        sub = next((s for s in self._pbxusers_list() if s["id"] == sid), None)
        if sub is None:
            raise NgcpError(404, "Entity 'pbxuser' not found.")
        return self._item(req, self._pbxuser_repr(sub))

    # ------------------------------------------------------------ seeded state

    def reset(self):
        self.rewind_rng()
        self.opts = dict(self.base_opts)
        now = time.time()
        self.subs, self.next_id, self.numbers = seed.seed_office(
            self.rng, now, self.opts["extensions"], self.opts["groups"])
        self.customers = seed.seed_customers(now)
        self.churn_rng = random.Random(self.rng.getrandbits(64))
        self.queues = {}
        groups = [s for s in self._live() if s["is_pbx_group"]]
        for i in range(self.opts["callers"] if groups else 0):
            group = groups[i % min(2, len(groups))]
            self._add_caller(group["id"], now - self.rng.uniform(5, 240), self.rng)
        self.banned = False
        self.failed_auth = 0
        self.churn_on = self.services.churn
        self.next_churn = 0.0

    def _add_caller(self, sid, start, rng):
        sub = self.subs[sid]
        callee = "sip:%s@%s" % (sub["pbx_extension"] or sub["username"], sub["domain"])
        call = seed.new_caller(rng, callee, start)
        self.queues.setdefault(sid, []).append(call)
        return call

    def tick(self, now):
        """Churn: callers join and leave the hunt groups' queues."""
        if not self.churn_on or now < self.next_churn:
            return
        self.next_churn = now + self.churn_rng.uniform(1.0, 3.0)
        groups = [s["id"] for s in self._live() if s["is_pbx_group"]]
        waiting = [(sid, c) for sid, calls in self.queues.items() for c in calls]
        if groups and (len(waiting) < CHURN_MAX and
                       (not waiting or self.churn_rng.random() < 0.5)):
            self._add_caller(self.churn_rng.choice(groups), now, self.churn_rng)
        elif waiting:
            sid, call = self.churn_rng.choice(waiting)
            self.queues[sid].remove(call)
            if not self.queues[sid]:
                del self.queues[sid]       # Redis drops empty lists

    # ------------------------------------------------------------ control API

    def dump(self):
        return {
            "subscribers": [self._sub_repr(s) for s in self._live()],
            "terminated": sorted(s["id"] for s in self.subs.values()
                                 if s["status"] == "terminated"),
            "callqueues": [r for _, r in self._queue_items()],
            "customers": [self._customer_repr(c) for c in sorted(self.customers)],
            "domains": [self._domain_repr(d) for d in sorted(seed.DOMAINS)],
            "user": self.opts["user"],
            "rows_cap": self.opts["rows_cap"],
            "read_only": self.opts["read_only"],
            "banned": self.banned,
            "failed_auth": self.failed_auth,
            "churn": self.churn_on,
        }

    def control(self, op, args):
        ops = {
            "add_subscriber": self._op_add_subscriber,
            "add_extensions": self._op_add_extensions,
            "remove_subscriber": self._op_remove_subscriber,
            "add_caller": self._op_add_caller,
            "clear_callqueues": self._op_clear_callqueues,
            "set_credentials": self._op_set_credentials,
            "set_options": self._op_set_options,
            "unban": self._op_unban,
            "churn": self._op_churn,
        }
        if op not in ops:
            raise ValueError("unknown op %r; ngcp knows %s" % (op, ", ".join(sorted(ops))))
        return ops[op](args)

    def _op_add_subscriber(self, args):
        """Store a subscriber as given, without validation (odd types and hostile text
        included): overrides on top of a fresh extension of the PBX customer."""
        over = args.get("subscriber", {})
        if not isinstance(over, dict):
            raise ValueError("subscriber must be an object")
        sid = over.get("id", self.next_id)
        if not isinstance(sid, int) or isinstance(sid, bool) or sid <= 0 or sid in self.subs:
            raise ValueError("id must be a new positive integer")
        self.next_id = max(self.next_id, sid + 1)
        sub = seed.new_subscriber(self.rng, sid, seed.PBX_CUSTOMER, seed.PBX_DOMAIN_ID,
                                  "user%d" % sid, time.time(), pbx_extension=str(sid))
        sub.update({k: v for k, v in over.items() if k != "id"})
        if sub["customer_id"] not in self.customers or sub["domain_id"] not in seed.DOMAINS:
            raise ValueError("unknown customer_id or domain_id")
        self.subs[sid] = sub
        return self._sub_repr(sub)

    def _op_add_extensions(self, args):
        """count more extensions through the same validation as a POST; their ids."""
        count = args.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 < count <= 5000:
            raise ValueError("count must be an integer in 1..5000")
        used = {s["pbx_extension"] for s in self._live()}
        free = [str(n) for n in range(seed.FIRST_EXTENSION, 100000) if str(n) not in used]
        ids = []
        for ext in free[:count]:
            body = {"customer_id": seed.PBX_CUSTOMER, "domain_id": seed.PBX_DOMAIN_ID,
                    "username": "ext%s" % ext, "pbx_extension": ext,
                    "display_name": "Extension %s" % ext}
            try:
                sub = self._validate(body, None)
            except NgcpError as err:
                raise ValueError(err.message) from None
            self.subs[sub["id"]] = sub
            ids.append(sub["id"])
        return {"ids": ids}

    def _op_remove_subscriber(self, args):
        sid = args.get("id")
        if sid not in self.subs or self.subs[sid]["status"] == "terminated":
            raise ValueError("no live subscriber with id %r" % (sid,))
        self._terminate(self.subs[sid])
        return {"removed": sid}

    def _op_add_caller(self, args):
        sid = args.get("subscriber_id")
        if sid not in self.subs or self.subs[sid]["status"] == "terminated":
            raise ValueError("no live subscriber with id %r" % (sid,))
        age = args.get("age", 0)
        if not isinstance(age, (int, float)) or isinstance(age, bool) or age < 0:
            raise ValueError("age must be a number of seconds >= 0")
        call = self._add_caller(sid, time.time() - age, self.rng)
        call.update({k: v for k, v in args.items() if k in ("caller", "callee", "call_id")})
        return call

    def _op_clear_callqueues(self, args):
        self.queues = {}
        return {"ok": True}

    def _op_set_credentials(self, args):
        for key in ("user", "password"):
            if key in args:
                if not isinstance(args[key], str):
                    raise ValueError("%s must be a string" % key)
                self.opts[key] = args[key]
        return {"user": self.opts["user"]}

    def _op_set_options(self, args):
        """rows_cap, ban_after (integers), read_only, show_passwords, sip_autogenerate."""
        for key, value in args.items():
            if key in ("rows_cap", "ban_after"):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError("%s must be an integer >= 0" % key)
            elif key in ("read_only", "show_passwords", "sip_autogenerate"):
                if not isinstance(value, bool):
                    raise ValueError("%s must be true or false" % key)
            else:
                raise ValueError("unknown option %r" % (key,))
            self.opts[key] = value
        return {k: self.opts[k] for k in ("rows_cap", "ban_after", "read_only",
                                          "show_passwords", "sip_autogenerate")}

    def _op_unban(self, args):
        self.banned = False
        self.failed_auth = 0
        return {"banned": False}

    def _op_churn(self, args):
        on = args.get("on")
        if not isinstance(on, bool):
            raise ValueError("on must be true or false")
        self.churn_on = on
        self.next_churn = 0.0
        return {"churn": on}
