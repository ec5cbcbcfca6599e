/**
 * The queues a support message can be routed to, in display order.
 *
 * - `billing`: payments, charges, refunds, invoices and receipts, subscriptions and plans, payment methods.
 * - `shipping`: delivery status and tracking, delivery addresses, damaged, missing or wrong items, exchanges.
 * - `account`: sign-in, passwords, two-factor codes, profile data, account deletion, e-mail preferences, security.
 * - `technical`: bugs, error messages, crashes, pages or apps that do not work, API and integration problems.
 * - `other`: everything else: product questions, stores, partnerships, jobs, feedback and praise.
 */
export const QUEUES = ["billing", "shipping", "account", "technical", "other"] as const;

/** A support queue (see {@link QUEUES}). */
export type Queue = (typeof QUEUES)[number];
