-- The register of school locations (domain.md B, issue 13): DUO's dated facts, from the national
-- register topic (or written by the intake when DUO submits; both keyed by event id). The seed lives
-- in the package's data files; seed + these facts = the register.
CREATE TABLE IF NOT EXISTS register_feit (
    event_id   uuid PRIMARY KEY,
    volgnummer bigserial NOT NULL,
    code       text NOT NULL,
    event_type text NOT NULL,
    data       jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS register_feit_code ON register_feit (code, volgnummer);
