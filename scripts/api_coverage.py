"""Prints, from botocore's model of AWS Backup, which operations Strongroom implements.

python scripts/api_coverage.py            # a Markdown table, as the README shows it
python scripts/api_coverage.py --summary  # one line: implemented / total
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lambdas.api.operations import load_all
from lambdas.api.protocol import service_model


def coverage() -> tuple[list[tuple[str, str, str, bool]], int]:
    model = service_model()
    implemented = load_all()
    rows = []
    for name in sorted(model.operation_names):
        http = model.operation_model(name).http
        rows.append((name, http["method"], http["requestUri"], name in implemented))
    return rows, sum(1 for row in rows if row[3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    rows, done = coverage()
    if args.summary:
        print(f"{done} of {len(rows)} AWS Backup operations implemented")
        return 0
    print(f"{done} of {len(rows)} AWS Backup operations implemented (botocore's model).\n")
    print("| Operation | Route | Strongroom |")
    print("| --- | --- | --- |")
    for name, method, uri, ok in rows:
        print(f"| {name} | `{method} {uri}` | {'implemented' if ok else 'not yet'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
