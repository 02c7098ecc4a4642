-- rmc (one instance per region): the region's Doorstroompunt files (domain.md A6).
-- Every row is derived from the region's events topic; a replay from offset 0 into an empty database
-- rebuilds them (rows are keyed by pseudonym or event id and written with upserts / ON CONFLICT).

-- One row per young person with a file: the folded state (toestand) plus the columns queries need.
CREATE TABLE jongere (
    pseudoniem text PRIMARY KEY,
    dossier_id uuid NOT NULL,
    status text NOT NULL,
    bron text NOT NULL,
    aangemeld_op date NOT NULL,
    woongemeente text NOT NULL,
    geboortejaar_maand text NOT NULL,
    coach text,
    versie integer NOT NULL,
    toestand jsonb NOT NULL,
    bijgewerkt_op timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jongere_open ON jongere (coach, aangemeld_op) WHERE status <> 'AFGESLOTEN';

-- Contact history (A6 "niet loslaten"): every documented attempt.
CREATE TABLE contactpoging (
    event_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    dossier_id uuid NOT NULL,
    datum date NOT NULL,
    kanaal text NOT NULL,
    geslaagd boolean NOT NULL,
    coach text
);
CREATE INDEX contactpoging_jongere ON contactpoging (pseudoniem, datum);

-- Placements (A6: destination, level, start date; automatic from a re-enrolment).
CREATE TABLE plaatsing (
    event_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    dossier_id uuid NOT NULL,
    bestemming text NOT NULL,
    niveau text,
    startdatum date NOT NULL,
    school text,
    automatisch boolean NOT NULL
);
CREATE INDEX plaatsing_jongere ON plaatsing (pseudoniem, startdatum);

-- Weekly progress and attendance from traject partners (A6, D).
CREATE TABLE traject_voortgang (
    event_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    dossier_id uuid NOT NULL,
    traject_id uuid NOT NULL,
    partner text NOT NULL,
    week text NOT NULL,
    aanwezigheid_pct integer NOT NULL,
    voortgang text NOT NULL
);
CREATE INDEX traject_voortgang_jongere ON traject_voortgang (pseudoniem, week);

-- What rmc knows of any pupil of the region before an intake (LeerlingIngeschreven, Verhuisd,
-- PotentieelVsvGesignaleerd): an 18+ report carries neither woongemeente nor birth year-month.
CREATE TABLE kenmerken (
    pseudoniem text PRIMARY KEY,
    woongemeente text NOT NULL,
    geboortejaar_maand text NOT NULL
);

-- Outbox of rmc's automatic reactions (intake, placement by re-enrolment): written in the
-- projection's transaction, published after it, deleted when published or seen back on the log.
CREATE TABLE uitgaand (
    event_id uuid PRIMARY KEY,
    volgnummer bigserial NOT NULL,
    topic text NOT NULL,
    envelope text NOT NULL,
    aangemaakt_op timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uitgaand_volgorde ON uitgaand (volgnummer);

-- Per-young-person command lock (SELECT ... FOR UPDATE): commands on one file run one at a time,
-- and the next waits until the projection applied the previous one's events (wacht_op).
CREATE TABLE commando_slot (
    pseudoniem text PRIMARY KEY,
    wacht_op uuid[] NOT NULL DEFAULT '{}'
);
