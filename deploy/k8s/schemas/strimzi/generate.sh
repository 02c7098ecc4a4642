#!/usr/bin/env bash
# Regenerates crd/kafka.strimzi.io/*.json from Strimzi's own API model on Maven Central.
#
# Why: the Strimzi CRDs are not taken from a source snapshot; Maven resolves io.strimzi:api and
# io.strimzi:crd-generator (pom.xml next to this script), Strimzi's CrdGenerator writes the CRD YAML
# exactly as Strimzi's api/pom.xml invokes it for its release, and vendor.py converts the schemas
# for kubeconform. The api classes are built for Java 21, so a Java 21+ is needed (JAVA=... or found
# on PATH or under /usr/lib/jvm); the local Kafka broker's Java 17 is not enough.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../../../../.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
if [ -z "${JAVA:-}" ]; then
    for candidate in "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
        if [ -x "$candidate" ] && [ "$(java_major "$candidate")" -ge 21 ] 2>/dev/null; then
            JAVA="$candidate"; break
        fi
    done
fi
[ -n "${JAVA:-}" ] || { echo "Java 21+ is needed to run Strimzi's CRD generator (set JAVA=...)" >&2; exit 1; }

mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$work/lib"
classpath="$(find "$work/lib" -name '*.jar' | sort | tr '\n' :)"
model=io.strimzi.api.kafka.model
"$JAVA" -cp "$classpath" io.strimzi.crdgenerator.CrdGenerator \
    --label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ \
    --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
    "$model.kafka.Kafka=$work/040-Crd-kafka.yaml" \
    "$model.topic.KafkaTopic=$work/043-Crd-kafkatopic.yaml" \
    "$model.user.KafkaUser=$work/044-Crd-kafkauser.yaml" \
    "$model.nodepool.KafkaNodePool=$work/045-Crd-kafkanodepool.yaml"
"$python" "$here/../vendor.py" crd "$work"/04*-Crd-*.yaml
