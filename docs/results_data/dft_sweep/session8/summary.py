#!/usr/bin/env python3
"""summary.py LOG... : one line per run log (last checkpoint's ratios, the stats.py line, wall/load)."""
import re, sys
for p in sys.argv[1:]:
    lines = open(p).read().splitlines()
    cps = [l for l in lines if re.match(r'^\w+ it=\d+ ', l)]
    if not cps: continue
    last = cps[-1]
    it = re.search(r'it=(\d+)', last).group(1)
    ed = re.search(r'ed=\S+ \((\S+)x\)', last).group(1)
    ku = re.search(r'ksd_u=\S+ \((\S+)x\)', last).group(1)
    mm = re.search(r'min_mode=(\S+)', last).group(1)
    traj = ' '.join(re.search(r'ed=\S+ \((\S+)x\)', l).group(1) for l in cps[3:])
    st = next((l for l in lines if l.startswith(('mean_x1', 'robust_radial', 'mean ('))), '')
    wall = next((l for l in lines if l.startswith('wall')), '')
    print(f"{p.split('/')[-1][:-4]:22s} it {it} ed {ed}x ksd_u {ku}x min_mode {mm} | ed@1500.. {traj} | {st} | {wall}")
