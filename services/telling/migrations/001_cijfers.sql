-- telling: national counter cells, the memberships behind unique-person counts, each person's facts,
-- and the outbox of the count stream (domain.md C).

-- A figure cell. `ouder` is the enclosing area (a gemeente's region, a region's NL) for the
-- disclosure-control tables; `waarde` is a count of members, or a sum for the skeleton's hour sums.
CREATE TABLE cijfer (
    indicator text NOT NULL,
    gebied text NOT NULL,
    periode text NOT NULL,
    ouder text,
    waarde numeric NOT NULL,
    PRIMARY KEY (indicator, gebied, periode)
);

-- `lid` (a pseudonym, or a dossier id for case counts) counts in a cell for each `bron` (the fact
-- behind it, e.g. a report id); a cell's value = members with at least the indicator's drempel bronnen.
CREATE TABLE lidmaatschap (
    indicator text NOT NULL,
    gebied text NOT NULL,
    periode text NOT NULL,
    lid text NOT NULL,
    bron text NOT NULL DEFAULT '',
    -- registratiedag of the source, only for per-event memberships (absences); NULL for memberships
    -- derived from a person's facts (their history lives in leerling_feiten.dagen)
    dag date,
    PRIMARY KEY (indicator, gebied, periode, lid, bron)
);

-- The facts telling keeps per person, per registratiedag (the Amsterdam day of the envelope's
-- recordedtime): {"2025-10-27": Feiten, ...} (telling.domain.historie). No identifying data. The row
-- is also the person's lock: two instances never fold one person at the same time.
CREATE TABLE leerling_feiten (
    pseudoniem text PRIMARY KEY,
    dagen jsonb NOT NULL
);

-- Outbox of the count stream: (indicator, periode) tables touched by a batch, written in the batch's
-- own transaction; the publisher drains it after the broker acknowledged (at least once; the count
-- topic is compacted and a republished value is the same value).
CREATE TABLE cijfer_gewijzigd (
    id bigserial PRIMARY KEY,
    indicator text NOT NULL,
    periode text NOT NULL
);

-- What the count stream last carried per cell, so only changes (including changes of suppression
-- caused by a neighbouring cell) are published.
CREATE TABLE gepubliceerd (
    cel_sleutel text PRIMARY KEY,
    indicator text NOT NULL,
    periode text NOT NULL,
    waarde integer,
    onderdrukt boolean NOT NULL,
    bijgewerkt_op timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gepubliceerd_tabel ON gepubliceerd (indicator, periode);
