"""The kit's modules import one another without cycles, and the old spellings that shims
used to provide by importing upwards still work."""
import ast
import pathlib
import warnings

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _modules() -> dict[str, pathlib.Path]:
    """``course_lib.units`` -> its file, for every module of course_lib and tools."""
    found = {}
    for top in ("course_lib", "tools"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Each module's imports of the kit's own modules, read with ast: every import
    statement, at module level or inside a function (a lazy import is still an arrow)."""
    import course_lib

    known = _modules()
    graph = {}
    for name, path in known.items():
        package = name if path.stem == "__init__" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                bases, names = [a.name for a in node.names], []
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:package.count(".") + 2 - node.level]
                    base = ".".join(anchor + ([base] if base else []))
                bases, names = [base], [a.name for a in node.names]
            else:
                continue
            for base in bases:
                submodules = [f"{base}.{n}" for n in names if f"{base}.{n}" in known]
                targets.update(submodules or ([base] if base in known else []))
        graph[name] = targets - {name}
    # the package loads its model modules with importlib, which ast does not see
    graph["course_lib"] |= {f"course_lib.{m}" for m in course_lib._model_modules()}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another, directly or not (Tarjan's strongly
    connected components of more than one module)."""
    index, low, stack, found = {}, {}, [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = stack[stack.index(v):]
            del stack[stack.index(v):]
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_lazy_and_relative_imports():
    graph = import_graph()
    assert "course_lib.units" in graph["course_lib.declare"]             # from .units import
    assert "course_lib.rounding" in graph["course_lib.explorers.charts"]  # from ..rounding
    assert "course_lib.explorers.charts" in graph["course_lib.widgets"]  # inside __getattr__
    assert "tools.grading" in graph["tools.editions"]                    # inside a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_one_that_imports_it():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_old_spellings_still_work():
    import course_lib.declare
    from course_lib.units import accepts, count, fraction, quantity, ratio
    assert (accepts, count, fraction, quantity, ratio) == (
        course_lib.declare.accepts, course_lib.declare.count, course_lib.declare.fraction,
        course_lib.declare.quantity, course_lib.declare.ratio)

    pytest.importorskip("ipywidgets")
    from course_lib.explorers import charts
    from course_lib.widgets import nice_limit, set_shares, share_bar
    assert (share_bar, set_shares, nice_limit) == (charts.share_bar, charts.set_shares,
                                                   charts.nice_limit)

    from tools import answer_cells, editions, grading
    assert editions.ANSWER_TAG == grading.ANSWER_TAG == answer_cells.ANSWER_TAG
    assert editions.RESPONSE == grading.RESPONSE == answer_cells.RESPONSE
    assert "otter_grade" in editions.grade.__doc__      # the older name of the otter grader


def test_an_exercise_declared_with_mistakes_still_constructs_and_says_where_they_go():
    from course_lib.chapters import Exercise

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Exercise("08.1", "x", "s", rtol=0.02).mistakes == ()
    with pytest.warns(FutureWarning, match="# mistake: <expression> -> <hint>"):
        old = Exercise("08.1", "x", "s", ((8, "bits, not bytes"),), rtol=0.02)
    assert old.mistakes == () and old.rtol == 0.02
