/** Whether `error` is SQLite's SQLITE_BUSY or SQLITE_LOCKED (or one of their extended codes): another connection holds the lock. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { errcode?: number } | null)?.errcode;
  return code !== undefined && ((code & 0xff) === 5 || (code & 0xff) === 6);
}
