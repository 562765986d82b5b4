"""Themes (STYLE.md 2.11): --theme light, a user's theme file (by name from
$XDG_CONFIG_HOME/pbxtop/themes, by path, or from the config's theme =) change the colours that
`tmux capture-pane -e` shows, fitted to 8 or 256 colours; --no-color keeps a theme's
attribute-only look; a broken or missing theme stops pbxtop before it takes the terminal, with
a message naming the file and line."""

import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import BACKEND, console, header  # noqa: E402
from pylib.harness import run  # noqa: E402

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
SCREEN_256 = {"TERM": "screen-256color"}


def cells(line):
    """[(char, style)] of one line of `capture-pane -e` output; style is a dict with fg and
    bg (None for the default, "N" for palette N, "rgb" values never occur here) and the
    attributes bold, dim, underline, reverse. tmux only writes the changes, so the state
    is carried along."""
    st = {"fg": None, "bg": None, "bold": False, "dim": False, "underline": False,
          "reverse": False}
    out, pos = [], 0
    for m in list(SGR.finditer(line)) + [None]:
        end = m.start() if m else len(line)
        out += [(ch, dict(st)) for ch in line[pos:end]]
        if not m:
            break
        pos = m.end()
        apply_sgr(st, [int(p) if p else 0 for p in re.split(r"[;:]", m.group(1))])
    return out


def apply_sgr(st, ps):
    i = 0
    while i < len(ps):
        p = ps[i]
        if p == 0:
            st.update(fg=None, bg=None, bold=False, dim=False, underline=False, reverse=False)
        elif p in (1, 2, 4, 7):
            st[{1: "bold", 2: "dim", 4: "underline", 7: "reverse"}[p]] = True
        elif p == 22:
            st["bold"] = st["dim"] = False
        elif p in (24, 27):
            st["underline" if p == 24 else "reverse"] = False
        elif 30 <= p <= 37 or 40 <= p <= 47:
            st["fg" if p < 40 else "bg"] = p % 10
        elif 90 <= p <= 97 or 100 <= p <= 107:
            st["fg" if p < 100 else "bg"] = p % 10 + 8
        elif p in (39, 49):
            st["fg" if p == 39 else "bg"] = None
        elif p in (38, 48) and i + 2 < len(ps) and ps[i + 1] == 5:
            st["fg" if p == 38 else "bg"] = ps[i + 2]
            i += 2
        i += 1


def style_at(raw, row, text):
    """The style of the first character of `text` on screen row `row`."""
    line = raw.split("\n")[row]
    cs = cells(line)
    plain = "".join(c for c, _ in cs)
    i = plain.find(text)
    assert i >= 0, (text, plain)
    return cs[i][1]


def header_style(t):
    raw = t.screen(escapes=True)
    return style_at(raw, 0, "pbxtop")


def cursor_style(t):
    raw = t.screen(escapes=True)
    rows = raw.split("\n")
    for y, line in enumerate(rows[2:], 2):
        plain = "".join(c for c, _ in cells(line))
        if plain.startswith(">"):
            return style_at(raw, y, ">")
    raise AssertionError("no cursor row")


def pick(st, *keys):
    return {k: st[k] for k in keys}


# ---------------------------------------------------------------- shipped themes

def test_theme_light_changes_the_colours(pbxtop):
    with console(pbxtop) as (sim, t):
        default = header_style(t)
    assert pick(default, "fg", "bg", "bold") == {"fg": 0, "bg": 6, "bold": False}, default
    # 8 colours (TERM=screen): #005faf becomes blue, and the cursor row's #5fd7d7 cyan
    with console(pbxtop, "--theme light") as (sim, t):
        light = header_style(t)
        cur_light = cursor_style(t)
    assert pick(light, "fg", "bg", "bold") == {"fg": 7, "bg": 4, "bold": True}, light
    assert pick(cur_light, "fg", "bg") == {"fg": 0, "bg": 6}, cur_light
    # 256 colours: the palette entries themselves
    with console(pbxtop, "--theme light", env=SCREEN_256) as (sim, t):
        light256 = header_style(t)
        cur256 = cursor_style(t)
    assert pick(light256, "fg", "bg", "bold") == {"fg": 7, "bg": 25, "bold": True}, light256
    assert pick(cur256, "fg", "bg") == {"fg": 0, "bg": 80}, cur256


def test_theme_mono_and_no_color(pbxtop):
    """mono.theme draws no colour at all; --no-color with any theme uses its mono= column."""
    for args in ("--theme mono", "--theme light --no-color"):
        with console(pbxtop, args, env=SCREEN_256) as (sim, t):
            raw = t.screen(escapes=True)
            for line in raw.split("\n"):
                for _, st in cells(line):
                    assert st["fg"] is None and st["bg"] is None, (args, line)
            assert header_style(t)["reverse"], args
            assert cursor_style(t)["reverse"], args


# ---------------------------------------------------------------- a user's theme

USER_THEME = """# my colours
header   fg=#ff0000 bg=brightgreen attrs=underline   # the top line
selected fg=colour33 bg=default
"""


