-- The BSN search hash becomes an HMAC with the instance's own key (PGN_ZOEKSLEUTEL): the BSN space is
-- small enough to try every number against a plain hash. pgn_sleutel records which key hashed the row
-- (a fingerprint of the key, never the key). Rows of older code have none, so the first start with a key
-- clears their hashes and reads the compacted identity topic again (leerplicht/identiteit.py).
ALTER TABLE identiteit ADD COLUMN pgn_sleutel text;

-- During a rolling upgrade an older pod may still write a row: it sets pgn_hash (its plain hash) and
-- knows no pgn_sleutel. A pseudonym's PGN never changes (the pseudonym is derived from it), so with one
-- key a row's hash never changes either: a new hash under the same fingerprint can only come from such a
-- pod. Its row loses its fingerprint, and the next start hashes it again.
CREATE FUNCTION identiteit_pgn_sleutel_bewaken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.pgn_hash IS DISTINCT FROM OLD.pgn_hash AND NEW.pgn_sleutel IS NOT DISTINCT FROM OLD.pgn_sleutel THEN
        NEW.pgn_sleutel := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER identiteit_pgn_sleutel BEFORE UPDATE ON identiteit
    FOR EACH ROW EXECUTE FUNCTION identiteit_pgn_sleutel_bewaken();
