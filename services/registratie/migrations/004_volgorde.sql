-- registratie: the sweeper re-publishes a submission complete and in the order it was decided.

-- Identity records (names, address: personal data) of a submission that is not published yet. Held
-- only from the decision until the broker acknowledged them, then deleted in the same statement that
-- marks the submission published; "vergeet leerling" deletes them too. So the sweeper and a replay
-- publish the identity, not only the events, and registratie keeps no names once they are out.
CREATE TABLE identiteit_wachtend (
    client text NOT NULL,
    sleutel text NOT NULL,
    volgnr int NOT NULL,               -- order within the submission
    topic text NOT NULL,
    record_key bytea NOT NULL,         -- the pseudonym
    record_value bytea,                -- null: a tombstone
    PRIMARY KEY (client, sleutel, volgnr),
    FOREIGN KEY (client, sleutel) REFERENCES intake_verzoek (client, sleutel) ON DELETE CASCADE
);
CREATE INDEX identiteit_wachtend_leerling ON identiteit_wachtend (record_key);

-- The pupils a submission locked (sorted): the sweeper takes the very same advisory locks.
-- Null for submissions stored before this column: then the pupils of its envelopes.
ALTER TABLE intake_verzoek ADD COLUMN leerlingen text[];

-- The last sequence number given per (subject, topic) (envelope ``subjectsequence``). Raised at
-- decision time, under the pupil's lock, in the transaction that stores the envelopes.
CREATE TABLE volgnummer (
    subject text NOT NULL,
    topic text NOT NULL,
    laatste bigint NOT NULL,
    PRIMARY KEY (subject, topic)
);
