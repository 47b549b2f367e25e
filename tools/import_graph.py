"""The import graph of `market/`, read from the source with `ast` (nothing is imported).

`python tools/import_graph.py` prints the arrows between packages, any cycle, the imports
written inside functions and the largest files; `tests/test_architecture.py` holds the
rules the graph must keep.

An import inside a function counts like any other: moving an import into a function hides
a cycle from Python, not from the design. `market/__init__.py` (create_app, which wires
every package together) is the one module left out of the package graph.
"""
from __future__ import annotations

import ast
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKET = ROOT / "market"
COMPOSITION_ROOT = "market"


@dataclass(frozen=True)
class Import:
    source: str  # importing module, e.g. "market.orders.views"
    target: str  # imported market module, e.g. "market.orders.payment_methods"
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def market_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(MARKET.rglob("*.py"))}


def package_of(module: str) -> str:
    """`market.orders.views` -> `orders`; `market.text` -> `text`; `market` -> `market`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: dict) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        # `from market.orders import services` imports the module market.orders.services.
        names = [target] + [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in known]
    resolved = []
    for name in names:
        while name and name not in known and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in known and name != module:
            resolved.append(name)
    return resolved


def imports() -> list[Import]:
    """Every import of a market module by a market module."""
    known = market_modules()
    found = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found.extend(_imports_in(tree, module, path.name == "__init__.py", known, in_function=False))
    return found


def _imports_in(node: ast.AST, module: str, is_package: bool, known: dict, in_function: bool) -> list[Import]:
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            for target in _targets(module, is_package, child, known):
                found.append(Import(module, target, child.lineno, in_function))
        inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        found.extend(_imports_in(child, module, is_package, known, inside))
    return found


def package_arrows(found: list[Import]) -> Counter:
    """(package, package) -> how many imports run that way, the composition root left out."""
    arrows = Counter()
    for item in found:
        if item.source == COMPOSITION_ROOT:
            continue
        source, target = package_of(item.source), package_of(item.target)
        if source != target:
            arrows[(source, target)] += 1
    return arrows


def cycles(arrows) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan), each sorted."""
    graph = defaultdict(set)
    for source, target in arrows:
        graph[source].add(target)
    nodes = sorted({node for arrow in arrows for node in arrow})
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    recursion = sys.getrecursionlimit()
    sys.setrecursionlimit(max(recursion, 10_000))
    try:
        for node in nodes:
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(recursion)
    return groups


def module_cycles_inside_packages(found: list[Import]) -> list[list[str]]:
    """Cycles between modules of one package (a package importing its own submodules from
    `__init__.py` is not one: the blueprint lives there and views import it)."""
    arrows = {
        (item.source, item.target)
        for item in found
        if item.source != COMPOSITION_ROOT
        and package_of(item.source) == package_of(item.target)
        and item.target != item.source.rsplit(".", 1)[0]  # a module importing its own package
    }
    return cycles(arrows)


def line_counts() -> list[tuple[int, str]]:
    counts = []
    for path in MARKET.rglob("*.py"):
        with path.open(encoding="utf-8") as handle:
            counts.append((sum(1 for _ in handle), str(path.relative_to(ROOT))))
    return sorted(counts, reverse=True)


def main() -> None:
    found = imports()
    arrows = package_arrows(found)
    print("== arrows between market/ packages (imports that run that way)")
    for (source, target), count in sorted(arrows.items()):
        print(f"  {source:>10} -> {target:<10} {count}")
    print(f"== package cycles: {cycles(arrows) or 'none'}")
    print(f"== module cycles inside a package: {module_cycles_inside_packages(found) or 'none'}")
    inside = [item for item in found if item.in_function and item.source != COMPOSITION_ROOT]
    print(f"== imports inside functions (create_app left out): {len(inside)}")
    for item in inside:
        print(f"  {item.source}:{item.line} -> {item.target}")
    counts = line_counts()
    print(f"== largest files of market/ ({len(counts)} files, {sum(n for n, _ in counts):,} lines)")
    for count, path in counts[:12]:
        print(f"  {count:>6}  {path}")


if __name__ == "__main__":
    main()
