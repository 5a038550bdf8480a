select stream, phase, last_success_at, object_count::bigint as object_count, last_run_id
from meta.sync_state
order by stream
