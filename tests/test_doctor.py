"""akinv.doctor: each check on the fixture cluster and on variants that isolate it."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from doctor_fixtures import (
    AKASH_GPU,
    NODES,
    PODS,
    STATUS,
    by_code,
    found,
    node,
    nodes,
    only_nodes,
    pod,
    pods,
    status,
    without_pods,
)

import akinv
from akinv.doctor import DoctorFinding, DoctorInputError, examine, read_cluster
from akinv.doctor.checks.device_plugin import plugin_vendor
from akinv.doctor.checks.kernel import kernel_release
from akinv.doctor.kube import decode_pods
from akinv.doctor.labels import akash_gpu_labels, product_interface, product_names_model

# What the doctor must say about the fixture cluster, nothing more and nothing less.
EXPECTED = [
    ("error", "memory-requests-above-allocatable", "cpu-01"),
    ("error", "kernel-newer-than-5-15", "cpu-02"),
    ("error", "device-plugin-restarting", "gpu-a100-02"),
    ("error", "gpu-requests-above-allocatable", "gpu-a100-02"),
    ("error", "status-wrapped-negative", "gpu-a100-02"),
    ("error", "gpu-label-count-mismatch", "gpu-4090-02"),
    ("error", "gpu-memory-mismatch", "gpu-4090-02"),
    ("error", "gpu-model-mismatch", "gpu-4090-02"),
    ("warning", "device-plugin-without-gpus", "cpu-01"),
    ("warning", "node-memory-pressure", "cpu-01"),
    ("warning", "device-plugin-without-gpus", "cpu-02"),
]
CLEAN_NODES = ("cp-01", "gpu-a100-01", "gpu-4090-01")


def run(
    node_list: dict[str, Any] | None = None,
    pod_list: dict[str, Any] | None = None,
    status_doc: dict[str, Any] | None = None,
) -> list[DoctorFinding]:
    return examine(node_list or nodes(), pod_list or pods(), status_doc)


def test_fixture_cluster_findings_in_order() -> None:
    findings = examine(NODES.read_bytes(), PODS.read_bytes(), STATUS.read_bytes())
    assert [(f.severity, f.code, f.node) for f in findings] == EXPECTED


def test_clean_nodes_have_no_findings() -> None:
    node_list, pod_list = nodes(), pods()
    only_nodes(node_list, pod_list, *CLEAN_NODES)
    assert [f.code for f in run(node_list, pod_list)] == ["status-not-given"]


def test_inputs_as_bytes_str_or_decoded_give_the_same_findings() -> None:
    raw = examine(NODES.read_bytes(), PODS.read_bytes(), STATUS.read_bytes())
    text = examine(NODES.read_text(), PODS.read_text(), STATUS.read_text())
    decoded = examine(nodes(), pods(), status())
    assert raw == text == decoded


def test_findings_are_frozen_json_data_with_stable_codes() -> None:
    findings = examine(NODES.read_bytes(), PODS.read_bytes(), STATUS.read_bytes())
    finding = findings[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        finding.evidence["excess"] = 0  # type: ignore[index]
    for finding in findings:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", finding.code)
        assert finding.severity in ("error", "warning", "info")
        assert finding.message and finding.remedy
        # Evidence survives a JSON round trip unchanged: plain data, integers exact.
        assert json.loads(json.dumps(finding.to_dict())) == finding.to_dict()


def test_missing_inputs_are_said() -> None:
    findings = examine(NODES.read_bytes())
    notes = {f.code: f for f in findings if f.severity == "info"}
    assert set(notes) == {"pods-not-given", "status-not-given"}
    assert "did not run" in notes["pods-not-given"].message
    # Without pods, nothing that needs pods is claimed.
    assert not {f.code for f in findings} & {
        "gpu-requests-above-allocatable",
        "device-plugin-missing",
        "memory-requests-above-allocatable",
    }


# GPU labels against devices


def test_labels_without_gpus() -> None:
    node_list = nodes()
    node(node_list, "cpu-01")["metadata"]["labels"][AKASH_GPU + "a100"] = "8"
    finding = by_code(run(node_list), "gpu-labels-without-gpus", "cpu-01")
    assert finding.severity == "error"
    assert finding.evidence["labels"] == {AKASH_GPU + "a100": "8"}
    assert "nothing on the node reports a device" in finding.message


def test_labels_without_gpus_blames_the_plugin_when_discovery_sees_devices() -> None:
    node_list = nodes()
    status_part = node(node_list, "gpu-a100-01")["status"]
    for part in ("capacity", "allocatable"):
        del status_part[part]["nvidia.com/gpu"]
    finding = by_code(run(node_list), "gpu-labels-without-gpus", "gpu-a100-01")
    assert "device plugin is not advertising them" in finding.message


def test_gpus_without_labels() -> None:
    node_list = nodes()
    labels = node(node_list, "gpu-4090-01")["metadata"]["labels"]
    for key in [k for k in labels if k.startswith(AKASH_GPU)]:
        del labels[key]
    finding = by_code(run(node_list), "gpus-without-labels", "gpu-4090-01")
    assert finding.severity == "warning" and finding.evidence["capacity"] == 4


def test_label_count_mismatch() -> None:
    assert by_code(run(), "gpu-label-count-mismatch", "gpu-4090-02").evidence["capacity"] == 4
    node_list = nodes()
    node(node_list, "gpu-a100-01")["metadata"]["labels"][AKASH_GPU + "a100"] = "4"
    finding = by_code(run(node_list), "gpu-label-count-mismatch", "gpu-a100-01")
    assert "4 x a100" in finding.message and "8 nvidia.com/gpu" in finding.message


def test_label_count_that_is_not_a_number_is_a_mismatch() -> None:
    node_list = nodes()
    node(node_list, "gpu-a100-01")["metadata"]["labels"][AKASH_GPU + "a100"] = "true"
    assert ("gpu-label-count-mismatch", "gpu-a100-01") in found(run(node_list))


def test_model_mismatch() -> None:
    finding = by_code(run(), "gpu-model-mismatch", "gpu-4090-02")
    assert finding.evidence["gpu_product_label"] == "NVIDIA-GeForce-RTX-4090"
    assert finding.evidence["label"] == AKASH_GPU + "a100"
    # An a10 label does not pass for an A100.
    node_list = nodes()
    labels = node(node_list, "gpu-a100-01")["metadata"]["labels"]
    labels[AKASH_GPU + "a10"] = labels.pop(AKASH_GPU + "a100")
    assert ("gpu-model-mismatch", "gpu-a100-01") in found(run(node_list))


def test_memory_mismatch() -> None:
    finding = by_code(run(), "gpu-memory-mismatch", "gpu-4090-02")
    assert finding.evidence["gpu_memory_mib_label"] == 24564
    # 80Gi against 81,920 MiB agrees; 40Gi does not.
    node_list = nodes()
    labels = node(node_list, "gpu-a100-01")["metadata"]["labels"]
    labels[AKASH_GPU + "a100.ram.40Gi"] = labels.pop(AKASH_GPU + "a100.ram.80Gi")
    assert ("gpu-memory-mismatch", "gpu-a100-01") in found(run(node_list))


def test_interface_mismatch() -> None:
    node_list = nodes()
    labels = node(node_list, "gpu-a100-01")["metadata"]["labels"]
    labels[AKASH_GPU + "a100.interface.pcie"] = labels.pop(AKASH_GPU + "a100.interface.sxm")
    finding = by_code(run(node_list), "gpu-interface-mismatch", "gpu-a100-01")
    assert "NVIDIA-A100-SXM4-80GB (sxm)" in finding.message


@pytest.mark.parametrize(
    ("product", "model", "names"),
    [
        ("NVIDIA-A100-SXM4-80GB", "a100", True),
        ("NVIDIA-A100-SXM4-80GB", "a10", False),
        ("NVIDIA-A10", "a10", True),
        ("NVIDIA-GeForce-RTX-4090", "rtx4090", True),
        ("NVIDIA-GeForce-RTX-4090", "rtx4080", False),
        ("Tesla-T4", "t4", True),
        ("NVIDIA-H100-80GB-HBM3", "h100", True),
        ("NVIDIA-RTX-A6000", "a6000", True),
        ("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", "a100", True),
    ],
)
def test_product_names_model(product: str, model: str, names: bool) -> None:
    assert product_names_model(product, model) is names


def test_product_interface() -> None:
    assert product_interface("NVIDIA-A100-SXM4-80GB") == "sxm"
    assert product_interface("NVIDIA-A100-80GB-PCIe") == "pcie"
    assert product_interface("NVIDIA-GeForce-RTX-4090") is None


def test_akash_label_forms() -> None:
    labels = akash_gpu_labels(
        {
            AKASH_GPU + "t4": "1",
            AKASH_GPU + "t4.ram.16Gi": "1",
            AKASH_GPU + "t4.interface.pcie": "1",
            AKASH_GPU + "t4.colour.green": "1",
            "akash.network/capabilities.storage.class.beta3": "1",
        }
    )
    assert [(x.model, x.ram, x.interface, x.count) for x in labels] == [
        ("t4", None, None, 1),
        ("t4", None, "pcie", 1),
        ("t4", "16Gi", None, 1),
    ]


# The device plugin and the wrapped GPU count


def test_gpu_requests_above_allocatable_predicts_the_wrapped_status() -> None:
    finding = by_code(run(status_doc=status()), "gpu-requests-above-allocatable", "gpu-a100-02")
    evidence = finding.evidence
    assert (evidence["capacity"], evidence["allocatable"], evidence["requested"]) == (8, 0, 3)
    assert evidence["wrapped_available"] == 2**64 - 3 == 18446744073709551613
    assert evidence["status"] == [
        {
            "code": "wrapped-negative",
            "path": "cluster.inventory.available.nodes[3].available.gpu",
            "value": 2**64 - 3,
        }
    ]
    assert "restarting or broken" in finding.message and "the provider's status shows it" in finding.message
    assert len(evidence["device_plugin"]) == 1  # type: ignore[arg-type]


def test_gpu_requests_above_allocatable_after_a_card_is_lost() -> None:
    node_list = nodes()
    node(node_list, "gpu-a100-01")["status"]["allocatable"]["nvidia.com/gpu"] = "5"
    finding = by_code(run(node_list), "gpu-requests-above-allocatable", "gpu-a100-01")
    assert finding.evidence["deficit"] == 1 and "lost or pulled" in finding.message


def test_gpu_limits_alone_count_as_requests() -> None:
    pod_list = pods()
    resources = pod(pod_list, "trainer-1a2b3c4d5-r4t5y")["spec"]["containers"][0]["resources"]
    del resources["requests"]["nvidia.com/gpu"]
    assert by_code(run(pod_list=pod_list), "gpu-requests-above-allocatable").evidence["requested"] == 3


def test_device_plugin_restarting() -> None:
    finding = by_code(run(), "device-plugin-restarting", "gpu-a100-02")
    assert finding.severity == "error"
    assert finding.evidence["waiting"] == "CrashLoopBackOff" and finding.evidence["restarts"] == 6
    # Restarted but ready again: a warning.
    pod_list = pods()
    state = pod(pod_list, "nvidia-device-plugin-c6v9p")["status"]["containerStatuses"][0]
    state["restartCount"] = 3
    assert by_code(run(pod_list=pod_list), "device-plugin-restarting", "gpu-a100-01").severity == "warning"


def test_device_plugin_missing() -> None:
    pod_list = without_pods(pods(), "nvidia-device-plugin-z4n1b")
    finding = by_code(run(pod_list=pod_list), "device-plugin-missing", "gpu-4090-01")
    assert finding.severity == "error" and finding.evidence["capacity"] == 4


def test_device_plugin_missing_where_only_labels_say_gpu() -> None:
    node_list, pod_list = nodes(), without_pods(pods(), "nvidia-device-plugin-5tq2w")
    node(node_list, "cpu-01")["metadata"]["labels"]["nvidia.com/gpu.present"] = "true"
    assert ("device-plugin-missing", "cpu-01") in found(run(node_list, pod_list))


def test_device_plugin_without_gpus() -> None:
    finding = by_code(run(), "device-plugin-without-gpus", "cpu-01")
    assert finding.evidence["pods"][0]["pod"] == "nvidia-device-plugin/nvidia-device-plugin-5tq2w"  # type: ignore[index]
    pod_list = without_pods(pods(), "nvidia-device-plugin-5tq2w", "nvidia-device-plugin-m8d4x")
    assert not {code for code, _ in found(run(pod_list=pod_list))} & {"device-plugin-without-gpus"}


@pytest.mark.parametrize(
    ("labels", "name", "image", "vendor"),
    [
        ({"app.kubernetes.io/name": "nvidia-device-plugin"}, "x", "busybox", "nvidia"),
        ({"name": "nvidia-device-plugin-ds"}, "x", "busybox", "nvidia"),
        ({"app": "nvidia-device-plugin-daemonset"}, "x", "busybox", "nvidia"),
        ({}, "nvidia-device-plugin-daemonset-4kq2p", "busybox", "nvidia"),
        ({}, "gpu-plugin-x", "nvcr.io/nvidia/k8s-device-plugin:v0.14.5", "nvidia"),
        ({}, "gpu-plugin-x", "docker.io/rocm/k8s-device-plugin:1.25.2.8", "amd"),
        ({"name": "amdgpu-dp-ds"}, "x", "busybox", "amd"),
        ({"k8s-app": "calico-node"}, "calico-node-2xw9d", "quay.io/calico/node:v3.26.4", None),
    ],
)
def test_plugin_vendor(labels: dict[str, str], name: str, image: str, vendor: str | None) -> None:
    item = {"metadata": {"name": name, "labels": labels}, "spec": {"containers": [{"image": image}]}}
    (decoded,) = decode_pods({"kind": "PodList", "items": [item]})
    assert plugin_vendor(decoded) == vendor


# Kernels and calico-node


def test_kernel_with_calico_restarts_is_an_error() -> None:
    finding = by_code(run(), "kernel-newer-than-5-15", "cpu-02")
    assert finding.severity == "error"
    assert finding.evidence["kernel_version"] == "6.2.0-39-generic"
    calico = finding.evidence["calico_node"][0]  # type: ignore[index]
    assert calico["restarts"] == 23 and calico["last_termination"]["exit_code"] == 137  # type: ignore[index,call-overload]
    assert "hypervisor" in finding.remedy


def test_kernel_alone_is_a_warning() -> None:
    pod_list = pods()
    state = pod(pod_list, "calico-node-v7m2c")["status"]["containerStatuses"][0]
    state.update(restartCount=0, ready=True, lastState={})
    assert by_code(run(pod_list=pod_list), "kernel-newer-than-5-15", "cpu-02").severity == "warning"
    # Without a PodList the kernel is still read.
    assert ("kernel-newer-than-5-15", "cpu-02") in found(examine(nodes()))


def test_calico_restarts_on_an_older_kernel() -> None:
    node_list = nodes()
    node(node_list, "cpu-02")["status"]["nodeInfo"]["kernelVersion"] = "5.15.0-91-generic"
    finding = by_code(run(node_list), "calico-node-restarting", "cpu-02")
    assert finding.severity == "warning" and "23 restarts" in finding.message
    assert ("kernel-newer-than-5-15", "cpu-02") not in found(run(node_list))


@pytest.mark.parametrize(
    ("version", "release"),
    [
        ("6.2.0-39-generic", (6, 2)),
        ("5.15.0-105-generic", (5, 15)),
        ("5.4.0", (5, 4)),
        ("", None),
        ("v6", None),
    ],
)
def test_kernel_release(version: str, release: tuple[int, int] | None) -> None:
    assert kernel_release(version) == release


# Over-commit and node conditions


def test_memory_over_commit() -> None:
    finding = by_code(run(), "memory-requests-above-allocatable", "cpu-01")
    # 64Gi + 48Gi + 16Gi of tenants and calico-node's 64M, against 131,302,036Ki.
    requested = (64 + 48 + 16) * 2**30 + 64_000_000
    assert finding.evidence["requested"] == requested
    assert finding.evidence["allocatable"] == 131_302_036 * 1024
    assert finding.evidence["excess"] == requested - 131_302_036 * 1024


def test_cpu_over_commit_and_finished_pods_do_not_count() -> None:
    # cpu-02 runs 4.15 cores of pods; a Succeeded job there asked for 30 and no longer counts.
    node_list = nodes()
    node(node_list, "cpu-02")["status"]["allocatable"]["cpu"] = "4"
    finding = by_code(run(node_list), "cpu-requests-above-allocatable", "cpu-02")
    assert (finding.evidence["requested"], finding.evidence["allocatable"]) == (4150, 4000)
    node(node_list, "cpu-02")["status"]["allocatable"]["cpu"] = "4150m"
    assert ("cpu-requests-above-allocatable", "cpu-02") not in found(run(node_list))


def test_over_commit_is_exact_past_uint64() -> None:
    pod_list = pods()
    resources = pod(pod_list, "web-8e6f5d4c3-h5j8k")["spec"]["containers"][0]["resources"]
    resources["requests"]["memory"] = "18446744073709551617"
    finding = by_code(run(pod_list=pod_list), "memory-requests-above-allocatable", "cpu-02")
    assert finding.evidence["requested"] == 2**64 + 1 + 64_000_000
    assert isinstance(finding.evidence["excess"], int)


def test_pod_requests_follow_the_scheduler() -> None:
    """Containers add up; an init container counts alone if larger; sidecars (init containers
    with restartPolicy Always) add to both; overhead adds on top."""

    def container(cpu: str, **extra: str) -> dict[str, Any]:
        return {"name": "c", "resources": {"requests": {"cpu": cpu}}, **extra}

    item = {
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {
            "nodeName": "cpu-01",
            "containers": [container("1"), container("500m")],
            "initContainers": [container("2"), container("250m", restartPolicy="Always"), container("1900m")],
            "overhead": {"cpu": "100m"},
        },
        "status": {"phase": "Running"},
    }
    cluster = read_cluster(nodes(), {"kind": "List", "items": [item]})
    # max(1 + 0.5 + 0.25 sidecar, 2, 1.9 + 0.25 sidecar before it) + 0.1 overhead
    assert cluster.node_requested("cpu-01").cpu_millis == 2150 + 100


@pytest.mark.parametrize(
    ("kind", "status_value", "code", "severity"),
    [
        ("Ready", "False", "node-not-ready", "error"),
        ("Ready", "Unknown", "node-not-ready", "error"),
        ("DiskPressure", "True", "node-disk-pressure", "warning"),
        ("PIDPressure", "True", "node-pid-pressure", "warning"),
        ("MemoryPressure", "True", "node-memory-pressure", "warning"),
    ],
)
def test_node_conditions(kind: str, status_value: str, code: str, severity: str) -> None:
    node_list = nodes()
    for condition in node(node_list, "gpu-4090-01")["status"]["conditions"]:
        if condition["type"] == kind:
            condition["status"] = status_value
    finding = by_code(run(node_list), code, "gpu-4090-01")
    assert finding.severity == severity and finding.evidence["status"] == status_value


def test_node_without_ready_condition_is_not_ready() -> None:
    node_list = nodes()
    node(node_list, "cp-01")["status"]["conditions"] = []
    assert "has no Ready condition" in by_code(run(node_list), "node-not-ready", "cp-01").message


# The provider's status


def test_status_findings_are_tied_to_nodes_and_their_causes() -> None:
    finding = by_code(run(status_doc=status()), "status-wrapped-negative", "gpu-a100-02")
    assert finding.evidence["value"] == 2**64 - 3
    assert finding.evidence["node_in_cluster"] is True
    assert finding.evidence["explained_by"] == ["device-plugin-restarting", "gpu-requests-above-allocatable"]


def test_every_status_finding_is_reported(samples: dict[str, bytes]) -> None:
    document = samples["inventory-wrapped-cpu-memory.json"]
    report = akinv.validate(document)
    findings = [f for f in examine(NODES.read_bytes(), None, document) if f.code.startswith("status-")]
    reported = [
        (f.code, f.node, f.evidence.get("path")) for f in findings if f.code != "status-nodes-not-in-cluster"
    ]
    expected = [(f"status-{f.code}", f.node, f.path) for f in report.findings]
    assert len(expected) == 3 and sorted(reported, key=str) == sorted(expected, key=str)
    # Its nodes are not this cluster's: said once, with their names.
    other = by_code(findings, "status-nodes-not-in-cluster")
    assert other.evidence["nodes"] == ["worker-01", "worker-02"]


def test_status_of_unknown_shape_raises() -> None:
    with pytest.raises(akinv.PayloadError):
        examine(NODES.read_bytes(), None, b'{"hello": 1}')


# Inputs that cannot be read


def test_wrong_list_kind_is_named() -> None:
    with pytest.raises(
        DoctorInputError, match=r"nodes: holds a PodList, not a NodeList .*kubectl get nodes -o json"
    ):
        examine(PODS.read_bytes().replace(b'"kind": "List"', b'"kind": "PodList"'))


def test_wrong_type_names_the_json_path() -> None:
    node_list = nodes()
    node_list["items"][2]["status"]["capacity"] = ["32"]
    with pytest.raises(
        DoctorInputError, match=r"Expected `object`, got `array` - at `\$\.items\[2\]\.status\.capacity`"
    ):
        examine(node_list)


def test_bad_quantity_names_the_json_path() -> None:
    pod_list = pods()
    index = next(i for i, p in enumerate(pod_list["items"]) if p["metadata"]["name"] == "web-8e6f5d4c3-h5j8k")
    pod_list["items"][index]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "12K"
    with pytest.raises(DoctorInputError) as error:
        read_cluster(nodes(), pod_list, pods_source="pods.json")
    assert str(error.value).startswith(
        f"pods.json: $.items[{index}].spec.containers[0].resources.requests.cpu: "
    )
    assert "12K" in str(error.value)


def test_not_json_and_not_a_list() -> None:
    with pytest.raises(DoctorInputError, match="nodes: not JSON"):
        examine(b'{"items": [')
    with pytest.raises(DoctorInputError, match="holds a Node, not a NodeList"):
        examine(json.dumps(node(nodes(), "cp-01")))
    with pytest.raises(DoctorInputError, match="nodes: has no `items`: expected a NodeList"):
        examine(b"{}")


def test_every_core_code_has_a_status_remedy() -> None:
    """A code the core learns (listed in the stub's _Code) must get its own remedy here."""
    from importlib import resources

    from akinv.doctor.checks.status import STATUS_REMEDIES

    stub = (resources.files("akinv") / "_akinv.pyi").read_text(encoding="utf-8")
    listed = re.search(r"_Code = Literal\[(.*?)\]", stub, re.S)
    assert listed is not None
    codes = set(re.findall(r'"([a-z0-9-]+)"', listed.group(1)))
    assert "wrapped-negative" in codes and codes == set(STATUS_REMEDIES)
