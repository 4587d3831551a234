"""Akash SDL 2.0 and 2.1 -> the canonical order of one placement group.

Re-derived from chain-sdk ``go/sdl`` (v2.go, v2_1.go, the group builders, units.go, gpu.go,
storage.go, expose.go) and ``go/manifest/v2beta3`` (endpoints). What reaches the order:

* one resource unit per deployed service (2.0), or per compute profile within the group, with the
  services' counts added and endpoints joined (2.1); units numbered from 1 in service-name order;
* cpu, memory and volume sizes by the Go SDL's quantity rules (``quantities``), volumes sorted as
  the Go SDL sorts them, ``class``/``persistent`` attributes as it defaults and checks them;
* GPU keys ``vendor/nvidia/model/<m>[/ram/<n>Gi][/interface/<pcie|sxm>]``, sorted, ``*`` for no list;
* per global ``to`` entry one endpoint, and one leased-IP endpoint more when it names an ``ip``
  endpoint; those are numbered over the whole SDL (sorted names), so ``ips`` counts distinct ones;
* the unit price from the placement's pricing for the profile; the group's max = sum price x count.

Every construct outside this is an OrderError naming its line; limits that providers or the chain
enforce (``http_options``, unit sizes) are findings on the order, never failures or truncations.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from yaml.nodes import MappingNode, Node

from akinv.bidding import limits
from akinv.bidding.quantities import (
    Quantity,
    QuantitySyntaxError,
    parse_byte_quantity,
    parse_cpu_millis,
    parse_dec,
    parse_gpu_ram,
    parse_uint,
)
from akinv.bidding.sdl_groups import (
    SdlCompute,
    SdlDeployment,
    SdlExpose,
    SdlPrice,
    SdlService,
    SdlTo,
    SdlVolume,
    UnitDraft,
    endpoints_of,
    go_stable_sort,
    group_spec,
    sequence_numbers,
)
from akinv.bidding.spec import OrderFinding, OrderSpec
from akinv.bidding.yamlnodes import (
    Mapping,
    boolean,
    compose,
    exact_uint,
    fail,
    line_of,
    scalar,
    sequence,
    string,
    strings,
    uint,
)
from akinv.errors import OrderError

__all__ = ["read_sdl"]

_VERSIONS = {"2": "2.0", "2.0": "2.0", "2.0.0": "2.0", "2.1": "2.1", "2.1.0": "2.1"}
_TOP = frozenset({"version", "services", "profiles", "deployment", "endpoints", "include", "reclamation"})
_SERVICE = frozenset({"image", "command", "args", "env", "expose", "dependencies", "params", "credentials"})
_EXPOSE = frozenset({"port", "as", "proto", "to", "accept", "http_options"})
_TO = frozenset({"service", "global", "http_options", "ip"})
_HTTP = frozenset(
    {
        "max_body_size",
        "proxy_buffer_size",
        "read_timeout",
        "send_timeout",
        "next_tries",
        "next_timeout",
        "next_cases",
    }
)
_NEXT_CASES = frozenset({"error", "timeout", "500", "502", "503", "504", "403", "404", "429", "off"})
_RESOURCES = frozenset({"cpu", "memory", "storage", "gpu"})
_STORAGE_CLASSES = frozenset({"default", "beta1", "beta2", "beta3", "ram"})
_BOOL_TEXT = {"true": "true", "on": "true", "yes": "true", "false": "false", "off": "false", "no": "false"}
# chain-sdk attributes/v1: '*' only as the last character.
_ATTRIBUTE_KEY = re.compile(r"[a-zA-Z][\w/.\-]{1,126}[\w*]?", re.ASCII)
_ENDPOINT_NAME = re.compile(r"[a-z]+[a-z\-_0-9]+", re.ASCII)
# Go's time.ParseDuration: a sequence of decimal numbers with units.
_DURATION = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+", re.ASCII
)
_DENOM = re.compile(r"[a-zA-Z][a-zA-Z0-9/:._-]{2,127}", re.ASCII)

UINT32_MAX = 2**32 - 1
# go/sdl v2.go: the upper limits asManifest enforces on an expose's http_options.
MAX_BODY_SIZE = 104_857_600
HTTP_LIMITS = {
    "max_body_size": MAX_BODY_SIZE,
    "proxy_buffer_size": 1_048_576,
    "read_timeout": 60_000,
    "send_timeout": 60_000,
}


def read_sdl(text: str | bytes, *, group: str | None) -> tuple[OrderSpec, list[OrderFinding]]:
    """The canonical order of one placement group of an SDL, and its findings."""
    return _Reader().read(text, group)


class _Reader:
    def __init__(self) -> None:
        self.findings: list[OrderFinding] = []

    def read(self, text: str | bytes, group: str | None) -> tuple[OrderSpec, list[OrderFinding]]:
        root = compose(text)
        if root is None:
            raise OrderError("an empty document is not an SDL")
        top = Mapping(root, "")
        top.only(_TOP, "an SDL")
        version = self._version(top)
        include = top.get("include")
        if include is not None and sequence(include, "include"):
            fail(include, "include", "include is not supported")
        services = {name: self._service(name, node) for name, node in _entries(top, "services")}
        profiles = Mapping(top.require("profiles"), "profiles")
        profiles.only({"compute", "placement"}, "profiles")
        computes = {name: self._compute(name, node) for name, node in _entries(profiles, "compute")}
        pricing = {name: self._pricing(name, node) for name, node in _entries(profiles, "placement")}
        self._reclamation(top)
        deployments = self._deployments(top.require("deployment"))
        endpoints = self._endpoints(top)
        self._validate(services, computes, pricing, deployments, endpoints, top)
        chosen = self._choose(deployments, group, top)
        numbers = sequence_numbers(services, deployments)
        spec = self._group(chosen, version, services, computes, pricing, deployments, numbers)
        paths = [f"profiles.compute.{unit.name.split(' ')[0]}.resources" for unit in spec.units]
        self.findings.extend(limits.check(spec, paths))
        return spec, self.findings

    def _version(self, top: Mapping) -> str:
        node = top.require("version")
        text = scalar(node, "version")
        version = _VERSIONS.get(text.removeprefix("v"))
        if version is None:
            fail(node, "version", f"SDL version {text!r} is not supported (2.0 and 2.1 are)")
        return version

    def _reclamation(self, top: Mapping) -> None:
        """go/sdl reclamation.go: ``min_window`` is a Go duration above zero."""
        if top.get("reclamation") is None:
            return
        reclamation = Mapping(top.require("reclamation"), "reclamation")
        reclamation.only({"min_window"}, "reclamation")
        node = reclamation.require("min_window")
        text = string(node, "reclamation.min_window")
        match = _DURATION.fullmatch(text)
        if match is None or text.startswith("-") or not any(c in "123456789" for c in text):
            fail(node, "reclamation.min_window", f"{text!r} is not a duration above zero (like 1h or 90m)")

    def _service(self, name: str, node: Node) -> SdlService:
        path = f"services.{name}"
        body = Mapping(node, path)
        for key in body:
            if key not in _SERVICE:
                # The Go SDL ignores a service's unknown keys; none of them changes the resources.
                self._finding(
                    "sdl-ignored-key",
                    body.child(key),
                    f"the Go SDL ignores {key!r} (a service reads {', '.join(sorted(_SERVICE))})",
                    body.key_node(key),
                    key,
                )
        exposes = [self._expose(item, f"{path}.expose[{i}]") for i, item in _items(body, "expose")]
        service = SdlService(name, node, exposes)
        image = body.get("image")
        service.image = string(image, f"{path}.image").strip() if image is not None else ""
        credentials = body.mapping("credentials")
        if credentials is not None:
            credentials.only({"host", "email", "username", "password"}, "credentials")
            for key in ("host", "username", "password"):
                value = credentials.get(key)
                if value is None or not string(value, credentials.child(key)).strip():
                    fail(credentials.node, credentials.path, f"credentials need a {key}")
        params = body.mapping("params")
        if params is not None:
            params.only({"storage", "permissions", "tee"}, "params")
            for volume, spec in _entries(params, "storage"):
                volume_params = Mapping(spec, f"{path}.params.storage.{volume}")
                volume_params.only({"mount", "readOnly"}, "storage params")
                mount_node = volume_params.get("mount")
                mount = string(mount_node, volume_params.child("mount")) if mount_node is not None else ""
                service.mounts[volume] = (mount, spec)
                service.has_storage_params = True
                if "readOnly" in volume_params:
                    boolean(volume_params.require("readOnly"), volume_params.child("readOnly"))
            tee = params.get("tee")
            if tee is not None:
                service.tee = string(tee, params.child("tee"))
                if service.tee not in ("cpu", "cpu-gpu"):
                    fail(tee, params.child("tee"), f"unsupported tee type {service.tee!r} (cpu, cpu-gpu)")
        return service

    def _expose(self, node: Node, path: str) -> SdlExpose:
        body = Mapping(node, path)
        body.only(_EXPOSE, "an expose entry")
        port = uint(body.require("port"), body.child("port"))
        if not 0 < port <= 65535:
            fail(body.require("port"), body.child("port"), "the port must be 1 to 65535")
        as_node = body.get("as")
        as_ = uint(as_node, body.child("as")) if as_node is not None else 0
        proto = ""
        if "proto" in body:
            proto = string(body.require("proto"), body.child("proto")).upper()
            if proto not in ("", "TCP", "UDP"):
                fail(body.require("proto"), body.child("proto"), f"unsupported protocol {proto!r} (tcp, udp)")
        if "accept" in body:
            strings(body.require("accept"), body.child("accept"))
        http = body.get("http_options")
        if http is not None:
            self._http_options(http, body.child("http_options"), enforced=True)
        tos = []
        for i, item in _items(body, "to"):
            to = Mapping(item, f"{body.child('to')}[{i}]")
            to.only(_TO, "a 'to' entry")
            if "service" in to:
                string(to.require("service"), to.child("service"))
            global_node = to.get("global")
            global_ = boolean(global_node, to.child("global")) if global_node is not None else False
            ip_node = to.get("ip")
            ip = string(ip_node, to.child("ip")) if ip_node is not None else ""
            if to.get("http_options") is not None:
                # Decoded into uint32 fields, never used: only a value too large is refused.
                self._http_options(to.require("http_options"), to.child("http_options"), enforced=False)
            tos.append(SdlTo(global_, ip, item))
        return SdlExpose(port, as_, proto or "TCP", tos, node)

    def _http_options(self, node: Node, path: str, *, enforced: bool) -> None:
        options = Mapping(node, path)
        options.only(_HTTP, "http_options")
        for key, value in options.items():
            where = options.child(key)
            if key == "next_cases":
                cases = strings(value, where)
                unknown = [case for case in cases if case not in _NEXT_CASES]
                if enforced and (unknown or ("off" in cases and len(cases) > 1)):
                    reason = f"unknown {unknown}" if unknown else "'off' with other cases"
                    self._finding(
                        "http-next-cases-refused",
                        where,
                        f"{reason}: the Go SDL refuses it",
                        value,
                        cases[0] if cases else None,
                    )
                continue
            number = exact_uint(value, where)
            if number > UINT32_MAX:
                detail = " (support#156: 5 GiB was refused with HTTP 422)" if key == "max_body_size" else ""
                code = "max-body-size-over-uint32" if key == "max_body_size" else "http-option-over-uint32"
                self._finding(
                    code,
                    where,
                    f"{number} is above {UINT32_MAX} (2^32 - 1): the Go SDL reads it into a uint32 "
                    f"and refuses the SDL{detail}",
                    value,
                    number,
                    UINT32_MAX,
                )
            elif enforced and key in HTTP_LIMITS and number > HTTP_LIMITS[key]:
                code = "max-body-size-over-limit" if key == "max_body_size" else "http-option-over-limit"
                limit = HTTP_LIMITS[key]
                named = " (100 MiB)" if key == "max_body_size" else ""
                self._finding(
                    code,
                    where,
                    f"{number} is above {limit}{named}, the Go SDL's limit: providers refuse it",
                    value,
                    number,
                    limit,
                )

    def _finding(
        self,
        code: str,
        path: str,
        message: str,
        node: Node,
        value: int | str | None,
        limit: int | None = None,
    ) -> None:
        line = line_of(node)
        self.findings.append(OrderFinding(code, f"line {line}: {path}: {message}", path, line, value, limit))

    def _quantity(self, node: Node, path: str, parse: Callable[[str], Quantity], what: str) -> Quantity:
        text = scalar(node, path)
        try:
            quantity = parse(text)
        except QuantitySyntaxError as error:
            fail(node, path, str(error))
        if quantity.value != quantity.exact:
            self._finding(
                "sdl-float-rounding",
                path,
                f"{text!r} means {quantity.exact} {what}; the Go SDL computes it in float64 and "
                f"puts {quantity.value} on chain (akinv uses {quantity.value})",
                node,
                quantity.value,
            )
        return quantity

    def _compute(self, name: str, node: Node) -> SdlCompute:
        path = f"profiles.compute.{name}"
        profile = Mapping(node, path)
        profile.only({"resources"}, "a compute profile")
        resources = Mapping(profile.require("resources"), profile.child("resources"))
        resources.only(_RESOURCES, "resources")
        cpu = Mapping(resources.require("cpu"), resources.child("cpu"))
        cpu.only({"units", "attributes"}, "cpu")
        attributes = cpu.mapping("attributes")
        if attributes is not None:
            attributes.only({"arch"}, "cpu attributes")
        cpu_millis = self._quantity(cpu.require("units"), cpu.child("units"), parse_cpu_millis, "millicores")
        memory = Mapping(resources.require("memory"), resources.child("memory"))
        memory.only({"size", "attributes"}, "memory")
        memory_bytes = self._quantity(
            memory.require("size"), memory.child("size"), parse_byte_quantity, "bytes"
        )
        volumes = self._storage(resources.require("storage"), resources.child("storage"))
        gpu_units, gpu_keys = 0, tuple[str, ...]()
        if resources.get("gpu") is not None:
            gpu_units, gpu_keys = self._gpu(resources.require("gpu"), resources.child("gpu"))
        return SdlCompute(name, node, cpu_millis, memory_bytes, gpu_units, gpu_keys, volumes)

    def _storage(self, node: Node, path: str) -> list[SdlVolume]:
        single = isinstance(node, MappingNode)
        items = [node] if single else sequence(node, path)
        volumes: list[SdlVolume] = []
        for i, item in enumerate(items):
            where = path if single else f"{path}[{i}]"
            body = Mapping(item, where)
            body.only({"name", "size", "attributes"}, "a storage volume")
            name = "default"
            if not single and body.get("name") is not None:
                name = string(body.require("name"), body.child("name")) or "default"
            if any(volume.name == name for volume in volumes):
                fail(item, where, f"volume name {name!r} is used twice")
            size = self._quantity(body.require("size"), body.child("size"), parse_byte_quantity, "bytes")
            attributes = self._storage_attributes(body)
            volumes.append(SdlVolume(name, size, attributes, item))
        if len(volumes) > 20:
            fail(node, path, "more than 20 volumes (the Go SDL's sort would differ)")
        go_stable_sort(volumes)
        return volumes

    def _storage_attributes(self, body: Mapping) -> dict[str, str]:
        node = body.get("attributes")
        if node is None:
            return {}
        attributes = Mapping(node, body.child("attributes"))
        attributes.only({"persistent", "class"}, "storage attributes")
        values = {key: string(value, attributes.child(key)) for key, value in attributes.items()}
        values.setdefault("persistent", "false")
        persistent = _BOOL_TEXT.get(values["persistent"])
        if persistent is None:
            fail(attributes.get("persistent") or node, attributes.child("persistent"), "expected a bool")
        values["persistent"] = persistent
        storage_class = values.get("class", "")
        class_node = attributes.get("class") or node
        if storage_class == "" and persistent == "true":
            values["class"] = "default"
        elif storage_class == "ram" and persistent != "false":
            fail(
                attributes.get("persistent") or node,
                attributes.path,
                "the ram storage class cannot be persistent",
            )
        elif storage_class not in ("", "ram") and persistent == "false":
            fail(class_node, attributes.path, "ephemeral storage cannot set a class (set persistent: true)")
        if "class" in values and values["class"] not in _STORAGE_CLASSES:
            fail(class_node, attributes.child("class"), f"unknown storage class {values['class']!r}")
        return values

    def _gpu(self, node: Node, path: str) -> tuple[int, tuple[str, ...]]:
        """GPU units and their attribute keys, as chain-sdk go/sdl/gpu.go makes them."""
        gpu = Mapping(node, path)
        gpu.only({"units", "attributes"}, "gpu")
        units_node = gpu.get("units")
        units = 0
        if units_node is not None:
            try:
                units = parse_uint(scalar(units_node, gpu.child("units")))
            except QuantitySyntaxError as error:
                fail(units_node, gpu.child("units"), str(error))
        attributes_node = gpu.get("attributes")
        if attributes_node is None:
            if units > 0:
                fail(node, path, "GPU attributes must be present when units > 0")
            return units, ()
        if units == 0:
            fail(attributes_node, gpu.child("attributes"), "GPU attributes need units > 0")
        attributes = Mapping(attributes_node, gpu.child("attributes"))
        attributes.only({"vendor"}, "gpu attributes")
        vendor = Mapping(attributes.require("vendor"), attributes.child("vendor"))
        if len(vendor) == 0:
            fail(vendor.node, vendor.path, "at least one vendor must be set")
        # The Go SDL knows nvidia only; it would read 'amd: ...' as no vendor list and ask for any
        # NVIDIA GPU, so anything else is refused here.
        vendor.only({"nvidia"}, "the Akash SDL")
        keys = []
        for i, entry in enumerate(sequence(vendor.require("nvidia"), vendor.child("nvidia"))):
            where = f"{vendor.child('nvidia')}[{i}]"
            model = Mapping(entry, where)
            model.only({"model", "ram", "interface"}, "a GPU model entry")
            if model.get("model") is None:
                fail(
                    entry,
                    where,
                    "a GPU entry needs a model (the Go SDL would write the key "
                    "'vendor/nvidia/model/', which no provider matches); use '*' for any model",
                )
            key = f"vendor/nvidia/model/{string(model.require('model'), model.child('model'))}"
            if model.get("ram") is not None:
                ram_node = model.require("ram")
                try:
                    key += f"/ram/{parse_gpu_ram(scalar(ram_node, model.child('ram')))}"
                except QuantitySyntaxError as error:
                    fail(ram_node, model.child("ram"), f"{error} (binary suffixes only: Ki, Mi, Gi, ...)")
            if model.get("interface") is not None:
                interface_node = model.require("interface")
                interface = scalar(interface_node, model.child("interface"))
                if interface not in ("pcie", "sxm"):
                    fail(
                        interface_node,
                        model.child("interface"),
                        f"invalid GPU interface {interface!r} (pcie, sxm)",
                    )
                key += f"/interface/{interface}"
            if not _ATTRIBUTE_KEY.fullmatch(key):
                fail(entry, where, f"{key!r} is not a valid attribute key ('*' may only end it)")
            keys.append((key, entry))
        if not keys:
            return units, ("vendor/nvidia/model/*",)
        keys.sort(key=lambda pair: pair[0])
        for (first, _), (second, entry) in zip(keys, keys[1:], strict=False):
            if first == second:
                fail(entry, vendor.child("nvidia"), f"GPU key {first!r} is given twice")
        return units, tuple(key for key, _ in keys)

    def _pricing(self, name: str, node: Node) -> dict[str, SdlPrice]:
        path = f"profiles.placement.{name}"
        placement = Mapping(node, path)
        placement.only({"attributes", "signedBy", "pricing"}, "a placement profile")
        for key, value in _entries(placement, "attributes"):
            string(value, f"{path}.attributes.{key}")
        signed_by = placement.mapping("signedBy")
        if signed_by is not None:
            signed_by.only({"allOf", "anyOf"}, "signedBy")
            for key, value in signed_by.items():
                strings(value, signed_by.child(key))
        prices = {}
        for profile, price_node in _entries(placement, "pricing"):
            where = f"{path}.pricing.{profile}"
            coin = Mapping(price_node, where)
            coin.only({"denom", "amount"}, "a price")
            denom = string(coin.require("denom"), coin.child("denom"))
            if not _DENOM.fullmatch(denom):
                fail(coin.require("denom"), coin.child("denom"), f"invalid denom {denom!r}")
            try:
                atto = parse_dec(scalar(coin.require("amount"), coin.child("amount")))
            except QuantitySyntaxError as error:
                fail(coin.require("amount"), coin.child("amount"), str(error))
            prices[profile] = SdlPrice(atto, denom, price_node)
        return prices

    def _deployments(self, node: Node) -> list[SdlDeployment]:
        result = []
        for service, placements in sorted(Mapping(node, "deployment").items()):
            for placement, entry in sorted(Mapping(placements, f"deployment.{service}").items()):
                path = f"deployment.{service}.{placement}"
                body = Mapping(entry, path)
                body.only({"profile", "count"}, "a deployment")
                profile = string(body.require("profile"), body.child("profile"))
                count = uint(body.require("count"), body.child("count"))
                if count == 0:
                    fail(body.require("count"), body.child("count"), "count must be at least 1")
                result.append(SdlDeployment(service, placement, profile, count, entry))
        if not result:
            fail(node, "deployment", "no service is deployed")
        return result

    def _endpoints(self, top: Mapping) -> dict[str, Node]:
        result: dict[str, Node] = {}
        for name, node in _entries(top, "endpoints"):
            where = f"endpoints.{name}"
            body = Mapping(node, where)
            body.only({"kind"}, "an endpoint")
            if not _ENDPOINT_NAME.fullmatch(name):
                fail(node, where, f"endpoint name {name!r} is not valid")
            kind = string(body.require("kind"), body.child("kind"))
            if kind != "ip":
                fail(body.require("kind"), body.child("kind"), f"unknown endpoint kind {kind!r} (ip)")
            result[name] = node
        return result

    def _validate(
        self,
        services: dict[str, SdlService],
        computes: dict[str, SdlCompute],
        pricing: dict[str, dict[str, SdlPrice]],
        deployments: list[SdlDeployment],
        endpoints: dict[str, Node],
        top: Mapping,
    ) -> None:
        used: set[str] = set()
        ports: dict[tuple[str, int, str], str] = {}
        global_count = 0
        for deployment in deployments:
            where = f"deployment.{deployment.service}.{deployment.placement}"
            if deployment.profile not in computes:
                fail(deployment.node, where, f"no compute profile named {deployment.profile!r}")
            if deployment.placement not in pricing:
                fail(deployment.node, where, f"no placement profile named {deployment.placement!r}")
            if deployment.profile not in pricing[deployment.placement]:
                fail(deployment.node, where, f"no pricing for profile {deployment.profile!r}")
            service = services.get(deployment.service)
            if service is None:
                fail(deployment.node, where, f"no service named {deployment.service!r}")
            compute = computes[deployment.profile]
            if not service.image:
                fail(service.node, f"services.{service.name}.image", "the service has no image")
            for expose in service.exposes:
                for to in expose.to:
                    global_count += to.global_
                    if not to.ip:
                        continue
                    if not to.global_:
                        fail(to.node, f"services.{service.name}", "an 'ip' needs global: true")
                    if to.ip not in endpoints:
                        fail(to.node, f"services.{service.name}", f"no endpoint named {to.ip!r}")
                    used.add(to.ip)
                    port_key = (to.ip, expose.as_, expose.proto)
                    other = ports.setdefault(port_key, service.name)
                    if other != service.name:
                        fail(
                            to.node,
                            f"services.{service.name}",
                            f"IP endpoint {to.ip!r} port {expose.port} is already used by service {other!r}",
                        )
            self._mounts(service, compute)
            for volume in compute.volumes:
                if volume.attributes.get("persistent") == "true" and not service.has_storage_params:
                    fail(
                        volume.node,
                        f"profiles.compute.{compute.name}.resources.storage",
                        f"persistent volume {volume.name!r} needs services.{service.name}.params."
                        f"storage.{volume.name}.mount",
                    )
            if service.tee == "cpu-gpu" and compute.gpu_units == 0:
                fail(service.node, f"services.{service.name}.params.tee", "tee cpu-gpu needs GPU resources")
        for name, node in endpoints.items():
            if name not in used:
                fail(node, f"endpoints.{name}", f"endpoint {name!r} is declared but never used")
        if global_count == 0:
            fail(
                top.require("deployment"),
                "deployment",
                "no service is exposed globally (zero global services)",
            )

    def _mounts(self, service: SdlService, compute: SdlCompute) -> None:
        """A service's volume mounts name the profile's volumes, are absolute and distinct."""
        names = {volume.name for volume in compute.volumes}
        seen: set[str] = set()
        for volume, (mount, node) in service.mounts.items():
            where = f"services.{service.name}.params.storage.{volume}"
            if volume not in names:
                fail(node, where, f"no volume named {volume!r} in compute profile {compute.name!r}")
            if not posixpath.isabs(mount):
                fail(node, f"{where}.mount", "the mount must be an absolute path")
            if mount in seen:
                fail(node, f"{where}.mount", f"mount {mount!r} is already used by another volume")
            seen.add(mount)

    def _choose(self, deployments: list[SdlDeployment], group: str | None, top: Mapping) -> str:
        names = sorted({deployment.placement for deployment in deployments})
        if group is None:
            if len(names) == 1:
                return names[0]
            raise OrderError(
                f"the SDL has {len(names)} placement groups ({', '.join(names)}): choose one with group="
            )
        if group not in names:
            raise OrderError(f"no placement group named {group!r} is deployed (groups: {', '.join(names)})")
        return group

    def _group(
        self,
        group: str,
        version: str,
        services: dict[str, SdlService],
        computes: dict[str, SdlCompute],
        pricing: dict[str, dict[str, SdlPrice]],
        deployments: list[SdlDeployment],
        sequence_numbers: dict[str, int],
    ) -> OrderSpec:
        units: list[UnitDraft] = []
        by_profile: dict[str, UnitDraft] = {}
        tee: str | None = None
        for deployment in deployments:
            if deployment.placement != group:
                continue
            service = services[deployment.service]
            if service.tee is not None:
                if tee is not None and tee != service.tee:
                    fail(
                        service.node,
                        f"services.{service.name}.params.tee",
                        f"group {group!r} has tee {tee!r} and {service.tee!r}",
                    )
                tee = service.tee
            endpoints = endpoints_of(service, sequence_numbers)
            merged = by_profile.get(deployment.profile) if version == "2.1" else None
            if merged is not None:
                # 2.1: services of one profile in one group share a resource unit.
                merged.count += deployment.count
                merged.endpoints.extend(endpoints)
                merged.services.append(service.name)
                continue
            draft = UnitDraft(
                computes[deployment.profile],
                pricing[deployment.placement][deployment.profile],
                deployment.count,
                endpoints,
                [service.name],
            )
            units.append(draft)
            by_profile[deployment.profile] = draft
        return group_spec(group, units)


def _entries(parent: Mapping, key: str) -> list[tuple[str, Node]]:
    """The entries of the mapping under ``key`` (none when it is absent or null)."""
    node = parent.get(key)
    return [] if node is None else list(Mapping(node, parent.child(key)).items())


def _items(parent: Mapping, key: str) -> list[tuple[int, Node]]:
    """The items of the list under ``key`` (none when it is absent or null)."""
    node = parent.get(key)
    return [] if node is None else list(enumerate(sequence(node, parent.child(key))))
