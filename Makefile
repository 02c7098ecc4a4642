# The two commands of the README. Everything else is detail behind them.
.PHONY: demo test bootstrap infra-up infra-down lint bench docs

demo: bootstrap          ## Kafka + PostgreSQL + the four services + a realistic demo; Ctrl-C stops all
	.venv/bin/python deploy/local/run_platform.py

test: bootstrap          ## lint, types, and the whole suite on real Kafka and PostgreSQL (started by the fixtures)
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/pytest -n 2

bootstrap:
	@bash deploy/local/bootstrap.sh

infra-up: bootstrap      ## only Kafka and PostgreSQL, in the background (ports 19092, 15432)
	.venv/bin/python -m leerrecht.localinfra up

infra-down:
	.venv/bin/python -m leerrecht.localinfra down

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

docs:                    ## regenerate JSON Schemas, examples, catalogue, AsyncAPI and the Kubernetes manifests
	.venv/bin/python -m contracts.generate
	.venv/bin/python -m leerrecht.kafka_acl   # deploy/k8s/kafka-users.yaml (Strimzi) from contracts/acl.py
	.venv/bin/python -m leerrecht.k8s         # deploy/k8s/ (all 40 regions), alert rules, Grafana dashboard

bench: bootstrap         ## issue 16 in one run of about 15 minutes here: ratios to raw Kafka/PostgreSQL, latency, RSS, regional p95s
	@mkdir -p benchmarks/results && date +%s > benchmarks/results/bench-start
	-.venv/bin/python -m benchmarks --events 100000   # publisher, raw produce/consume, COPY, ProjectionRunner per projection
	-.venv/bin/python -m benchmarks.intake   # single POSTs and /batch against raw send_and_wait and batched produce
	-.venv/bin/python -m benchmarks.land --schaal 0.0065 --processen 2   # ~205k events of a national year: telling live, rebuild, hashes, RSS at 200k and at the end
	-.venv/bin/python -m benchmarks.latentie --rate 1000 --rijen 20 --seconds 300 --per-leerling 5   # the issue's 5 minutes at 1,000 absences/s: POST → count stream p50/p99, all four services
	-.venv/bin/python -m benchmarks.regio --schaal 0.1 --verzoeken 100   # largest region's share: leerplicht and rmc worklists p95, RSS
	.venv/bin/python -m benchmarks.samenvatting   # ONE file: benchmarks/results/latest.json + latest.md
