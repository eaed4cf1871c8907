#!/usr/bin/env python3
# The cost of change detection after a fresh checkout or a cache restore (issue 18): every file
# keeps its bytes and mtime but gets a new inode, so every stat line differs and every file is
# hashed (nothing renders). 5 rounds: a copy of the built bench site (untimed, `cp -a`), then
# `node -e 0`, `isr regen` on the copy, `isr regen` again (nothing changed); CPU and wall medians.
#   python3 bench/detect-fresh-checkout.py [SITE]  (a built site; copied to SITE-fresh)
import os, subprocess, time, statistics as st, shutil
import sys
src = sys.argv[1] if len(sys.argv) > 1 else '/dev/shm/isr18d/site-20000-clean'
isr = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bin', 'isr.js')
res = {'node -e 0': [], 'regen after a fresh copy (new inodes)': [], 'regen, nothing changed': []}
def run(k, argv, cwd):
    t = time.monotonic(); p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL); _, s, ru = os.wait4(p.pid, 0)
    assert s == 0, k
    res[k].append((time.monotonic() - t, ru.ru_utime + ru.ru_stime))
for i in range(5):
    d = src.rstrip('/') + '-fresh'
    shutil.rmtree(d, ignore_errors=True)
    subprocess.run(['cp', '-a', src, d], check=True)  # keeps mtimes, not inodes: as a restore or a checkout does
    run('node -e 0', ['node', '-e', '0'], d)
    run('regen after a fresh copy (new inodes)', ['node', isr, 'regen', '--quiet'], d)
    run('regen, nothing changed', ['node', isr, 'regen', '--quiet'], d)
print('load', os.getloadavg()[0])
for k, v in res.items():
    print(f'{k:40} wall {st.median(x[0] for x in v)*1000:7.1f} ms  cpu {st.median(x[1] for x in v)*1000:7.1f} ms')
shutil.rmtree(src.rstrip('/') + '-fresh', ignore_errors=True)
