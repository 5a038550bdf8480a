select d.model, m.schema, m.layer, d."column" as column_name, d.position::integer as position, d.data_type, d.description
from meta.column_docs d
left join meta.model_docs m on m.model = d.model
order by d.model, d.position
