"""model/prices.py: the one money formatter every output and message uses (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kubectl_karp.model.prices import format_money, money, money_month

PACKAGE = Path(__file__).resolve().parents[2] / "kubectl_karp"


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"value": 0.1596}, "$0.1596"),
    ({"value": 0.36, "currency": "CNY"}, "¥0.3600"),
    ({"value": 0.36, "currency": "cny", "per": "h"}, "¥0.3600/h"),
    ({"value": 1.5, "currency": "CHF"}, "CHF 1.5000"),
    ({"value": 1234.5678, "digits": 2, "grouped": True}, "$1,234.57"),
    ({"value": 1234.5678, "digits": 0}, "$1235"),
    ({"value": None}, "-"),
    ({"value": None, "per": "h", "unknown": "unknown"}, "unknown"),
])
def test_format_money(kwargs: dict[str, object], text: str) -> None:
    value = kwargs.pop("value")
    assert format_money(value, **kwargs) == text  # type: ignore[arg-type]


def test_the_older_names_delegate() -> None:
    assert money(0.082) == format_money(0.082) == "$0.0820"
    assert money(2.0, digits=3, currency="EUR") == "€2.000"
    assert money_month(0.082) == "$59.86"
    assert money_month(10.0, "CNY") == "¥7,300.00"


def _dollar_formats(path: Path) -> list[int]:
    """Lines of f-strings that write a ``$`` right before a formatted number: money by hand."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.JoinedStr):
            continue
        for before, after in zip(node.values, node.values[1:], strict=False):
            if isinstance(before, ast.Constant) and str(before.value).endswith("$") and \
                    isinstance(after, ast.FormattedValue):
                hits.append(node.lineno)
    return hits


def test_render_and_cli_format_no_money_by_hand() -> None:
    found = {p.relative_to(PACKAGE).as_posix(): lines
             for folder in ("render", "cli") for p in sorted((PACKAGE / folder).glob("*.py"))
             if (lines := _dollar_formats(p))}
    assert found == {}


def test_the_hand_format_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text('def f(p):\n    return f"saves ${p:.4f}/h"\n', encoding="utf-8")
    assert _dollar_formats(sample) == [2]
