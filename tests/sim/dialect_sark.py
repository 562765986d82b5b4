"""The sark dialect: the SARK V6 API (aelintra sark6api for Laravel 7, sark6apiL10,
sark6api_L11) as pbxtop sees it.

Wire behaviour follows shared/contracts/jade-sark-issabel.md sections 3 and 5:
- every route under /api; bare JSON arrays and objects, "/" escaped as "\\/", database
  values as strings or null, AMI values as strings only;
- L11: Sanctum login by email, login revokes the user's older tokens, admin routes exist only
  for a token with the isAdmin ability, so anything else hits the fallback 404
  {"message":"Unauthorised/Page Not Found"}; a bearer without "|" is a 500 on every route;
  no ring groups;
- L7 / L10: no auth, ring groups, a 60 requests/minute throttle (429 + Retry-After); L10's
  hangup route has no method behind it (500);
- 201 with a partial model on create (defaults echoed as integers), 204 on delete, a bare
  422 map, {"Error": ...} 409, model 404s as HTML unless Accept: application/json is sent;
- /api/astamis: element 0 is the AMI response header, every value a string, a value holding
  ": " cut there, an empty list is a 404, every call takes ami_delay (3 s) seconds; 503 bodies
  carry trailing junk after their JSON; hangup is always 200 with the raw AMI reply text;
- writes are not live until GET /api/syscommands/commit (the dump counts both).
"""

import json
import random
import re
import time
import urllib.parse

import sark_seed as seed
from simcore import (Dialect, Response, opt_bool, opt_nonneg_int, parse_options, register)

EMAIL = "admin@example.com"
PASSWORD = "sark-Adm1n-pw"
VIEWER_EMAIL, VIEWER_PASSWORD = "viewer@example.com", "viewer-pw"
VARIANTS = ("L7", "L10", "L11")
AMI_MODES = {
    "ok": None,
    "down": (503, "PBX not running"),
    "connect_failed": (503, "AMI connect failed"),
    "auth_failed": (503, "AMI auth failed"),
    "unreachable": (599, "Service Unavailable - Could not connect to the PBX"),
}
# What PHP goes on to print after Ami.php has sent its 503 and kept running.
AMI_JUNK = ("\n<br />\n<b>Warning</b>:  fputs(): supplied argument is not a valid stream "
            "resource in <b>/opt/sark6api/app/CustomClasses/Ami.php</b> on line <b>41</b>"
            "<br />\n")
LIST_ACTIONS = {
    "L11": ("Agents", "ConfbridgeList", "ConfbridgeListRooms", "CoreShowChannels",
            "DeviceStateList", "ExtensionStateList", "IAXpeers", "IAXregistry",
            "PJSIPShowEndpoints", "QueueStatus", "QueueSummary", "Status",
            "VoicemailUsersList"),
}
LIST_ACTIONS["L7"] = LIST_ACTIONS["L10"] = tuple(
    a for a in LIST_ACTIONS["L11"] if a != "PJSIPShowEndpoints") + (
        "ListCommands", "SIPpeers", "SIPshowregistry")
EXT_CREATE_TYPES = ("unprovisioned", "webrtc", "provisioned", "mailbox")
CHURN_MIN, CHURN_MAX = 3, 12

# (regex below /api, handler stem, methods, access: public | user | admin, variants)
ALL, OLD, NEW = VARIANTS, ("L7", "L10"), ("L11",)
SEG = r"([^/]+)"
ROUTES = [
    (r"auth/login", "login", ("POST",), "public", NEW),
    (r"auth/logout", "logout", ("GET",), "user", NEW),
    (r"auth/whoami", "whoami", ("GET",), "user", NEW),
    (r"extensions", "extensions", ("GET",), "admin", ALL),
    (r"extensions/(unprovisioned|webrtc|provisioned|mailbox|vxt)", "ext_create", ("POST",),
     "admin", ALL),
    (r"extensions/%s/runtime" % SEG, "runtime", ("GET", "PUT"), "admin", ALL),
    (r"extensions/" + SEG, "extension", ("GET", "PUT", "DELETE"), "admin", ALL),
    (r"ringgroups", "ringgroups", ("GET", "POST"), "admin", OLD),
    (r"ringgroups/" + SEG, "ringgroup", ("GET", "PUT", "DELETE"), "admin", OLD),
    (r"queues", "queues", ("GET",), "admin", ALL),
    (r"queues/" + SEG, "queue", ("GET",), "admin", ALL),
    (r"agents", "agents", ("GET",), "admin", ALL),
    (r"agents/" + SEG, "agent", ("GET",), "admin", ALL),
    (r"astamis", "ami_index", ("GET",), "admin", ALL),
    (r"astamis/Hangup/%s/%s" % (SEG, SEG), "hangup", ("DELETE",), "admin", ALL),
    (r"astamis/Reload", "reload", ("GET",), "admin", ALL),
    (r"astamis/(?:QueueStatus|QueueSummary)/" + SEG, "ami_queue", ("GET",), "admin", ALL),
    (r"astamis/" + SEG, "ami_list", ("GET",), "admin", ALL),
    (r"syscommands/(commit|reboot|start|stop|pbxrunstate)", "syscommand", ("GET",), "admin",
     ALL),
]
ROUTES = [(re.compile(r"/api/" + p + r"\Z"), stem, methods, access, variants)
          for p, stem, methods, access, variants in ROUTES]

