"""The console and the keyring (DESIGN.md §5, issue 5): the passphrase asked at start in a
masked field, "unlocking..." while the KDF runs, wrong passphrases, Esc and Ctrl-C; the idle
lock, the LOCKED badge, and a change after it that asks again (and runs only after the right
passphrase)."""

import contextlib
import os
import shlex
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (BACKEND, Sim, Tmux, assert_no_delete, channel_deletes,  # noqa: E402
                    delete_path, dialog_box, header, move_cursor_to, pane_env, pbxtop_pid,
                    release_binary, row_names, status, uid_of)
from pylib.harness import PASSPHRASE  # noqa: E402


@contextlib.contextmanager
def typed(pbxtop, global_extra="", binary=None):
    """A jade simulator and pbxtop in a pane, with no PBXTOP_PASSPHRASE_FD: the passphrase
    is typed. binary: the binary whose keyring format to prepare (the release one gets the
    real, slow KDF)."""
    sim = Sim([(BACKEND, "jade", {})])
    t = None
    try:
        sim.start()
        cfg = sim.write_config(global_extra=global_extra)
        cmd = "%s -c %s" % (shlex.quote(binary or pbxtop), shlex.quote(cfg))
        t = Tmux(cmd, env=pane_env(), keyring=False)
        yield sim, t
    finally:
        if t:
            t.kill()
        sim.cleanup()


def unlock_dialog(screen):
    return "Unlock the keyring" in screen and "Passphrase:" in screen


def test_start_prompt_is_masked_and_retries(pbxtop):
    with typed(pbxtop) as (sim, t):
        t.wait_for(unlock_dialog, 10)
        t.send_literal("not-the-passphrase")
        s = t.screen()
        assert "not-the-passphrase" not in s, s
        assert "*" * len("not-the-passphrase") in s, s
        t.send("Enter")
        s = t.wait_for("Wrong passphrase", 10)
        assert "not-the-passphrase" not in s, s
        t.send_literal(PASSPHRASE)
        assert PASSPHRASE not in t.screen()
        t.send("Enter")
        s = t.wait_for(lambda s: "pbxtop · office (jade)" in header(s) and row_names(s), 10)
        assert PASSPHRASE not in s
        t.send("q")
        assert t.exit_code() == 0


def test_start_prompt_shows_unlocking(pbxtop):
    """With the real KDF (a keyring made as the release binary makes it), the screen says
    "unlocking..." while the key is derived, then shows the table."""
    with typed(pbxtop, binary=release_binary(pbxtop)) as (sim, t):
        t.wait_for(unlock_dialog, 10)
        t.send_literal(PASSPHRASE)
        t.send("Enter")
        t.wait_for("unlocking the keyring", 10)
        t.wait_for(lambda s: row_names(s), 30)
        t.send("q")
        assert t.exit_code() == 0


def test_three_wrong_passphrases_exit_4(pbxtop):
    with typed(pbxtop) as (sim, t):
        for i in range(3):
            t.wait_for(unlock_dialog, 10)
            t.send_literal("wrong %d" % i)
            t.send("Enter")
            if i < 2:
                t.wait_for("try again (%d of 3)" % (i + 2), 10)
        assert t.exit_code(15) == 4
        s = t.screen()
        assert "wrong passphrase (3 tries)" in s, s
        assert not sim.requests(), "nothing may be polled before the keyring opens"


def test_start_prompt_esc_and_ctrl_c_quit(pbxtop):
    with typed(pbxtop) as (sim, t):
        t.wait_for(unlock_dialog, 10)
        t.send("Escape")
        assert t.exit_code() == 4
        assert "the keyring stays locked" in t.screen()
    with typed(pbxtop) as (sim, t):
        t.wait_for(unlock_dialog, 10)
        t.send_literal("half typed")
        # What Ctrl-C sends (under the pane's `sh -c` a real ^C would kill the shell too).
        os.kill(pbxtop_pid(t), signal.SIGINT)
        assert t.exit_code() == 128 + signal.SIGINT
        assert "half typed" not in t.screen()


def test_idle_lock_asks_before_a_hangup(pbxtop):
    """lock_after = 0.02 minutes (1.2 s): LOCKED shows, polling goes on; a hang up then asks
    for the passphrase: Esc sends nothing, the right passphrase sends it."""
    with typed(pbxtop, global_extra="lock_after = 0.02") as (sim, t):
        t.wait_for(unlock_dialog, 10)
        t.send_literal(PASSPHRASE)
        t.send("Enter")
        s = t.wait_for(lambda s: len(row_names(s)) >= 3, 10)
        s = t.wait_for(lambda s: "LOCKED" in header(s), 10)
        seq = sim.last_seq()
        t.wait_for(lambda s: sim.last_seq() > seq, 10)  # still polling
        target = row_names(s)[1]
        uid = uid_of(sim, target)
        move_cursor_to(t, target)
        seq = sim.last_seq()
        t.send("X")
        t.wait_for(lambda s: dialog_box(s) is not None, 5)
        t.send("y")
        t.wait_for(unlock_dialog, 5)
        t.send("Escape")
        s = t.wait_for(lambda s: "Nothing sent" in status(s), 5)
        assert not unlock_dialog(s), s
        assert_no_delete(sim, seq, "the hang up cancelled at the passphrase")
        assert "LOCKED" in header(s), s
        t.send("X")
        t.wait_for(lambda s: dialog_box(s) is not None, 5)
        t.send("y")
        t.wait_for(unlock_dialog, 5)
        t.send_literal(PASSPHRASE)
        t.send("Enter")
        t.wait_for(lambda s: "Hung up " + target in status(s), 10)
        dels = channel_deletes(sim, seq)
        assert [d["path"] for d in dels] == [delete_path(uid)], dels
