import type { AccountStore } from '../store.js';
import type { Json } from './context.js';

const EMPTY_REQUIREMENTS = { alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [] };

export function renderAccount(store: AccountStore): Json {
  const { settings } = store;
  return {
    id: store.accountId,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: '5734',
      minority_owned_business_designation: null,
      name: settings.businessName,
      product_description: 'Software as a service',
      support_address: null,
      support_email: settings.email,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: 'company',
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    controller: { type: 'account' },
    country: settings.country,
    created: settings.accountCreated,
    default_currency: settings.defaultCurrency,
    details_submitted: true,
    email: settings.email,
    external_accounts: { object: 'list', data: [], has_more: false, url: `/v1/accounts/${store.accountId}/external_accounts` },
    future_requirements: EMPTY_REQUIREMENTS,
    metadata: {},
    payouts_enabled: true,
    requirements: EMPTY_REQUIREMENTS,
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_issuing: { tos_acceptance: { date: null, ip: null } },
      card_payments: { decline_on: { avs_failure: false, cvc_failure: false }, statement_descriptor_prefix: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      dashboard: { display_name: settings.businessName, timezone: 'Etc/UTC' },
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
      payments: { statement_descriptor: settings.businessName.toUpperCase().slice(0, 22), statement_descriptor_kana: null, statement_descriptor_kanji: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: 'weekly' }, statement_descriptor: null },
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: settings.accountCreated, ip: null, user_agent: null },
    type: 'standard',
  };
}
