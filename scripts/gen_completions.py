#!/usr/bin/env python3
"""Write completions/kubectl-karp.{bash,zsh,fish,ps1} from the click app.

    python scripts/gen_completions.py          # regenerate the files
    python scripts/gen_completions.py --check  # exit 1 if any file is stale (CI)

The files are exactly what ``kubectl karp completion SHELL`` prints, kept in the
repository for packagers who install completion files without running the program.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "completions"
FILES = {"bash": "kubectl-karp.bash", "zsh": "kubectl-karp.zsh", "fish": "kubectl-karp.fish",
         "powershell": "kubectl-karp.ps1"}


def expected() -> dict[Path, str]:
    sys.path.insert(0, str(ROOT))
    from kubectl_karp.cli.completion import script_for

    return {OUT / name: script_for(shell) for shell, name in FILES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the shell completion scripts.")
    parser.add_argument("--check", action="store_true",
                        help="only report stale files; exit status 1 if any")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for path, text in expected().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path.relative_to(ROOT).as_posix())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path.relative_to(ROOT).as_posix()}")
    if stale:
        print("stale completion scripts (run scripts/gen_completions.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
