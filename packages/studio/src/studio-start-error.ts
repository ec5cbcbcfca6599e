/** Why a studio did not start. */
export type StudioStartErrorCode = "insecure-host" | "invalid-option" | "listen-failed";

/**
 * The studio could not start: `insecure-host` when asked to listen on an address other machines
 * reach with no API key, `invalid-option` for an option that cannot work, `listen-failed` when the address or port cannot be bound (the message says
 * which and what to do).
 */
export class StudioStartError extends Error {
  readonly code: StudioStartErrorCode;
  /** The address the studio was asked to listen on. */
  readonly host: string;

  constructor(code: StudioStartErrorCode, host: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StudioStartError";
    this.code = code;
    this.host = host;
  }
}
