import type { BaseMessage } from "@langchain/core/messages";
import { z } from "zod";
import { ChainDefinitionError, schemaIssues } from "../errors/errors.ts";
import { ModelOutputError } from "../errors/llm-errors.ts";
import { describeModel, ownRetries } from "../llm/chat-model-resolver.ts";
import { warnFloatingModel } from "../llm/floating-models.ts";
import { logprobConfidence, sampleAgreement, tokenLogprobsOf } from "../llm/label-confidence.ts";
import { loadLangChain } from "../llm/langchain-runtime.ts";
import { compilePrompt, valuesFor } from "../llm/llm-prompt.ts";
import type { LlmLabelResult, LlmStepOptions } from "../llm/llm-step-options.ts";
import { modelCallAnnotation, traceOtherCall } from "../llm/model-call-trace.ts";
import { type ModelAnswer, ModelCaller } from "../llm/model-caller.ts";
import { checkLlmStepNumbers } from "../llm/numeric-options.ts";
import { DiskResponseCache, defaultResponseCache, type ResponseCache } from "../llm/response-cache.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../llm/retry-policy.ts";
import {
  type AnswerSchema,
  contentText,
  readStructuredAnswer,
  type StructuredAnswer,
} from "../llm/structured-answer.ts";
import type { StructuredRequest } from "../llm/structured-request.ts";
import { UnreadableAnswer } from "../llm/unreadable-answer.ts";
import type { JsonValue, Step, StepContext } from "../types.ts";

type LabelOf<O> = O extends { labels: readonly (infer L extends string)[] } ? L : string;
type SchemaFields<O> = O extends { schema: infer S extends z.ZodType } ? Omit<z.output<S>, "label"> : unknown;

/**
 * What an llm step answers: `{ label, confidence, confidenceFrom, model, ... }` with `labels`, the
 * schema's output with `schema`, else the answer's text.
 */
export type LlmOutput<O extends LlmStepOptions> = O extends { labels: readonly string[] }
  ? LlmLabelResult<LabelOf<O>> & SchemaFields<O>
  : O extends { schema: infer S extends z.ZodType }
    ? z.output<S>
    : string;

/**
 * A step that asks a LangChain chat model: a prompt template filled from the input, structured
 * output validated against a zod schema (an invalid answer goes back to the model once with the
 * errors), or a label with a confidence from token log-probabilities or sample agreement. Calls
 * are rate limited per provider, retried with backoff on 429/5xx/timeouts (honouring
 * `Retry-After`), fall back to other models, and record tokens and cost. With no provider
 * configured it fails with `PROVIDER_NOT_CONFIGURED`, so a cascade defers the item.
 *
 * @example
 * llm("intent", {
 *   model: "openai:gpt-4.1-mini-2025-04-14",
 *   prompt: { system: "Classify banking questions.", user: "{text}" },
 *   labels: ["card_arrival", "pin_blocked", "other"],
 * })
 */
