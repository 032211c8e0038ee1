#!/usr/bin/env python3
"""Writes the reference data in the shapes its producers publish, from a
folder in the data layout (shared/data/SOURCES.md), with the list of sources
that points `monlyceepro download --sources` at them.

None of the producers can be reached from the development machines: this is
how the download and its conversions are tested (tests/it/download.rs) and
measured (bench/download-official.sh) on files in the exact published shapes
(the brief's DATA-SOURCES.md):

- France Travail's ROME 4.0 zip "RefRomeCsv.zip": UTF-8, `,`, every field
  quoted; unix_referentiel_code_rome_v460_utf8.csv,
  unix_referentiel_appellation_v460_utf8.csv (13 columns),
  unix_domaine_professionnel_v460_utf8.csv,
  unix_arborescence_secteur_naf_v460_utf8.csv (inferred header), version.txt;
- Certif Info's monthly file: Windows-1252, CRLF, `;`, no quoting;
- the BCN's exports: ISO-8859-1 (Windows-1252);
- INSEE's NAF rév. 2 tables as Excel 97 files (xlwt): naf2008_5_niveaux.xls
  (divisions 10 and up as numbers) and naf2008_liste_n1..n5.xls (title row,
  empty row, "Code | Libellé", data);
- INSEE's correspondence NAF rév. 2 → NAF 2025 (.xls, headers as InseeFrLab's
  programs read them). Its rows are ILLUSTRATIVE: no real copy is available
  here (docs/decisions.md § 36).

Every other file is served as it is in the layout folder.

    [ROME_EDITION=461] /usr/bin/python3 scripts/official-shapes.py LAYOUT OUT BASE_URL

writes OUT/officiel/… and OUT/sources.toml, whose addresses are
BASE_URL/officiel/… (the producers' shapes) and BASE_URL/layout/… (the other
files, to serve from LAYOUT). Needs python3-xlwt (Debian).
"""

import csv
import io
import json
import os
import sys
import tomllib
import zipfile

import xlwt

ROME_EDITION = os.environ.get("ROME_EDITION", "460")
CERTIF_INFO_FILE = "opendata-certifinfo-01122026.csv"
NAF2025_FILE = "table-correspondance-naf2025.xls"

# A few links NAF 2025 → NAF rév. 2 in the shape of INSEE's table: codes
# and labels made up for the tests (NAF 2025 sub-classes end in Y in the
# public examples seen), pointing at real NAF rév. 2 sub-classes.
NAF2025_EXAMPLE = [
    ("43.21A", "Travaux d'installation électrique dans tous locaux", "43.21Y", "Travaux d'installation électrique"),
    ("43.21B", "Travaux d'installation électrique sur la voie publique", "43.21Y", "Travaux d'installation électrique"),
    ("56.10A", "Restauration traditionnelle", "56.11Y", "Restauration traditionnelle et assimilée"),
    ("56.10C", "Restauration de type rapide", "56.12Y", "Restauration rapide"),
    ("86.10Z", "Activités hospitalières", "86.10Y", "Activités hospitalières"),
]


