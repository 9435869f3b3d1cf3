#!/usr/bin/env python3
"""ed_check.py TARGET samples.csv : energy distance of a runner's final samples (the last 1000 rows
of samples_<label>.csv) to 5000 exact draws (donut by rejection from its radial law, rosenbrock
directly), divided by the mean over 10 sets of 1000 exact draws against the same reference: the
issue's own kind of check, outside the program. Needs numpy (/usr/bin/python3); seed 7."""
import numpy as np, sys, csv
rng=np.random.default_rng(7)
def ed(x,y):
    md=lambda a,b: np.sqrt(((a[:,None,:]-b[None,:,:])**2).sum(-1)).mean()
    return 2*md(x,y)-md(x,x)-md(y,y)
def exact(t,n):
    if t=='rosenbrock':
        x1=rng.normal(1,np.sqrt(0.2),n); return np.stack([x1,rng.normal(x1**2,0.1)],1)
    out=[]
    while len(out)<n:
        r=rng.normal(2.6,np.sqrt(0.033/2),4*n); a=rng.random(4*n)<r/3.3
        r=r[a&(r>0)]; th=rng.uniform(0,2*np.pi,len(r)); out+=list(np.stack([r*np.cos(th),r*np.sin(th)],1))
    return np.array(out[:n])
t=sys.argv[1]; f=sys.argv[2]
rows=list(csv.reader(open(f))); hdr=rows[0]
ix=hdr.index('x'); iy=hdr.index('y')
x=np.array([[float(r[ix]),float(r[iy])] for r in rows[1:]])
x=x[-1000:] if len(x)>1000 else x
y=exact(t,5000)
line=np.mean([ed(exact(t,1000),y) for _ in range(10)])
print(t, len(x), 'ED ratio', ed(x,y)/line, 'mean', x.mean(0))
