"""Issabel backend, writes through `pbxtop apply FILE.csv`: extensions and ring groups created,
updated and deleted; the exact JSON Content-Type; "reload":0 on every write but the last;
the comma-list bulk delete that stops at the first missing id; the extension PUT that would
create a record Issabel does not know; the server's own refusals. Queue members added, paused
(with a reason), unpaused and removed through the state-changing GETs of /pbxapi/manager, which
are live AMI state: no reload, nothing to apply; AMI's own words for gone members and refusals,
AMI unreachable, and the penalty change Issabel's manager API does not have."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from issabellib import (EXTENSIONS, QUEUESTATUS, apply_csv, calls, get, in_background,  # noqa
                        issabel_sim, line_for, pbx, wait_for_request, writes)

HEAD = "op,view,id,extension,name,tech,voicemail,secret,callerid,members,ring_time,strategy\n"


def body(req):
    return json.loads(req["body"])


def ext(state, number):
    return next((e for e in state["extensions"] if e["extension"] == number), None)


def group(state, number):
    return next((g for g in state["ringgroups"] if g["extension"] == number), None)


def assert_json_content_type(log):
    """Every write that carries a body says exactly application/json (Issabel compares the
    header as a string and otherwise reads a form)."""
    sent = [r for r in writes(log) if r["body"]]
    assert sent, "no write with a body was sent"
    for r in sent:
        assert r["headers"].get("content-type") == "application/json", r
        json.loads(r["body"])


def test_extensions_create_update_delete(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, HEAD +
                      "create,extensions,,250,New Hire,pjsip,true,S3cr-et!x,5551250,,,\n"
                      "update,extensions,201,,Alice J.,,false,,,,,\n"
                      "delete,extensions,209,,,,,,,,,\n")
        assert r.rc == 0, r
        assert line_for(r, "extensions create 250").endswith("ok: created"), r
        assert line_for(r, "extensions update 201").endswith("ok: updated"), r
        assert line_for(r, "extensions delete 209").endswith("ok: deleted"), r
        assert "S3cr-et!x" not in r.out + r.err, "the secret leaked: %r" % r
        state = sim.state("office")
        new = ext(state, "250")
        assert new and new["name"] == "New Hire" and new["tech"] == "pjsip", new
        assert new["voicemail"]["enabled"] == "yes" and new["secret"] == "S3cr-et!x", new
        assert new["callerid_override"]["outbound"] == "5551250", new
        assert ext(state, "201")["name"] == "Alice J.", ext(state, "201")
        assert ext(state, "201")["voicemail"]["enabled"] == "no"
        assert ext(state, "209") is None
        log = sim.requests("office", since=seq)
        assert_json_content_type(log)
        post = next(q for q in log if q["method"] == "POST" and q["path"] == EXTENSIONS[1])
        assert body(post) == {"extension": "250", "name": "New Hire", "tech": "pjsip",
                              "voicemail": {"enabled": "yes"}, "secret": "S3cr-et!x",
                              "callerid_override": {"outbound": "5551250"}, "reload": 0}, post
        # an update only sends what changes, after checking the extension exists (the PUT is
        # an upsert)
        put = next(q for q in log if q["method"] == "PUT")
        assert put["path"] == "/pbxapi/extensions/201", put
        assert body(put) == {"name": "Alice J.", "voicemail": {"enabled": "no"}, "reload": 0}
        names = calls(log)
        assert names.index(("GET", "/pbxapi/extensions/201")) < names.index(put_call(put))
        # the extension DELETE (last) always applies: Issabel applied once, at the end
        assert [a["path"] for a in state["applies"]] == ["/pbxapi/extensions/209"], state


def put_call(req):
    return (req["method"], req["path"])


def test_create_without_number_takes_the_location_id(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = apply_csv(sim, pbxtop, cfg, "op,view,name\ncreate,extensions,Lobby Phone\n")
        assert r.rc == 0, r
        # the simulator fills the gap after 209; pbxtop read the number from Location
        assert line_for(r, "create 210").endswith("ok: created"), r
        r = get(sim, pbxtop, cfg, "ext")
        assert [e["name"] for e in r.json if e["id"] == "210"] == ["Lobby Phone"], r


def test_ringgroups_create_update_delete(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, HEAD +
                      "create,ringgroups,,610,Night Shift,,,,,201;202;207,60,hunt\n"
                      "update,ringgroups,600,,,,,,,201;203,25,\n"
                      "delete,ringgroups,601,,,,,,,,,\n")
        assert r.rc == 0, r
        state = sim.state("office")
        g = group(state, "610")
        assert g and g["name"] == "Night Shift" and g["strategy"] == "hunt", g
        assert g["extension_list"] == ["201", "202", "207"] and g["ring_time"] == "60", g
        assert group(state, "600")["extension_list"] == ["201", "203"]
        assert group(state, "600")["ring_time"] == "25"
        assert group(state, "601") is None
        log = sim.requests("office", since=seq)
        assert_json_content_type(log)
        post = next(q for q in log if q["method"] == "POST" and q["path"] == "/pbxapi/ringgroups")
        assert body(post) == {"extension": "610", "name": "Night Shift",
                              "extension_list": ["201", "202", "207"], "ring_time": "60",
                              "strategy": "hunt", "reload": 0}, post
        delete = next(q for q in log if q["method"] == "DELETE")
        # a ring group DELETE needs a JSON body; the last write lets Issabel apply
        assert delete["path"] == "/pbxapi/ringgroups/601" and body(delete) == {}, delete
        assert [a["path"] for a in state["applies"]] == ["/pbxapi/ringgroups/601"], state
        r = get(sim, pbxtop, cfg, "rg")
        got = {g["id"]: g for g in r.json}
        assert got["610"]["members"] == ["201", "202", "207"] and got["610"]["ring_time"] == 60


def test_reload_held_back_until_the_last_write(pbxtop):
    with issabel_sim(apply_ms=300) as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,extension,name\n"
                      "create,extensions,260,A\ncreate,extensions,261,B\n"
                      "create,extensions,262,C\n")
        assert r.rc == 0, r
        posts = [q for q in sim.requests("office", since=seq) if q["method"] == "POST"
                 and q["path"] == EXTENSIONS[1]]
        assert len(posts) == 3, posts
        reloads = [body(q).get("reload", "absent") for q in posts]
        assert sorted(reloads, key=str) == [0, 0, "absent"], reloads
        # the one without reload:0 went out after the others: Issabel applied once, last
        assert "reload" not in body(posts[-1]), posts
        state = sim.state("office")
        assert len(state["applies"]) == 1, state["applies"]
        assert all(ext(state, n) for n in ("260", "261", "262"))


def test_bulk_delete_stops_at_missing_id(pbxtop):
    """Issabel deletes a comma list in order and stops at the first missing id with a 404:
    the ids before it are deleted, that one was already gone, the rest were not attempted
    (pbxtop sends them again)."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        path = "/pbxapi/extensions/201,202,203"
        sim.fault(backend="office", kind="delay", ms=1500, path="^%s$" % path, count=1)
        join = in_background(lambda: apply_csv(sim, pbxtop, cfg, "op,view,id\n"
                                               "delete,extensions,201\ndelete,extensions,202\n"
                                               "delete,extensions,203\n"))
        wait_for_request(sim, "DELETE", path, since=seq)
        sim.op("office", "remove_extension", extension="202")  # gone before the server gets to it
        r = join()
        assert r.rc == 0, r
        assert line_for(r, "delete 201").endswith("ok: deleted"), r
        assert "gone" in line_for(r, "delete 202"), r
        assert line_for(r, "delete 203").endswith("ok: deleted"), r
        log = [q for q in sim.requests("office", since=seq) if q["path"] != "/pbxapi/authenticate"]
        deletes = [q["path"] for q in log if q["method"] == "DELETE"]
        assert deletes == [path, "/pbxapi/extensions/203"], calls(log)
        state = sim.state("office")
        assert not any(ext(state, n) for n in ("201", "202", "203")), state["extensions"]
        # the stopped DELETE applied nothing; the second one applied everything
        assert [a["path"] for a in state["applies"]] == ["/pbxapi/extensions/203"], state


