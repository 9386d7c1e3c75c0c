# The two commands of README.md. Each installs what it needs first (scripts/setup.sh, idempotent).
#   make reports   – execute the notebooks on the evcxr kernel, write offline HTML reports to reports/
#   make test      – the whole test suite (what CI runs): Rust tests, the notebooks and the exercises' worked
#                    solutions in quick mode through Jupyter, the exported reports checked in headless
#                    Chromium with no network (and their explorers driven there, their values compared with
#                    the native crate's), two notebooks run through the JupyterLab UI (Run All), a
#                    class of 3 students on a real JupyterHub (scripts/hub_test.py), and the image recipes
#                    as far as no container daemon allows (scripts/recipe_test.py)
# and: make examples (each analysis without Jupyter), make bench, make bench-pages (the explorers' update times),
# make peer (side-by-side with JAX),
# make classroom-bench (1, 4 and 8 students on the hub).
CARGO ?= cargo
PYTHON ?= python3
# `make reports QUICK=1` runs every analysis in its small version; `make reports SOLUTIONS=1` adds the worked
# solutions of the exercises (the instructor's copy, reports/solutions/).
QUICK_FLAG = $(if $(QUICK),--quick,)
SOLUTIONS_FLAG = $(if $(SOLUTIONS),--solutions,)
# Run through the JupyterLab UI by `make test` (after the nbclient run: one kernel at a time on the build folder);
# then notebook 04 in full, which must show its progress lines while it runs. Notebook 03 runs through the lab UI in
# the hub test (test-classroom: each student clicks Run All, its figure and outputs are checked).
LAB_NOTEBOOKS = 02_hessian_at_zero
# The example programs, in notebook order: src/course.rs lists them (tests/registry.rs checks this line).
EXAMPLES = spectrum_at_zero condition_vs_depth training_dynamics depth_scale hessian_along_training escape matrix_free

# A distribution OpenBLAS older than the CPU falls back to generic kernels; name the family for it (unless set).
OPENBLAS_CORETYPE ?= $(shell scripts/openblas-coretype.sh)
ifneq ($(OPENBLAS_CORETYPE),)
export OPENBLAS_CORETYPE
endif

.PHONY: reports test test-rust test-wasm test-notebooks test-notebooks-setup check-test-reports test-classroom test-recipes test-hub classroom-bench examples bench bench-pages peer check-rust clean

check-rust:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

reports: check-rust
	@$(PYTHON) scripts/stage_costs.py plan $(QUICK_FLAG) $(SOLUTIONS_FLAG)
	scripts/setup.sh notebooks
	$(PYTHON) scripts/run_notebooks.py $(QUICK_FLAG) $(SOLUTIONS_FLAG) --out reports

# The notebooks run one kernel at a time, which keeps about one core busy (both for a few seconds while a kernel
# analyses its `:dep`, scripts/evcxr): the classroom builds alongside them
# (scripts/alongside.sh), and is ready before the reports' browser checks and the lab, which count the machine's
# kernels.
test: test-rust test-wasm test-notebooks-setup test-recipes
	scripts/setup.sh hub
	scripts/alongside.sh reports/classroom-build.log scripts/classroom.sh build $(CLASSROOM_PREFIX) -- $(RUN_TEST_NOTEBOOKS)
	$(MAKE) --no-print-directory check-test-reports test-hub

# The classroom (docs/classroom.md): the image's build script (scripts/classroom.sh build, what the image recipes
# run), then a real JupyterHub with configurable-http-proxy on 127.0.0.1 and 3 students running notebook 03 at once
# in their own build folders, one kernel killed mid-run and restarted, the teacher's roll-up checked (before it,
# scripts/restart_test.py: Kernel > Restart Kernel clears an idle kernel, replaces a busy or dead one, and a kernel
# that died at its start on a taken port comes back on new ports; and in
# JupyterLab on the classroom's configuration, notebook 03 run, then Restart Kernel and Run All Cells); then one
# student whose server the teacher started before class (scripts/start_class.py waits for its warm kernel). First,
# scripts/container_test.py: a student's warm kernel in a container's file system (the build as an overlay's
# read-only layer, in a mount namespace of its own: root, or unshare -Urm on Linux 5.11+), run (as root) as a user
# who owns nothing of the build, and what it writes there. Before all, scripts/prime_test.py: the kernel (evcxr
# with scripts/evcxr/analysis.patch) analyses a `:dep` on every core, and not with EVCXR_ANALYSIS_THREADS=0,
# completes a method of the crate (a student's Tab), and runs without transparent huge pages (the kernelspec's env).
# The image installs at /opt/demystify-resnet; the tests build under /var/tmp so that they need no root.
CLASSROOM_PREFIX ?= /var/tmp/demystify-resnet/classroom
test-classroom: check-rust
	scripts/setup.sh hub
	scripts/classroom.sh build $(CLASSROOM_PREFIX)
	$(MAKE) --no-print-directory test-hub test-recipes

# The image recipes without a container daemon (scripts/recipe_test.py): repo2docker's generated Dockerfile,
# postBuild and start run with stubs for the network and the build, deploy/Dockerfile parsed.
test-recipes:
	scripts/setup.sh recipes
	$(PYTHON) scripts/recipe_test.py

