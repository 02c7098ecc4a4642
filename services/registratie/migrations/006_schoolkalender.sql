-- registratie: school years beheer loaded after the shipped calendar (domain.md A3.12), versioned with
-- who and when; and the pupils whose rules could not be evaluated because the calendar ended, so they
-- are evaluated again once it is extended (never a silent skip).
CREATE TABLE schoolvakantie_versie (
    versie           bigint PRIMARY KEY,
    vastgesteld_door text NOT NULL,
    vastgesteld_op   timestamptz NOT NULL,
    schooljaren      text[] NOT NULL,
    rijen            integer NOT NULL
);

CREATE TABLE schoolvakantie (
    schooljaar text NOT NULL,
    vakantie   text NOT NULL,
    regio      text NOT NULL CHECK (regio IN ('noord', 'midden', 'zuid')),
    begin      date NOT NULL,
    eind       date NOT NULL CHECK (eind >= begin),
    versie     bigint NOT NULL REFERENCES schoolvakantie_versie (versie),
    PRIMARY KEY (schooljaar, vakantie, regio)
);

CREATE TABLE kalender_wachtend (
    pseudoniem text PRIMARY KEY,
    sinds      date NOT NULL,
    laatst     date NOT NULL
);