export function llm<const O extends LlmStepOptions>(name: string, options: O): Step<unknown, LlmOutput<O>> {
  const prompt = compilePrompt(options.prompt);
  const labels = options.labels === undefined ? undefined : [...options.labels];
  if (labels !== undefined && labels.length === 0) {
    throw new ChainDefinitionError(
      `llm step "${name}": \`labels\` is empty; list the labels the model may answer with.`,
    );
  }
  checkPromptAgainstInput(name, prompt.variables, options.input);
  checkLlmStepNumbers(name, options);
  const models = [options.model, ...(options.fallbacks ?? [])];
  const described = models.map(describeModel);
  for (const m of described) warnFloatingModel(name, m.id);
  for (const model of models) {
    const retries = ownRetries(model);
    if (retries > 0) {
      // Two layers of retries multiply: 5 attempts of the step × 7 of LangChain's caller per model.
      process.emitWarning(
        `llm step "${name}": the chat model instance ${describeModel(model).id} retries failed calls itself (maxRetries ${retries}); create it with \`maxRetries: 0\` so that the step's retries, Retry-After handling, rate limit and fallbacks are the only ones.`,
        { code: "CATENA_MODEL_RETRIES" },
      );
    }
  }

  const answerSchema = answerSchemaOf(options.schema, labels);
  const structured: StructuredRequest | undefined = answerSchema
    ? {
        schema: jsonSchemaFor(answerSchema, labels),
        name: structuredName(name),
        ...(options.method === undefined ? {} : { method: options.method }),
      }
    : undefined;
  const validator = answerSchema ? labelChecked(answerSchema as AnswerSchema, labels) : undefined;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const repairs = options.repairs ?? 1;
  const samples = options.samples ?? 1;
  const logprobs = options.logprobs ?? labels !== undefined;
  const examples = options.examples ?? [];
  const inputSchema = options.input;
  const cache = cacheOption(options.cache);
  const caller = new ModelCaller({
    step: name,
    models,
    settings: {
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
      ...(logprobs ? { logprobs: true } : {}),
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    },
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    retry,
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(structured === undefined ? {} : { structured }),
    ...(options.allowEmpty === undefined ? {} : { allowEmpty: options.allowEmpty }),
    cache,
  });

  const spec: { [key: string]: JsonValue } = {
    model: described[0]?.spec ?? null,
    fallbacks: described.slice(1).map((d) => d.spec),
    prompt: prompt.spec,
    examples: JSON.parse(JSON.stringify(examples)) as JsonValue,
    schema: structured?.schema ? (structured.schema as JsonValue) : null,
    labels: labels ?? null,
    temperature: options.temperature ?? null,
    maxTokens: options.maxTokens ?? null,
    seed: options.seed ?? null,
    samples,
    repairs,
    logprobs,
    method: options.method ?? null,
    // Only when set: the fingerprints of steps defined before the option stay as they were.
    ...(options.allowEmpty === false ? { allowEmpty: false } : {}),
  };

  /** An answer that passed the schema, repairing it with the validation errors when it did not. */
  const structuredAnswer = async (
    messages: BaseMessage[],
    ctx: StepContext,
    sample: number,
  ): Promise<{ value: Record<string, unknown>; answer: ModelAnswer }> => {
    let conversation = messages;
    for (let repair = 0; ; repair++) {
      let read: StructuredAnswer<Record<string, unknown>>;
      let model: string;
      let answered: (Pick<ModelAnswer, "call"> & { message?: ModelAnswer["message"] }) | undefined;
      try {
        const answer = await caller.call(conversation, ctx, sample);
        read = readStructuredAnswer(answer.message, validator as AnswerSchema<Record<string, unknown>>);
        if (read.ok) {
          traceAnswer(ctx, name, answer, sample);
          return { value: read.value, answer };
        }
        model = answer.model;
        answered = answer;
      } catch (error) {
        if (!(error instanceof UnreadableAnswer)) throw error;
        read = { ok: false, rawText: error.rawText, issues: [{ path: "", message: error.reason }] };
        model = error.model;
        if (error.call !== undefined) answered = { call: error.call };
      }
      const invalid = new ModelOutputError(name, model, read.rawText, read.issues, {
        details: { attempts: repair + 1 },
      });
      if (repair >= repairs) {
        // The step's run is its last call, and states the error.
        if (answered !== undefined)
          ctx.trace.annotate?.(modelCallAnnotation(answered.call, answered.message));
        throw invalid;
      }
      if (answered !== undefined) {
        const { call, message } = answered;
        traceOtherCall(ctx.trace, `${name} (attempt ${call.attempt})`, call, {
          error: invalid,
          ...(message === undefined ? {} : { answer: message }),
        });
      }
      ctx.logger.debug(`llm step "${name}": the answer does not match the schema; asking again`, {
        issues: read.issues,
      });
      const { AIMessage, HumanMessage } = await loadLangChain();
      conversation = [
        ...messages,
        ...(read.rawText === "" ? [] : [new AIMessage(read.rawText)]),
        new HumanMessage(repairRequest(read.issues)),
      ];
    }
  };

  const run = async (input: unknown, ctx: StepContext): Promise<unknown> => {
    const data = inputSchema ? parseInput(name, inputSchema, input) : input;
    const messages = await prompt.format(
      valuesFor(data, prompt.variables, `the input of llm step "${name}"`),
      examples,
    );
    if (validator === undefined) {
      const answer = await caller.call(messages, ctx);
      traceAnswer(ctx, name, answer, 0);
      return contentText(answer.message.content);
    }
    const first = await structuredAnswer(messages, ctx, 0);
    if (labels === undefined) return first.value;
    const label = first.value.label as string;
    const fromLogprobs = logprobConfidence(tokenLogprobsOf(first.answer.message), label);
    if (fromLogprobs !== undefined) {
      return {
        ...first.value,
        label,
        confidence: fromLogprobs,
        confidenceFrom: "logprobs",
        model: first.answer.model,
      };
    }
    if (samples <= 1) {
      return { ...first.value, label, confidence: 1, confidenceFrom: "none", model: first.answer.model };
    }
    const more = await Promise.all(
      Array.from({ length: samples - 1 }, (_, i) => structuredAnswer(messages, ctx, i + 1)),
    );
    const all = [first, ...more];
    const vote = sampleAgreement(all.map((a) => a.value.label as string)) ?? { label, confidence: 1 };
    const chosen = all.find((a) => a.value.label === vote.label) ?? first;
    return {
      ...chosen.value,
      label: vote.label,
      confidence: vote.confidence,
      confidenceFrom: "samples",
      model: chosen.answer.model,
    };
  };

  return {
    type: "step",
    name,
    kind: "llm",
    spec,
    // Without its own input schema, the step's prompt variables are checked by defineChain.
    ...(inputSchema === undefined ? { inputKeys: prompt.variables } : {}),
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    run: run as (input: unknown, ctx: StepContext) => Promise<LlmOutput<O>>,
  };
}

