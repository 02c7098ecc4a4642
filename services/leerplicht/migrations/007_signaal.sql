-- Signals addressed to this leerplicht office (issue 12): SignaalGegeven with recipient LEERPLICHT,
-- e.g. a late recoding that removed a duty already due (domain.md A2) or a protocol signal (A3.9).
-- One row per signal_id (a re-publication updates it); shown in the worklist and on the dossier.
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
