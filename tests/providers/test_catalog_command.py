"""``kubectl karp catalog`` end to end through the CLI entry point (offline sources)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kubectl_karp.cli.app import run


def test_demo_nodepool_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--demo", "--nodepool", "test"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["NAME", "CPU", "MEMORY"]
    names = [line.split()[0] for line in lines[1:]]
    assert "S5.MEDIUM4" in names and "SA2.LARGE8" in names
    assert not any(n.startswith(("S6", "SA3", "M5", "C6")) for n in names)
    medium4 = next(line for line in lines if line.startswith("S5.MEDIUM4 "))
    assert "1930m" in medium4 and "ap-guangzhou-3,ap-guangzhou-4" in medium4
    assert "ap-guangzhou-6" not in out  # no subnet of the node class there
    assert "illustrative" in err


def test_wide_says_why_types_are_excluded(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--demo", "--nodepool", "test", "-o", "wide"]) == 0
    out = capsys.readouterr().out
    assert "EXCLUDED-BECAUSE" in out
    c6 = next(line for line in out.splitlines() if line.startswith("C6.LARGE8 "))
    assert "instance-family" in c6 and "S5, SA2" in c6


def test_filters_zone_and_capacity_type(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--demo", "--zone", "100006", "--capacity-type", "spot",
                "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "InstanceTypeCatalog" and doc["illustrativePrices"] is True
    offerings = [o for t in doc["instanceTypes"] for o in t["offerings"]]
    assert offerings and all(o["zone"] == "100006" and o["capacityType"] == "spot"
                             and o["available"] for o in offerings)
    # SA2.4XLARGE64 is sold out on-demand in 100006 but spot is fine; C6 is everywhere in gz-6
    assert "SA2.4XLARGE64" in {t["name"] for t in doc["instanceTypes"]}


def test_yaml_output_is_a_reusable_catalogue(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--demo", "-o", "yaml"]) == 0
    saved = tmp_path / "gz.yaml"
    saved.write_text(capsys.readouterr().out)
    doc = yaml.safe_load(saved.read_text())
    assert doc["kind"] == "InstanceTypeCatalog" and doc["region"] == "ap-guangzhou"
    assert run(["catalog", "--catalog", str(saved), "-o", "yaml"]) == 0
    assert capsys.readouterr().out == saved.read_text()


def test_unknown_nodepool_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--demo", "--nodepool", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: NodePool 'nope' not found (NodePools: test)")
    assert len(err.strip().splitlines()) == 1


def test_bad_catalogue_file_is_one_error_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: InstanceTypeCatalog\nprovider: tke\ninstanceTypes:\n"
                   "- name: S5.MEDIUM4\n  capacity: {cpu: lots, memory: 4Gi}\n")
    assert run(["catalog", "--catalog", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and str(bad) in err and "S5.MEDIUM4" in err
    assert "capacity.cpu" in err


def test_snapshot_without_catalogue_says_prices_are_unknown(
        capsys: pytest.CaptureFixture[str]) -> None:
    demo = Path(__file__).resolve().parents[2] / "kubectl_karp" / "data" / "demo"
    assert run(["catalog", "--snapshot", str(demo)]) == 0
    out, err = capsys.readouterr()
    assert "S5.MEDIUM2" in out and "SA2.MEDIUM4" in out and "$" not in out
    assert "prices unknown" in err or "prices are unknown" in err


def test_live_catalogue_for_other_providers_needs_a_file(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--provider", "aws", "--region", "us-west-2"]) == 2
    assert "--catalog" in capsys.readouterr().err


def test_explicit_region_picks_that_catalogue_or_names_the_regions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "--demo", "--region", "ap-beijing", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["region"] == "ap-beijing"
    zones = {o["zoneName"] for t in doc["instanceTypes"] for o in t["offerings"]}
    assert zones and all(z.startswith("ap-beijing-") for z in zones)
    assert run(["catalog", "--demo", "--region", "ap-nowhere"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == ("error: the bundled TKE catalogue has no region ap-nowhere "
                                 "(regions: ap-beijing, ap-guangzhou, ap-shanghai)\n")
    # A single catalogue of another region (here from a file) is refused, not shown.
    assert run(["catalog", "--demo", "-o", "yaml"]) == 0
    path = tmp_path / "gz.yaml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    assert run(["catalog", "--catalog", str(path), "--region", "ap-beijing"]) == 1
    assert capsys.readouterr().err == ("error: no catalogue for region ap-beijing "
                                       "(have: ap-guangzhou)\n")
    assert run(["catalog", "--catalog", str(path), "--region", "ap-guangzhou"]) == 0
    assert "ap-guangzhou-3" in capsys.readouterr().out


def test_nodepool_marks_types_its_limits_never_allow(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """Issue 19: NodePool test has limits.cpu 10: a 16-CPU type can never launch."""
    assert run(["catalog", "--demo", "--nodepool", "test"]) == 0
    captured = capsys.readouterr()
    names = [line.split()[0] for line in captured.out.splitlines()[1:]]
    assert "S5.4XLARGE32!" in names and "S5.2XLARGE16" in names
    assert "! marks instance types larger than NodePool test's spec.limits" in captured.err
    assert run(["catalog", "--demo", "--nodepool", "test", "-o", "wide"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("S5.4XLARGE32!"))
    assert row.endswith("never launches: cpu 16 > limits.cpu 10")
