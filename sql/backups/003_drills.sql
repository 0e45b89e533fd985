-- Restore drills: a schedule may also, on a cron of its own, restore its
-- latest completed backup into a scratch database container, check it
-- with the engine's own query, record the result and remove the
-- container again. A drill is a restore row marked drill.
ALTER TABLE backups.schedules
	ADD COLUMN drill_cron text,		-- five fields, the schedule's zone
	ADD COLUMN next_drill_at timestamptz;
CREATE INDEX schedules_drill_due ON backups.schedules (next_drill_at)
	WHERE enabled AND drill_cron IS NOT NULL;
ALTER TABLE backups.restores
	ADD COLUMN drill boolean NOT NULL DEFAULT false,
	ADD COLUMN schedule_id uuid REFERENCES backups.schedules
	    ON DELETE SET NULL,
	ADD COLUMN check_ok boolean,		-- the engine's check passed
	ADD COLUMN check_result text;		-- what it answered
CREATE INDEX restores_drills ON backups.restores (schedule_id, created_at)
	WHERE drill;
