"""The doctor on a large generated cluster: 5,000 nodes and 200,000 pods by default.

    .venv/bin/python benches/doctor.py [--nodes 5000] [--pods 200000] [--repeat 3]

The lists are written in kubectl's shape (a List, keys sorted, four-space indent, the fields a
real NodeList and PodList carry, not only those the doctor reads). Faults are planted on a known
set of nodes: a crash-looping device plugin with GPUs held (every 50th node, when a GPU node),
kernel 6.2 with calico-node restarting (node 7 of every 100), calico-node restarting on 5.15
(node 13 of every 100). Before timing, the run checks the doctor finds exactly those; it then
prints the time to decode the lists, to build the exact facts, to run the checks, and the whole
examine() call, best of --repeat.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from akinv.doctor import diagnose, examine
from akinv.doctor.cluster import build_cluster
from akinv.doctor.examine import _collector_paused
from akinv.doctor.kube import decode_nodes, decode_pods

A100_LABELS = {
    "akash.network/capabilities.gpu.vendor.nvidia.model.a100": "8",
    "akash.network/capabilities.gpu.vendor.nvidia.model.a100.interface.sxm": "8",
    "akash.network/capabilities.gpu.vendor.nvidia.model.a100.ram.80Gi": "8",
    "nvidia.com/gpu.count": "8",
    "nvidia.com/gpu.memory": "81920",
    "nvidia.com/gpu.present": "true",
    "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB",
}
RTX4090_LABELS = {
    "akash.network/capabilities.gpu.vendor.nvidia.model.rtx4090": "4",
    "akash.network/capabilities.gpu.vendor.nvidia.model.rtx4090.interface.pcie": "4",
    "akash.network/capabilities.gpu.vendor.nvidia.model.rtx4090.ram.24Gi": "4",
    "nvidia.com/gpu.count": "4",
    "nvidia.com/gpu.memory": "24564",
    "nvidia.com/gpu.present": "true",
    "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-4090",
}


class Template:
    """A JSON document with "@@NAME@@" strings to fill with JSON values, fast."""

    def __init__(self, document: Any) -> None:
        text = json.dumps(document, indent=4, sort_keys=True)
        pieces = re.split(r'"@@(\w+)@@"', text)
        self.fixed, self.names = pieces[0::2], pieces[1::2]

    def fill(self, values: dict[str, str]) -> str:
        out = [self.fixed[0]]
        for name, fixed in zip(self.names, self.fixed[1:], strict=True):
            out.append(values[name])
            out.append(fixed)
        return "".join(out)


def node_template(labels: dict[str, str], gpus: bool) -> Template:
    capacity = {
        "cpu": "64",
        "ephemeral-storage": "1921208816Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "263856928Ki",
        "pods": "110",
    }
    allocatable = {**capacity, "cpu": "63800m", "ephemeral-storage": "1770577604147", "memory": "263242528Ki"}
    if gpus:
        capacity["nvidia.com/gpu"] = "@@GPUS@@"
        allocatable["nvidia.com/gpu"] = "@@ALLOCATABLE_GPUS@@"
    condition = {"lastHeartbeatTime": "2026-11-29T21:40:12Z", "lastTransitionTime": "2026-09-14T08:12:40Z"}
    return Template(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "projectcalico.org/IPv4Address": "@@ADDRESS@@",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
                "creationTimestamp": "2026-09-14T08:12:40Z",
                "labels": {
                    "beta.kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": "@@NAME@@",
                    "kubernetes.io/os": "linux",
                    "akash.network": "true",
                    **labels,
                },
                "name": "@@NAME@@",
                "resourceVersion": "48100011",
                "uid": "@@UID@@",
            },
            "spec": {"podCIDR": "10.233.64.0/24", "podCIDRs": ["10.233.64.0/24"]},
            "status": {
                "addresses": [
                    {"address": "@@ADDRESS@@", "type": "InternalIP"},
                    {"address": "@@NAME@@", "type": "Hostname"},
                ],
                "allocatable": allocatable,
                "capacity": capacity,
                "conditions": [
                    {
                        **condition,
                        "message": "kubelet has sufficient memory available",
                        "reason": "KubeletHasSufficientMemory",
                        "status": "False",
                        "type": "MemoryPressure",
                    },
                    {
                        **condition,
                        "message": "kubelet has no disk pressure",
                        "reason": "KubeletHasNoDiskPressure",
                        "status": "False",
                        "type": "DiskPressure",
                    },
                    {
                        **condition,
                        "message": "kubelet has sufficient PID available",
                        "reason": "KubeletHasSufficientPID",
                        "status": "False",
                        "type": "PIDPressure",
                    },
                    {
                        **condition,
                        "message": "kubelet is posting ready status",
                        "reason": "KubeletReady",
                        "status": "True",
                        "type": "Ready",
                    },
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": "@@UID@@",
                    "containerRuntimeVersion": "containerd://1.7.13",
                    "kernelVersion": "@@KERNEL@@",
                    "kubeProxyVersion": "v1.28.6",
                    "kubeletVersion": "v1.28.6",
                    "machineID": "@@UID@@",
                    "operatingSystem": "linux",
                    "osImage": "Ubuntu 22.04.4 LTS",
                    "systemUUID": "@@UID@@",
                },
            },
        }
    )


def pod_template(
    labels: dict[str, str], image: str, resources: dict[str, Any], waiting: bool = False
) -> Template:
    state: dict[str, Any] = {"running": {"startedAt": "2026-11-02T10:01:02Z"}}
    if waiting:
        state = {
            "waiting": {"message": "back-off 5m0s restarting failed container", "reason": "CrashLoopBackOff"}
        }
    return Template(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "creationTimestamp": "2026-09-14T08:12:40Z",
                "generateName": "@@GENERATE@@",
                "labels": labels,
                "name": "@@NAME@@",
                "namespace": "@@NAMESPACE@@",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": True,
                        "controller": True,
                        "kind": "ReplicaSet",
                        "name": "@@GENERATE@@",
                        "uid": "@@UID@@",
                    }
                ],
                "resourceVersion": "48200011",
                "uid": "@@UID@@",
            },
            "spec": {
                "containers": [
                    {
                        "env": [
                            {"name": "AKASH_DEPLOYMENT_SEQUENCE", "value": "1"},
                            {"name": "AKASH_GROUP_SEQUENCE", "value": "1"},
                        ],
                        "image": image,
                        "imagePullPolicy": "IfNotPresent",
                        "name": "app",
                        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                        "resources": resources,
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [
                            {
                                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                "name": "kube-api-access",
                                "readOnly": True,
                            }
                        ],
                    }
                ],
                "dnsPolicy": "ClusterFirst",
                "enableServiceLinks": True,
                "nodeName": "@@NODE@@",
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "serviceAccount": "default",
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30,
                "tolerations": [
                    {
                        "effect": "NoExecute",
                        "key": "node.kubernetes.io/not-ready",
                        "operator": "Exists",
                        "tolerationSeconds": 300,
                    }
                ],
                "volumes": [
                    {
                        "name": "kube-api-access",
                        "projected": {
                            "defaultMode": 420,
                            "sources": [
                                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
                            ],
                        },
                    }
                ],
            },
            "status": {
                "conditions": [
                    {
                        "lastProbeTime": None,
                        "lastTransitionTime": "2026-09-14T08:12:40Z",
                        "status": "True",
                        "type": t,
                    }
                    for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                ],
                "containerStatuses": [
                    {
                        "containerID": "containerd://@@UID@@",
                        "image": image,
                        "imageID": image + "@sha256:0f2c",
                        "lastState": "@@LAST@@",
                        "name": "app",
                        "ready": "@@READY@@",
                        "restartCount": "@@RESTARTS@@",
                        "started": True,
                        "state": state,
                    }
                ],
                "hostIP": "10.20.0.1",
                "phase": "Running",
                "podIP": "10.233.64.2",
                "qosClass": "Guaranteed",
                "startTime": "2026-09-14T08:12:40Z",
            },
        }
    )


class Plan:
    """Which node gets what: the same predicates build the cluster and the expected answer."""

    def __init__(self, node_count: int) -> None:
        self.node_count = node_count

    @staticmethod
    def gpu_kind(i: int) -> str | None:
        if i < 3 or i % 5:
            return None
        return "a100" if i % 10 == 0 else "rtx4090"

    def broken_plugin(self, i: int) -> bool:
        return self.gpu_kind(i) is not None and i % 50 == 0

    @staticmethod
    def new_kernel(i: int) -> bool:
        return i % 100 == 7

    @staticmethod
    def calico_restarts(i: int) -> bool:
        return i % 100 in (7, 13)

    def expected(self) -> Counter[str]:
        nodes = range(self.node_count)
        return Counter(
            {
                "gpu-requests-above-allocatable": sum(self.broken_plugin(i) for i in nodes),
                "device-plugin-restarting": sum(self.broken_plugin(i) for i in nodes),
                "kernel-newer-than-5-15": sum(self.new_kernel(i) for i in nodes),
                "calico-node-restarting": sum(
                    self.calico_restarts(i) and not self.new_kernel(i) for i in nodes
                ),
                "status-not-given": 1,
            }
        )


def generate(node_count: int, pod_count: int) -> tuple[bytes, bytes]:
    plan = Plan(node_count)
    nodes = {
        kind: node_template(labels, kind != "cpu")
        for kind, labels in (("cpu", {}), ("a100", A100_LABELS), ("rtx4090", RTX4090_LABELS))
    }
    tenant = pod_template(
        {"akash.network": "true", "akash.network/manifest-service": "web"},
        "nginx:1.25.3",
        {
            "limits": {"cpu": "500m", "ephemeral-storage": "1Gi", "memory": "2Gi"},
            "requests": {"cpu": "500m", "ephemeral-storage": "1Gi", "memory": "2Gi"},
        },
    )
    gpu_tenant = pod_template(
        {"akash.network": "true", "akash.network/manifest-service": "inference"},
        "vllm/vllm-openai:v0.6.3",
        {
            "limits": {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"},
            "requests": {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"},
        },
    )
    calico = pod_template(
        {"k8s-app": "calico-node"},
        "quay.io/calico/node:v3.26.4",
        {"limits": {"cpu": "300m", "memory": "500M"}, "requests": {"cpu": "150m", "memory": "64M"}},
    )
    plugin = pod_template(
        {"app.kubernetes.io/name": "nvidia-device-plugin"}, "nvcr.io/nvidia/k8s-device-plugin:v0.14.5", {}
    )
    broken_plugin = pod_template(
        {"app.kubernetes.io/name": "nvidia-device-plugin"},
        "nvcr.io/nvidia/k8s-device-plugin:v0.14.5",
        {},
        waiting=True,
    )
    crashed = json.dumps(
        {"terminated": {"exitCode": 137, "finishedAt": "2026-11-29T21:30:58Z", "reason": "Error"}}
    )

    node_texts, pod_texts = [], []
    per_node = max(pod_count // node_count, 1)
    for i in range(node_count):
        name = f"node-{i:05d}"
        kind = plan.gpu_kind(i)
        gpus = {"a100": 8, "rtx4090": 4}.get(kind or "", 0)
        node_texts.append(
            nodes[kind or "cpu"].fill(
                {
                    "NAME": json.dumps(name),
                    "UID": json.dumps(f"6f0c{i:08x}-0000-4000-8000-000000000000"),
                    "ADDRESS": json.dumps(f"10.{20 + i // 65536}.{i // 256 % 256}.{i % 256}"),
                    "KERNEL": json.dumps("6.2.0-39-generic" if plan.new_kernel(i) else "5.15.0-105-generic"),
                    "GPUS": json.dumps(str(gpus)),
                    "ALLOCATABLE_GPUS": json.dumps("0" if plan.broken_plugin(i) else str(gpus)),
                }
            )
        )
        count = per_node if i < node_count - 1 else max(pod_count - per_node * (node_count - 1), 1)
        for j in range(count):
            restarts, last, ready = 0, "{}", "true"
            if j == 0:
                template = calico
                if plan.calico_restarts(i):
                    restarts, last, ready = 23, crashed, "false"
            elif j == 1 and kind is not None:
                template = broken_plugin if plan.broken_plugin(i) else plugin
                if plan.broken_plugin(i):
                    restarts, last, ready = 6, crashed, "false"
            elif j in (2, 3) and kind is not None:
                template = gpu_tenant
            else:
                template = tenant
            pod_texts.append(
                template.fill(
                    {
                        "NAME": json.dumps(f"app-{i:05d}-{j:04d}"),
                        "GENERATE": json.dumps(f"app-{i:05d}-"),
                        "NAMESPACE": json.dumps(f"lease{i % 997:05d}x"),
                        "UID": json.dumps(f"{i:08x}-{j:04x}"),
                        "NODE": json.dumps(name),
                        "LAST": last,
                        "READY": ready,
                        "RESTARTS": str(restarts),
                    }
                )
            )

    def as_list(items: list[str]) -> bytes:
        return (
            '{\n    "apiVersion": "v1",\n    "items": [\n'
            + ",\n".join(items)
            + '\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'
        ).encode()

    return as_list(node_texts), as_list(pod_texts)


def best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    node_bytes, pod_bytes = generate(args.nodes, args.pods)
    made = time.perf_counter() - start
    pod_total = pod_bytes.count(b'"kind": "Pod"')
    print(
        f"generated {args.nodes:,} nodes ({len(node_bytes) / 1e6:,.1f} MB) and {pod_total:,} pods "
        f"({len(pod_bytes) / 1e6:,.1f} MB) in {made:.1f} s"
    )

    findings = examine(node_bytes, pod_bytes)
    got, expected = Counter(f.code for f in findings), Plan(args.nodes).expected()
    if got != +expected:
        print(f"wrong answer: expected {dict(+expected)}, got {dict(got)}", file=sys.stderr)
        return 1
    print(
        f"answers checked: {sum(got.values()):,} findings as planted ({', '.join(f'{c} {n}' for c, n in sorted(got.items()))})"
    )

    # As read_cluster does it: with the cycle collector paused (see akinv.doctor.examine).
    with _collector_paused():
        decode, (nodes, pods) = best(args.repeat, lambda: (decode_nodes(node_bytes), decode_pods(pod_bytes)))
        facts, cluster = best(args.repeat, lambda: build_cluster(nodes, pods))
    checks, _ = best(args.repeat, lambda: diagnose(cluster))
    total, _ = best(args.repeat, lambda: examine(node_bytes, pod_bytes))
    print(f"decode (msgspec):          {decode:7.2f} s")
    print(f"exact facts (quantities):  {facts:7.2f} s")
    print(f"checks:                    {checks:7.2f} s")
    print(f"examine(), end to end:     {total:7.2f} s   (best of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
