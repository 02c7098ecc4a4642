-- leerplicht dossiers (domain.md A4, A5). Written by the projection only, except dossier_pending and
-- dossier_behandelaar, which the command path writes (see leerplicht/projection.py for the protocol).

-- A2: recoding is an event of its own; the row keeps the current code and the first one.
ALTER TABLE afwezigheid ADD COLUMN oorspronkelijke_code text;

-- Birth year-month of the region's pupils (from LeerlingIngeschreven): the Halt age rule (A5).
CREATE TABLE leerling (
    pseudoniem text PRIMARY KEY,
    geboortejaar_maand text NOT NULL
);

CREATE TABLE dossier (
    dossier_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    fase text NOT NULL,                 -- OPEN, GESLOTEN, OVERGEDRAGEN
    version int NOT NULL,               -- events applied (optimistic concurrency)
    geopend_op date NOT NULL,
    gesloten_op date,
    stand jsonb NOT NULL,               -- snapshot of the fold (leerplicht/snapshot.py)
    bijgewerkt_op timestamptz NOT NULL DEFAULT now()
);
-- A report joins the pupil's open dossier: at most one open dossier per pupil.
CREATE UNIQUE INDEX dossier_open_per_leerling ON dossier (pseudoniem) WHERE fase = 'OPEN';
CREATE INDEX dossier_leerling ON dossier (pseudoniem);

CREATE TABLE dossier_melding (
    melding_id uuid PRIMARY KEY,
    dossier_id uuid NOT NULL REFERENCES dossier
);
CREATE INDEX dossier_melding_dossier ON dossier_melding (dossier_id);

-- The timeline: every event applied to a dossier, in order (seq = the version it produced).
CREATE TABLE dossier_event (
    event_id uuid PRIMARY KEY,
    dossier_id uuid NOT NULL REFERENCES dossier,
    seq int NOT NULL,
    type text NOT NULL,
    op date NOT NULL,
    envelope jsonb NOT NULL,
    UNIQUE (dossier_id, seq)
);

-- Events a command published and the projection has not applied yet: version + count = claimed.
CREATE TABLE dossier_pending (
    event_id uuid PRIMARY KEY,
    dossier_id uuid NOT NULL,
    geclaimd_op timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dossier_pending_dossier ON dossier_pending (dossier_id);

-- Local assignment of a dossier to the officer (client id) who first acted on it. Not on the log:
-- events carry no person data (domain.md B); see the module doc of leerplicht/projection.py.
CREATE TABLE dossier_behandelaar (
    dossier_id uuid PRIMARY KEY,
    behandelaar text NOT NULL,
    sinds timestamptz NOT NULL DEFAULT now()
);
