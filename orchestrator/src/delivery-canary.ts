/**
 * The canary events `npm run verify-deployment` puts on each region's platform bus, which the
 * `DeliveryCanary` construct's rule routes to its encrypted topic and queue (and nothing else: the
 * platform rule matches sources starting with `trading.`).
 */
export const DELIVERY_CANARY_SOURCE = 'trading-dr.verify';
export const DELIVERY_CANARY_DETAIL_TYPE = 'Delivery canary';
