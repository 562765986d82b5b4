"""Seed data for the jade dialect: a small office PBX with live channels,
queues, queue members, waiting callers, PJSIP endpoints and manager users.

Everything is drawn from the rng the dialect passes in, so one --seed gives
one office.  Object shapes and value types follow shared/fixtures/jade/.
"""

import time
import uuid

STATE_DESC = {0: "Down", 1: "Rsrvd", 2: "OffHook", 3: "Dialing", 4: "Ring", 5: "Ringing",
              6: "Up", 7: "Busy", 8: "Dialing Offhook", 9: "Pre-ring"}
RING, RINGING, UP = 4, 5, 6

EXTENSIONS = [("200", "Alice Jones"), ("201", "Bob Smith"), ("202", "Carol White"),
              ("203", "Dave Brown"), ("204", "Eve Black"), ("205", "Frank Green"),
              ("206", "Grace Hall")]
UNKNOWN = "<unknown>"
EXTERNAL = [("+493012345678", UNKNOWN), ("+4940987654", "ACME GmbH"),
            ("+441632960451", "Mallory Mercer"), ("5558734", UNKNOWN),
            ("+33140001234", UNKNOWN), ("+12025550143", "Contoso Ltd")]
QUEUE_DIDS = {"sales": "400", "support": "401"}

# Channel keys in the order jade prints them (alphabetical, as in the fixtures).
CHANNEL_KEYS = ("account_code", "application", "application_data", "bridge_id",
                "caller_id_name", "caller_id_num", "channel", "channel_state",
                "channel_state_desc", "connected_line_name", "connected_line_num", "context",
                "duration", "exten", "hangup_cause", "hangup_cause_desc", "language",
                "linked_id", "priority", "tm_update", "unique_id", "variables")

# Kinds of call the generator knows; the first ones seed a fresh office so
# every application shows up even with few channels.
INITIAL_KINDS = ("queue_wait", "dial", "ringing", "queue_wait", "queue_talk", "conf",
                 "outbound", "ivr", "voicemail")
CHURN_KINDS = ("dial", "dial", "ringing", "outbound", "queue_wait", "queue_talk", "ivr",
               "voicemail", "conf")

