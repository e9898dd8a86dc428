# Both targets create (or reuse) the local virtual environment .venv first.
.PHONY: venv quickstart test

venv:
	scripts/setup_env.sh

quickstart: venv
	recipes/quickstart.sh

# Two pytest-xdist workers (most tests are short fairseq-train subprocesses, single-threaded
# for the most part); one thread per process so that the workers do not oversubscribe the cores.
test: venv
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} .venv/bin/python -m pytest -q -n $${PYTEST_WORKERS:-2} tests
