/* clock.h - the one clock every process of the door reads. */
#ifndef FBD_CLOCK_H
#define FBD_CLOCK_H

/* Monotonic milliseconds (CLOCK_MONOTONIC): for timeouts and durations,
 * never for dates. */
long long clock_now_ms(void);

#endif
