"""Shared test set-up: keep caches inside the project, never in $HOME; no display needed."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("COURSE_LIB_CACHE", str(ROOT / ".cache" / "course_lib"))
os.environ.setdefault("MPLBACKEND", "Agg")
