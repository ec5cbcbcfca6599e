/** The longest delay a timer takes: Node fires a longer one after 1 ms (with a warning). */
export const MAX_TIMER_MS = 2_147_483_647;
