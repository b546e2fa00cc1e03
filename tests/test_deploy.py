"""The class beyond one server: Zero to JupyterHub's values (hub/config.yaml) and the
students' image (hub/Dockerfile). No container engine or cluster runs here: the values are
validated as Helm validates them (merged over the chart's defaults, against the chart's
schema, tests/data/z2jh-4.4.0/), and the image's build folder is checked against what a
student's server runs on one server."""
import copy
import pathlib
import re
import tomllib

import jsonschema
import nbformat
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tools import editions, hub

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHART = ROOT / "tests" / "data" / "z2jh-4.4.0"


def _merged(values: dict, defaults: dict) -> dict:
    """Helm's merge of user values over a chart's defaults: maps merge key by key, any
    other value (lists included) replaces the default."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        out[key] = (_merged(value, out[key]) if isinstance(value, dict)
                    and isinstance(out.get(key), dict) else copy.deepcopy(value))
    return out


def _errors(values: dict) -> list[str]:
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    merged = _merged(values, yaml.safe_load((CHART / "values.yaml").read_text()))
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in jsonschema.Draft7Validator(schema).iter_errors(merged)]


def test_the_values_pass_the_charts_schema():
    config = yaml.safe_load((ROOT / "hub" / "config.yaml").read_text())
    assert _errors(config) == []
    assert config["singleuser"]["defaultUrl"] == f"/lab/tree/{hub.COURSE}"


def test_the_schema_check_refuses_a_misspelt_setting():
    """The check bites: a key the chart does not know is refused, as helm refuses it."""
    config = yaml.safe_load((ROOT / "hub" / "config.yaml").read_text())
    config["singleuser"]["memory"]["limt"] = "2G"
    assert any("limt" in e for e in _errors(config))


def test_the_image_runs_what_a_students_server_runs_on_one_server(tmp_path):
    """The build folder holds the kit's wheel and exactly the server packages of `make hub`,
    JupyterHub of the chart's major version, a Python the kit supports, the student
    editions (no solution, no hidden test) and the merge's tools."""
    out = hub.image_context(tmp_path / "image")
    lines = (out / "requirements.txt").read_text().split()
    (wheel,) = out.glob("wheel/*.whl")
    assert lines == [f"{hub.IMAGE_KIT}/wheel/{wheel.name}", *hub.SERVER_PACKAGES]
    dockerfile = (out / "Dockerfile").read_text()
    assert re.search(r"pip install .*-r /opt/kit/wheel/requirements.txt", dockerfile)
    assert hub.IMAGE_KIT == "/opt/kit" and "ENTRYPOINT [\"/opt/kit/start.sh\"]" in dockerfile
    assert f"pip uninstall --yes {editions.UNNEEDED}" in dockerfile     # as the hub's environment
    makefile = (ROOT / "Makefile").read_text()                      # and the kit's own .venv
    removed = set(re.findall(r"pip uninstall --quiet (?:--yes |--python \S+ )([\w-]+)", makefile))
    assert removed and set(removed) == {editions.UNNEEDED}, removed

    python = Version(re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.M).group(1))
    needs = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python in SpecifierSet(needs)
    chart_hub = yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"]
    (spec,) = [p.removeprefix("jupyterhub") for p in hub.SERVER_PACKAGES
               if p.startswith("jupyterhub")]
    assert Version(chart_hub) in SpecifierSet(spec), (chart_hub, spec)

    staged = sorted(p.name for p in (out / "editions").glob("*.ipynb"))
    assert staged == sorted(f"{m.stem}.ipynb" for m in editions.chapters())
    for path in (out / "editions").glob("*.ipynb"):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        assert "# SOLUTION" not in text and "# HIDDEN" not in text, path.name
    assert (out / "kit" / "tools" / "hub.py").is_file()
    assert (out / "start.sh").stat().st_mode & 0o111



def test_a_hub_folder_students_cannot_reach_is_refused_before_anything_is_installed(tmp_path):
    """Students' servers run the hub's Python: under a folder closed to other users (a
    home, pytest's own temporary folder) every login would fail; setup says so first."""
    closed = tmp_path / "private"
    closed.mkdir(mode=0o700)
    with pytest.raises(SystemExit, match="closed to other users"):
        hub.setup(closed / "kit-hub")
    assert not (closed / "kit-hub").exists()                 # nothing made, not even it
