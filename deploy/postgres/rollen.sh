#!/bin/sh
# Docker Compose: the database roles of the processing log (README "Database roles"), run once by the
# postgres image when its data directory is new. Per database: the owner role 'leerrecht_eigenaar'
# owns the database and its public schema and runs the processing log's migration
# (DATABASE_OWNER_URL); the services run as 'leerrecht_dienst' (DATABASE_URL), which may create its
# own tables but only INSERT and SELECT the processing log. Passwords come from the environment;
# none is stored here.
set -eu
: "${LEERRECHT_EIGENAAR_PASSWORD:?}" "${LEERRECHT_DIENST_PASSWORD:?}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v eigenaar_pw="$LEERRECHT_EIGENAAR_PASSWORD" -v dienst_pw="$LEERRECHT_DIENST_PASSWORD" <<'SQL'
CREATE ROLE leerrecht_eigenaar LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'eigenaar_pw';
CREATE ROLE leerrecht_dienst LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'dienst_pw';
SQL
# telling reads no pupil's file and renames its own schemas (blue/green): its role owns its database.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -c "CREATE DATABASE leerrecht_telling OWNER leerrecht_dienst"
for db in leerrecht_registratie leerrecht_leerplicht_mc28 leerrecht_rmc_mc28; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -c "CREATE DATABASE $db OWNER leerrecht_eigenaar"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" \
       -c "GRANT CONNECT, TEMPORARY ON DATABASE $db TO leerrecht_dienst" \
       -c "GRANT USAGE, CREATE ON SCHEMA public TO leerrecht_dienst"
done
