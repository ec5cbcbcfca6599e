/**
 * Whether `work` settles (resolves or rejects) within `ms`. For the last commands of a closing
 * batch or worker: their connections retry forever (`maxRetriesPerRequest: null`), and a Redis that
 * went away just then, with no watchdog left, would keep them, and the process, waiting for good.
 * The work goes on in the background when it takes longer; its rejection is dropped either way.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