# AMI PJSIPShowEndpoint as jade stores it (the fixture's 116 keys less tm_update).
ENDPOINT_DEFAULTS = {
    "account_code": "", "acl": "", "active_channels": "", "aggregate_mwi": "true",
    "allow": ("(codec2|g723|ulaw|alaw|gsm|g726|g726aal2|adpcm|slin|slin|slin|slin|slin|slin|"
              "slin|slin|slin|lpc10|g729|speex|speex|speex|ilbc|g722|siren7|siren14|testlaw|"
              "g719|opus|jpeg|png|h261|h263|h263p|h264|mpeg4|vp8|vp9|red|t140|t38|silk|silk|"
              "silk|silk)"),
    "allow_overlap": "true", "allow_subscribe": "true", "allow_transfer": "true",
    "aors": "pjagent-01", "asymmetric_rtp_codec": "false", "auth": "pjagent-01",
    "bind_rtp_to_media_address": "false", "bundle": "false", "call_group": "",
    "caller_id": "<unknown>", "caller_id_privacy": "allowed_not_screened", "caller_id_tag": "",
    "connected_line_method": "invite", "contact_acl": "", "context": "demo", "cos_audio": 0,
    "cos_video": 0, "device_state": "Not in use", "device_state_busy_at": 0,
    "direct_media": "true", "direct_media_glare_mitigation": "none",
    "direct_media_method": "invite", "disable_direct_media_on_nat": "false", "disallow": "",
    "dtls_ca_file": "", "dtls_ca_path": "", "dtls_cert_file": "", "dtls_cipher": "",
    "dtls_fingerprint": "SHA-256", "dtls_private_key": "", "dtls_rekey": 0,
    "dtls_setup": "active", "dtls_verify": "No", "dtmf_mode": "rfc4733", "fax_detect": "false",
    "fax_detect_time": 0, "force_avp": "false", "force_rport": "true", "from_domain": "",
    "from_user": "", "g_726_non_standard": "false", "ice_support": "false",
    "identify_by": "username,ip", "inband_progress": "false",
    "incoming_mwi_mailbox": "pjagent-01@vm-demo", "language": "",
    "mailboxes": "pjagent-01@vm-demo", "max_audio_streams": 1, "max_video_streams": 1,
    "media_address": "", "media_encryption": "no", "media_encryption_optimistic": "false",
    "media_use_received_transport": "false", "message_context": "", "moh_passthrough": "false",
    "moh_suggest": "default", "mwi_from_user": "",
    "mwi_subscribe_replaces_unsolicited": "false", "named_call_group": "",
    "named_pickup_group": "", "notify_early_inuse_ringing": "false",
    "object_name": "pjagent-01", "object_type": "endpoint", "one_touch_recording": "false",
    "outbound_auth": "", "outbound_proxy": "", "pickup_group": "",
    "preferred_codec_only": "false", "record_off_feature": "automixmon",
    "record_on_feature": "automixmon", "redirect_method": "", "refer_blind_progress": "true",
    "rel_100": "yes", "rewrite_contact": "false", "rpid_immediate": "false",
    "rtcp_mux": "false", "rtp_engine": "asterisk", "rtp_ipv6": "false", "rtp_keepalive": 0,
    "rtp_symmetric": "false", "rtp_timeout": 0, "rtp_timeout_hold": 0, "sdp_owner": "-",
    "sdp_session": "Asterisk", "send_diversion": "true", "send_pai": "false",
    "send_rpid": "false", "set_var": "", "srtp_tag32": "false", "sub_min_expiry": "0",
    "subscribe_context": "", "t38_udptl": "false", "t38_udptl_ec": "none",
    "t38_udptl_ipv6": "false", "t38_udptl_maxdatagram": 0, "t38_udptl_nat": "false",
    "timers": "yes", "timers_min_se": "90", "timers_sess_expires": 1800, "tone_zone": "",
    "tos_audio": 0, "tos_video": 0, "transport": "transport-udp", "trust_id_inbound": "false",
    "trust_id_outbound": "false", "use_avpf": "false", "use_ptime": "false",
    "user_eq_phone": "false", "voicemail_extension": "", "webrtc": "no",
}


