/**
 * The variables of an f-string prompt template (`{name}`; `{{` and `}}` are literal braces), in
 * order of first use, exactly as LangChain's f-string parser reads them. It runs when a chain is
 * defined, without loading LangChain, so that defining chains stays cheap; a test keeps it in step
 * with `ChatPromptTemplate.inputVariables`.
 *
 * @example
 * templateVariables("Classify {text} into {labels}; answer as {{\"label\": ...}}") // ["text", "labels"]
 */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if ((c === "{" || c === "}") && template[i + 1] === c) {
      i += 2;
    } else if (c === "{") {
      const close = template.indexOf("}", i);
      if (close < 0) throw new SyntaxError(`unclosed "{" at position ${i} of the prompt template`);
      const name = template.slice(i + 1, close);
      if (!names.includes(name)) names.push(name);
      i = close + 1;
    } else if (c === "}") {
      throw new SyntaxError(
        `single "}" at position ${i} of the prompt template; write "}}" for a literal brace`,
      );
    } else {
      i++;
    }
  }
  return names;
}
