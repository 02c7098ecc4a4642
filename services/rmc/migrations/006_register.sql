-- DUO's register of school locations (domain.md B; issue 15: the coach's school lookup). The national
-- register topic's facts, projected by leerrecht.register.RegisterProjection (idempotent by event id),
-- the same table registratie keeps (its 007_register.sql). DUO's public lists are the seed beside it.
CREATE TABLE IF NOT EXISTS register_feit (
    event_id   uuid PRIMARY KEY,
    volgnummer bigserial NOT NULL,
    code       text NOT NULL,
    event_type text NOT NULL,
    data       jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS register_feit_code ON register_feit (code, volgnummer);
