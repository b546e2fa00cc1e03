"""Typed, read-only access to the tables in ``data/``.

Every table is a CSV file whose header cells carry units in brackets
(``memory [GB]``); those columns come back as pint quantities, blank cells as ``None``.
Every row has a ``source`` and a ``status`` (verified / secondary / unverified); see
``data/README.md`` for the conventions (dense FLOP/s, per-direction bandwidth, GB = 1e9 B).

Lookups match names and aliases case-, space-, dash- and underscore-insensitively; an unknown
name raises ``KeyError`` that lists close matches.
"""
from __future__ import annotations

import csv
import difflib
import functools
import os
import pathlib
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import pint

from .units import Q_

DATA_DIR = pathlib.Path(os.environ.get("COURSE_LIB_DATA",
                                       pathlib.Path(__file__).resolve().parent.parent / "data"))
STATUSES = ("verified", "secondary", "unverified")
_UNIT_HEADER = re.compile(r"^(?P<field>[^\[]+?)\s*\[(?P<unit>[^\]]+)\]$")


def normalize(name: str) -> str:
    """The key names are matched by: upper case, without spaces, dashes, underscores."""
    return re.sub(r"[\s_\-]+", "", str(name)).upper()


def _cell(text: str, unit: str | None):
    text = text.strip()
    if text == "":
        return None
    if unit is not None:
        return Q_(float(text), unit)
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@functools.lru_cache(maxsize=None)
def read_table(table: str) -> tuple[Mapping[str, object], ...]:
    """Rows of ``data/<table>.csv`` as read-only mappings, unit columns as quantities.

    Keys are the column names without their unit (``memory``, not ``memory [GB]``).
    """
    path = DATA_DIR / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        columns = []
        for cell in header:
            m = _UNIT_HEADER.match(cell.strip())
            columns.append((m["field"], m["unit"]) if m else (cell.strip(), None))
        rows = []
        for line, values in enumerate(reader, start=2):
            if len(values) != len(columns):
                raise ValueError(f"{path.name}, line {line}: {len(values)} cells, "
                                 f"expected {len(columns)}")
            rows.append(MappingProxyType({name: _cell(v, unit)
                                          for (name, unit), v in zip(columns, values)}))
    return tuple(rows)


def table_units(table: str) -> dict[str, str]:
    """The unit of each unit-bearing column of a table, as written in its header."""
    with (DATA_DIR / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    return {m["field"]: m["unit"] for m in map(_UNIT_HEADER.match, header) if m}


def _find(records, name: str, what: str):
    key = normalize(name)
    for record in records:
        if key == normalize(record.name) or key in map(normalize, record.aliases):
            return record
    names = [r.name for r in records]
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.4)
    close += [n for n in names if key and key in normalize(n) and n not in close]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(f"No {what} named {name!r}.{hint} Known: {', '.join(names)}.")


def _aliases(row) -> tuple[str, ...]:
    return tuple(a.strip() for a in (row["aliases"] or "").split(";") if a.strip())


@dataclass(frozen=True)
class Accelerator:
    """One accelerator (GPU) as sold, from ``data/accelerators.csv``.

    ``peak`` maps a number format (``"FP64"``, ``"TF32"``, ``"BF16"``, ``"FP16"``, ``"FP8"``,
    ``"FP4"``) to the **dense** tensor-core peak in FLOP/s; formats the part lacks are absent.
    ``power`` is the board power (TDP), not the facility power.
    ``scale_up_bandwidth`` is **per direction** (NVLink: half the marketed bidirectional
    figure); ``None`` where no source gives it.
    """

    name: str
    memory: pint.Quantity
    memory_bandwidth: pint.Quantity
    peak: Mapping[str, pint.Quantity]
    power: pint.Quantity
    scale_up_bandwidth: pint.Quantity | None
    scale_up_link: str
    year: int
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)


_PEAK_COLUMNS = {"FP64": "fp64_dense", "TF32": "tf32_dense", "BF16": "bf16_dense",
                 "FP16": "fp16_dense", "FP8": "fp8_dense", "FP4": "fp4_dense"}


@functools.lru_cache(maxsize=None)
def accelerators() -> tuple[Accelerator, ...]:
    """All accelerators in ``data/accelerators.csv``."""
    return tuple(
        Accelerator(
            name=r["name"], memory=r["memory"], memory_bandwidth=r["memory_bandwidth"],
            peak=MappingProxyType({fmt: r[col] for fmt, col in _PEAK_COLUMNS.items()
                                   if r[col] is not None}),
            power=r["power"], scale_up_bandwidth=r["scale_up_bandwidth"],
            scale_up_link=r["scale_up_link"] or "", year=r["year"], source=r["source"],
            status=r["status"], notes=r["notes"] or "", aliases=_aliases(r),
        )
        for r in read_table("accelerators")
    )


def accelerator(name: str | Accelerator) -> Accelerator:
    """The accelerator called ``name`` (e.g. ``"H100 SXM"``, ``"h100"``, ``"GB200"``)."""
    if isinstance(name, Accelerator):
        return name
    return _find(accelerators(), name, "accelerator")


@dataclass(frozen=True)
class Model:
    """A published transformer architecture, from ``data/models.csv``.

    ``params`` are the parameters stored; ``active_params`` those used per token
    (smaller for mixture-of-experts models). ``kv_heads`` is ``None`` where the model does
    not use per-head keys and values (e.g. multi-head latent attention).
    """

    name: str
    params: pint.Quantity
    active_params: pint.Quantity
    layers: int
    attention_heads: int
    kv_heads: int | None
    head_dim: int | None
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)


@functools.lru_cache(maxsize=None)
def models() -> tuple[Model, ...]:
    """All model architectures in ``data/models.csv``."""
    return tuple(
        Model(name=r["name"], params=r["params"], active_params=r["active_params"],
              layers=r["layers"], attention_heads=r["attention_heads"], kv_heads=r["kv_heads"],
              head_dim=r["head_dim"], source=r["source"], status=r["status"],
              notes=r["notes"] or "", aliases=_aliases(r))
        for r in read_table("models")
    )


def model(name: str | Model) -> Model:
    """The model architecture called ``name`` (e.g. ``"Llama-3-70B"``)."""
    if isinstance(name, Model):
        return name
    return _find(models(), name, "model")
