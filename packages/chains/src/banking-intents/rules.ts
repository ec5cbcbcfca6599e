/*
 * The regex tier: only rules that are near-certain. Each rule was kept because it was 100% precise
 * on the training split (and matched at least a few queries); candidates below 99% were dropped
 * (e.g. "activat" → activate_my_card 95%, "exchange rate" 30%, "atm" 12%, "direct debit" 98.8%).
 * rules.test.ts re-checks every rule's precision on train, so an edit that breaks one fails there.
 */
import { type RegexRule, regex } from "@catena/core";
import type { Intent } from "./intents.ts";

/** The near-certain rules, each ≥ 99% precise on the training split. */
export const INTENT_RULES: readonly RegexRule<Intent>[] = [
  { label: "apple_pay_or_google_pay", pattern: /\b(apple|google|android) ?pay\b/i },
  { label: "contactless_not_working", pattern: /\bcontactless\b/i },
  { label: "card_swallowed", pattern: /\bswallow/i },
  { label: "verify_source_of_funds", pattern: /\bsource of (my |the )?(funds|money|income)\b/i },
  { label: "pin_blocked", pattern: /\bpin\b.*\b(blocked|locked)\b|\b(blocked|locked)\b.*\bpin\b/i },
  { label: "change_pin", pattern: /\bchange\b.*\bpin\b/i },
  { label: "automatic_top_up", pattern: /\bauto(matic)?[- ]?(top[- ]?up|topup)/i },
  { label: "lost_or_stolen_phone", pattern: /\bphone\b.*\b(lost|stolen)\b|\b(lost|stolen)\b.*\bphone\b/i },
  { label: "card_about_to_expire", pattern: /\bexpir/i },
  {
    label: "edit_personal_details",
    pattern: /\b(change|update|edit)\b.*\b(address|name|phone number|details)\b/i,
  },
  { label: "fiat_currency_support", pattern: /\bfiat\b/i },
];

/** The regex tier of the cascade. */
export const intentRules = regex("rules", { rules: INTENT_RULES });
