"""Packaging (issue 6 part 5): --help and -h of every command, the man page, the bash
completion, and `make install` / `make uninstall` with DESTDIR and PREFIX (the exact file
list both ways; the installed binary finds its themes and its simulator in DATADIR)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pylib.harness import ROOT, run  # noqa: E402

COMMANDS = {
    "": "usage: pbxtop [-c FILE]",
    "get": "usage: pbxtop get VIEW",
    "hangup": "usage: pbxtop hangup -b BACKEND",
    "apply": "usage: pbxtop apply FILE.csv",
    "journal": "usage: pbxtop journal",
    "demo": "usage: pbxtop demo",
}


# ---------------------------------------------------------------- --help

def test_help_of_every_command(pbxtop):
    """--help and -h print that command's usage on stdout and exit 0, whatever the config;
    a bad option prints it on stderr and exits 2."""
    env = {"XDG_CONFIG_HOME": "/nonexistent"}
    for cmd, first in COMMANDS.items():
        pre = [cmd] if cmd else []
        for flag in ("--help", "-h"):
            rc, out, err = run(pbxtop, pre + [flag], env=env)
            assert rc == 0, (cmd, flag, rc, err)
            assert out.startswith(first), (cmd, flag, out)
            assert err == "", (cmd, flag, err)
            for other, text in COMMANDS.items():
                if other != cmd and cmd:
                    assert text not in out, (cmd, "shows the usage of", other)
        rc, out, err = run(pbxtop, pre + ["--no-such-option"], env=env)
        assert rc == 2 and first in err and out == "", (cmd, rc, out, err)
    # the console's lists every command and every console option
    rc, out, err = run(pbxtop, ["--help"], env=env)
    for word in ("get VIEW", "hangup", "apply", "journal", "demo", "--config", "--backend",
                 "--view", "--delay", "--read-only", "--theme", "--no-color", "--ascii",
                 "--frames", "--version", "Exit codes"):
        assert word in out, (word, out)
    rc, out, err = run(pbxtop, ["--version"], env=env)
    assert rc == 0 and out.startswith("pbxtop "), (rc, out)
