# Both targets create (or reuse) the local virtual environment .venv first.
.PHONY: venv quickstart test

venv:
	scripts/setup_env.sh

quickstart: venv
	recipes/quickstart.sh

test: venv
	.venv/bin/python -m pytest -q tests
