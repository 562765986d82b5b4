"""Seed data for the dsiprouter dialect: a dSIPRouter in front of two FusionPBX servers
(three tenant domains, twelve extensions) and one carrier trunk pool.

Everything is drawn from the rng the dialect passes in, so one --seed gives one
installation.  Shapes and value types follow shared/fixtures/dsiprouter/: FusionPBX text
columns (enabled "true"/"false"), nulls where FusionPBX leaves a column empty.
"""

import uuid

# (gwgroupid, name, FusionPBX enabled, endpoint hosts)
GROUPS = [
    (12, "Acme FusionPBX", True, [("203.0.113.20", 5060, "FusionPBX Server")]),
    (14, "Carrier trunks", False, [("198.51.100.7", 5060, "carrier-a"),
                                   ("198.51.100.8", 5060, "carrier-b")]),
    (15, "Initech FusionPBX", True, [("203.0.113.40", 5060, "FusionPBX Server")]),
]

# (config_id, domain name, enabled, description, [(extension, caller name, enabled)])
DOMAINS = [
    (12, "acme.pbx.example.com", "true", "Acme Corp", [
        ("101", "Alice", True), ("102", "Bob", True), ("103", "Carol", True),
        ("104", "Dave", True), ("105", "Erin", True), ("106", "Frank", False),
        ("107", "Grace", True), ("108", None, True)]),
    (12, "branch.acme.example.com", "false", "", [
        ("201", "Branch Desk", True), ("202", "Branch Lab", True)]),
    (15, "initech.pbx.example.com", "true", "Initech", [
        ("3001", "Peter", True), ("3002", "Milton", True)]),
]

ACCOUNT = {"acme.pbx.example.com": "acme", "branch.acme.example.com": "acme",
           "initech.pbx.example.com": "initech"}
PREFIX = {"acme.pbx.example.com": "+1313555", "branch.acme.example.com": "+1313556",
          "initech.pbx.example.com": "+1512555"}


def seeded_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def password(rng, n=12):
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#%"
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_group(gwgroupid, name, fusion, hosts, rng, next_gwid):
    endpoints = []
    for host, port, desc in hosts:
        endpoints.append({"gwid": next_gwid + len(endpoints), "host": host, "port": port,
                          "signalling": "proxy", "media": "proxy", "description": desc,
                          "rweight": 1, "keepalive": 1, "maintmode": ""})
    group = {"gwgroupid": gwgroupid, "name": name,
             "call_settings": {"limit": 20, "timeout": 3600},
             "auth": {"type": "ip"}, "did_override": "", "endpoints": endpoints,
             "strip": 0, "prefix": "", "notifications": {}, "cdr": {},
             "fusionpbx": {}}
    if fusion:
        group["fusionpbx"] = {"enabled": "1", "dbhost": hosts[0][0], "dbuser": "fusionpbx",
                              "dbpass": password(rng)}
    return group


def make_domain(rng, config_id, name, enabled="true", description=""):
    return {"config_id": config_id, "domain_uuid": seeded_uuid(rng), "name": name,
            "enabled": enabled, "description": description}


def make_extension(rng, domain, number, caller_name, enabled, extra=None):
    """A v_extensions row plus its v_voicemails box, as the simulator keeps them."""
    name = domain["name"]
    ext = {
        "config_id": domain["config_id"], "domain_uuid": domain["domain_uuid"],
        "extensions_id": seeded_uuid(rng), "extension": number, "user_context": name,
        "password": password(rng), "enabled": "true" if enabled else "false",
        "account_code": ACCOUNT.get(name, name), "call_timeout": 30,
        "outbound_caller_name": caller_name,
        "outbound_caller_number": PREFIX.get(name, "+1555000") + number[-4:].rjust(4, "0"),
        "vm_enabled": True, "vm_password": rng.randint(1000, 9999),
        "vm_notify_email": "",
    }
    if caller_name is None:          # as in the fixture: FusionPBX leaves them null
        ext.update(outbound_caller_number=None, account_code=None, call_timeout=None)
    if extra:
        ext.update(extra)
    return ext


def seed(rng):
    """(groups, domains, extensions) of a fresh installation."""
    groups, gwid = [], 31
    for gid, name, fusion, hosts in GROUPS:
        groups.append(make_group(gid, name, fusion, hosts, rng, gwid))
        gwid += 10
    domains, extensions = [], []
    for cid, name, enabled, desc, exts in DOMAINS:
        dom = make_domain(rng, cid, name, enabled, desc)
        domains.append(dom)
        for number, caller, on in exts:
            extensions.append(make_extension(rng, dom, number, caller, on))
    return groups, domains, extensions


def kamailio_stats(rng):
    total = rng.randint(12000, 16000)
    current = rng.randint(1, 6)
    return {"2xx": total - 2000, "3xx": 0, "4xx": 1893, "5xx": 57, "6xx": 2,
            "created": total, "current": current, "delayed_free": 0,
            "freed": total - current, "rpl_generated": 4021, "rpl_received": 30112,
            "rpl_sent": 33990, "total": total, "total_local": 211, "waiting": 0}
