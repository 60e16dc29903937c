import sys, numpy as np, time
sys.argv=[""]; 
import powell as P
from experiments.calibration.posterior import load
keys, vals, w = load()
t=time.time(); res=[]
for i in range(len(w)):
    d = dict(zip(keys, vals[i]))
    dist, fall, _ = P.evaluate(d, seeds=range(2))
    res.append((dist, fall, i))
res.sort(); print(time.time()-t); print(res[:8])
