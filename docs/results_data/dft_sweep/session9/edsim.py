#!/usr/bin/env python3
"""What moves rosenbrock's energy distance at n = 1000 (session 9, docs/results.md): exact draws
(x1 ~ N(1, 0.2), x2 | x1 ~ N(x1^2, 0.01)) against 5000 exact reference draws, the i.i.d. line =
mean of 10 sets; then 10 sets each of exact draws with one defect: the upper tail of x1 compressed
beyond z = 2.2 / 2.0 / 1.7 (slope 0.3 beyond), the across-valley sd 0.07 instead of 0.1, the whole
law shifted along x1 by -0.025 / -0.05. Prints the ratios' mean / median / min / max over the sets.
Needs numpy (Debian python3-numpy; /usr/bin/python3). Seed 1: a rerun prints the same."""
import numpy as np
rng=np.random.default_rng(1)
def ed(x,y):
    def md(a,b):
        d=np.sqrt(((a[:,None,:]-b[None,:,:])**2).sum(-1)); return d.mean()
    return 2*md(x,y)-md(x,x)-md(y,y)
def draw(n,tail=None,across=0.1,shift=0.0):
    z=rng.standard_normal((n,2))
    z1=z[:,0]
    if tail is not None:
        # compress the upper tail beyond z=tail: z -> tail + (z-tail)*0.3
        z1=np.where(z1>tail, tail+(z1-tail)*0.3, z1)
    x1=1+shift+0.4472*z1
    x2=x1**2+across*z[:,1]
    return np.stack([x1,x2],1)
y=draw(5000)
iid=np.mean([ed(draw(1000),y) for _ in range(10)])
print("iid line",iid)
for name,kw in [("exact",{}),("tail>2.2 compressed",dict(tail=2.2)),("tail>2.0",dict(tail=2.0)),("tail>1.7",dict(tail=1.7)),("across 0.07",dict(across=0.07)),("shift -0.025",dict(shift=-0.025)),("shift -0.05",dict(shift=-0.05))]:
    v=[ed(draw(1000,**kw),y)/iid for _ in range(10)]
    print(f"{name:22s} mean {np.mean(v):.2f} median {np.median(v):.2f} min {np.min(v):.2f} max {np.max(v):.2f}")
