-- Identity records the identity consumer could not decode or store (leerrecht/quarantaine.py): kept as raw
-- bytes with their position, instead of stopping the consumer; no dead-letter topic (erasable, domain.md B).
-- A tombstone for the same key deletes the row, like the person's other rows.
CREATE TABLE quarantaine (
    id bigserial PRIMARY KEY,
    projection text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    sleutel bytea,
    waarde bytea,
    reden text NOT NULL,          -- onleesbaar | niet_op_te_slaan
    fout text NOT NULL,           -- the error type, never its message
    ontvangen_op timestamptz NOT NULL DEFAULT now(),
    UNIQUE (projection, topic, partition, "offset")
);
CREATE INDEX quarantaine_sleutel ON quarantaine (sleutel);

-- Events the projection dead-lettered (leerrecht/aandacht.py, rmc/projection.py): a command waiting for one no longer waits (it
-- counts as settled), and the young person's file is marked as needing attention until beheer re-applies
-- the event or resolves the mark. The envelope is kept as bytes for the re-apply.
CREATE TABLE aandacht (
    event_id uuid PRIMARY KEY,
    onderwerp text,               -- what is marked: the pseudonym
    type text NOT NULL,
    reden text NOT NULL,          -- the error type, never its message
    topic text NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    envelope bytea NOT NULL,
    status text NOT NULL DEFAULT 'OPEN',   -- OPEN | OPNIEUW_TOEGEPAST | OPGELOST
    gemarkeerd_op timestamptz NOT NULL DEFAULT now(),
    afgehandeld_op timestamptz,
    afgehandeld_door text
);
CREATE INDEX aandacht_open ON aandacht (onderwerp) WHERE status = 'OPEN';
