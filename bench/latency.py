#!/usr/bin/env python3
"""Edit-to-server latency of a running mirror.

usage: latency.py LOCAL_ROOT SERVER_ROOT EDITS INTERVAL SEED

EDITS times: sleep a random 0..INTERVAL s (so edits land at random phases of the mirror's
tick), write new unique content (1-16 KiB, unique header) over a random file of LOCAL_ROOT,
then poll SERVER_ROOT's copy (the server's directory on disk) every 10 ms until its bytes
match. Prints one line per edit on stderr and a JSON summary on stdout.
"""
import json
import math
import os
import random
import statistics
import sys
import time

TIMEOUT = 30.0


def main():
    local, server, edits, interval, seed = sys.argv[1:6]
    edits, interval = int(edits), float(interval)
    rng = random.Random(int(seed))
    files = sorted(
        os.path.relpath(os.path.join(dp, f), local)
        for dp, _dn, fn in os.walk(local) for f in fn)
    lat, failed = [], 0
    for n in range(edits):
        time.sleep(rng.uniform(0, interval))
        rel = rng.choice(files)
        body = f'edit {n} {time.time_ns()} {rel}\n'.encode() + rng.randbytes(rng.randint(1024, 16384))
        with open(os.path.join(local, rel), 'wb') as fh:
            fh.write(body)
        t0 = time.monotonic()
        target = os.path.join(server, rel)
        while True:
            try:
                with open(target, 'rb') as fh:
                    if fh.read() == body:
                        break
            except FileNotFoundError:
                pass
            if time.monotonic() - t0 > TIMEOUT:
                break
            time.sleep(0.01)
        dt = time.monotonic() - t0
        if dt > TIMEOUT:
            failed += 1
            print(f'edit {n}: {rel!r} NOT on the server after {TIMEOUT:.0f} s', file=sys.stderr)
        else:
            lat.append(dt)
            print(f'edit {n}: {rel!r} on the server after {dt:.3f} s', file=sys.stderr)
    s = sorted(lat)

    def pct(p):  # nearest rank
        return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else None
    print(json.dumps({
        'edits': edits, 'seen': len(lat), 'failed': failed,
        'median_s': round(statistics.median(s), 3) if s else None,
        'p95_s': round(pct(95), 3) if s else None,
        'min_s': round(s[0], 3) if s else None, 'max_s': round(s[-1], 3) if s else None,
        'target_s': round(interval + 0.2, 3),
    }))


if __name__ == '__main__':
    main()
