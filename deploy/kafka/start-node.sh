#!/bin/sh
# One node of the Compose Kafka cluster (deploy/compose.yaml): the same topology, listeners, SASL and
# settings as leerrecht.localinfra.KafkaCluster (three brokers, one KRaft controller of their own).
#
# Why a script and not the image's own start: in KRaft, SCRAM users can only be created when the
# storage is formatted (kafka-storage format --add-scram), which the image's start does not do. The
# passwords come from the environment (compose requires every one of them) and are written only to
# files of mode 0600 inside the container.
#
# Environment: NODE_ID, NODE_ROLES (broker | controller), CLUSTER_ID, CONTROLLER_PASSWORD,
# ADMIN_PASSWORD, SCRAM_USERS ("name=ENV_VAR name2=ENV_VAR2": each user's password variable), and
# KAFKA_CFG_<NAME> for further settings (KAFKA_CFG_MIN_INSYNC_REPLICAS=2 → min.insync.replicas=2).
set -eu
umask 077
CONF=/tmp/server.properties
DATA=/var/lib/kafka/data
HOST=$(hostname)

{
  echo "process.roles=${NODE_ROLES}"
  echo "node.id=${NODE_ID}"
  echo "controller.quorum.bootstrap.servers=kafka-controller:9093"
  echo "controller.listener.names=CONTROLLER"
  echo "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"
  echo "sasl.mechanism.controller.protocol=PLAIN"
  echo "listener.name.controller.sasl.enabled.mechanisms=PLAIN"
  echo "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"controller\" password=\"${CONTROLLER_PASSWORD}\" user_controller=\"${CONTROLLER_PASSWORD}\";"
  echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
  echo "super.users=User:admin;User:controller"
  echo "allow.everyone.if.no.acl.found=false"
  echo "auto.create.topics.enable=false"
  echo "log.dirs=${DATA}"
  if [ "${NODE_ROLES}" = "controller" ]; then
    echo "listeners=CONTROLLER://:9093"
  else
    echo "listeners=SASL_PLAINTEXT://:9092"
    echo "advertised.listeners=SASL_PLAINTEXT://${HOST}:9092"
    echo "inter.broker.listener.name=SASL_PLAINTEXT"
    echo "sasl.enabled.mechanisms=SCRAM-SHA-512"
    echo "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512"
    echo "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"${ADMIN_PASSWORD}\";"
  fi
  env | grep '^KAFKA_CFG_' | while IFS='=' read -r name value; do
    echo "$(echo "${name#KAFKA_CFG_}" | tr 'A-Z_' 'a-z.')=${value}"
  done
} > "$CONF"

# the healthchecks' client settings
{
  echo "security.protocol=SASL_PLAINTEXT"
  echo "sasl.mechanism=SCRAM-SHA-512"
  echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"${ADMIN_PASSWORD}\";"
} > /tmp/admin.properties
{
  echo "security.protocol=SASL_PLAINTEXT"
  echo "sasl.mechanism=PLAIN"
  echo "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"controller\" password=\"${CONTROLLER_PASSWORD}\";"
} > /tmp/controller.properties

if [ ! -f "${DATA}/meta.properties" ]; then
  set -- --add-scram "SCRAM-SHA-512=[name=admin,password=${ADMIN_PASSWORD}]"
  for user in ${SCRAM_USERS}; do
    var=${user#*=}
    eval "password=\${${var}:?${var} is not set}"
    set -- "$@" --add-scram "SCRAM-SHA-512=[name=${user%%=*},password=${password}]"
  done
  if [ "${NODE_ROLES}" = "controller" ]; then set -- --standalone "$@"; fi
  /opt/kafka/bin/kafka-storage.sh format --config "$CONF" --cluster-id "${CLUSTER_ID}" "$@"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$CONF"