def test_bulk_delete_ringgroups_in_one_request(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id\ndelete,ringgroups,600\n"
                      "delete,ringgroups,601\n")
        assert r.rc == 0, r
        deletes = [q for q in sim.requests("office", since=seq) if q["method"] == "DELETE"]
        assert [q["path"] for q in deletes] == ["/pbxapi/ringgroups/600,601"], deletes
        assert body(deletes[0]) == {} and \
            deletes[0]["headers"]["content-type"] == "application/json", deletes
        state = sim.state("office")
        assert [g["extension"] for g in state["ringgroups"]] == ["602"]
        assert len(state["applies"]) == 1


def test_update_of_extension_gone_meanwhile_creates_nothing(pbxtop):
    """Issabel answers an unknown extension's detail with 200 and empty results (not 404),
    and its PUT is an upsert: pbxtop checks first and does not re-create the extension."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/extensions/205$",
                  method="GET", count=1)
        join = in_background(lambda: apply_csv(sim, pbxtop, cfg, "op,view,id,name\n"
                                               "update,extensions,205,Eve B.\n"))
        wait_for_request(sim, "GET", "/pbxapi/extensions/205", since=seq)
        sim.op("office", "remove_extension", extension="205")
        r = join()
        assert r.rc == 1, r
        assert "no extension 205 on Issabel" in line_for(r, "update 205"), r
        log = sim.requests("office", since=seq)
        assert not [q for q in log if q["method"] == "PUT"], calls(log)
        assert ext(sim.state("office"), "205") is None


def test_server_refusal_is_reported_with_its_words(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        # 600 is a ring group: Issabel checks numbers across every kind of record
        r = apply_csv(sim, pbxtop, cfg, "op,view,extension,name\ncreate,extensions,600,Clash\n")
        assert r.rc == 1, r
        line = line_for(r, "extensions create")
        assert "failed: Extension number already in use (HTTP 409)" in line, r


def test_ringgroup_update_of_missing_group(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/ringgroups/602$",
                  method="PUT", count=1)
        join = in_background(lambda: apply_csv(sim, pbxtop, cfg, "op,view,id,ring_time\n"
                                               "update,ringgroups,602,33\n"))
        wait_for_request(sim, "PUT", "/pbxapi/ringgroups/602", since=seq)
        sim.op("office", "remove_ringgroup", extension="602")
        r = join()
        assert r.rc == 1, r
        assert "Could not find a record to update (HTTP 404)" in line_for(r, "update 602"), r
        assert group(sim.state("office"), "602") is None     # no upsert for ring groups


def test_commit_applies_when_the_last_write_fails(pbxtop):
    """The last write carries the apply; when it fails, the changes saved with reload 0
    before it are applied by re-saving one of them."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,extension,name\n"
                      "create,extensions,270,Saved\ncreate,extensions,600,Clash\n")
        assert r.rc == 1, r
        assert ", committed" in r.err, r
        log = sim.requests("office", since=seq)
        puts = [q for q in log if q["method"] == "PUT"]
        assert [q["path"] for q in puts] == ["/pbxapi/extensions/270"], calls(log)
        assert body(puts[0]) == {} and puts[0]["headers"]["content-type"] == "application/json"
        state = sim.state("office")
        assert [a["path"] for a in state["applies"]] == ["/pbxapi/extensions/270"], state
        assert ext(state, "270")["name"] == "Saved"


