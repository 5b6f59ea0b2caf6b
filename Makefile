# Two entry points for a newcomer (see README): `make dashboards` and `make test`.
.PHONY: dashboards test lint demo docs bench clean

dashboards:  ## set up, generate the demo Registry twin if needed, serve the dashboards, print the URL
	@bash scripts/setup.sh dev
	@.venv/bin/ler dashboard

test:  ## set up (incl. Chromium and Virtuoso) and run the whole test suite
	@bash scripts/setup.sh dev
	@bash scripts/system-deps.sh
	@.venv/bin/ruff check ler_analytics tests benchmarks scripts
	@.venv/bin/python -m pytest -q -p no:cacheprovider

lint:
	@.venv/bin/ruff check ler_analytics tests benchmarks scripts
	@.venv/bin/ruff format --check ler_analytics tests benchmarks scripts

demo:
	@.venv/bin/ler demo

docs:
	@.venv/bin/python scripts/generate_table_docs.py

clean:
	rm -rf .venv data reports _site test-artifacts js/plotly-bundle/node_modules js/plotly-bundle/dist
