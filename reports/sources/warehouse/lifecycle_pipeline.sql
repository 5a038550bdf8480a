select stage, stage_order::integer as stage_order, customers::integer as customers, mrr::double as mrr
from marts.lifecycle_pipeline
order by stage_order
