"""The jade dialect: pchero/jade, an Asterisk REST API daemon, as pbxtop sees it.

Wire behaviour follows shared/contracts/jade-sark-issabel.md sections 2 and 5:
token in ?authtoken=, 403 before 405, bare 404 for unknown paths, envelopes
with api_ver/timestamp/statuscode, no Content-Type header, integers as JSON
integers, 500 for hangup or member delete of an unknown id.

Where the real daemon answers first and lets Asterisk catch up later (member
add/remove, hangup), the simulator applies the change at once.
"""

import base64
import json
import random
import re
import time
import urllib.parse
import uuid

import jade_seed as seed
from simcore import (Dialect, Response, opt_nonneg_int, opt_pos_float, parse_options,
                     register)

# jade (libevhtp) sends only these on its own replies; no Content-Type at all.
CORS_HEADERS = [
    ("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept"),
    ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Max-Age", "86400"),
]
CHURN_MIN, CHURN_MAX = 4, 14
UUID_RE = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_NO_RESULT = object()
ENTRY_FROM_CHANNEL = ("caller_id_name", "caller_id_num", "channel", "connected_line_name",
                      "connected_line_num", "unique_id")

# (path regex, handler stem, allowed methods, needs a token).  Detail routes
# capture the rest of the path; jade then uses its last segment, URI-decoded.
ROUTES = [
    (r"/v1/admin/login", "login", ("POST", "DELETE"), False),
    (r"/v1/manager/login", "login", ("POST", "DELETE"), False),
    (r"/v1/me/login", "login", ("POST", "DELETE"), False),
    (r"/v1/admin/core/channels", "channels", ("GET",), True),
    (r"/v1/admin/core/channels/(.*)", "channel", ("GET", "DELETE"), True),
    (r"/v1/admin/queue/queues", "queues", ("GET",), True),
    (r"/v1/admin/queue/queues/(.*)", "queue", ("GET",), True),
    (r"/v1/admin/queue/members", "members", ("GET", "POST"), True),
    (r"/v1/admin/queue/members/(.*)", "member", ("GET", "PUT", "DELETE"), True),
    (r"/v1/admin/queue/entries", "entries", ("GET",), True),
    (r"/v1/admin/queue/entries/(.*)", "entry", ("GET", "DELETE"), True),
    (r"/v1/admin/pjsip/endpoints", "endpoints", ("GET",), True),
    (r"/v1/admin/pjsip/endpoints/(.*)", "endpoint", ("GET",), True),
    (r"/v1/manager/users", "users", ("GET", "POST"), True),
    (r"/v1/manager/users/(%s)" % UUID_RE, "user", ("GET", "PUT", "DELETE"), True),
    (r"/v1/agent/agents", "agents", ("GET",), True),
    (r"/v1/agent/agents/(.*)", "agent", ("GET",), True),
]
ROUTES = [(re.compile(pattern + r"\Z"), stem, methods, auth)
          for pattern, stem, methods, auth in ROUTES]


def encode_json(doc):
    """Compact JSON like jansson: UTF-8 as is, slashes unescaped.  Control-API
    strings carrying \\udc80-\\udcff come out as those raw (invalid UTF-8) bytes,
    so tests can feed the client hostile text."""
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def jansson_int(body, key):
    """json_integer_value(): anything that is not a JSON integer reads as 0."""
    value = body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def jansson_str(body, key):
    value = body.get(key)
    return value if isinstance(value, str) else ""


def parse_basic_auth(header):
    """(user, password) from an Authorization header, or None.  Like jade,
    skip to the first space and ignore the scheme word."""
    if header is None:
        return None
    _, space, b64 = header.partition(" ")
    if not space:
        return None
    try:
        raw = base64.b64decode(b64.strip(), validate=True).decode("utf-8")
    except ValueError:                      # binascii.Error and UnicodeDecodeError
        return None
    user, colon, password = raw.partition(":")
    return (user, password) if colon else None


