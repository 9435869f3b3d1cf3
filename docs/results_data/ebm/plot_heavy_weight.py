#!/usr/bin/env python3
"""Heavy-mode weight of the EBM over training, one panel per negative sampler, one line per seed,
the true 2/3 dashed: reads <kind>_seed<s>.csv written by bench/ebm_mode_weights and writes
heavy_weight.svg next to them (plain SVG, no dependencies).

    python3 docs/results_data/ebm/plot_heavy_weight.py [DIR]
"""
import csv
import os
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
kinds = [("ula_ebm", "ULA-EBM"), ("mala_ebm", "MALA-EBM"), ("flowmc_ebm", "flowMC-EBM"),
         ("steingan", "SteinGAN"), ("dft_ebm", "DFT-EBM"), ("exact_tilted", "exact negatives")]
colors = ["#1f77b4", "#d62728", "#2ca02c"]
W, H, pad = 260, 180, 34
out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
       'font-size="11">' % (W * len(kinds), H + 30)]
xmax = 1
for k, _ in kinds:
    for s in (1, 2, 3):
        p = os.path.join(d, "%s_seed%d.csv" % (k, s))
        if os.path.exists(p):
            for r in csv.DictReader(open(p)):
                xmax = max(xmax, int(r["iteration"]))
for i, (k, title) in enumerate(kinds):
    x0 = i * W
    X = lambda it: x0 + pad + (W - pad - 8) * it / xmax
    Y = lambda w: 10 + (H - 30) * (1 - min(max(w, 0.0), 1.0))
    out.append('<rect x="%g" y="10" width="%g" height="%g" fill="none" stroke="#888"/>'
               % (x0 + pad, W - pad - 8, H - 30))
    out.append('<text x="%g" y="%g" text-anchor="middle">%s</text>' % (x0 + W / 2, H + 5, title))
    for w in (0, 0.5, 1):
        out.append('<text x="%g" y="%g" text-anchor="end">%g</text>' % (x0 + pad - 3, Y(w) + 4, w))
    out.append('<text x="%g" y="%g" text-anchor="end">%d</text>' % (x0 + W - 8, H - 8, xmax))
    out.append('<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#444" stroke-dasharray="4,3"/>'
               % (X(0), Y(2 / 3), X(xmax), Y(2 / 3)))
    for s, c in zip((1, 2, 3), colors):
        p = os.path.join(d, "%s_seed%d.csv" % (k, s))
        if not os.path.exists(p):
            continue
        pts = ["%.1f,%.1f" % (X(int(r["iteration"])), Y(float(r["heavy_weight"])))
               for r in csv.DictReader(open(p)) if r["heavy_weight"] not in ("nan", "")]
        out.append('<polyline fill="none" stroke="%s" stroke-width="1.2" points="%s"/>'
                   % (c, " ".join(pts)))
out.append('<text x="8" y="%d">EBM heavy-mode weight vs iteration on gmm_2to1 (dashed: true 2/3; '
           'seeds 1, 2, 3 blue, red, green)</text>' % (H + 24))
out.append("</svg>")
open(os.path.join(d, "heavy_weight.svg"), "w").write("\n".join(out))
