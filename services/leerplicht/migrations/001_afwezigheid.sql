-- leerplicht (one instance per region): the region's pupils' absence pattern, all codes, so an
-- officer sees the whole picture and not only the reported part.
CREATE TABLE afwezigheid (
    afwezigheid_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    school text NOT NULL,
    datum date NOT NULL,
    uren numeric(5, 2) NOT NULL,
    eenheid text NOT NULL,
    code text NOT NULL
);
CREATE INDEX afwezigheid_leerling ON afwezigheid (pseudoniem, datum);
