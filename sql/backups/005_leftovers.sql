-- The failed backups whose last attempt may have left something in their
-- storage (an upload, a partial file): the worker's leftovers sweep
-- (backup_leftovers_sweep) finds them, in the order their run_after says.
CREATE INDEX backups_leftovers ON backups.backups (run_after)
	WHERE status = 'failed' AND object_key IS NOT NULL;
