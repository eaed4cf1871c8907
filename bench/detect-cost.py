#!/usr/bin/env python3
# Change detection's cost on a built bench site (issue 18 item 2): `node -e 0` and `isr regen`
# with nothing changed, with --no-detect, with one post's body edited, with 1% of the posts'
# bodies edited and with one post's title (front matter) edited, alternated round by round (the
# order rotates each round, so the VM's slow spells hit every command). Wall time by the
# monotonic clock, CPU (user + sys) of each child by wait4(). Prints medians and each one's
# ratio to `node -e 0`'s median.
#
#   bench/detect-cost.py ROUNDS SITE [OLD_ISR_JS OLD_SITE]
#     e.g. bench/detect-cost.py 15 /dev/shm/isr-bench/site-20000
#
# With OLD_ISR_JS and OLD_SITE (a copy of the site built by that isr, whose node_modules/static-isr
# links to it), the same regens of the old isr are alternated in the same rounds.
# Also timed: bench/stat-floor.mjs, a bare Node process that lists the posts folder and stats
# every file (the floor under any stat-based detection, with no isr at all).
# The edits are made before the timed run (untimed): a line appended to the post's body, so its
# bytes change. The sites must be built (`isr build`) and are left edited (build again to reset).
import os, re, statistics as st, subprocess, sys, time

rounds, site = int(sys.argv[1]), sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
isr = os.path.join(here, '..', 'bin', 'isr.js')
sides = [('', isr, site)] + ([('old: ', sys.argv[3], sys.argv[4])] if len(sys.argv) > 4 else [])
rev = [0]


def editor(site_dir, pick, front=False):
    posts = os.path.join(site_dir, 'content', 'posts')
    files = pick(sorted(os.listdir(posts)))

    def edit():
        rev[0] += 1
        for f in files:
            fp = os.path.join(posts, f)
            if front:  # the title in the front matter: listings show it
                with open(fp) as fh:
                    text = fh.read()
                with open(fp, 'w') as fh:
                    fh.write(re.sub(r'^title: .*$', f'title: Retitled {rev[0]}', text, count=1, flags=re.M))
            else:
                with open(fp, 'a') as fh:
                    fh.write(f'\nRevision {rev[0]}.\n')
    return edit, len(files)


cmds = {'node -e 0': (['node', '-e', '0'], site, None),
        'stat floor (no isr)': (['node', os.path.join(here, 'stat-floor.mjs'), os.path.join(site, 'content', 'posts')], site, None)}
for label, js, d in sides:
    one, _ = editor(d, lambda n: n[len(n) // 2:len(n) // 2 + 1])
    pct, k = editor(d, lambda n: n[::100])
    cmds[f'{label}regen, nothing changed'] = (['node', js, 'regen', '--quiet'], d, None)
    cmds[f'{label}regen --no-detect'] = (['node', js, 'regen', '--quiet', '--no-detect'], d, None)
    cmds[f'{label}regen, 1 body edited'] = (['node', js, 'regen', '--quiet'], d, one)
    cmds[f'{label}regen, 1% edited ({k})'] = (['node', js, 'regen', '--quiet'], d, pct)
    title, _ = editor(d, lambda n: n[len(n) // 3:len(n) // 3 + 1], front=True)
    cmds[f'{label}regen, 1 title edited'] = (['node', js, 'regen', '--quiet'], d, title)
res = {k: [] for k in cmds}
keys = list(cmds)
for i in range(rounds):
    for k in keys[i % len(keys):] + keys[:i % len(keys)]:
        argv, cwd, prep = cmds[k]
        if prep:
            prep()
        t = time.monotonic()
        p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
        if status != 0:
            sys.exit(f'{k}: exit status {status}')
        res[k].append((wall, ru.ru_utime + ru.ru_stime))
base_w = st.median(x[0] for x in res['node -e 0'])
base_c = st.median(x[1] for x in res['node -e 0'])
print(f'{rounds} rounds, load average at the end {os.getloadavg()[0]:.1f}')
for k, v in res.items():
    w, c = st.median(x[0] for x in v), st.median(x[1] for x in v)
    print(f'{k:34} wall {w * 1000:7.1f} ms ({w / base_w:4.2f}x)   cpu {c * 1000:7.1f} ms ({c / base_c:4.2f}x)')