test-hub:
	$(PYTHON) scripts/prime_test.py --prefix $(CLASSROOM_PREFIX)
	$(PYTHON) scripts/container_test.py --prefix $(CLASSROOM_PREFIX)
	$(PYTHON) scripts/restart_test.py --prefix $(CLASSROOM_PREFIX)
	$(PYTHON) scripts/lab_test.py --out reports/test --classroom $(CLASSROOM_PREFIX) --restart 03_condition_number_vs_depth
	$(PYTHON) scripts/hub_test.py --students 3 --prefix $(CLASSROOM_PREFIX) --out reports/test
	$(PYTHON) scripts/hub_test.py --students 1 --before-class --no-rollup --prefix $(CLASSROOM_PREFIX) --out reports/test

# The load runs of the classroom (1, 4 and 8 students with warm kernels, then 1 and 8 with cold ones, then 1 and 8
# whose servers the teacher started before class; the hub only), one after the other; the results in reports/classroom/ and their table in
# docs/classroom.md.
classroom-bench: check-rust
	scripts/setup.sh hub
	scripts/classroom.sh build $(CLASSROOM_PREFIX)
	rm -rf reports/classroom
	status=0; for run in "1" "4" "8" "1 --cold" "8 --cold" "1 --before-class" "8 --before-class"; do $(PYTHON) scripts/hub_test.py --students $$run --no-rollup \
	  --prefix $(CLASSROOM_PREFIX) --out reports/classroom || status=1; done; \
	$(PYTHON) scripts/hub_test.py --out reports/classroom --table docs/classroom.md && exit $$status

# With the system OpenBLAS the LAPACK eigensolver is tested too; without it (no root, no sudo) the faer path is.
# The crate, core/ and web/ (the pages' code, natively) in one build: one set of features, so faer and the other
# shared dependencies compile once.
RUST_PACKAGES = -p demystify-resnet -p demystify-resnet-core -p demystify-resnet-web
# The property tests draw their cases from this seed, so whether a run passes depends on the code alone; another
# seed explores other cases: `make test-rust PROPTEST_RNG_SEED=$$RANDOM`.
PROPTEST_RNG_SEED ?= 20261203
test-rust: export PROPTEST_RNG_SEED := $(PROPTEST_RNG_SEED)
test-rust: check-rust
	@if scripts/ensure-openblas.sh; then features="--features demystify-resnet/lapack"; \
	else echo "warning: system OpenBLAS unavailable: testing without the lapack feature" >&2; features=""; fi; \
	set -e; \
	$(CARGO) test --all-targets $(RUST_PACKAGES) $$features; \
	$(CARGO) test --test hessian; \
	$(CARGO) test --doc

# What the pages run (core/ and its C ABI web/) builds for WebAssembly and depends on nothing a page cannot run.
# Their native tests run in test-rust.
test-wasm: check-rust
	scripts/wasm_core.sh

RUN_TEST_NOTEBOOKS = $(PYTHON) scripts/run_notebooks.py --quick --solutions --out reports/test
# What the quick notebook runs need, and the stages ahead with what each costs.
test-notebooks-setup:
	@$(PYTHON) scripts/stage_costs.py plan --quick --solutions
	scripts/setup.sh notebooks
	scripts/setup.sh browser

test-notebooks: check-rust test-notebooks-setup
	$(RUN_TEST_NOTEBOOKS)
	$(MAKE) --no-print-directory check-test-reports

# The quick reports of test-notebooks: displayed answers, in the browser, the interrupted build, the lab.
check-test-reports:
	$(PYTHON) scripts/displayed_answers.py reports/test > reports/test/displayed_answers.json
	$(PYTHON) scripts/check_reports.py reports/test
	$(PYTHON) scripts/explorer_test.py reports/test > reports/test/explorer_values.json
	$(PYTHON) scripts/exercise_test.py reports/test > reports/test/exercise_checks.json
	@if scripts/ensure-openblas.sh; then features="--features lapack"; else features=""; fi; \
	DEMYSTIFY_DISPLAYED=reports/test/displayed_answers.json DEMYSTIFY_EXPLORER_VALUES=reports/test/explorer_values.json \
	  $(CARGO) test $$features --test displayed_answers --test explorer_values
	$(PYTHON) scripts/folder_kernel_test.py
	$(PYTHON) scripts/interrupt_test.py --out reports/interrupt-test
	$(PYTHON) scripts/lab_test.py --out reports/test $(LAB_NOTEBOOKS)
	$(PYTHON) scripts/lab_test.py --out reports/test --full --expect-progress 04_training_dynamics 04_training_dynamics

examples: check-rust
	$(CARGO) build --release --examples
	for e in $(EXAMPLES); do $(CARGO) run --release --quiet --example $$e > /dev/null || exit 1; done

bench: check-rust
	scripts/ensure-openblas.sh
	$(CARGO) bench --features lapack --bench hessian

# The explorers' update times in Chromium against the issue's budgets (50 ms for shortcut 2 and 3 at L = 10^5, 1 s for
# shortcut 1 at the page's largest P), on the quick reports that make test exported.
bench-pages:
	scripts/setup.sh browser
	test -f reports/test/03_condition_number_vs_depth.html || $(PYTHON) scripts/run_notebooks.py --quick --out reports/test
	$(PYTHON) scripts/explorer_test.py --enforce-budgets --table docs/performance.md reports/test > /dev/null

peer: check-rust
	benches/peer_compare.sh

clean:
	rm -rf reports
