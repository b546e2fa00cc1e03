"""Typed, read-only access to the tables in ``data/``.

Every table is a CSV file whose header cells carry units in brackets (``memory [GiB]``);
those columns come back as pint quantities, blank cells as ``None`` (blank is "not
published", never zero). Every row has a ``source`` and a ``status`` (verified /
secondary / unverified); ``data/README.md`` states the conventions (binary HBM capacities,
dense FLOP/s, per-direction bandwidth).

The CSV files live in ``data/`` at the top of the repository and are installed with the
package as ``course_lib._tables``, read through ``importlib.resources``: a wheel or a
non-editable install works outside the source tree.

One generic layer serves every table: :func:`read_table` (rows), :func:`lookup` (a record
by name or alias, case-, space-, dash- and underscore-insensitive, with close matches in
the ``KeyError``) and :func:`records` (rows turned into frozen dataclasses).
"""
from __future__ import annotations

import csv
import dataclasses
import difflib
import functools
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Callable, Mapping, Sequence

import pint

from .units import Q_

__all__ = ["read_table", "table_names", "table_units", "lookup", "records", "normalize",
           "Accelerator", "accelerator", "accelerators", "Model", "model", "models",
           "PowerScale", "power_scale", "power_scales", "Interconnect", "interconnect",
           "interconnects", "System", "system", "systems", "City", "city", "cities",
           "constant", "River", "river", "rivers", "BuildTime", "build_time", "build_times",
           "LaunchVehicle", "launch_vehicle", "launch_vehicles", "Launches", "launches",
           "constant_record", "STATUSES"]

STATUSES = ("verified", "secondary", "unverified")
_UNIT_HEADER = re.compile(r"^(?P<field>[^\[]+?)\s*\[(?P<unit>[^\]]+)\]$")
_TABLES = "course_lib._tables"


def normalize(name: str) -> str:
    """The key names are matched by: upper case, without spaces, dashes, underscores."""
    return re.sub(r"[\s_\-]+", "", str(name)).upper()


def _text(table: str) -> str:
    path = resources.files(_TABLES) / f"{table}.csv"
    if not path.is_file():
        raise KeyError(f"No data table {table!r}. Known: {', '.join(table_names())}.")
    return path.read_text(encoding="utf-8")


def table_names() -> list[str]:
    """The names of the installed tables (``accelerators``, ``models``, ...)."""
    return sorted(p.name[:-4] for p in resources.files(_TABLES).iterdir()
                  if p.name.endswith(".csv"))


def _columns(header: list[str]) -> list[tuple[str, str | None]]:
    """(name, unit or None) of each header cell: ``memory [GiB]`` -> ``("memory", "GiB")``."""
    return [(m["field"], m["unit"]) if (m := _UNIT_HEADER.match(c.strip())) else (c.strip(), None)
            for c in header]


def table_units(table: str) -> dict[str, str]:
    """The unit of each unit-bearing column of a table, as written in its header."""
    header = next(csv.reader(io.StringIO(_text(table))))
    return {name: unit for name, unit in _columns(header) if unit}


def _cell(text: str, unit):
    text = text.strip()
    if text == "":
        return None
    if unit is not None:
        return Q_(float(text), unit)          # unit: a pint Unit, parsed once per column
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@functools.lru_cache(maxsize=None)
def read_table(table: str) -> tuple[Mapping[str, object], ...]:
    """Rows of ``data/<table>.csv`` as read-only mappings, unit columns as quantities.

    Keys are the column names without their unit (``memory``, not ``memory [GiB]``).

    >>> read_table("accelerators")[0]["name"]
    'A100 SXM'
    """
    reader = csv.reader(io.StringIO(_text(table)))
    columns = [(name, None if unit is None else Q_(1, unit).units)
               for name, unit in _columns(next(reader))]
    rows = []
    for line, values in enumerate(reader, start=2):
        if len(values) != len(columns):
            raise ValueError(f"{table}.csv, line {line}: {len(values)} cells, "
                             f"expected {len(columns)}")
        rows.append(MappingProxyType({name: _cell(v, unit)
                                      for (name, unit), v in zip(columns, values)}))
    return tuple(rows)


