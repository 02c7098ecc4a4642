-- rmc: moves between regions (domain.md A5/A6) and identity for contact (domain.md B).

-- The case's own history as it stands on the log: every rmc event of a dossier (own decisions, the
-- coaches' commands, partner weeks, and history received with a transfer), in log order. The coach's
-- timeline reads it; when the young person moves out of the region, the history envelopes are
-- re-published (same ids) on the new region's topic so the new instance continues the case.
CREATE TABLE dossier_envelop (
    event_id uuid PRIMARY KEY,
    volgnummer bigserial NOT NULL,
    pseudoniem text NOT NULL,
    dossier_id uuid NOT NULL,
    envelope text NOT NULL
);
CREATE INDEX dossier_envelop_dossier ON dossier_envelop (dossier_id, volgnummer);

-- A transfer goes out with the same event id on the old and the new region's topic.
ALTER TABLE uitgaand DROP CONSTRAINT uitgaand_pkey;
ALTER TABLE uitgaand ADD PRIMARY KEY (event_id, topic);

-- Identity of the region's residents for the coach's contact (domain.md B, A6): only what a coach
-- needs to reach the young person (name, phone, email) — no PGN, no address, no birth date. Derived
-- from the compacted identity topic; a tombstone deletes the row (erasure).
CREATE TABLE identiteit (
    pseudoniem text PRIMARY KEY,
    voornamen text NOT NULL,
    tussenvoegsel text,
    achternaam text NOT NULL,
    telefoon text,
    email text,
    vastgelegd_op timestamptz NOT NULL
);
