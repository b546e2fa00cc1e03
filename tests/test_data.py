import csv
import dataclasses
import pathlib
import re

import pytest

from course_lib import data
from course_lib.units import Q_, ureg

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
TABLES = data.table_names()


def test_installed_tables_are_the_repository_tables():
    assert TABLES == sorted(p.stem for p in DATA.glob("*.csv"))


@pytest.mark.parametrize("table", TABLES)
def test_every_row_parses_with_valid_units_a_source_and_a_status(table):
    units = data.table_units(table)
    for unit in units.values():
        ureg.Unit(unit)  # raises on an invalid unit
    rows = data.read_table(table)
    assert rows
    for row in rows:
        assert row["source"] and len(row["source"]) > 10, row["name"]
        assert row["status"] in data.STATUSES, row["name"]
        for field in units:
            value = row[field]
            if value is not None and units[field] != "degree":   # angles may be signed
                assert value.m >= 0, (row["name"], field)


@pytest.mark.parametrize("table", TABLES)
def test_every_source_names_a_url_or_a_citable_reference(table):
    for row in data.read_table(table):
        assert re.search(r"https?://|arXiv:\d{4}\.\d{4,5}|IEEE", row["source"]), row["name"]


def test_accelerator_table_is_complete():
    names = {a.name for a in data.accelerators()}
    assert names == {"A100 SXM", "H100 SXM", "H200 SXM", "B200", "GB200", "B300", "GB300",
                     "L40S", "L20", "MI300X", "MI355X"}
    for a in data.accelerators():
        assert a.memory.units == ureg.GiB and a.memory.m > 0   # HBM/GDDR capacities are binary
        assert a.memory_marketed.check("[information]")
        assert a.memory_bandwidth.check("[information]/[time]")
        assert a.power.check("[power]")
        assert a.peak and all(v.check("[computation]/[time]") for v in a.peak.values())
        assert 2019 <= a.year <= 2026


def test_hand_checked_accelerator_figures():
    h100 = data.accelerator("H100 SXM")
    # dense BF16 is half the datasheet's sparse 1,979 TFLOP/s
    assert h100.peak["BF16"].to("TFLOP/s").m == pytest.approx(1979 / 2, rel=1e-3)
    # NVLink 4: 900 GB/s both directions = 450 GB/s per direction
    assert h100.scale_up_bandwidth == Q_(450, "GB/s")
    # 989.4 TFLOP/s over the datasheet's 700 W: 1.41e12 FLOP/J
    assert (h100.peak["BF16"] / h100.power).to("FLOP/J").m == pytest.approx(1.41e12, rel=0.01)
    # nvidia-smi shows 81,559 MiB on an H100: within 0.5 % of 80 GiB, 7 % above 80e9 bytes
    assert h100.memory.to("MiB").m == pytest.approx(81_559, rel=0.005)
    assert h100.memory.to("GB").m == pytest.approx(85.9, rel=1e-3)
    assert data.accelerator("H200").memory.to("MiB").m == pytest.approx(143_771, rel=0.005)
    # Infinity Fabric is a mesh: one 64 GB/s link to each of 7 peers, 448 GB/s in all
    mi300x = data.accelerator("MI300X")
    assert mi300x.scale_up_bandwidth == 7 * mi300x.scale_up_per_peer
    assert h100.scale_up_per_peer == h100.scale_up_bandwidth   # behind an NVLink switch
    assert data.accelerator("gb200").peak["FP4"].to("PFLOP/s").m == pytest.approx(10)
    assert "FP8" not in data.accelerator("A100").peak


def test_names_match_loosely_and_unknown_names_suggest():
    assert data.accelerator("h100 sxm").name == "H100 SXM"
    assert data.accelerator("H100").name == "H100 SXM"
    assert data.accelerator("mi-300x").name == "MI300X"
    with pytest.raises(KeyError, match="H100 SXM"):
        data.accelerator("H10")


