/* Colours as theme files write them (tmux's forms: names, colourN, #rrggbb) and their
 * downgrade to what a terminal can show. Pure functions: no terminal needed. */
#ifndef PBXTOP_THEMES_COLOUR_H
#define PBXTOP_THEMES_COLOUR_H

#include <stdbool.h>

/* The terminal's own colour (curses' -1 once use_default_colors() succeeded). */
#define COLOUR_DEFAULT (-1)
/* Flag: the low 24 bits are 0xRRGGBB, not a palette index. */
#define COLOUR_RGB 0x1000000

/* Parse s: "default"; black, red, green, yellow, blue, magenta, cyan, white (0-7) and their
 * "bright" twins (brightred: 8-15); colour0-colour255 or color0-color255; #rrggbb. Names
 * ignore case. 0 with *colour set (COLOUR_DEFAULT, 0-255 or COLOUR_RGB | rgb), else -1. */
int colour_parse(const char *s, int *colour);
/* The nearest of the 256-colour palette to an RGB value (0xRRGGBB): the 6x6x6 cube or the
 * grey ramp, whichever is closer. */
int colour_rgb_to_256(int rgb);
/* The nearest of the 16 ANSI colours to palette entry c (0-255). */
int colour_256_to_16(int c);
/* Colour c fitted to a terminal with `ncolours` palette colours (8 or more; more than 256
 * counts as 256): COLOUR_DEFAULT stays, RGB goes to the nearest of 256, then 16, then 8. When a
 * bright colour (8-15) had to become its base colour on an 8-colour terminal, *bright is set (the
 * caller adds bold to a foreground, as tmux does); otherwise it is left alone. */
int colour_fit(int c, int ncolours, bool *bright);

#endif
