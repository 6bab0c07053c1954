#!/usr/bin/env python3
"""Deterministic benchmark trees (fixed seeds, fixed integer mtimes).

usage: gen.py DATA_DIR small|many|big|huge [HUGE_FILES]

  small  2000 files of 1-16 KiB in 100 random dirs (depth <= 4); every 25th name has a space
  many   20000 files of 0-100 B in 200 leaf dirs (20 top dirs x 10 subdirs)
  big    one 512 MiB file
  huge   HUGE_FILES files of 0-64 B, 100 per leaf dir, leaf dirs grouped 50 per top dir

A tree is regenerated only when its marker DATA_DIR/NAME.done (which records the parameters)
is missing or different.
"""
import math
import os
import random
import sys

BASE = 1704067200  # 2024-01-01T00:00:00Z


def finish(root):
    for dp, _dn, _fn in os.walk(root, topdown=False):
        os.utime(dp, (BASE, BASE))


def write(path, data, i):
    with open(path, 'wb') as fh:
        fh.write(data)
    os.utime(path, (BASE + i, BASE + i))


def random_tree(root, ndirs, maxdepth, nfiles, smin, smax, seed):
    rng = random.Random(seed)
    dirs, depth = [''], {'': 0}
    for i in range(ndirs):
        parent = rng.choice([d for d in dirs if depth[d] < maxdepth])
        name = f'{parent}/d{i:03d}' if parent else f'd{i:03d}'
        dirs.append(name)
        depth[name] = depth[parent] + 1
    for d in dirs:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for i in range(nfiles):
        d = rng.choice(dirs)
        name = f'f{i:05d}' + (' copy' if i % 25 == 7 else '') + '.bin'
        write(os.path.join(root, d, name), rng.randbytes(rng.randint(smin, smax)), i)
    finish(root)


def grid_tree(root, leaves, per_group, nfiles, smin, smax, seed):
    rng = random.Random(seed)
    names = [f'g{j // per_group:03d}/h{j % per_group:02d}' for j in range(leaves)]
    for d in names:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for i in range(nfiles):
        d = names[i % leaves]
        write(os.path.join(root, d, f'f{i:06d}.bin'), rng.randbytes(rng.randint(smin, smax)), i)
    finish(root)


def main():
    data, kind = sys.argv[1], sys.argv[2]
    huge_files = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
    spec = {
        'small': 'small v1 2000 files 1-16KiB 100 dirs depth<=4 seed 1',
        'many': 'many v1 20000 files 0-100B 200 leaf dirs seed 2',
        'big': 'big v1 512MiB seed 3',
        'huge': f'huge v1 {huge_files} files 0-64B 100/dir seed 4',
    }[kind]
    marker = os.path.join(data, kind + '.done')
    root = os.path.join(data, kind)
    if os.path.exists(marker) and open(marker).read().strip() == spec and os.path.isdir(root):
        return
    if os.path.exists(root):
        os.system(f"rm -rf '{root}'")
    os.makedirs(root)
    if kind == 'small':
        random_tree(root, 100, 4, 2000, 1024, 16384, 1)
    elif kind == 'many':
        grid_tree(root, 200, 10, 20000, 0, 100, 2)
    elif kind == 'big':
        rng = random.Random(3)
        path = os.path.join(root, 'big.bin')
        with open(path, 'wb') as fh:
            for _ in range(512):
                fh.write(rng.randbytes(1 << 20))
        os.utime(path, (BASE, BASE))
        finish(root)
    else:
        grid_tree(root, math.ceil(huge_files / 100), 50, huge_files, 0, 64, 4)
    with open(marker, 'w') as fh:
        fh.write(spec + '\n')


if __name__ == '__main__':
    main()
