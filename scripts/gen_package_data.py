#!/usr/bin/env python3
"""Write kubectl_karp/data/compiled.json: every YAML file of the package data, decoded.

    python scripts/gen_package_data.py          # regenerate after editing data/**/*.yaml
    python scripts/gen_package_data.py --check  # exit 1 if it is stale (CI)

The YAML files stay the source; sources/packaged.py reads an entry only while its SHA-256
matches the YAML beside it, so a stale file costs speed, never correctness.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "kubectl_karp" / "data"
OUT = DATA / "compiled.json"


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from kubectl_karp.sources.packaged import compile_text

    entries = {}
    for path in sorted(DATA.rglob("*.yaml")):
        rel = path.relative_to(DATA).as_posix()
        label = f"demo/{path.name}" if rel.startswith("demo/") else f"bundled:{path.stem}"
        entries[rel] = compile_text(path.read_text(encoding="utf-8"), label)
    # One entry per line: a regenerated file diffs file by file.
    lines = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
             for k, v in entries.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/gen_package_data.py",
                  file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
