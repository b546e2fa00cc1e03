"""Typed, read-only access to the tables in ``data/``.

Every table is a CSV file whose header cells carry units in brackets (``memory [GiB]``);
those columns come back as pint quantities, blank cells as ``None`` (blank is "not
published", never zero). Every row has a ``source`` and a ``status`` (verified /
secondary / unverified); ``data/README.md`` states the conventions (binary HBM capacities,
dense FLOP/s, per-direction bandwidth).

The CSV files live in ``data/`` at the top of the repository and are installed with the
package as ``course_lib._tables``, read through ``importlib.resources``: a wheel or a
non-editable install works outside the source tree.

One generic layer serves every table: :func:`parse_table` (CSV text to checked rows),
:func:`read_table` (an installed table's rows, read once), :func:`lookup` (a record by
name or alias, case-, space-, dash- and underscore-insensitive, with close matches in the
``KeyError``) and :func:`records` (rows turned into frozen dataclasses).

Checks on reading
-----------------
A table is checked when it is first read; anything wrong raises :class:`TableError`, whose
message names the file, the line, the column, what was found and what was expected:

* the file is UTF-8 text (a byte-order mark is ignored) and not empty; a header with no
  rows gives no rows; every row has one cell per header column;
* a header cell is ``column`` or ``column [unit]``, with a unit pint reads; column names
  are unique; ``source`` and ``status`` columns exist;
* a cell of a unit column (and ``value`` in ``constants.csv``) is blank or a finite
  number, and **greater than zero**: memory, bandwidth, power, FLOP/s, mass, time, price
  of zero or less mean nothing. Two declared exceptions: columns in ``_ZERO_ALLOWED`` may
  be zero (a training recipe that keeps no gradient or master copy), columns in
  ``_SIGNED`` may take any sign (latitude and longitude);
* no cell anywhere is NaN or infinite;
* ``status`` is one of :data:`STATUSES`; ``source`` and ``name`` are not blank; columns
  with a fixed vocabulary (``_CHOICES``: an interconnect's ``kind``, a rocket's
  ``reusable``...) hold one of its words;
* no two rows share a name or alias, compared as :func:`normalize` matches them;
* in ``constants.csv``, ``unit`` is blank (dimensionless) or a unit pint reads.
"""
from __future__ import annotations

import csv
import dataclasses
import difflib
import functools
import io
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Callable, Mapping, Sequence

import pint

from .units import Q_, describe_value

__all__ = ["read_table", "parse_table", "TableError", "table_names", "table_units",
           "lookup", "records", "normalize",
           "Accelerator", "accelerator", "accelerators", "Model", "model", "models",
           "PowerScale", "power_scale", "power_scales", "Interconnect", "interconnect",
           "interconnects", "System", "system", "systems", "City", "city", "cities",
           "constant", "River", "river", "rivers", "BuildTime", "build_time", "build_times",
           "LaunchVehicle", "launch_vehicle", "launch_vehicles", "Launches", "launches",
           "Green500Leader", "green500_leader", "green500_leaders",
           "constant_record", "STATUSES"]

STATUSES = ("verified", "secondary", "unverified")
_UNIT_HEADER = re.compile(r"^(?P<field>[^\[\]]+?)\s*\[(?P<unit>[^\[\]]*)\]$")
_TABLES = "course_lib._tables"
_NUMBER_START = frozenset("0123456789+-.nNiI")   # how a number int() or float() reads starts

# The range rule's two exceptions (see the module docstring): table -> columns.
_SIGNED = {"cities": frozenset({"latitude", "longitude"})}    # degrees north / east
_ZERO_ALLOWED = {"training_recipes": frozenset({"gradients", "master_weights", "optimizer"})}
# Columns with a fixed vocabulary: (table, column) -> words; "*" is every table. A blank
# cell is refused for status, allowed elsewhere ("not published", or no such thing).
_CHOICES = {("*", "status"): STATUSES,
            ("interconnects", "kind"): ("scale-up", "host", "scale-out"),
            ("launch_vehicles", "reusable"): ("yes", "no", "partly"),
            ("models", "tied_embeddings"): ("yes", "no"),
            ("number_formats", "special"): ("ieee", "fn", "none", "e8m0")}
_NOT_BLANK = ("name", "source", "status")
_RULE = ("unit columns hold numbers > 0 unless course_lib.data declares the column "
         "zero-allowed or signed")


