"""Copy Lucide icons into market/static/icons/lucide/ (see market/core/icons.py).

    npm install --prefix /tmp/lucide lucide-static@1.62.0
    python tools/vendor_icons.py --from /tmp/lucide/node_modules/lucide-static shopping-cart user
"""
import argparse
import shutil
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "market" / "static" / "icons" / "lucide"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", required=True, help="the lucide-static package folder")
    parser.add_argument("names", nargs="+", help="icon names, as on lucide.dev")
    args = parser.parse_args()
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in args.names:
        shutil.copyfile(Path(args.source) / "icons" / f"{name}.svg", TARGET / f"{name}.svg")
        print(f"vendored {name}")


if __name__ == "__main__":
    main()
