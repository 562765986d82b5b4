"""The console on every backend type: the channels view shows live calls where the backend
has a channel API, and says in one line that it has none where it does not (never an empty
table that looks like "no calls")."""

import shlex

from tuikit import Sim, Tmux, header, pane_env, row_names

# (type, simulator options, text that must show)
TYPES = [
    ("jade", {}, None),
    ("issabel", {}, None),
    ("sark", {"variant": "L7"}, None),
    ("ngcp", {}, "no live channel"),
    ("dsiprouter", {}, "channel"),
]


def test_channels_view_on_every_backend_type(pbxtop):
    sim = Sim([("%s-lab" % t, t, o) for t, o, _ in TYPES])
    try:
        sim.start()
        cfg = sim.write_config(extra={"%s-lab" % t: "timeout = 10\n" for t, _, _ in TYPES})
        for typ, _, why in TYPES:
            name = "%s-lab" % typ
            t = Tmux("%s -c %s -b %s" % (shlex.quote(pbxtop), shlex.quote(cfg), name),
                     env=pane_env())
            try:
                s = t.wait_for(lambda s: name in header(s), 10)
                if why is None:
                    # live calls from the simulator, one row each (SARK answers in 3 s)
                    s = t.wait_for(lambda s: len(row_names(s)) > 0, 15)
                    assert "calls" in header(s), s
                else:
                    s = t.wait_for(why, 10)
                    assert not row_names(s), ("an empty table instead of the reason", s)
                t.send("q")
                assert t.exit_code() == 0
            finally:
                t.kill()
    finally:
        sim.cleanup()
