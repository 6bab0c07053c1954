#!/usr/bin/env python3
"""Markdown table of the `compare` step from hyperfine JSON + GNU time files.

usage: table.py RESULTS_DIR        (the table)
       table.py --summary HF_JSON  (one line: median, min, max, failed runs)

Reads RESULTS_DIR/hf-SCEN-TOOL.json (hyperfine --export-json), RESULTS_DIR/time-SCEN-TOOL.txt
(GNU time lines "%e %U %S %M", one per run) and RESULTS_DIR/verify.tsv (scen, tool, ok).
"""
import json
import os
import statistics as st
import sys

SCENARIOS = ['small-initial', 'small-noop', 'small-change1', 'many-initial', 'many-noop',
             'big-initial']
A, Bt = 'ftpsh', 'lftp_p4'


def load(res, scen, tool):
    """-> dict(wall, cpu, rss_mib, n, failed) or None when not measured."""
    hf = os.path.join(res, f'hf-{scen}-{tool}.json')
    if not os.path.exists(hf):
        return None
    r = json.load(open(hf))['results'][0]
    codes = r.get('exit_codes') or []
    cpu, rss = [], []
    tf = os.path.join(res, f'time-{scen}-{tool}.txt')
    if os.path.exists(tf):
        for line in open(tf):
            f = line.split()
            if len(f) == 4:
                try:
                    e, u, s, m = float(f[0]), float(f[1]), float(f[2]), int(f[3])
                except ValueError:
                    continue
                cpu.append(u + s)
                rss.append(m / 1024)
    return {
        'wall': r['median'], 'min': r['min'], 'max': r['max'], 'n': len(r['times']),
        'cpu': st.median(cpu) if cpu else None, 'rss': st.median(rss) if rss else None,
        'failed': sum(1 for c in codes if c != 0),
    }


def verdict(res, scen, tool):
    p = os.path.join(res, 'verify.tsv')
    if not os.path.exists(p):
        return '?'
    ok = '?'
    for line in open(p):
        f = line.rstrip('\n').split('\t')
        if f[:2] == [scen, tool]:
            ok = f[2]
    return ok


def fmt(x, spec='.3f'):
    return '-' if x is None else format(x, spec)


def ratio(a, b):
    return '-' if a is None or b is None or b == 0 else f'{a / b:.2f}'


def summary(path):
    r = json.load(open(path))['results'][0]
    bad = [c for c in r.get('exit_codes') or [] if c]
    line = f"median {r['median']:.3f} s (min {r['min']:.3f}, max {r['max']:.3f}, n={len(r['times'])})"
    print(line + (f' FAILED runs: {len(bad)}, exit codes {bad}' if bad else ''))


def main():
    if sys.argv[1] == '--summary':
        return summary(sys.argv[2])
    res = sys.argv[1]
    out = ['| scenario | ftpsh median s | lftp_p4 median s | ratio | ftpsh CPU s | lftp CPU s | '
           'CPU ratio | ftpsh RSS MiB | lftp RSS MiB | runs | correct (ftpsh/lftp) |',
           '|---|---|---|---|---|---|---|---|---|---|---|']
    for scen in SCENARIOS:
        a, b = load(res, scen, A), load(res, scen, Bt)
        if a is None and b is None:
            continue
        g = lambda d, k: None if d is None else d[k]

        def ok(d, tool):
            if d is None:
                return '-'
            v = verdict(res, scen, tool)
            return f'FAILED x{d["failed"]}' if d['failed'] else v
        out.append(
            f'| {scen} | {fmt(g(a, "wall"))} | {fmt(g(b, "wall"))} | {ratio(g(a, "wall"), g(b, "wall"))} | '
            f'{fmt(g(a, "cpu"), ".2f")} | {fmt(g(b, "cpu"), ".2f")} | {ratio(g(a, "cpu"), g(b, "cpu"))} | '
            f'{fmt(g(a, "rss"), ".1f")} | {fmt(g(b, "rss"), ".1f")} | '
            f'{g(a, "n") or "-"}/{g(b, "n") or "-"} | {ok(a, A)}/{ok(b, Bt)} |')
    c, big = load(res, 'big-initial', 'curl'), load(res, 'big-initial', A)
    if c is not None:
        g = lambda d, k: None if d is None else d[k]
        out.append(
            f'| big-initial vs floor: curl -T (1 STOR) | {fmt(g(big, "wall"))} | curl {fmt(c["wall"])} | '
            f'{ratio(g(big, "wall"), c["wall"])} | {fmt(g(big, "cpu"), ".2f")} | curl {fmt(c["cpu"], ".2f")} | '
            f'{ratio(g(big, "cpu"), c["cpu"])} | {fmt(g(big, "rss"), ".1f")} | curl {fmt(c["rss"], ".1f")} | '
            f'{g(big, "n") or "-"}/{c["n"]} | {"-" if big is None else verdict(res, "big-initial", A)}/'
            f'{"FAILED" if c["failed"] else verdict(res, "big-initial", "curl")} |')
    out += ['', 'ratio = ftpsh / lftp (below 1: ftpsh faster or cheaper). Wall = hyperfine median; '
            'CPU = median user+sys of the client, RSS = median peak RSS of the client '
            '(GNU time, same runs).' + (' The last row compares ftpsh big-initial with one `curl -T` '
            'STOR of the same file (the physical floor): the curl figures are in the lftp columns.'
            if c is not None else '')]
    spread = []
    for scen in SCENARIOS:
        for tool in (A, Bt) + (('curl',) if scen == 'big-initial' else ()):
            d = load(res, scen, tool)
            if d is not None and d['n'] > 1:
                spread.append((scen, tool, f'{d["min"]:.3f}-{d["max"]:.3f}'))
    if spread:
        out += ['', 'min-max wall s: ' + '; '.join(f'{s} {t} {r}' for s, t, r in spread) + '.']
    print('\n'.join(out))


if __name__ == '__main__':
    main()
