/*
 * A stall meter for ci/live-overhead.sh: how long this core was taken from user space by
 * something no process of ours controls (the hypervisor descheduling the vCPU, kernel threads,
 * interrupts). Not part of cmbench: a measuring instrument.
 *
 * It wakes every PERIOD_US on an absolute CLOCK_MONOTONIC schedule. Run at real-time priority
 * (chrt -f 1, as root), it preempts every ordinary thread the moment its timer fires, so a
 * wake-up later than STALL_US past its schedule means the core itself was unavailable: each such
 * stall is written as "start end" (CLOCK_MONOTONIC seconds, the same clock as the server's log)
 * to LOGFILE. Cost: one short wake-up a period.
 *
 *   cc -O2 -o machine-stalls ci/machine-stalls.c
 *   taskset -c CORE chrt -f 1 machine-stalls SECONDS LOGFILE [PERIOD_US] [STALL_US]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(struct timespec t) { return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SECONDS LOGFILE [PERIOD_US] [STALL_US]\n", argv[0]);
        return 64;
    }
    double duration = atof(argv[1]);
    FILE *log = fopen(argv[2], "w");
    if (!log) {
        perror(argv[2]);
        return 1;
    }
    long period = (argc > 3 ? atol(argv[3]) : 500) * 1000;
    double threshold = (argc > 4 ? atof(argv[4]) : 500) * 1e-6;
    struct timespec next, woke;
    clock_gettime(CLOCK_MONOTONIC, &next);
    double end = seconds(next) + duration;
    int stalls = 0;
    double longest = 0;
    for (;;) {
        next.tv_nsec += period;
        while (next.tv_nsec >= 1000000000) {
            next.tv_nsec -= 1000000000;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        clock_gettime(CLOCK_MONOTONIC, &woke);
        double late = seconds(woke) - seconds(next);
        if (late > threshold) {
            /* The core was gone from the scheduled instant until now. */
            fprintf(log, "%.9f %.9f\n", seconds(next), seconds(woke));
            stalls++;
            if (late > longest) longest = late;
            next = woke; /* resume the schedule from here: one stall is one record */
        }
        if (seconds(woke) >= end) break;
    }
    fclose(log);
    fprintf(stderr, "machine-stalls: %d stalls over %.0f us, longest %.3f ms\n", stalls, threshold * 1e6, longest * 1e3);
    return 0;
}
