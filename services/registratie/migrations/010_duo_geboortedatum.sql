-- The birth date DUO stated for a pupil (its register takes it from the BRP). A school that states another
-- birth month for the pupil is not refused: its enrolment is decided with DUO's date, and the difference is
-- flagged for DUO/beheer (as a differing woongemeente is, domain.md B). Kept by the intake, like
-- leerling.geboortedatum: no event says who stated a month.
ALTER TABLE leerling ADD COLUMN duo_geboortedatum date;

CREATE TABLE geboortedatum_afwijking (
    pseudoniem text NOT NULL,
    school     text NOT NULL,
    gemeld_op  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pseudoniem, school)
);
