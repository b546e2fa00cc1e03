# Entry points of the kit. Everything runs in a virtual environment inside the repo (.venv).
# `make lab` and `make test` create it on first use and reinstall only when
# pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
PRESENT := $(VENV)/.installed-present
PORT   ?= 8888
DEV_EXTRAS := .[test,instructor,browser,present,book]
# One pytest worker more than cores: kernels, Chromium and time limits leave a core idle
# at times (on 2 cores, one clean-clone suite: pytest 322 s with 3 workers, 345 s with 2).
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
# Jupyter refuses to run as root unless told; classroom servers and containers often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
# Where the editions go (student, solutions, autograder); read by tools/editions.py.
EDITIONS ?= editions
export EDITIONS
# JupyterLab's news and update prompts fetch from the internet; the kit turns them off.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

# Installs into the venv with uv (from PyPI, into the venv; a minute of pip becomes seconds),
# or with pip when uv cannot be had: the same requirements either way. The venv is made
# without pip (its ensurepip takes 6 s); uv is put in it by the system's pip, and uv puts
# pip in with the kit (a student's %pip still works). $(2) is uv's --compile-bytecode
# where what is installed runs where it cannot write __pycache__ (a sandboxed grader, a
# lecture page): compiled at install, as pip compiles.
define pip_install
((test -x $(BIN)/uv || $(PYTHON) -m pip --python $(BIN)/python install --quiet uv) \
	&& $(BIN)/uv pip install --quiet $(2) --python $(BIN)/python $(1)) \
	|| ($(BIN)/python -m ensurepip --upgrade --default-pip >/dev/null \
	&& $(BIN)/python -m pip install --quiet $(1))
