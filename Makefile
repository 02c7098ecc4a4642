# The two commands of the README. Everything else is detail behind them.
.PHONY: demo test bootstrap infra-up infra-down lint bench docs

demo: bootstrap          ## Kafka + PostgreSQL + the four services + a realistic demo; Ctrl-C stops all
	.venv/bin/python deploy/local/run_platform.py

test: bootstrap          ## lint, types, and the whole suite on real Kafka and PostgreSQL (started by the fixtures)
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/pytest

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

bench: bootstrap         ## throughput benchmarks (events/s, ratios to raw aiokafka and COPY)
	.venv/bin/python -m benchmarks
	.venv/bin/python -m benchmarks.intake
	.venv/bin/python -m benchmarks.rebuild --events 200000   # --events 1000000 for the issue's 1M replay
	.venv/bin/python -m benchmarks.latentie   # POST → count stream, p50/p99, all four services (--rate, --seconds)
	.venv/bin/python -m benchmarks.samenvatting   # benchmarks/results/latest.json + latest.md: every ratio, its target
