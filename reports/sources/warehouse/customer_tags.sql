select customer_id, tag, md5(tag) as tag_key
from (select customer_id, unnest(tags) as tag from marts.customers)
order by tag, customer_id
