/*
 * Support tickets of three labels, for the tests of a user's own trainable chain
 * (tests/fixtures/cli/trainable-chains.ts): made from templates, so that the classifier and kNN tiers
 * have something to learn, cut into a train split, a dev split and traffic, with no text in two of them.
 */

/** One labelled ticket. */
export interface Ticket {
  text: string;
  label: string;
}

const TEMPLATES: Record<string, { says: string[]; about: string[] }> = {
  billing: {
    says: [
      "I was charged twice for {x}",
      "Please refund the payment for {x}",
      "My invoice for {x} is wrong",
      "Why did my card get billed for {x}",
      "Cancel the subscription charge for {x}",
    ],
    about: [
      "the monthly plan",
      "the annual plan",
      "last month",
      "the pro upgrade",
      "my team seats",
      "the storage add-on",
      "March",
      "the renewal",
    ],
  },
  bug: {
    says: [
      "The app crashes when I open {x}",
      "{x} shows an error 500",
      "The export button in {x} does nothing",
      "{x} freezes after the update",
      "I found a bug in {x}",
    ],
    about: [
      "the dashboard",
      "the reports page",
      "settings",
      "the mobile app",
      "the editor",
      "the calendar",
      "search",
      "the chart view",
    ],
  },
  login: {
    says: [
      "I cannot log in to {x}",
      "My password does not work on {x}",
      "I am locked out of {x}",
      "The two-factor code never arrives for {x}",
      "Please send a password reset link for {x}",
    ],
    about: [
      "my account",
      "the admin console",
      "the web app",
      "my work email",
      "the team workspace",
      "the iPhone app",
      "single sign-on",
      "the old account",
    ],
  },
};

/** Every ticket, 40 of each label, in a fixed order. */
const all: Ticket[] = Object.entries(TEMPLATES).flatMap(([label, { says, about }]) =>
  says.flatMap((say) => about.map((x) => ({ text: say.replace("{x}", x), label }))),
);

/** A quarter of each label's tickets: the dev split. */
export const ticketsDev: readonly Ticket[] = all.filter((_, i) => i % 4 === 0);
/** A quarter: the traffic the chain serves (and the LLM labels). */
export const ticketsTraffic: readonly Ticket[] = all.filter((_, i) => i % 4 === 1);
/** The other half: the train split. */
export const ticketsTrain: readonly Ticket[] = all.filter((_, i) => i % 4 >= 2);
/** The label of each ticket's text, as the scripted LLM answers it. */
export const ticketGold: ReadonlyMap<string, string> = new Map(all.map((t) => [t.text, t.label]));