EXT_RULES = {
    "active": ("in", ("YES", "NO")),
    "callbackto": ("in", ("desk", "cell")),
    "callerid": ("nullable", "integer"),
    "cellphone": ("nullable", "integer"),
    "celltwin": ("in", ("ON", "OFF")),
    "cluster": ("cluster",),
    "dvrvmail": ("nullable", "extension"),
    "devicerec": ("in", ("None", "OTR", "OTRR", "Inbound.Outbound", "Both")),
    "location": ("in", ("local", "remote")),
    "protocol": ("in", ("IPV4", "IPV6")),
    "provisionwith": ("in", ("IP", "FQDN")),
    "provision": ("nullable", "string"),
    "sndcreds": ("in", ("No", "Once", "Always")),
    "transport": ("in", ("udp", "tcp", "tls", "wss")),
    "vmailfwd": ("nullable", "email"),
}
RG_RULES = {
    "cluster": ("cluster",),
    "devicerec": ("in", ("default", "None", "OTR", "OTRR", "Inbound.Outbound", "Both")),
    "dialparamshunt": ("nullable", "alpha"),
    "dialparamsring": ("nullable", "alpha"),
    "divert": ("nullable", "integer"),
    "greeting": ("nullable", "regex", r"usergreeting\d+"),
    "grouptype": ("in", ("Ring", "Hunt", "Alias", "Page")),
    "longdesc": ("nullable", "string"),
    "obeydnd": ("nullable", "in", ("YES", "NO")),
    "out": ("nullable", "regex", r"[@A-Za-z0-9\-_/\s]{2,1024}"),
    "outcome": ("outcome",),
    "pagegroup": ("integer",),
    "ringdelay": ("integer",),
    "speedalert": ("nullable", "string"),
}
# The RingGroup model's defaults, echoed with their PHP types in a 201.
RG_DEFAULTS = {"devicerec": "default", "dialparamshunt": "cIkt", "dialparamsring": "ciIkt",
               "grouptype": "Ring", "obeydnd": "NO", "ringdelay": 20}
# The Extension model's defaults, in the order a 201 echoes them.
EXT_DEFAULTS = (("active", "YES"), ("basemacaddr", None), ("callbackto", "desk"),
                ("devicerec", "default"), ("cluster", "default"), ("protocol", "IPV4"),
                ("provisionwith", "IP"), ("sndcreds", "Always"), ("transport", "udp"),
                ("technology", "SIP"), ("z_updater", "system"))
FIXED_OUTCOMES = ("Operator", "None", "Hangup", "Voicemail")


def pbxtop_config(opts):
    """The lines a pbxtop config needs for a backend of this dialect run with `opts` (the
    NAME=TYPE,key=val options); used by the test harness and `pbxtop demo`."""
    variant = str(opts.get("variant", "L11")).upper()
    lines = "variant = %s\n" % variant
    if variant == "L11":
        lines += "username = %s\npassword = %s\n" % (opts.get("email", EMAIL),
                                                      opts.get("password", PASSWORD))
    return lines


def laravel_json(doc):
    """json_encode() as Laravel sends it: ASCII with \\u escapes, and "/" as "\\/"."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def php_int(value):
    """FILTER_VALIDATE_INT, as Laravel's "integer" rule uses it."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if not isinstance(value, str) or not re.fullmatch(r"[+-]?(0|[1-9][0-9]*)", value.strip()):
        return False
    return -2 ** 63 <= int(value) < 2 ** 63


