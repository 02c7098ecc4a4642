-- telling: national counter cells and the memberships behind unique-person counts.
CREATE TABLE cijfer (
    indicator text NOT NULL,
    gebied text NOT NULL,
    periode text NOT NULL,
    waarde numeric NOT NULL,
    PRIMARY KEY (indicator, gebied, periode)
);
CREATE TABLE lidmaatschap (
    indicator text NOT NULL,
    gebied text NOT NULL,
    periode text NOT NULL,
    pseudoniem text NOT NULL,
    PRIMARY KEY (indicator, gebied, periode, pseudoniem)
);
