-- The klok of the figures (telling.domain.figures): the last day passed according to the log, i.e.
-- the day before the latest registratiedag telling has read. Never the wall clock, so a rebuild from
-- the same log reaches the same figures. One row; a batch that moves it takes the row exclusively.
CREATE TABLE telling_klok (
    id smallint PRIMARY KEY CHECK (id = 1),
    datum date
);
INSERT INTO telling_klok (id, datum) VALUES (1, NULL);

-- The first day after the klok on which the klok alone changes this person's figures (an LRV report
-- still open after 3 months, a 1 October of the vsv startset); NULL: never. When the klok passes it,
-- the person is recomputed (telling.domain.historie.wekker).
ALTER TABLE leerling_feiten ADD COLUMN wekker date;
CREATE INDEX leerling_feiten_wekker ON leerling_feiten (wekker) WHERE wekker IS NOT NULL;