def db_text(value):
    """What a TEXT column gives back for a value PHP stored."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def opt_variant(text):
    value = str(text).upper()
    if value not in VARIANTS:
        raise ValueError(text)
    return value


def opt_nonneg_float(text):
    value = float(text)
    if value < 0:
        raise ValueError(text)
    return value


@register("sark")
class SarkDialect(Dialect):
    OPTIONS = {
        "variant": (opt_variant, "L11"),
        "email": (str, EMAIL),
        "password": (str, PASSWORD),
        "ami_delay": (opt_nonneg_float, 3.0),
        "throttle": (opt_nonneg_int, 60),
        "throttle_window": (opt_nonneg_float, 60.0),
        "channels": (opt_nonneg_int, 4),
        "debug": (opt_bool, False),
    }

    def __init__(self, name, opts, rng, services):
        super().__init__(name, opts, rng, services)
        self.opts = parse_options(opts, self.OPTIONS)
        self.reset()

    # ------------------------------------------------------------ plumbing

    def base_headers(self):
        return [("Content-Type", "application/json"), ("Cache-Control", "no-cache, private")]

    def _json(self, status, doc, extra=()):
        return Response(status, self.base_headers() + list(extra), laravel_json(doc))

    def _html(self, status, title):
        body = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>%s</title></head>\n"
                "<body><div class=\"title\">%d | %s</div></body>\n</html>\n" % (
                    title, status, title)).encode()
        return Response(status, [("Content-Type", "text/html; charset=UTF-8"),
                                 ("Cache-Control", "no-cache, private")], body)

    def error_response(self, status):
        messages = {401: "Unauthenticated.", 404: self._fallback_message(),
                    422: "The given data was invalid.", 429: "Too Many Attempts.",
                    503: "PBX not running", 599: "Service Unavailable - Could not connect to "
                    "the PBX"}
        extra = [("Retry-After", "5")] if status == 429 else []
        return self._json(status, {"message": messages.get(status, "Server Error")}, extra)

    def _fallback_message(self):
        if self.variant == "L11":
            return "Unauthorised/Page Not Found"
        return "Page Not Found. Check your URI for correctness"

    def _fallback(self):
        return self._json(404, {"message": self._fallback_message()})

    @staticmethod
    def _wants_json(req):
        return "application/json" in req.headers.get("accept", "")

    def _model_404(self, req, model, key):
        """Route model binding's ModelNotFoundException."""
        if not self._wants_json(req):
            return self._html(404, "Not Found")
        prefix = "App\\Models\\" if self.variant == "L11" else "App\\"
        doc = {"message": "No query results for model [%s%s] %s" % (prefix, model, key)}
        if self.opts["debug"]:
            doc.update(exception="Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException",
                       file="/opt/sark6api/vendor/laravel/framework/src/Illuminate/Foundation/"
                       "Exceptions/Handler.php", line=487, trace=[])
        return self._json(404, doc)

    def _server_error(self, req, message):
        if not self._wants_json(req):
            return self._html(500, "Server Error")
        return self._json(500, {"message": message})

    def _body(self, req):
        """The request input as Laravel's $request->all() would see it."""
        ctype = req.headers.get("content-type", "")
        text = req.body.decode("utf-8", "replace")
        if "json" in ctype or text.lstrip().startswith("{"):
            try:
                doc = json.loads(text) if text.strip() else {}
            except ValueError:
                return {}
            return doc if isinstance(doc, dict) else {}
        return {k: v for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True)}

    # ------------------------------------------------------------- routing

    def handle(self, req):
        now = time.time()
        self.hits += 1
        if "%2f" in req.path.lower():
            # Apache (AllowEncodedSlashes Off) answers before Laravel sees the request.
            return self._html(404, "Not Found")
        if self.variant != "L11":
            throttled = self._throttle(now)
            if throttled:
                return throttled
        if self.variant == "L11":
            auth = req.headers.get("authorization", "")
            if auth.lower().startswith("bearer ") and "|" not in auth[7:]:
                # SARK's route file explodes the token on '|': a PHP warning, so a 500.
                return self._server_error(req, "Undefined array key 1")
        matched = []
        for regex, stem, methods, access, variants in ROUTES:
            m = regex.match(req.path)
            if m and self.variant in variants and self._registered(access, req):
                matched.append((m, stem, methods, access))
        if not matched:
            return self._fallback()
        for m, stem, methods, access in matched:
            if req.method in methods:
                if access == "user" and self._token(req) is None:
                    if not self._wants_json(req):
                        return self._server_error(req, "Route [login] not defined.")
                    return self._json(401, {"message": "Unauthenticated."})
                args = [urllib.parse.unquote(g) for g in m.groups()]
                resp = getattr(self, "_%s_%s" % (stem, req.method.lower()))(req, *args)
                return self._rate_headers(resp)
        allowed = ", ".join(matched[0][2])
        return self._json(405, {"message": "The %s method is not supported for route %s. "
                                "Supported methods: %s." % (req.method, req.path[1:], allowed)})

    def _registered(self, access, req):
        """L11 registers the admin routes only for a token with the isAdmin ability."""
        if access != "admin" or self.variant != "L11":
            return True
        token = self._token(req)
        return token is not None and "isAdmin" in token["abilities"]

    def _throttle(self, now):
        limit, window = self.opts["throttle"], self.opts["throttle_window"]
        if not limit:
            return None
        if self.window_start is None or now - self.window_start >= window:
            self.window_start, self.window_hits = now, 0
        if self.window_hits >= limit:
            retry = max(1, int(self.window_start + window - now + 0.999))
            self.throttled.append({"t": now, "retry_after": retry})
            del self.throttled[:-50]
            return self._json(429, {"message": "Too Many Attempts."}, [
                ("Retry-After", str(retry)), ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", str(int(self.window_start + window)))])
        self.window_hits += 1
        return None

    def _rate_headers(self, resp):
        if self.variant != "L11" and self.opts["throttle"]:
            left = max(0, self.opts["throttle"] - self.window_hits)
            resp.headers = resp.headers + [("X-RateLimit-Limit", str(self.opts["throttle"])),
                                           ("X-RateLimit-Remaining", str(left))]
        return resp

    # ----------------------------------------------------------- auth (L11)

    def _token(self, req):
        auth = req.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return None
        _, _, secret = auth[7:].strip().partition("|")
        return self.tokens.get(secret)

    def _user(self, user_id):
        return next((u for u in self.users if u["id"] == user_id), None)

    def _login_post(self, req):
        body = self._body(req)
        errors = {}
        for key in ("email", "password"):
            if not isinstance(body.get(key), str) or not body[key]:
                errors[key] = ["The %s field is required." % key]
        if errors:
            if not self._wants_json(req):
                return Response(302, [("Location", "https://localhost:44300")])
            n = len(errors)
            first = next(iter(errors.values()))[0]
            msg = first if n == 1 else "%s (and %d more error%s)" % (first, n - 1,
                                                                     "s" if n > 2 else "")
            return self._json(422, {"message": msg, "errors": errors})
        user = next((u for u in self.users if u["email"] == body["email"]), None)
        if user is None or user["password"] != body["password"]:
            return self._json(401, {"message": "Unauthorized"})
        # One session per user: Sanctum tokens of this user are deleted first.
        self.tokens = {s: t for s, t in self.tokens.items() if t["user_id"] != user["id"]}
        self.token_seq += 1
        plain = seed.sanctum_token(self.token_rng, self.token_seq)
        abilities = ["admin", "isAdmin"] if user["role"] == "isAdmin" else []
        self.tokens[plain.partition("|")[2]] = {"id": self.token_seq, "user_id": user["id"],
                                                "abilities": abilities}
        self.logins += 1
        return self._json(200, {"accessToken": plain, "token_type": "Bearer"})

    def _logout_get(self, req):
        user_id = self._token(req)["user_id"]
        self.tokens = {s: t for s, t in self.tokens.items() if t["user_id"] != user_id}
        return self._json(200, {"message": "Successfully logged out"})

    def _whoami_get(self, req):
        user = self._user(self._token(req)["user_id"])
        return self._json(200, {k: user[k] for k in ("id", "name", "email", "role", "endpoint")})

    # ---------------------------------------------------------- validation

    def _validate(self, body, rules, required=()):
        """Laravel's validator over `rules` (only keys present, like "sometimes"), plus the
        required keys; {} when all is well, else the bare error map SARK sends."""
        errors = {}
        for key in required:
            if body.get(key) in (None, ""):
                errors[key] = ["The %s field is required." % key]
        for key, rule in rules.items():
            if key not in body or key in errors:
                continue
            msg = self._check_rule(key, body[key], rule)
            if msg:
                errors[key] = [msg]
        return errors

    def _field_msg(self, key, new, old):
        return new % key if self.variant != "L7" else old % key

    def _check_rule(self, key, value, rule):
        rule = list(rule)
        if rule and rule[0] == "nullable":
            if value is None:
                return None
            rule = rule[1:]
        kind = rule[0]
        if kind == "in" and (value is None or db_text(value) not in rule[1]):
            return "The selected %s is invalid." % key
        if kind == "integer" and not php_int(value):
            return self._field_msg(key, "The %s field must be an integer.",
                                   "The %s must be an integer.")
        if kind == "string" and not isinstance(value, str):
            return self._field_msg(key, "The %s field must be a string.",
                                   "The %s must be a string.")
        if kind == "alpha" and not (isinstance(value, str) and re.fullmatch(r"[A-Za-z]+", value)):
            return self._field_msg(key, "The %s field must only contain letters.",
                                   "The %s may only contain letters.")
        if kind == "email" and not (isinstance(value, str)   # RFCValidation: a@b is fine
                                    and re.fullmatch(r"[^@\s]+@[^@\s]+", value)):
            return self._field_msg(key, "The %s field must be a valid email address.",
                                   "The %s must be a valid email address.")
        if kind == "regex" and not (isinstance(value, str) and re.fullmatch(rule[1], value)):
            return self._field_msg(key, "The %s field format is invalid.",
                                   "The %s format is invalid.")
        if kind == "cluster" and db_text(value) not in seed.CLUSTERS:
            return "The selected %s is invalid." % key
        if kind == "extension" and self._find(self.extensions, value) is None:
            return "The selected %s is invalid." % key
        if kind == "outcome" and not self._resolves(value):
            return "The target could not be resolved, check the spelling"
        return None

    def _resolves(self, target):
        text = db_text(target)
        return bool(text) and (text in FIXED_OUTCOMES
                               or any(self._find(t, text) for t in (
                                   self.extensions, self.ringgroups, self.queues)))

    @staticmethod
    def _find(rows, key):
        key = db_text(key)
        return next((r for r in rows if r["pkey"] == key), None)

    def _touch(self, row):
        row["z_updated"] = seed.stamp()
        row["z_updater"] = "api"
        self.uncommitted += 1

    # ---------------------------------------------------------- extensions

    def _extensions_get(self, req):
        return self._json(200, sorted(self.extensions, key=lambda r: r["pkey"]))

    def _extension_get(self, req, pkey):
        row = self._find(self.extensions, pkey)
        return self._model_404(req, "Extension", pkey) if row is None else self._json(200, row)

    def _ext_create_post(self, req, kind):
        if kind == "vxt":
            return self._server_error(
                req, "Method App\\Http\\Controllers\\ExtensionController::vxt does not exist.")
        body = self._body(req)
        rules = {"cluster": ("cluster",)}
        if kind == "provisioned":
            rules["macaddr"] = ("regex", r"[0-9a-fA-F]{12}")
        required = ("pkey", "cluster") + (("macaddr",) if kind == "provisioned" else ())
        errors = self._validate(body, rules, required)
        pkey = db_text(body.get("pkey"))
        duplicate = pkey is not None and self._find(self.extensions, pkey) is not None
        if not errors and kind == "provisioned":
            errors = self._check_mac(body["macaddr"])
        if not errors and duplicate and kind != "mailbox":
            errors = {"save": ["Duplicate Key - %s" % pkey]}
        if errors:
            return self._json(422, errors)
        if duplicate:   # mailbox: its duplicate check runs after the insert has failed
            return self._json(409, {"Error": "SQLSTATE[23000]: Integrity constraint violation: "
                                    "19 UNIQUE constraint failed: ipphone.pkey (Connection: "
                                    "sqlite, SQL: insert into \"ipphone\" (\"abstimeout\", "
                                    "\"active\", \"pkey\") values (14400, YES, %s))" % pkey})
        return self._create_extension(kind, body, pkey)

    def _check_mac(self, mac):
        mac = mac.lower()
        if mac[:6] not in seed.VENDORS:
            return {"macaddr": ["Vendor not found for MAC address %s" % mac]}
        if any(r["macaddr"] == mac for r in self.extensions):
            return {"macaddr": ["Duplicate MAC address %s" % mac]}
        return {}

    def _create_extension(self, kind, body, pkey):
        echo = dict(EXT_DEFAULTS)
        echo["cluster"] = body["cluster"]
        device = {"webrtc": "WebRTC", "mailbox": "MAILBOX"}.get(kind, "General SIP")
        desc = "MAILBOX" if kind == "mailbox" else "Ext" + pkey
        if kind == "webrtc":
            echo["transport"] = "wss"
        if kind == "provisioned":
            echo["macaddr"] = body["macaddr"].lower()
            device = seed.VENDORS[echo["macaddr"][:6]]
        echo.update(pkey=body["pkey"], desc=desc, device=device, location="local",
                    passwd=seed.secret(self.rng))
        row = seed.make_extension(pkey, **{k: db_text(v) for k, v in echo.items() if k != "pkey"})
        row["provision"] = seed.provision_for(device, row["transport"])
        self.extensions.append(row)
        self.uncommitted += 1
        return self._json(201, echo)

    def _extension_put(self, req, pkey):
        row = self._find(self.extensions, pkey)
        if row is None:
            return self._model_404(req, "Extension", pkey)
        body = self._body(req)
        errors = self._validate(body, EXT_RULES)
        if errors:
            return self._json(422, errors)
        echo = dict(row)
        for key in EXT_RULES:
            if key in body:
                echo[key] = body[key]
                row[key] = db_text(body[key])
        if "transport" in body and row["provision"]:
            row["provision"] = re.sub(r"\.(udp|tcp|tls|wss)\b", "." + row["transport"],
                                      row["provision"])
            echo["provision"] = row["provision"]
        self._touch(row)
        echo.update(z_updated=row["z_updated"], z_updater=row["z_updater"])
        return self._json(200, echo)

    def _extension_delete(self, req, pkey):
        row = self._find(self.extensions, pkey)
        if row is None:
            return self._model_404(req, "Extension", pkey)
        self.extensions.remove(row)
        self.uncommitted += 1
        return Response(204, self.base_headers())

    def _runtime_get(self, req, pkey):
        if self._find(self.extensions, pkey) is None:
            return self._model_404(req, "Extension", pkey)
        resp = self._json(200, {"cfim": None, "cfbs": None, "ringdelay": "20"})
        resp.delay = self.ami_delay
        return resp

    def _runtime_put(self, req, pkey):
        if self._find(self.extensions, pkey) is None:
            return self._model_404(req, "Extension", pkey)
        body = self._body(req)
        errors = {}
        for key in ("cfim", "cfbs"):
            v = body.get(key)
            if v is not None and not (isinstance(v, str) and re.fullmatch(r"\+?\d+", v)):
                errors[key] = [self._field_msg(key, "The %s field format is invalid.",
                                               "The %s format is invalid.")]
        if "ringdelay" in body and not php_int(body["ringdelay"]):
            errors["ringdelay"] = [self._field_msg("ringdelay", "The %s field must be an "
                                                   "integer.", "The %s must be an integer.")]
        if errors:
            return self._json(422, errors)
        resp = Response(204, self.base_headers())
        resp.delay = self.ami_delay
        return resp

    # --------------------------------------------------------- ring groups

    def _ringgroups_get(self, req):
        return self._json(200, sorted(self.ringgroups, key=lambda r: r["pkey"]))

    def _ringgroup_get(self, req, pkey):
        row = self._find(self.ringgroups, pkey)
        return self._model_404(req, "RingGroup", pkey) if row is None else self._json(200, row)

    def _ringgroups_post(self, req):
        body = self._body(req)
        errors = self._validate(body, RG_RULES, ("pkey", "cluster", "outcome"))
        pkey = db_text(body.get("pkey"))
        if not errors and self._find(self.ringgroups, pkey) is not None:
            errors = {"save": ["Duplicate Key - %s" % pkey]}
        if errors:
            return self._json(422, errors)
        echo = dict(RG_DEFAULTS)
        echo.update({k: body[k] for k in RG_RULES if k in body})
        echo.update(pkey=body["pkey"], z_updater="system")
        row = seed.make_ringgroup(pkey, **{k: db_text(v) for k, v in echo.items()
                                           if k != "pkey"})
        self.ringgroups.append(row)
        self.uncommitted += 1
        return self._json(201, echo)

    def _ringgroup_put(self, req, pkey):
        row = self._find(self.ringgroups, pkey)
        if row is None:
            return self._model_404(req, "RingGroup", pkey)
        body = self._body(req)
        errors = self._validate(body, RG_RULES)
        if errors:
            return self._json(422, errors)
        echo = dict(row)
        for key in RG_RULES:
            if key in body:
                echo[key] = body[key]
                row[key] = db_text(body[key])
        self._touch(row)
        echo.update(z_updated=row["z_updated"], z_updater=row["z_updater"])
        return self._json(200, echo)

    def _ringgroup_delete(self, req, pkey):
        row = self._find(self.ringgroups, pkey)
        if row is None:
            return self._model_404(req, "RingGroup", pkey)
        self.ringgroups.remove(row)
        self.uncommitted += 1
        return Response(204, self.base_headers())

    # ------------------------------------------------------ queues, agents

    def _queues_get(self, req):
        return self._json(200, self.queues)

    def _queue_get(self, req, pkey):
        row = self._find(self.queues, pkey)
        return self._model_404(req, "Queue", pkey) if row is None else self._json(200, row)

    def _agents_get(self, req):
        return self._json(200, self.agents)

    def _agent_get(self, req, pkey):
        row = self._find(self.agents, pkey)
        return self._model_404(req, "Agent", pkey) if row is None else self._json(200, row)

    # ------------------------------------------------------------- astamis

    def _ami_failure(self, hangup=False):
        """Ami.php's 503/599 (then PHP keeps printing), or None when AMI is fine."""
        mode = self.ami_mode
        if mode == "ok":
            return None
        if mode == "down" and hangup:      # hangup has no PBX-running precheck
            mode = "connect_failed"
        status, message = AMI_MODES[mode]
        resp = Response(status, self.base_headers(),
                        laravel_json({"message": message}) + AMI_JUNK.encode())
        resp.delay = 0 if mode == "down" else min(self.ami_delay, 0.5)
        return resp

    def _slow(self, resp):
        resp.delay = self.ami_delay
        return resp

    def _ami_index_get(self, req):
        return self._json(200, {"GetEventList": list(LIST_ACTIONS[self.variant]),
                                "GetEventItem": {"QueueStatus": "queue", "QueueSummary": "queue"},
                                "PutItem": {"Reload": None}})

    def _ami_list_get(self, req, action):
        if action not in LIST_ACTIONS[self.variant]:
            return self._json(404, {"message": "AMI Action invalid or unsupported"})
        failed = self._ami_failure()
        if failed:
            return failed
        now = time.time()
        if action == "CoreShowChannels":
            header = {"Response": "Success", "Message": "Channels will follow"}
            events = self._channel_events(now)
        elif action in ("QueueStatus", "QueueSummary"):
            header = {"Response": "Success", "Message": "Queue status will follow"}
            events = self._queue_events(now)
        else:
            header, events = {"Response": "Success"}, []
        if not events:
            return self._slow(self._json(404, {"message": "Empty Object set returned from AMI"}))
        return self._slow(self._json(200, [header] + [self._ami_cut(e) for e in events]))

    def _ami_queue_get(self, req, queue):
        failed = self._ami_failure()
        if failed:
            return failed
        events = [e for e in self._queue_events(time.time()) if e.get("Queue") == queue]
        flat = {"Response": "Success", "EventList": "Complete",
                "Message": "Queue status will follow"}
        for ev in events:
            flat.update(ev)
        flat.update(Event="QueueStatusComplete", ListItems=str(len(events)))
        return self._slow(self._json(200, self._ami_cut(flat)))

    @staticmethod
    def _ami_cut(ev):
        """Ami.php splits each line on ": " and keeps the second piece only."""
        return {k: (v if not isinstance(v, str) else v.split(": ")[0]) for k, v in ev.items()}

    def _hangup_delete(self, req, tech, rest):
        if self.variant == "L10":
            return self._server_error(
                req, "Method App\\Http\\Controllers\\AstAmiController::hangup does not exist.")
        failed = self._ami_failure(hangup=True)
        if failed:
            return failed
        name = "%s/%s" % (tech, rest)
        if name in self.channels:
            self._hangup(name)
            text = "Response: Success\r\nMessage: Channel Hungup\r\n\r\n"
        else:
            text = "Response: Error\r\nMessage: No such channel\r\n\r\n"
        self.hangups.append(name)
        return self._slow(self._json(200, {rest: text}))

    def _reload_get(self, req):
        failed = self._ami_failure()
        return failed or self._slow(self._json(200, {"Response": "Reload sent"}))

    def _syscommand_get(self, req, command):
        if command == "commit":
            self.commits += 1
            self.commit_log.append({"t": time.time(), "uncommitted": self.uncommitted})
            self.uncommitted = 0
            return self._json(200, {"message": "System Commit issued"})
        if command == "pbxrunstate":
            return self._json(200, {"pbxrunstate": self.ami_mode != "down"})
        if command in ("start", "stop"):
            self.ami_mode = "ok" if command == "start" else "down"
        return self._json(200, {"message": "System %s issued" % command})

    # ------------------------------------------------------- live AMI data

    def _channel_events(self, now):
        out = []
        for name, chan in self.channels.items():
            ev = dict(chan["ev"])
            secs = max(0, int(now - chan["start"]))
            ev["Duration"] = "%02d:%02d:%02d" % (secs // 3600, secs % 3600 // 60, secs % 60)
            out.append(ev)
        return out

    def _entries(self, now):
        """Callers waiting in a queue: trunk channels in Queue() that nobody answered."""
        waiting = {}
        for name, chan in sorted(self.channels.items(), key=lambda kv: kv[1]["start"]):
            ev = chan["ev"]
            if ev.get("Application") != "Queue" or ev.get("BridgeId"):
                continue
            queue = str(ev.get("ApplicationData", "")).split(",")[0]
            if queue not in self.queue_params:
                continue
            waiting.setdefault(queue, []).append({
                "Event": "QueueEntry", "Queue": queue, "Position": "",
                "Channel": name, "Uniqueid": ev.get("Uniqueid", ""),
                "CallerIDNum": ev.get("CallerIDNum", ""),
                "CallerIDName": ev.get("CallerIDName", ""),
                "ConnectedLineNum": "unknown", "ConnectedLineName": "unknown",
                "Wait": str(max(0, int(now - chan["start"]))), "Priority": "0"})
        for entries in waiting.values():
            for pos, entry in enumerate(entries, 1):
                entry["Position"] = str(pos)
        return waiting

    def _member_view(self, member):
        view = dict(member)
        prefix = member["StateInterface"] + "-"
        states = [c["ev"].get("ChannelState") for n, c in self.channels.items()
                  if n.startswith(prefix)]
        if states and member["Status"] != "5":
            view["InCall"] = "1"
            view["Status"] = "6" if "5" in states else "2"
        return view

    def _queue_events(self, now):
        entries = self._entries(now)
        out = []
        for queue, params in self.queue_params.items():
            p = dict(params)
            p["Calls"] = str(len(entries.get(queue, [])))
            out.append(p)
            out += [self._member_view(m) for m in self.members if m["Queue"] == queue]
            out += entries.get(queue, [])
        return out

    def _hangup(self, name):
        """A hangup ends the whole call: every channel linked to this one."""
        linked = self.channels[name]["ev"].get("Linkedid")
        for other in [n for n, c in self.channels.items()
                      if n == name or (linked and c["ev"].get("Linkedid") == linked)]:
            del self.channels[other]

    def _add_call(self, kind, start, overrides=None):
        exts = [(r["pkey"], r["desc"] or r["pkey"]) for r in self.extensions
                if r["device"] != "MAILBOX" and r["active"] == "YES"]
        for pkey in ("1998", "1999")[:max(0, 2 - len(exts))]:
            exts.append((pkey, "Ext" + pkey))
        events = self.factory.new_call(kind, start, exts)
        if overrides:
            events[0].update(overrides)
        for ev in events:
            self.channels[str(ev["Channel"])] = {"ev": ev, "start": start}
        return events

    # ------------------------------------------------------- seeded state

    def reset(self):
        self.rewind_rng()
        now = time.time()
        self.variant = self.opts["variant"]
        self.ami_delay = self.opts["ami_delay"]
        self.ami_mode = "ok"
        self.users = [
            {"id": 1, "name": "admin", "email": self.opts["email"],
             "password": self.opts["password"], "role": "isAdmin", "endpoint": None},
            {"id": 2, "name": "viewer", "email": VIEWER_EMAIL, "password": VIEWER_PASSWORD,
             "role": "user", "endpoint": "1002"},
        ]
        self.token_rng = random.Random(self.rng.getrandbits(64))
        self.churn_rng = random.Random(self.rng.getrandbits(64))
        self.tokens, self.token_seq, self.logins = {}, 10, 0
        self.extensions = seed.seed_extensions(self.rng, now)
        self.ringgroups = seed.seed_ringgroups(now)
        self.queues = seed.seed_queues(now)
        self.agents = seed.seed_agents(now)
        self.queue_params = seed.seed_queue_params(self.rng)
        self.members = seed.seed_members(self.rng, now)
        self.factory = seed.ChannelFactory(self.rng)
        self.channels = {}
        plan = []
        for i in range(self.opts["channels"]):
            kind = seed.INITIAL_KINDS[i % len(seed.INITIAL_KINDS)]
            plan.append((now - self.factory.age_for(kind), kind))
        for start, kind in sorted(plan):
            self._add_call(kind, start)
        self.hits, self.window_start, self.window_hits, self.throttled = 0, None, 0, []
        self.commits, self.commit_log, self.uncommitted, self.hangups = 0, [], 0, []
        self.churn_on = self.services.churn
        self.next_churn = 0.0

    # -------------------------------------------------------------- churn

    def tick(self, now):
        if not self.churn_on or now < self.next_churn:
            return
        self.next_churn = now + self.churn_rng.uniform(0.7, 2.0)
        calls = sorted({c["ev"]["Linkedid"] for c in self.channels.values()})
        ringing = [n for n, c in self.channels.items() if c["ev"].get("ChannelState") == "5"]
        actions = (["add"] if len(calls) < CHURN_MAX else []) + \
            (["remove"] if len(calls) > CHURN_MIN else []) + (["answer"] if ringing else [])
        action = self.churn_rng.choice(actions)
        if action == "add":
            self._add_call(self.churn_rng.choice(seed.CHURN_KINDS), now)
        elif action == "remove":
            linked = self.churn_rng.choice(calls)
            name = next(n for n, c in self.channels.items() if c["ev"]["Linkedid"] == linked)
            self._hangup(name)
        else:
            callee = self.channels[self.churn_rng.choice(ringing)]["ev"]
            bridge = self.factory._bridge()
            for chan in self.channels.values():
                if chan["ev"].get("Linkedid") == callee["Linkedid"]:
                    chan["ev"].update(ChannelState="6", ChannelStateDesc="Up", BridgeId=bridge)

    # ------------------------------------------------------- control API

    def dump(self):
        now = time.time()
        return {
            "variant": self.variant,
            "extensions": sorted(self.extensions, key=lambda r: r["pkey"]),
            "ringgroups": sorted(self.ringgroups, key=lambda r: r["pkey"]),
            "queues": self.queues,
            "agents": self.agents,
            # As /api/astamis serves them (values cut at ": ", durations now).
            "channels": [self._ami_cut(e) for e in self._channel_events(now)],
            "queue_events": [self._ami_cut(e) for e in self._queue_events(now)],
            "tokens": len(self.tokens),
            "logins": self.logins,
            "users": [{k: u[k] for k in ("id", "email", "role")} for u in self.users],
            "commits": self.commits,
            "commit_log": self.commit_log,
            "uncommitted": self.uncommitted,
            "hangups": self.hangups,
            "ami": self.ami_mode,
            "ami_delay": self.ami_delay,
            "throttle": {"limit": self.opts["throttle"], "window": self.opts["throttle_window"],
                         "throttled": self.throttled},
            "churn": self.churn_on,
        }

    def control(self, op, args):
        ops = {
            "set_variant": self._op_set_variant,
            "expire_tokens": self._op_expire_tokens,
            "set_credentials": self._op_set_credentials,
            "set_role": self._op_set_role,
            "set_ami": self._op_set_ami,
            "set_throttle": self._op_set_throttle,
            "add_call": self._op_add_call,
            "remove_channel": self._op_remove_channel,
            "clear_channels": self._op_clear_channels,
            "clear_queues": self._op_clear_queues,
            "add_record": self._op_add_record,
            "remove_record": self._op_remove_record,
            "churn": self._op_churn,
        }
        if op not in ops:
            raise ValueError("unknown op %r; sark knows %s" % (op, ", ".join(sorted(ops))))
        return ops[op](args)

    def _op_set_variant(self, args):
        self.variant = opt_variant(args.get("variant", ""))
        self.window_start, self.window_hits = None, 0
        return {"variant": self.variant}

    def _op_expire_tokens(self, args):
        count = len(self.tokens)
        self.tokens = {}
        return {"expired": count}

    def _op_set_credentials(self, args):
        for key in ("email", "password"):
            if key in args:
                if not isinstance(args[key], str):
                    raise ValueError("%s must be a string" % key)
                self.users[0][key] = args[key]
        return {"email": self.users[0]["email"]}

    def _op_set_role(self, args):
        role = args.get("role")
        if role not in ("isAdmin", "user"):
            raise ValueError("role must be isAdmin or user")
        self.users[0]["role"] = role
        return {"role": role}

    def _op_set_ami(self, args):
        if "mode" in args:
            if args["mode"] not in AMI_MODES:
                raise ValueError("mode must be one of %s" % ", ".join(AMI_MODES))
            self.ami_mode = args["mode"]
        if "delay" in args:
            if not isinstance(args["delay"], (int, float)) or args["delay"] < 0:
                raise ValueError("delay must be a number of seconds >= 0")
            self.ami_delay = float(args["delay"])
        return {"ami": self.ami_mode, "ami_delay": self.ami_delay}

    def _op_set_throttle(self, args):
        for key in ("limit", "window"):
            value = args.get(key)
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise ValueError("%s must be a number >= 0" % key)
        if args.get("limit") is not None:
            self.opts["throttle"] = int(args["limit"])
        if args.get("window") is not None:
            self.opts["throttle_window"] = float(args["window"])
        self.window_start, self.window_hits = None, 0
        return {"limit": self.opts["throttle"], "window": self.opts["throttle_window"]}

    def _op_add_call(self, args):
        kind = args.get("kind", "dial")
        if kind not in set(seed.CHURN_KINDS):
            raise ValueError("kind must be one of %s" % ", ".join(sorted(set(seed.CHURN_KINDS))))
        age = args.get("age", 0)
        if not isinstance(age, (int, float)) or isinstance(age, bool) or age < 0:
            raise ValueError("age must be a number of seconds >= 0")
        overrides = args.get("channel", {})
        if not isinstance(overrides, dict):
            raise ValueError("channel must be an object of AMI fields")
        events = self._add_call(kind, time.time() - age, overrides)
        return {"channels": [e["Channel"] for e in events]}

    def _op_remove_channel(self, args):
        name = args.get("channel")
        if name not in self.channels:
            raise ValueError("no channel %r" % (name,))
        del self.channels[name]
        return {"removed": name}

    def _op_clear_channels(self, args):
        count = len(self.channels)
        self.channels = {}
        return {"removed": count}

    def _op_clear_queues(self, args):
        self.queue_params, self.members = {}, []
        return {"ok": True}

    def _table(self, args):
        tables = {"extensions": self.extensions, "ringgroups": self.ringgroups,
                  "queues": self.queues}
        kind = args.get("kind")
        if kind not in tables:
            raise ValueError("kind must be one of %s" % ", ".join(tables))
        return kind, tables[kind]

    def _op_add_record(self, args):
        kind, rows = self._table(args)
        rec = args.get("record")
        if not isinstance(rec, dict) or not isinstance(rec.get("pkey"), str):
            raise ValueError("record must be an object with a string pkey")
        if self._find(rows, rec["pkey"]) is not None:
            raise ValueError("pkey %r exists" % rec["pkey"])
        make = {"extensions": seed.make_extension, "ringgroups": seed.make_ringgroup}.get(kind)
        fields = {k: v for k, v in rec.items() if k != "pkey"}
        row = make(rec["pkey"], **fields) if make else dict(rec)
        rows.append(row)
        return row

    def _op_remove_record(self, args):
        kind, rows = self._table(args)
        row = self._find(rows, args.get("pkey"))
        if row is None:
            raise ValueError("no %s record %r" % (kind, args.get("pkey")))
        rows.remove(row)
        return {"removed": row["pkey"]}

    def _op_churn(self, args):
        on = args.get("on")
        if not isinstance(on, bool):
            raise ValueError("on must be true or false")
        self.churn_on = on
        self.next_churn = 0.0
        return {"churn": on}
