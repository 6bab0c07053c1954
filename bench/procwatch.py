#!/usr/bin/env python3
"""Watch a running process for SECS seconds; print one JSON object.

usage: procwatch.py PID SECS

  cpu_s       utime+stime of the whole process (all threads) from /proc/PID/stat, delta
  cpu_pct     cpu_s as % of one core over the window
  sched_s     the same from /proc/PID/task/*/schedstat (ns resolution)
  main_thread_s  part of sched_s spent by the main thread (ftpsh's -c waits there for a signal)
  ticks       bursts of CPU activity of the other threads (sampled every 20 ms; busy samples
              closer than 300 ms are one burst): with `mirror --interval 1` one burst = one pass
  cpu_per_tick_s  sched_s / ticks
  vmhwm_kib, vmrss_kib  from /proc/PID/status at the end of the window
"""
import json
import os
import sys
import time

CLK = os.sysconf('SC_CLK_TCK')


def stat_cpu(pid):
    with open(f'/proc/{pid}/stat') as fh:
        rest = fh.read().rsplit(')', 1)[1].split()
    # fields after "comm)": state is rest[0] = field 3; utime = field 14, stime = field 15
    return (int(rest[11]) + int(rest[12])) / CLK


def sched_ns(pid):
    """-> (ns of all threads, ns of all threads but the main one)"""
    total = others = 0
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/schedstat') as fh:
                ns = int(fh.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += ns
        if tid != str(pid):
            others += ns
    return total, others


def status(pid, key):
    with open(f'/proc/{pid}/status') as fh:
        for line in fh:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return 0


def main():
    pid, secs = int(sys.argv[1]), float(sys.argv[2])
    c0, t0 = stat_cpu(pid), time.monotonic()
    (s0, o0) = sched_ns(pid)
    last, bursts, last_busy = o0, 0, None
    while True:
        now = time.monotonic()
        if now - t0 >= secs:
            break
        time.sleep(min(0.02, secs - (now - t0)))
        _, o = sched_ns(pid)
        if o - last > 0:
            now = time.monotonic()
            if last_busy is None or now - last_busy > 0.3:
                bursts += 1
            last_busy = now
        last = o
    c1, t1 = stat_cpu(pid), time.monotonic()
    (s1, o1) = sched_ns(pid)
    window = t1 - t0
    out = {
        'window_s': round(window, 3),
        'cpu_s': round(c1 - c0, 3),
        'cpu_pct': round(100 * (c1 - c0) / window, 3),
        'sched_s': round((s1 - s0) / 1e9, 4),
        'main_thread_s': round((s1 - s0 - (o1 - o0)) / 1e9, 4),
        'ticks': bursts,
        'cpu_per_tick_s': round((s1 - s0) / 1e9 / bursts, 4) if bursts else None,
        'vmhwm_kib': status(pid, 'VmHWM'),
        'vmrss_kib': status(pid, 'VmRSS'),
        'threads': status(pid, 'Threads'),
    }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
