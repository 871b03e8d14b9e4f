"""The catalogue file format: round trips, validation errors, bundled data, --catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.errors import InputError
from kubectl_karp.model.parse import catalog_to_document, parse_catalog
from kubectl_karp.providers import complete_catalog
from kubectl_karp.render.output import to_yaml
from kubectl_karp.sources.catalogs import bundled_catalogs, load_context, read_catalog_files
from kubectl_karp.sources.files import load_paths

DOC = """\
kind: InstanceTypeCatalog
provider: tke
region: ap-guangzhou
source: test figures
instanceTypes:
- name: S5.MEDIUM4
  labels: {karpenter.k8s.tke/instance-family: S5, kubernetes.io/arch: amd64}
  capacity: {cpu: "2", memory: 4Gi, pods: "61"}
  allocatable: {cpu: 1930m, memory: 2428Mi, pods: "61"}
  offerings:
  - {zone: "100003", zoneName: ap-guangzhou-3, capacityType: on-demand, pricePerHour: 0.2,
     available: true}
"""


def write(tmp_path: Path, text: str, name: str = "cat.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_round_trip_of_a_completed_catalogue() -> None:
    for catalog in bundled_catalogs("tke"):
        completed = complete_catalog(catalog)
        again = parse_catalog(catalog_to_document(completed), "again")
        assert again.instance_types == completed.instance_types
        assert again.illustrative_prices and again.region == catalog.region


def test_round_trip_through_yaml_text(tmp_path: Path) -> None:
    [catalog] = read_catalog_files([write(tmp_path, DOC)])
    text = to_yaml(catalog_to_document(complete_catalog(catalog)))
    [back] = read_catalog_files([write(tmp_path, text, "back.yaml")])
    assert back.instance_types == complete_catalog(catalog).instance_types


@pytest.mark.parametrize(("change", "field"), [
    (("memory: 4Gi", "memory: 4Gx"), "S5.MEDIUM4.capacity.memory"),
    (('cpu: "2", ', ""), "S5.MEDIUM4.capacity"),
    (("capacityType: on-demand", "capacityType: cheap"), "offerings[0].capacityType"),
    (("pricePerHour: 0.2", "pricePerHour: -1"), "offerings[0].pricePerHour"),
    (("provider: tke", "provider: gcp"), ".provider"),
])
def test_validation_errors_name_file_type_and_field(tmp_path: Path, change: tuple[str, str],
                                                    field: str) -> None:
    path = write(tmp_path, DOC.replace(*change))
    with pytest.raises(InputError) as err:
        read_catalog_files([path])
    text = str(err.value)
    assert path in text and field in text
    if field != ".provider":
        assert "instance type S5.MEDIUM4" in text


def test_duplicate_type_is_rejected(tmp_path: Path) -> None:
    entry = DOC.split("instanceTypes:\n")[1]
    with pytest.raises(InputError, match=r"S5\.MEDIUM4 is listed twice"):
        read_catalog_files([write(tmp_path, DOC + entry)])


def test_file_without_catalogue_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    with pytest.raises(InputError, match="no kind: InstanceTypeCatalog"):
        read_catalog_files([path])


def test_bundled_catalogue_is_realistic_and_says_prices_are_illustrative() -> None:
    catalogs = bundled_catalogs("tke")
    assert {c.region for c in catalogs} == {"ap-guangzhou", "ap-shanghai", "ap-beijing"}
    for catalog in catalogs:
        assert catalog.illustrative_prices and "illustrative" in catalog.source
        families = {it.labels["karpenter.k8s.tke/instance-family"]
                    for it in catalog.instance_types}
        # the families a TKE user meets: Intel/AMD standard, memory, compute, GPU, Arm
        assert families == {"S5", "S6", "SA2", "SA3", "SA5", "M5", "M6", "C6", "GN7", "SR1"}
        # and the catalogue says it is a subset, naming them
        assert "a subset of TKE instance types (families S5, S6, SA2, SA3, SA5, M5, M6, C6, " \
               "GN7, SR1)" in catalog.source
        for it in catalog.instance_types:
            size = it.name.split(".")[1]
            memory_gb = int(size[len(size.rstrip("0123456789")):])
            assert it.capacity["memory"] == memory_gb * 2**30 * 1000, it.name
            cores = {"SMALL": 1, "MEDIUM": 2, "LARGE": 4, "2XLARGE": 8, "4XLARGE": 16,
                     "5XLARGE": 20, "8XLARGE": 32, "10XLARGE": 40, "12XLARGE": 48,
                     "20XLARGE": 80}
            assert it.capacity["cpu"] == cores[size.rstrip("0123456789")] * 1000, it.name
            # no blanket pods figure: the provider's per-type rule decides
            assert "pods" not in it.capacity, it.name
        zones = {o.zone for it in catalog.instance_types for o in it.offerings}
        assert all(z.isdigit() for z in zones)
        # stock is the live API's to tell: no invented sold-out offerings
        assert all(o.available for it in catalog.instance_types for o in it.offerings)
        by_name = catalog.by_name()
        assert by_name["GN7.2XLARGE32"].capacity["nvidia.com/gpu"] == 1000
        assert by_name["GN7.20XLARGE320"].capacity["nvidia.com/gpu"] == 4000
        assert by_name["SR1.LARGE8"].labels["kubernetes.io/arch"] == "arm64"
    assert bundled_catalogs("tke", "ap-shanghai")[0].region == "ap-shanghai"


def test_catalogue_inside_a_snapshot_is_used(tmp_path: Path) -> None:
    demo_dir = Path(__file__).resolve().parents[2] / "kubectl_karp" / "data" / "demo"
    (tmp_path / "snap").mkdir()
    for f in demo_dir.glob("*.yaml"):
        (tmp_path / "snap" / f.name).write_text(f.read_text())
    write(tmp_path / "snap", DOC, "zz-catalog.yaml")
    opts = ClusterOptions(snapshot=str(tmp_path / "snap"))
    ctx = load_context(opts)
    npc = ctx.node_pool("test")
    assert npc is not None and [it.name for it in npc.instance_types] == ["S5.MEDIUM4"]
    assert ctx.catalog_source == "test figures" and not ctx.illustrative_prices


def test_catalog_flag_beats_everything(tmp_path: Path) -> None:
    ctx = load_context(ClusterOptions(demo=True, catalogs=(write(tmp_path, DOC),)))
    assert [it.name for it in ctx.node_pools[0].instance_types] == ["S5.MEDIUM4"]
    ctx = load_context(ClusterOptions(demo=True, catalogs=("bundled:tke",)))
    assert ctx.illustrative_prices and len(ctx.node_pools[0].instance_types) > 40


def test_demo_uses_the_bundled_catalogue_and_snapshot_files_infer() -> None:
    ctx = load_context(ClusterOptions(demo=True))
    assert ctx.catalog_source == ("bundled TKE catalogue (a subset: families S5, S6, SA2, SA3, "
                                  "SA5, M5, M6, C6, GN7, SR1; illustrative prices)")
    assert ctx.illustrative_prices
    demo_dir = Path(__file__).resolve().parents[2] / "kubectl_karp" / "data" / "demo"
    snap = load_paths([str(demo_dir)])
    ctx = load_context(ClusterOptions(snapshot=str(demo_dir)), snap)
    assert not ctx.prices_known and "prices unknown" in ctx.catalog_source


def test_what_if_nodepool_replaces_the_demo_one(tmp_path: Path) -> None:
    pool = """\
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: test}
spec:
  template:
    spec:
      requirements: []
      nodeClassRef: {group: karpenter.k8s.tke, kind: TKEMachineNodeClass, name: missing}
"""
    ctx = load_context(ClusterOptions(demo=True), what_if=[write(tmp_path, pool, "np.yaml")])
    npc = ctx.node_pool("test")
    assert npc is not None and npc.problems and "missing" in npc.problems[0].message


def test_demo_ignores_the_region_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    ctx = load_context(ClusterOptions(demo=True, region="ap-beijing"))
    npc = ctx.node_pool("test")
    assert npc is not None and any(it.available_offerings() for it in npc.instance_types)
