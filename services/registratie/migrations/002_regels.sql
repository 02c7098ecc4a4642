-- registratie: the rest of the facts the legal rules of domain.md A3 need, and what they decided.
-- Every table is written only by registratie.state.apply_to_state (from the events registratie
-- itself publishes) or by registratie.regels (the decisions), inside the submission's transaction.

-- A2: recoding is an event of its own, never an overwrite; the original afwezigheid row stays.
CREATE TABLE hercodering (
    event_id uuid PRIMARY KEY,
    afwezigheid_id uuid NOT NULL,
    pseudoniem text NOT NULL,
    oude_code text NOT NULL,
    nieuwe_code text NOT NULL,
    nieuwe_uren numeric(5, 2),
    geregistreerd_op date NOT NULL
);
CREATE INDEX hercodering_leerling ON hercodering (pseudoniem);

-- A3/A4: the reports schools (or the platform) filed, with the status registratie knows.
CREATE TABLE melding (
    melding_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    soort text NOT NULL,
    melder text NOT NULL,
    school text,
    startdatum date NOT NULL,
    einddatum date,
    uren numeric(7, 2),
    eenheid text,
    herhaling int NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'GEREGISTREERD',
    geregistreerd_op date NOT NULL
);
CREATE INDEX melding_leerling ON melding (pseudoniem);
CREATE INDEX melding_school ON melding (school);

CREATE TABLE vrijstelling (
    vrijstelling_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    artikel text NOT NULL,
    van date NOT NULL,
    tot_en_met date
);
CREATE INDEX vrijstelling_leerling ON vrijstelling (pseudoniem);

CREATE TABLE verlof (
    verlof_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    school text NOT NULL,
    soort text NOT NULL,
    van date NOT NULL,
    tot_en_met date NOT NULL,
    schooldagen int NOT NULL,
    verleend boolean NOT NULL
);
CREATE INDEX verlof_leerling ON verlof (pseudoniem);

-- What the rules decided, per pupil and decision key (MeldplichtSignal.key and friends). An event is
-- published only when a key is new, or its fingerprint changed, or it comes back after it had gone
-- (actueel = false). Replaying the evaluation therefore publishes nothing twice.
CREATE TABLE beslissing (
    pseudoniem text NOT NULL,
    sleutel text NOT NULL,
    soort text NOT NULL,               -- MELDPLICHT, EINDDATUM, INTREKKING, HERBEOORDELING, ABSOLUUT, VSV, SIGNAAL
    vingerafdruk text NOT NULL,
    actueel boolean NOT NULL,
    object_id uuid NOT NULL,           -- meldplicht_id / signaal_id: stable across re-publications
    event_id uuid,                     -- the last event published for it (null: nothing to publish)
    school text,
    gegevens jsonb NOT NULL,           -- for the school's view; no personal data
    gemeld boolean NOT NULL DEFAULT false,           -- the school filed the report (LRV, luxe)
    termijn_verstreken boolean NOT NULL DEFAULT false, -- MeldtermijnVerstreken was published
    bijgewerkt_op date NOT NULL,
    PRIMARY KEY (pseudoniem, sleutel)
);
CREATE INDEX beslissing_school ON beslissing (school) WHERE actueel;

-- LesurenGepland (domain.md D): scheduled hours per class and ISO week; the latest wins.
CREATE TABLE lesuren (
    school text NOT NULL,
    klas text NOT NULL,
    week text NOT NULL,
    uren numeric(7, 2) NOT NULL,
    eenheid text NOT NULL,
    PRIMARY KEY (school, klas, week)
);

-- Where an identity record of a pseudonym was written (domain.md B), so that "vergeet leerling"
-- can tombstone it in every region. No names here: only the pseudonym and a region code.
CREATE TABLE identiteit_regio (
    pseudoniem text NOT NULL,
    regio text NOT NULL,
    PRIMARY KEY (pseudoniem, regio)
);
