#!/usr/bin/env bash
# Import with the full national directory (issue 14): about 65,000 rows in
# the official schema of `fr-en-annuaire-education`, which cannot be
# fetched from the development machines. A synthetic file is made here in
# that schema (header copied from the Val-de-Marne extract of the data
# folder): one line per lycée of the national IPS list (LP and LPO with the
# vocational route, LEGT without), padded with schools and collèges as in
# the real file (~65k establishments, ~2k vocational lycées); positions are
# La Poste's commune points, contacts are placeholders.
#
# It times `monlyceepro import --force` without the file and with it, in the
# same run and on the same database, and prints the ratio.
#
#   bench/import-directory.sh                      release build
#   PROFILE=debug bench/import-directory.sh        the dev build (faster to build)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-release}"
RUNS="${RUNS:-3}"
DATA="$(realpath "${MLP_DATA_DIR:-../shared/data}")"
command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >&2
scripts/ensure-front.sh
if [ "$PROFILE" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
BIN="$(realpath "${CARGO_TARGET_DIR:-target}/$PROFILE/monlyceepro")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Two data folders linking the real files; one adds the synthetic directory.
for d in sans avec; do
  (cd "$DATA" && find . -type f -name '*.csv' -o -type f -name '*.json') | while read -r f; do
    mkdir -p "$WORK/$d/$(dirname "$f")"
    ln -s "$DATA/$f" "$WORK/$d/$f"
  done
done
python3 - "$DATA" "$WORK/avec/etablissements/fr-en-annuaire-education.csv" <<'PY'
import csv, random, sys
data, out = sys.argv[1], sys.argv[2]
random.seed(14)
head = open(f"{data}/etablissements/fr-en-annuaire-education-extrait-94-ecoles.csv", encoding="utf-8-sig").readline().rstrip("\r\n")
cols = head.split(";")
pos = {}
for r in csv.DictReader(open(f"{data}/territoires/laposte_hexasmal.csv", encoding="utf-8"), delimiter=";"):
    if r["latitude"]:
        pos.setdefault(r["Code_commune_INSEE"], (float(r["latitude"]), float(r["longitude"]), r["Code_postal"], r["Nom_commune"]))
ips = list(csv.DictReader(open(f"{data}/etablissements/fr-en-ips_lycees.csv", encoding="utf-8-sig"), delimiter=";"))
latest = max(r["rentree_scolaire"] for r in ips)
lycees = [r for r in ips if r["rentree_scolaire"] == latest]
communes = list(pos)
rows = []
def row(uai, name, kind, pro, insee, nature):
    lat, lon, cp, cname = pos.get(insee, (46.5, 2.5, "00000", ""))
    lat += random.uniform(-0.01, 0.01); lon += random.uniform(-0.01, 0.01)
    v = dict.fromkeys(cols, "")
    v.update({
        "Identifiant_de_l_etablissement": uai, "Nom_etablissement": name, "Type_etablissement": kind,
        "Statut_public_prive": "Public", "Adresse_1": f"{random.randint(1, 200)} rue de l'Exemple",
        "Adresse_3": f"{cp} {cname}", "Code_postal": cp, "Code_commune": insee, "Nom_commune": cname.title(),
        "Voie_professionnelle": pro, "Telephone": "0%d99%06d" % (random.randint(1, 5), random.randint(0, 999999)),
        "Web": f"https://etab-{uai.lower()}.exemple.fr", "Mail": f"ce.{uai}@exemple.fr", "Restauration": "1",
        "SIREN_SIRET": "", "position": f"{lat}, {lon}", "Type_contrat_prive": "SANS OBJET",
        "Libelle_departement": "Département", "Libelle_academie": "Académie", "Libelle_region": "Région",
        "coordX_origine": "650267.1", "coordY_origine": "6850327.2", "epsg_origine": "EPSG:2154",
        "nom_circonscription": "Circonscription d'inspection de l'exemple", "latitude": str(lat), "longitude": str(lon),
        "precision_localisation": "Numéro de rue", "date_ouverture": "1965-05-01", "date_maj_ligne": "2026-05-27",
        "etat": "OUVERT", "ministere_tutelle": "MINISTERE DE L'EDUCATION NATIONALE", "multi_uai": "0",
        "code_nature": "300", "libelle_nature": nature,
    })
    return ";".join(v[c].replace(";", ",") for c in cols)
for r in lycees:
    pro = "1" if r["type_de_lycee"] in ("LP", "LPO") else "0"
    rows.append(row(r["uai"], r["nom"].title(), "Lycée", pro, r["code_insee_de_la_commune"], "LYCEE"))
n = 0
while len(rows) < 65000:
    n += 1
    kind, nature = random.choice([("Ecole", "ECOLE DE NIVEAU ELEMENTAIRE")] * 7 + [("Collège", "COLLEGE")])
    rows.append(row("9%06dZ" % n, f"{kind} de l'exemple {n}", kind, "", random.choice(communes), nature))
random.shuffle(rows)
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write("\ufeff" + head + "\r\n" + "\r\n".join(rows) + "\r\n")
print(f"annuaire synthétique : {len(rows)} lignes, {len(lycees)} lycées ({sum(1 for r in lycees if r['type_de_lycee'] in ('LP', 'LPO'))} avec la voie professionnelle)", file=sys.stderr)
PY
ls -l "$WORK/avec/etablissements/fr-en-annuaire-education.csv" >&2

DB="sqlite://$WORK/bench.db"
DATABASE_URL="$DB" MLP_DATA_DIR="$WORK/sans" "$BIN" import >/dev/null
echo "# Import with the national directory ($(date -u +%Y-%m-%dT%H:%MZ), $PROFILE build)"
echo
echo "Machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"
echo
hyperfine --runs "$RUNS" --style basic --export-markdown "$WORK/r.md" \
  -n "sans annuaire" "DATABASE_URL=$DB MLP_DATA_DIR=$WORK/sans $BIN import --force" \
  -n "avec annuaire (65 000 lignes)" "DATABASE_URL=$DB MLP_DATA_DIR=$WORK/avec $BIN import --force" >&2
cat "$WORK/r.md"
echo
DATABASE_URL="$DB" MLP_DATA_DIR="$WORK/avec" "$BIN" import --force --only lycees | tail -2
