-- DossierOvergedragen v2 and DossierToegewezen (issue 12).
--
-- overname: a transferred dossier is now rebuilt by the projection from the history in the event, so
-- nothing waits for an import any more. Statuses: KLAAR (rebuilt here), ZONDER_GESCHIEDENIS (a v1
-- transfer: its history is not on the log), OPEN_DOSSIER_AANWEZIG (the pupil already had an open
-- dossier here: two cases are not merged automatically), BESTOND (the dossier was already here).
-- A v1 transfer that was still waiting for the removed fetch from the old office stays visible.
UPDATE overname SET status = 'ZONDER_GESCHIEDENIS', afgerond_op = now() WHERE status = 'WACHT';

-- dossier_behandelaar: written by the projection from DossierToegewezen (on the log, so a replay keeps
-- it), no longer by the command path.
COMMENT ON TABLE dossier_behandelaar IS 'the officer who took the case: the first DossierToegewezen in log order';
