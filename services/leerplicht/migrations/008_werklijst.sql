-- The officer's worklist at the size of a region (issue 15): one row per case, filtered, sorted and
-- paged in SQL. The projection keeps these columns with the dossier's snapshot (leerplicht/werklijst.py);
-- rows written before this migration get them on the first worklist request (werklijst_bijgewerkt).
ALTER TABLE dossier
    ADD COLUMN termijn_soort text,              -- OPPAKKEN, EERSTE_CONTACT, GEEN_ACTIE
    ADD COLUMN volgende_termijn date,           -- the earliest due date of the open items
    ADD COLUMN te_laat_vanaf date,              -- overdue when peildatum >= te_laat_vanaf
    ADD COLUMN melding_soorten text[] NOT NULL DEFAULT '{}',
    ADD COLUMN school text,                     -- BRIN6 of the latest report that named a school
    ADD COLUMN school_naam text,
    ADD COLUMN laatste_actie text,              -- event type of the latest timeline entry
    ADD COLUMN laatste_actie_op date,
    ADD COLUMN werklijst_bijgewerkt boolean NOT NULL DEFAULT false;

CREATE INDEX dossier_werklijst_termijn ON dossier (volgende_termijn, dossier_id) WHERE fase = 'OPEN';
CREATE INDEX dossier_werklijst_te_laat ON dossier (te_laat_vanaf) WHERE fase = 'OPEN';
CREATE INDEX dossier_werklijst_geopend ON dossier (geopend_op, dossier_id) WHERE fase = 'OPEN';
CREATE INDEX dossier_werklijst_actie ON dossier (laatste_actie_op, dossier_id) WHERE fase = 'OPEN';
CREATE INDEX dossier_werklijst_school ON dossier (school_naam, dossier_id) WHERE fase = 'OPEN';
CREATE INDEX dossier_werklijst_soorten ON dossier USING gin (melding_soorten) WHERE fase = 'OPEN';
CREATE INDEX dossier_werklijst_bij ON dossier (dossier_id) WHERE NOT werklijst_bijgewerkt;
CREATE INDEX dossier_behandelaar_wie ON dossier_behandelaar (behandelaar);

-- Search by name (any part, trigram index) and by BSN (a hash of the PGN: the number itself is not
-- stored, and the hash goes with the row when the identity is erased).
-- pg_trgm is created by the runtime as the database's owner (leerrecht.db.EXTENSIES).
ALTER TABLE identiteit
    ADD COLUMN zoeknaam text GENERATED ALWAYS AS (
        lower(voornamen || ' ' || coalesce(tussenvoegsel || ' ', '') || achternaam)) STORED,
    ADD COLUMN pgn_hash text;
CREATE INDEX identiteit_zoeknaam ON identiteit USING gin (zoeknaam gin_trgm_ops);
CREATE INDEX identiteit_naam_sortering ON identiteit (achternaam, voornamen);
CREATE INDEX identiteit_pgn_hash ON identiteit (pgn_hash);
CREATE INDEX leerling_pseudoniem_prefix ON dossier (pseudoniem text_pattern_ops);
