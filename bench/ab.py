#!/usr/bin/env python3
# A/B of two whole commands, alternated (A B, B A, A B, ...) so that the VM's slow spells hit both:
# wall time by the monotonic clock, CPU (user + sys) and peak RSS of each child by wait4(), to the
# microsecond (/usr/bin/time gives 10 ms). Prints medians and the paired medians of B - A.
#
#   bench/ab.py ROUNDS 'command A' 'command B' ['prep, run untimed before each, with $V = A or B']
#
# e.g. two builds of isr (two package folders, each site's node_modules/static-isr linked to one):
#   bench/ab.py 16 'node /tmp/a/bin/isr.js build /dev/shm/s-A --quiet' \
#     'node /tmp/b/bin/isr.js build /dev/shm/s-B --quiet' 'rm -rf /dev/shm/s-$V/dist /dev/shm/s-$V/.isr'
import os, statistics as st, subprocess, sys, time

rounds, cmd = int(sys.argv[1]), {'A': sys.argv[2], 'B': sys.argv[3]}
prep = sys.argv[4] if len(sys.argv) > 4 else None
res = {'A': [], 'B': []}


def once(v):
    if prep:
        subprocess.run(prep, shell=True, env={**os.environ, 'V': v}, check=True)
    t = time.monotonic()
    p = subprocess.Popen(['sh', '-c', 'exec ' + cmd[v]], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t
    if status != 0:
        sys.exit(f'{cmd[v]}: exit status {status}')
    res[v].append((wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024))


for i in range(rounds):
    for v in (['B', 'A'] if i % 2 else ['A', 'B']):
        once(v)
for v in 'AB':
    print(v, 'wall median %.4f s' % st.median(x[0] for x in res[v]), 'cpu median %.4f s' % st.median(x[1] for x in res[v]),
          'peak rss median %.0f MB' % st.median(x[2] for x in res[v]))
dw = [b[0] - a[0] for a, b in zip(res['A'], res['B'])]
dc = [b[1] - a[1] for a, b in zip(res['A'], res['B'])]
print('paired B-A: wall median %+.4f s, cpu median %+.4f s; B faster (wall) in %d of %d pairs, cheaper (cpu) in %d'
      % (st.median(dw), st.median(dc), sum(d < 0 for d in dw), len(dw), sum(d < 0 for d in dc)))
