/* pbxtop demo: the bundled simulator on loopback, a generated config in a private
 * temporary directory, and the console on top. The simulator stops whenever pbxtop ends. */
#ifndef PBXTOP_TUI_DEMO_H
#define PBXTOP_TUI_DEMO_H

#include "tui/app.h"

/* Start the simulator, run the console with opts, stop the simulator. Returns the exit
 * code. */
int demo_run(const struct app_opts *opts);

#endif
