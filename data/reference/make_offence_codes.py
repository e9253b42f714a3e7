"""Write data/reference/offence_codes.csv from the public reference files in ../shared/data/reference/.

Run once by hand when the reference changes; its output is committed, so a fresh clone
builds without ../shared. Every row keeps the source it came from.

Two levels of code live side by side, because FOI releases use either:
- detailed Home Office codes ("92/70"), with the Ministry of Justice's wording
  (hocr_detailed_codes.csv, MoJ hmpps-manage-offences-api list);
- Home Office classes ("19C"), with the ONS offence hierarchy's wording and groups.

The flags the headline queries use are set here, by code, in the lists below; each list
says what it counts. Nothing is inferred from matching labels between the two levels.
"""
import csv
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
SHARED = HERE.parent.parent.parent / "shared" / "data" / "reference"

ONS_FILE = "ons_crime_offence_hierarchy_2017-18.csv"
ONS_URL = "https://github.com/ONSdigital/dp-hierarchy-builder (crimeWithHomeOffice 2017-18)"
DETAILED_FILE = "hocr_detailed_codes.csv"


def codes(*specs):
    """codes("19/7-19/19", "19C") -> set of codes, ranges expanded within one class."""
    out = set()
    for spec in specs:
        if "-" in spec:
            start, end = spec.split("-")
            cls, lo = start.split("/")
            _, hi = end.split("/")
            out.update(f"{cls}/{n}" for n in range(int(lo), int(hi) + 1))
        else:
            out.add(spec)
    return out


# Rape and attempted rape (Sexual Offences Act 2003 codes 19/7-19/14 and 19/16-19/19, and the generic 19/0),
# and the six rape classes. 19/2-19/4 are older unlawful-intercourse offences, not rape.
RAPE = codes("19/0", "19/7-19/14", "19/16-19/19", "19C", "19D", "19E", "19F", "19G", "19H")
# Sexual assault and assault by penetration on a female (20) or male (17), including the
# older indecent-assault codes, and their four classes.
SEXUAL_ASSAULT = codes("17/0", "17/11-17/16", "20/0-20/6", "17A", "17B", "20A", "20B")
CHILD_UNDER_13 = codes("17/14", "17/16", "20/4", "20/6", "19/16-19/19", "17B", "20B", "19E", "19H")
FEMALE_VICTIM = codes("20/0-20/6", "20A", "20B", "19/7", "19/8", "19/11", "19/12", "19/16", "19/18",
                      "19C", "19D", "19E")
MALE_VICTIM = codes("17/0", "17/11-17/16", "17A", "17B", "19/9", "19/10", "19/13", "19/14", "19/17",
                    "19/19", "19F", "19G", "19H")
# Possessing a firearm with intent: to endanger life (5/14-16), to commit an indictable
# offence or resist arrest (8/16-18), to cause fear of violence (8/23-25); class 10A.
FIREARM_WITH_INTENT = codes("5/14-5/16", "8/16-8/18", "8/23-8/25", "10A")

DRUG_OFFENCE = [  # (codes, what the offence is)
    (codes("92/10-92/29", "93/55-93/60"), "production"),
    (codes("92/30-92/49", "93/61-93/66", "93/86"), "supply"),
    (codes("92/50-92/69", "93/67-93/72", "93/91"), "possession"),
    (codes("92/70-92/89", "93/73-93/78", "93/88", "93/92"), "possession with intent to supply"),
]

# Groups for detailed codes, by Home Office class number, as the ONS hierarchy groups the
# classes of the same number (19 -> Rape, 17 and 20 -> Other sexual offences, 81 and the
# firearm/weapon possession codes -> Possession of weapons offences, 92/93 -> drugs).
DETAILED_GROUP = [
    (lambda c: c in RAPE, "Sexual offences", "Rape"),
    (lambda c: c.split("/")[0] in ("17", "19", "20"), "Sexual offences", "Other sexual offences"),
    (lambda c: c.split("/")[0] in ("5", "8", "81"), "Possession of weapons offences", "Possession of weapons offences"),
]


