/* Time sources: a monotonic clock for timers and a wall clock for what people read. */
#ifndef PBXTOP_TUI_CLOCK_H
#define PBXTOP_TUI_CLOCK_H

#include <stdint.h>

/* Milliseconds on a clock that never jumps; for deadlines and ages. */
int64_t clock_mono_ms(void);
/* Milliseconds since the Unix epoch; for durations measured against server times. */
int64_t clock_wall_ms(void);
/* Format seconds as "MM:SS", or "H:MM:SS" from one hour; negative shows as "--:--". */
void clock_format_duration(int64_t secs, char *out, unsigned outsz);
/* Format an age in seconds compactly: "5s", "3m", "2h", "4d". */
void clock_format_age(int64_t secs, char *out, unsigned outsz);

#endif
