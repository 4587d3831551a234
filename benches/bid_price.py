"""akinv-bid-price against the provider's generic price script, as the provider runs them: one cold
process per order.

    python benches/bid_price.py [--script PATH] [--runs 20] [--samples DIR] [--isolate]

The script is helm-charts' ``charts/akash-provider/scripts/price_script_generic.sh`` (``--script`` or
``AKINV_GENERIC_SCRIPT``); without it only akinv-bid-price is timed. The orders are the three
``bidscript-stdin_*.json`` samples of ``../shared/samples``, priced with the mappings and AKT price
(3.00 USD) their INDEX.md records. Answers are checked first: akinv-bid-price must print what the
script prints (and the recorded outputs). Then each command runs ``--runs`` times per order, each a
fresh process; the medians and their ratio are printed.

The generic script reads its AKT price from ``/tmp/aktprice.cache``. With ``--isolate`` it runs in
a user and mount namespace with a private ``/tmp`` holding that cache (``unshare``), and so does
akinv-bid-price, so that both pay the same wrapper; otherwise a fresh cache there is required (the
benchmark writes one only with ``--write-cache``). akinv-bid-price reads its own cache file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "shared" / "samples"
MAPPINGS = "a100=900,a100.80Gi=1000,a100.80Gi.sxm=1100,h100=1800,*=2000"
AKT_USD = "3.00"
# The generic script's outputs recorded in ../shared/samples/INDEX.md.
RECORDED = {
    "bidscript-stdin_gpu-wildcard_unallocated.json": "1582.078998",
    "bidscript-stdin_gpu-wildcard_allocated-a100.json": "729.185324",
    "bidscript-stdin_a100-80Gi-sxm.json": "899.764059",
}
SCRIPT_CACHE = Path("/tmp/aktprice.cache")
ISOLATED_CACHE = "/tmp/akinv-aktprice.cache"


def bid_price_command() -> list[str]:
    installed = Path(sys.executable).with_name("akinv-bid-price")
    if installed.exists():
        return [str(installed)]
    return [sys.executable, "-m", "akinv.bidding.script"]


def isolated(command: list[str]) -> list[str]:
    """``command`` with a private tmpfs ``/tmp`` that holds both AKT caches."""
    setup = (
        f"mount -t tmpfs none /tmp && echo {AKT_USD} > /tmp/aktprice.cache"
        f' && echo {AKT_USD} > {ISOLATED_CACHE} && exec "$@"'
    )
    return ["unshare", "-rm", "sh", "-c", setup, "sh", *command]


def run(command: list[str], stdin: bytes, env: dict[str, str]) -> tuple[float, str, str, int]:
    start = time.perf_counter()
    result = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    return elapsed, result.stdout.decode(), result.stderr.decode(), result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--script", default=os.environ.get("AKINV_GENERIC_SCRIPT"), help="the generic script")
    parser.add_argument("--runs", type=int, default=20, help="cold runs per order and command")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="folder of bidscript-stdin_*.json")
    parser.add_argument("--isolate", action="store_true", help="run both in a private /tmp (unshare)")
    parser.add_argument("--write-cache", action="store_true", help=f"write {SCRIPT_CACHE} if it is not fresh")
    args = parser.parse_args()

    samples = sorted(args.samples.glob("bidscript-stdin_*.json"))
    if not args.samples.is_dir():
        print(f"skipped: {args.samples} is not beside the checkout")
        return 0
    if not samples:
        print(f"no bidscript-stdin_*.json in {args.samples}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="akinv-bid-price-bench-"))
    cache = workdir / "akt.cache"
    cache.write_text(AKT_USD + "\n")
    # As pip installs akinv: with bytecode. PYTHONDONTWRITEBYTECODE would make every run compile
    # akinv's modules again (the answer checks below write the bytecode of an editable install).
    dropped = ("PRICE_TARGET", "AKINV_", "DEBUG_BID", "PYTHONDONTWRITEBYTECODE")
    base = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    base["PRICE_TARGET_GPU_MAPPINGS"] = MAPPINGS
    ours_env = {**base, "AKINV_AKT_PRICE_CACHE": str(cache), "AKINV_AKT_PRICE_URL": "http://127.0.0.1:9/"}
    ours = bid_price_command()

    script: list[str] | None = None
    if not args.script:
        print(
            "generic script: not given (--script PATH or AKINV_GENERIC_SCRIPT); timing akinv-bid-price only"
        )
    elif not Path(args.script).is_file():
        print(f"generic script: {args.script} is not a file; timing akinv-bid-price only")
    else:
        script = ["bash", args.script]
        if args.isolate:
            if shutil.which("unshare") is None:
                print("--isolate needs unshare", file=sys.stderr)
                return 2
            script, ours = isolated(script), isolated(ours)
            ours_env["AKINV_AKT_PRICE_CACHE"] = ISOLATED_CACHE
        elif not (SCRIPT_CACHE.exists() and time.time() - SCRIPT_CACHE.stat().st_mtime < 3000):
            if not args.write_cache:
                print(
                    f"the generic script needs a fresh {SCRIPT_CACHE}: use --isolate or --write-cache",
                    file=sys.stderr,
                )
                return 2
            SCRIPT_CACHE.write_text(AKT_USD + "\n")
        elif SCRIPT_CACHE.read_text().strip() != AKT_USD:
            print(
                f"{SCRIPT_CACHE} holds {SCRIPT_CACHE.read_text().strip()}, not {AKT_USD}: use --isolate",
                file=sys.stderr,
            )
            return 2

    # Answers first.
    for path in samples:
        stdin = path.read_bytes()
        _, stdout, stderr, code = run(ours, stdin, ours_env)
        expected = RECORDED.get(path.name)
        if code != 0 or (expected is not None and stdout != expected):
            print(
                f"akinv-bid-price {path.name}: {stdout!r} {stderr!r} exit {code}, recorded {expected}",
                file=sys.stderr,
            )
            return 1
        if script is not None:
            answer = run(script, stdin, base)[1:]
            if answer != (stdout, stderr, code):
                print(
                    f"{path.name}: the script says {answer}, akinv-bid-price {(stdout, stderr, code)}",
                    file=sys.stderr,
                )
                return 1
    print(
        f"answers agree on {len(samples)} orders"
        + (" with the generic script" if script else " with the recorded outputs")
    )

    print(f"{args.runs} cold runs per order; medians in milliseconds")
    print(f"{'order':<52} {'akinv-bid-price':>16} {'generic script':>15} {'ratio':>7}")
    all_ours: list[float] = []
    all_script: list[float] = []
    for path in samples:
        stdin = path.read_bytes()
        times_ours = [run(ours, stdin, ours_env)[0] for _ in range(args.runs)]
        all_ours += times_ours
        median_ours = statistics.median(times_ours) * 1000
        if script is None:
            print(f"{path.name:<52} {median_ours:>16.1f} {'-':>15} {'-':>7}")
            continue
        times_script = [run(script, stdin, base)[0] for _ in range(args.runs)]
        all_script += times_script
        median_script = statistics.median(times_script) * 1000
        print(
            f"{path.name:<52} {median_ours:>16.1f} {median_script:>15.1f} {median_script / median_ours:>6.1f}x"
        )
    overall = statistics.median(all_ours) * 1000
    if all_script:
        script_overall = statistics.median(all_script) * 1000
        print(
            f"{'all orders':<52} {overall:>16.1f} {script_overall:>15.1f} {script_overall / overall:>6.1f}x"
        )
    else:
        print(f"{'all orders':<52} {overall:>16.1f}")
    bare = [run([sys.executable, "-c", "pass"], b"", base)[0] for _ in range(args.runs)]
    print(f"{'(python -c pass, for scale)':<52} {statistics.median(bare) * 1000:>16.1f}")
    if args.isolate:
        wrapper = [run(isolated(["true"]), b"", base)[0] for _ in range(args.runs)]
        print(
            f"(both include the unshare wrapper: {statistics.median(wrapper) * 1000:.1f} ms median on its own)"
        )
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
