import { CatenaError, type CatenaErrorOptions } from "@catena/core";

/** The guard rules of the sql-qa chain, by the name a rejection reports. */
export type SqlGuardRule =
  | "single-statement"
  | "select-only"
  | "forbidden-keyword"
  | "allowed-tables"
  | "limit";

/**
 * The guard refused the SQL the model wrote: `rule` names the rule it breaks, the message says
 * what in the statement breaks it. Nothing was run.
 *
 * @example
 * if (error.code === "SQL_REJECTED") console.log(error.details.rule) // "forbidden-keyword"
 */
export class SqlRejectedError extends CatenaError<"SQL_REJECTED"> {
  readonly rule: SqlGuardRule;
  readonly sql: string;
  constructor(rule: SqlGuardRule, sql: string, reason: string, options: CatenaErrorOptions = {}) {
    super(
      "SQL_REJECTED",
      `The SQL guard rejected the statement (rule "${rule}"): ${reason}. Only one read-only SELECT over the allowed tables is run. Statement: ${oneLine(sql)}`,
      { ...options, details: { rule, sql, ...options.details } },
    );
    this.rule = rule;
    this.sql = sql;
  }
}

/**
 * SQLite could not compile or run a statement that passed the guard (a column that does not
 * exist, a syntax error, a query that ran past its time limit); the message names the statement.
 */
export class SqlQueryError extends CatenaError<"SQL_FAILED"> {
  readonly sql: string;
  constructor(sql: string, reason: string, options: CatenaErrorOptions = {}) {
    super("SQL_FAILED", `SQLite could not run the statement: ${reason}. Statement: ${oneLine(sql)}`, {
      ...options,
      details: { sql, reason, ...options.details },
    });
    this.sql = sql;
  }
}

function oneLine(sql: string): string {
  const line = sql.replace(/\s+/g, " ").trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
