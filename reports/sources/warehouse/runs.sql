select run_id, command, started_at, ended_at, status, counts::varchar as counts, error,
  epoch(ended_at - started_at)::double as seconds
from meta.runs
order by started_at desc
limit 200