def test_user_theme_from_xdg_path_and_config(pbxtop):
    xdg = tempfile.mkdtemp(prefix="pbxtop-xdg-")
    try:
        os.makedirs(os.path.join(xdg, "pbxtop", "themes"))
        path = os.path.join(xdg, "pbxtop", "themes", "mine.theme")
        with open(path, "w") as f:
            f.write(USER_THEME)
        env = dict(SCREEN_256, XDG_CONFIG_HOME=xdg)
        want = {"fg": 196, "bg": 10, "underline": True}
        with console(pbxtop, "--theme mine", env=env) as (sim, t):
            assert pick(header_style(t), "fg", "bg", "underline") == want
            cur = cursor_style(t)
            assert cur["fg"] == 33 and cur["bg"] is None, cur
        # by path, without XDG
        with console(pbxtop, "--theme " + path, env=SCREEN_256) as (sim, t):
            assert pick(header_style(t), "fg", "bg", "underline") == want
        # from the config's [pbxtop] section; --theme wins over it
        with console(pbxtop, env=env, config_extra="timeout = 5\n",
                     prepare=lambda sim: add_global(sim, "theme = mine")) as (sim, t):
            assert pick(header_style(t), "fg", "bg", "underline") == want
        with console(pbxtop, "--theme default", env=env,
                     prepare=lambda sim: add_global(sim, "theme = mine")) as (sim, t):
            assert pick(header_style(t), "fg", "bg") == {"fg": 0, "bg": 6}
        # on 8 colours #ff0000 is red (bright red on 8 colours: red and bold)
        with console(pbxtop, "--theme mine", env={"XDG_CONFIG_HOME": xdg}) as (sim, t):
            st = header_style(t)
            assert pick(st, "fg", "bg", "bold") == {"fg": 1, "bg": 2, "bold": True}, st
    finally:
        shutil.rmtree(xdg, ignore_errors=True)


def add_global(sim, line):
    """Put `line` into the [pbxtop] section of the simulator's config.ini."""
    path = os.path.join(sim.dir, "config.ini")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("[pbxtop]\n", "[pbxtop]\n%s\n" % line, 1))


# ---------------------------------------------------------------- bad themes

def minimal_config(d):
    path = os.path.join(d, "config.ini")
    with open(path, "w") as f:
        f.write("[%s]\ntype = jade\nurl = https://127.0.0.1:9\n" % BACKEND)
    return path


def test_broken_theme_names_its_line(pbxtop):
    d = tempfile.mkdtemp(prefix="pbxtop-theme-")
    try:
        cfg = minimal_config(d)
        bad = os.path.join(d, "bad.theme")
        with open(bad, "w") as f:
            f.write("# fine\nheader fg=red\nselected fg=reddish\x1b[2J\n")
        rc, out, err = run(pbxtop, ["-c", cfg, "--theme", bad])
        assert rc == 2, (rc, err)
        assert out == "", out
        assert err.startswith("pbxtop: %s:3: selected: fg=reddish?[2J: unknown colour" % bad), err
        assert "\x1b" not in err, repr(err)
        # the same from the config, which is named too
        with open(cfg, "a") as f:
            f.write("[pbxtop]\ntheme = %s\n" % bad)
        rc, out, err = run(pbxtop, ["-c", cfg])
        assert rc == 2 and ("%s: theme = %s: %s:3: " % (cfg, bad, bad)) in err, (rc, err)
        # and for the demo, before any simulator starts
        rc, out, err = run(pbxtop, ["demo", "--theme", bad])
        assert rc == 2 and "%s:3: " % bad in err and "simulator" not in err, (rc, err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_missing_theme_lists_where_it_looked(pbxtop):
    d = tempfile.mkdtemp(prefix="pbxtop-theme-")
    try:
        cfg = minimal_config(d)
        env = {"XDG_CONFIG_HOME": d}
        rc, out, err = run(pbxtop, ["-c", cfg, "--theme", "nosuch"], env=env)
        assert rc == 2, (rc, err)
        assert "theme 'nosuch' not found; looked for %s/pbxtop/themes/nosuch.theme" % d in err, err
        assert "/themes/nosuch.theme" in err.split(", ")[-1], err
        # a name with a '/' is a path (one that exists nowhere, whatever the machine holds)
        missing = os.path.join(d, "gone", "x")
        rc, out, err = run(pbxtop, ["-c", cfg, "--theme", missing], env=env)
        assert rc == 2 and missing + ": no such theme file" in err, err
        rc, out, err = run(pbxtop, ["-c", cfg, "--theme", "bad name"], env=env)
        assert rc == 2 and "a name holds only letters" in err, err
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_default_theme_without_any_file(pbxtop):
    """A copy of the binary far from any themes directory: the built-in default still works."""
    d = tempfile.mkdtemp(prefix="pbxtop-lone-")
    try:
        lone = os.path.join(d, "pbxtop")
        shutil.copy(pbxtop, lone)
        empty = os.path.join(d, "xdg")
        os.mkdir(empty)
        with console(lone, env={"XDG_CONFIG_HOME": empty}) as (sim, t):
            assert pick(header_style(t), "fg", "bg") == {"fg": 0, "bg": 6}
            assert "pbxtop · office" in header(t.screen())
        # it looks in XDG and DATADIR only: no themes/ next to a binary outside the tree
        rc, out, err = run(lone, ["-c", minimal_config(d), "--theme", "nosuch"],
                           env={"XDG_CONFIG_HOME": empty})
        assert rc == 2, (rc, err)
        places = err.strip().split("looked for ")[1].split(", ")
        assert len(places) == 2 and places[0].startswith(empty + "/"), places
    finally:
        shutil.rmtree(d, ignore_errors=True)
