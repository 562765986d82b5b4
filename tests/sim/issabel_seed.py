"""Seed data for the issabel dialect: a small office on Issabel PBX with ten extensions,
three ring groups, two queues with members, and live calls as raw AMI events.

Everything random comes from the rng the dialect passes in, so one --seed gives one
office.  Shapes and value types follow shared/fixtures/issabel/ (every scalar a string).
"""

import string

# (number, name, tech, voicemail on, outbound caller id)
EXTENSIONS = [
    ("200", "Front Desk", "pjsip", True, "5551000"),
    ("201", "Alice Jones", "pjsip", True, ""),
    ("202", "Bob Smith", "pjsip", True, ""),
    ("203", "Carol White", "sip", False, ""),
    ("204", "Dave Brown", "pjsip", True, "5551004"),
    ("205", "Eve Black", "pjsip", False, ""),
    ("206", "Frank Green", "iax2", True, ""),
    ("207", "Grace Hall", "pjsip", True, ""),
    ("208", "Conference Room", "pjsip", False, ""),
    ("209", "Mobile Forward", "virtual", False, ""),
]

# (number, description, strategy, ring time, members)
RINGGROUPS = [
    ("600", "Sales", "ringall", 20, ["201", "202", "204"]),
    ("601", "Support", "hunt", 30, ["203", "205", "207"]),
    ("602", "Everyone", "memoryhunt", 45, ["200", "201", "202", "203", "204", "205"]),
]

# (queue, strategy, completed, abandoned, hold time, talk time,
#  members as (extension, penalty, paused reason or None))
QUEUES = [
    ("400", "ringall", 9, 2, 3, 61, [("201", 0, None), ("202", 1, "lunch"), ("204", 0, None)]),
    ("401", "rrmemory", 17, 1, 12, 140, [("203", 0, None), ("205", 0, ""), ("207", 2, None)]),
]

EXTERNAL = [("5551234", "CUSTOMER"), ("4930123456", "ACME GMBH"), ("4401632960", ""),
            ("12025550143", "CONTOSO LTD"), ("5558734", "")]

TECH_DIAL = {"pjsip": "PJSIP", "sip": "SIP", "iax2": "IAX2", "dahdi": "DAHDI"}

RECORDING_KEYS = ("inbound_external", "inbound_internal", "outbound_external",
                  "outbound_internal")


def secret(rng, n=12):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def dial_string(tech, number):
    return "%s/%s" % (TECH_DIAL[tech], number) if tech in TECH_DIAL else ""


def make_extension(rng, number, name, tech, voicemail, outbound_cid):
    """A full extension as GET /pbxapi/extensions/<ext> shows it (every leaf a string)."""
    virtual = tech == "virtual"
    return {
        "extension": number, "name": name, "dial": dial_string(tech, number),
        "secret": "" if virtual else secret(rng),
        "context": "" if virtual else "from-internal", "tech": tech,
        "callerid_override": {"emergency": "", "outbound": outbound_cid, "internal": ""},
        "sip_alias": "",
        "voicemail": {"enabled": "yes" if voicemail else "no"},
        "destination": {"callerid_prefix_no_answer": "", "callerid_prefix_busy": "",
                        "callerid_prefix_unavailable": "", "no_answer": "", "busy": "",
                        "unavailable": ""},
        "extension_options": {"ring_time": "0", "pinless_dialing": "no", "call_waiting": "yes",
                              "internal_auto_answer": "no", "call_forward_ring_time": "0",
                              "outbound_concurrency_limit": "0", "queue_state_detection": "yes",
                              "dial_options": "", "call_screening": "0"},
        "followme": {"enabled": "no", "ring_time": "30", "initial_ring_time": "0",
                     "extension_list": [number]},
        "device_options": {"dtmf_mode": "rfc2833", "trust_rpid": "yes", "send_rpid": "no",
                           "nat": "yes", "qualify_frequency": "60",
                           "transport": "transport-udp", "account": number,
                           "callerid": "device <%s>" % number},
        "dictation": {"enabled": "no"},
        "language": "",
        "recording": dict({k: "dontcare" for k in RECORDING_KEYS}, ondemand="no",
                          priority="10"),
    }


def make_ringgroup(number, description, strategy, ring_time, members):
    """A full ring group as GET /pbxapi/ringgroups/<ext> shows it."""
    return {
        "strategy": strategy, "recording": "dontcare", "id": number, "name": description,
        "extension": number, "ring_time": str(ring_time), "cid_name_prefix": "",
        "extension_list": list(members), "announce_id": "0",
        "destination_if_no_answer": "app-blackhole,hangup,1", "alert_info": "",
        "remote_announce_id": "0", "confirm_calls": "no", "too_late_announce_id": "0",
        "music_on_hold_ringing": "Ring", "skip_busy_agent": "no",
        "ignore_call_forward_settings": "no", "enable_call_pickup": "no",
        "change_callerid": "default", "fixed_callerid": "",
    }


def seed_extensions(rng):
    return {num: make_extension(rng, num, name, tech, vm, cid)
            for num, name, tech, vm, cid in EXTENSIONS}


def bulk_extension(number):
    """A lean extension for large offices (the `extensions=N` option, make bench): only what
    the list shows, with a short secret, so that 100k of them stay under pbxtop's 16 MiB body
    cap. The full detail shape would cost the simulator ~3 KB of memory per extension."""
    tech = ("pjsip", "sip", "pjsip", "iax2")[int(number) % 4]
    return {"extension": number, "name": "U" + number, "dial": dial_string(tech, number),
            "secret": "s%05d" % (int(number) % 100000), "context": "from-internal",
            "tech": tech, "voicemail": {"enabled": "no"}}