def _aliases(row) -> tuple[str, ...]:
    return tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())


def records(table: str, cls, **computed: Callable[[Mapping], object]) -> tuple:
    """Each row of ``table`` as an instance of the dataclass ``cls``.

    A field takes the column of the same name (``aliases`` split on ``;``, ``notes``
    blank as ``""``) unless ``computed`` gives a function of the row for it.
    """
    def build(row):
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in computed:
                values[f.name] = computed[f.name](row)
            elif f.name == "aliases":
                values[f.name] = _aliases(row)
            elif f.name == "notes":
                values[f.name] = row.get("notes") or ""
            elif f.name in row:
                values[f.name] = row[f.name]
        return cls(**values)

    return tuple(build(row) for row in read_table(table))


_INDEXES: dict[int, tuple[Sequence, dict]] = {}


def _index(items: Sequence) -> dict:
    """Normalised name and aliases -> item, built once per sequence of records (the
    accessors' tuples live as long as the process)."""
    cached = _INDEXES.get(id(items))
    if cached is None or cached[0] is not items:
        index = {}
        for item in reversed(items):          # the first row of a name wins, as before
            for key in (item.name, *getattr(item, "aliases", ())):
                index[normalize(key)] = item
        cached = _INDEXES[id(items)] = (items, index)
    return cached[1]


def lookup(items: Sequence, name, what: str):
    """The item of ``items`` whose ``name`` or one of whose ``aliases`` matches ``name``.

    Matching ignores case, spaces, dashes and underscores. An unknown name raises
    ``KeyError`` listing close matches and every known name.

    >>> lookup(accelerators(), "h100", "accelerator").name
    'H100 SXM'
    """
    key = normalize(name)
    found = _index(items).get(key)
    if found is not None:
        return found
    names = [i.name for i in items]
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.4)
    close += [n for n in names if key and key in normalize(n) and n not in close]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(f"No {what} named {name!r}.{hint} Known: {', '.join(names)}.")


def _accessors(table: str, cls, what: str, every_doc: str, one_doc: str, **computed):
    """The two accessors of a table: every record (read once), and one record by name or
    alias (a record passes through), with the docstrings given."""
    @functools.lru_cache(maxsize=None)
    def every():
        return records(table, cls, **computed)

    def one(name):
        return name if isinstance(name, cls) else lookup(every(), name, what)

    single = table[:-3] + "y" if table.endswith("ies") else table[:-1]
    for fn, name, doc in ((every, table, every_doc), (one, single, one_doc)):
        fn.__name__ = fn.__qualname__ = name       # help() and tracebacks show the real name
        fn.__doc__ = doc
    return every, one


# ---- accelerators ----------------------------------------------------------------------

@dataclass(frozen=True)
class Accelerator:
    """One accelerator (GPU) as sold, from ``data/accelerators.csv``.

    ``memory`` is the capacity the software sees, in GiB: HBM and GDDR are built from
    binary-sized stacks and chips, so the H100's "80 GB" is about 80 GiB (nvidia-smi:
    81,559 MiB). ``memory_marketed`` is the datasheet's figure, in the datasheet's unit.
    ``peak`` maps a number format (``"FP64"``, ``"TF32"``, ``"BF16"``, ``"FP16"``,
    ``"FP8"``, ``"FP4"``) to the **dense** tensor-core peak in FLOP/s.
    ``power`` is the board power (TDP), not the facility power.
    ``scale_up_bandwidth`` is the GPU's total scale-up bandwidth **per direction**
    (NVLink: half the marketed bidirectional figure); ``scale_up_per_peer`` what it can
    send to any single peer (equal behind an NVLink switch; one link's share in a
    point-to-point mesh such as AMD's Infinity Fabric). ``None`` where no source gives it.
    """

    name: str
    memory: pint.Quantity
    memory_marketed: pint.Quantity
    memory_bandwidth: pint.Quantity
    peak: Mapping[str, pint.Quantity]
    power: pint.Quantity
    scale_up_bandwidth: pint.Quantity | None
    scale_up_per_peer: pint.Quantity | None
    scale_up_link: str
    year: int
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)


