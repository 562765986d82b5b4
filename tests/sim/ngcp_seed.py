"""Seed data for the ngcp dialect: one cloud-PBX customer (a pilot, N extensions, a few hunt
groups with callers waiting) and one plain SIP account, as in shared/fixtures/ngcp/.

Everything is drawn from the rng the dialect passes in, so one --seed gives one office.
"""

import time
import uuid

PBX_CUSTOMER, SIP_CUSTOMER = 7, 9
PBX_DOMAIN_ID, SIP_DOMAIN_ID = 3, 4
DOMAINS = {PBX_DOMAIN_ID: "pbx.example.org", SIP_DOMAIN_ID: "voip.example.org"}
PILOT_ID = 41
PILOT_NUMBER = ("43", "1", "999010")          # cc, ac, sn of the pilot; extensions append
EXT_RANGE = ("100", "299")
FIRST_EXTENSION = 101
HUNT_POLICIES = ("serial", "parallel", "random", "circular")
CANCEL_MODES = ("cancel", "bye")

NAMES = ["Alice Example", "Bob Builder", "Carol Jones", "Dave Miller", "Erin Novak",
         "Frank Huber", "Grace Wagner", "Heidi Bauer", "Ivan Gruber", "Judy Steiner",
         "Karl Moser", "Lena Hofer", "Mario Pichler", "Nina Eder", "Otto Fuchs",
         "Paula Winkler", "Quentin Auer", "Rosa Schmid", "Stefan Berger", "Tanja Wolf",
         "Uwe Lang", "Vera Koller", "Walter Brunner", "Xenia Lehner", "Yusuf Haas",
         "Zoe Graf"]
# (extension when the extensions leave room, display name, policy, timeout, first member
# index, member count)
GROUPS = [("200", "Sales Hunt Group", "serial", 20, 0, 3),
          ("201", "Support", "parallel", 30, 2, 4),
          ("202", "Night Service", "circular", None, 5, 1),
          ("203", "Accounting", "random", 15, 1, 2)]
EXTERNAL_CALLERS = ["+436641234567", "+4319876543", "+4369912345678", "+491701234567",
                    "+441632960451", "+33140001234"]


