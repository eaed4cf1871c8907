#!/usr/bin/env python3
# Change detection's cost on a built bench site (issue 18 item 2): `node -e 0` and `isr regen`
# with nothing changed, with --no-detect, with one post edited and with 1% of the posts edited,
# alternated round by round (the order rotates each round, so the VM's slow spells hit every
# command). Wall time by the monotonic clock, CPU (user + sys) of each child by wait4(). Prints
# medians and each one's ratio to `node -e 0`'s median.
#
#   bench/detect-cost.py ROUNDS SITE     e.g. bench/detect-cost.py 15 /dev/shm/isr-bench/site-20000
#
# Also timed: bench/stat-floor.mjs, a bare Node process that lists the posts folder and stats
# every file (the floor under any stat-based detection, with no isr at all).
#
# The edits are made before the timed run (untimed): a line appended to the post's body, so its
# bytes change. SITE must be built (`isr build`) and is left edited (build it again to reset).
import os, statistics as st, subprocess, sys, time

rounds, site = int(sys.argv[1]), sys.argv[2]
isr = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bin', 'isr.js')
posts = os.path.join(site, 'content', 'posts')
names = sorted(os.listdir(posts))
one, pct = names[len(names) // 2:len(names) // 2 + 1], names[::100]
rev = [0]


def edit(files):
    rev[0] += 1
    for f in files:
        with open(os.path.join(posts, f), 'a') as fh:
            fh.write(f'\nRevision {rev[0]}.\n')


cmds = {
    'node -e 0': (['node', '-e', '0'], None),
    'stat floor (no isr)': (['node', os.path.join(os.path.dirname(isr), '..', 'bench', 'stat-floor.mjs'), posts], None),
    'regen, nothing changed': (['node', isr, 'regen', '--quiet'], None),
    'regen --no-detect': (['node', isr, 'regen', '--quiet', '--no-detect'], None),
    'regen, 1 post edited': (['node', isr, 'regen', '--quiet'], lambda: edit(one)),
    f'regen, 1% edited ({len(pct)})': (['node', isr, 'regen', '--quiet'], lambda: edit(pct)),
}
res = {k: [] for k in cmds}
keys = list(cmds)
for i in range(rounds):
    for k in keys[i % len(keys):] + keys[:i % len(keys)]:
        argv, prep = cmds[k]
        if prep:
            prep()
        t = time.monotonic()
        p = subprocess.Popen(argv, cwd=site, stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
        if status != 0:
            sys.exit(f'{k}: exit status {status}')
        res[k].append((wall, ru.ru_utime + ru.ru_stime))
base_w = st.median(x[0] for x in res['node -e 0'])
base_c = st.median(x[1] for x in res['node -e 0'])
print(f'{rounds} rounds, {len(names)} posts, load average before the end {os.getloadavg()[0]:.1f}')
for k, v in res.items():
    w, c = st.median(x[0] for x in v), st.median(x[1] for x in v)
    print(f'{k:28} wall {w * 1000:7.1f} ms ({w / base_w:4.2f}x)   cpu {c * 1000:7.1f} ms ({c / base_c:4.2f}x)')
