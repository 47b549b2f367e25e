"""The shape of `market/`, kept as rules: the import graph has no cycle, `core` sits at the
bottom, views are imported only by their own package, no file grows past 600 lines, and
Whoosh's private internals are touched by one module only. The graph comes from
`tools/import_graph.py`, which prints it."""
import ast

import pytest

from tools import import_graph

MAX_LINES = 600
# What `core` may import: the pieces below every domain.
CORE_MAY_IMPORT = {"core", "extensions", "text", "geo"}
# Attributes of whoosh-reloaded's objects that are not its public API.
WHOOSH_PRIVATE_NAMES = {
    "_terms", "_data", "_read_data", "_dbfile", "_basepos", "_perdoc", "_lenfield",
    "_fixedlen", "_blocklimit", "SegmentWriter",
    # and the others market/search/whoosh/internals.py uses
    "_next_block", "_count", "_typecode", "_default", "_cached_reader", "LENGTHS_COLUMN", "_field_B",
    "_compression", "_inlinelimit", "_postwriter", "_ids", "_weights", "_values", "_maxweight", "_minlength",
    "_maxlength", "_write_block", "_check_state", "_added", "_flush_segment", "W3LeafMatcher", "W3PostingsWriter",
}


@pytest.fixture(scope="module")
def found():
    return import_graph.imports()


def test_no_cycle_between_packages(found):
    assert import_graph.cycles(import_graph.package_arrows(found)) == []


def test_no_cycle_between_modules_of_a_package(found):
    assert import_graph.module_cycles_inside_packages(found) == []


def test_core_imports_no_domain(found):
    arrows = import_graph.package_arrows(found)
    upward = sorted(target for (source, target) in arrows if source == "core" and target not in CORE_MAY_IMPORT)
    assert upward == []


def _is_views_module(name: str) -> bool:
    # views.py, seller_views.py, staff_views.py...; not market.reviews, which merely ends so.
    last = name.rsplit(".", 1)[-1]
    return last == "views" or last.endswith("_views")


def test_views_are_imported_only_by_their_own_package(found):
    strays = [
        f"{item.source}:{item.line} -> {item.target}"
        for item in found
        if _is_views_module(item.target)
        and item.source != import_graph.COMPOSITION_ROOT
        and import_graph.package_of(item.source) != import_graph.package_of(item.target)
    ]
    assert strays == []


def test_no_file_in_market_is_over_600_lines():
    assert [(count, path) for count, path in import_graph.line_counts() if count > MAX_LINES] == []


def test_whoosh_private_names_live_in_one_module():
    users = set()
    for module, path in import_graph.market_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Search's modules, and any other that imports whoosh (other domains may well have
        # an attribute called `_data` of their own).
        if not (module.startswith("market.search") or _imports_whoosh(tree)):
            continue
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if isinstance(node, ast.alias):
                name = node.name
            if name in WHOOSH_PRIVATE_NAMES:
                users.add(module)
    assert len(users) <= 1, sorted(users)


def _imports_whoosh(tree) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "whoosh" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            return True
    return False


def test_the_graph_reader_sees_imports_inside_functions():
    """The rules above are only as good as the reader: an import written inside a function
    must be found, or a cycle could hide there."""
    tree = ast.parse("def f():\n    from market.orders import models\n")
    known = {"market.orders": None, "market.orders.models": None, "market.core.x": None}
    found = import_graph._imports_in(tree, "market.core.x", False, known, in_function=False)
    assert [(item.target, item.in_function) for item in found] == [
        ("market.orders", True), ("market.orders.models", True),
    ]
