#include "themes/colour.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const names[8] = {"black", "red",     "green", "yellow",
                                     "blue",  "magenta", "cyan",  "white"};

/* What xterm shows for the 16 ANSI colours; the targets of the 256 → 16 step. */
static const int ansi16[16] = {
    0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
    0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

/* The six intensities of each axis of the 6x6x6 cube (palette 16-231). */
static const int cube[6] = {0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff};

/* "colour42" / "color42": digits only, 0-255. */
static int parse_numbered(const char *digits, int *colour)
{
    size_t n = strlen(digits);
    if (n == 0 || n > 3 || strspn(digits, "0123456789") != n)
        return -1;
    int v = (int)strtol(digits, NULL, 10);
    if (v > 255)
        return -1;
    *colour = v;
    return 0;
}

static int parse_rgb(const char *hex, int *colour)
{
    if (strlen(hex) != 6 || strspn(hex, "0123456789abcdefABCDEF") != 6)
        return -1;
    *colour = COLOUR_RGB | (int)strtol(hex, NULL, 16);
    return 0;
}

int colour_parse(const char *s, int *colour)
{
    if (s[0] == '#')
        return parse_rgb(s + 1, colour);
    if (strncasecmp(s, "colour", 6) == 0)
        return parse_numbered(s + 6, colour);
    if (strncasecmp(s, "color", 5) == 0)
        return parse_numbered(s + 5, colour);
    if (strcasecmp(s, "default") == 0) {
        *colour = COLOUR_DEFAULT;
        return 0;
    }
    bool bright = strncasecmp(s, "bright", 6) == 0;
    const char *base = bright ? s + 6 : s;
    for (int i = 0; i < 8; i++) {
        if (strcasecmp(base, names[i]) == 0) {
            *colour = bright ? i + 8 : i;
            return 0;
        }
    }
    return -1;
}

static int dist2(int a, int b)
{
    int dr = ((a >> 16) & 0xff) - ((b >> 16) & 0xff);
    int dg = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
    int db = (a & 0xff) - (b & 0xff);
    return dr * dr + dg * dg + db * db;
}

/* The index of the cube intensity nearest to v. */
static int nearest_level(int v)
{
    int best = 0;
    for (int i = 1; i < 6; i++) {
        if (abs(cube[i] - v) < abs(cube[best] - v))
            best = i;
    }
    return best;
}

/* The RGB value of palette entry c, as xterm's default palette has it. */
static int palette_rgb(int c)
{
    if (c < 16)
        return ansi16[c];
    if (c < 232) {
        c -= 16;
        return cube[c / 36] << 16 | cube[c / 6 % 6] << 8 | cube[c % 6];
    }
    int v = 8 + 10 * (c - 232);
    return v << 16 | v << 8 | v;
}

int colour_rgb_to_256(int rgb)
{
    int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
    int in_cube = 16 + 36 * nearest_level(r) + 6 * nearest_level(g) + nearest_level(b);
    /* The grey ramp runs 8, 18 ... 238: the step nearest the average intensity. */
    int step = ((r + g + b) / 3 - 8 + 5) / 10;
    int grey = 232 + (step < 0 ? 0 : step > 23 ? 23 : step);
    /* On a tie the cube wins: its entries are exact for pure colours and black/white. */
    return dist2(rgb, palette_rgb(grey)) < dist2(rgb, palette_rgb(in_cube)) ? grey : in_cube;
}

int colour_256_to_16(int c)
{
    if (c < 16)
        return c;
    int rgb = palette_rgb(c), best = 0;
    for (int i = 1; i < 16; i++) {
        if (dist2(rgb, ansi16[i]) < dist2(rgb, ansi16[best]))
            best = i;
    }
    return best;
}

int colour_fit(int c, int ncolours, bool *bright)
{
    if (c == COLOUR_DEFAULT)
        return c;
    if (c & COLOUR_RGB)
        c = colour_rgb_to_256(c & 0xffffff);
    if (ncolours >= 256)
        return c;
    c = colour_256_to_16(c);
    if (ncolours >= 16 || c < 8)
        return c;
    *bright = true;
    return c - 8;
}
