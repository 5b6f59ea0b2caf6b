"""Validate Registry-twin records with the independent validator ``ctdl-validate`` (PyPI).

``ctdl-validate`` needs Python >= 3.12, so it runs in its own virtual environment::

    /root/.pyenv/versions/3.12.1/bin/python -m venv /tmp/ctdlv && /tmp/ctdlv/bin/pip install ctdl-validate
    .venv/bin/python benchmarks/validate_twin.py [--python /tmp/ctdlv/bin/python] [--scale 0.01] [--seed 7]
                                                 [--per-class 25] [--out benchmarks/_work/validate_twin.json]

The script writes a stratified sample of the twin's graph documents (up to ``--per-class`` per
envelope class) plus every other graph document of the twin (so references can be resolved, as
``--resolve`` does), runs the validator's checks over each sampled document in one process, and
prints the findings by code and severity, with an example of each. Exit code 1 when the validator
reports an ERROR finding.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DRIVER = r"""
import json, sys
from collections import Counter, defaultdict
from pathlib import Path
from ctdl_validate import __version__
from ctdl_validate.graph import parse_document
from ctdl_validate.schema import load_schema
from ctdl_validate.session import Session, build_supplied
from ctdl_validate.validator import validate

sample_dir, resolve_dir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
schema = load_schema()
supplied = build_supplied([resolve_dir], schema)
by_code = Counter(); by_prop = Counter(); by_sev = Counter(); examples = {}; by_class = defaultdict(Counter); docs = 0
docs_with_error = 0
for path in sorted(sample_dir.glob("*.json")):
    data = json.loads(path.read_text())
    cls = data["@graph"][0]["@type"]
    findings = validate(Session(graph=parse_document(data, schema), schema=schema, supplied=supplied))
    docs += 1
    error = False
    for f in findings:
        d = f.to_dict()
        by_code[(d["code"], d["severity"])] += 1
        by_sev[d["severity"]] += 1
        by_class[cls][d["code"]] += 1
        value = str(d.get("value") or "")
        form = ("concept-curie" if "://" not in value else "graph-uri" if "/graph/" in value
                else "upper-case-ctid" if value[-36:] != value[-36:].lower()
                else "resources-uri" if "/resources/" in value else "other")
        by_prop[(d["code"], str(d.get("property")), form)] += 1
        d["message"] = str(d.get("message", ""))[:300]
        examples.setdefault(d["code"], {**d, "document": path.name})
        error = error or d["severity"] == "ERROR"
    docs_with_error += error
out.write_text(json.dumps({
    "validator_version": __version__, "documents": docs, "documents_with_error": docs_with_error,
    "by_severity": dict(by_sev),
    "by_code": [{"code": c, "severity": s, "count": n} for (c, s), n in by_code.most_common()],
    "by_class": {k: dict(v) for k, v in sorted(by_class.items())}, "examples": examples,
    "by_code_property_form": [{"code": c, "property": p, "value_form": f, "count": n}
                              for (c, p, f), n in by_prop.most_common()],
}, indent=1))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="/tmp/ctdlv/bin/python", help="interpreter with ctdl-validate installed")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-class", type=int, default=25)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "_work" / "validate_twin.json")
    args = parser.parse_args(argv)

    from ler_analytics.demo import iter_envelopes

    if not Path(args.python).exists():
        print(f"{args.python} not found: install ctdl-validate in a Python >= 3.12 venv (see the docstring).")
        return 2
    with tempfile.TemporaryDirectory(prefix="validate-twin-") as tmp:
        sample_dir, resolve_dir = Path(tmp, "sample"), Path(tmp, "resolve")
        sample_dir.mkdir()
        resolve_dir.mkdir()
        taken: dict[str, int] = defaultdict(int)
        for n, env in enumerate(iter_envelopes(args.scale, args.seed)):
            doc = env.get("decoded_resource")
            if not doc or "@graph" not in doc or env["resource_publish_type"] != "primary":
                continue
            cls = env["envelope_ctdl_type"]
            body = orjson.dumps(doc)
            if taken[cls] < args.per_class:
                taken[cls] += 1
                (sample_dir / f"{n:06d}.json").write_bytes(body)
            (resolve_dir / f"{n:06d}.json").write_bytes(body)  # every document can be resolved against
        args.out.parent.mkdir(parents=True, exist_ok=True)
        driver = Path(tmp, "driver.py")
        driver.write_text(DRIVER)
        subprocess.run([args.python, str(driver), str(sample_dir), str(resolve_dir), str(args.out)], check=True)
    report = json.loads(args.out.read_text())
    print(
        f"ctdl-validate {report['validator_version']}: {report['documents']} twin documents "
        f"({len(taken)} classes, scale {args.scale}, seed {args.seed}); "
        f"{report['documents_with_error']} with ERROR findings"
    )
    print("findings by severity:", report["by_severity"])
    for row in report["by_code"]:
        ex = report["examples"][row["code"]]
        print(
            f"  {row['severity']:12s} {row['code']:32s} {row['count']:6d}  e.g. {ex.get('property')}: "
            f"{str(ex.get('message'))[:110]}"
        )
    print("non-INFO findings by property and reference form:")
    for row in report["by_code_property_form"]:
        if not row["code"].startswith(("REF_RESOLVED", "INVERSE")):
            print(f"  {row['code']:24s} {row['property']:36s} {row['value_form']:16s} {row['count']:6d}")
    print(f"full report: {args.out}")
    return 1 if report["documents_with_error"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
