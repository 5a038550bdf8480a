select model, schema, layer, description
from meta.model_docs
order by case layer when 'marts' then 0 when 'intermediate' then 1 when 'staging' then 2 else 3 end, model