_PEAK_COLUMNS = {"FP64": "fp64_dense", "TF32": "tf32_dense", "BF16": "bf16_dense",
                 "FP16": "fp16_dense", "FP8": "fp8_dense", "FP4": "fp4_dense"}


accelerators, accelerator = _accessors(
    "accelerators", Accelerator, "accelerator",
    """All accelerators in ``data/accelerators.csv``.""",
    """The accelerator called ``name`` (e.g. ``"H100 SXM"``, ``"h100"``, ``"GB200"``).

    >>> accelerator("H100").memory
    <Quantity(80.0, 'gibibyte')>
    """,
    peak=lambda r: MappingProxyType({fmt: r[col] for fmt, col in _PEAK_COLUMNS.items()
                                     if r[col] is not None}),
    scale_up_link=lambda r: r["scale_up_link"] or "")


# ---- models ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Model:
    """A published transformer architecture, from ``data/models.csv``.

    ``params`` are the parameters stored; ``active_params`` those used per token
    (smaller for mixture-of-experts models). ``kv_heads`` is ``None`` where the model does
    not cache per-head keys and values (e.g. multi-head latent attention). ``hidden`` is
    the model width and ``vocab`` the vocabulary size (embedding and output head).
    """

    name: str
    params: pint.Quantity
    active_params: pint.Quantity
    layers: int
    hidden: int
    attention_heads: int
    kv_heads: int | None
    head_dim: int | None
    vocab: int
    tied_embeddings: str
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)


models, model = _accessors(
    "models", Model, "model",
    """All model architectures in ``data/models.csv``.""",
    """The model architecture called ``name`` (e.g. ``"Llama-3-70B"``).

    >>> model("Llama-3-70B").kv_heads
    8
    """)


# ---- reference powers ------------------------------------------------------------------

@dataclass(frozen=True)
class PowerScale:
    """A reference power for orders of magnitude, from ``data/power_scales.csv``;
    ``basis`` says what the figure is (a rated maximum, an annual average...)."""

    name: str
    power: pint.Quantity
    basis: str
    year: int
    source: str
    status: str


power_scales, power_scale = _accessors(
    "power_scales", PowerScale, "reference power",
    """The ladder of reference powers, from one GPU to the Sun.""",
    """One reference power by name.

    >>> power_scale("Sun luminosity").power
    <Quantity(3.828e+26, 'watt')>
    """)


# ---- links and systems (chapter 02) ----------------------------------------------------

@dataclass(frozen=True)
class Interconnect:
    """A link, from ``data/interconnects.csv``: ``bandwidth`` per direction (per GPU for
    NVLink, summed over its links; per port for networks; per x16 slot for PCIe),
    ``latency`` NCCL's per-hop cost-model latency (``None`` where none is published),
    ``kind`` one of ``scale-up``, ``host``, ``scale-out``; ``marketed`` the datasheet's
    figure as printed (often bidirectional, or in bits)."""

    name: str
    kind: str
    bandwidth: pint.Quantity
    marketed: str
    latency: pint.Quantity | None
    year: int
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)


interconnects, interconnect = _accessors(
    "interconnects", Interconnect, "link",
    """All links in ``data/interconnects.csv``.""",
    """The link called ``name`` (e.g. ``"NVLink 5"``, ``"InfiniBand NDR"``, ``"PCIe Gen5"``).

    >>> interconnect("NDR").bandwidth.to("Gb/s")
    <Quantity(400.0, 'gigabit / second')>
    """)


@dataclass(frozen=True)
class System:
    """A scale-up domain as sold (a node or a rack), from ``data/systems.csv``.

    ``gpus`` share one scale-up fabric (NVLink or Infinity Fabric) of
    ``scale_up_bandwidth`` per GPU, per direction; beyond it, each GPU reaches the rest of
    the cluster through ``scale_out_bandwidth`` (its NICs, per direction). ``power`` is
    the whole system's rated power (GPUs, CPUs, memory, NICs, fans), ``None`` if not
    published.
    """

    name: str
    accelerator: str
    gpus: int
    scale_up_bandwidth: pint.Quantity
    scale_up_link: str
    scale_out_bandwidth: pint.Quantity
    scale_out_link: str
    power: pint.Quantity | None
    year: int
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)


