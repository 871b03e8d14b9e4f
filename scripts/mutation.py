"""Mutation testing of the pure core and model with mutmut, in bounded time.

Not part of CI (slow). Run from the repository root after ``pip install -e '.[test,mutation]'``:

    python scripts/mutation.py                      # every module of core/ and model/, 60 min
    python scripts/mutation.py --only 'kubectl_karp/core/disruption/pdbs.py' --minutes 10

mutmut copies the package into ``mutants/`` (git-ignored), mutates only the files matched by
``--only`` (default: ``[tool.mutmut] only_mutate`` in pyproject.toml), runs the tests that
cover each mutant, and stops after ``--minutes``. The survivors are printed at the end
(``mutmut results``); inspect one with ``mutmut show NAME``. Every survivor is either a test
to write or an equivalent mutant to note.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help="glob of files to mutate (repeatable)")
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--fresh", action="store_true", help="discard earlier results")
    args = parser.parse_args()
    if shutil.which("mutmut") is None:
        print("error: mutmut is not installed: pip install -e '.[test,mutation]'",
              file=sys.stderr)
        return 1
    if args.fresh:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    env = dict(os.environ)
    if args.only:
        # mutmut reads its settings from pyproject; narrowing is passed as mutant names.
        pass
    cmd = ["mutmut", "run", "--max-children", str(args.children)]
    names = [_mutant_prefix(pattern) for pattern in args.only]
    cmd += [f"{name}*" for name in names if name]
    try:
        subprocess.run(cmd, cwd=ROOT, env=env, timeout=args.minutes * 60, check=False)
    except subprocess.TimeoutExpired:
        print(f"note: stopped after {args.minutes:g} minutes; run again to continue "
              "(results so far are kept in mutants/)", file=sys.stderr)
    done = subprocess.run(["mutmut", "results"], cwd=ROOT, env=env, text=True,
                          capture_output=True, check=False)
    survivors = [line for line in done.stdout.splitlines() if "survived" in line]
    print("\n".join(survivors) or "no surviving mutants among those run")
    print(f"{len(survivors)} survivors", file=sys.stderr)
    return 0


def _mutant_prefix(pattern: str) -> str:
    """``kubectl_karp/core/disruption/pdbs.py`` -> ``kubectl_karp.core.disruption.pdbs``."""
    path = pattern.removesuffix(".py").removesuffix("*").rstrip("/")
    return path.replace("/", ".")


if __name__ == "__main__":
    raise SystemExit(main())
