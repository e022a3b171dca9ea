"""Imports run one way: ``app.py`` and ``training/`` call into ``hub/``, ``hub/`` never imports
``training/``, and no project module imports itself back through others (no cycles).

The graph is read from the source with :mod:`ast` (nothing is imported): every ``import`` and
``from ... import`` counts, at module level or inside a function, since a function-local import is
still a dependency, only a later one. ``from hub.x import y`` is an edge to ``hub.x.y`` when that is
a module, else to ``hub.x``. Imports by string (``importlib.import_module`` in the predictor
registry) are not edges: they name plugins, not dependencies."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "training")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> dict[str, Path]:
    files = {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}
    files["app"] = ROOT / "app.py"
    return files


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names one import statement asks for (``from a import b`` gives ``a.b`` and ``a``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the module's own package upward
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    return [f"{base}.{alias.name}" if base else alias.name for alias in node.names] + [base]


def import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports (anywhere in its source)."""
    files = project_files()
    graph = {}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom):  # `from a import b`: the module a.b if there is one, else a
                names = _imported(node, module, is_package)
                base, members = names[-1], names[:-1]
                found = [m for m in members if m in files]
                edges.update(found)
                if len(found) < len(members) and base in files:
                    edges.add(base)
            else:
                edges.update(name for name in _imported(node, module, is_package) if name in files)
        edges.discard(module)
        graph[module] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(set(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_in(graph, component) for component in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, for the message."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    return sorted(component)


def test_the_graph_sees_every_kind_of_import():
    graph = import_graph()
    assert {"hub", "hub.space", "training", "training.song_build", "app"} <= graph.keys()
    assert "hub.labels" in graph["hub.predictor"]  # module level: from hub.labels import ...
    assert "hub.plots" in graph["hub.space.evaluation"]  # from hub import plots: the module hub.plots
    assert "hub.evaluation" in graph["hub.space.evaluation"]  # inside a function
    assert "hub.space.evaluation" in graph["app"]  # from hub.space import evaluation, ...
    assert graph["training.english"] == set()  # a package whose __init__ only documents


def test_hub_never_imports_training():
    graph = import_graph()
    wrong = sorted(f"{m} imports {d}" for m, deps in graph.items() if m.split(".")[0] == "hub"
                   for d in deps if d.split(".")[0] == "training")
    assert not wrong, ("hub/ is what travels to the Hub and runs in the Space, so it never imports training/ "
                       "(move the shared code into hub/):\n  " + "\n  ".join(wrong))


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, ("project modules import each other in a cycle (move what both need into a third "
                        "module):\n  " + "\n  ".join(" -> ".join(c) for c in cycles))


def test_cycles_are_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"} - {"e"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]



MOVED = [  # (old home, new home, names): imports from the old home keep working
    ("training.evaluate", "hub.evaluation", ["LabelMismatchError", "check_labels", "evaluate", "same_labels",
                                             "score_model"]),
    ("training.crawl_melon", "hub.lyrics_file", ["LyricsFileError", "read_lyrics_jsonl"]),
    ("training.build_song_vectors", "hub.lyrics_file", ["LyricsFileError", "read_lyrics_jsonl", "parquet_files",
                                                        "parquet_song_ids", "record_from_row", "read_records"]),
    ("training.build_song_vectors", "training.song_build.core", ["STATUS_ORDER", "model_revision",
                                                                 "predictor_revision", "read_all", "scoring_note",
                                                                 "scoring_options", "summary_table", "usable_songs",
                                                                 "write_dataset"]),
    ("training.train_qlora", "training.common", ["evaluate", "pos_weights"]),
    ("training.train_korean_kote", "training.common", ["STANZA_REPEATS", "load_stanzas", "with_stanzas",
                                                       "stanza_agreement"]),
]


def test_moved_names_stay_importable_from_where_they_were():
    import importlib

    for old, new, names in MOVED:
        before, after = importlib.import_module(old), importlib.import_module(new)
        for name in names:
            assert getattr(before, name) is getattr(after, name), f"{old}.{name} is not {new}.{name}"
    from training import common, train_korean_kote  # the trainer's default stanzas, by the name it had

    assert train_korean_kote.DEFAULT_STANZAS is common.LYRIC_STANZAS
