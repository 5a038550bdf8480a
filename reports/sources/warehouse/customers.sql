-- Lists become text for display; the tag filter reads customer_tags.
-- Sorted by id so the browser reads one customer's row without the whole file.
select
  customer_id,
  email,
  name,
  -- What lists call the customer: a customer Stripe knows only by email is shown by it, not as a blank.
  coalesce(nullif(trim(name), ''), email, customer_id) as display_name,
  company,
  origin,
  lifecycle_stage,
  mrr::double as mrr,
  array_to_string(stripe_customer_ids, ', ') as stripe_customer_ids,
  array_to_string(crm_record_ids, ', ') as crm_record_ids,
  len(stripe_customer_ids)::integer as stripe_customer_count,
  len(crm_record_ids)::integer as crm_record_count,
  first_paid_at,
  churned_at,
  created_at,
  owner,
  md5(owner) as owner_key,
  array_to_string(tags, ', ') as tags,
  phone,
  upper(currency) as currency,
  is_deleted,
  '/customer/?id=' || url_encode(customer_id) as customer_link,
  lower(concat_ws(' ', name, email, company, customer_id, array_to_string(stripe_customer_ids, ' '), array_to_string(crm_record_ids, ' '))) as search_text
from marts.customers
order by customer_id
