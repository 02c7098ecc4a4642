-- registratie: a live submission first publishes its pupils' older open submissions (log order =
-- decision order). Open rows are few; this index keeps that look-up off the published history.
CREATE INDEX intake_verzoek_open_leerlingen ON intake_verzoek USING gin (leerlingen) WHERE status = 'open';
