"""Seed data for the sark dialect: a small office on a SARK V6 PBX (ten extensions, three ring
groups, two queues with members and agents) and a generator of live AMI channels.

Everything is drawn from the rng the dialect passes in, so one --seed gives one office. Row
shapes and value types follow shared/fixtures/sark/: database rows hold strings or null,
AMI events hold strings only.
"""

import string
import time
import zlib

# ipphone columns in the order SARK's API prints them (the model's hidden ones left out).
EXTENSION_COLUMNS = (
    "pkey", "active", "basemacaddr", "callerid", "callbackto", "cellphone", "celltwin",
    "cluster", "desc", "device", "devicemodel", "devicerec", "dvrvmail", "extalert",
    "firstseen", "lastseen", "location", "macaddr", "passwd", "protocol", "provision",
    "provisionwith", "sndcreds", "stealtime", "stolen", "technology", "transport", "vmailfwd",
    "z_created", "z_updated", "z_updater")
RINGGROUP_COLUMNS = (
    "pkey", "cluster", "desc", "devicerec", "dialparamshunt", "dialparamsring", "divert",
    "grouptype", "longdesc", "obeydnd", "out", "outcome", "pagegroup", "ringdelay",
    "speedalert", "z_created", "z_updated", "z_updater")
QUEUE_COLUMNS = ("pkey", "cluster", "conf", "devicerec", "greetnum", "options", "z_created",
                 "z_updated", "z_updater")
AGENT_COLUMNS = ("pkey", "cluster", "name", "passwd", "queue1", "queue2", "queue3", "queue4",
                 "queue5", "queue6", "z_created", "z_updated", "z_updater")

CLUSTERS = ("default",)
# MAC prefixes manuf.txt knows (the provisioned create looks the vendor up).
VENDORS = {"805ec0": "Yealink", "001565": "Yealink", "000413": "Snom", "0004f2": "Polycom",
           "0080f0": "Panasonic", "00085d": "Aastra"}

# (pkey, desc, device, model, mac, active, callerid, voicemail box)
EXTENSIONS = [
    ("1001", "Reception", "Yealink", "T46S", "805ec0a1b2c3", "YES", "1001", "1001"),
    ("1002", "Ext1002", "General SIP", None, None, "YES", None, None),
    ("1003", "Bob Smith", "Snom", "D785", "000413a1b2c4", "YES", "1003", "1003"),
    ("1004", "Carol White", "Yealink", "T54W", "001565c0ffee", "YES", "441632960104", "1004"),
    ("1005", "Dave Brown", "WebRTC", None, None, "YES", None, None),
    ("1006", "Eve Black", "Polycom", "VVX411", "0004f2a0b1c2", "YES", "1006", "1006"),
    ("1007", "Sales Desk", "General SIP", None, None, "YES", "441632960107", None),
    ("1008", "Warehouse", "General SIP", None, None, "NO", None, None),
    ("1009", "Lab: bench 2", "Panasonic", "KX-HDV130", "0080f0123456", "YES", None, None),
    ("1010", "MAILBOX", "MAILBOX", None, None, "YES", None, "1010"),
]

# (pkey, desc, longdesc, grouptype, out, outcome, ringdelay, obeydnd)
RINGGROUPS = [
    ("500", "Sales", "Sales hunt group", "Ring", "1001 1002 1003", "Operator", "20", "NO"),
    ("501", "Support", None, "Hunt", "1004 1005", "None", "30", "NO"),
    ("510", "Night", "Night service", "Alias", "1001", "Operator", "15", "YES"),
]

QUEUES = {
    "sales": ("ringall", "t"),
    "support": ("leastrecent", "tT"),
}
# (queue, name, location, state interface, membership, penalty, status, paused, reason)
MEMBERS = [
    ("sales", "Alice", "Local/1001@agents/n", "PJSIP/1001", "dynamic", "0", "1", "0", ""),
    ("sales", "Bob", "PJSIP/1003", "PJSIP/1003", "static", "1", "1", "1", "lunch"),
    ("support", "Bob", "PJSIP/1003", "PJSIP/1003", "static", "0", "1", "0", ""),
    ("support", "Carol", "PJSIP/1004", "PJSIP/1004", "static", "0", "1", "0", ""),
    ("support", "Dave", "PJSIP/1005", "PJSIP/1005", "dynamic", "2", "5", "1", "training"),
]
AGENTS = [("6001", "Alice", "4321", "sales", None), ("6002", "Bob", "5432", "sales", "support")]

EXTERNAL = [("447700900123", "unknown"), ("441632960451", "Mallory Mercer"),
            ("33140001234", "unknown"), ("12025550143", "Contoso Ltd"),
            ("4930123456", "ACME GmbH")]
QUEUE_DIDS = {"sales": "400", "support": "401"}