def test_bad_values_refused_before_sending(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, HEAD +
                      "create,extensions,,280,X,skype,,,,,,\n"
                      "update,extensions,201,,,,,,12ab,,,\n"
                      "create,ringgroups,,611,Y,,,,,201,301,\n"
                      "create,ringgroups,,612,Z,,,,,201,20,random\n"
                      "create,ringgroups,,613,No members,,,,,,20,\n"
                      "update,extensions,201,999,,,,,,,,\n")
        assert r.rc in (1, 2), r   # pbxtop refuses the whole file (2) when a row is invalid
        assert len([l for l in r.out.splitlines() if "invalid" in l]) == 6, r
        assert writes(sim.requests("office", since=seq)) == []


def test_dry_run_sends_nothing(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        path = os.path.join(sim.dir, "dry.csv")
        with open(path, "w") as f:
            f.write("op,view,id,name\nupdate,extensions,201,Dry\ndelete,ringgroups,600,\n")
        r = pbx(sim, pbxtop, ["-c", cfg, "apply", path, "-b", "office", "--dry-run"])
        assert r.rc == 0, r
        assert writes(sim.requests("office", since=seq)) == []


# ---------------------------------------------------------------- queue members (/manager)

QM_HEAD = "op,view,id,queue,interface,name,penalty,paused,paused_reason\n"
MANAGER = "/pbxapi/manager/"


def member(state, queue, interface):
    return next((m for m in state["members"]
                 if m["Queue"] == queue and m["Location"] == interface), None)


def manager_calls(log):
    """(action, query) of every member action sent: state-changing GETs below /manager."""
    return [(q["path"][len(MANAGER):], q["query"]) for q in log
            if q["path"].startswith(MANAGER + "queue") and q["path"] != QUEUESTATUS[1]]


def assert_nothing_applied(sim, log):
    """Member actions are live AMI state: no configuration write, no reload, no apply."""
    assert writes(log) == [], calls(log)
    assert sim.state("office")["applies"] == [], sim.state("office")["applies"]


def test_member_add_pause_unpause_remove(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        iface = "Local/230@from-queue/n"           # an '@' inside the interface
        mid = iface + "@400"
        seq = sim.last_seq()
        # add: the values are percent-encoded ('&' and ' ' and 'ë' arrive intact)
        r = apply_csv(sim, pbxtop, cfg, QM_HEAD + "create,qm,,400,%s,Zoë & Co,3,false,\n" % iface)
        assert r.rc == 0, r
        assert line_for(r, "queuemembers create " + mid).endswith("ok: added to the queue"), r
        m = member(sim.state("office"), "400", iface)
        assert m and m["Name"] == "Zoë & Co" and m["Penalty"] == "3" and m["Paused"] == "0", m
        log = sim.requests("office", since=seq)
        assert manager_calls(log) == [("queueadd", {"queue": "400", "interface": iface,
                                                    "penalty": "3", "paused": "0",
                                                    "membername": "Zoë & Co"})], calls(log)
        # pause with a reason: both arrive at the simulator, and pbxtop reads them back
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, QM_HEAD + "update,qm,%s,,,,,true,coffee break\n" % mid)
        assert r.rc == 0, r
        assert line_for(r, "queuemembers update " + mid).endswith("ok: paused"), r
        # live at once: no commit step runs, and none is journaled
        assert "commit" not in r.err, r
        m = member(sim.state("office"), "400", iface)
        assert m["Paused"] == "1" and m["PausedReason"] == "coffee break", m
        log = sim.requests("office", since=seq)
        assert manager_calls(log) == [("queuepause", {"queue": "400", "interface": iface,
                                                      "reason": "coffee break"})], calls(log)
        got = {q["id"]: q for q in get(sim, pbxtop, cfg, "qm").json}
        assert got[mid]["paused"] is True and got[mid]["paused_reason"] == "coffee break", got
        # a new reason alone re-pauses with it
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id,paused_reason\nupdate,qm,%s,lunch\n" % mid)
        assert r.rc == 0, r
        assert member(sim.state("office"), "400", iface)["PausedReason"] == "lunch"
        assert [a for a, _ in manager_calls(sim.requests("office", since=seq))] == ["queuepause"]
        # unpause: Asterisk clears the reason
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id,paused\nupdate,qm,%s,false\n" % mid)
        assert r.rc == 0, r
        assert line_for(r, "queuemembers update " + mid).endswith("ok: unpaused"), r
        m = member(sim.state("office"), "400", iface)
        assert m["Paused"] == "0" and m["PausedReason"] == "", m
        assert manager_calls(sim.requests("office", since=seq)) == [
            ("queueunpause", {"queue": "400", "interface": iface})]
        # remove
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id\ndelete,qm,%s\n" % mid)
        assert r.rc == 0, r
        assert line_for(r, "queuemembers delete " + mid).endswith("ok: removed from the queue")
        assert member(sim.state("office"), "400", iface) is None
        log = sim.requests("office", since=seq)
        assert manager_calls(log) == [("queueremove", {"queue": "400", "interface": iface})]
        assert_nothing_applied(sim, sim.requests("office"))


def test_member_create_paused_with_reason_takes_two_calls(pbxtop):
    """queueadd takes no pause reason: pbxtop adds the member paused, then pauses it again
    with the reason."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, QM_HEAD + "create,qm,,401,PJSIP/231,,,true,training\n")
        assert r.rc == 0, r
        assert line_for(r, "create PJSIP/231@401").endswith("ok: added to the queue and paused")
        m = member(sim.state("office"), "401", "PJSIP/231")
        assert m["Paused"] == "1" and m["PausedReason"] == "training", m
        assert manager_calls(sim.requests("office", since=seq)) == [
            ("queueadd", {"queue": "401", "interface": "PJSIP/231", "paused": "1"}),
            ("queuepause", {"queue": "401", "interface": "PJSIP/231", "reason": "training"})]
        # a reason without pausing cannot be had: refused, nothing sent
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, QM_HEAD + "create,qm,,401,PJSIP/232,,,,training\n")
        assert r.rc == 1, r
        assert "refused: a pause reason goes with paused=true" in line_for(r, "create PJSIP/232@401"), r
        assert manager_calls(sim.requests("office", since=seq)) == []


def test_member_deletes_in_a_row_are_one_call_each(pbxtop):
    """Consecutive deletes reach the adapter as one group; queueremove takes one member."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id\ndelete,qm,Local/202@from-queue/n@400\n"
                      "delete,qm,Local/207@from-queue/n@401\n")
        assert r.rc == 0, r
        log = sim.requests("office", since=seq)
        assert sorted(q["interface"] for a, q in manager_calls(log) if a == "queueremove") == \
            ["Local/202@from-queue/n", "Local/207@from-queue/n"], calls(log)
        state = sim.state("office")
        assert member(state, "400", "Local/202@from-queue/n") is None
        assert member(state, "401", "Local/207@from-queue/n") is None
        assert_nothing_applied(sim, log)


