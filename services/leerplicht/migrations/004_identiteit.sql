-- The pupil's identity, read from the region's erasable identity topic (domain.md B; contracts/identity.py).
-- Only what the officer needs on the dossier page: name, birth date, address. No PGN, no phone or e-mail.
-- A tombstone on the topic deletes the row (erasure); see leerplicht/identiteit.py.
CREATE TABLE identiteit (
    pseudoniem text PRIMARY KEY,
    voornamen text NOT NULL,
    tussenvoegsel text,
    achternaam text NOT NULL,
    geboortedatum date NOT NULL,
    straat text,
    huisnummer int,
    huisnummer_toevoeging text,
    postcode text,
    woonplaats text,
    woongemeente text NOT NULL,
    vastgelegd_op timestamptz NOT NULL
);
