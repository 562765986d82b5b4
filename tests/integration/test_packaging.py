"""Packaging (issue 6 part 5): --help and -h of every command, the man page, the bash
completion, and `make install` / `make uninstall` with DESTDIR and PREFIX (the exact file
list both ways; the installed binary finds its themes and its simulator in DATADIR)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pylib.harness import ROOT, Sim, Tmux, run, wait_until  # noqa: E402

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


# ---------------------------------------------------------------- the man page

MAN = os.path.join(ROOT, "man", "pbxtop.1")


def man_text():
    """The man page as groff formats it, without warnings (-ww makes every one show)."""
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P", "-cbou"], stdin=open(MAN),
                       capture_output=True, text=True, env=dict(os.environ, MANWIDTH="100"))
    assert p.returncode == 0 and p.stderr == "", p.stderr
    return re.sub("\u2010\n\\s*", "", p.stdout)   # words hyphenated at line ends, joined


def source(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def test_man_page_formats_cleanly_and_covers_everything(pbxtop):
    text = man_text()
    flat = re.sub(r"\s+", " ", text)
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "KEYS",
                    "CONFIGURATION", "THEMES", "FILES", "ENVIRONMENT", "EXIT STATUS"):
        assert re.search(r"^%s$" % section, text, re.M), section
    for cmd in ("pbxtop get", "pbxtop hangup", "pbxtop apply", "pbxtop journal",
                "pbxtop keyring", "pbxtop demo"):
        assert cmd in flat, cmd
    for sub in ("init", "set NAME", "list", "rm NAME", "passwd", "import", "show ID",
                "resume ID", "--username", "--dry-run", "--filter", "--raw", "--view"):
        assert sub in flat, sub
    # every option of the console's usage
    rc, usage, _ = run(pbxtop, ["--help"])
    for opt in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", usage)):
        assert opt in flat, opt
    # every key binding, by its command name and its default keys (tui/input.c)
    table = source("tui/input.c").split("defaults[] = {", 1)[1].split("};", 1)[0]
    for name in re.findall(r'ACT_\w+,\s*"([a-z-]+)"', table):
        assert "(%s)" % name in flat, "key binding %s is not in the man page" % name
    for key in ("Space", "Tab", "Shift-Tab", "PgUp", "PgDn", "Home", "End", "Del", "F1",
                "F4", "F6", "F9", "F10", "Ctrl-R", "Ctrl-L", "Esc", "Enter"):
        assert key in flat, key
    # every command-mode built-in (tui/commands.c)
    builtins = source("tui/commands.c").split("builtins[] = {", 1)[1].split("};", 1)[0]
    for name in re.findall(r'\{"([a-z!]+)", CMD_', builtins):
        assert ":" + name in flat, ":" + name
    # every config key (tui/config.c)
    config = source("tui/config.c")
    known = re.findall(r'known\[\] = \{([^}]*)\}', config)
    assert len(known) == 2, "the config key lists moved"
    for key in re.findall(r'"([a-z_]+)"', "".join(known)):
        assert re.search(r"\b%s =" % key, flat), "config key %s is not in the man page" % key
    for word in ("[pbxtop]", "[keys]", "$XDG_DATA_HOME/pbxtop/keyring", "PBXTOP_PASSPHRASE_FD",
                 "NO_COLOR", "PBXTOP_LOG", "XDG_CONFIG_HOME", "XDG_STATE_HOME",
                 "pbxtop/journal", "/usr/local/share/pbxtop/themes", "config.ini"):
        assert word in flat, word
    # the theme roles (themes/theme.c) and the exit codes (DESIGN.md section 3)
    roles = source("themes/theme.c").split("role_names[ROLE_COUNT] = {", 1)[1].split("};")[0]
    for role in re.findall(r'"([a-z_]+)"', roles):
        assert role in flat, role
    status = text.split("\nEXIT STATUS\n", 1)[1].split("\nEXAMPLES\n", 1)[0]
    assert re.findall(r"^\s+(\d)\s", status, re.M) == ["0", "1", "2", "3", "4", "5"], status


# ---------------------------------------------------------------- bash completion

COMPLETION = os.path.join(ROOT, "completion", "pbxtop.bash")


def complete(words, env=None, script=COMPLETION):
    """What the completion offers for the command line `words` (the last one is being
    typed)."""
    prog = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
            'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _pbxtop; '
            'printf "%s\\n" "${COMPREPLY[@]}"')
    full = dict(os.environ)
    full.update(env or {})
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog, "bash", script] + words,
                       capture_output=True, text=True, env=full)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    return sorted(w for w in p.stdout.split("\n") if w)


def test_bash_completion(pbxtop):
    d = tempfile.mkdtemp(prefix="pbxtop-comp-")
    try:
        xdg = os.path.join(d, "xdg")
        os.makedirs(os.path.join(xdg, "pbxtop", "themes"))
        with open(os.path.join(xdg, "pbxtop", "themes", "night.theme"), "w") as f:
            f.write("header fg=red\n")
        pwned = os.path.join(d, "pwned")
        with open(os.path.join(xdg, "pbxtop", "config.ini"), "w") as f:
            f.write("[pbxtop]\n[home-pbx]\ntype = jade\n")
        other = os.path.join(d, "other.ini")
        with open(other, "w") as f:
            f.write("[pbxtop]\nrefresh = 1\n[office]\n  [ lab.2 ]  ; a comment\n[keys]\n"
                    "[$(touch %s)]\n" % pwned)
        for name in ("a.csv", "b.txt"):
            open(os.path.join(d, name), "w").close()
        state = os.path.join(d, "state", "pbxtop", "journal")
        os.makedirs(state)
        open(os.path.join(state, "20250101-120000-001-0abcd1.journal"), "w").close()
        env = {"XDG_CONFIG_HOME": xdg, "XDG_STATE_HOME": os.path.join(d, "state"),
               "HOME": d}

        def c(*words):
            return complete(list(words), env)
        assert c("pbxtop", "") == sorted(["get", "hangup", "apply", "journal", "keyring",
                                          "demo"])
        assert "--theme" in c("pbxtop", "--") and "--no-color" in c("pbxtop", "--")
        assert c("pbxtop", "--th") == ["--theme"]
        # views
        assert c("pbxtop", "get", "q") == sorted(["q", "qm", "queuemembers", "queues"])
        assert c("pbxtop", "-v", "r") == ["rg", "ringgroups"]
        assert c("pbxtop", "get", "ch", "") == []              # one view only
        assert c("pbxtop", "get", "-o", "") == ["csv", "json", "table"]
        # backends: from the default config, or the one -c names (also --config=FILE)
        assert c("pbxtop", "-b", "") == ["@all", "home-pbx"]
        assert c("pbxtop", "-c", other, "-b", "") == ["@all", "lab.2", "office"]
        assert c("pbxtop", "--config", "=", other, "get", "-b", "") == ["@all", "lab.2", "office"]
        assert c("pbxtop", "get", "-c", other, "-b", "o") == ["office"]
        assert c("pbxtop", "-c", other, "hangup", "-b", "") == ["lab.2", "office"]
        assert c("pbxtop", "-c", other, "keyring", "set", "") == ["lab.2", "office"]
        assert not os.path.exists(pwned), "a section name was run as a command"
        # themes: the built-in default, the user's and (installed) DATADIR's
        assert c("pbxtop", "--theme", "") == ["default", "night"]
        assert c("pbxtop", "--theme", "=", "n") == ["night"]
        # files, journal ids, subcommands of journal and keyring
        assert c("pbxtop", "apply", os.path.join(d, "")) == sorted(
            [os.path.join(d, "a.csv"), os.path.join(d, "state"), os.path.join(d, "xdg")])
        assert c("pbxtop", "journal", "") == ["list", "resume", "show"]
        assert c("pbxtop", "journal", "show", "") == ["20250101-120000-001-0abcd1"]
        assert c("pbxtop", "keyring", "") == sorted(["init", "set", "list", "rm", "passwd",
                                                     "import"])
        assert "--dry-run" in c("pbxtop", "apply", "x.csv", "--")
        assert "--config" not in c("pbxtop", "demo", "--")   # demo has its own config
        assert c("pbxtop", "hangup", "-b", "x", "") == []    # channel ids: not guessed
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- make install / uninstall

SIM_TYPES = ("jade", "issabel", "sark", "ngcp", "dsiprouter")


def copy_tree(dest):
    """The source tree, with the release objects when there are some (make rebuilds what
    is stale, and what compiles DATADIR in), so that the test installs its own binary and
    never touches the one under test."""
    skip = shutil.ignore_patterns(".git", "__pycache__", ".work", "*.pyc")

    def ignore(path, names):
        out = set(skip(path, names))
        rel = os.path.relpath(path, ROOT)
        if rel == ".":
            out.add("pbxtop")                   # the copy of the binary
        elif rel == "build":
            out.update(n for n in names if n != "release")
        elif rel == os.path.join("build", "release"):
            out.update(("pbxtop", "tests"))
        return out
    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)


def make(tree, *args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MAKE") and k not in ("MFLAGS", "VARIANT", "DESTDIR", "PREFIX")}
    p = subprocess.run(["make", "-C", tree, "--no-print-directory", "-j2"] + list(args),
                       capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout + p.stderr


def tree_files(top):
    """{relative path: mode} of every file (and symlink) under top."""
    out = {}
    for d, dirs, files in os.walk(top):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, top)] = os.lstat(p).st_mode & 0o7777
    return out


def tree_dirs(top):
    return sorted(os.path.relpath(os.path.join(d, x), top)
                  for d, dirs, _ in os.walk(top) for x in dirs)


def expected_files(top=""):
    """{path: mode} that `make install` must install, relative to DESTDIR + PREFIX, under
    `top` when given."""
    want = {"bin/pbxtop": 0o755,
            "share/man/man1/pbxtop.1": 0o644,
            "share/bash-completion/completions/pbxtop": 0o644}
    for t in ("default", "light", "mono"):
        want["share/pbxtop/themes/%s.theme" % t] = 0o644
    for f in ["pbxsim.py", "simcore.py"] + ["dialect_%s.py" % t for t in SIM_TYPES] + \
             ["%s_seed.py" % t for t in SIM_TYPES]:
        want["share/pbxtop/sim/" + f] = 0o644
    return {os.path.join(top, p): m for p, m in want.items()}


def check_destdir_install(tree, stage):
    rc, out = make(tree, "install", "DESTDIR=" + stage, "PREFIX=/usr")
    assert rc == 0, out
    got = tree_files(stage)
    assert got == expected_files("usr"), "installed:\n%s" % "\n".join(
        "%s %o" % kv for kv in sorted(got.items()))
    # The man page and the completion name the DATADIR they were installed for.
    for f in ("usr/share/man/man1/pbxtop.1", "usr/share/bash-completion/completions/pbxtop"):
        with open(os.path.join(stage, f)) as fh:
            text = fh.read()
        assert "/usr/share/pbxtop" in text and "/usr/local" not in text, f
    with open(os.path.join(stage, "usr/bin/pbxtop"), "rb") as fh:
        assert b"/usr/share/pbxtop" in fh.read(), "the binary was not built for PREFIX=/usr"
    # uninstall removes every file it installed, and pbxtop's own directories
    rc, out = make(tree, "uninstall", "DESTDIR=" + stage, "PREFIX=/usr")
    assert rc == 0, out
    assert tree_files(stage) == {}, tree_files(stage)
    assert not os.path.exists(os.path.join(stage, "usr/share/pbxtop")), tree_dirs(stage)
    # ... and nothing that is not its own
    os.makedirs(os.path.join(stage, "usr/share/pbxtop/themes"))
    keep = [os.path.join(stage, p) for p in ("usr/bin/other", "usr/share/pbxtop/themes/my.theme")]
    for p in keep:
        open(p, "w").close()
    rc, out = make(tree, "uninstall", "DESTDIR=" + stage, "PREFIX=/usr")
    assert rc == 0 and all(os.path.exists(p) for p in keep), out


def test_make_install_and_uninstall(pbxtop):
    d = tempfile.mkdtemp(prefix="pbxtop-install-")
    usr_share = os.path.exists("/usr/share/pbxtop")
    try:
        tree = os.path.join(d, "src")
        copy_tree(tree)
        check_destdir_install(tree, os.path.join(d, "stage"))
        assert os.path.exists("/usr/share/pbxtop") == usr_share, "wrote outside DESTDIR"
        # A directory outside PREFIX is refused before anything is written.
        bad = os.path.join(d, "bad")
        rc, out = make(tree, "install", "DESTDIR=" + bad, "PREFIX=/usr", "DATADIR=/opt/pbxtop")
        assert rc != 0 and "not under PREFIX" in out and not os.path.exists(bad), out
        # A real prefix, away from the source tree (d/src, not d/prefix/bin/../..): the
        # installed binary can only find its themes and simulator in DATADIR.
        prefix = os.path.join(d, "prefix")
        rc, out = make(tree, "install", "PREFIX=" + prefix)
        assert rc == 0, out
        assert tree_files(prefix) == expected_files()
        check_installed_themes(os.path.join(prefix, "bin", "pbxtop"), prefix, d)
        script = os.path.join(prefix, "share/bash-completion/completions/pbxtop")
        assert complete(["pbxtop", "--theme", ""], {"XDG_CONFIG_HOME": d}, script) == \
            ["default", "light", "mono"]
        check_installed_demo(os.path.join(prefix, "bin", "pbxtop"), d)
        assert tree_files(prefix) == expected_files(), "the demo left files in DATADIR"
        rc, out = make(tree, "uninstall", "PREFIX=" + prefix)
        assert rc == 0 and tree_files(prefix) == {}, (out, tree_files(prefix))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def check_installed_themes(binary, prefix, d):
    xdg = os.path.join(d, "xdg")
    os.makedirs(xdg, exist_ok=True)
    env = {"XDG_CONFIG_HOME": xdg}
    cfg = os.path.join(d, "config.ini")
    with open(cfg, "w") as f:
        f.write("[office]\ntype = jade\nurl = https://127.0.0.1:9\n")
    rc, out, err = run(binary, ["-c", cfg, "--theme", "nosuch"], env=env)
    places = err.strip().split("looked for ")[-1].split(", ")
    assert rc == 2 and places == [os.path.join(xdg, "pbxtop/themes/nosuch.theme"),
                                  os.path.join(prefix, "share/pbxtop/themes/nosuch.theme")], err
    # --theme light draws with light.theme from DATADIR: its header is blue, the default's
    # cyan (8 colours)
    with Sim([("office", "jade", {})]) as sim:
        cfg = sim.write_config()
        t = Tmux("%s -c %s --theme light" % (binary, cfg),
                 env={"TERM": "screen", "XDG_CONFIG_HOME": xdg})
        try:
            t.wait_for(lambda s: "pbxtop · office" in s, 10)
            top = t.screen(escapes=True).split("\n")[0]
            assert "\x1b[44m" in top and "\x1b[46m" not in top, repr(top)
            t.send("q")
            assert t.exit_code() == 0
        finally:
            t.kill()


def check_installed_demo(binary, d):
    tmp = os.path.join(d, "tmp")
    os.makedirs(tmp)
    t = Tmux("%s demo" % binary, env={"TERM": "screen", "TMPDIR": tmp, "PBXTOP_SIM": ""})
    try:
        t.wait_for(lambda s: "pbxtop · jade-lab (jade) · channels" in s, 20)
        t.send("q")
        assert t.exit_code() == 0
        wait_until(lambda: os.listdir(tmp) == [], 5, what="the demo to clean up")
    finally:
        t.kill()
