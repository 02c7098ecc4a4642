-- The coach's list of all open files (issue 15): search by name (trigram index on the identity's name,
-- erased with the row) and by pseudonym, a status filter and paging in SQL.
-- pg_trgm is created by the runtime as the database's owner (leerrecht.db.EXTENSIES).
ALTER TABLE identiteit ADD COLUMN zoeknaam text GENERATED ALWAYS AS (
    lower(voornamen || ' ' || coalesce(tussenvoegsel || ' ', '') || achternaam)) STORED;
CREATE INDEX identiteit_zoeknaam ON identiteit USING gin (zoeknaam gin_trgm_ops);
CREATE INDEX identiteit_naam_sortering ON identiteit (achternaam, voornamen);
CREATE INDEX jongere_open_status ON jongere (status, aangemeld_op) WHERE status <> 'AFGESLOTEN';
CREATE INDEX jongere_pseudoniem_prefix ON jongere (pseudoniem text_pattern_ops);
