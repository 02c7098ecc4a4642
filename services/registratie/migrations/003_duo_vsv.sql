-- registratie: the vsv facts (domain.md A3.7) already published, by the platform's own rule or from
-- DUO's monthly lists, so that nobody is told the same fact twice: 'A01' = PotentieelVsvGesignaleerd
-- (datum = uitschrijfdatum), 'A02' = Herinschrijving (datum = ingangsdatum). Written only by
-- registratie.state.apply_to_state from the events registratie itself publishes; safe under replay.
CREATE TABLE vsv_feit (
    pseudoniem text NOT NULL,
    lijst text NOT NULL CHECK (lijst IN ('A01', 'A02')),
    datum date NOT NULL,
    event_id uuid NOT NULL,
    PRIMARY KEY (pseudoniem, lijst, datum)
);
