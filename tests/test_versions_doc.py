"""docs/karpenter-versions.md and the tables it is generated from stay in step."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from kubectl_karp.core import releases
from kubectl_karp.model import parse_release

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "karpenter-versions.md"
SCRIPT = ROOT / "scripts" / "gen_versions_doc.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_versions_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == _script().render(), \
        "docs/karpenter-versions.md is stale: run python scripts/gen_versions_doc.py"


def test_check_flag_passes_on_the_checked_in_doc() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_rule_has_a_row_with_its_release_pr_area_and_summary() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = {m.group(5): m.groups() for m in re.finditer(
        r"^\| (v[\d.]+) \| (v[\d.]*|) \| ([^|]+) \| (\w+) \| `([^`]+)` \| (.+) \|$", text,
        re.MULTILINE)}
    assert set(rows) == {r.name for r in releases.RULES}
    for rule in releases.RULES:
        since, until, pr, area, _name, summary = rows[rule.name]
        assert since == rule.since.short
        assert until == (rule.until.short if rule.until else "")
        assert (pr.strip(), area, summary) == (rule.pr, rule.area, rule.summary)


def test_rule_rows_are_well_formed() -> None:
    # Rule rows are positional: a swapped area and summary would render (and fork) wrongly.
    for rule in releases.RULES:
        assert re.fullmatch(r"[a-z]+", rule.area), rule  # "scheduling", not a sentence
        assert re.fullmatch(r"([\w.-]+/[\w.-]+)?#\d+(, ([\w.-]+/[\w.-]+)?#\d+)*", rule.pr), rule
        assert releases.OLDEST <= rule.since <= releases.NEWEST, rule
        assert rule.until is None or rule.since < rule.until, rule
        assert "\n" not in rule.summary and len(rule.summary) > 20, rule


def test_detection_tables_are_in_the_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for entry in parse_release.PROVIDER_IMAGES:
        assert f"| {entry.provider} | `{entry.image}` |" in text
    for feature in parse_release.CRD_FEATURES:
        assert f"| {feature.description} |" in text
    assert parse_release.CONTROLLER_SELECTOR in text
    assert f"{releases.OLDEST.short} to {releases.NEWEST.short}" in text


def test_a_stale_doc_is_reported(tmp_path: Path) -> None:
    module = _script()
    module.OUT = tmp_path / "karpenter-versions.md"
    module.OUT.write_text("old\n", encoding="utf-8")
    assert module.main(["--check"]) == 1
    assert module.main([]) == 0 and module.OUT.read_text(encoding="utf-8") == module.render()
    assert module.main(["--check"]) == 0
