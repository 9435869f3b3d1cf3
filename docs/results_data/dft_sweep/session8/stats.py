#!/usr/bin/env python3
"""Sample statistics of a bench/dft_vs_svgd --out samples.csv (x,y), as in results.md sessions 5/6.
usage: stats.py TARGET samples.csv"""
import csv, math, sys

def q(v, p):
    v = sorted(v); k = (len(v) - 1) * p; f = math.floor(k); c = min(f + 1, len(v) - 1)
    return v[f] + (v[c] - v[f]) * (k - f)

def robust_sd(v):
    return (q(v, 0.75) - q(v, 0.25)) / 1.349

def main():
    tgt, path = sys.argv[1], sys.argv[2]
    pts = [(float(r['x']), float(r['y'])) for r in csv.DictReader(open(path))]
    n = len(pts)
    if tgt == 'rosenbrock':
        x1 = [p[0] for p in pts]
        m = sum(x1) / n
        sd = math.sqrt(sum((a - m) ** 2 for a in x1) / (n - 1))
        res = [p[1] - p[0] ** 2 for p in pts]
        lo = sum(a < 0.5 for a in x1) / n
        hi = sum(a > 1.5 for a in x1) / n
        print(f"mean_x1 {m:.3f} sd_x1 {sd:.3f} robust_sd_valley {robust_sd(res):.3f} "
              f"frac_x1<0.5 {lo:.3f} (truth 0.132) frac_x1>1.5 {hi:.3f} (truth 0.132)")
    elif tgt == 'donut':
        r = [math.hypot(*p) for p in pts]
        hole = sum(a < 2.2 for a in r) / n
        oct_ = [0] * 8
        for p in pts:
            a = math.atan2(p[1], p[0]) % (2 * math.pi)
            oct_[min(7, int(a / (math.pi / 4)))] += 1
        o = [c / n * 8 for c in oct_]
        print(f"robust_radial_sd {robust_sd(r):.3f} hole {100*hole:.1f}% octants {min(o):.2f}-{max(o):.2f}")
    else:
        mx = sum(p[0] for p in pts) / n; my = sum(p[1] for p in pts) / n
        print(f"mean ({mx:.3f}, {my:.3f})")

main()
