-- 002_metrics_scope.sql — API tokens of a third scope, "metrics": they
-- read GET /api/metrics (for a Prometheus scraper) and nothing else.
ALTER TABLE auth.api_tokens DROP CONSTRAINT api_tokens_scope_check;
ALTER TABLE auth.api_tokens ADD CONSTRAINT api_tokens_scope_check
	CHECK (scope IN ('read', 'write', 'metrics'));
