"""The generic price script's settings and their defaults, read as the script reads them.

Standard library only and no typing import: ``akinv-bid-price`` reads them at start.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULTS", "ENVIRONMENT", "settings_from_env"]

# The script's variables and defaults (helm-charts price_script_generic.sh): USD per month.
ENVIRONMENT: dict[str, str] = {
    "cpu": "PRICE_TARGET_CPU",
    "memory": "PRICE_TARGET_MEMORY",
    "hd_ephemeral": "PRICE_TARGET_HD_EPHEMERAL",
    "hd_pers_hdd": "PRICE_TARGET_HD_PERS_HDD",
    "hd_pers_ssd": "PRICE_TARGET_HD_PERS_SSD",
    "hd_pers_nvme": "PRICE_TARGET_HD_PERS_NVME",
    "endpoint": "PRICE_TARGET_ENDPOINT",
    "ip": "PRICE_TARGET_IP",
    "gpu_mappings": "PRICE_TARGET_GPU_MAPPINGS",
}
DEFAULTS: dict[str, str] = {
    "cpu": "1.60",
    "memory": "0.80",
    "hd_ephemeral": "0.02",
    "hd_pers_hdd": "0.01",
    "hd_pers_ssd": "0.03",
    "hd_pers_nvme": "0.04",
    "endpoint": "0.05",
    "ip": "5",
    "gpu_mappings": "",
}


def settings_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The settings as the script reads them: ``${VAR:-default}``, so an empty variable is unset."""
    return {name: env.get(variable) or DEFAULTS[name] for name, variable in ENVIRONMENT.items()}
