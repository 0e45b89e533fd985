-- enabled is now the operator's pause (PATCH {"enabled": false}) alone.
-- Until now the worker turned it off when a schedule's expression
-- stopped firing; such a schedule stays on and is simply never due
-- (next_run_at 'infinity') until a new cron or zone brings it back.
UPDATE backups.schedules SET enabled = true
	WHERE NOT enabled AND next_run_at = 'infinity';
