-- The models of the most recent build that recorded any.
select b.run_id, r.started_at, b.model, b.schema, b.materialized, b.rows::bigint as rows, b.seconds, b.status, b.error
from meta.model_builds b
left join meta.runs r on r.run_id = b.run_id
where b.run_id = (
  select b2.run_id from meta.model_builds b2 left join meta.runs r2 on r2.run_id = b2.run_id
  order by r2.started_at desc nulls last limit 1
)
order by b.schema, b.model
