select
  subscription_id, customer_id, item_id, price_id, product_name, interval,
  interval_count::integer as interval_count, quantity::integer as quantity,
  unit_amount::double as unit_amount, upper(currency) as currency, mrr::double as mrr
from marts.subscription_items
order by customer_id, subscription_id
