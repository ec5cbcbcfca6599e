/**
 * A chain with a `branch`: detect the language of a customer message with a regex step, then
 * take the branch that drafts an acknowledgement in that language (English otherwise).
 *
 * Run it: `pnpm --filter @catena/examples branch` (or `node --conditions=@catena/source examples/branch-chain.ts`).
 */
import { assign, branch, code, defineChain, flow, type RegexLabelResult, regex, run } from "@catena/core";
import { z } from "zod";

type Language = "de" | "fr" | "es";

/** What a reply step reads: the detected language. */
interface Detected {
  language: RegexLabelResult<Language>;
}

/** Function words that give a language away (two of them in a row of the text are near-certain). */
const detectLanguage = regex<Language>("detect-language", {
  rules: [
    {
      label: "de",
      pattern:
        /\b(?:ich|nicht|und|bitte|meine?|ist|das|wurde)\b.*\b(?:ich|nicht|und|bitte|meine?|ist|das|wurde)\b/i,
    },
    {
      label: "fr",
      pattern: /\b(?:je|ne|pas|mon|ma|est|le|la|et|vous)\b.*\b(?:je|ne|pas|mon|ma|est|le|la|et|vous)\b/i,
    },
    {
      label: "es",
      pattern: /\b(?:no|mi|el|la|es|por|favor|pedido|y|usted)\b.*\b(?:no|mi|el|la|es|por|favor|pedido|y)\b/i,
    },
  ],
});

/** A step that drafts the acknowledgement in one language. */
function reply(name: string, text: string) {
  return code(name, (d: Detected) => ({ language: d.language.label ?? "en", reply: text }) as const, {
    spec: { text },
  });
}

const input = z.object({ text: z.string().min(1) });

/** Detects the language of a message and drafts an acknowledgement in it. */
export const replyByLanguage = defineChain({
  name: "reply-by-language",
  version: "1.0.0",
  description:
    "Detects the language of a message with a regex step and branches to a reply in that language.",
  input,
  output: z.object({ language: z.enum(["en", "de", "fr", "es"]), reply: z.string() }),
  flow: flow(input)
    .pipe(assign("language", detectLanguage))
    .pipe(
      branch(
        "by-language",
        [
          {
            label: "german",
            when: (d) => d.language.label === "de",
            flow: reply("reply-de", "Danke! Wir melden uns bald."),
          },
          {
            label: "french",
            when: (d) => d.language.label === "fr",
            flow: reply("reply-fr", "Merci ! Nous revenons vers vous."),
          },
          {
            label: "spanish",
            when: (d) => d.language.label === "es",
            flow: reply("reply-es", "¡Gracias! Le responderemos pronto."),
          },
        ],
        { otherwise: reply("reply-en", "Thanks! We'll get back to you soon.") },
      ),
    ),
});

if (import.meta.main) {
  for (const text of [
    "Meine Bestellung ist nicht angekommen, bitte helfen Sie mir.",
    "Je n'ai pas reçu mon colis, pouvez-vous vérifier ?",
    "Mi pedido no ha llegado, por favor ayúdeme.",
    "My parcel never arrived.",
  ]) {
    const r = await run(replyByLanguage, { text });
    const answer = r.status === "done" ? `${r.output.language}: ${r.output.reply}` : r.status;
    console.log(`${text}\n  -> ${answer}  [${r.steps.map((s) => s.name).join(" -> ")}]`);
  }
}
