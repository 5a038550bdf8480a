select month, from_stage, to_stage, customers::integer as customers
from marts.lifecycle_movements
order by month, from_stage, to_stage
