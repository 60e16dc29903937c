import sys, json
import powell as P
d = json.load(open(sys.argv[1]))["par"]
d.update(json.loads(sys.argv[2]))
dist, fall, _ = P.evaluate(d, seeds=range(6))
print(round(dist,3), round(fall,1))
if len(sys.argv) > 3:
    json.dump({"distance": dist, "fall": fall, "par": d}, open(sys.argv[3], "w"), indent=1)
