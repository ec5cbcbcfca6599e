import { ChatPromptTemplate } from "@langchain/core/prompts";
import { describe, expect, it } from "vitest";
import { templateVariables } from "./template-variables.ts";

describe("templateVariables", () => {
  it("reads the same variables as LangChain's ChatPromptTemplate", () => {
    const templates = [
      "Classify {text}",
      "{a}{b} and {a} again",
      'Answer as JSON: {{"label": "..."}} for {question}',
      "Spaces { kept } like LangChain",
      "no variables at all",
      "{{literal}} only",
    ];
    for (const template of templates) {
      const langchain = ChatPromptTemplate.fromMessages([["human", template]]).inputVariables;
      expect(templateVariables(template)).toEqual(langchain);
    }
  });

  it("rejects unbalanced braces, as LangChain does", () => {
    expect(() => templateVariables("oops {text")).toThrow(/unclosed/);
    expect(() => templateVariables("oops } here")).toThrow(/single "}"/);
    expect(() => ChatPromptTemplate.fromMessages([["human", "oops } here"]])).toThrow();
  });
});