def read_layout_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def quoted_csv(rows):
    """UTF-8, `,`, every field quoted (France Travail's CSV files)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=",", quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def rome_zip(layout):
    rome = read_layout_csv(f"{layout}/rome/rome.csv")
    titles = read_layout_csv(f"{layout}/rome/metier.csv")
    domains = read_layout_csv(f"{layout}/rome/domaine_professionnel.csv")
    head = rome[0]
    parent = {r[head.index("code_rome")]: r[head.index("code_rome_parent")] for r in rome[1:]}
    ogr = {r[head.index("code_rome")]: r[head.index("code_ogr")] for r in rome[1:]}
    # The published appellation file has two more columns than our copy.
    th = titles[0]
    appellations = [th + ["code_rome_parent", "peu_usite"]]
    for r in titles[1:]:
        appellations.append(r + [parent.get(r[th.index("code_rome")], ""), "N"])
    sectors = json.load(open(f"{layout}/naf/secteurs_naf_rome.json", encoding="utf-8"))
    tree = [["code_secteur_naf", "libelle_secteur_naf", "code_ogr_rome", "code_rome", "libelle_rome"]]
    for division in sorted(sectors, key=lambda d: int(d)):
        s = sectors[division]
        for job in s["codes_rome"]:
            tree.append([division.zfill(2), s["libelle"], ogr.get(job["code"], ""), job["code"], job["libelle"]])
    v = ROME_EDITION
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"unix_referentiel_code_rome_v{v}_utf8.csv", quoted_csv(rome))
        z.writestr(f"unix_referentiel_appellation_v{v}_utf8.csv", quoted_csv(appellations))
        z.writestr(f"unix_domaine_professionnel_v{v}_utf8.csv", quoted_csv(domains))
        z.writestr(f"unix_arborescence_secteur_naf_v{v}_utf8.csv", quoted_csv(tree))
        z.writestr("version.txt", f"Numero de version : {v}\r\nDate de publication : 15/10/2025\r\n")
    return buf.getvalue()


def windows_1252(path, crlf):
    """A layout CSV in the BCN's or Certif Info's encoding (what cannot be
    written in it becomes `?`, as the producers' exports do)."""
    text = open(path, encoding="utf-8-sig", newline="").read()
    text = text.replace("\r\n", "\n")
    if crlf:
        text = text.replace("\n", "\r\n")
    return text.replace("\ufffd", "?").encode("cp1252", errors="replace")


def xls(sheets):
    """An Excel 97 workbook from [(sheet name, rows)]."""
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets:
        sheet = book.add_sheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is not None and value != "":
                    sheet.write(i, j, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def division_cell(code):
    """INSEE writes divisions 10 and up as numbers."""
    return float(code) if code >= "10" else code


def naf_files(layout):
    naf = json.load(open(f"{layout}/naf/naf_rev2.json", encoding="utf-8"))
    levels = [["NIV5", "NIV4", "NIV3", "NIV2", "NIV1"]]
    lists = {1: {}, 2: {}, 3: {}, 4: {}, 5: {}}
    for code in sorted(naf):
        n = naf[code]
        levels.append([code, n["classe"]["code"], n["groupe"]["code"], division_cell(n["division"]["code"]), n["section"]["code"]])
        lists[5][code] = n["description"]
        lists[4][n["classe"]["code"]] = n["classe"]["description"]
        lists[3][n["groupe"]["code"]] = n["groupe"]["description"]
        lists[2][n["division"]["code"]] = n["division"]["description"]
        lists[1][n["section"]["code"]] = n["section"]["description"]
    files = {"naf2008_5_niveaux.xls": xls([("naf2008_5_niveaux", levels)])}
    names = {1: "sections", 2: "divisions", 3: "groupes", 4: "classes", 5: "sous-classes"}
    for level, entries in lists.items():
        rows = [[f"NAF rév. 2, 2008 - Niveau {level} - Liste des {names[level]}"], [], ["Code", "Libellé"]]
        for code in sorted(entries):
            cell = f"SECTION {code}" if level == 1 else division_cell(code) if level == 2 else code
            rows.append([cell, entries[code]])
        files[f"naf2008_liste_n{level}.xls"] = xls([("Feuil1", rows), ("Feuil2", []), ("Feuil3", [])])
    return files


def naf2025_file():
    head = [
        "Regroupement",
        "NAFold-code\n(code niveau sous-classe de la nomenclature actuelle)",
        "NAFold-intitulé\n(niveau sous-classe)",
        "NACEold-code\n(niveau classe)",
        "Type de lien",
        "NAFnew-code\n(code niveau sous-classe de la nomenclature 2025, correspondance logique avec les NAFold-codes)",
        "", "", "", "",
        "NACEnew-code\n(niveau classe)",
        "NAFnew-intitulé\n(niveau sous-classe)",
    ]
    rows = [head]
    for old, old_label, new, new_label in NAF2025_EXAMPLE:
        rows.append(["", old, old_label, old[:5], "", new, "", "", "", "", new[:5], new_label])
    return xls([("Table de correspondance", rows)])


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def write_sources(repo_sources, base, out):
    """The repository's list with every address moved to BASE."""
    m = tomllib.load(open(repo_sources, "rb"))
    official = {f["path"]: f for f in m["file"]}
    lines = [f"# Written by scripts/official-shapes.py: the producers' shapes served under {base}.", ""]
    for f in m["file"]:
        f = dict(f)
        if "url" in f:
            shape = f.get("shape", "layout")
            if shape == "certif-info":
                f["url"] = f"{base}/officiel/{CERTIF_INFO_FILE}"
            elif shape == "naf2025-xls":
                f["url"] = f"{base}/officiel/{NAF2025_FILE}"
                f["min_rows"] = len(NAF2025_EXAMPLE)  # the illustrative table is short
            elif shape == "layout":
                f["url"] = f"{base}/layout/{f['path']}"
            else:
                f["url"] = f"{base}/officiel/{f['path']}"
        elif "from" not in f:
            # Files with no producer's address: from the layout too.
            f["url"] = f"{base}/layout/{f['path']}"
        lines.append("[[file]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in f.items()]
        lines.append("")
    for b in m.get("bundle", []):
        lines.append("[[bundle]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in b.items() if k != "part"]
        lines.append("")
        for p in b["part"]:
            lines += ["[[bundle.part]]", f"name = {toml_value(p['name'])}", f"url = {toml_value(f'{base}/officiel/' + p['name'])}", ""]
    open(f"{out}/sources.toml", "w", encoding="utf-8").write("\n".join(lines))
    return official


def main():
    layout, out, base = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/")
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sources.toml")
    os.makedirs(out, exist_ok=True)
    official = write_sources(repo, base, out)
    o = f"{out}/officiel"
    os.makedirs(f"{o}/formations", exist_ok=True)
    open(f"{o}/RefRomeCsv.zip", "wb").write(rome_zip(layout))
    for name, data in naf_files(layout).items():
        open(f"{o}/{name}", "wb").write(data)
    open(f"{o}/{NAF2025_FILE}", "wb").write(naf2025_file())
    open(f"{o}/{CERTIF_INFO_FILE}", "wb").write(windows_1252(f"{layout}/formations/certif_info.csv", crlf=True))
    for path, f in official.items():
        if f.get("shape") == "latin-1":
            raw = open(f"{layout}/{path}", "rb").read()
            try:
                raw.decode("utf-8")
                data = windows_1252(f"{layout}/{path}", crlf=False)
            except UnicodeDecodeError:
                data = raw  # already in ISO-8859-1 (nFormationDiplome_.csv)
            open(f"{o}/{path}", "wb").write(data)


if __name__ == "__main__":
    main()