def test_member_gone_meanwhile(pbxtop):
    """A member removed after pbxtop re-read the queues (another operator): Asterisk's "Not
    there" on remove and "Interface not found" on pause mean already gone."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/manager/queueremove$",
                  count=1)
        join = in_background(lambda: apply_csv(
            sim, pbxtop, cfg, "op,view,id,paused\ndelete,qm,Local/202@from-queue/n@400,\n"
            "update,qm,Local/207@from-queue/n@401,true\n"))
        wait_for_request(sim, "GET", "/pbxapi/manager/queueremove", since=seq)
        sim.op("office", "remove_member", queue="400", interface="Local/202@from-queue/n")
        sim.op("office", "remove_member", queue="401", interface="Local/207@from-queue/n")
        r = join()
        assert r.rc == 0, r
        assert "gone" in line_for(r, "delete Local/202@from-queue/n@400"), r
        assert "gone" in line_for(r, "update Local/207@from-queue/n@401"), r
        assert "2 already gone" in r.err, r
        log = sim.requests("office", since=seq)
        assert [a for a, _ in manager_calls(log)] == ["queueremove", "queuepause"], calls(log)


def test_member_remove_of_static_member_fails_with_amis_words(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id\ndelete,qm,Local/201@from-queue/n@400\n")
        assert r.rc == 1, r
        assert "failed: Unable to remove interface: Not dynamic" in \
            line_for(r, "delete Local/201@from-queue/n@400"), r
        assert member(sim.state("office"), "400", "Local/201@from-queue/n")


def test_member_ami_unreachable_fails_with_the_reason(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/manager/queueadd$",
                  count=1)
        join = in_background(lambda: apply_csv(sim, pbxtop, cfg, QM_HEAD +
                                               "create,qm,,400,PJSIP/240,,,,\n"))
        wait_for_request(sim, "GET", "/pbxapi/manager/queueadd", since=seq)
        sim.op("office", "set_ami", up=False)   # Asterisk goes away while Issabel gets to it
        r = join()
        assert r.rc == 1, r
        line = line_for(r, "create PJSIP/240@400")
        assert "failed: Issabel could not talk to Asterisk (Could not connect to AMI)" in line, r
        sim.op("office", "set_ami", up=True)
        assert member(sim.state("office"), "400", "PJSIP/240") is None


def test_member_penalty_update_refused_before_sending(pbxtop):
    """Issabel's manager API has no penalty change: the schema refuses it (exit 2)."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id,penalty,paused\n"
                      "update,qm,Local/207@from-queue/n@401,,true\n"
                      "update,qm,Local/202@from-queue/n@400,5,\n")
        assert r.rc == 2, r
        assert "invalid: penalty: can only be set when the record is created" in \
            line_for(r, "update Local/202@from-queue/n@400"), r
        assert "nothing was sent" in r.err, r
        log = sim.requests("office", since=seq)
        assert manager_calls(log) == [] and writes(log) == [], calls(log)
        assert member(sim.state("office"), "400", "Local/202@from-queue/n")["Penalty"] == "1"
        # an id that is no interface@queue is refused too
        r = apply_csv(sim, pbxtop, cfg, "op,view,id,paused\nupdate,qm,PJSIP/201,true\n")
        assert r.rc == 2 and "interface@queue" in r.out, r
        assert manager_calls(sim.requests("office", since=seq)) == []


