/**
 * The tables of the published copy the reports read, with their SQL types and
 * descriptions: the contract's marts plus the additions agreed for the reports
 * (brief_reports.md). The fixture writes exactly these; the descriptions feed
 * the fixture's meta.model_docs / meta.column_docs like the model YAML will.
 */
export interface FixtureColumn {
  readonly name: string;
  readonly type: string;
  readonly description: string;
}

export interface FixtureTable {
  readonly schema: 'marts' | 'meta';
  readonly name: string;
  readonly description: string;
  readonly columns: readonly FixtureColumn[];
}

const money = 'DECIMAL(18,2)';
const c = (name: string, type: string, description: string): FixtureColumn => ({ name, type, description });

export const fixtureTables: readonly FixtureTable[] = [
  {
    schema: 'marts',
    name: 'customers',
    description: 'One row per canonical customer: every Stripe customer and CRM record sharing one normalized email.',
    columns: [
      c('customer_id', 'VARCHAR', 'Stable id: the earliest Stripe customer id of the identity, or crm:<system>:<record id>.'),
      c('email', 'VARCHAR', 'Normalized email (trimmed, lower-cased).'),
      c('name', 'VARCHAR', 'Name from Stripe, else from the CRM.'),
      c('company', 'VARCHAR', 'Company from the CRM.'),
      c('origin', 'VARCHAR', 'Where the customer is known: stripe, crm or both.'),
      c('lifecycle_stage', 'VARCHAR', 'Stage now: trial, activated, paying, expanded, at_risk, churned or prospect.'),
      c('mrr', money, 'MRR now, in the reporting currency.'),
      c('stripe_customer_ids', 'VARCHAR[]', 'Every Stripe customer merged into this customer.'),
      c('crm_record_ids', 'VARCHAR[]', 'Every CRM record merged into this customer.'),
      c('first_paid_at', 'TIMESTAMPTZ', 'When the first subscription invoice was paid.'),
      c('churned_at', 'TIMESTAMPTZ', 'When MRR last fell to zero, if it is zero now.'),
      c('created_at', 'TIMESTAMPTZ', 'When the earliest Stripe customer or CRM record was created.'),
      c('owner', 'VARCHAR', 'Account owner from the CRM.'),
      c('tags', 'VARCHAR[]', 'CRM tags.'),
      c('phone', 'VARCHAR', 'Phone number from the CRM or Stripe.'),
      c('currency', 'VARCHAR', "The customer's billing currency."),
      c('is_deleted', 'BOOLEAN', 'Every Stripe customer of this identity was deleted.'),
    ],
  },
  {
    schema: 'marts',
    name: 'customer_mrr_monthly',
    description: "Each customer's MRR at the end of each month, from their first month with MRR through the current month.",
    columns: [
      c('customer_id', 'VARCHAR', 'The customer.'),
      c('month', 'DATE', 'First day of the month.'),
      c('mrr', money, 'MRR at the end of the month (now for the current month).'),
    ],
  },
  {
    schema: 'marts',
    name: 'mrr_movements',
    description: 'One row per customer per month with an MRR movement.',
    columns: [
      c('customer_id', 'VARCHAR', 'The customer.'),
      c('month', 'DATE', 'First day of the month.'),
      c('movement', 'VARCHAR', 'new, reactivation, expansion, contraction or churn.'),
      c('amount', money, 'Signed change: contraction and churn are negative.'),
    ],
  },
  {
    schema: 'marts',
    name: 'mrr_monthly',
    description: 'MRR and its movements per month, from the first month with MRR through the current month.',
    columns: [
      c('month', 'DATE', 'First day of the month.'),
      c('mrr', money, 'MRR at the end of the month.'),
      c('arr', money, '12 x MRR.'),
      c('paying_customers', 'BIGINT', 'Customers with MRR > 0 at the end of the month.'),
      c('new_mrr', money, 'MRR from customers who never had MRR before.'),
      c('reactivation_mrr', money, 'MRR from customers who came back.'),
      c('expansion_mrr', money, 'MRR gained by customers who already paid.'),
      c('contraction_mrr', money, 'MRR lost by customers who still pay (negative).'),
      c('churned_mrr', money, 'MRR lost by customers who stopped paying (negative).'),
      c('fx_impact', money, 'Change in carried-over MRR caused by exchange rates alone.'),
      c('net_new_mrr', money, 'MRR(M) - MRR(M-1).'),
      c('quick_ratio', 'DOUBLE', '(new + reactivation + expansion) / -(contraction + churn); NULL when nothing was lost.'),
    ],
  },
  {
    schema: 'marts',
    name: 'churn_monthly',
    description: 'Logo and MRR churn rates per month.',
    columns: [
      c('month', 'DATE', 'First day of the month.'),
      c('customers_at_start', 'BIGINT', 'Customers with MRR > 0 at the end of the previous month.'),
      c('churned_customers', 'BIGINT', 'Customers with a churn movement in the month.'),
      c('logo_churn_rate', 'DOUBLE', 'churned_customers / customers_at_start; NULL when no customers at start.'),
      c('mrr_at_start', money, 'MRR at the end of the previous month.'),
      c('gross_mrr_churn_rate', 'DOUBLE', '-(churn + contraction) / MRR at start.'),
      c('net_mrr_churn_rate', 'DOUBLE', '-(churn + contraction + expansion + reactivation) / MRR at start; negative means net expansion.'),
    ],
  },
  {
    schema: 'marts',
    name: 'revenue_monthly',
    description: "Stripe's ledger per month and settlement currency, from balance transactions.",
    columns: [
      c('month', 'DATE', 'First day of the month of the balance transaction.'),
      c('currency', 'VARCHAR', 'Settlement currency.'),
      c('gross_volume', money, "Sum of charge amounts."),
      c('refunds', money, 'Refunded amounts (positive).'),
      c('disputes', money, 'Disputed amounts net of reversals (positive).'),
      c('fees', money, 'Stripe fees of every balance transaction of the month.'),
      c('net_volume', money, 'gross_volume - refunds - disputes - fees.'),
    ],
  },
  {
    schema: 'marts',
    name: 'lifecycle_pipeline',
    description: 'Customers and MRR per lifecycle stage now; all seven stages always present.',
    columns: [
      c('stage', 'VARCHAR', 'Lifecycle stage.'),
      c('stage_order', 'INTEGER', 'Display order: trial, activated, paying, expanded, at_risk, churned, prospect.'),
      c('customers', 'BIGINT', 'Customers in the stage.'),
      c('mrr', money, 'Their MRR now.'),
    ],
  },
  {
    schema: 'marts',
    name: 'lifecycle_movements',
    description: 'How many customers moved from one lifecycle stage to another, per month.',
    columns: [
      c('month', 'DATE', 'First day of the month.'),
      c('from_stage', 'VARCHAR', 'Stage at the end of the previous month.'),
      c('to_stage', 'VARCHAR', 'Stage at the end of the month.'),
      c('customers', 'BIGINT', 'Customers who moved.'),
    ],
  },
  {
    schema: 'marts',
    name: 'identity_matches',
    description: 'One row per imported CRM record and the customer it joined.',
    columns: [
      c('crm_system', 'VARCHAR', 'hubspot, salesforce, pipedrive or generic.'),
      c('crm_record_id', 'VARCHAR', 'The record id in the CRM.'),
      c('email', 'VARCHAR', 'Normalized email of the record.'),
      c('customer_id', 'VARCHAR', 'The canonical customer.'),
      c('matched', 'BOOLEAN', 'The customer has a Stripe side.'),
    ],
  },
  {
    schema: 'marts',
    name: 'crm_activities',
    description: 'CRM notes, tasks, deals and calls, attached to their customer.',
    columns: [
      c('customer_id', 'VARCHAR', 'The customer.'),
      c('kind', 'VARCHAR', 'note, task, deal or call.'),
      c('occurred_at', 'TIMESTAMPTZ', 'When it happened or is due.'),
      c('subject', 'VARCHAR', 'Title.'),
      c('body', 'VARCHAR', 'Text.'),
      c('amount', money, 'Deal amount, in the reporting currency.'),
      c('stage', 'VARCHAR', 'Deal stage or task status.'),
      c('crm_system', 'VARCHAR', 'The CRM it came from.'),
    ],
  },
  {
    schema: 'marts',
    name: 'billing_signals',
    description: 'Open billing signals a founder acts on, one row per signal.',
    columns: [
      c('customer_id', 'VARCHAR', 'The customer.'),
      c('signal', 'VARCHAR', 'trial_ending, card_expiring, payment_failed, cancellation_scheduled, upgraded, downgraded or churned.'),
      c('occurred_at', 'TIMESTAMPTZ', 'When it happened or will happen.'),
      c('amount', money, 'MRR or amount at stake, where one applies.'),
      c('detail', 'VARCHAR', 'What happened, in words.'),
    ],
  },
  {
    schema: 'marts',
    name: 'subscriptions',
    description: 'Every Stripe subscription with its current MRR.',
    columns: [
      c('subscription_id', 'VARCHAR', 'Stripe subscription id.'),
      c('customer_id', 'VARCHAR', 'The canonical customer.'),
      c('stripe_customer_id', 'VARCHAR', 'The Stripe customer.'),
      c('status', 'VARCHAR', 'Stripe status.'),
      c('currency', 'VARCHAR', 'Billing currency.'),
      c('created_at', 'TIMESTAMPTZ', 'When it was created.'),
      c('trial_end', 'TIMESTAMPTZ', 'End of the trial, if any.'),
      c('cancel_at_period_end', 'BOOLEAN', 'Cancels when the current period ends.'),
      c('cancel_at', 'TIMESTAMPTZ', 'Scheduled cancellation.'),
      c('canceled_at', 'TIMESTAMPTZ', 'When the cancellation was requested.'),
      c('ended_at', 'TIMESTAMPTZ', 'When it ended.'),
      c('cancellation_reason', 'VARCHAR', 'Why it was canceled.'),
      c('mrr', money, 'MRR now, in the reporting currency.'),
    ],
  },
  {
    schema: 'marts',
    name: 'subscription_items',
    description: 'The items of every subscription as they are now.',
    columns: [
      c('subscription_id', 'VARCHAR', 'Stripe subscription id.'),
      c('customer_id', 'VARCHAR', 'The canonical customer.'),
      c('item_id', 'VARCHAR', 'Stripe subscription item id.'),
      c('price_id', 'VARCHAR', 'Stripe price id.'),
      c('product_name', 'VARCHAR', 'Product name.'),
      c('interval', 'VARCHAR', 'Billing interval.'),
      c('interval_count', 'INTEGER', 'Intervals per billing period.'),
      c('quantity', 'BIGINT', 'Quantity.'),
      c('unit_amount', money, 'Unit price, major units in the item currency.'),
      c('currency', 'VARCHAR', 'Item currency.'),
      c('mrr', money, 'MRR now, in the reporting currency.'),
    ],
  },
  {
    schema: 'marts',
    name: 'invoices',
    description: 'Every Stripe invoice.',
    columns: [
      c('invoice_id', 'VARCHAR', 'Stripe invoice id.'),
      c('customer_id', 'VARCHAR', 'The canonical customer.'),
      c('stripe_customer_id', 'VARCHAR', 'The Stripe customer.'),
      c('number', 'VARCHAR', 'Invoice number.'),
      c('status', 'VARCHAR', 'draft, open, paid, uncollectible or void.'),
      c('billing_reason', 'VARCHAR', 'Why it was created.'),
      c('created_at', 'TIMESTAMPTZ', 'When it was created.'),
      c('period_start', 'TIMESTAMPTZ', 'Start of the billed period.'),
      c('period_end', 'TIMESTAMPTZ', 'End of the billed period.'),
      c('currency', 'VARCHAR', 'Invoice currency.'),
      c('total', money, 'Total, major units in the invoice currency.'),
      c('amount_paid', money, 'Paid, major units in the invoice currency.'),
      c('amount_due', money, 'Due, major units in the invoice currency.'),
      c('amount_remaining', money, 'Still owed, major units in the invoice currency.'),
    ],
  },
  {
    schema: 'marts',
    name: 'payments',
    description: 'Every charge attempt.',
    columns: [
      c('charge_id', 'VARCHAR', 'Stripe charge id.'),
      c('customer_id', 'VARCHAR', 'The canonical customer.'),
      c('created_at', 'TIMESTAMPTZ', 'When it was attempted.'),
      c('currency', 'VARCHAR', 'Charge currency.'),
      c('amount', money, 'Amount, major units in the charge currency.'),
      c('status', 'VARCHAR', 'succeeded or failed.'),
      c('failure_message', 'VARCHAR', 'Why it failed.'),
      c('amount_refunded', money, 'Refunded, major units in the charge currency.'),
      c('disputed', 'BOOLEAN', 'The charge was disputed.'),
    ],
  },
  {
    schema: 'marts',
    name: 'churn_events',
    description: 'One row per churn movement, with the MRR lost and the reason.',
    columns: [
      c('customer_id', 'VARCHAR', 'The customer.'),
      c('month', 'DATE', 'Month of the churn.'),
      c('churned_at', 'TIMESTAMPTZ', 'When the last subscription ended.'),
      c('lost_mrr', money, 'MRR lost (positive).'),
      c('reason', 'VARCHAR', 'Cancellation reason.'),
    ],
  },
  {
    schema: 'marts',
    name: 'cohort_retention',
    description: 'Customer and MRR retention by first-paid month.',
    columns: [
      c('cohort_month', 'DATE', 'Month of the first payment.'),
      c('months_since_first_paid', 'INTEGER', 'Months since the cohort month.'),
      c('cohort_customers', 'BIGINT', 'Customers in the cohort.'),
      c('retained_customers', 'BIGINT', 'Of them, paying at the end of that month.'),
      c('retained_mrr', money, 'Their MRR then.'),
      c('customer_retention_rate', 'DOUBLE', 'retained_customers / cohort_customers.'),
      c('mrr_retention_rate', 'DOUBLE', "retained_mrr / the cohort's MRR in its first month."),
    ],
  },
  {
    schema: 'marts',
    name: 'crm_migration_audit',
    description: 'How CRM records and Stripe customers matched up.',
    columns: [
      c('category', 'VARCHAR', 'matched, crm_only, stripe_only or email_collision.'),
      c('customer_id', 'VARCHAR', 'The canonical customer.'),
      c('email', 'VARCHAR', 'Normalized email.'),
      c('crm_system', 'VARCHAR', 'The CRM.'),
      c('crm_record_id', 'VARCHAR', 'The CRM record.'),
      c('stripe_customer_id', 'VARCHAR', 'The Stripe customer.'),
    ],
  },
  {
    schema: 'meta',
    name: 'runs',
    description: 'Every command run: extract, import, build, refresh.',
    columns: [
      c('run_id', 'VARCHAR', 'Run id.'),
      c('command', 'VARCHAR', 'The command.'),
      c('started_at', 'TIMESTAMPTZ', 'Start.'),
      c('ended_at', 'TIMESTAMPTZ', 'End.'),
      c('status', 'VARCHAR', 'running, ok or failed.'),
      c('counts', 'JSON', 'Counts of what it did.'),
      c('error', 'VARCHAR', 'The error, when it failed.'),
      c('pid', 'INTEGER', 'Process id.'),
    ],
  },
  {
    schema: 'meta',
    name: 'sync_state',
    description: 'Sync state per Stripe stream.',
    columns: [
      c('stream', 'VARCHAR', 'Stripe list name.'),
      c('phase', 'VARCHAR', 'backfill or incremental.'),
      c('backfill_started_at', 'BIGINT', 'Server time of the last full read start (epoch seconds).'),
      c('backfill_completed_at', 'BIGINT', 'Server time of the last full read end (epoch seconds).'),
      c('events_cursor', 'BIGINT', 'Events are read from here on (epoch seconds).'),
      c('last_success_at', 'TIMESTAMPTZ', 'Last successful sync.'),
      c('last_run_id', 'VARCHAR', 'Run of the last sync.'),
      c('object_count', 'BIGINT', 'Objects stored.'),
    ],
  },
  {
    schema: 'meta',
    name: 'model_builds',
    description: 'Every model of every build.',
    columns: [
      c('run_id', 'VARCHAR', 'The build run.'),
      c('model', 'VARCHAR', 'Model name.'),
      c('schema', 'VARCHAR', 'Schema.'),
      c('materialized', 'VARCHAR', 'view or table.'),
      c('rows', 'BIGINT', 'Rows built.'),
      c('seconds', 'DOUBLE', 'Build time.'),
      c('status', 'VARCHAR', 'ok or failed.'),
      c('error', 'VARCHAR', 'Error when it failed.'),
    ],
  },
  {
    schema: 'meta',
    name: 'model_docs',
    description: 'Model descriptions from the model YAML.',
    columns: [
      c('model', 'VARCHAR', 'Model name.'),
      c('schema', 'VARCHAR', 'Schema.'),
      c('layer', 'VARCHAR', 'staging, intermediate or marts.'),
      c('description', 'VARCHAR', 'Description.'),
      c('materialized', 'VARCHAR', 'view or table.'),
      c('file', 'VARCHAR', 'The model file.'),
    ],
  },
  {
    schema: 'meta',
    name: 'column_docs',
    description: 'Column descriptions from the model YAML.',
    columns: [
      c('model', 'VARCHAR', 'Model name.'),
      c('column', 'VARCHAR', 'Column name.'),
      c('position', 'INTEGER', 'Position in the table.'),
      c('data_type', 'VARCHAR', 'SQL type.'),
      c('description', 'VARCHAR', 'Description.'),
    ],
  },
];

export function fixtureTable(schema: string, name: string): FixtureTable {
  const table = fixtureTables.find((t) => t.schema === schema && t.name === name);
  if (!table) throw new Error(`No fixture table ${schema}.${name}`);
  return table;
}
