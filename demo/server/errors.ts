/** A Stripe API error answer: the status and the `{ error: {...} }` body Stripe sends. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; message: string; code?: string; param?: string },
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

export function invalidParam(param: string, message: string): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', message, param });
}

export function unknownParam(param: string): ApiError {
  return invalidParam(param, `Received unknown parameter: ${param}`);
}

/** Stripe's names for objects in "No such ..." messages. */
const OBJECT_NAMES: Record<string, string> = {
  customer: 'customer',
  product: 'product',
  price: 'price',
  coupon: 'coupon',
  tax_rate: 'tax rate',
  payment_method: 'PaymentMethod',
  subscription: 'subscription',
  subscription_item: 'subscription item',
  invoice: 'invoice',
  line_item: 'invoice line item',
  invoiceitem: 'invoiceitem',
  charge: 'charge',
  balance_transaction: 'balance transaction',
  refund: 'refund',
  dispute: 'dispute',
  credit_note: 'credit note',
  payout: 'payout',
  event: 'event',
};

export function noSuch(kind: string, id: string, param: string, status = 404): ApiError {
  return new ApiError(status, { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${OBJECT_NAMES[kind] ?? kind}: '${id}'`, param });
}

export function unrecognizedUrl(method: string, path: string): ApiError {
  return new ApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

export function readOnly(method: string, path: string): ApiError {
  return new ApiError(405, { type: 'invalid_request_error', code: 'method_not_allowed', message: `The demo server is read-only: ${method} ${path} is not supported (only GET).` }, { Allow: 'GET' });
}

export function missingKey(): ApiError {
  return new ApiError(401, {
    type: 'invalid_request_error',
    message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
  });
}

export function invalidKey(): ApiError {
  // Stripe echoes a masked key; the demo server never repeats any part of it.
  return new ApiError(401, { type: 'invalid_request_error', code: 'api_key_invalid', message: 'Invalid API Key provided: the demo server accepts test keys (sk_test_... or rk_test_...).' });
}

export function rateLimited(): ApiError {
  return new ApiError(429, { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.' });
}

export function apiError(): ApiError {
  return new ApiError(500, { type: 'api_error', message: 'An unknown error occurred (injected by the demo server).' });
}