def test_member_changes_leave_the_reload_alone(pbxtop):
    """A member change as the batch's last item carries no apply: the extension saved with
    "reload":0 before it is applied by the commit step, once."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply_csv(sim, pbxtop, cfg, "op,view,id,extension,name,paused\n"
                      "create,extensions,,251,Agent,\n"
                      "update,qm,Local/207@from-queue/n@401,,,true\n")
        assert r.rc == 0, r
        log = sim.requests("office", since=seq)
        post = next(q for q in log if q["method"] == "POST" and q["path"] == EXTENSIONS[1])
        assert body(post)["reload"] == 0, post
        assert [a for a, _ in manager_calls(log)] == ["queuepause"], calls(log)
        puts = [q for q in log if q["method"] == "PUT"]
        assert [q["path"] for q in puts] == ["/pbxapi/extensions/251"], calls(log)
        assert [a["path"] for a in sim.state("office")["applies"]] == ["/pbxapi/extensions/251"]


def test_member_action_with_expired_token_is_renewed_and_sent_once_more(pbxtop):
    """The manager GETs take the same JWT path as every call: HTTP 200 {"status":"expired"}
    renews the token, and the pause goes out again and lands once."""
    with issabel_sim(token_ttl=1) as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/manager/queuepause$",
                  count=1)
        r = apply_csv(sim, pbxtop, cfg, "op,view,id,paused,paused_reason\n"
                      "update,qm,Local/207@from-queue/n@401,true,meeting\n")
        assert r.rc == 0, r
        log = sim.requests("office", since=seq)
        names = calls(log)
        pauses = [i for i, c in enumerate(names) if c == ("GET", MANAGER + "queuepause")]
        assert len(pauses) == 2, names
        assert ("GET", "/pbxapi/authenticate/renewtoken") in names[pauses[0]:pauses[1]], names
        m = member(sim.state("office"), "401", "Local/207@from-queue/n")
        assert m["Paused"] == "1" and m["PausedReason"] == "meeting", m
        assert sim.state("office")["renewals"] >= 1
