-- Signals addressed to this Doorstroompunt (issue 12): SignaalGegeven with recipient DOORSTROOMPUNT,
-- e.g. a protocol signal for young people 18+ without a startkwalificatie (domain.md A3.5, A3.9).
-- One row per signal_id (a re-publication updates it); shown in the worklist and on the young person's page.
CREATE TABLE signaal (
    signaal_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    soort text NOT NULL,
    regel_id text NOT NULL,
    omschrijving text,
    school text NOT NULL,
    peildatum date NOT NULL,
    event_id uuid NOT NULL
);
CREATE INDEX signaal_leerling ON signaal (pseudoniem);
CREATE INDEX signaal_peildatum ON signaal (peildatum DESC);
