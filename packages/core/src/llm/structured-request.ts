/** How structured output is asked for: the JSON Schema given to `withStructuredOutput`, and its method. */
export interface StructuredRequest {
  schema: Record<string, unknown>;
  name: string;
  method?: "jsonSchema" | "functionCalling" | "jsonMode";
}