class TableError(ValueError):
    """A data table that cannot be read as written.

    The message names the file, the line (1 is the header), the column, what was found
    and what was expected; the same are attributes ``file``, ``line``, ``column``,
    ``found`` and ``expected``.
    """

    def __init__(self, file: str, line: int, column: str | None, found: str, expected: str):
        self.file, self.line, self.column = file, line, column
        self.found, self.expected = found, expected
        where = f"{file}, line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: found {found}; expected {expected}.")


def _excerpt(text, limit: int = 40) -> str:
    """``text`` quoted, cut to about ``limit`` characters: never a huge string."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def normalize(name: str) -> str:
    """The key names are matched by: upper case, without spaces, dashes, underscores."""
    return re.sub(r"[\s_\-]+", "", str(name)).upper()


def _text(table: str) -> bytes:
    if not isinstance(table, str) or table not in table_names():
        raise KeyError(f"No data table {describe_value(table)}. Known: {', '.join(table_names())}.")
    return (resources.files(_TABLES) / f"{table}.csv").read_bytes()


def table_names() -> list[str]:
    """The names of the installed tables (``accelerators``, ``models``, ...)."""
    return sorted(p.name[:-4] for p in resources.files(_TABLES).iterdir()
                  if p.name.endswith(".csv"))


def _decode(raw: bytes, file: str) -> str:
    """UTF-8 text of ``raw``; other bytes are refused at their line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        text = raw.decode("utf-8-sig", errors="replace")
        offset = len(raw[:e.start].decode("utf-8-sig"))   # characters before the bad byte
        start = text.rfind("\n", 0, offset) + 1
        line = text.count("\n", 0, offset) + 1
        header = next(csv.reader(io.StringIO(text)), [])
        index = len(next(csv.reader([text[start:offset]]), None) or [""]) - 1
        column = header[index].strip() if index < len(header) else None
        raise TableError(file, line, column,
                         f"bytes {raw[e.start:e.start + 8]!r} that are not UTF-8",
                         "UTF-8 text (save the file as UTF-8)") from None


@dataclass(frozen=True)
class _Column:
    """One header cell: its key, its label as written, its unit, and the checks its cells
    pass (sign: "positive", "zero" or "signed"; choices; blank refused)."""

    name: str
    label: str
    unit: object = None             # pint Unit, parsed once per column
    unit_text: str | None = None
    sign: str = "positive"
    choices: tuple[str, ...] = ()
    required: bool = False


def _header(cells: list[str], table: str, file: str) -> list[_Column]:
    columns, seen = [], set()
    for cell in cells:
        label = cell.strip()
        name, unit_text, unit = label, None, None
        if "[" in label or "]" in label:
            m = _UNIT_HEADER.match(label)
            if m is None:
                raise TableError(file, 1, label, f"the header cell {_excerpt(label)}",
                                 "a column name, or a name and a unit as in 'memory [GiB]'")
            name, unit_text = m["field"].strip(), m["unit"].strip()
            if not unit_text:
                raise TableError(file, 1, label, "a blank unit",
                                 f"a unit pint can read, as in '{name} [GB]'")
            unit = _unit(unit_text, file, 1, label)
        if not name:
            raise TableError(file, 1, f"{len(columns) + 1} (counting from 1)",
                             "a blank header cell", "a column name")
        if name in seen:
            raise TableError(file, 1, label, f"a second column called {name!r}",
                             "one column per name")
        seen.add(name)
        sign = ("signed" if name in _SIGNED.get(table, ()) else
                "zero" if name in _ZERO_ALLOWED.get(table, ()) else "positive")
        choices = _CHOICES.get((table, name)) or _CHOICES.get(("*", name)) or ()
        columns.append(_Column(name, label, unit, unit_text, sign, choices,
                               name in _NOT_BLANK))
    for needed in ("source", "status"):
        if needed not in seen:
            raise TableError(file, 1, needed, f"no {needed!r} column in the header",
                             "a source and a status column (every row has both)")
    return columns


def _unit(text: str, file: str, line: int, column: str):
    try:
        return _parse_unit(text)
    except Exception:        # pint raises several kinds (undefined, syntax, tokenizer...)
        raise TableError(file, line, column, f"the unit {_excerpt(text)}",
                         "a unit pint can read (e.g. GB/s, TFLOP/s, W, degree)") from None


@functools.lru_cache(maxsize=None)
def _parse_unit(text: str):
    return Q_(1, text).units


