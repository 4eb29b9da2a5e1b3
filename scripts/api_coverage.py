"""Prints, from botocore's model of AWS Backup, which operations Strongroom implements.

python scripts/api_coverage.py            # a Markdown table, as docs/api.md shows it
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


README = Path(__file__).resolve().parents[1] / "docs" / "api.md"
START, END = "<!-- api-coverage:start -->", "<!-- api-coverage:end -->"


def table() -> str:
    rows, done = coverage()
    lines = [f"{done} of {len(rows)} AWS Backup operations implemented (botocore's model).", ""]
    lines += ["| Operation | Route | Strongroom |", "| --- | --- | --- |"]
    lines += [f"| {name} | `{method} {uri}` | {'implemented' if ok else 'not yet'} |" for name, method, uri, ok in rows]
    return "\n".join(lines)


def readme_with_table(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("--readme", action="store_true")
    args = parser.parse_args()
    if args.summary:
        rows, done = coverage()
        print(f"{done} of {len(rows)} AWS Backup operations implemented")
    elif args.readme:
        README.write_text(readme_with_table(README.read_text()))
    else:
        print(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
