"""environment.yml and pyproject.toml list the same packages with the same lower bounds."""
import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    text = (ROOT / "environment.yml").read_text()
    lines = text.split("dependencies:", 1)[1].splitlines()
    conda = {line.strip()[2:].strip() for line in lines
             if line.startswith("  - ") and not line.strip().startswith("- pip")
             and not line.strip().startswith("- python")}
    assert {_name(s): s for s in conda} == {_name(s): s for s in wanted}
    assert any("-e ." in line for line in lines), "environment.yml must install the kit"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_code = readme.split("```")[1]
    assert "make lab" in first_code and "make test" in first_code
    assert "make test" in (ROOT / ".ci" / "run").read_text()