def _number(text: str, col: _Column, file: str, line: int, unit_text: str | None):
    """A finite number in the column's range, or a TableError saying what was expected."""
    in_unit = f" in {unit_text}" if unit_text else ""
    try:
        x = float(text)
    except ValueError:
        raise TableError(file, line, col.label, _excerpt(text), f"a number{in_unit} "
                         "(or a blank cell for 'not published')") from None
    if not math.isfinite(x):
        raise TableError(file, line, col.label, _excerpt(text), f"a finite number{in_unit}")
    if x <= 0 and col.sign != "signed" and (x < 0 or col.sign == "positive"):
        bound = ">= 0" if col.sign == "zero" else "> 0"
        raise TableError(file, line, col.label, _excerpt(text),
                         f"a number {bound}{in_unit} ({_RULE})")
    return x


def _plain(text: str, col: _Column, file: str, line: int):
    """A cell of a column without a unit: an int, a float or the text itself."""
    if col.choices and text not in col.choices:
        raise TableError(file, line, col.label, _excerpt(text),
                         f"one of {', '.join(col.choices)}")
    if text[0] not in _NUMBER_START:        # skip the costly failed conversions of text
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        raise TableError(file, line, col.label, _excerpt(text),
                         "a finite number, or text that does not read as NaN or infinity")
    return value


def _row(values: list[str], columns: list[_Column], file: str, line: int) -> dict:
    row = {}
    for col, raw in zip(columns, values):
        text = raw.strip()
        if not text:
            if col.required:
                expected = (f"one of {', '.join(col.choices)}" if col.choices else
                            f"a {col.name} (every row has one)")
                raise TableError(file, line, col.label, "a blank cell", expected)
            row[col.name] = None
        elif col.unit is not None:
            row[col.name] = Q_(_number(text, col, file, line, col.unit_text), col.unit)
        else:
            row[col.name] = _plain(text, col, file, line)
    return row


def _constant_row(row: dict, columns: list[_Column], file: str, line: int) -> None:
    """``constants.csv``: ``value`` a number in the rule's range, ``unit`` pint can read."""
    label = {c.name: c.label for c in columns}
    unit = row.get("unit")
    if unit is not None:
        _unit(str(unit), file, line, label["unit"])
    if "value" in row:
        in_unit = f" in {unit}" if unit is not None else ""
        if row["value"] is None:
            raise TableError(file, line, label["value"], "a blank cell", f"a number{in_unit}")
        _number(str(row["value"]), _Column("value", label["value"]), file, line,
                None if unit is None else str(unit))


def _keys(row: dict) -> list[tuple[str, str]]:
    """(column, spelling) of the row's name and each alias."""
    keys = [("name", str(row["name"]))] if row.get("name") is not None else []
    return keys + [("aliases", a) for a in _aliases(row)]


def _start(text: str | bytes, table: str) -> tuple[str, csv.reader, list[_Column]]:
    if not isinstance(table, str) or not isinstance(text, (str, bytes)):
        raise TypeError(f"parse_table(): text must be the CSV as str or bytes and table its "
                        f"name, got {type(text).__name__} and {type(table).__name__}.")
    table = table[:-4] if table.endswith(".csv") else table
    file = f"{table}.csv"
    if isinstance(text, bytes):
        text = _decode(text, file)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise TableError(file, 1, None, "an empty file",
                         "a header row (name,...,source,status), then one row per record")
    reader = csv.reader(io.StringIO(text))
    return file, reader, _header(next(reader), table, file)


def table_units(table: str) -> dict[str, str]:
    """The unit of each unit-bearing column of a table, as written in its header."""
    _, _, columns = _start(_text(table), table)
    return {c.name: c.unit_text for c in columns if c.unit_text}


def parse_table(text: str | bytes, table: str) -> tuple[Mapping[str, object], ...]:
    """Rows of the CSV ``text`` of the table called ``table``, checked as the module
    docstring lists; unit columns as quantities, blank cells as ``None``.

    ``text`` may be bytes (decoded as UTF-8). Anything wrong raises :class:`TableError`
    naming ``<table>.csv``, the line and the column.

    >>> parse_table("name,power [W],source,status\\nlamp,-60,shop,verified\\n", "lamps")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    course_lib.data.TableError: lamps.csv, line 2, column power [W]: found '-60'; expected a ...
    """
    file, reader, columns = _start(text, table)
    constants = file == "constants.csv"
    rows, seen = [], {}
    end = reader.line_num
    try:
        for values in reader:
            line, end = end + 1, reader.line_num
            if not values:                       # an empty line
                continue
            if len(values) != len(columns):
                column = (columns[len(values)].label if len(values) < len(columns)
                          else f"after {columns[-1].label}")
                raise TableError(file, line, column, f"{len(values)} cells",
                                 f"{len(columns)}, one per header column (a comma inside a "
                                 "cell needs the cell in double quotes)")
            row = _row(values, columns, file, line)
            if constants:
                _constant_row(row, columns, file, line)
            for column, spelling in _keys(row):
                key = normalize(spelling)
                first = seen.setdefault(key, (line, spelling))
                if first[0] != line:
                    raise TableError(file, line, column, f"{spelling!r}, the same name as "
                                     f"{first[1]!r} on line {first[0]}",
                                     "names and aliases unique within the table (compared "
                                     "ignoring case, spaces, dashes and underscores)")
            rows.append(MappingProxyType(row))
    except csv.Error as e:
        raise TableError(file, reader.line_num, None, f"text the CSV reader refuses ({e})",
                         "comma-separated cells, double quotes around any cell with a "
                         "comma, quote or line break") from None
    return tuple(rows)