def test_models_table_hand_checked():
    # Llama 3 70B config.json: 80 layers, 8 KV heads of 128, width 8192, vocabulary 128256
    m = data.model("Llama-3-70B")
    assert (m.layers, m.kv_heads, m.head_dim, m.hidden, m.vocab) == (80, 8, 128, 8192, 128256)
    assert m.hidden == m.attention_heads * m.head_dim
    assert data.model("llama 2 13b").kv_heads == 40


def test_records_are_read_only():
    a = data.accelerator("H100")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.memory = Q_(1, "GB")
    with pytest.raises(TypeError):
        a.peak["BF16"] = Q_(1, "FLOP/s")


def test_headers_carry_units_and_conventions_are_documented():
    readme = (DATA / "README.md").read_text()
    for table in TABLES:
        with (DATA / f"{table}.csv").open() as f:
            header = next(csv.reader(f))
        for column in header:
            name = column.split(" [")[0]
            assert f"`{name}`" in readme, f"{table}.{name} is not explained in data/README.md"
    for convention in ("dense", "per direction", "GiB"):
        assert convention in readme


def test_power_scales_hand_checked():
    rows = {r.name: {"power": r.power} for r in data.power_scales()}
    # IEA: 415 TWh in 2024 = 47.3 GW on average over 8766 hours
    world = rows["World data centres (2024 average)"]["power"]
    assert world.m_as("GW") == pytest.approx((Q_(415, "TWh") / Q_(8766, "hour")).m_as("GW"), rel=1e-3)
    # 1361 W/m2 x pi R_E^2
    sun_on_earth = (Q_(1361, "W/m^2") * 3.141592653589793 * Q_(6371, "km") ** 2).to("W")
    assert rows["Sunlight intercepted by Earth"]["power"].m == pytest.approx(sun_on_earth.m, rel=1e-3)


def test_number_format_and_recipe_tables_hand_checked():
    rows = {r["name"]: r for r in data.read_table("number_formats")}
    assert (rows["FP8 E4M3"]["exponent_bits"], rows["FP8 E4M3"]["mantissa_bits"]) == (4, 3)
    assert (rows["NVFP4"]["block_size"], rows["MXFP4"]["block_size"]) == (16, 32)
    recipes = {r["name"]: r for r in data.read_table("training_recipes")}
    zero = recipes["mixed-precision Adam"]                 # ZeRO: 2 + 2 + 12 bytes
    assert sum(zero[k].m_as("B/param") for k in ("weights", "gradients", "master_weights",
                                                  "optimizer")) == 16


def test_blank_is_none_not_zero_and_unknown_tables_are_named():
    assert data.accelerator("MI355X").scale_up_bandwidth is None
    assert "FP8" not in data.accelerator("A100").peak
    with pytest.raises(KeyError, match="accelerators"):
        data.read_table("accelerator")


def test_interconnect_and_system_tables_hand_checked():
    from course_lib.data import city, constant, interconnect, system
    # bits on the wire: 400 Gb/s InfiniBand NDR is 50 GB/s per direction
    assert interconnect("NDR").bandwidth.to("Gb/s").m == pytest.approx(400)
    # NVLink 5 per direction is half the marketed 1.8 TB/s; 72 of them make "130 TB/s"
    nvl5 = interconnect("NVLink 5")
    assert nvl5.bandwidth.m_as("GB/s") == 900
    assert (72 * 2 * nvl5.bandwidth).to("TB/s").m == pytest.approx(129.6)
    # PCIe Gen5 x16: 32 GT/s x 16 lanes x 128/130 / 8
    assert interconnect("PCIe 5").bandwidth.m_as("GB/s") == pytest.approx(32 * 16 * 128 / 130 / 8,
                                                                          rel=1e-3)
    assert interconnect("Infinity Fabric").latency is None          # blank is not zero
    nvl72 = system("GB200 NVL72")
    assert nvl72.gpus == 72 and nvl72.accelerator == "GB200"
    assert system("HGX H100").power.m_as("kW") == pytest.approx(10.2)
    assert city("nyc").name == "New York"
    assert constant("c").m_as("km/s") == pytest.approx(299792.458)
    with pytest.raises(KeyError, match="NVL72"):
        system("NVL 27")