/**
 * The step's run is the model call that answered (the first sample's): its messages, answer,
 * usage and model. Further samples are runs of their own beside it.
 */
function traceAnswer(ctx: StepContext, step: string, answer: ModelAnswer, sample: number): void {
  if (!ctx.trace.active) return;
  if (sample === 0) ctx.trace.annotate?.(modelCallAnnotation(answer.call, answer.message));
  else traceOtherCall(ctx.trace, `${step} (sample ${sample + 1})`, answer.call, { answer: answer.message });
}

function checkPromptAgainstInput(
  step: string,
  variables: readonly string[],
  input: z.ZodType | undefined,
): void {
  if (input === undefined) return;
  const keys = objectKeys(input);
  if (keys === undefined) {
    if (variables.length <= 1 && jsonType(input) === "string") return;
    throw new ChainDefinitionError(
      `llm step "${step}": \`input\` must be a zod object whose keys are the prompt's variables (${variables.join(", ")}).`,
      { details: { step, variables } },
    );
  }
  const missing = variables.filter((v) => !keys.includes(v));
  if (missing.length > 0) {
    throw new ChainDefinitionError(
      `llm step "${step}": the prompt uses ${missing.map((m) => `"${m}"`).join(", ")}, which the step's input schema does not have (it has ${keys.join(", ") || "no keys"}). Add ${missing.length === 1 ? "it" : "them"} to \`input\` or fix the prompt.`,
      { details: { step, missing, keys } },
    );
  }
}

function objectKeys(schema: z.ZodType): string[] | undefined {
  try {
    const json = z.toJSONSchema(schema, { unrepresentable: "any", io: "input" }) as {
      type?: string;
      properties?: Record<string, unknown>;
    };
    return json.type === "object" && json.properties ? Object.keys(json.properties) : undefined;
  } catch {
    return undefined;
  }
}

function jsonType(schema: z.ZodType): string | undefined {
  try {
    return (z.toJSONSchema(schema, { unrepresentable: "any" }) as { type?: string }).type;
  } catch {
    return undefined;
  }
}

function answerSchemaOf(schema: z.ZodType | undefined, labels: string[] | undefined): z.ZodType | undefined {
  if (schema !== undefined) return schema;
  if (labels === undefined) return undefined;
  return z.object({ label: z.enum(labels as [string, ...string[]]) });
}

/** The schema with, for labelling steps, the check that `label` is one of the labels. */
function labelChecked(schema: AnswerSchema, labels: string[] | undefined): AnswerSchema {
  if (labels === undefined) return schema;
  return {
    safeParse(value) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) return parsed;
      const label = (parsed.data as { label?: unknown } | null)?.label;
      if (typeof label === "string" && labels.includes(label)) return parsed;
      return {
        success: false,
        error: {
          issues: [
            { path: ["label"], message: `must be one of ${labels.join(", ")}, got ${JSON.stringify(label)}` },
          ],
        },
      };
    },
  };
}

/** The JSON Schema sent for structured output; for labelling steps `label` is an enum of the labels. */
function jsonSchemaFor(schema: z.ZodType, labels: string[] | undefined): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  if (labels !== undefined) {
    const properties = (json.properties ?? {}) as Record<string, unknown>;
    json.type = "object";
    json.properties = { ...properties, label: { type: "string", enum: labels } };
    const required = Array.isArray(json.required) ? (json.required as string[]) : [];
    json.required = required.includes("label") ? required : ["label", ...required];
  }
  return json;
}

function structuredName(step: string): string {
  // OpenAI requires function and schema names of letters, digits, "_" and "-".
  return step.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "answer";
}

function repairRequest(issues: ReadonlyArray<{ path: string; message: string }>): string {
  const list = issues.map((i) => `- ${i.path || "(answer)"}: ${i.message}`).join("\n");
  return `Your answer does not match the required JSON schema:\n${list}\nAnswer again with JSON that matches the schema exactly, and nothing else.`;
}

function parseInput(step: string, schema: z.ZodType, input: unknown): unknown {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = schemaIssues(parsed.error)
    .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join("; ");
  throw new TypeError(`the input of llm step "${step}" does not match its input schema: ${issues}`);
}

function cacheOption(option: ResponseCache | string | false | undefined): () => ResponseCache | undefined {
  if (option === false) return () => undefined;
  if (typeof option === "string") {
    const disk = new DiskResponseCache(option);
    return () => disk;
  }
  if (option !== undefined) return () => option;
  return defaultResponseCache;
}
