"""The interactive explorers of each chapter: one module per chapter, one function per
explorer, each returning a ready :class:`course_lib.widgets.Explorer`.

Notebooks show one with a single call (``transfer_explorer()``); tests and benchmarks
build the same objects directly. Read one with ``transfer_explorer??`` in a notebook.
"""