STATE_DESC = {"0": "Down", "4": "Ring", "5": "Ringing", "6": "Up"}
CHANNEL_KEYS = ("Event", "Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum",
                "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language",
                "AccountCode", "Context", "Exten", "Priority", "Uniqueid", "Linkedid",
                "BridgeId", "Application", "ApplicationData", "Duration")
INITIAL_KINDS = ("dial", "queue_wait", "ringing", "outbound", "local", "voicemail")
CHURN_KINDS = ("dial", "dial", "ringing", "outbound", "queue_wait", "local", "voicemail")


def stamp(t=None):
    """SARK's z_created / z_updated format."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t if t is not None else time.time()))


def secret(rng, n=12):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def sanctum_token(rng, token_id):
    """A Sanctum 4 plain-text token: "<id>|" + 40 random characters + their crc32b in hex."""
    rand = secret(rng, 40)
    return "%d|%s%08x" % (token_id, rand, zlib.crc32(rand.encode()) & 0xffffffff)


def provision_for(device, transport):
    if device in ("General SIP", "WebRTC", "MAILBOX"):
        return None
    return "#INCLUDE %s\n#INCLUDE %s.%s\n#INCLUDE %s.ipv4" % (
        device, device.lower(), transport, device.lower())


def make_extension(pkey, **fields):
    row = dict.fromkeys(EXTENSION_COLUMNS)
    row.update(pkey=pkey, active="YES", callbackto="desk", celltwin="OFF", cluster="default",
               desc="Ext" + pkey, device="General SIP", devicerec="default", location="local",
               protocol="IPV4", provisionwith="IP", sndcreds="Always", technology="SIP",
               transport="udp", z_created=stamp(), z_updated=stamp(), z_updater="system")
    row.update(fields)
    return row


def seed_extensions(rng, now):
    rows = []
    for pkey, desc, device, model, mac, active, callerid, vbox in EXTENSIONS:
        transport = "wss" if device == "WebRTC" else "udp"
        seen = stamp(now - rng.randint(3600, 40 * 86400)) if mac else None
        rows.append(make_extension(
            pkey, desc=desc, device=device, devicemodel=model, macaddr=mac, active=active,
            callerid=callerid, dvrvmail=vbox, passwd=secret(rng), transport=transport,
            provision=provision_for(device, transport), firstseen=seen, lastseen=seen,
            z_created=stamp(now - 60 * 86400), z_updated=stamp(now - 7 * 86400)))
    return rows


def make_ringgroup(pkey, **fields):
    row = dict.fromkeys(RINGGROUP_COLUMNS)
    row.update(pkey=pkey, cluster="default", devicerec="default", dialparamshunt="cIkt",
               dialparamsring="ciIkt", grouptype="Ring", obeydnd="NO", ringdelay="20",
               z_created=stamp(), z_updated=stamp(), z_updater="system")
    row.update(fields)
    return row


def seed_ringgroups(now):
    return [make_ringgroup(pkey, desc=desc, longdesc=longdesc, grouptype=gtype, out=out,
                           outcome=outcome, ringdelay=delay, obeydnd=dnd,
                           z_created=stamp(now - 50 * 86400), z_updated=stamp(now - 86400))
            for pkey, desc, longdesc, gtype, out, outcome, delay, dnd in RINGGROUPS]


def seed_queues(now):
    rows = []
    for name, (strategy, options) in QUEUES.items():
        conf = ("musiconhold=default\nstrategy=%s\ntimeout=300\nretry=5\nwrapuptime=0\n"
                "maxlen=0\nannounce-frequency=30\nannounce-holdtime=yes" % strategy)
        row = dict(zip(QUEUE_COLUMNS, (name, "default", conf, "None", "None", options,
                                       stamp(now - 50 * 86400), stamp(now - 50 * 86400),
                                       "system")))
        rows.append(row)
    return rows


def seed_queue_params(rng):
    params = {}
    for name, (strategy, _) in QUEUES.items():
        params[name] = {
            "Event": "QueueParams", "Queue": name, "Max": "0", "Strategy": strategy,
            "Calls": "0", "Holdtime": str(rng.randint(2, 40)),
            "TalkTime": str(rng.randint(60, 300)),
            "Completed": str(rng.randint(5, 60)), "Abandoned": str(rng.randint(0, 5)),
            "ServiceLevel": "0", "ServicelevelPerf": "0.0", "ServicelevelPerf2": "0.0",
            "Weight": "0"}
    return params


def seed_members(rng, now):
    out = []
    for queue, name, loc, iface, membership, penalty, status, paused, reason in MEMBERS:
        out.append({
            "Event": "QueueMember", "Queue": queue, "Name": name, "Location": loc,
            "StateInterface": iface, "Membership": membership, "Penalty": penalty,
            "CallsTaken": str(rng.randint(0, 20)),
            "LastCall": str(int(now) - rng.randint(60, 9000)),
            "LastPause": str(int(now) - 1800) if paused == "1" else "0",
            "LoginTime": str(int(now) - 4 * 3600), "InCall": "0", "Status": status,
            "Paused": paused, "PausedReason": reason, "Wrapuptime": "0"})
    return out


def seed_agents(now):
    rows = []
    for pkey, name, passwd, q1, q2 in AGENTS:
        row = dict.fromkeys(AGENT_COLUMNS, "None")
        row.update(pkey=pkey, cluster="default", name=name, passwd=passwd, queue1=q1,
                   queue2=q2 or "None", z_created=stamp(now - 50 * 86400),
                   z_updated=stamp(now - 50 * 86400), z_updater="system")
        rows.append(row)
    return rows


class ChannelFactory:
    """Makes the AMI CoreShowChannel events of one call (one or two channels, linked)."""

    def __init__(self, rng):
        self.rng = rng
        self.seq = 0x20 + rng.randint(0, 0x1f)

    def _next(self):
        self.seq += 1
        return self.seq

    def _chan(self, name, state, cid, conn, context, exten, app, data, uid, linked, bridge):
        ev = dict.fromkeys(CHANNEL_KEYS, "")
        ev.update(Event="CoreShowChannel", Channel=name, ChannelState=state,
                  ChannelStateDesc=STATE_DESC[state], CallerIDNum=cid[0], CallerIDName=cid[1],
                  ConnectedLineNum=conn[0], ConnectedLineName=conn[1], Language="en",
                  Context=context, Exten=exten, Priority="1", Uniqueid=uid, Linkedid=linked,
                  BridgeId=bridge, Application=app, ApplicationData=data)
        return ev

    def _ids(self, created):
        n = self._next()
        return "%d.%d" % (int(created), n), n

    def _bridge(self):
        return "%08x-%04x-4%03x-%04x-%012x" % (
            self.rng.getrandbits(32), self.rng.getrandbits(16), self.rng.getrandbits(12),
            0x8000 | self.rng.getrandbits(14), self.rng.getrandbits(48))

    def new_call(self, kind, created, exts):
        """The channels of one call of `kind` that started at `created`: [(event, start)]."""
        rng = self.rng
        a, b = rng.sample(exts, 2)
        uid, n = self._ids(created)
        bridge = self._bridge()
        if kind == "dial" or kind == "ringing":
            up = kind == "dial"
            uid2, n2 = self._ids(created)
            first = self._chan("PJSIP/%s-%08x" % (a[0], n), "6" if up else "4", a, b,
                               "internal", b[0], "Dial", "PJSIP/%s,20,tT" % b[0], uid, uid,
                               bridge if up else "")
            second = self._chan("PJSIP/%s-%08x" % (b[0], n2), "6" if up else "5", b, a,
                                "internal", "", "AppDial", "(Outgoing Line)", uid2, uid,
                                bridge if up else "")
            return [first, second]
        if kind == "outbound":
            ext = rng.choice(EXTERNAL)
            uid2, n2 = self._ids(created)
            first = self._chan("PJSIP/%s-%08x" % (a[0], n), "6", a, (ext[0], ""), "internal",
                               "9" + ext[0], "Dial", "PJSIP/%s@trunk1,60" % ext[0], uid, uid,
                               bridge)
            second = self._chan("PJSIP/trunk1-%08x" % n2, "6", (ext[0], ""), a, "from-internal",
                                "", "AppDial", "(Outgoing Line)", uid2, uid, bridge)
            return [first, second]
        if kind == "queue_wait":
            ext = rng.choice(EXTERNAL)
            queue = rng.choice(sorted(QUEUES))
            return [self._chan("PJSIP/trunk1-%08x" % n, "6", ext, ("", ""), "from-trunk",
                               QUEUE_DIDS[queue], "Queue", "%s,t" % queue, uid, uid, "")]
        if kind == "local":
            # A queue call answered through a Local channel: '@' and ';' in the names.
            ext = rng.choice(EXTERNAL)
            uid2, n2 = self._ids(created)
            uid3, _ = self._ids(created)
            trunk = self._chan("PJSIP/trunk1-%08x" % n, "6", ext, a, "from-trunk", "400",
                               "Queue", "sales,t", uid, uid, bridge)
            half1 = self._chan("Local/%s@agents-%08x;1" % (a[0], n2), "6", a, ext, "agents",
                               a[0], "AppQueue", "(Outgoing Line)", uid2, uid, bridge)
            half2 = self._chan("Local/%s@agents-%08x;2" % (a[0], n2), "6", a, ext, "agents",
                               a[0], "Dial", "PJSIP/%s,,t" % a[0], uid3, uid, "")
            return [trunk, half1, half2]
        # voicemail
        return [self._chan("PJSIP/%s-%08x" % (a[0], n), "6", a, ("", ""), "internal", "*97",
                           "VoiceMailMain", "%s@default" % a[0], uid, uid, "")]

    def age_for(self, kind):
        if kind == "ringing":
            return self.rng.uniform(1, 15)
        if kind == "queue_wait":
            return self.rng.uniform(5, 120)
        return self.rng.uniform(20, 900)
