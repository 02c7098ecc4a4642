-- telling, issue 16 (seventh round): the as-of history packed per (cell, month) instead of a row per
-- (cell, registratiedag). A batch of thousands of events spans weeks of registratiedagen, and a row per
-- day made the history 1.7 of PostgreSQL's ~5.3 new rows per event (benchmarks/METINGEN.md, sixth
-- round). Meaning unchanged: position i of `mutaties` is the change of the cell on day i of the month
-- (NULL: no change recorded that day, as a missing row was before; a day's 0 stays a 0), so the value
-- as of peildatum D is still the sum of the entries up to D. Why per month and not per batch: a live
-- runner's small batches would each add a row per cell; a month's row is updated in place (fillfactor
-- 80: room for a HOT update) and a cell has ~12 rows a year to read instead of ~200.
CREATE TABLE cel_historie_maand (
    indicator    text NOT NULL,
    gebied       text NOT NULL,
    periode      text NOT NULL,
    uitsplitsing text NOT NULL DEFAULT '',
    maand        date NOT NULL,      -- the first day of the month
    mutaties     numeric[] NOT NULL, -- 31 entries: the change on day 1..31 of the month, NULL for none
    PRIMARY KEY (indicator, gebied, periode, uitsplitsing, maand)
) WITH (fillfactor = 80);
CREATE INDEX cel_historie_maand_gebied ON cel_historie_maand (gebied, indicator, periode);

-- existing databases: every cell's days of a month become one row (the same days, the same changes);
-- no rebuild needed
INSERT INTO cel_historie_maand (indicator, gebied, periode, uitsplitsing, maand, mutaties)
SELECT indicator, gebied, periode, uitsplitsing, maand,
       ARRAY(SELECT m[array_position(d, k)] FROM generate_series(1, 31) AS k)
FROM (SELECT indicator, gebied, periode, uitsplitsing, date_trunc('month', dag)::date AS maand,
             array_agg(mutatie ORDER BY dag) AS m, array_agg(extract(day FROM dag)::int ORDER BY dag) AS d
      FROM cel_historie GROUP BY 1, 2, 3, 4, 5) AS per_maand;
DROP TABLE cel_historie;

-- The history in its old shape, a row per (cell, registratiedag), for the content hash and for
-- readers that want it so (tests, ad-hoc queries); the API's as-of reads use the month rows directly.
CREATE VIEW cel_historie AS
SELECT h.indicator, h.gebied, h.periode, h.uitsplitsing, h.maand + (x.i::int - 1) AS dag, x.m AS mutatie
FROM cel_historie_maand h CROSS JOIN LATERAL unnest(h.mutaties) WITH ORDINALITY AS x(m, i)
WHERE x.m IS NOT NULL;
