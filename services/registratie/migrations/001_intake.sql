-- registratie: the intake's own state. It is the single writer of the facts it accepts, so it keeps
-- what its rules need; everything else reads the events.

CREATE TABLE leerling (
    pseudoniem text PRIMARY KEY,
    woongemeente text NOT NULL,
    regio text NOT NULL,
    geboortejaar_maand text NOT NULL,
    geboortedatum date,                -- for the age rules (A1); never leaves this database
    startkwalificatie_op date,         -- SK obtained (A1: kwalificatieplicht ends)
    bijgewerkt_op timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inschrijving (
    pseudoniem text NOT NULL,
    school text NOT NULL,              -- BRIN6
    school_type text NOT NULL,
    vakantieregio text NOT NULL,
    ingangsdatum date NOT NULL,
    einddatum date,                    -- last day of enrolment (inclusive)
    uitschrijfreden text,
    klas text,
    isk boolean NOT NULL DEFAULT false,
    PRIMARY KEY (pseudoniem, school, ingangsdatum)
);
CREATE INDEX inschrijving_school ON inschrijving (school) WHERE einddatum IS NULL;

CREATE TABLE afwezigheid (
    afwezigheid_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    school text NOT NULL,
    datum date NOT NULL,
    uren numeric(5, 2) NOT NULL,
    eenheid text NOT NULL,
    code text NOT NULL,
    event_id uuid NOT NULL,
    geregistreerd_op date NOT NULL     -- the day the school registered it (A2: ONBEKEND window)
);
CREATE INDEX afwezigheid_leerling ON afwezigheid (pseudoniem, datum);

-- Idempotency: a school's submission with the same key, even days later, produces no second event.
-- The envelopes are stored before they are published, so a retry republishes the very same events
-- (same ids; consumers drop ids they applied) instead of inventing new ones.
CREATE TABLE intake_verzoek (
    client text NOT NULL,
    sleutel text NOT NULL,
    inhoud_hash text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'gepubliceerd')),
    envelopes jsonb NOT NULL,
    antwoord jsonb NOT NULL,
    aangemaakt_op timestamptz NOT NULL DEFAULT now(),
    gepubliceerd_op timestamptz,
    PRIMARY KEY (client, sleutel)
);
CREATE INDEX intake_verzoek_open ON intake_verzoek (aangemaakt_op) WHERE status = 'open';