def drug_offence(code):
    for members, what in DRUG_OFFENCE:
        if code in members:
            return what
    return ""


def group_for_detailed(code):
    what = drug_offence(code)
    if what:
        sub = "Possession of drugs" if what == "possession" else "Trafficking of drugs"
        return "Drug offences", sub
    for test, group, sub in DETAILED_GROUP:
        if test(code):
            return group, sub
    return "", ""


def drug_class_and_name(detail):
    m = re.match(r"(?:Other )?Class ([ABC])\b(?: - (.*))?", detail.strip(), re.I)
    if m:
        name = (m.group(2) or "").strip() or f"Other Class {m.group(1).upper()}"
        return m.group(1).upper(), name
    m = re.search(r"class ([ABC]) drug", detail, re.I)
    if m:
        return m.group(1).upper(), ""
    return "", ""


def flags(code):
    return {
        "is_rape": int(code in RAPE),
        "is_sexual_assault": int(code in SEXUAL_ASSAULT),
        "victim_child_under_13": int(code in CHILD_UNDER_13),
        "victim_sex": "female" if code in FEMALE_VICTIM else "male" if code in MALE_VICTIM else "",
        "is_firearm_with_intent": int(code in FIREARM_WITH_INTENT),
    }


def main():
    ons = list(csv.DictReader(open(SHARED / ONS_FILE, encoding="utf-8")))
    label = {r["code"]: r["label"] for r in ons}
    parent = {r["code"]: r["parent_code"] for r in ons}

    def top_and_sub(code):
        chain = []
        while code and code != "offence":
            chain.append(code)
            code = parent.get(code)
        chain.reverse()  # top group first
        top = label[chain[0]] if chain else ""
        sub = label[chain[1]] if len(chain) > 2 else top
        return top, sub

    rows = []
    for r in ons:
        code = r["code"]
        if not re.fullmatch(r"\d+[A-Z]?", code):
            continue  # a group, not an offence class
        group, sub = top_and_sub(code)
        rows.append({"code": code, "level": "class", "description": r["label"],
                     "offence_group": group, "offence_subgroup": sub,
                     "drug_class": "", "drug": "", "drug_offence": "", **flags(code),
                     "source": f"ONS offence hierarchy 2017-18 ({ONS_FILE})",
                     "source_url": ONS_URL, "licence": "OGL v3"})

    seen = set()
    for r in csv.DictReader(open(SHARED / DETAILED_FILE, encoding="utf-8")):
        code = r["detailed_code"].strip()
        if not re.fullmatch(r"\d+/\d+", code) or not r["source_title"].startswith("Ministry of Justice"):
            continue  # ranges and other sources' repeats of the same codes
        code = "/".join(str(int(p)) for p in code.split("/"))
        if code in seen:
            continue
        seen.add(code)
        group, sub = group_for_detailed(code)
        drug_class, drug = drug_class_and_name(r["drug_or_detail"]) if code.startswith(("92/", "93/")) else ("", "")
        rows.append({"code": code, "level": "detailed", "description": r["description"].strip(),
                     "offence_group": group, "offence_subgroup": sub,
                     "drug_class": drug_class, "drug": drug, "drug_offence": drug_offence(code),
                     **flags(code), "source": r["source_title"], "source_url": r["source_url"],
                     "licence": "MIT; Crown Copyright (Ministry of Justice)"})

    missing = (RAPE | SEXUAL_ASSAULT | FIREARM_WITH_INTENT) - {r["code"] for r in rows}
    if missing:
        sys.exit(f"codes flagged here but absent from the reference files: {sorted(missing)}")
    rows.sort(key=lambda r: (r["level"], [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", r["code"])]))
    with open(HERE / "offence_codes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} codes to {HERE / 'offence_codes.csv'}")


if __name__ == "__main__":
    main()
