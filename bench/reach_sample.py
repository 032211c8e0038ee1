#!/usr/bin/env python3
"""A national sample of company requests, to measure who receives them
(issue 23): N requests (default 500), each a commune drawn at random in
proportion to its population and a job drawn among those the lycées
teach, seeded, sent to a running server's API. Prints the shares as JSON.

    bench/reach_sample.py BASE_URL SQLITE_DB [N] [SEED]

The SQLite database only gives the list of jobs taught (the same catalogue
as the server's, whatever the server's engine)."""
import json
import random
import sqlite3
import sys
import urllib.error
import urllib.request
from pathlib import Path

base, db = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 500
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 2026
data = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

communes = [c for c in json.load(open(data / "territoires" / "communes.json", encoding="utf-8"))
            if c.get("population") and c.get("type") == "commune-actuelle"]
jobs = [r[0] for r in sqlite3.connect(db).execute(
    "SELECT DISTINCT d.rome_code FROM diplome_romes d JOIN lycee_formations f ON f.cfd = d.cfd "
    "JOIN romes r ON r.code = d.rome_code ORDER BY 1")]
rng = random.Random(seed)
weights = [c["population"] for c in communes]
picked = rng.choices(communes, weights=weights, k=n)

counts = {"demandes": 0, "ecrites": 0, "lycee_direct": 0, "coordination": 0, "coordination_seule": 0,
          "personne": 0, "niveaux": {}, "raisons": {}, "refusees": 0}
for i, c in enumerate(picked):
    body = {
        "action": "pfmp",
        "entreprise": {"nom": f"Entreprise échantillon {i}"},
        "contact": {"prenom": "Camille", "nom": "Échantillon", "email": f"echantillon-{seed}-{i}@exemple.fr"},
        "commune": c["code"], "rayon_km": 30, "metiers": [rng.choice(jobs)],
        "message": "Échantillon national (bench/reach.sh).", "consentement": True,
    }
    req = urllib.request.Request(base + "/api/v1/demandes", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        created = json.load(urllib.request.urlopen(req))
    except urllib.error.HTTPError as e:
        counts["refusees"] += 1
        sys.stderr.write(f"{c['code']}: {e.code} {e.read()[:200]!r}\n")
        continue
    counts["demandes"] += 1
    lycees = len(created["destinataires"]) > 0
    coord = created.get("coordination") or {}
    level = coord.get("niveau")
    reason = coord.get("raison")
    counts["lycee_direct"] += lycees
    counts["coordination"] += level is not None
    counts["coordination_seule"] += (level is not None) and not lycees
    counts["ecrites"] += lycees or level is not None
    counts["personne"] += not lycees and level is None
    if level:
        counts["niveaux"][level] = counts["niveaux"].get(level, 0) + 1
    if reason:
        counts["raisons"][reason] = counts["raisons"].get(reason, 0) + 1
d = max(counts["demandes"], 1)
counts["parts"] = {k: round(100 * counts[k] / d, 1) for k in ("ecrites", "lycee_direct", "coordination", "coordination_seule", "personne")}
print(json.dumps(counts, ensure_ascii=False))
