#!/usr/bin/env python3
# isr's start-up, old against new (issue 18 item 2, "Fourth pass" in BENCHMARKS.md): `node -e 0`,
# `isr --version`, `isr regen --no-detect` (nothing due), `isr regen` with nothing changed and with
# one post's body edited, for two isr builds on two copies of a built bench site, alternated round
# by round (the order rotates each round, so the VM's slow spells hit every command). Wall time by
# the monotonic clock, CPU (user + sys) of each child by wait4(). Prints medians, each one's ratio
# to `node -e 0` and new / old.
#
#   bench/startup-ab.py ROUNDS OLD_ISR_JS OLD_SITE NEW_ISR_JS NEW_SITE
#     e.g. bench/startup-ab.py 21 /tmp/isr-old/bin/isr.js /dev/shm/s/old bin/isr.js /dev/shm/s/new
#
# Each site's node_modules/static-isr must link to its isr (the config imports it). `node` is the
# first on PATH (prepend another Node's folder to measure it). One untimed run of each command
# first, so a compile cache is written before the timed rounds (the steady state of a cron job).
# The edit is made untimed before each run: a line appended to the middle post (body only).
import os, statistics as st, subprocess, sys, time

rounds = int(sys.argv[1])
sides = [('old', os.path.abspath(sys.argv[2]), sys.argv[3]), ('new', os.path.abspath(sys.argv[4]), sys.argv[5])]
rev = [0]


def body_edit(site):
    posts = os.path.join(site, 'content', 'posts')
    name = sorted(os.listdir(posts))[len(os.listdir(posts)) // 2]

    def edit():
        rev[0] += 1
        with open(os.path.join(posts, name), 'a') as fh:
            fh.write(f'\nRevision {rev[0]}.\n')
    return edit


cmds = {'node -e 0': (['node', '-e', '0'], sides[0][2], None)}
for label, js, site in sides:
    cmds[f'{label}: isr --version'] = (['node', js, '--version'], site, None)
    cmds[f'{label}: isr regen --no-detect'] = (['node', js, 'regen', '--quiet', '--no-detect'], site, None)
    cmds[f'{label}: isr regen, nothing changed'] = (['node', js, 'regen', '--quiet'], site, None)
    cmds[f'{label}: isr regen, 1 body edited'] = (['node', js, 'regen', '--quiet'], site, body_edit(site))


def once(key):
    argv, cwd, prep = cmds[key]
    if prep:
        prep()
    t = time.monotonic()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f'{key}: exit status {status}')
    return time.monotonic() - t, ru.ru_utime + ru.ru_stime


keys = list(cmds)
for k in keys:
    once(k)
res = {k: [] for k in keys}
for i in range(rounds):
    for k in keys[i % len(keys):] + keys[:i % len(keys)]:
        res[k].append(once(k))

med = {k: (st.median(x[0] for x in v), st.median(x[1] for x in v)) for k, v in res.items()}
bw, bc = med['node -e 0']
node = subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()
print(f'{rounds} rounds, Node {node}, load average at the end {os.getloadavg()[0]:.1f}')
print(f'{"command":36} {"wall":>8} {"x node":>6} {"cpu":>8} {"x node":>6} {"new/old wall":>12} {"new/old cpu":>11}')
for k, (w, c) in med.items():
    ratio = ''
    if k.startswith('new: '):
        ow, oc = med['old: ' + k[5:]]
        ratio = f'{w / ow:12.2f} {c / oc:11.2f}'
    print(f'{k:36} {w * 1000:6.1f}ms {w / bw:6.2f} {c * 1000:6.1f}ms {c / bc:6.2f} {ratio}')
