-- telling: the persons behind the sums (hours, registrations), so that a sum resting on 1-9 pupils is
-- suppressed like a count of 1-9 (domain.md C, issue 14.6). som_lid: per sum cell and pupil the pupil's
-- contribution (a pupil counts while it is not 0: hours all recoded away leave the sum). som_personen:
-- per cell and registratiedag the change in the number of pupils with a non-zero contribution (live:
-- the sum over all days; as of a peildatum: up to that day).
CREATE TABLE som_lid (
    indicator text NOT NULL,
    periode   text NOT NULL,
    gebied    text NOT NULL,
    lid       text NOT NULL,
    waarde    numeric NOT NULL,
    PRIMARY KEY (indicator, periode, gebied, lid)
);

CREATE TABLE som_personen (
    indicator text NOT NULL,
    gebied    text NOT NULL,
    periode   text NOT NULL,
    dag       date NOT NULL,
    mutatie   integer NOT NULL,
    PRIMARY KEY (indicator, gebied, periode, dag)
);