def rfc3339(t):
    """Subscriber timestamps: RFC 3339 with the offset, floating local time shown as UTC."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


def seeded_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def sip_password(rng, n=14):
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(rng.choice(alphabet) for _ in range(n))


def username_for(name, taken):
    base = name.split()[0].lower()
    user, n = base, 2
    while user in taken:
        user = "%s%d" % (base, n)
        n += 1
    taken.add(user)
    return user


def new_subscriber(rng, sid, customer_id, domain_id, username, now, **over):
    """A subscriber as the simulator stores it: every field of the API representation,
    PBX fields included (the representation drops what does not apply)."""
    sub = {
        "id": sid, "uuid": seeded_uuid(rng), "customer_id": customer_id,
        "domain_id": domain_id, "domain": DOMAINS[domain_id], "username": username,
        "password": sip_password(rng), "webusername": None, "webpassword": None,
        "display_name": None, "email": None, "timezone": None, "external_id": None,
        "status": "active", "lock": None, "administrative": False,
        "primary_number": None, "alias_numbers": [], "profile_id": None,
        "profile_set_id": None, "create_timestamp": rfc3339(now),
        "modify_timestamp": rfc3339(now), "is_pbx_pilot": False, "is_pbx_group": False,
        "pbx_extension": None, "pbx_groupmember_ids": [], "pbx_hunt_policy": "serial",
        "pbx_hunt_timeout": None, "pbx_hunt_cancel_mode": "cancel",
    }
    sub.update(over)
    return sub


class Numbers:
    """number_id allocation for primary and alias numbers."""

    def __init__(self, first=87):
        self.next_id = first

    def make(self, cc, ac, sn):
        number = {"cc": cc, "ac": ac, "sn": sn, "number_id": self.next_id}
        self.next_id += 1
        return number


def seed_office(rng, now, n_extensions, n_groups):
    """(subscribers by id, next free id, Numbers): the pilot, the extensions, the groups and
    one plain SIP account, created in that order over the last weeks."""
    numbers = Numbers()
    subs = {}
    t = now - 30 * 86400
    pilot = new_subscriber(
        rng, PILOT_ID, PBX_CUSTOMER, PBX_DOMAIN_ID, "acme_pilot", t,
        display_name="Acme Reception", email="it@acme.example", webusername="acme_pilot",
        administrative=True, is_pbx_pilot=True, primary_number=numbers.make(*PILOT_NUMBER))
    subs[PILOT_ID] = pilot
    sid = PILOT_ID + 1
    taken = {"acme_pilot"}
    ext_ids = []
    for i in range(n_extensions):
        t += rng.uniform(600, 7200)
        ext = str(FIRST_EXTENSION + i)
        name = NAMES[i] if i < len(NAMES) else "User %s" % ext
        user = username_for(name, taken) if i < len(NAMES) else "ext%s" % ext
        cc, ac, sn = PILOT_NUMBER
        sub = new_subscriber(rng, sid, PBX_CUSTOMER, PBX_DOMAIN_ID, user, t,
                             display_name=name, webusername=user, pbx_extension=ext,
                             primary_number=numbers.make(cc, ac, sn + ext))
        if i == 3:
            sub["status"] = "locked"        # one extension is locked
        if i == 1:
            sub["external_id"] = "crm-1001"
        subs[sid] = sub
        ext_ids.append(sid)
        sid += 1
    # Groups are 200 and up, or follow the extensions when those reach that far.
    first_group = max(200, FIRST_EXTENSION + n_extensions)
    for g in range(n_groups):
        t += rng.uniform(600, 7200)
        if g < len(GROUPS):
            _, name, policy, timeout, first, count = GROUPS[g]
        else:
            name, policy, timeout, first, count = (
                "Group %d" % (g + 1), rng.choice(HUNT_POLICIES), rng.choice((10, 20, 30)), g, 2)
        ext = str(first_group + g)
        members = [ext_ids[(first + k) % len(ext_ids)] for k in range(count)] if ext_ids else []
        cc, ac, sn = PILOT_NUMBER
        subs[sid] = new_subscriber(
            rng, sid, PBX_CUSTOMER, PBX_DOMAIN_ID, name.split()[0].lower() + "_grp", t,
            display_name=name, pbx_extension=ext, is_pbx_group=True,
            pbx_groupmember_ids=sorted(set(members)), pbx_hunt_policy=policy,
            pbx_hunt_timeout=timeout, primary_number=numbers.make(cc, ac, sn + ext))
        sid += 1
    t += rng.uniform(600, 7200)
    subs[sid] = new_subscriber(
        rng, sid, SIP_CUSTOMER, SIP_DOMAIN_ID, "4312345678", t, display_name="Front Desk",
        primary_number=numbers.make("43", "1", "2345678"))
    sid += 1
    return subs, sid, numbers


def seed_customers(now):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now - 31 * 86400))
    common = {"activate_timestamp": stamp, "add_vat": False, "billing_profile_definition": "id",
              "billing_profile_id": 1, "billing_profiles": [], "create_timestamp": stamp,
              "invoice_email_template_id": None, "invoice_template_id": None,
              "max_subscribers": None, "modify_timestamp": stamp,
              "passreset_email_template_id": None, "profile_package_id": None,
              "status": "active", "subscriber_email_template_id": None,
              "terminate_timestamp": None, "vat_rate": 0,
              "all_billing_profiles": [{"effective_start_time": stamp, "network_id": None,
                                        "profile_id": 1, "start": None, "stop": None}]}
    pbx = dict(common, id=PBX_CUSTOMER, contact_id=12, external_id="acme-001", type="pbxaccount")
    sip = dict(common, id=SIP_CUSTOMER, contact_id=13, external_id=None, type="sipaccount")
    return {PBX_CUSTOMER: pbx, SIP_CUSTOMER: sip}


def new_caller(rng, callee, start):
    """One waiting call: Redis keeps the start as a string of epoch seconds."""
    if rng.random() < 0.7:
        caller = "sip:%s@pbx.example.org" % rng.choice(EXTERNAL_CALLERS)
    else:
        caller = "sip:%d@pbx.example.org" % rng.randint(101, 110)
    call_id = "%x@198.51.100.%d" % (rng.getrandbits(56), rng.randint(2, 250))
    return {"call_id": call_id, "callee": callee, "caller": caller,
            "start_time": str(int(start))}
