#!/usr/bin/env python3
"""fd.py LOG... : per run log, the --final-draws sets' energy distance and KSD-U ratios (mean /
median / max over the sets), the last checkpoint's min_mode and the stats.py line."""
import re, statistics as st, sys
for p in sys.argv[1:]:
    t = open(p).read()
    ed = [float(v) for v in re.findall(r'final draw \d+: ed (\S+)x', t)]
    ku = [float(v) for v in re.findall(r'final draw \d+: ed \S+x ksd_u (\S+)x', t)]
    if not ed: continue
    mm = re.findall(r'min_mode=(\S+)', t)
    s = next((l for l in t.splitlines() if l.startswith(('mean_x1', 'robust_radial', 'mean ('))), '')
    s = re.sub(r' \(truth [^)]*\)', '', s)
    print(f"{p.split('/')[-1][:-4]:18s} ED mean {st.mean(ed):6.2f} med {st.median(ed):6.2f} max {max(ed):6.2f} | "
          f"KSD-U mean {st.mean(ku):5.2f} max {max(ku):5.2f} | min_mode {mm[-1] if mm else '-'} | {s}")
