"""Checks the release artifacts in dist/ and prints each one's tags and size (scripts/wheel runs it).

    python scripts/check_dist.py [DIST]

Exits 1 when the wheels do not cover every supported CPython, when a wheel is not a manylinux wheel
that auditwheel accepts or lacks a file users need (the typing marker, the stubs, the sample
documents, the license), when the sdist lacks what a build needs, or when twine check finds the
metadata would not render on an index.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = (10, 11, 12, 13)  # CPython 3.x minors, as in pyproject's classifiers
NEWEST_GLIBC = (2, 17)  # manylinux2014: what zig links against, and what old hosts have
SDIST_NEEDS = ("LICENSE", "README.md", "Cargo.toml", "Cargo.lock", "pyproject.toml", "python/akinv/py.typed")


def wheel_problems(wheel: Path) -> tuple[list[str], list[str]]:
    """(tags, problems) of the wheel's contents and metadata."""
    samples = sorted(path.name for path in (ROOT / "python/akinv/samples").glob("*.json"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = next(name.split("/")[0] for name in names if name.split("/")[0].endswith(".dist-info"))
        wheel_file = archive.read(f"{dist_info}/WHEEL").decode()
        metadata = archive.read(f"{dist_info}/METADATA").decode().splitlines()
    tags = [line.split(":", 1)[1].strip() for line in wheel_file.splitlines() if line.startswith("Tag:")]
    required = [
        "akinv/py.typed",
        "akinv/_akinv.pyi",
        f"{dist_info}/licenses/LICENSE",
        *(f"akinv/samples/{name}" for name in samples),
    ]
    problems = [f"{wheel.name} lacks {name}" for name in required if name not in names]
    if not samples:
        problems.append("python/akinv/samples has no sample documents")
    if not any(re.fullmatch(r"akinv/_akinv\..*so", name) for name in names):
        problems.append(f"{wheel.name} lacks the compiled module akinv/_akinv.*.so")
    for field in ("License-Expression: Apache-2.0", "License-File: LICENSE", "Requires-Python: >=3.10"):
        if field not in metadata:
            problems.append(f"{wheel.name} METADATA lacks {field!r}")
    return tags, problems


def audit(wheel: Path) -> tuple[str, list[str]]:
    """(the tag auditwheel accepts, problems). That tag must be at least as old as every manylinux
    tag the wheel claims, and no newer than manylinux_2_17."""
    shown = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", str(wheel)], capture_output=True, text=True
    )
    verdict = " ".join(shown.stdout.split())  # auditwheel wraps its sentences
    accepted = re.search(
        r'consistent with the following platform tag: "(manylinux_(\d+)_(\d+)_\w+)"', verdict
    )
    claimed = [(int(major), int(minor)) for major, minor in re.findall(r"manylinux_(\d+)_(\d+)_", wheel.name)]
    if shown.returncode or not accepted or not claimed:
        return "none", [f"auditwheel show does not accept {wheel.name}: {verdict or shown.stderr}"]
    needs = (int(accepted[2]), int(accepted[3]))
    if needs > min(claimed):
        return accepted[1], [f"{wheel.name} claims glibc {min(claimed)} but auditwheel accepts {accepted[1]}"]
    if needs > NEWEST_GLIBC:
        return accepted[1], [f"{wheel.name} needs glibc {needs}, newer than {NEWEST_GLIBC}"]
    return accepted[1], []


def coverage_problems(wheels: list[Path]) -> list[str]:
    """Each supported CPython must have a wheel: its own (cp3M-cp3M) or a stable-ABI one (cp3K-abi3,
    K <= M)."""
    covered = set()
    for wheel in wheels:
        _, _, python, abi, _ = wheel.name.removesuffix(".whl").split("-")
        for tag_python in python.split("."):
            minor = int(tag_python.removeprefix("cp3"))
            covered |= {m for m in SUPPORTED if (m >= minor if abi == "abi3" else m == minor)}
    return [f"no wheel for CPython 3.{m}" for m in SUPPORTED if m not in covered]


def sdist_problems(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        members = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    return [f"{sdist.name} lacks {name}" for name in SDIST_NEEDS if name not in members]


def main(argv: list[str]) -> int:
    dist = Path(argv[1]) if len(argv) > 1 else ROOT / "dist"
    wheels = sorted(dist.glob("akinv-*.whl"))
    sdists = sorted(dist.glob("akinv-*.tar.gz"))
    if not wheels or len(sdists) != 1:
        print(f"expected wheels and one sdist in {dist}, found {[p.name for p in wheels + sdists]}")
        return 1
    problems = coverage_problems(wheels)
    for wheel in wheels:
        tags, wheel_problems_found = wheel_problems(wheel)
        accepted, audit_problems = audit(wheel)
        problems += wheel_problems_found + audit_problems
        print(f"{wheel.name}  {wheel.stat().st_size / 1e3:,.0f} kB")
        print(f"  tags: {', '.join(tags)}; auditwheel show: consistent with {accepted}")
    problems += sdist_problems(sdists[0])
    print(f"{sdists[0].name}  {sdists[0].stat().st_size / 1e3:,.0f} kB")
    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, wheels + sdists)],
        capture_output=True,
        text=True,
    )
    if twine.returncode:
        problems.append(f"twine check failed:\n{twine.stdout}{twine.stderr}")
    print(f"twine check --strict: {'FAILED' if twine.returncode else 'PASSED'}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