endef
# jsonschema's optional rfc3987-syntax builds a grammar at import and adds 2-3 s to every
# Jupyter process; nothing in the kit validates IRIs, so it is removed (tools/editions.py).
define pip_uninstall_unneeded
($(BIN)/uv pip uninstall --quiet --python $(BIN)/python rfc3987-syntax \
	|| $(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax) 2>/dev/null || true
endef
# The tests' own tools (pytest, otter, sphinx, playwright) are not compiled at install
# (about 20 s of CPU, most of it for files never imported): the test run writes the
# bytecode of what it imports, once, even where the environment says not to
# (PYTHONDONTWRITEBYTECODE).
TEST_ENV := env -u PYTHONDONTWRITEBYTECODE

.PHONY: lab lab-masters student present test check bench bench-class bench-hub hub hub-image book book-serve collect return install editions grade refresh clean

# The kit for students: the library and JupyterLab.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	$(call pip_install,-e . pip,--compile-bytecode)
	$(call pip_uninstall_unneeded)
	mkdir -p $(dir $(LAB_SETTINGS))
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $(LAB_SETTINGS)
	touch $(STAMP)

# Tests, editions (otter-grader) and browser tests (playwright) on top.
$(DEV): $(STAMP)
	$(call pip_install,-e "$(DEV_EXTRAS)")
	$(call pip_uninstall_unneeded)
	touch $(DEV)

install: $(STAMP)

# Students: the student edition (empty answer cells, no solutions), built from the masters
# when they change and merged into a copy that holds answers (the old copy kept in
# $(EDITIONS)/student/backups/). Authors: `make lab-masters` opens the masters (solutions
# folded inside).
# Only the kit's base install: the student edition is written by the kit's own reader of
# the masters (tools/editions.py student_edition), without otter and without running them.
lab: student
	$(BIN)/jupyter lab --notebook-dir=$(EDITIONS)/student --ServerApp.ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

lab-masters: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

student: $(STAMP)
	$(BIN)/python -m tools.editions student

# Lecture mode: explorers as a page without code (Voila on 127.0.0.1, with a token), the
# capstone's by default; EXPLORERS="queue_explorer ring_explorer" picks any chapter's.
$(PRESENT): $(STAMP)
	$(call pip_install,-e ".[present]",--compile-bytecode)
	$(call pip_uninstall_unneeded)
	touch $(PRESENT)

present: $(PRESENT)
	$(BIN)/python -m tools.present $(EXPLORERS) --port=$(PORT)

# Everything, on every core: library, notebooks (nbval), editions and otter, grading, the
# browser. Tests that share a costly start-up stay on one worker (tests/grouping.py).
test: $(DEV)
	$(TEST_ENV) $(BIN)/python -m pytest -n $(WORKERS) --dist loadscope

# The inner loop, in under a minute: library, tables, doctests, fuzz (few examples),
# feedback; no notebooks, otter, browser or fresh environment. Then the chapter recipe's
# checks (tools/recipe.py): which step of a new chapter is missing.
check: $(DEV)
	$(TEST_ENV) HYPOTHESIS_PROFILE=dev $(BIN)/python -m pytest -n auto --dist loadscope -m "not slow" course_lib tests
	$(BIN)/python -m tools.recipe

# Speed figures (a table; never asserted): widget updates, browser latency, imports, sweeps.
bench: $(DEV)
	$(BIN)/python -m benchmarks.bench

# The same figures and a class of 200 graded in sandboxes against 5 minutes.
bench-class: $(DEV)
	$(BIN)/python -m benchmarks.bench --class

# The course as a static website (tools/book.py): the student site in build/book/student/html,
# INSTRUCTOR=1 the instructor's (worked solutions folded); `make book-serve` on 127.0.0.1.
BOOK_STAMP := $(VENV)/.installed-book
$(BOOK_STAMP): $(STAMP)
	$(call pip_install,-e ".[book]",--compile-bytecode)
	touch $(BOOK_STAMP)

book: $(BOOK_STAMP)
	$(BIN)/python -m tools.book $(if $(INSTRUCTOR),--instructor)

book-serve: book
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory build/book/$(if $(INSTRUCTOR),instructor,student)/html $(PORT)

# Student, solutions and autograder editions under editions/ (git-ignored).
editions: $(DEV)
	$(BIN)/python -m tools.editions build

# A class on this server (INSTRUCTORS.md, "Running a class on a hub"): JupyterHub as root on
# 127.0.0.1:8000 (HUB_IP=0.0.0.0 opens it), students as Unix users, the hub's environment
# in HUB_DIR. `make collect CHAPTER=00` copies each student's chapter to submissions/<user>/.
HUB_DIR ?= /srv/kit-hub
HUB_IP  ?= 127.0.0.1
HUB_PORT ?= 8000
hub: $(STAMP)
	KIT_HUB_DIR=$(HUB_DIR) $(BIN)/python -m tools.hub setup
	KIT_HUB_DIR=$(HUB_DIR) KIT_HUB_IP=$(HUB_IP) KIT_HUB_PORT=$(HUB_PORT) $(BIN)/python -m tools.hub start

collect: $(STAMP)
	KIT_HUB_DIR=$(HUB_DIR) $(BIN)/python -m tools.hub collect "$(CHAPTER)"

# After `make grade`: each student's feedback file into ~/course/feedback/ (as the student).
return: $(STAMP)
	KIT_HUB_DIR=$(HUB_DIR) $(BIN)/python -m tools.hub return "$(CHAPTER)" --feedback $(EDITIONS)/feedback-$(CHAPTER)

# Kubernetes (hub/config.yaml): the students' image's build folder in build/hub-image/,
# built with docker where a container engine runs.
hub-image: $(STAMP)
	$(BIN)/python -m tools.hub image --out build/hub-image
	if docker info >/dev/null 2>&1; then docker build -t compute-kit build/hub-image; \
	else echo "no container engine here: build build/hub-image with docker elsewhere"; fi

# A class on a hub of its own (as root): SIZES students at once through the proxy, each
# running chapter 07; stops at the first size that misses a target (tools/hub_class.py).
SIZES ?= 5 10 20 40
bench-hub: $(DEV)
	$(BIN)/python -m tools.hub_class $(SIZES)

# Grade a class: make grade CHAPTER=00 SUBMISSIONS="submissions/*/*.ipynb" [JOBS=4]
# [TIME_LIMIT=300] [HAND=hand-scores.csv] [NO_SANDBOX=1] [MERGE_ONLY=1] (see INSTRUCTORS.md)
grade: $(DEV)
	$(BIN)/python -m tools.grading "$(CHAPTER)" $(SUBMISSIONS) $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(TIME_LIMIT),--time-limit $(TIME_LIMIT)) $(if $(HAND),--hand $(HAND)) \
		$(if $(NO_SANDBOX),--no-sandbox) $(if $(MERGE_ONLY),--merge-only)

# Re-run the master notebooks and save their outputs, and rewrite the chapter tables of
# README.md and INSTRUCTORS.md from course_lib/chapters.py (after editing a chapter).
refresh: $(DEV)
	$(BIN)/python -m tools.editions refresh
	$(BIN)/python -m tools.tables

clean:
	rm -rf $(VENV) .cache editions screenshots
