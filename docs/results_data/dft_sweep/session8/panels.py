#!/usr/bin/env python3
"""panels.py OUT.png ROWS... where each row is "target:csv1,csv2,..." ; draws scatter panels
(300 px each, the target's view box, a column per csv) into one PNG. 'exact' = exact draws."""
import csv, math, random, struct, sys, zlib

BOX = {'donut': (-3.112, 3.112, -3.112, 3.112),
       'rosenbrock': (-0.61, 2.61, -0.36, 7.17)}
def exact(t, n=1000, seed=7):
    rnd = random.Random(seed); pts = []
    if t == 'rosenbrock':
        for _ in range(n):
            x1 = rnd.gauss(1, math.sqrt(0.2)); pts.append((x1, rnd.gauss(x1 * x1, 0.1)))
    else:
        R, s2 = 2.6, 0.033
        while len(pts) < n:  # radial density ∝ r exp(-(r-R)^2/s2): propose N(R, s2/2), accept ∝ r
            r = rnd.gauss(R, math.sqrt(s2 / 2))
            if r > 0 and rnd.random() < r / 3.2:
                a = rnd.uniform(0, 2 * math.pi); pts.append((r * math.cos(a), r * math.sin(a)))
    return pts
def load(p):
    return [(float(r['x']), float(r['y'])) for r in csv.DictReader(open(p))]
W = 300
rows = [a.split(':', 1) for a in sys.argv[2:]]
cols = max(len(r[1].split(',')) for r in rows)
img = [[(255, 255, 255)] * (W * cols) for _ in range(W * len(rows))]
for ri, (t, files) in enumerate(rows):
    xmin, xmax, ymin, ymax = BOX[t]
    side = max(xmax - xmin, ymax - ymin); cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    for ci, f in enumerate(files.split(',')):
        pts = exact(t) if f == 'exact' else load(f)
        col = (40, 40, 40) if f == 'exact' else (200, 30, 30)
        x0, y0 = ci * W, ri * W
        for k in range(W):
            img[y0][x0 + k] = img[y0 + W - 1][x0 + k] = (0, 0, 0)
            img[y0 + k][x0] = img[y0 + k][x0 + W - 1] = (0, 0, 0)
        for (x, y) in pts:
            px = int((x - cx) / side * (W - 4) + W / 2); py = int(-(y - cy) / side * (W - 4) + W / 2)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    qx, qy = px + dx, py + dy
                    if 1 <= qx < W - 1 and 1 <= qy < W - 1: img[y0 + qy][x0 + qx] = col
raw = b''.join(b'\x00' + bytes(c for p in row for c in p) for row in img)
def chunk(tag, data):
    return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W * cols, W * len(rows), 8, 2, 0, 0, 0)) \
    + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
