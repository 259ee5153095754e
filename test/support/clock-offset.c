/*
 * Moves this process's wall clock (and its children's) by PACTLY_CLOCK_OFFSET_SECONDS, for
 * proving the suite green on another date: `TEST_CLOCK_OFFSET_DAYS=365 npm test`.
 * Only CLOCK_REALTIME is moved; monotonic clocks and timers stay real. libfaketime cannot do
 * this for workerd: it wraps poll() and resolves symbols with dlsym at first use, which
 * deadlocks inside tcmalloc's start-up. This shim calls the kernel directly and allocates
 * nothing, so it is safe at any point of a process's life.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long offset_seconds(void) {
  static int read = 0;
  static long long seconds = 0;
  if (!read) {
    const char *text = getenv("PACTLY_CLOCK_OFFSET_SECONDS");
    seconds = text ? atoll(text) : 0;
    read = 1;
  }
  return seconds;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
  int result = (int)syscall(SYS_clock_gettime, clock, ts);
  if (result == 0 && ts && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) ts->tv_sec += offset_seconds();
  return result;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz;
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
  if (tv) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return 0;
}

time_t time(time_t *out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
