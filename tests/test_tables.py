"""Corrupted tables are refused with the file, the line and the column (course_lib.data).

Each test takes a real table from data/, corrupts one cell or line as a fuzzer or a slip of
the keyboard would, and feeds the text to parse_table; the real files are never touched.
"""
import csv
import io
import pathlib

import pytest

import course_lib
from course_lib import data
from course_lib.units import Q_

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"


def rows_of(table):
    return list(csv.reader(io.StringIO((DATA / f"{table}.csv").read_text(encoding="utf-8"))))


def text_of(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def corrupt(table, line, column, value):
    """The table's text with the cell of ``column`` (its header label) on ``line`` set."""
    rows = rows_of(table)
    rows[line - 1][rows[0].index(column)] = value
    return text_of(rows)


def refused(text, table, line, column, *words):
    """parse_table refuses ``text`` with a TableError naming file, line and column."""
    with pytest.raises(data.TableError) as info:
        data.parse_table(text, table)
    message = str(info.value)
    assert f"{table}.csv" in message, message
    assert f"line {line}" in message, message
    if column is not None:
        assert f"column {column}" in message, message
    for word in words:
        assert word in message, message
    assert len(message) < 400, message        # an excerpt, never the whole cell
    return info.value


# ---- the real tables ----------------------------------------------------------------

@pytest.mark.parametrize("table", data.table_names())
def test_every_real_table_passes_the_checks(table):
    raw = (DATA / f"{table}.csv").read_bytes()
    rows = data.parse_table(raw, table)
    assert rows and rows == data.read_table(table)
    assert data.parse_table(raw.decode("utf-8"), f"{table}.csv") == rows


def test_every_accessor_builds_its_records():
    for every in (data.accelerators, data.models, data.power_scales, data.interconnects,
                  data.systems, data.cities, data.rivers, data.build_times,
                  data.launch_vehicles, data.launches):
        assert every()
    assert data.constant("speed of light") == Q_(299792458, "m/s")


def test_table_error_is_one_exported_value_error():
    assert issubclass(data.TableError, ValueError)
    assert "TableError" in data.__all__ and "parse_table" in data.__all__
    assert course_lib.TableError is data.TableError
    error = refused(corrupt("accelerators", 3, "memory [GiB]", "eighty"),
                    "accelerators", 3, "memory [GiB]")
    assert (error.file, error.line, error.column) == ("accelerators.csv", 3, "memory [GiB]")
    assert error.found == "'eighty'" and error.expected.startswith("a number in GiB")


# ---- headers and files --------------------------------------------------------------

@pytest.mark.parametrize("label, found", [
    ("memory []", "a blank unit"),
    ("memory [  ]", "a blank unit"),
    ("memory [GiBB]", "the unit 'GiBB'"),
    ("memory [2 GiB]", "the unit '2 GiB'"),
    ("memory [GiB", "the header cell"),
    ("memory GiB]", "the header cell"),
])
def test_blank_or_unreadable_units_in_the_header_are_refused(label, found):
    rows = rows_of("accelerators")
    rows[0][rows[0].index("memory [GiB]")] = label
    refused(text_of(rows), "accelerators", 1, label, found)


def test_header_needs_source_status_and_unique_columns():
    rows = rows_of("rivers")
    rows[0][rows[0].index("status")] = "state"
    refused(text_of(rows), "rivers", 1, "status", "a source and a status column")
    rows = rows_of("rivers")
    rows[0][rows[0].index("place")] = "flow [L/s]"
    refused(text_of(rows), "rivers", 1, "flow [L/s]", "a second column called 'flow'")


def test_a_missing_column_is_a_table_error_not_a_type_error(monkeypatch):
    rows = rows_of("rivers")
    rows[0][rows[0].index("place")] = "location"
    text = text_of(rows)
    monkeypatch.setattr(data, "read_table", lambda table: data.parse_table(text, table))
    with pytest.raises(data.TableError, match=r"rivers\.csv, line 1, column place: found no "
                                              r"such column"):
        data.records("rivers", data.River)


@pytest.mark.parametrize("text", ["", "\n", "  \n\n", "\ufeff", b"", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(text):
    refused(text, "rivers", 1, None, "an empty file", "a header row")


def test_a_header_alone_gives_no_rows_and_blank_lines_are_skipped():
    header = text_of(rows_of("rivers")[:1])
    assert data.parse_table(header, "rivers") == ()
    assert data.parse_table(header.rstrip("\n"), "rivers") == ()
    rows = text_of(rows_of("rivers")).replace("\n", "\n\n", 2)
    assert [r["name"] for r in data.parse_table(rows, "rivers")] == [
        r["name"] for r in data.read_table("rivers")]


def test_non_utf8_bytes_are_refused_naming_file_line_and_column():
    raw = corrupt("cities", 4, "name", "S\u00e3o Paulo").encode("latin-1")
    error = refused(raw, "cities", 4, "name", "not UTF-8", "save the file as UTF-8")
    assert "\\xe3" in error.found
    raw = corrupt("cities", 1, "source", "sour\u00e7e").encode("latin-1")
    refused(raw, "cities", 1, None, "not UTF-8")
    # a byte-order mark is not an error: the header keeps its first column's name
    bom = b"\xef\xbb\xbf" + (DATA / "cities.csv").read_bytes()
    assert data.parse_table(bom, "cities") == data.read_table("cities")


def test_a_row_with_too_few_or_too_many_cells_names_the_column():
    rows = rows_of("rivers")
    rows[2] = rows[2][:2]
    refused(text_of(rows), "rivers", 3, "flow [m^3/s]", "found 2 cells", "double quotes")
    rows = rows_of("rivers")
    rows[3].append("extra")
    refused(text_of(rows), "rivers", 4, "after status", "found 7 cells")


# ---- cells ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["eighty", "80 GiB", "8O", "1,5", "--1"])
def test_non_numeric_cells_in_unit_columns_are_refused(value):
    error = refused(corrupt("accelerators", 3, "memory [GiB]", value), "accelerators", 3,
                    "memory [GiB]", repr(value), "expected a number in GiB")
    assert error.line == 3


def test_a_huge_cell_is_quoted_as_a_short_excerpt():
    value = "9" * 10 + "x" * 100_000
    error = refused(corrupt("accelerators", 2, "power [W]", value), "accelerators", 2,
                    "power [W]", "a number in W")
    assert len(error.found) < 60


@pytest.mark.parametrize("table, column, value", [
    ("accelerators", "memory [GiB]", "nan"),
    ("accelerators", "power [W]", "inf"),
    ("cities", "latitude [degree]", "-Infinity"),
    ("accelerators", "year", "NaN"),
    ("constants", "value", "inf"),
])
def test_nan_and_infinity_are_refused(table, column, value):
    refused(corrupt(table, 3, column, value), table, 3, column, repr(value), "finite")


@pytest.mark.parametrize("table, column, value", [
    ("accelerators", "memory [GiB]", "-80"),              # devices_to_fit once gave -1 GPUs
    ("accelerators", "memory [GiB]", "0"),
    ("accelerators", "memory_bandwidth [TB/s]", "0.0"),
    ("accelerators", "bf16_dense [TFLOP/s]", "0"),
    ("accelerators", "power [W]", "-700"),
    ("interconnects", "latency [us]", "0"),
    ("rivers", "flow [m^3/s]", "-1"),
    ("training_recipes", "weights [B/param]", "0"),
    ("training_recipes", "gradients [B/param]", "-2"),   # zero allowed, never negative
    ("constants", "value", "-1"),
])
def test_physical_columns_are_range_checked(table, column, value):
    bound = ">= 0" if column.startswith("gradients") else "> 0"
    refused(corrupt(table, 2, column, value), table, 2, column, f"expected a number {bound}",
            "zero-allowed or signed")


def test_declared_exceptions_to_the_range_rule_load():
    south_west = corrupt("cities", 2, "longitude [degree]", "-74.5")
    assert data.parse_table(south_west, "cities")[0]["longitude"] == Q_(-74.5, "degree")
    no_gradients = corrupt("training_recipes", 3, "gradients [B/param]", "0")
    assert data.parse_table(no_gradients, "training_recipes")[1]["gradients"].m == 0


def test_a_refused_table_stays_refused_through_records(monkeypatch):
    text = corrupt("accelerators", 3, "memory [GiB]", "-80")
    monkeypatch.setattr(data, "read_table", lambda table: data.parse_table(text, table))
    with pytest.raises(data.TableError, match="line 3, column memory"):
        data.records("accelerators", data.Accelerator)


# ---- status, source, choices ----------------------------------------------------------

@pytest.mark.parametrize("value", ["Verified", "checked", "verified?"])
def test_an_unknown_status_is_refused(value):
    refused(corrupt("models", 4, "status", value), "models", 4, "status", repr(value),
            "one of verified, secondary, unverified")


def test_a_blank_status_source_or_name_is_refused():
    refused(corrupt("models", 2, "status", ""), "models", 2, "status", "a blank cell",
            "one of verified, secondary, unverified")
    refused(corrupt("launches", 5, "source", "  "), "launches", 5, "source", "a blank cell")
    refused(corrupt("systems", 3, "name", ""), "systems", 3, "name", "a blank cell")


@pytest.mark.parametrize("table, column, value", [
    ("interconnects", "kind", "scaleout"),
    ("launch_vehicles", "reusable", "maybe"),
    ("models", "tied_embeddings", "true"),
    ("number_formats", "special", "IEEE"),
])
def test_columns_with_a_fixed_vocabulary_refuse_other_words(table, column, value):
    refused(corrupt(table, 2, column, value), table, 2, column, repr(value), "one of ")


# ---- duplicates -----------------------------------------------------------------------

@pytest.mark.parametrize("column, value, first", [
    ("name", "h100-sxm", 3),          # the name of line 3, in another case and with a dash
    ("name", "A100", 2),              # an alias of line 2
    ("aliases", "H 100", 3),          # an alias of line 3
    ("aliases", "a100_sxm", 2),       # the name of line 2
])
def test_duplicate_names_and_aliases_are_refused_naming_both_lines(column, value, first):
    text = corrupt("accelerators", 5, column, value)
    refused(text, "accelerators", 5, column, repr(value), f"on line {first}",
            "unique within the table")


def test_a_name_repeated_within_its_own_row_is_harmless():
    text = corrupt("rivers", 2, "aliases", "mississippi;Mississippi River")
    assert data.parse_table(text, "rivers")[0]["name"] == "Mississippi"


# ---- constants ------------------------------------------------------------------------

@pytest.mark.parametrize("unit", ["m/ss", "furlongs per fortnite", "km)", "[km]", "2 km"])
def test_constants_units_must_be_readable_by_pint(unit):
    refused(corrupt("constants", 3, "unit", unit), "constants", 3, "unit",
            "a unit pint can read")


def test_constants_values_must_be_numbers():
    refused(corrupt("constants", 2, "value", "fast"), "constants", 2, "value",
            "'fast'", "a number in m/s")
    refused(corrupt("constants", 2, "value", ""), "constants", 2, "value", "a blank cell")
