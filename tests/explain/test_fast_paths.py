"""explain's shortcuts answer exactly what the full walk would: the same Explanation, pod by
pod, on the benchmark's mix with stuck pods and on the demo cluster."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from kubectl_karp.core.context import build_context
from kubectl_karp.core.explain import explain, explainer
from kubectl_karp.sources.demo import load_demo

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"_karp_bench_{name}", _BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _both(monkeypatch: pytest.MonkeyPatch, run: Any) -> tuple[Any, Any]:
    fast = run()
    monkeypatch.setattr(explainer, "SKIP_CHOSEN_WALK", False)
    slow = run()
    return fast, slow


def test_chosen_pool_shortcut_changes_nothing_on_the_benchmark_mix(
        monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _load("explain")
    sched = _load("scheduling")
    ctx = sched.context(sched.instance_types(60))
    pods = bench.batch(300, 0.1)
    fast, slow = _both(monkeypatch, lambda: explain(ctx, pods, batch=pods))
    assert fast == slow
    chosen = [v for p in fast.pods for v in p.node_pools if v.chosen]
    assert chosen, "the shortcut's case (a pod on a planned NodeClaim) never arose"
    assert any(not p.verdict.schedulable for p in fast.pods)


def test_chosen_pool_shortcut_changes_nothing_on_the_demo(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_karp.sources.catalogs import bundled_catalogs

    ctx = build_context(load_demo(), bundled_catalogs())
    fast, slow = _both(monkeypatch, lambda: explain(ctx))
    assert fast == slow
