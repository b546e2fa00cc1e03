"""Shared test set-up: keep caches inside the project, never in $HOME; no display needed."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("COURSE_LIB_CACHE", str(ROOT / ".cache" / "course_lib"))
os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import settings  # noqa: E402 - after the environment it reads

# Hypothesis profiles: `dev` (make check) draws few examples, `ci` (make test, CI) more;
# neither has a deadline: speed is measured by make bench, never asserted by a test.
settings.register_profile("dev", max_examples=5, deadline=None, derandomize=True)
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