@functools.lru_cache(maxsize=None)
def read_table(table: str) -> tuple[Mapping[str, object], ...]:
    """Rows of ``data/<table>.csv`` as read-only mappings, unit columns as quantities,
    checked as the module docstring lists (:func:`parse_table`).

    Keys are the column names without their unit (``memory``, not ``memory [GiB]``).

    >>> read_table("accelerators")[0]["name"]
    'A100 SXM'
    """
    return parse_table(_text(table), table)


def _aliases(row) -> tuple[str, ...]:
    return tuple(a.strip() for a in str(row.get("aliases") or "").split(";") if a.strip())


def records(table: str, cls, **computed: Callable[[Mapping], object]) -> tuple:
    """Each row of ``table`` as an instance of the dataclass ``cls``.

    A field takes the column of the same name (``aliases`` split on ``;``, ``notes``
    blank as ``""``) unless ``computed`` gives a function of the row for it. A field
    without a default and without its column is a :class:`TableError`.
    """
    rows = read_table(table)
    fields = dataclasses.fields(cls)
    if rows:
        for f in fields:
            if (f.name not in rows[0] and f.name not in computed and f.name != "aliases"
                    and f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING):
                raise TableError(f"{table}.csv", 1, f.name, "no such column in the header",
                                 f"a column {f.name!r} (read into {cls.__name__}.{f.name})")

    def build(row):
        values = {}
        for f in fields:
            if f.name in computed:
                values[f.name] = computed[f.name](row)
            elif f.name == "aliases":
                values[f.name] = _aliases(row)
            elif f.name == "notes":
                values[f.name] = row.get("notes") or ""
            elif f.name in row:
                values[f.name] = row[f.name]
        return cls(**values)

    return tuple(build(row) for row in rows)


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
    if isinstance(items, (str, bytes)) or not all(hasattr(i, "name") for i in items):
        raise TypeError(f"lookup(): items must be records with a name (e.g. accelerators()), "
                        f"got {describe_value(items)}.")
    key = normalize(name)
    found = _index(items).get(key)
    if found is not None:
        return found
    names = [i.name for i in items]
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.4)
    close += [n for n in names if key and key in normalize(n) and n not in close]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(f"No {what} named {describe_value(name)}.{hint} Known: {', '.join(names)}.")


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


# ---- efficiency records (chapter 06) -----------------------------------------------------

@dataclass(frozen=True)
class Green500Leader:
    """The most energy-efficient supercomputer of one Green500 list (``name`` is the list,
    ``"2022-06"``), from ``data/green500.csv``: ``efficiency`` is FP64 HPL (Linpack)
    FLOP/s per watt of the whole system as measured for the list, ``year`` the list's
    date as a decimal year."""

    name: str
    system: str
    efficiency: pint.Quantity
    year: float
    source: str
    status: str
    notes: str = ""


green500_leaders, green500_leader = _accessors(
    "green500_leaders", Green500Leader, "Green500 list",
    """The leaders of the Green500 lists in ``data/green500.csv``, oldest first.""",
    """One Green500 list's leader by list (``"2022-06"``).

    >>> green500_leader("2022-06").efficiency
    <Quantity(62.8, 'gigaFLOP / second / watt')>
    """)


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

    Growth rows (``"frontier compute growth"``, ``4.5 1/year``) hold a factor per year in
    the unit ``1/year``; for the factor over another duration use
    :func:`course_lib.growth_factor` (pint's ``**`` keeps the unit).

    >>> constant("fiber group index")
    <Quantity(1.4682, 'dimensionless')>
    """
    c = constant_record(name)
    return Q_(float(c.value), c.unit)
