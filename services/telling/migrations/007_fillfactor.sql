-- telling, issue 16: room on every page for the rows telling updates in place (a cell's value, a pupil's
-- part of a sum, a person's facts), so an update can stay on its page as a HOT update: no new index
-- entry, less to write and to vacuum. Only pages written from now on keep the room; existing databases
-- keep working unchanged (a rebuild writes them anew).
ALTER TABLE cijfer SET (fillfactor = 80);
ALTER TABLE som_lid SET (fillfactor = 80);
ALTER TABLE leerling_feiten SET (fillfactor = 80);
