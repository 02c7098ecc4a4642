-- registratie: the school's own view of its pupils (domain.md B, issue 14.5): the leerlingnummer and
-- the name a school supplied at enrolment, for that school only (never on the log; erased with
-- "vergeet leerling"); and enrolments whose woongemeente differed from registratie's, flagged for
-- DUO/beheer instead of refused (issue 14.4), with nothing but the pseudonym and the school.
CREATE TABLE school_leerling (
    school         text NOT NULL,
    pseudoniem     text NOT NULL,
    leerlingnummer text,
    voornamen      text,
    tussenvoegsel  text,
    achternaam     text,
    bijgewerkt_op  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (school, pseudoniem)
);
CREATE INDEX school_leerling_pseudoniem ON school_leerling (pseudoniem);

CREATE TABLE woongemeente_afwijking (
    pseudoniem text NOT NULL,
    school     text NOT NULL,
    gemeld_op  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pseudoniem, school)
);