def jade_timestamp(t=None):
    """jade's UTC time: nanoseconds printed WITHOUT zero padding (".17642767Z"
    may mean .017642767), exactly as utils_get_utc_timestamp does."""
    ns_total = time.time_ns() if t is None else int(t * 1e9)
    secs, ns = divmod(ns_total, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%dZ" % ns


def seeded_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class ChannelFactory:
    """Makes channel objects the way Asterisk names them: unique ids
    "<creation epoch>.<global counter>" and names "PJSIP/<endpoint>-<8 hex>"."""

    def __init__(self, rng):
        self.rng = rng
        self.uid_seq = rng.randint(20, 400)
        self.name_seq = rng.randint(0x10, 0x400)
        self.conf_bridge = seeded_uuid(rng)

    def new(self, kind, created, state=None):
        """A channel of `kind` created at epoch `created`; returns (channel, queue)
        where queue names the queue a waiting caller sits in, else None."""
        self.uid_seq += 1
        uid = "%d.%d" % (int(created), self.uid_seq)
        spec = getattr(self, "_" + kind)(state)
        queue = spec.pop("queue", None)
        bridged = spec.pop("bridged", True)
        linked = uid
        if spec.pop("callee_leg", False):
            # The caller's channel was created just before this one.
            linked = "%d.%d" % (int(created), self.uid_seq - 1)
        chan = dict.fromkeys(CHANNEL_KEYS)
        chan.update(account_code="", language="en", variables={}, unique_id=uid,
                    linked_id=linked, tm_update=jade_timestamp(created))
        chan.update(spec)
        chan["channel_state_desc"] = STATE_DESC[chan["channel_state"]]
        if chan["channel_state"] == UP and chan["bridge_id"] is None and bridged:
            chan["bridge_id"] = seeded_uuid(self.rng)
        return chan, queue

    def age_for(self, kind, state):
        """How long ago a seeded channel of this kind plausibly started."""
        if state in (RING, RINGING):
            return self.rng.uniform(2, 40)
        if kind == "queue_wait":
            return self.rng.uniform(5, 150)
        return self.rng.uniform(20, 600)

    def initial_state(self, kind):
        if kind in ("dial", "outbound"):
            return self.rng.choice((RING, UP, UP))
        return RINGING if kind == "ringing" else UP

    def _chan_name(self, endpoint):
        self.name_seq += 1
        return "PJSIP/%s-%08x" % (endpoint, self.name_seq)

    def _two_extensions(self):
        return self.rng.sample(EXTENSIONS, 2)

    def _call(self, endpoint, state, caller, connected, context, exten, priority, app, data):
        return {"channel": self._chan_name(endpoint), "channel_state": state,
                "caller_id_num": caller[0], "caller_id_name": caller[1],
                "connected_line_num": connected[0], "connected_line_name": connected[1],
                "context": context, "exten": exten, "priority": priority,
                "application": app, "application_data": data}

    def _dial(self, state):
        a, b = self._two_extensions()
        return self._call(a[0], state or RING, a, b, "from-internal", b[0], "1", "Dial",
                          "PJSIP/%s,30" % b[0])

    def _ringing(self, state):
        # The callee's leg of an internal call, linked to the caller's channel.
        a, b = self._two_extensions()
        spec = self._call(b[0], state or RINGING, a, b, "from-internal", "s", "1", "AppDial",
                          "(Outgoing Line)")
        spec["callee_leg"] = True
        return spec

    def _outbound(self, state):
        a, (num, _) = self.rng.choice(EXTENSIONS), self.rng.choice(EXTERNAL)
        return self._call(a[0], state or RING, a, (num, UNKNOWN), "from-internal", num, "2",
                          "Dial", "PJSIP/%s@trunk,60" % num)

    def _queue_wait(self, state):
        queue = self.rng.choice(sorted(QUEUE_DIDS))
        spec = self._call("trunk", UP, self.rng.choice(EXTERNAL), (UNKNOWN, UNKNOWN),
                          "from-trunk", QUEUE_DIDS[queue], "3", "Queue", "%s,t,,,300" % queue)
        spec.update(queue=queue, bridged=False)
        return spec

    def _queue_talk(self, state):
        queue = self.rng.choice(sorted(QUEUE_DIDS))
        return self._call("trunk", UP, self.rng.choice(EXTERNAL), self.rng.choice(EXTENSIONS),
                          "from-trunk", QUEUE_DIDS[queue], "3", "Queue", "%s,t" % queue)

    def _ivr(self, state):
        spec = self._call("trunk", UP, self.rng.choice(EXTERNAL), (UNKNOWN, UNKNOWN),
                          "ivr-main", "s", "4", "Playback", "custom/welcome")
        spec["bridged"] = False
        return spec

    def _voicemail(self, state):
        box = self.rng.choice(EXTENSIONS)[0]
        spec = self._call("trunk", UP, self.rng.choice(EXTERNAL), (UNKNOWN, UNKNOWN),
                          "voicemail", box, "2", "VoiceMail", "%s@default,u" % box)
        spec["bridged"] = False
        return spec

    def _conf(self, state):
        a = self.rng.choice(EXTENSIONS)
        spec = self._call(a[0], UP, a, (UNKNOWN, UNKNOWN), "from-internal", "800", "1",
                          "ConfBridge", "800")
        spec["bridge_id"] = self.conf_bridge    # every participant shares the conference
        return spec


def seed_queues(rng, now):
    queues = []
    for name, strategy in (("sales", "rrmemory"), ("support", "leastrecent"),
                           ("billing", "ringall")):
        queues.append({
            "abandoned": rng.randint(0, 9), "calls": 0, "completed": rng.randint(10, 120),
            "hold_time": rng.randint(5, 90), "max": 0, "name": name, "service_level": 60,
            "service_level_perf": round(rng.uniform(70, 99), 1), "strategy": strategy,
            "talk_time": rng.randint(60, 400), "tm_update": jade_timestamp(now - 3600),
            "weight": 0})
    return queues


# (member name, interface, queue, membership, penalty, paused reason or None)
MEMBER_PLAN = (
    ("Alice Jones", "PJSIP/200", "sales", "static", 0, None),
    ("Bob Smith", "PJSIP/201", "sales", "dynamic", 1, "lunch"),
    ("PJSIP/202", "PJSIP/202", "sales", "dynamic", 0, None),   # unnamed: id needs %2F
    ("Dave Brown", "PJSIP/203", "support", "static", 0, None),
    ("Eve Black", "PJSIP/204", "support", "dynamic", 2, "training"),
    ("Alice Jones", "PJSIP/200", "support", "static", 1, None),
)


def make_member(name, interface, queue, membership="dynamic", penalty=0, paused=0,
                reason="", now=None):
    """A queue member object with jade's keys and types (ring_inuse is never filled)."""
    return {"id": "%s@%s" % (name, queue), "calls_taken": 0, "in_call": 0, "last_call": 0,
            "last_pause": 0, "location": interface, "membership": membership, "name": name,
            "paused": paused, "paused_reason": reason, "penalty": penalty,
            "queue_name": queue, "ring_inuse": None, "state_interface": interface,
            "status": 1, "tm_update": jade_timestamp(now)}


def seed_members(rng, now):
    members = []
    for name, iface, queue, membership, penalty, reason in MEMBER_PLAN:
        member = make_member(name, iface, queue, membership, penalty,
                             1 if reason else 0, reason or "", now - 1800)
        member["status"] = rng.choice((1, 1, 2, 5, 6))   # AST_DEVICE_* values
        member["in_call"] = 1 if member["status"] == 2 else 0
        member["calls_taken"] = rng.randint(0, 40)
        if member["calls_taken"]:
            member["last_call"] = int(now) - rng.randint(30, 3000)
        if reason:
            member["last_pause"] = int(now) - rng.randint(60, 1500)
        members.append(member)
    return members


def make_endpoint(name, caller_id, context, now, base_state="Not in use"):
    ep = dict(ENDPOINT_DEFAULTS)
    ep.update(object_name=name, aors=name, auth=name, caller_id=caller_id, context=context,
              mailboxes="%s@default" % name, incoming_mwi_mailbox="%s@default" % name,
              device_state=base_state, tm_update=jade_timestamp(now))
    return dict(sorted(ep.items()))


def seed_endpoints(rng, now):
    endpoints = []
    for ext, name in EXTENSIONS:
        state = "Unavailable" if rng.random() < 0.2 else "Not in use"
        endpoints.append(make_endpoint(ext, '"%s" <%s>' % (name, ext), "from-internal",
                                       now - 7200, state))
    trunk = make_endpoint("trunk", UNKNOWN, "from-trunk", now - 7200)
    trunk.update(auth="", outbound_auth="trunk-auth", identify_by="ip", mailboxes="",
                 incoming_mwi_mailbox="")
    endpoints.append(trunk)
    return endpoints


def make_user(rng, username, password, name, context, permissions, created, updated=None):
    return {"context": context, "name": name, "password": password,
            "permissions": [{"permission": p} for p in permissions],
            "tm_create": jade_timestamp(created),
            "tm_update": None if updated is None else jade_timestamp(updated),
            "username": username, "uuid": seeded_uuid(rng)}


def seed_users(rng, now, admin_user, admin_password):
    return [make_user(rng, admin_user, admin_password, "Administrator", "", ("admin", "user"),
                      now - 86400, now - 3600),
            make_user(rng, "operator", "operator", "Front desk", "from-internal", ("user",),
                      now - 43200)]
