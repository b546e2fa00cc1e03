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


def test_a_wheel_works_outside_the_source_tree_and_holds_no_answers(tmp_path):
    """Build a wheel, install it into a folder of its own, import it from elsewhere: the
    tables come from the package, and the answer key (the masters) is not there."""
    import subprocess
    import sys

    from tools.editions import kit_wheel, uv

    wheels, target = tmp_path / "wheels", tmp_path / "site"
    wheel = kit_wheel(wheels)                  # as the editions build it for the autograder
    assert list(wheels.glob("course_lib-*.whl")) == [wheel]
    install = [uv(), "pip", "install", "--python", sys.executable] if uv() else \
        [sys.executable, "-m", "pip", "install"]      # pip where uv cannot be had
    subprocess.run([*install, "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import course_lib, pathlib; from course_lib.exercises import answer_key, feedback;"
            "print(pathlib.Path(course_lib.__file__).parent);"
            "print(course_lib.accelerator('H100').memory);"
            "print(len(answer_key()));"
            "print(feedback('01.1', course_lib.Q_(1, 's'), quiet=True).message)")
    env = {"PYTHONPATH": str(target), "COURSE_LIB_CACHE": str(tmp_path / "cache"),
           "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    where, memory, keys, message = run.stdout.splitlines()
    assert where.startswith(str(target))
    assert memory == "80.0 GiB" and keys == "0"
    assert "an amount of data (bytes)" in message


def test_readme_and_instructors_tables_follow_the_chapter_declarations():
    from course_lib.chapters import CHAPTERS
    from tools import tables

    assert tables.main(["--check"]) == 0, "run `python -m tools.tables` (make refresh does)"
    readme = (ROOT / "README.md").read_text()
    for c in CHAPTERS:
        assert f"| `{c.notebook[:-6]}` | {c.topic}" in readme, c.number


def test_the_recipe_names_every_place_a_chapter_touches():
    # the five things, and the checks that read them
    recipe = (ROOT / "CONTRIBUTING.md").read_text()
    for place in ("course_lib/<module>.py", "data/<table>.csv", "data/README.md",
                  "data/constants.csv", "course_lib/explorers/<module>.py",
                  "course_lib/chapters.py", "notebooks/NN_slug.ipynb", "tests/test_<module>.py",
                  "tests/test_claims.py", "tests/test_fuzz.py", "# ASSIGNMENT CONFIG",
                  "data.__all__", "make refresh", "make test"):
        assert place in recipe, place


def test_a_new_model_module_is_exported_without_editing_the_package(tmp_path):
    import course_lib

    modules = course_lib._model_modules()
    on_disk = {p.stem for p in (ROOT / "course_lib").glob("*.py") if not p.stem.startswith("_")}
    assert set(modules) == on_disk - course_lib._NOT_EXPORTED
    for name in modules:
        module = getattr(course_lib, name)
        assert all(getattr(course_lib, n) is getattr(module, n) for n in module.__all__), name
    readme = (ROOT / "README.md").read_text()
    assert all(f"  {p.name} " in readme for p in (ROOT / "course_lib").glob("*.py")
               if not p.stem.startswith("_")), "name every module in README's Where things are"


def test_public_names_never_hide_a_module_and_old_spellings_work():
    import importlib

    import course_lib

    for name in course_lib._model_modules():
        assert importlib.import_module(f"course_lib.{name}") is getattr(course_lib, name)
    from course_lib.interconnect import collective_time   # chapter 02's old module name
    assert collective_time is course_lib.network.collective_time
    assert course_lib.interconnect("NVLink 4").name.startswith("NVLink 4")
    assert course_lib.__version__ != "0+unknown"