def pbxtop_config(opts):
    """The lines a pbxtop config needs for a backend of this dialect run with `opts` (the
    NAME=TYPE,key=val options); used by the test harness."""
    return "username = %s\npassword = %s\n" % (opts.get("user", "admin"),
                                                opts.get("password", "admin"))


@register("jade")
class JadeDialect(Dialect):
    OPTIONS = {
        "user": (str, "admin"),
        "password": (str, "admin"),
        "channels": (opt_nonneg_int, 6),
        "token_ttl": (opt_pos_float, 3600.0),
    }

    def __init__(self, name, opts, rng, services):
        super().__init__(name, opts, rng, services)
        self.opts = parse_options(opts, self.OPTIONS)
        self.reset()

    # ------------------------------------------------------------ plumbing

    def base_headers(self):
        return list(CORS_HEADERS)

    def _envelope(self, status, result=_NO_RESULT):
        doc = {"api_ver": "0.1", "timestamp": seed.jade_timestamp(), "statuscode": status}
        if result is not _NO_RESULT:
            doc["result"] = result
        return Response(status, self.base_headers(), encode_json(doc))

    def _list(self, items):
        return self._envelope(200, {"list": items})

    def error_response(self, status):
        doc = {"api_ver": "0.1", "timestamp": seed.jade_timestamp(), "statuscode": status,
               "error": {"code": status, "message": ""}}
        return Response(status, self.base_headers(), encode_json(doc))

    def handle(self, req):
        for regex, stem, methods, needs_token in ROUTES:
            match = regex.match(req.path)
            if match:
                break
        else:
            return Response(404)           # libevhtp's own 404: no envelope, no body
        if req.method == "OPTIONS":
            return Response(200, self.base_headers())
        # jade checks the token before it looks at the method.
        if needs_token and not self._authorised(req.query.get("authtoken")):
            return self.error_response(403)
        if req.method not in methods:
            return self.error_response(405)
        handler = getattr(self, "_%s_%s" % (stem, req.method.lower()))
        if match.groups():
            last_segment = match.group(1).rsplit("/", 1)[-1]
            return handler(req, urllib.parse.unquote(last_segment))
        return handler(req)

    def _json_body(self, req):
        """The request body as a JSON object, or None (jade answers 400)."""
        try:
            body = json.loads(req.body.decode("utf-8"))
            # jansson rejects "\udXXX" escapes that are not valid pairs.
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except ValueError:                  # includes UnicodeError
            return None
        return body if isinstance(body, dict) else None

    # ------------------------------------------------------- tokens, login

    def _token_user(self, token):
        """The user a live token belongs to; using a token keeps it alive
        (sliding expiry), an idle one is purged."""
        entry = self.tokens.get(token)
        if entry is None:
            return None
        now = time.monotonic()
        if now - entry["last"] > self.opts["token_ttl"]:
            del self.tokens[token]
            return None
        user = self._find_user(entry["uuid"])
        if user is not None:
            entry["last"] = now
        return user

    def _authorised(self, token):
        user = self._token_user(token)
        return user is not None and {"permission": "admin"} in user["permissions"]

    def _login_post(self, req):
        creds = parse_basic_auth(req.headers.get("authorization"))
        if creds is None:
            return self.error_response(400)
        user = next((u for u in self.users
                     if (u["username"], u["password"]) == creds), None)
        if user is None:
            return self.error_response(404)
        token = str(uuid.uuid4())
        self.tokens[token] = {"uuid": user["uuid"], "last": time.monotonic()}
        return self._envelope(200, {"authtoken": token})

    def _login_delete(self, req):
        token = req.query.get("authtoken")
        if self._token_user(token) is None:
            return self.error_response(400)
        del self.tokens[token]
        return self._envelope(200)

    def _live_tokens(self):
        return sum(1 for t in list(self.tokens) if self._peek_token(t))

    def _peek_token(self, token):
        return time.monotonic() - self.tokens[token]["last"] <= self.opts["token_ttl"]

    # ------------------------------------------------------------ channels

    def _channels_get(self, req):
        return self._list(list(self.channels.values()))

    def _channel_get(self, req, uid):
        chan = self.channels.get(uid)
        return self.error_response(404) if chan is None else self._envelope(200, chan)

    def _channel_delete(self, req, uid):
        if uid not in self.channels:
            return self.error_response(500)
        self._hangup(uid)
        return self._envelope(200)

    def _hangup(self, uid):
        """Remove a channel and, if it was waiting in a queue, its queue entry."""
        del self.channels[uid]
        gone = [e for e in self.entries if e["unique_id"] == uid]
        self.entries = [e for e in self.entries if e["unique_id"] != uid]
        for entry in gone:
            self._renumber_queue(entry["queue_name"])

    def _renumber_queue(self, queue):
        waiting = [e for e in self.entries if e["queue_name"] == queue]
        for position, entry in enumerate(waiting, 1):
            entry["position"] = position

    def _add_channel(self, kind, created, state=None, wait=None):
        chan, queue = self.factory.new(kind, created, state)
        self.channels[chan["unique_id"]] = chan
        if queue is not None:
            self._add_entry(chan, queue, wait)
        return chan

    def _add_entry(self, chan, queue, wait):
        position = 1 + sum(1 for e in self.entries if e["queue_name"] == queue)
        entry = {key: chan[key] for key in ENTRY_FROM_CHANNEL}
        entry.update(position=position, queue_name=queue, tm_update=seed.jade_timestamp(),
                     wait=wait)
        self.entries.append(dict(sorted(entry.items())))

    # -------------------------------------------------- queues and entries

    def _queue_view(self, queue):
        view = dict(queue)
        view["calls"] = sum(1 for e in self.entries if e["queue_name"] == queue["name"])
        return view

    def _queues_get(self, req):
        return self._list([self._queue_view(q) for q in self.queues])

    def _queue_get(self, req, name):
        queue = next((q for q in self.queues if q["name"] == name), None)
        return self.error_response(404) if queue is None else \
            self._envelope(200, self._queue_view(queue))

    def _entries_get(self, req):
        return self._list(self.entries)

    def _entry_get(self, req, uid):
        entry = next((e for e in self.entries if e["unique_id"] == uid), None)
        return self.error_response(404) if entry is None else self._envelope(200, entry)

    def _entry_delete(self, req, uid):
        # Hangs up the waiting caller, which also ends its queue entry.
        if not any(e["unique_id"] == uid for e in self.entries):
            return self.error_response(500)
        if uid in self.channels:
            self._hangup(uid)
        else:
            self.entries = [e for e in self.entries if e["unique_id"] != uid]
        return self._envelope(200)

    # ------------------------------------------------------- queue members

    def _members_get(self, req):
        return self._list(self.members)

    def _member_get(self, req, member_id):
        member = next((m for m in self.members if m["id"] == member_id), None)
        return self.error_response(404) if member is None else self._envelope(200, member)

    def _members_post(self, req):
        """AMI QueueAdd.  jade checks nothing; Asterisk ignores an add to an
        unknown queue or of an interface that is already a member."""
        body = self._json_body(req)
        if body is None:
            return self.error_response(400)
        queue = jansson_str(body, "queue_name")
        iface = jansson_str(body, "state_interface")
        if (iface and any(q["name"] == queue for q in self.queues)
                and self._find_member(queue, iface) is None):
            self.members.append(seed.make_member(
                jansson_str(body, "name") or iface, iface, queue, "dynamic",
                jansson_int(body, "penalty"), 1 if jansson_int(body, "paused") else 0))
        return self._envelope(200)

    def _member_put(self, req, _url_id):
        # jade ignores the id in the URL: the member is named by the body.
        body = self._json_body(req)
        if body is None or not isinstance(body.get("queue_name"), str) \
                or not isinstance(body.get("state_interface"), str):
            return self.error_response(400)
        member = self._find_member(body["queue_name"], body["state_interface"])
        if member is not None:            # else the AMI action fails after the reply
            self._update_member(member, body)
        return self._envelope(200)

    def _update_member(self, member, body):
        if "penalty" in body:
            member["penalty"] = jansson_int(body, "penalty")
        if "paused" in body:
            paused = 1 if jansson_int(body, "paused") else 0
            if paused and not member["paused"]:
                member["last_pause"] = int(time.time())
            member["paused"] = paused
            member["paused_reason"] = jansson_str(body, "paused_reason")
        member["tm_update"] = seed.jade_timestamp()

    def _member_delete(self, req, member_id):
        member = next((m for m in self.members if m["id"] == member_id), None)
        if member is None:
            return self.error_response(500)
        self.members.remove(member)
        return self._envelope(200)

    def _find_member(self, queue, iface):
        return next((m for m in self.members
                     if m["queue_name"] == queue and m["state_interface"] == iface), None)

    # ------------------------------------------------- endpoints and agents

    def _endpoint_view(self, endpoint):
        """device_state follows the endpoint's live channels."""
        view = dict(endpoint)
        if view["device_state"] == "Unavailable":
            return view
        prefix = "PJSIP/%s-" % view["object_name"]
        states = [c["channel_state"] for c in self.channels.values()
                  if isinstance(c["channel"], str) and c["channel"].startswith(prefix)]
        if seed.RINGING in states:
            view["device_state"] = "Ringing"
        elif states:
            view["device_state"] = "In use"
        return view

    def _endpoints_get(self, req):
        return self._list([self._endpoint_view(e) for e in self.endpoints])

    def _endpoint_get(self, req, name):
        endpoint = next((e for e in self.endpoints if e["object_name"] == name), None)
        return self.error_response(404) if endpoint is None else \
            self._envelope(200, self._endpoint_view(endpoint))

    def _agents_get(self, req):
        return self._list([])             # no chan_agent agents on this PBX

    def _agent_get(self, req, agent_id):
        return self.error_response(404)

    # ------------------------------------------------------- manager users

    def _find_user(self, user_uuid):
        return next((u for u in self.users if u["uuid"] == user_uuid), None)

    def _users_get(self, req):
        return self._list(self.users)

    def _user_get(self, req, user_uuid):
        user = self._find_user(user_uuid)
        return self.error_response(404) if user is None else self._envelope(200, user)

    def _users_post(self, req):
        """Creates the user and, like jade, a default PJSIP account for it."""
        body = self._json_body(req)
        if body is None or not jansson_str(body, "username") \
                or not jansson_str(body, "password"):
            return self.error_response(400)
        username = body["username"]
        if any(u["username"] == username for u in self.users):
            return self.error_response(500)        # the database insert fails
        perms = [p["permission"] for p in body.get("permissions") or []
                 if isinstance(p, dict) and isinstance(p.get("permission"), str)]
        now = time.time()
        self.users.append(seed.make_user(self.rng, username, body["password"],
                                         jansson_str(body, "name"),
                                         jansson_str(body, "context"), perms, now))
        if not any(e["object_name"] == username for e in self.endpoints):
            self.endpoints.append(seed.make_endpoint(
                username, seed.UNKNOWN, jansson_str(body, "context"), now))
        return self._envelope(200)

    def _user_put(self, req, user_uuid):
        body = self._json_body(req)
        if body is None:
            return self.error_response(400)
        user = self._find_user(user_uuid)
        if user is None:
            return self.error_response(500)
        for key in ("name", "context", "password"):
            if isinstance(body.get(key), str):
                user[key] = body[key]
        if isinstance(body.get("permissions"), list):
            user["permissions"] = [{"permission": p["permission"]} for p in body["permissions"]
                                   if isinstance(p, dict)
                                   and isinstance(p.get("permission"), str)]
        user["tm_update"] = seed.jade_timestamp()
        return self._envelope(200)

    def _user_delete(self, req, user_uuid):
        user = self._find_user(user_uuid)
        if user is None:
            return self.error_response(500)
        self.users.remove(user)
        return self._envelope(200)

    # ----------------------------------------------------- seeded state

    def reset(self):
        self.rewind_rng()
        now = time.time()
        self.factory = seed.ChannelFactory(self.rng)
        self.churn_rng = random.Random(self.rng.getrandbits(64))
        self.users = seed.seed_users(self.rng, now, self.opts["user"], self.opts["password"])
        self.admin_uuid = self.users[0]["uuid"]
        self.queues = seed.seed_queues(self.rng, now)
        self.members = seed.seed_members(self.rng, now)
        self.endpoints = seed.seed_endpoints(self.rng, now)
        self.channels, self.entries = {}, []
        self._seed_channels(now, self.opts["channels"])
        self.tokens = {}
        self.churn_on = self.services.churn
        self.next_churn = 0.0

    def _seed_channels(self, now, count):
        """Channels that started over the last ~10 minutes, numbered in the
        order they started, as Asterisk would have numbered them."""
        plan = []
        for i in range(count):
            kind = seed.INITIAL_KINDS[i] if i < len(seed.INITIAL_KINDS) \
                else self.rng.choice(seed.CHURN_KINDS)
            state = self.factory.initial_state(kind)
            plan.append((now - self.factory.age_for(kind, state), kind, state))
        for created, kind, state in sorted(plan):
            self._add_channel(kind, created, state, wait=int(now - created))

    # ------------------------------------------------------------- churn

    def tick(self, now):
        if not self.churn_on or now < self.next_churn:
            return
        self.next_churn = now + self.churn_rng.uniform(0.7, 2.0)
        ringing = [uid for uid, c in self.channels.items()
                   if c["channel_state"] in (seed.RING, seed.RINGING)]
        count = len(self.channels)
        actions = []
        if count < CHURN_MAX:
            actions.append("add")
        if count > CHURN_MIN:
            actions.append("remove")
        if ringing and CHURN_MIN <= count <= CHURN_MAX:
            actions.append("answer")
        action = self.churn_rng.choice(actions)
        if action == "add":
            kind = self.churn_rng.choice(seed.CHURN_KINDS)
            # A caller joining a queue now has no wait yet (QueueCallerJoin row).
            self._add_channel(kind, now, None, wait=None)
        elif action == "remove":
            self._hangup(self.churn_rng.choice(sorted(self.channels)))
        else:
            self._answer(self.channels[self.churn_rng.choice(ringing)])

    def _answer(self, chan):
        chan.update(channel_state=seed.UP, channel_state_desc=seed.STATE_DESC[seed.UP],
                    tm_update=seed.jade_timestamp())
        if chan["bridge_id"] is None:
            chan["bridge_id"] = seed.seeded_uuid(self.churn_rng)

    # ------------------------------------------------------- control API

    def dump(self):
        return {
            "channels": list(self.channels.values()),
            "entries": self.entries,
            "members": self.members,
            "queues": [self._queue_view(q) for q in self.queues],
            "endpoints": [e["object_name"] for e in self.endpoints],
            "users": [{"uuid": u["uuid"], "username": u["username"],
                       "permissions": [p["permission"] for p in u["permissions"]]}
                      for u in self.users],
            "tokens": self._live_tokens(),
            "token_ttl": self.opts["token_ttl"],
            "churn": self.churn_on,
        }

    def control(self, op, args):
        ops = {
            "add_channel": self._op_add_channel,
            "remove_channel": self._op_remove_channel,
            "set_channels": self._op_set_channels,
            "expire_tokens": self._op_expire_tokens,
            "set_credentials": self._op_set_credentials,
            "churn": self._op_churn,
        }
        if op not in ops:
            raise ValueError("unknown op %r; jade knows %s" % (op, ", ".join(sorted(ops))))
        return ops[op](args)

    def _op_add_channel(self, args):
        return self._channel_from_overrides(args.get("channel", {}), set(self.channels))

    def _op_remove_channel(self, args):
        uid = args.get("unique_id")
        if not isinstance(uid, str) or uid not in self.channels:
            raise ValueError("no channel with unique_id %r" % (uid,))
        self._hangup(uid)
        return {"removed": uid}

    def _op_set_channels(self, args):
        overrides = args.get("channels")
        if not isinstance(overrides, list):
            raise ValueError("channels must be a list of override objects")
        old_channels, old_entries = self.channels, self.entries
        self.channels, self.entries = {}, []
        try:
            for over in overrides:
                self._channel_from_overrides(over, set(self.channels))
        except ValueError:
            self.channels, self.entries = old_channels, old_entries
            raise
        # Callers still on a channel of the new set keep waiting in their queue.
        kept = [e for e in old_entries if e["unique_id"] in self.channels]
        self.entries = kept + self.entries
        for queue in {e["queue_name"] for e in self.entries}:
            self._renumber_queue(queue)
        return list(self.channels.values())

    def _channel_from_overrides(self, over, taken):
        """A generated channel with `over` applied on top.  Three keys are not
        fields: "kind" picks the generator (dial, ringing, outbound, queue_talk,
        ivr, voicemail, conf, or queue_wait, which also adds a queue entry;
        default: any but queue_wait), "age" backdates the start (seconds), and
        "queue" names the queue a queue_wait caller waits in (default: sales
        or support at random)."""
        if not isinstance(over, dict):
            raise ValueError("channel overrides must be an object")
        over = dict(over)
        kind = over.pop("kind", None) or self.rng.choice(
            [k for k in seed.CHURN_KINDS if k != "queue_wait"])
        if kind not in seed.CHURN_KINDS:
            raise ValueError("unknown kind %r" % (kind,))
        queue = over.pop("queue", None)
        if queue is not None and (kind != "queue_wait" or
                                  not any(q["name"] == queue for q in self.queues)):
            raise ValueError("queue needs kind queue_wait and a known queue, not %r" % (queue,))
        age = over.pop("age", 0)
        if not isinstance(age, (int, float)) or isinstance(age, bool) or age < 0:
            raise ValueError("age must be a number of seconds >= 0")
        uid = over.get("unique_id")
        if uid is not None and (not isinstance(uid, str) or uid in taken):
            raise ValueError("unique_id must be a new string")
        state = over.get("channel_state")
        if state not in seed.STATE_DESC:
            state = None
        elif "channel_state_desc" not in over:
            over["channel_state_desc"] = seed.STATE_DESC[state]
        now = time.time()
        chan = self._add_channel(kind, now - age, state, wait=int(age))
        if queue is not None:
            self._move_caller(chan, queue)
        return self._apply_overrides(chan, over)

    def _move_caller(self, chan, queue):
        """Put a new waiting caller in `queue`: last in line there, as a caller
        who has just joined it would be."""
        entry = next(e for e in self.entries if e["unique_id"] == chan["unique_id"])
        old = entry["queue_name"]
        self.entries.remove(entry)
        self.entries.append(entry)
        entry["queue_name"] = queue
        chan["application_data"] = "%s,t,,,300" % queue
        self._renumber_queue(old)
        self._renumber_queue(queue)

    def _apply_overrides(self, chan, over):
        old_uid = chan["unique_id"]
        if "unique_id" in over and "linked_id" not in over:
            over["linked_id"] = over["unique_id"]
        chan.update(over)
        if chan["unique_id"] != old_uid:      # re-key, keeping the list order
            self.channels = {(chan["unique_id"] if k == old_uid else k): v
                             for k, v in self.channels.items()}
        for entry in self.entries:            # a waiting caller shows the same party
            if entry["unique_id"] == old_uid:
                for key in ENTRY_FROM_CHANNEL:
                    entry[key] = chan[key]
        return chan

    def _op_expire_tokens(self, args):
        count = len(self.tokens)
        self.tokens = {}
        return {"expired": count}

    def _op_set_credentials(self, args):
        user = self._find_user(self.admin_uuid)
        if user is None:
            raise ValueError("the admin user has been deleted")
        for key, field in (("user", "username"), ("password", "password")):
            if key in args:
                if not isinstance(args[key], str):
                    raise ValueError("%s must be a string" % key)
                user[field] = args[key]
        return {"user": user["username"]}

    def _op_churn(self, args):
        on = args.get("on")
        if not isinstance(on, bool):
            raise ValueError("on must be true or false")
        self.churn_on = on
        self.next_churn = 0.0
        return {"churn": on}
