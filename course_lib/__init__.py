"""course_lib: the unit-aware library behind the teaching kit on compute scaling and energy.

Chains bytes -> FLOP/s -> watts -> dollars -> kilograms -> launches, with pint units
checked at every step. One module per chapter; ``course_lib.widgets`` and
``course_lib.explorers`` (imported on demand, they need ipywidgets and matplotlib) turn a
model into an explorer; ``course_lib.chapters`` declares the chapters.

The package exports the public names (``__all__``) of every model module found beside
this file, so a new chapter's module is exported without editing this file. Two public
names may not clash, and no public name may be a module's name: ``import
course_lib.network as net`` always gives the module.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

# Infrastructure modules: not models, or they need the notebook stack (ipywidgets).
_NOT_EXPORTED = {"declare", "widgets", "rounding", "chapters", "exercises", "masters",
                 "explorers"}
# Exported first, in this order, so that the models find them loaded.
_FIRST = ("units", "data", "checks", "formats")


def _model_modules() -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules(__path__)
                   if not m.name.startswith("_") and m.name not in _NOT_EXPORTED)
    return [*_FIRST, *(m for m in found if m not in _FIRST)]


def _export(modules: list[str]) -> list[str]:
    """Bind each module's public names here; refuse clashes with a clear message."""
    names: dict[str, str] = {}
    for module_name in modules:
        module = importlib.import_module(f".{module_name}", __name__)
        for name in module.__all__:
            if name in names and getattr(module, name) is not globals()[name]:
                raise ImportError(f"course_lib: {name!r} is public in both "
                                  f"course_lib.{names[name]} and course_lib.{module_name}")
            if name in modules:
                raise ImportError(f"course_lib.{module_name}: the public name {name!r} is "
                                  f"also a module's name; rename one of them")
            names.setdefault(name, module_name)
            globals()[name] = getattr(module, name)
    for module_name in modules:                    # importing a submodule binds its name
        globals()[module_name] = importlib.import_module(f".{module_name}", __name__)
    return list(names)


__all__ = _export(_model_modules())

# Old spellings, kept here, where every module is loaded, so that no module imports one built
# on it. Chapter 02's module was course_lib.interconnect, a name the table accessor
# interconnect() also had: `from course_lib.interconnect import collective_time` works.
sys.modules[f"{__name__}.interconnect"] = globals()["network"]
# The declarations were in course_lib.units before course_lib.declare:
# `from course_lib.units import accepts` works.
for _name in ("accepts", "quantity", "count", "fraction", "ratio"):
    setattr(globals()["units"], _name, getattr(importlib.import_module(".declare", __name__), _name))
del _name

# In a Jupyter kernel whose cell imported pyplot first (chapters 01-07's import cells do),
# each figure is drawn once less: see course_lib.explorers.charts.draw_inline_figures_once.
if "matplotlib.pyplot" in sys.modules and "ipykernel" in sys.modules:
    from .explorers.charts import draw_inline_figures_once

    draw_inline_figures_once()
    del draw_inline_figures_once


def __getattr__(name: str):
    """``__version__``, read from the installed metadata when first asked for: importing
    importlib.metadata costs about 70 ms, a quarter of the kit's import."""
    if name == "__version__":
        from importlib import metadata

        try:
            version = metadata.version("course-lib")
        except metadata.PackageNotFoundError:      # run from a source tree without installing
            version = "0+unknown"
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
