-- Moving house (domain.md A5): see leerplicht/overdracht.py for the protocol.

-- Old office: transfers to make after registratie's Verhuisd. An outbox: the projection writes the row
-- in its own transaction; a loop publishes DossierOvergedragen (one deterministic event id) and marks it.
CREATE TABLE overdracht (
    dossier_id uuid PRIMARY KEY,
    verhuisd_id uuid NOT NULL,
    correlation_id uuid NOT NULL,
    pseudoniem text NOT NULL,
    van_regio text NOT NULL,
    naar_regio text NOT NULL,
    naar_gemeente text NOT NULL,
    datum date NOT NULL,
    status text NOT NULL DEFAULT 'WACHT',   -- WACHT, VERZONDEN, VERVALLEN (dossier no longer open)
    aangemaakt_op timestamptz NOT NULL DEFAULT now(),
    afgehandeld_op timestamptz
);
CREATE INDEX overdracht_wacht ON overdracht (aangemaakt_op) WHERE status = 'WACHT';

-- New office: a transferred dossier whose history is being fetched from the old office.
CREATE TABLE overname (
    dossier_id uuid PRIMARY KEY,
    overdracht_event_id uuid NOT NULL,
    pseudoniem text NOT NULL,
    van_regio text NOT NULL,
    envelope jsonb NOT NULL,
    status text NOT NULL DEFAULT 'WACHT',   -- WACHT, KLAAR, BESTOND (the dossier was already here)
    pogingen int NOT NULL DEFAULT 0,
    laatste_fout text,
    ontvangen_op timestamptz NOT NULL DEFAULT now(),
    afgerond_op timestamptz
);
CREATE INDEX overname_wacht ON overname (pseudoniem) WHERE status = 'WACHT';

-- Events of a pupil parked until a transferred dossier's history has arrived, and report events whose
-- report is not (yet) known here (after a move registratie routes them to the new region, possibly
-- before the transfer). Applied in log order by the import.
CREATE TABLE wachtend_event (
    event_id uuid PRIMARY KEY,
    pseudoniem text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    envelope jsonb NOT NULL,
    geparkeerd_op timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wachtend_event_leerling ON wachtend_event (pseudoniem, partition, "offset");