systems, system = _accessors(
    "systems", System, "system",
    """All scale-up systems in ``data/systems.csv``.""",
    """The system called ``name`` (e.g. ``"DGX H100"``, ``"GB200 NVL72"``).

    >>> system("NVL72").gpus
    72
    """)


@dataclass(frozen=True)
class City:
    """A city's coordinates (degrees; north and east positive), from ``data/cities.csv``."""

    name: str
    latitude: pint.Quantity
    longitude: pint.Quantity
    source: str
    status: str
    aliases: tuple[str, ...] = field(default=(), repr=False)


cities, city = _accessors(
    "cities", City, "city",
    """The cities of ``data/cities.csv``.""",
    """One city by name.

    >>> city("London").latitude
    <Quantity(51.5074, 'degree')>
    """)


# ---- power and growth (chapter 04) ----------------------------------------------------

@dataclass(frozen=True)
class River:
    """A river's long-term mean ``flow`` at ``place``, from ``data/rivers.csv``."""

    name: str
    flow: pint.Quantity
    place: str
    source: str
    status: str
    aliases: tuple[str, ...] = field(default=(), repr=False)


rivers, river = _accessors(
    "rivers", River, "river",
    """The rivers of ``data/rivers.csv``.""",
    """One river by name.

    >>> river("Thames").flow
    <Quantity(65.8, 'meter ** 3 / second')>
    """)


@dataclass(frozen=True)
class BuildTime:
    """How long it takes to build or obtain a kind of supply, from ``data/build_times.csv``;
    ``basis`` says from when to when."""

    name: str
    years: pint.Quantity
    basis: str
    source: str
    status: str
    notes: str = ""


build_times, build_time = _accessors(
    "build_times", BuildTime, "build time",
    """The build and lead times of ``data/build_times.csv``.""",
    """One build time by name.

    >>> build_time("Gas turbine (large frame)").years
    <Quantity(5.0, 'year')>
    """)


# ---- launch (chapter 05) ---------------------------------------------------------------

@dataclass(frozen=True)
class LaunchVehicle:
    """A rocket, from ``data/launch_vehicles.csv``: ``payload_leo`` to low Earth orbit in
    the configuration named, ``price`` the list price per launch (``None`` if not
    published), ``reusable`` yes / no / partly."""

    name: str
    payload_leo: pint.Quantity
    price: pint.Quantity | None
    reusable: str
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)

    @property
    def price_per_kg(self) -> pint.Quantity | None:
        """List price over full payload: the best case, every launch full."""
        return None if self.price is None else (self.price / self.payload_leo).to("USD/kg")


launch_vehicles, launch_vehicle = _accessors(
    "launch_vehicles", LaunchVehicle, "launch vehicle",
    """The rockets of ``data/launch_vehicles.csv``.""",
    """One rocket by name.

    >>> launch_vehicle("Falcon 9").price_per_kg.round(0)
    <Quantity(3986.0, 'USD / kilogram')>
    """)


@dataclass(frozen=True)
class Launches:
    """Orbital launches in one ``year`` by one family of rockets (``data/launches.csv``)."""

    year: int
    launches: int
    vehicle: str
    source: str
    status: str


@functools.lru_cache(maxsize=None)
def launches() -> tuple[Launches, ...]:
    """Falcon-family orbital launches per year."""
    return records("launches", Launches)


# ---- physical constants and fixed parameters -------------------------------------------

@dataclass(frozen=True)
class _Constant:
    name: str
    value: float
    unit: str
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = ()


@functools.lru_cache(maxsize=None)
def _constants() -> tuple[_Constant, ...]:
    return records("constants", _Constant, unit=lambda r: r["unit"] or "")


def constant_record(name: str) -> _Constant:
    """The row of ``data/constants.csv`` called ``name``: value, unit, source, status."""
    return lookup(_constants(), name, "constant")


def constant(name: str) -> pint.Quantity:
    """A constant of ``data/constants.csv`` as a quantity (its source is in the table).

    >>> constant("fiber group index")
    <Quantity(1.4682, 'dimensionless')>
    """
    c = constant_record(name)
    return Q_(float(c.value), c.unit)
