-- telling, issue 16 (seventh round): the as-of history packed per (cell, batch) instead of a row per
-- (cell, registratiedag). A batch of thousands of events spans weeks of registratiedagen, and a row per
-- day made the history 1.7 of PostgreSQL's ~5.3 new rows per event (benchmarks/METINGEN.md, sixth
-- round). Meaning unchanged: the change of a cell's value on a registratiedag is the sum of that day's
-- entries over all of the cell's rows (a day can occur in several batches), so the value as of
-- peildatum D is still the sum of every entry with dag <= D. Rows are only appended, never updated:
-- two instances never wait for each other on a history row.
CREATE TABLE cel_historie_bundel (
    indicator    text NOT NULL,
    gebied       text NOT NULL,
    periode      text NOT NULL,
    uitsplitsing text NOT NULL DEFAULT '',
    van          date NOT NULL,     -- the earliest of dagen: an as-of read skips rows that begin later
    dagen        date[] NOT NULL,   -- ascending, each day once
    mutaties     numeric[] NOT NULL -- the change on the day at the same position (0 only if carried over)
);
CREATE INDEX cel_historie_bundel_cel ON cel_historie_bundel (indicator, periode, gebied, uitsplitsing);
CREATE INDEX cel_historie_bundel_gebied ON cel_historie_bundel (gebied, indicator, periode);

-- existing databases: every cell's history so far becomes one packed row (the same days, the same
-- changes); no rebuild needed
INSERT INTO cel_historie_bundel (indicator, gebied, periode, uitsplitsing, van, dagen, mutaties)
SELECT indicator, gebied, periode, uitsplitsing, min(dag), array_agg(dag ORDER BY dag),
       array_agg(mutatie ORDER BY dag)
FROM cel_historie GROUP BY indicator, gebied, periode, uitsplitsing;
DROP TABLE cel_historie;

-- The history in its old shape, a row per (cell, registratiedag), for the content hash and for
-- readers that want it so (tests, ad-hoc queries); the API's as-of reads use the packed rows directly.
CREATE VIEW cel_historie AS
SELECT h.indicator, h.gebied, h.periode, h.uitsplitsing, x.dag, sum(x.mutatie) AS mutatie
FROM cel_historie_bundel h CROSS JOIN LATERAL unnest(h.dagen, h.mutaties) AS x(dag, mutatie)
GROUP BY h.indicator, h.gebied, h.periode, h.uitsplitsing, x.dag;