def seed_ringgroups():
    return {num: make_ringgroup(num, desc, strat, rt, members)
            for num, desc, strat, rt, members in RINGGROUPS}


def make_member(queue, number, name, penalty, reason, rng, now):
    """A QueueMember event (Asterisk 18 field set); paused when reason is not None."""
    paused = reason is not None
    return {
        "Event": "QueueMember", "Queue": queue, "Name": name,
        "Location": "Local/%s@from-queue/n" % number,
        "StateInterface": "hint:%s@ext-local" % number,
        "Membership": "static" if penalty == 0 else "dynamic", "Penalty": str(penalty),
        "CallsTaken": str(rng.randint(0, 12)), "LastCall": str(int(now) - rng.randint(60, 3600)),
        "LastPause": str(int(now) - rng.randint(60, 900)) if paused else "0",
        "LoginTime": str(int(now) - 8 * 3600), "InCall": "0", "Status": "1",
        "Paused": "1" if paused else "0", "PausedReason": reason or "",
        "Wrapuptime": "0",
    }


def seed_queues(rng, now):
    """(queue params without Calls, members) for the office's queues."""
    names = {num: name for num, name, _, _, _ in EXTENSIONS}
    params, members = [], []
    for queue, strategy, completed, abandoned, hold, talk, mems in QUEUES:
        params.append({"Event": "QueueParams", "Queue": queue, "Max": "0",
                       "Strategy": strategy, "Calls": "0", "Holdtime": str(hold),
                       "TalkTime": str(talk), "Completed": str(completed),
                       "Abandoned": str(abandoned), "ServiceLevel": "60",
                       "ServicelevelPerf": "77.8", "ServicelevelPerf2": "63.6", "Weight": "0"})
        for number, penalty, reason in mems:
            members.append(make_member(queue, number, names[number], penalty, reason, rng, now))
    return params, members


class ChannelFactory:
    """Live calls as AMI Status events; each call is one or two channels."""

    def __init__(self, rng):
        self.rng = rng
        self.seq = 0x20

    def _name(self, tech, peer):
        self.seq += 1
        return "%s/%s-%08x" % (tech, peer, self.seq)

    def _event(self, channel, state, num, name, cnum, cname, context, exten, app, data,
               start, linked=None):
        self.seq += 1
        uid = "%d.%d" % (int(start), self.seq)
        return {
            "Event": "Status", "Privilege": "Call", "Channel": channel,
            "ChannelState": "6" if state == "Up" else "5" if state == "Ringing" else "4",
            "ChannelStateDesc": state, "CallerIDNum": num, "CallerIDName": name,
            "ConnectedLineNum": cnum, "ConnectedLineName": cname, "Language": "en",
            "AccountCode": "", "Context": context, "Exten": exten, "Priority": "1",
            "Uniqueid": uid, "Linkedid": linked or uid, "Type": channel.split("/")[0],
            "DNID": exten if exten.isdigit() else "", "EffectiveConnectedLineNum": cnum,
            "EffectiveConnectedLineName": cname, "TimeToHangup": "0", "BridgeID": "",
            "Application": app, "Data": data, "Nativeformats": "(ulaw)", "Readformat": "ulaw",
            "Readtrans": "", "Writeformat": "ulaw", "Writetrans": "", "Callgroup": "0",
            "Pickupgroup": "0", "Seconds": "0",
        }

    def call(self, kind, start, extensions):
        """[(event, start)] for one call of `kind`: internal, ringing, inbound_queue,
        outbound."""
        rng = self.rng
        a, b = rng.sample(extensions, 2)
        if kind == "inbound_queue":
            num, name = rng.choice(EXTERNAL)
            queue = rng.choice([q[0] for q in QUEUES])
            ev = self._event(self._name("SIP", "trunk"), "Up", num, name, "unknown", "unknown",
                             "ext-queues", queue, "Queue", queue + ",t,,,300", start)
            return [(ev, start)]
        if kind == "outbound":
            num, _ = rng.choice(EXTERNAL)
            caller = self._event(self._name(TECH_DIAL[a[2]], a[0]), "Up", a[0], a[1], num, "",
                                 "macro-dialout-trunk", "s", "Dial",
                                 "SIP/trunk/" + num + ",300,", start)
            callee = self._event(self._name("SIP", "trunk"), "Up", num, "", a[0], a[1],
                                 "from-trunk", num, "AppDial", "(Outgoing Line)", start,
                                 caller["Uniqueid"])
            return [(caller, start), (callee, start)]
        state = "Ringing" if kind == "ringing" else "Up"
        caller = self._event(self._name(TECH_DIAL[a[2]], a[0]), "Ring" if state == "Ringing"
                             else "Up", a[0], a[1], b[0], b[1], "macro-dial-one", "s", "Dial",
                             "%s,,HhtrIb(func-apply-sipheaders^s^1)" % dial_string(b[2], b[0]),
                             start)
        callee = self._event(self._name(TECH_DIAL[b[2]], b[0]), state, b[0], b[1], a[0], a[1],
                             "from-internal", b[0], "AppDial", "(Outgoing Line)", start,
                             caller["Uniqueid"])
        return [(caller, start), (callee, start)]


CALL_KINDS = ("internal", "internal", "ringing", "inbound_queue", "outbound")
DIALABLE = [e for e in EXTENSIONS if e[2] in TECH_DIAL]
